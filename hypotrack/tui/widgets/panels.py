"""Rich text for the workspace's detail panes: an item, its movement, a flag, an enquiry.

Plain functions from the case and the reasoning's results to text, so they are easy to test
and the screen only decides what is selected.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from hypotrack.domain import wording
from hypotrack.domain.rules import RULES_BY_ID
from hypotrack.domain.state import CaseState
from hypotrack.domain.wording import bearing, percent, percent_cell, ratio_text
from hypotrack.domain.yardstick import describe
from hypotrack.reasoning.explain import Movement
from hypotrack.tui.widgets.render import AGAINST, FOR, clip, direction, severity

if TYPE_CHECKING:
    from hypotrack.domain.results import Flag


def status_line(
    state: CaseState,
    posterior: dict[str, float] | None,
    favoured: str | None,
    worker_owned: bool,
    flags: list[Flag] | None,
) -> Text:
    """One line under the explanations: the favoured one, the network's top one, the flags."""
    text = Text()
    if favoured is None and not worker_owned and not state.live_hypotheses:
        text.append("No explanations yet: press h to add one.", style="bold")
        return text
    text.append_text(favoured_part(state, posterior, favoured, worker_owned))
    text.append(" · flags ")
    text.append_text(flag_counts(flags))
    text.append_text(unweighed_lines(state))
    return text


def favoured_part(
    state: CaseState, posterior: dict[str, float] | None, favoured: str | None, worker_owned: bool
) -> Text:
    """The favoured explanation (the worker's, else the network's top) and whose it is."""
    text = Text()
    j = state.latest_judgement
    if favoured is None and not worker_owned:
        text.append("No judgement yet (press j)", style="bold italic")
        text.append(" · the network has no favourite: a tie at the top")
    elif j is not None and j.favoured is None and worker_owned:
        text.append(f"No favourite (yours, {j.id} {wording.day(j.at)}: a tie at the top)")
    elif worker_owned and j is not None:
        text.append("★ ", style="bold")
        text.append(clip(state.label(favoured), 26), style="bold")
        text.append(f" (yours, {j.id} {wording.day(j.at)})")
        if posterior:
            top = max(posterior, key=lambda h: posterior[h])
            text.append(" · network's top: ")
            text.append(f"{clip(state.label(top), 20)} {percent_cell(posterior[top]).strip()}")
    else:
        text.append("No judgement yet (press j)", style="bold italic")
        text.append(" · ★ marks the network's top: ")
        text.append(clip(state.label(favoured), 26), style="bold")
        if posterior and favoured in posterior:
            text.append(f" {percent_cell(posterior[favoured]).strip()}")
    return text


def flag_counts(flags: list[Flag] | None) -> Text:
    """Open flags by severity, then the acknowledged ones under their own severity."""
    text = Text()
    if flags is None:
        text.append("…", style="dim")
    elif not flags:
        text.append("none")
    else:
        open_flags = [f for f in flags if not f.acknowledged]
        for sev in ("red", "amber"):
            n = sum(1 for f in open_flags if f.severity == sev)
            if n:
                text.append_text(severity(sev))
                text.append(f" {n} ")
        # Acknowledged flags are counted apart under their own severity, never as nothing.
        for sev in ("red", "amber"):
            n = sum(1 for f in flags if f.acknowledged and f.severity == sev)
            if n:
                text.append_text(severity(sev))
                text.append(f" {n} ")
                text.append("✓ ack ", style="dim")
    return text


def unweighed_lines(state: CaseState) -> Text:
    """A line per explanation not yet weighed against earlier items (b to weigh)."""
    text = Text()
    for h in state.live_hypotheses:
        n = len(state.hypotheses[h].unweighed)
        if n:
            # Neutral is a placeholder, not a judgement (DESIGN §2).
            text.append("\n⚖ ", style="bold")
            text.append(clip(state.label(h), 30), style="bold")
            text.append(
                f": not yet weighed against {n} earlier item{'s' if n != 1 else ''} (b to weigh)"
            )
    return text


