"""Rich text for the replay screen's panes, from one step's view (`replay_model.StepView`).

Every function here reads only the `StepView` it is given — the case as it stood at that
step — plus, for pinned notes, the notes pinned to it; nothing reads the case as it stands now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from hypotrack.domain import wording
from hypotrack.domain.wording import items_on_file
from hypotrack.tui.replay_model import PinnedNote, StepView
from hypotrack.tui.widgets.chart import ChartData, ChartLine
from hypotrack.tui.widgets.render import NETWORK, WORKER, bar_with_pct, clip, severity

BAR = 14


def zone_of_view(view: StepView) -> ZoneInfo:
    info = view.state.info
    return ZoneInfo(info.timezone if info else "UTC")


def local(at: datetime, view: StepView) -> str:
    """'4 Feb 09:30' in the case's zone."""
    return wording.day_time(at, zone_of_view(view))


def local_day(at: datetime, view: StepView) -> str:
    """'4 Feb' in the case's zone."""
    return wording.day(at, zone_of_view(view))


def happened(item: Any, view: StepView) -> str:
    """When an item happened (its `observed`), else when it was recorded: lists name items by
    the day they happened, not the day they were typed."""
    observed = item.spec.observed
    if observed is None:
        return local(item.recorded, view)
    if isinstance(observed, datetime):
        return local(observed, view)
    return wording.day(observed)


def event_panel(view: StepView, zone: ZoneInfo, point_a: int | None, a_at: datetime | None) -> Text:
    """The step, its time, the event in words, and what changed in the flags."""
    text = Text()
    text.append(f"Step {view.step + 1} of {view.total}", style="bold")
    text.append(f" · {wording.moment_weekday(view.at, zone)}")
    text.append(" · as known then (nothing later is shown)", style="dim")
    if point_a is not None and a_at is not None:
        text.append(
            f"   A: step {point_a + 1} ({wording.day_time(a_at, zone)})", style="bold reverse"
        )
    text.append("\n")
    text.append(view.description)
    if view.raised or view.closed:
        text.append("\n")
        if view.raised:
            text.append("Flags raised: ")
            for i, f in enumerate(view.raised):
                if i:
                    text.append(", ")
                text.append_text(severity(f.severity))
                text.append(f" {f.id}")
        if view.closed:
            text.append("  ·  " if view.raised else "")
            text.append("Flags closed: " + ", ".join(view.closed))
    if view.pinned_here:
        text.append("\n")
        n = len(view.pinned_here)
        text.append(
            f"◆ {n} note{'s' if n > 1 else ''} pinned to this point (written later; on the left)",
            style="bold",
        )
    return text


