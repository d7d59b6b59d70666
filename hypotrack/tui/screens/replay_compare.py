"""Compare two points of a replay: what changed between them, and which items moved each belief.

The figures come from `hypotrack.reasoning.diff.diff`: each belief's change in log-odds is
split over the events in between by sequential contribution (each event's change when it
happened), so the parts multiply back to the whole change in odds. Here they are shown as odds
factors (×3.2 / ×1/4) with ▲/▼, which a practitioner reads more easily than log-odds.
"""

from __future__ import annotations

import math
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from hypotrack.domain import wording
from hypotrack.domain.wording import bearing, percent_cell, ratio_text
from hypotrack.tui.replay_model import StepView
from hypotrack.tui.screens.replay_panels import local
from hypotrack.tui.widgets.render import clip, severity

#: A share smaller than this (odds ×1.02) is not worth naming as a mover.
SMALL = math.log(1.02)
#: The width of the time column of the lists ("e12 11 Feb 09:00").
WHEN = 16


def odds(share: float) -> Text:
    """An event's share of a change in log-odds, as an odds factor with a direction glyph."""
    return Text(f"{ratio_text(math.exp(share))} {bearing(share)}")


def points(before: float | None, after: float | None) -> Text:
    """'42% → 71% ▲ +29'."""
    if before is None and after is None:
        return Text("—")
    if before is None:
        return Text(f"added → {percent_cell(after).strip()}", style="italic")
    if after is None:
        return Text(f"{percent_cell(before).strip()} → retired", style="italic")
    change = (after - before) * 100
    text = Text(f"{percent_cell(before).strip()} → {percent_cell(after).strip()} ")
    if abs(change) < 0.5:
        text.append("= ", style="dim")
    else:
        text.append(f"{bearing(change)} {change:+.0f}", style="bold")
    return text


def movers(change: Any, limit: int = 3) -> Text:
    """The items (and other events) whose shares moved this belief most."""
    text = Text()
    named = [(m.id, m.log_odds) for m in change.movers if abs(m.log_odds) >= SMALL]
    others: dict[str, float] = {}
    for c in change.contributions:
        if not c.kind.startswith("evidence-") and abs(c.log_odds) >= SMALL:
            what = {
                "hypothesis-added": f"{c.subject} added",
                "hypothesis-retired": f"{c.subject} retired",
                "reliability-changed": f"{c.subject}'s reliability",
            }.get(c.kind, f"{c.kind} {c.subject or ''}".strip())
            others[what] = others.get(what, 0.0) + c.log_odds
    ranked = sorted([*named, *others.items()], key=lambda pair: -abs(pair[1]))[:limit]
    if change.before is None or change.after is None:
        what = "added" if change.before is None else "retired"
        return Text(f"nothing to attribute: the explanation was {what} in between", style="dim")
    if not ranked:
        return Text("nothing in between moved it", style="dim")
    for i, (what, share) in enumerate(ranked):
        if i:
            text.append(", ")
        text.append(f"{what} ")
        text.append_text(odds(share))
    return text


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def in_between(d: Any) -> Text:
    """Everything in between in one line: what to scroll to (it fits at 80 columns)."""
    counts = [
        (len(d.items_added), "item added", "items added"),
        (len(d.items_amended), "item amended", "items amended"),
        (len(d.items_retracted), "item retracted", "items retracted"),
        (len(d.hypotheses_added), "explanation added", "explanations added"),
        (len(d.hypotheses_retired), "explanation retired", "explanations retired"),
        (len(d.reliability_changes), "reliability change", "reliability changes"),
        (len(d.judgements), "judgement", "judgements"),
        (len(d.notes), "note", "notes"),
    ]
    said = [plural(n, one, many) for n, one, many in counts if n]
    changes: dict[str, int] = {}
    for c in d.flag_changes:
        word = CHANGE_WORDS.get(c.change, c.change)
        changes[word] = changes.get(word, 0) + 1
    text = Text("In between: ", style="bold")
    text.append(", ".join(said) or "nothing was entered")
    text.append("; flags: ")
    text.append(", ".join(f"{n} {word}" for word, n in changes.items()) or "no change")
    standing = [f for f in d.flags_after if not f.acknowledged]
    text.append(f" ({plural(len(standing), 'open flag')} at the later point).")
    return text


