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
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from hypotrack.tui.screens.replay_model import StepView
from hypotrack.tui.screens.replay_panels import local
from hypotrack.tui.widgets.render import clip, pct, ratio_text, severity

#: A share smaller than this (odds ×1.02) is not worth naming as a mover.
SMALL = math.log(1.02)


def odds(share: float) -> Text:
    """An event's share of a change in log-odds, as an odds factor with a direction glyph."""
    glyph = "▲" if share > 0 else "▼"
    return Text(f"{ratio_text(math.exp(share))} {glyph}")


def points(before: float | None, after: float | None) -> Text:
    """'42% → 71% ▲ +29'."""
    if before is None and after is None:
        return Text("—")
    if before is None:
        return Text(f"added → {pct(after).strip()}", style="italic")
    if after is None:
        return Text(f"{pct(before).strip()} → retired", style="italic")
    change = (after - before) * 100
    text = Text(f"{pct(before).strip()} → {pct(after).strip()} ")
    if abs(change) < 0.5:
        text.append("= ", style="dim")
    else:
        glyph = "▲" if change > 0 else "▼"
        text.append(f"{glyph} {change:+.0f}", style="bold")
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


def compare_body(d: Any, a: StepView, b: StepView) -> RenderableType:
    """The whole comparison from the earlier point `a` to the later point `b`."""
    state = b.state
    parts: list[RenderableType] = []
    head = Text()
    head.append(f"From step {a.step + 1} ({local(a.at, a)})", style="bold")
    head.append(" to ")
    head.append(f"step {b.step + 1} ({local(b.at, b)})", style="bold")
    head.append(
        " — each point as it stood then. A point includes every entry made at its time.",
        style="dim",
    )
    parts.append(head)

    parts += [Text(""), Text("How each belief moved", style="bold underline")]
    for c in d.beliefs:
        row = Text()
        row.append("★ " if c.id == d.favoured else "  ", style="bold")
        row.append(c.label, style="bold")
        row.append("\n    network ")
        row.append_text(points(c.before, c.after))
        row.append("   you ")
        row.append_text(points(c.worker_before, c.worker_after))
        if c.log_odds_change:
            row.append("   odds ")
            row.append_text(odds(c.log_odds_change))
        row.append("\n    moved most by: ", style="dim")
        row.append_text(movers(c, limit=4))
        parts.append(row)
    if d.favoured:
        whose = "the worker's favoured" if d.favoured_by == "worker" else "the network's leading"
        parts.append(
            Text(
                f"★ {whose} explanation at the later point. ▲ raised that explanation's odds, "
                "▼ lowered them; the factors multiply to the change in odds.",
                style="dim",
            )
        )

    def listing(title: str, rows: list[Text]) -> None:
        if rows:
            parts.extend([Text(""), Text(title, style="bold underline"), *rows])

    added = []
    for i in d.items_added:
        source = state.sources.get(i.source)
        row = Text(f"{i.id}  {local(i.at, b)}  ", style="bold")
        row.append(i.text, style="strike" if i.retracted else "")
        row.append(f" — {source.spec.label if source else i.source}", style="dim")
        if i.retracted:
            row.append(" (retracted again before the later point)", style="italic")
        added.append(row)
    listing(f"Items added ({len(added)})", added)
    listing(
        "Items amended",
        [
            Text(f"{i.id}  {local(i.at, b)}  new likelihoods: {i.reason or 'no reason given'}")
            for i in d.items_amended
        ],
    )
    retracted = []
    for i in d.items_retracted:
        item = state.items.get(i.id)
        row = Text(f"{i.id}  {local(i.at, b)}  ", style="bold")
        row.append(clip(item.spec.text, 60) if item else "", style="strike")
        row.append(f" — {i.reason or 'no reason given'}")
        retracted.append(row)
    listing("Items retracted", retracted)
    listing(
        "Explanations added",
        [Text(f"{h.label}  ({local(h.at, b)})") for h in d.hypotheses_added],
    )
    listing(
        "Explanations retired",
        [Text(f"{h.label}  ({local(h.at, b)}): {h.reason or ''}") for h in d.hypotheses_retired],
    )
    listing(
        "Reliability changes",
        [
            Text(
                f"{r.source}: {r.before:.2g} → {r.after:.2g} ({local(r.at, b)})"
                + (f": {r.reason}" if r.reason else "")
            )
            for r in d.reliability_changes
        ],
    )
    listing("Judgements in between", [judgement_row(j, state, b) for j in d.judgements])
    listing("Notes in between", [note_row(n, b) for n in d.notes])
    flag_rows = [flag_change_row(c, state, b) for c in d.flag_changes]
    if not flag_rows and d.flags_after:
        flag_rows = [Text("No flag was raised, changed or closed in between.", style="dim")]
    listing("Flags in between", flag_rows)
    if not (d.items_added or d.items_amended or d.items_retracted or d.hypotheses_added
            or d.hypotheses_retired or d.reliability_changes):  # fmt: skip
        parts += [Text(""), Text("No evidence or explanation changed in between.", style="dim")]
    return Group(*parts)


CHANGE_WORDS = {
    "raised": "raised",
    "escalated": "turned red",
    "de-escalated": "back to amber",
    "acknowledged": "acknowledged",
    "lapsed": "acknowledgement lapsed",
    "closed": "closed",
}


def judgement_row(j: Any, state: Any, b: StepView) -> Text:
    """'j2  4 Feb 12:00  by A. Worker: favours Accidental — Accidental 40 %, Inflicted 35 %'."""
    row = Text(f"{j.id}  {local(j.at, b)}  ", style="bold")
    if j.who:
        row.append(f"by {j.who}: ")
    row.append(f"favours {state.label(j.favoured)}" if j.favoured else "no favourite (a tie)")
    shares = sorted(j.shares.items(), key=lambda kv: -kv[1])
    row.append(" — " + ", ".join(f"{state.label(h)} {pct(v).strip()}" for h, v in shares))
    if j.note:
        row.append(f"\n    note: {j.note}", style="dim")
    return row


def note_row(n: Any, b: StepView) -> Text:
    """A note with its author and its whole text."""
    row = Text(f"{n.id}  {local(n.at, b)}  ", style="bold")
    row.append(n.kind + (f" of the {n.flag} flag" if n.flag else ""))
    if n.who:
        row.append(f" by {n.who}")
    if n.pinned_at is not None:
        row.append(f" (about {local(n.pinned_at, b)})", style="dim")
    row.append(f": {n.text}")
    return row


def flag_change_row(c: Any, state: Any, b: StepView) -> Text:
    """'4 Feb 14:00  ‼ red  contrary-evidence turned red (Accidental against Inflicted), after e5'."""
    f = c.flag
    row = Text(f"{local(c.at, b)}  ")
    row.append_text(severity(f.severity))
    row.append(f"  {f.id} {CHANGE_WORDS.get(c.change, c.change)}", style="bold")
    if f.rival:
        favoured = state.label(f.favoured) if f.favoured else "—"
        row.append(f" ({favoured} against {state.label(f.rival)})")
    row.append(f", after {c.kind.replace('-', ' ')} {c.subject or ''}".rstrip(), style="dim")
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