def beliefs_panel(view: StepView, width: int = 52) -> RenderableType:
    """Both belief lines at the step: the network's and the worker's, per live explanation.

    Two lines each: the explanation in full (labels are long and clipping them hides what
    they say), then the network's bar and the worker's bar side by side.
    """
    state = view.state
    j = view.judgement
    worker = view.worker
    favoured = j.favoured if j is not None else None
    bar = max(4, min(BAR, (width - 27) // 2))  # both bars on one line, in a narrow pane too
    text = Text()
    text.append("Explanations as they stood", style="bold")
    if j is not None:
        text.append(f" · you = {j.judgement} of {local_day(j.at, view)}", style="dim")
    text.append("\n")
    for h in state.hypotheses.values():
        if not h.live:
            continue
        text.append("★ " if h.id == favoured else "  ", style="bold")
        suffix = " (catch-all)" if h.spec.catch_all else ""
        text.append(clip(h.label, width - 2 - len(suffix)))
        text.append(suffix, style="italic dim")
        text.append("\n    ")
        text.append("net ", style=f"bold {NETWORK}")
        text.append_text(bar_with_pct(view.posterior.get(h.id), bar, NETWORK))
        text.append("   ")
        text.append("you ", style=f"bold {WORKER}")
        text.append_text(bar_with_pct(worker.get(h.id) if worker else None, bar, WORKER))
        text.append("\n")
    for h in state.hypotheses.values():
        if h.live:
            continue
        text.append(
            f"✗ {clip(h.label, 30)} — retired {local_day(h.retired, view)}: "
            f"{h.retired_reason or ''}\n",
            style="dim",
        )
    if j is None:
        text.append(
            "No judgement recorded yet: the worker's line starts at the first.", style="dim"
        )
    else:
        text.append("★ the worker's favoured explanation at this step", style="dim")
    return text


def flags_panel(view: StepView) -> RenderableType:
    """The flags as they stood at the step, each in the sentence a practitioner would say."""
    head = Text(f"Flags as they stood ({len(view.flags)})", style="bold")
    if view.judgement is None and not view.flags:
        return Group(
            head, Text("None: flags start with the worker's first judgement.", style="dim")
        )
    if not view.flags:
        return Group(head, Text("None at this step.", style="dim"))
    parts: list[RenderableType] = [head]
    raised = {f.id for f in view.raised}
    for f in view.flags:
        line = severity(f.severity, f.acknowledged)
        line.append(f" {f.id}", style="bold")
        if f.id in raised:
            line.append("  new at this step", style="italic")
        parts.append(line)
        parts.append(Text(f.message, style=""))
        if f.acknowledged and f.acknowledgement:
            parts.append(Text(f"✓ Acknowledged by the worker: {f.acknowledgement}", style="italic"))
        elif f.earlier_acknowledgement:
            parts.append(
                Text(
                    f"New since the acknowledgement ({f.lapsed}). "
                    f"Earlier reason: {f.earlier_acknowledgement}",
                    style="italic",
                )
            )
        parts.append(Text(f"Supervision question: {f.question}", style="dim"))
    return Group(*parts)


def pinned_panel(view: StepView) -> RenderableType:
    """Notes a supervisor pinned to this point afterwards; always labelled as written later."""
    if not view.pinned_here:
        return Text("")
    parts: list[RenderableType] = [Text("Pinned to this point (written later)", style="bold")]
    for p in view.pinned_here:
        parts.append(pinned_line(p, view))
    return Group(*parts)


def pinned_line(p: PinnedNote, view: StepView) -> Text:
    zone = zone_of_view(view)
    head = Text("◆ ", style="bold")
    head.append(f"{wording.note_words(p.kind)} {p.id}", style="bold")
    head.append(f" · {p.who or 'unknown'} · written {wording.moment(p.written, zone)}")
    head.append("\n")
    head.append(p.text)
    return head


def on_file_panel(view: StepView) -> RenderableType:
    """What was on file at the step: items, enquiries, judgements and notes — nothing later."""
    state = view.state
    items = list(state.items.values())
    retracted = sum(1 for i in items if not i.live)
    head = Text("On file at this step: ", style="bold")
    head.append(
        items_on_file(len(items) - retracted, retracted)
        + f", {len(state.enquiries)} enquir{'ies' if len(state.enquiries) != 1 else 'y'}"
        + f", {len(state.judgements)} judgement{'s' if len(state.judgements) != 1 else ''}"
        + f", {len(state.notes)} note{'s' if len(state.notes) != 1 else ''}"
    )
    parts: list[RenderableType] = [head]
    for title, table in (
        ("Evidence (newest first)", items_on_file_table(view)),
        ("Enquiries", enquiries_table(view)),
        ("Judgements", judgements_table(view)),
        ("Notes", notes_table(view)),
    ):
        if table is not None:
            parts += [Text(title, style="bold underline"), table]
    return Group(*parts)


def _on_file_table() -> Table:
    """The three columns of every list on file: id, when, what (cut at the width)."""
    t = Table(box=None, show_header=False, padding=(0, 1, 0, 0), expand=True)
    t.add_column("id", width=4, no_wrap=True)
    t.add_column("when", width=12, no_wrap=True)
    t.add_column("what", ratio=1, no_wrap=True, overflow="ellipsis")
    return t


def items_on_file_table(view: StepView) -> Table | None:
    """The items, newest first; retracted ones struck through with when they were retracted."""
    state = view.state
    if not state.items:
        return None
    t = _on_file_table()
    for item in reversed(list(state.items.values())):
        s = state.sources.get(item.spec.source)
        what = Text(item.spec.text, style="strike dim" if not item.live else "")
        what.append(f" — {s.spec.label if s else item.spec.source}", style="dim")
        if item.amendments:
            what.append(" (amended)", style="italic")
        if not item.live:
            what = Text(f"retracted {local(item.retracted, view)}: ", style="italic").append_text(
                what
            )
        t.add_row(item.id, happened(item, view), what)
    return t


def enquiries_table(view: StepView) -> Table | None:
    """The enquiries, newest first, each open or answered by an item."""
    state = view.state
    if not state.enquiries:
        return None
    t = _on_file_table()
    for q in reversed(list(state.enquiries.values())):
        status = f"answered by {q.answered_by}" if q.answered_by else "open"
        t.add_row(q.id, local(q.raised, view), Text(f"{q.spec.text} — {status}"))
    return t


def judgements_table(view: StepView) -> Table | None:
    """The worker's judgements, newest first: the favoured explanation and its share."""
    state = view.state
    if not state.judgements:
        return None
    t = _on_file_table()
    for j in reversed(state.judgements):
        ratings = {h: v / sum(j.ratings.values()) for h, v in j.ratings.items()}
        what = Text(
            f"favours {state.label(j.favoured)} ({wording.percent_figure(ratings[j.favoured])})"
            if j.favoured
            else "no favourite (a tie at the top)"
        )
        if j.who:
            what.append(f" — {j.who}", style="dim")
        t.add_row(j.id, local(j.at, view), what)
    return t


def notes_table(view: StepView) -> Table | None:
    """The notes written by then, newest first, and the notes pinned earlier (written later)."""
    state = view.state
    if not (state.notes or view.pinned_earlier):
        return None
    t = _on_file_table()
    for n in reversed(state.notes):
        kind = wording.note_words(n.spec.kind)
        what = Text(f"{kind}: ", style="bold")
        what.append(n.spec.text)
        if n.who:
            what.append(f" — {n.who}", style="dim")
        t.add_row(n.spec.id, local(n.at, view), what)
    for p in view.pinned_earlier:
        what = Text(f"◆ pinned to step {p.step + 1}, written later: ", style="italic")
        what.append(p.text)
        t.add_row(p.id, local(p.pinned_at, view), what)
    return t


def chart_data(track, view: StepView) -> ChartData:  # noqa: ANN001 - replay_model.Track
    """The chart's data at a step: only explanations that existed then, labelled as then."""
    state = view.state
    k = view.step
    lines = []
    for h in track.hypotheses:
        hs = state.hypotheses.get(h)
        if hs is None:  # added after this step: absent, not greyed out
            continue
        note = "catch-all" if hs.spec.catch_all else ""
        if not hs.live:
            note = f"retired {local_day(hs.retired, view)}"
        lines.append(
            ChartLine(
                id=h, label=hs.label, network=track.network[h], worker=track.worker[h], note=note
            )
        )
    flags = {}
    if track.flags is not None:
        for s in range(1, min(k, track.total - 1) + 1):
            sev = track.raised(s)
            if sev:
                flags[s] = sev
    zone = zone_of_view(view)
    first = track.times[0].astimezone(zone)
    return ChartData(
        lines=lines,
        total=track.total,
        step=k,
        judgements=frozenset(s for s in track.judgements if s <= k),
        flags=flags,
        pins=frozenset(p.step for p in track.pinned if p.step <= k),
        flags_ready=track.flags is not None,
        start_label=wording.day(first),
        step_label=_step_label(view, first),
    )


def _step_label(view: StepView, first: datetime) -> str:
    """The current step's date under the chart's axis, in the case's zone.

    The axis is the case's timeline in steps, so a note written a year later about an earlier
    point does not stretch it; its own step (at the end, when it was written) says so, with the
    year, and the ◆ sits at the step it is pinned to.
    """
    at = view.at.astimezone(zone_of_view(view))
    label = wording.moment(at) if at.year != first.year else wording.day_time(at)
    note = getattr(view.event, "note", None)
    if note is not None and getattr(note, "pinned_at", None) is not None:
        label = f"note written {label}"
    return label