def entries(rows: list[tuple[Text, Text]], left: int) -> Table:
    """Rows of (when / what, details): the details wrap under themselves, not under the time."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=left, no_wrap=True)
    grid.add_column(ratio=1)
    for when, what in rows:
        grid.add_row(when, what)
    return grid


def compare_body(d: Any, a: StepView, b: StepView) -> RenderableType:
    """The whole comparison from the earlier point `a` to the later point `b`.

    The order is a supervisor's: what happened in between in one line, how each belief moved,
    then the flags, the worker's judgements and the notes (with their authors), then the items.
    """
    parts: list[RenderableType] = [compare_heading(a, b), in_between(d)]
    parts += belief_moves(d)
    parts += listing("Flags in between", flag_rows(d, b))
    parts += listing("Judgements in between", judgement_rows(d, b))
    parts += listing(
        "Notes in between", [(when_cell(n.at, b, n.id), note_row(n, b)) for n in d.notes]
    )
    parts += evidence_changes(d, b)
    return Group(*parts)


def compare_heading(a: StepView, b: StepView) -> Text:
    """'From step 3 (…) to step 9 (…)', and what a point includes."""
    head = Text()
    head.append(f"From step {a.step + 1} ({local(a.at, a)})", style="bold")
    head.append(" to ")
    head.append(f"step {b.step + 1} ({local(b.at, b)})", style="bold")
    head.append(
        " — each point as it stood then. A point includes every entry made at its time.",
        style="dim",
    )
    return head


def belief_moves(d: Any) -> list[RenderableType]:
    """How each belief moved: network and worker before → after, the odds, the main movers."""
    parts: list[RenderableType] = [Text(""), Text("How each belief moved", style="bold underline")]
    beliefs = []
    for c in d.beliefs:
        star = Text("★" if c.id == d.favoured else "", style="bold")
        row = Text(c.label, style="bold")
        row.append(f"  {c.id}", style="dim")  # the lists below name explanations by id
        row.append("\nnetwork ")
        row.append_text(points(c.before, c.after))
        row.append("   you ")
        row.append_text(points(c.worker_before, c.worker_after))
        if c.log_odds_change:
            row.append("   odds ")
            row.append_text(odds(c.log_odds_change))
        row.append("\nmoved most by: ", style="dim")
        row.append_text(movers(c, limit=4))
        beliefs.append((star, row))
    parts.append(entries(beliefs, 1))
    if d.favoured:
        whose = "the worker's favoured" if d.favoured_by == "worker" else "the network's leading"
        parts.append(
            Text(
                f"★ {whose} explanation at the later point. ▲ raised that explanation's odds, "
                "▼ lowered them; the factors multiply to the change in odds.",
                style="dim",
            )
        )
    return parts


def listing(title: str, rows: list[tuple[Text, Text]]) -> list[RenderableType]:
    """A titled list of (when, what) rows; nothing at all when there are no rows."""
    if not rows:
        return []
    return [Text(""), Text(title, style="bold underline"), entries(rows, WHEN)]


def when_cell(at: Any, b: StepView, ident: str = "") -> Text:
    """An entry's id and time, in the later point's zone."""
    return Text(f"{ident} {local(at, b)}".strip(), style="bold")


def flag_rows(d: Any, b: StepView) -> list[tuple[Text, Text]]:
    """The flags raised, changed or closed in between (or a line saying none was)."""
    rows = [(Text(local(c.at, b)), flag_change_row(c, b.state, b)) for c in d.flag_changes]
    if not rows and d.flags_after:
        rows = [(Text(""), Text("No flag was raised, changed or closed.", style="dim"))]
    return rows


def judgement_rows(d: Any, b: StepView) -> list[tuple[Text, Text]]:
    return [(when_cell(j.at, b, j.id), judgement_row(j, b.state)) for j in d.judgements]


def evidence_changes(d: Any, b: StepView) -> list[RenderableType]:
    """Items added, amended and retracted; explanations added and retired; reliabilities."""
    parts: list[RenderableType] = []
    added = added_rows(d, b)
    parts += listing(f"Items added ({len(added)})", added)
    parts += listing(
        "Items amended",
        [
            (when_cell(i.at, b, i.id), Text(f"new likelihoods: {i.reason or 'no reason given'}"))
            for i in d.items_amended
        ],
    )
    parts += listing("Items retracted", retracted_rows(d, b))
    parts += listing(
        "Explanations added",
        [(when_cell(h.at, b), Text(h.label)) for h in d.hypotheses_added],
    )
    parts += listing(
        "Explanations retired",
        [(when_cell(h.at, b), Text(f"{h.label}: {h.reason or ''}")) for h in d.hypotheses_retired],
    )
    parts += listing(
        "Reliability changes",
        [
            (
                when_cell(r.at, b),
                Text(
                    f"{r.source}: {r.before:.2g} → {r.after:.2g}"
                    + (f": {r.reason}" if r.reason else "")
                ),
            )
            for r in d.reliability_changes
        ],
    )
    if not (d.items_added or d.items_amended or d.items_retracted or d.hypotheses_added
            or d.hypotheses_retired or d.reliability_changes):  # fmt: skip
        parts += [Text(""), Text("No evidence or explanation changed in between.", style="dim")]
    return parts


def added_rows(d: Any, b: StepView) -> list[tuple[Text, Text]]:
    """Each item added: its text, its source, and whether it was retracted again."""
    rows = []
    for i in d.items_added:
        source = b.state.sources.get(i.source)
        row = Text(i.text, style="strike" if i.retracted else "")
        row.append(f" — {source.spec.label if source else i.source}", style="dim")
        if i.retracted:
            row.append(" (retracted again before the later point)", style="italic")
        rows.append((when_cell(i.at, b, i.id), row))
    return rows


def retracted_rows(d: Any, b: StepView) -> list[tuple[Text, Text]]:
    """Each item retracted: its text struck through, and the reason."""
    rows = []
    for i in d.items_retracted:
        item = b.state.items.get(i.id)
        row = Text(clip(item.spec.text, 60) if item else "", style="strike")
        row.append(f" — {i.reason or 'no reason given'}")
        rows.append((when_cell(i.at, b, i.id), row))
    return rows


CHANGE_WORDS = {
    "raised": "raised",
    "escalated": "turned red",
    "de-escalated": "back to amber",
    "acknowledged": "acknowledged",
    "lapsed": "acknowledgement lapsed",
    "closed": "closed",
}


def judgement_row(j: Any, state: Any) -> Text:
    """'by A. Worker: favours accidental — accidental 40%, inflicted 35%', then the note.

    The explanations by id (the beliefs above give their labels), so a judgement of five
    explanations takes two lines at 80 columns, not six.
    """
    row = Text()
    if j.who:
        row.append(f"by {j.who}: ")
    row.append(f"favours {j.favoured}" if j.favoured else "no favourite (a tie)", style="bold")
    shares = sorted(j.shares.items(), key=lambda kv: -kv[1])
    row.append(" — " + ", ".join(f"{h} {percent_cell(v).strip()}" for h, v in shares))
    if j.note:
        row.append(f"\n“{j.note}”", style="italic")
    return row


def note_row(n: Any, b: StepView) -> Text:
    """A note's kind, its author and its whole text."""
    row = Text(wording.note_words(n.kind), style="bold")
    if n.flag:
        row.append(f" of the {n.flag} flag", style="bold")
    row.append(f" by {n.who}" if n.who else " (no author recorded)")
    if n.pinned_at is not None:
        row.append(f", about {local(n.pinned_at, b)}", style="dim")
    row.append(f"\n{n.text}")
    return row


