"""`diff`: what changed between two points of a case, and why."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hypotrack.cli.errors import BadInput
from hypotrack.cli.json_out import diff_json, emit_json
from hypotrack.cli.lookup import case_tz, load_events
from hypotrack.cli.tables import table
from hypotrack.cli.times import iso, parse_moment
from hypotrack.domain.wording import (
    EVENT_WORDS,
    moment_column,
    odds_text,
    percent_column,
    ratio_text,
    severity_words,
)

if TYPE_CHECKING:
    from hypotrack.domain import model as m

FLAG_CHANGE_WORDS = {
    "raised": "raised",
    "escalated": "turned red",
    "de-escalated": "back to amber",
    "acknowledged": "acknowledged",
    "lapsed": "acknowledgement lapsed",
    "closed": "closed",
}


def cmd_diff(args: argparse.Namespace) -> int:
    from hypotrack.reasoning.diff import DiffError, diff

    events = load_events(args.case, args.store)
    tz = case_tz(events)
    start, end = _window(args, events, tz)
    try:
        d = diff(events, start, end)
    except DiffError as exc:
        raise BadInput(str(exc)) from None
    if args.json:
        emit_json(diff_json(d, tz))
        return 0

    def when(at: datetime) -> str:
        return moment_column(at, tz)

    print(f"From {iso(d.start, tz)} to {iso(d.end, tz)}")
    recorded = _recorded_lines(d, when)
    print("\n".join(recorded) if recorded else "  Nothing was recorded in between.")
    _print_judgements_and_notes(d, when)
    _print_flags(d, when)
    print()
    _print_beliefs(d)
    return 0


def _window(
    args: argparse.Namespace, events: list[m.Event], tz: ZoneInfo
) -> tuple[datetime, datetime]:
    """--from and --to as times; bad input when --from is before the opening or after --to."""
    start = parse_moment(args.start, tz, "--from")
    end = parse_moment(args.end, tz, "--to")
    assert start is not None and end is not None  # both are required arguments
    from hypotrack.domain.timeline import BeforeOpened, Timeline

    try:
        Timeline(events).check(start)
    except BeforeOpened as exc:
        raise BadInput(
            f"--from {args.start}: before the case was opened ({iso(exc.opened, tz)})"
        ) from None
    if start > end:
        raise BadInput(
            f"--from {args.start} is after --to {args.end}: give the earlier point first"
        )
    return start, end


def _recorded_lines(d: Any, when: Callable[[datetime], str]) -> list[str]:
    """A line per item, explanation and reliability change recorded in between."""
    lines = []
    for i in d.items_added:
        lines.append(
            f"  + {i.id} ({i.source}, {when(i.at)})" + (" — retracted since" if i.retracted else "")
        )
    for i in d.items_amended:
        lines.append(f"  ~ {i.id} amended {when(i.at)}" + (f": {i.reason}" if i.reason else ""))
    for i in d.items_retracted:
        lines.append(f"  − {i.id} retracted {when(i.at)}" + (f": {i.reason}" if i.reason else ""))
    for h in d.hypotheses_added:
        lines.append(f"  + explanation {h.id} ({when(h.at)})")
    for h in d.hypotheses_retired:
        lines.append(
            f"  − explanation {h.id} retired {when(h.at)}" + (f": {h.reason}" if h.reason else "")
        )
    for r in d.reliability_changes:
        lines.append(
            f"  ~ source {r.source}: reliability {percent_column(r.before).strip()} → {percent_column(r.after).strip()} "
            f"({when(r.at)})"
        )
    return lines


def _by(who: str | None) -> str:
    return f" by {who}" if who else ""


def _print_judgements_and_notes(d: Any, when: Callable[[datetime], str]) -> None:
    if d.judgements:
        print("\nJudgements in between:")
        for j in d.judgements:
            favours = f"favours {j.favoured}" if j.favoured else "no favourite (a tie)"
            ratings = ", ".join(f"{h} {percent_column(v).strip()}" for h, v in j.shares.items())
            print(f"  {j.id} {when(j.at)}{_by(j.who)}: {favours} — {ratings}")
            if j.note:
                print(f"    note: {j.note}")
    if d.notes:
        print("\nNotes in between:")
        for n in d.notes:
            about = f" of the {n.flag} flag" if n.flag else ""
            pinned = f", about {when(n.pinned_at)}" if n.pinned_at else ""
            print(f"  {n.id} {when(n.at)} {n.kind}{about}{_by(n.who)}{pinned}: {n.text}")


def _print_flags(d: Any, when: Callable[[datetime], str]) -> None:
    """Each flag transition in between and the event it followed; the flags standing at the end."""
    if d.flag_changes:
        print("\nFlags in between:")
        for c in d.flag_changes:
            f = c.flag
            rival = f" ('{f.favoured}' against '{f.rival}')" if f.rival else ""
            print(
                f"  {when(c.at)} {f.id}{rival} {FLAG_CHANGE_WORDS[c.change]} [{severity_words(f.severity)}], after "
                + EVENT_WORDS.get(c.kind, c.kind + " {}").format(c.subject or "").strip()
            )
    elif d.flags_after:
        print("\nFlags: no change in between.")
    standing = ", ".join(f"{f.id} ({f.severity})" for f in d.flags_after) or "none"
    print(f"Flags standing at the later point: {standing}")


def _print_beliefs(d: Any) -> None:
    """The table of each explanation's change, then what moved each one."""

    def p(x: float | None) -> str:
        return percent_column(x) if x is not None else "   —"

    rows = []
    for b in d.beliefs:
        change = f"{b.change * 100:+.1f} pts" if b.change is not None else "—"
        odds = odds_text(b.log_odds_change) if b.log_odds_change is not None else "—"
        rows.append(
            [b.id, p(b.before), p(b.after), change, odds, p(b.worker_before), p(b.worker_after)]
        )
    print(
        table(rows, ["explanation", "evidence then", "now", "change", "odds", "worker then", "now"])
    )
    against = f"against '{d.favoured}' ({d.favoured_by}'s favourite)" if d.favoured else ""
    print(
        f"\nWhat moved each explanation (its odds multiplied by; items largest first; "
        f"likelihood ratio {against}):"
    )
    for b in d.beliefs:
        if b.log_odds_change is not None:
            print(f"  {b.id} {odds_text(b.log_odds_change)}: {', '.join(_movers(b)) or 'nothing'}")
    print(
        "\nEach event's share is the change it made when it happened; the factors multiply to the "
        "whole (--json gives them as log-odds too)."
    )


def _movers(b: Any) -> list[str]:
    """The five items that moved an explanation most, then all other changes as one factor."""

    items = [
        f"{i.id} {ratio_text(math.exp(i.log_odds))}"
        + (
            f" (LR {ratio_text(math.exp(i.log_lr_vs_favoured))})"
            if i.log_lr_vs_favoured is not None
            else ""
        )
        for i in b.movers[:5]
    ]
    rest = sum(c.log_odds for c in b.contributions if not c.kind.startswith("evidence-"))
    if abs(rest) > 1e-12:
        items.append(f"other changes {ratio_text(math.exp(rest))}")
    return items
