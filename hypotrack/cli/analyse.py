"""What the reasoning says about a case: `beliefs`, `flags`, `replay`, `next`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hypotrack.cli.errors import BadInput
from hypotrack.cli.json_out import emit_json, flag_json, step_event
from hypotrack.cli.lookup import case_tz, load_events
from hypotrack.cli.tables import table
from hypotrack.cli.times import iso, parse_moment
from hypotrack.domain.wording import moment_column, percent_column, percent_number, severity_words

if TYPE_CHECKING:
    from hypotrack.domain import model as m


def _engine(args: argparse.Namespace) -> tuple[Any, list[m.Event], ZoneInfo]:
    from hypotrack.domain.timeline import BeforeOpened, Timeline
    from hypotrack.reasoning.api import analyse

    events = load_events(args.case, args.store)
    tz = case_tz(events)
    as_of = parse_moment(getattr(args, "as_of", None), tz)
    try:
        Timeline(events).check(as_of)
    except BeforeOpened as exc:
        raise BadInput(
            f"--as-of {args.as_of}: before the case was opened ({iso(exc.opened, tz)})"
        ) from None
    return analyse(events, as_of), events, tz


def cmd_beliefs(args: argparse.Namespace) -> int:
    from hypotrack.reasoning.api import beliefs

    engine, _, tz = _engine(args)
    b = beliefs(engine)
    if args.json:
        emit_json(
            {
                "as_of": iso(b.as_of, tz),
                **b.model_dump(
                    include={
                        "hypotheses": {"__all__": {"id", "label", "probability", "unweighed"}},
                        "sources": {"__all__": {"id", "reliability"}},
                        "worker": {"favoured", "ratings"},
                    }
                ),
            }
        )
        return 0
    print(f"As of {iso(b.as_of, tz)}")
    ratings = b.worker.ratings if b.worker else {}
    rows = []
    for h in b.hypotheses:
        mine = percent_column(ratings[h.id]) if h.id in ratings else "   —"
        mark = " ◀ favoured" if b.worker and b.worker.favoured == h.id else ""
        rows.append([h.id, h.label[:48], percent_column(h.probability), mine + mark])
    print(table(rows, ["explanation", "label", "evidence", "worker"]))
    for h in b.hypotheses:
        if h.unweighed:
            n = h.unweighed
            print(f"{h.id}: not yet weighed against {n} earlier item{'s' if n != 1 else ''}")
    uncertain = [s for s in b.sources if s.prior < 1.0]
    if uncertain:
        print()
        print(
            table(
                [
                    [s.id, s.label[:40], percent_column(s.prior), percent_column(s.reliability)]
                    for s in uncertain
                ],
                ["source", "label", "reliable (prior)", "reliable (now)"],
            )
        )
    print("\nOnly the ratios between an item's likelihoods matter to these figures.")
    return 0


def cmd_flags(args: argparse.Namespace) -> int:
    from hypotrack.reasoning.api import flags

    engine, _, tz = _engine(args)
    found = flags(engine)
    as_of = engine.current.at
    if args.json:
        emit_json({"as_of": iso(as_of, tz), "flags": [flag_json(f, tz) for f in found]})
        return 0
    print(f"Flags as of {iso(as_of, tz)}: {len(found) or 'none'}")
    for f in found:
        # Red in capitals: it stands out on a terminal without colour.
        glyph = severity_words(f.severity).replace("red", "RED")
        ack = "  (acknowledged)" if f.acknowledged else ""
        print(f"\n{glyph}  {f.id}{ack}")
        print(f"  {f.message}")
        if f.acknowledged:
            print(f"  Acknowledged: {f.acknowledgement}")
        elif f.earlier_acknowledgement:
            print(f"  New since the acknowledgement ({f.lapsed}): {f.earlier_acknowledgement}")
        if f.evidence:
            print(f"  Items: {', '.join(f.evidence)}")
        print(f"  Ask: {f.question}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from hypotrack.reasoning.api import replay

    events = load_events(args.case, args.store)
    tz = case_tz(events)
    steps = replay(events)
    if args.json:
        emit_json(
            {
                "steps": [
                    {
                        **step_event(s.at, s.kind, s.subject, tz),
                        **s.model_dump(include={"beliefs", "worker", "flags"}),
                    }
                    for s in steps
                ]
            }
        )
        return 0
    hyps = list(dict.fromkeys(h for s in steps for h in s.beliefs))
    header = ["when", "event", *hyps, "flags"]
    rows = []
    for s in steps:
        cells = [percent_number(s.beliefs[h]) if h in s.beliefs else "" for h in hyps]
        if s.worker:
            cells = [
                c + (f"/{percent_number(s.worker[h])}" if h in s.worker else "") if c else c
                for c, h in zip(cells, hyps, strict=True)
            ]
        rows.append(
            [
                moment_column(s.at, tz),
                f"{s.kind} {s.subject or ''}",
                *cells,
                ",".join(s.flags),
            ]
        )
    print(table(rows, header))
    print("\nCells: network % / worker % (after the worker's latest judgement).")
    return 0


def cmd_next(args: argparse.Namespace) -> int:
    from hypotrack.reasoning.api import enquiries

    engine, _, tz = _engine(args)
    result = enquiries(engine)
    if args.json:
        emit_json(result.model_dump(exclude={"enquiries": {"__all__": {"text"}}}))
        return 0
    if not result.enquiries:
        print("No open enquiries.")
    else:
        rows = [
            [q.id, q.text[:40], f"{q.information_gain_bits:.3f}", f"{q.probability_gain:+.3f}"]
            for q in result.enquiries
        ]
        print(table(rows, ["enquiry", "check", "information (bits)", "probability gain"]))
        print()
        for q in result.enquiries:
            print(f"{q.id}: {q.sentence}")
    if result.favoured and result.ratio_to_even_odds is not None:
        r = result.ratio_to_even_odds
        label = engine.state.label(result.favoured)
        direction = "for" if r > 1 else "against"
        size = r if r >= 1 else 1 / r
        print(
            f"\nTo bring '{label}' to even odds, one new item would need to be about {size:.1f} times "
            f"more expected {'under it' if r > 1 else 'under the other explanations'} than otherwise "
            f"(evidence {direction} it)."
        )
    return 0