def item_detail(
    state: CaseState, item_id: str | None, reliability: dict[str, float] | None
) -> RenderableType:
    """The full item: text, source and its reliability, when, and the likelihoods as entered."""
    item = state.items.get(item_id or "")
    if item is None:
        return Text("No item selected. Press e to add one.", style="dim")
    spec = item.spec
    head = Text()
    head.append(f"{item.id}  ", style="bold")
    head.append(spec.text, style="strike" if not item.live else "")
    lines = [head]
    source = state.sources.get(spec.source)
    src = Text("Source: ")
    src.append(source.spec.label if source else spec.source, style="bold")
    if source is not None:
        src.append(f" · your reliability {source.reliability:.2f}")
        if reliability and spec.source in reliability and source.reliability < 1:
            src.append(f" · the network now believes it reliable at {reliability[spec.source]:.2f}")
    lines.append(src)
    when = Text(
        f"Happened: {wording.observed(spec.observed)} · recorded {wording.moment(item.recorded)}"
    )
    if spec.answers is not None:
        when.append(f" · answers enquiry {spec.answers.enquiry} ({spec.answers.result})")
    lines.append(when)
    if item.amendments:
        last = item.amendments[-1]
        by = f" by {last.who}" if last.who else ""
        lines.append(
            Text(
                f"Amended {wording.moment(last.at)}{by}: {last.reason or 'no reason given'}",
                style="italic",
            )
        )
    if not item.live:
        lines.append(
            Text(
                f"Retracted {wording.moment(item.retracted)}: {item.retracted_reason or ''}",
                style=f"bold {AGAINST}",
            )
        )
    likes = Text("Likelihoods: ")
    for h in state.live_hypotheses:
        if h in item.likelihood:
            entered = spec.entered.get(h)
            if isinstance(entered, str):
                shown = entered
            elif entered is not None:
                shown = f"{entered:g}"
            else:
                shown = describe(item.likelihood[h])
            likes.append(f"{h} ", style="bold")
            likes.append(f"{shown}  ")
        else:
            likes.append(f"{h} ", style="bold dim")
            likes.append("neutral  ", style="dim")
    lines.append(likes)
    return Group(*lines)


def why_detail(state: CaseState, movement: Movement | None) -> RenderableType:
    """For one item: its likelihood ratio against ★ for each rival, and how each belief moved."""
    if movement is None:
        return Text(
            "Choose an item in the Evidence view (1) and press w: this view explains how it "
            "moved each belief.",
            style="dim",
        )
    item = state.items[movement.item]
    parts: list[RenderableType] = []
    title = Text(f"{item.id}  ", style="bold")
    title.append(clip(item.spec.text, 100))
    parts.append(title)
    f = movement.favoured
    if f is not None and movement.ratios:
        parts.append(Text(""))
        parts.append(Text(f"Against ★ {state.label(f)}:", style="bold"))
        parts.append(ratios_table(state, movement))
    parts.append(Text(""))
    parts.append(Text("How each belief moved when it arrived:", style="bold"))
    parts.append(moves_table(state, movement))
    if movement.retracted_before is not None and movement.retracted_after is not None:
        parts.append(retracted_line(movement))
    parts.append(
        Text(
            "The move also depends on what was already known: the same ratio moves a belief "
            "further from 50 % than from 95 %.",
            style="dim",
        )
    )
    return Group(*parts)


def ratios_table(state: CaseState, movement: Movement) -> Table:
    """Each rival's likelihood ratio against ★, largest first, with what it reads as."""
    ratios = Table(box=None, show_header=True, padding=(0, 2, 0, 0))
    ratios.add_column("Rival")
    ratios.add_column("L(rival) / L(★)", justify="right")
    ratios.add_column("Reads as")
    for h, r in sorted(movement.ratios.items(), key=lambda kv: -kv[1]):
        glyph, style = direction(r)
        ratios.add_row(
            clip(state.label(h), 50),
            Text(f"{glyph} {ratio_text(r)}", style=style),
            _reads_as(r, state.label(h)),
        )
    return ratios


def moves_table(state: CaseState, movement: Movement) -> Table:
    """Each explanation's belief just before and just after the item arrived."""
    moves = Table(box=None, show_header=True, padding=(0, 2, 0, 0))
    moves.add_column("Explanation")
    moves.add_column("Before", justify="right")
    moves.add_column("After", justify="right")
    moves.add_column("Change", justify="right")
    hyps = list(dict.fromkeys([*movement.before, *movement.after]))
    for h in hyps:
        before, after = movement.before.get(h), movement.after.get(h)
        moves.add_row(
            clip(state.label(h), 50) + (" ★" if h == movement.favoured else ""),
            percent_cell(before),
            percent_cell(after),
            _change(before, after),
        )
    return moves


def retracted_line(movement: Movement) -> Text:
    """For a retracted item: how the beliefs moved back when it was retracted."""
    assert movement.retracted_before is not None and movement.retracted_after is not None
    back = Text("Retracted: the beliefs moved back — ", style="italic")
    shown = []
    for h in movement.retracted_after:
        b, a = movement.retracted_before.get(h), movement.retracted_after.get(h)
        shown.append(f"{h} {percent_cell(b).strip()}→{percent_cell(a).strip()}")
    back.append(", ".join(shown))
    return back


def _reads_as(r: float, label: str) -> str:
    if r > 2:
        return f"{ratio_text(r)[1:]} times as expected under '{clip(label, 30)}'"
    if r < 0.5:
        return f"{ratio_text(1 / r)[1:]} times as expected under ★"
    return "hardly tells them apart"


def _change(before: float | None, after: float | None) -> Text:
    if before is None or after is None:
        return Text("new" if before is None else "left", style="dim")
    points = (after - before) * 100
    if abs(points) < 0.5:
        return Text("≈ 0", style="dim")
    return Text(f"{bearing(points)} {points:+.0f} pts", style=FOR if points > 0 else AGAINST)