AFTER_WORDS = {
    "evidence-recorded": "{} recorded",
    "evidence-amended": "{} amended",
    "evidence-retracted": "{} retracted",
    "judgement": "judgement {}",
    "note": "note {}",
    "hypothesis-added": "{} added",
    "hypothesis-retired": "{} retired",
    "reliability-changed": "{}'s reliability changed",
}


def flag_change_row(c: Any, state: Any, b: StepView) -> Text:
    """'‼ red contrary-evidence turned red — accidental vs inflicted, after e5 recorded'.

    The explanations by id (the beliefs above give their labels): a row a line or two long.
    """
    f = c.flag
    row = Text()
    row.append_text(severity(f.severity))
    row.append(f" {f.id} {CHANGE_WORDS.get(c.change, c.change)}", style="bold")
    if f.rival:
        row.append(f" — {f.favoured or '—'} vs {f.rival}")
    after = AFTER_WORDS.get(c.kind, c.kind.replace("-", " ") + " {}").format(c.subject or "")
    row.append(f", after {after.strip()}", style="dim")
    return row


class CompareScreen(ModalScreen[None]):
    """The comparison, scrollable; Esc or c closes it."""

    DEFAULT_CSS = """
    CompareScreen {
        align: center middle;
    }
    #compare-box {
        width: 96%;
        height: 92%;
        max-width: 120;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    #compare-title {
        text-style: bold;
        width: 100%;
        content-align: center middle;
        background: $primary 30%;
    }
    #compare-scroll {
        height: 1fr;
    }
    #compare-foot {
        color: $text-muted;
    }
    """
    BINDINGS = [Binding("escape,c,q", "dismiss", "Close", id="close-compare")]

    def __init__(self, body: RenderableType, title: str) -> None:
        super().__init__()
        self.body = body
        self.compare_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="compare-box"):
            yield Label(self.compare_title, id="compare-title")
            with VerticalScroll(id="compare-scroll"):
                yield Static(self.body, id="compare-body")
            yield Label("↑ ↓ scroll · Esc or c to go back to the replay", id="compare-foot")

    def on_mount(self) -> None:
        self.query_one("#compare-scroll").focus()