def flag_detail(state: CaseState, flag: Any | None) -> RenderableType:
    """A flag's sentence, severity (word and glyph), supervision question and acknowledgement."""
    if flag is None:
        if state.latest_judgement is None:
            return Text(
                "No flags. Flags compare your judgements with the evidence: record one (j).",
                style="dim",
            )
        return Text(
            "No flags: nothing in the case now reads as your view holding while the evidence "
            "moved.",
            style="dim",
        )
    rule = RULES_BY_ID.get(flag.id)
    head = severity(flag.severity, flag.acknowledged)
    head.append(f"  {rule.title if rule else flag.id}", style="bold")
    parts: list[RenderableType] = [head, Text(flag.message)]
    parts.append(Text(f"Supervision question: {flag.question}", style="italic"))
    if flag.acknowledged:
        parts.append(Text(f"Acknowledged: {flag.acknowledgement or ''}", style="dim"))
    else:
        if flag.earlier_acknowledgement:
            parts.append(
                Text(
                    f"New since your acknowledgement ({flag.lapsed}). "
                    f"Earlier reason: {flag.earlier_acknowledgement}",
                    style="italic",
                )
            )
        parts.append(Text("Press k to acknowledge it with your reason.", style="dim"))
    if flag.evidence:
        parts.append(Text("The items that drive it (Enter jumps to the item):", style="bold"))
    return Group(*parts)


def figure_text(flag: Any) -> str:
    """A flag's figure, short, for the table (the sentence says it in full)."""
    name, x = flag.figure_name, flag.figure
    if not math.isfinite(x):
        return name
    if name == "Bayes factor":
        return f"BF {ratio_text(x)[1:]}"
    if name == "odds change":
        return f"odds {ratio_text(x)}"
    if name == "rise in rating":
        return f"+{x * 100:.0f} pts"
    if name == "catch-all rating":
        return f"catch-all {percent(x)}"
    if name == "open explanations":
        return f"{x:.0f} open"
    if "probability" in name or "rating" in name:
        return f"{name.split()[-1]} {percent(x)}"
    return f"{name.split()[-1]} {x:.2g}"


def enquiry_header(state: CaseState, change: Any | None) -> Text:
    if change is None:
        return Text("…", style="dim")
    if change.favoured is None:
        return Text("No explanations yet.")
    text = Text("★ ", style="bold")
    text.append(clip(state.label(change.favoured), 40), style="bold")
    text.append(f" is at {percent_cell(change.favoured_probability).strip()}.")
    r = change.ratio_to_even_odds
    if r is not None:
        if r > 1:
            text.append(
                f" To bring it to even odds, one new item would need to be {ratio_text(r)[1:]} "
                "times as expected under it as under the rest."
            )
        else:
            text.append(
                f" One item {ratio_text(1 / r)[1:]} times as expected under the rest as under it "
                "would bring it down to even odds."
            )
    return text


def worth(bits: float) -> str:
    if bits >= 0.25:
        return "a lot"
    if bits >= 0.05:
        return "some"
    return "little"


def enquiry_detail(state: CaseState, value: Any | None) -> RenderableType:
    if value is None:
        return Text("No open enquiries. Press n to raise one: a check not yet made.", style="dim")
    parts: list[RenderableType] = []
    head = Text(f"{value.id}  ", style="bold")
    head.append(value.text)
    parts.append(head)
    parts.append(
        Text(
            f"Expected to tell {value.information_gain_bits:.2f} bits ({worth(value.information_gain_bits)}) "
            f"about which explanation holds."
        )
    )
    parts.append(Text(value.sentence, style="italic"))
    table = Table(box=None, padding=(0, 2, 0, 0))
    table.add_column("If the answer is")
    table.add_column("chance", justify="right")
    hyps = list(value.outcomes[0].posterior) if value.outcomes else []
    for h in hyps:
        table.add_column(clip(h, 12), justify="right")
    for o in value.outcomes:
        table.add_row(
            o.answer, percent_cell(o.probability), *[percent_cell(o.posterior[h]) for h in hyps]
        )
    parts.append(table)
    parts.append(Text("Press a to record the answer: it becomes an evidence item.", style="dim"))
    return Group(*parts)


def judgement_summary(state: CaseState) -> Text:
    j = state.latest_judgement
    if j is None:
        return Text(
            "No judgement yet. Press j to record your own view — ideally before you study the "
            "network's bars.",
            style="bold",
        )
    text = Text(f"Latest: {j.id}, {wording.moment(j.at)}", style="bold")
    if j.who:
        text.append(f" by {j.who}")
    if j.favoured:
        text.append(f" · favoured ★ {clip(state.label(j.favoured), 50)}")
    else:
        text.append(" · no favourite (a tie at the top)")
    if j.spec.note:
        text.append(f"\nNote: {j.spec.note}", style="italic")
    text.append("\nPress j to record a new judgement.", style="dim")
    return text


def ratings_text(ratings: dict[str, float]) -> str:
    return " · ".join(f"{clip(h, 10)} {v * 100:.0f}" for h, v in ratings.items())
