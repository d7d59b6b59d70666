"""The command line (DESIGN §9). With no subcommand it opens the app.

Exit codes: 0 ok, 2 bad input (a message on stderr naming the place), 1 anything else.
Heavy modules are imported inside each command: `hypotrack --help` and `hypotrack check`
load neither pgmpy nor textual.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypotrack.domain.errors import BadInputError, HypotrackError


class BadInput(BadInputError):
    """Input a person can fix: printed as it is, exit code 2."""


# --- loading a case: a file, or a case id in the store -----------------------------------


# What this run reads cases for, as a team store's access log records it (the command's name).
PURPOSE = "read"


def open_store(path: str | None) -> Any:
    """The store named by --store, $HYPOTRACK_STORE or the default (a file or a team store).

    One that cannot be opened raises a StoreError with its own message and exit code (2 for a
    path, URL or password the person can put right)."""
    from hypotrack.store.open import open_store as open_any

    return open_any(path, purpose=PURPOSE)


def is_file_ref(ref: str) -> bool:
    """Whether FILE|CASE names a case file (else a case id in the store)."""
    return Path(ref).exists() or ref.endswith((".yaml", ".yml")) or os.sep in ref


def history_head(ref: str, store_path: str | None, events: list[Any]) -> Any:
    """The chain head of a case's history: the store's, or what importing the file would give."""
    from hypotrack.store.case import chain_head

    if is_file_ref(ref):
        return chain_head(events)
    store = open_store(store_path)
    try:
        return store.head(ref)
    finally:
        store.close()


def load_events(ref: str, store_path: str | None) -> list[Any]:
    """The timeline of a case file, or of a case in the store."""
    from hypotrack.domain.casefile import CaseFileError, load_case_file

    path = Path(ref)
    if is_file_ref(ref):
        try:
            return load_case_file(path).events
        except CaseFileError as exc:
            raise BadInput(str(exc)) from None
    from hypotrack.store.base import UnknownCase
    from hypotrack.store.case import load_case_events

    store = open_store(store_path)  # StoreError: its own message and exit code
    try:
        return load_case_events(store, ref)
    except UnknownCase:
        if getattr(store, "server_sets_who", False):
            raise BadInput(
                f"{ref}: no such file, and no case with that id that you may read in "
                f"{store.where} (the attempt is logged; see 'hypotrack cases')"
            ) from None
        raise BadInput(
            f"{ref}: no such file, and no case with that id in the store (see 'hypotrack cases')"
        ) from None
    finally:
        store.close()


def case_tz(events: list[Any]) -> ZoneInfo:
    return ZoneInfo(events[0].case.timezone)


def parse_moment(text: str | None, tz: ZoneInfo, what: str = "--as-of") -> datetime | None:
    """An ISO 8601 time; without a zone it is in the case's zone; a bare date means its end."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            d = datetime.fromisoformat(text).date()
            return datetime.combine(d, time.max).replace(tzinfo=tz)
        at = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"{what} {text!r}: not a date or time; use ISO 8601, e.g. 2026-03-08 or 2026-03-08T13:00"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=tz)


def iso(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).isoformat()


# JSON escapes C0 controls itself; DEL, the C1 controls (0x9b is CSI on some terminals) and bidi
# controls it leaves raw, so they are escaped too: the document means the same, and is safe to print.
_JSON_ESCAPES = {
    code: f"\\u{code:04x}"
    for code in [0x7F, *range(0x80, 0xA0), *(ord(c) for c in "\u061c\u200e\u200f")]
    + [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029]
}


def emit_json(doc: Any) -> None:
    # Serialised whole first: NaN or infinity is a bug to report, never half a document.
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    sys.stdout.write(text.translate(_JSON_ESCAPES) + "\n")


class SafeStream:
    """A text stream that shows control characters visibly and neutralises bidi controls.

    Everything the command line prints goes through one (stdout and stderr), so no string from a
    case can move the cursor, set the clipboard or the window title, or reorder a line.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from hypotrack.domain.text import terminal_safe

        self._stream.write(terminal_safe(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def pct(p: float) -> str:
    return f"{p * 100:5.1f} %"


def table(rows: list[list[str]], header: list[str]) -> str:
    """Rows as aligned columns; every cell folded to one line (a paragraph cannot break a table)."""
    from hypotrack.domain.text import one_line

    rows = [[one_line(c) for c in r] for r in rows]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(widths[i]) for i, c in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * wd for wd in widths))
    for r in rows:
        lines.append("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)


# --- commands -----------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from hypotrack.domain.casefile import CaseFileError, load_case_file
    from hypotrack.domain.wording import items_on_file

    bad = 0
    for name in args.files:
        try:
            loaded = load_case_file(name)
        except CaseFileError as exc:
            bad += 1
            print(str(exc), file=sys.stderr)
            continue
        f = loaded.file
        retracted = sum(1 for e in f.evidence if e.retracted)
        items = items_on_file(len(f.evidence) - retracted, retracted)
        print(
            f"{name}: ok — {len(f.hypotheses)} explanations, {len(f.sources)} sources, "
            f"{items}, {len(f.enquiries)} enquiries, {len(f.judgements)} judgements"
        )
    return 2 if bad else 0


def _engine(args: argparse.Namespace) -> tuple[Any, list[Any], ZoneInfo]:
    from hypotrack.reasoning.api import analyse

    events = load_events(args.case, args.store)
    tz = case_tz(events)
    as_of = parse_moment(getattr(args, "as_of", None), tz)
    if as_of is not None and as_of < events[0].at:
        raise BadInput(
            f"--as-of {args.as_of}: before the case was opened ({iso(events[0].at, tz)})"
        )
    return analyse(events, as_of), events, tz


def cmd_beliefs(args: argparse.Namespace) -> int:
    from hypotrack.reasoning.api import beliefs

    engine, _, tz = _engine(args)
    b = beliefs(engine)
    if args.json:
        emit_json(
            {
                "as_of": iso(b.as_of, tz),
                "hypotheses": [
                    {
                        "id": h.id,
                        "label": h.label,
                        "probability": h.probability,
                        "unweighed": h.unweighed,
                    }
                    for h in b.hypotheses
                ],
                "sources": [{"id": s.id, "reliability": s.reliability} for s in b.sources],
                "worker": {"favoured": b.worker.favoured, "ratings": b.worker.ratings}
                if b.worker
                else None,
            }
        )
        return 0
    print(f"As of {iso(b.as_of, tz)}")
    ratings = b.worker.ratings if b.worker else {}
    rows = []
    for h in b.hypotheses:
        mine = pct(ratings[h.id]) if h.id in ratings else "   —"
        mark = " ◀ favoured" if b.worker and b.worker.favoured == h.id else ""
        rows.append([h.id, h.label[:48], pct(h.probability), mine + mark])
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
                [[s.id, s.label[:40], pct(s.prior), pct(s.reliability)] for s in uncertain],
                ["source", "label", "reliable (prior)", "reliable (now)"],
            )
        )
    print("\nOnly the ratios between an item's likelihoods matter to these figures.")
    return 0


def flag_json(f: Any, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": f.id,
        "severity": f.severity,
        "favoured": f.favoured,
        "rival": f.rival,
        "figure": f.figure,
        "figure_name": f.figure_name,
        "since": iso(f.since, tz) if f.since else None,
        "evidence": f.evidence,
        "message": f.message,
        "question": f.question,
        "acknowledged": f.acknowledged,
        "acknowledgement": f.acknowledgement,
        "earlier_acknowledgement": f.earlier_acknowledgement,
        "lapsed": f.lapsed,
    }


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
        glyph = "▲▲ RED" if f.severity == "red" else "▲ amber"
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
                        "at": iso(s.at, tz),
                        "event": {"kind": s.kind, "id": s.subject},
                        "beliefs": s.beliefs,
                        "worker": s.worker,
                        "flags": s.flags,
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
        cells = [f"{s.beliefs[h] * 100:.0f}" if h in s.beliefs else "" for h in hyps]
        if s.worker:
            cells = [
                c + (f"/{s.worker[h] * 100:.0f}" if h in s.worker else "") if c else c
                for c, h in zip(cells, hyps, strict=True)
            ]
        rows.append(
            [
                s.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
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
        emit_json(
            {
                "favoured": result.favoured,
                "favoured_probability": result.favoured_probability,
                "ratio_to_even_odds": result.ratio_to_even_odds,
                "enquiries": [
                    {
                        "id": q.id,
                        "information_gain_bits": q.information_gain_bits,
                        "probability_gain": q.probability_gain,
                        "outcomes": [o.model_dump() for o in q.outcomes],
                        "sentence": q.sentence,
                    }
                    for q in result.enquiries
                ],
            }
        )
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


def flag_counts(counts: dict[str, int]) -> str:
    """'1 red, 2 amber' (severities with none left out), or 'none'."""
    return ", ".join(f"{n} {sev}" for sev, n in counts.items() if n) or "none"


def cmd_cases(args: argparse.Namespace) -> int:
    from hypotrack.report.digest import case_rows

    store = open_store(args.store)
    try:
        rows = case_rows(store)
    finally:
        store.close()
    if args.json:
        emit_json({"cases": rows})
        return 0
    if not rows:
        print("The store holds no cases yet. Import one with 'hypotrack import FILE'.")
        return 0
    from hypotrack.domain.text import one_line

    header = ["case", "title", "kind", "last change", "open flags", "acknowledged"]
    # Training runs are a trainee's practice, not casework: listed apart, after the cases.
    for heading, chosen in (
        (None, [r for r in rows if r["kind"] != "training"]),
        ("Training runs", [r for r in rows if r["kind"] == "training"]),
    ):
        if not chosen:
            continue
        if heading:
            print(f"\n{heading}")
        body = [
            [
                r["id"],
                one_line(r["title"], 40),
                r["kind"],
                r["last_change"][:16].replace("T", " "),
                "DAMAGED" if r.get("damaged") else flag_counts(r["open"]),
                flag_counts(r["acknowledged"]),
            ]
            for r in chosen
        ]
        print(table(body, header))
    for r in rows:
        if r.get("damaged"):
            print(
                f"\n{r['id']} is damaged: {r['damaged']['reason']}; {r['damaged']['advice']}.",
                file=sys.stderr,
            )
    return 0


def ask_name_once(store: Any) -> None:
    """On a terminal, ask the embedded store's user for their name once and keep it.

    Without a terminal (a script, CI) nothing is asked: the login name is recorded (or
    $HYPOTRACK_USER); a team store records the signed-in person anyway.
    """
    from hypotrack.store.case import login_name

    if not hasattr(store, "set_user") or os.environ.get("HYPOTRACK_USER"):
        return
    if not sys.stdin.isatty() or store.user:
        return
    default = login_name()
    try:
        name = input(f"Your name, as it should appear beside what you record [{default}]: ")
    except EOFError:
        name = ""
    try:
        store.set_user(name.strip() or default)
    except ValueError as exc:
        raise BadInput(f"your name: {exc}") from None


def cmd_import(args: argparse.Namespace) -> int:
    from hypotrack.domain.casefile import CaseFileError, load_case_file
    from hypotrack.report.digest import import_case
    from hypotrack.store.base import CaseExists

    try:
        loaded = load_case_file(args.file)
    except CaseFileError as exc:
        raise BadInput(str(exc)) from None
    store = open_store(args.store)
    try:
        ask_name_once(store)
        import_case(store, loaded.events)
    except CaseExists:
        raise BadInput(
            f"{args.file}: the store already holds a case '{loaded.case.id}'; change case.id to import it as a new case"
        ) from None
    finally:
        store.close()
    print(f"Imported '{loaded.case.id}' ({len(loaded.events)} events).")
    return 0


def training_export(
    events: list[Any], args: argparse.Namespace, as_of: datetime | None
) -> tuple[list[Any], Any]:
    """A training run to export: its debrief as of `as_of`, and its events with the teaching
    case's answer (truth, learning points, revision points) left out until the run is finished
    (DESIGN §6a), so an exported case file of an unfinished run gives nothing away."""
    from hypotrack.reasoning.training import debrief
    from hypotrack.tui.screens.training_cases import teaching_total

    known = events if as_of is None else [e for e in events if e.at <= as_of]
    total = None
    if events[0].case.based_on:
        try:
            store = open_store(args.store)
        except Exception:
            store = None
        try:
            total = teaching_total(events[0].case.based_on, store)
        finally:
            if store is not None:
                store.close()
    d = debrief(known, total)
    if not d.finished and events[0].teaching is not None:
        events = [events[0].model_copy(update={"teaching": None}), *events[1:]]
    return events, d


def cmd_export(args: argparse.Namespace) -> int:
    from hypotrack.report.export import ExportError, export

    events = load_events(args.case, args.store)
    head = history_head(args.case, args.store, events)
    tz = case_tz(events)
    as_of = parse_moment(args.as_of, tz)
    run = None
    if events[0].case.kind == "training":  # a run: its debrief, the answer only once finished
        events, run = training_export(events, args, as_of)
    try:
        text = export(events, args.format, as_of, head)
    except ExportError as exc:
        raise BadInput(f"{args.case}: {exc}") from None
    if run is not None and args.format in ("html", "md"):
        from hypotrack.report.debrief import with_debrief

        text = with_debrief(text, args.format, run)
    if args.output:
        from hypotrack.store.files import write_private

        out = write_private(args.output, text, force=args.force)
        print(f"Wrote {out}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    # On stderr, so it is seen whatever the format (BIF has no place for it) and never mixes
    # with the exported data.
    print(f"Chain head of the history: {head}", file=sys.stderr)
    return 0


def diff_json(d: Any, tz: ZoneInfo) -> dict[str, Any]:
    def odds(log_odds: float | None) -> float | None:
        return math.exp(log_odds) if log_odds is not None else None

    def belief(b: Any) -> dict[str, Any]:
        return {
            "id": b.id,
            "label": b.label,
            "before": b.before,
            "after": b.after,
            "change": b.change,
            "log_odds_before": b.log_odds_before,
            "log_odds_after": b.log_odds_after,
            "log_odds_change": b.log_odds_change,
            "odds_change": odds(b.log_odds_change),
            "worker_before": b.worker_before,
            "worker_after": b.worker_after,
            "contributions": [
                {
                    "at": iso(c.at, tz),
                    "event": {"kind": c.kind, "id": c.subject},
                    "log_odds": c.log_odds,
                    "odds": odds(c.log_odds),
                }
                for c in b.contributions
            ],
            "movers": [
                {
                    "id": i.id,
                    "log_odds": i.log_odds,
                    "odds": odds(i.log_odds),
                    "log_lr_vs_favoured": i.log_lr_vs_favoured,
                    "lr_vs_favoured": odds(i.log_lr_vs_favoured),
                }
                for i in b.movers
            ],
        }

    return {
        "from": iso(d.start, tz),
        "to": iso(d.end, tz),
        "favoured": d.favoured,
        "favoured_by": d.favoured_by,
        "items": {
            "added": [
                {
                    "id": i.id,
                    "at": iso(i.at, tz),
                    "source": i.source,
                    "text": i.text,
                    "retracted": i.retracted,
                }
                for i in d.items_added
            ],
            "amended": [
                {
                    "id": i.id,
                    "at": iso(i.at, tz),
                    "before": i.before,
                    "after": i.after,
                    "reason": i.reason,
                }
                for i in d.items_amended
            ],
            "retracted": [
                {"id": i.id, "at": iso(i.at, tz), "reason": i.reason, "was_on_file": i.was_on_file}
                for i in d.items_retracted
            ],
        },
        "hypotheses": {
            "added": [
                {"id": h.id, "label": h.label, "at": iso(h.at, tz)} for h in d.hypotheses_added
            ],
            "retired": [
                {"id": h.id, "label": h.label, "at": iso(h.at, tz), "reason": h.reason}
                for h in d.hypotheses_retired
            ],
        },
        "reliability_changes": [
            {
                "source": r.source,
                "at": iso(r.at, tz),
                "before": r.before,
                "after": r.after,
                "reason": r.reason,
            }
            for r in d.reliability_changes
        ],
        "judgements": [
            {
                "id": j.id,
                "at": iso(j.at, tz),
                "who": j.who,
                "favoured": j.favoured,
                "ratings": j.ratings,
                "shares": j.shares,
                "note": j.note,
            }
            for j in d.judgements
        ],
        "notes": [
            {
                "id": n.id,
                "at": iso(n.at, tz),
                "who": n.who,
                "kind": n.kind,
                "text": n.text,
                "flag": n.flag,
                "pinned_at": iso(n.pinned_at, tz) if n.pinned_at else None,
            }
            for n in d.notes
        ],
        "flags": {
            "before": [flag_json(f, tz) for f in d.flags_before],
            "after": [flag_json(f, tz) for f in d.flags_after],
            "changes": [
                {
                    "change": c.change,
                    "at": iso(c.at, tz),
                    "event": {"kind": c.kind, "id": c.subject},
                    **flag_json(c.flag, tz),
                }
                for c in d.flag_changes
            ],
        },
        "beliefs": [belief(b) for b in d.beliefs],
    }


EVENT_WORDS = {
    "evidence-recorded": "{} recorded",
    "evidence-amended": "{} amended",
    "evidence-retracted": "{} retracted",
    "judgement": "judgement {}",
    "note": "note {}",
    "hypothesis-added": "explanation {} added",
    "hypothesis-retired": "explanation {} retired",
    "reliability-changed": "reliability of {} changed",
    "source-relabelled": "source {} renamed",
    "hypothesis-relabelled": "explanation {} reworded",
    "enquiry-raised": "enquiry {} raised",
}

FLAG_CHANGE_WORDS = {
    "raised": "raised",
    "escalated": "turned red",
    "de-escalated": "back to amber",
    "acknowledged": "acknowledged",
    "lapsed": "acknowledgement lapsed",
    "closed": "closed",
}


def cmd_diff(args: argparse.Namespace) -> int:
    from hypotrack.domain.wording import odds_text, ratio_text
    from hypotrack.reasoning.diff import DiffError, diff

    events = load_events(args.case, args.store)
    tz = case_tz(events)
    start = parse_moment(args.start, tz, "--from")
    end = parse_moment(args.end, tz, "--to")
    if start < events[0].at:
        raise BadInput(f"--from {args.start}: before the case was opened ({iso(events[0].at, tz)})")
    if start > end:
        raise BadInput(
            f"--from {args.start} is after --to {args.end}: give the earlier point first"
        )
    try:
        d = diff(events, start, end)
    except DiffError as exc:
        raise BadInput(str(exc)) from None
    if args.json:
        emit_json(diff_json(d, tz))
        return 0

    def when(at: datetime) -> str:
        return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    def by(who: str | None) -> str:
        return f" by {who}" if who else ""

    print(f"From {iso(d.start, tz)} to {iso(d.end, tz)}")
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
            f"  ~ source {r.source}: reliability {pct(r.before).strip()} → {pct(r.after).strip()} "
            f"({when(r.at)})"
        )
    print("\n".join(lines) if lines else "  Nothing was recorded in between.")

    if d.judgements:
        print("\nJudgements in between:")
        for j in d.judgements:
            favours = f"favours {j.favoured}" if j.favoured else "no favourite (a tie)"
            ratings = ", ".join(f"{h} {pct(v).strip()}" for h, v in j.shares.items())
            print(f"  {j.id} {when(j.at)}{by(j.who)}: {favours} — {ratings}")
            if j.note:
                print(f"    note: {j.note}")
    if d.notes:
        print("\nNotes in between:")
        for n in d.notes:
            about = f" of the {n.flag} flag" if n.flag else ""
            pinned = f", about {when(n.pinned_at)}" if n.pinned_at else ""
            print(f"  {n.id} {when(n.at)} {n.kind}{about}{by(n.who)}{pinned}: {n.text}")
    if d.flag_changes:
        print("\nFlags in between:")
        for c in d.flag_changes:
            f = c.flag
            glyph = "▲▲ red" if f.severity == "red" else "▲ amber"
            rival = f" ('{f.favoured}' against '{f.rival}')" if f.rival else ""
            print(
                f"  {when(c.at)} {f.id}{rival} {FLAG_CHANGE_WORDS[c.change]} [{glyph}], after "
                + EVENT_WORDS.get(c.kind, c.kind + " {}").format(c.subject or "").strip()
            )
    elif d.flags_after:
        print("\nFlags: no change in between.")
    standing = ", ".join(f"{f.id} ({f.severity})" for f in d.flags_after) or "none"
    print(f"Flags standing at the later point: {standing}")
    print()

    def p(x: float | None) -> str:
        return pct(x) if x is not None else "   —"

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
        if b.log_odds_change is None:
            continue
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
        print(f"  {b.id} {odds_text(b.log_odds_change)}: {', '.join(items) or 'nothing'}")
    print(
        "\nEach event's share is the change it made when it happened; the factors multiply to the "
        "whole (--json gives them as log-odds too)."
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from hypotrack.store.base import ChainHead, UnknownCase

    printed = None
    if args.head:
        try:
            printed = ChainHead.parse(args.head)
        except ValueError as exc:
            raise BadInput(f"--head: {exc}") from None
        if args.case and args.case != printed.case_id:
            raise BadInput(
                f"--head is for case '{printed.case_id}', not '{args.case}'; give one case"
            )
    case = args.case or (printed.case_id if printed else None)
    store = open_store(args.store)
    try:
        try:
            problems = store.verify(case, printed=printed)
        except UnknownCase:
            raise BadInput(f"no case '{case}' in the store (see 'hypotrack cases')") from None
        count = (1 if case else len(store.cases())) if not problems else 0
        head = store.head(case) if case and not problems else None
    finally:
        store.close()
    if problems:
        for p in problems:
            where = f"{p.case_id}: event {p.seq}" if p.case_id else "the store"
            print(f"{where}: {p.message}", file=sys.stderr)
        return 1
    if printed is not None:
        print(
            f"History intact: case '{printed.case_id}' still holds the {printed.count} events "
            f"the printed head pins (it now has {head.count})."
        )
        return 0
    print(f"History intact: {count} case{'s' if count != 1 else ''} checked.")
    if head is not None:
        print(f"Chain head: {head} (print it, or keep it, to check later with --head)")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from hypotrack.resources import templates

    found = templates()
    if args.template not in found:
        raise BadInput(f"no template '{args.template}'; templates: {', '.join(found)}")
    text = found[args.template].read_text(encoding="utf-8")
    if args.output:
        from hypotrack.store.files import write_private

        out = write_private(args.output, text)
        print(f"Wrote {out}: fill it in, then 'hypotrack check {out}'.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def resolve_training_ref(ref: str, store: Any) -> tuple[str, str]:
    """('case', teaching case id) or ('run', run id) for a name given to `train`; BadInput when
    it names neither a teaching case (file stem, file, case id) nor a stored training run."""
    from hypotrack.tui.screens.training_cases import (
        TrainingLookupError,
        find_teaching,
        stored_run,
    )

    if stored_run(ref, store) is not None:
        return "run", ref
    path = Path(ref)
    if path.is_file():
        events = load_events(ref, None)
        if events[0].case.kind != "teaching":
            raise BadInput(f"{ref}: a case of kind {events[0].case.kind}, not a teaching case")
        return "case", events[0].case.id
    try:
        return "case", find_teaching(ref, store)[0].case.id
    except TrainingLookupError as exc:
        raise BadInput(
            f"{exc}; 'hypotrack train --summary' with no name lists every run of every case"
        ) from None


def summary_table(rows: list[dict[str, Any]]) -> str:
    """The trainer's overview as a text table, a row per run."""

    def num(value: float | None, fmt: str = "{:.3f}") -> str:
        return "—" if value is None else fmt.format(value)

    def revised(r: dict[str, Any]) -> str:
        if r["revised_at"] is not None:
            return f"item {r['revised_at']}"
        if not r["judgements"]:
            return "—"
        return "never" if r["finished"] else "not yet"

    def when(text: str | None) -> str:
        return (text or "")[:16].replace("T", " ") or "—"

    table_rows = [
        [
            r["run"],
            r["trainee"] or "?",
            r["case"] or "?",
            when(r["started"]),
            r["status"],
            revised(r),
            num(r["revision_delay"], "{:+d}"),
            num(r["brier"]),
            num(r["brier_network"]),
            num(r["mean_gap"], "{:.2f}"),
            ", ".join(r["flags"]) or "—",
        ]
        for r in rows
    ]
    header = [
        "run",
        "trainee",
        "case",
        "started (UTC)",
        "status",
        "revised",
        "delay",
        "Brier",
        "network Brier",
        "gap",
        "flags fired",
    ]
    return table(table_rows, header)


def cmd_train(args: argparse.Namespace) -> int:
    if not args.summary:
        if args.case:  # a name that is neither a teaching case nor a run: say so, exit 2
            store = open_store(args.store)
            try:
                resolve_training_ref(args.case, store)
            finally:
                store.close()
        from hypotrack.tui.app import run_app

        return run_app(store_path=args.store, training=args.case or "", coach=args.coach)
    from hypotrack.reasoning.training import cohort
    from hypotrack.tui.screens.training_cases import overview

    store = open_store(args.store)
    try:
        kind, ident = resolve_training_ref(args.case, store) if args.case else ("all", None)
        rows = overview(store, ident if kind == "case" else None)
    finally:
        store.close()
    if kind == "run":
        rows = [r for r in rows if r["run"] == ident]
    if args.json:
        emit_json(
            {
                "case": ident if kind == "case" else None,
                "run": ident if kind == "run" else None,
                "runs": rows,
                "cases": cohort(rows),
            }
        )
        return 0
    if not rows:
        where = f"of '{ident}' " if kind == "case" else ""
        print(f"No training runs {where}in the store yet.")
        return 0
    what = {"case": f" of '{ident}'", "run": f": run '{ident}'"}.get(kind, "")
    print(f"Training runs{what}: {len(rows)}")
    print(summary_table(rows))
    if kind != "run":
        print("\nBy teaching case (means over finished runs):")
        crow = [
            [
                c["case"] or "?",
                str(c["runs"]),
                str(c["finished"]),
                "—" if c["mean_revision_delay"] is None else f"{c['mean_revision_delay']:+.1f}",
                "—" if c["mean_brier"] is None else f"{c['mean_brier']:.3f}",
                "—" if c["mean_brier_network"] is None else f"{c['mean_brier_network']:.3f}",
            ]
            for c in cohort(rows)
        ]
        print(
            table(crow, ["case", "runs", "finished", "mean delay", "mean Brier", "network Brier"])
        )
    print(
        "\nStatus: how many items were judged. An unfinished run shows no delay or Brier score: "
        "they would give the answer away. Delay: items after the author's revision point "
        "(negative: early). Brier: lower is better (0 = certain and right), against the "
        "explanation that turned out true. A finished run's debrief: "
        "hypotrack export RUN --format html|md."
    )
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from hypotrack.tui.app import run_app

    return run_app(store_path=args.store)


# --- parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hypotrack",
        description="Keep competing explanations open; see when a favoured one stays fixed while the evidence moves.",
    )
    parser.add_argument(
        "--store",
        metavar="PATH|URL",
        help="the store: a file, or a team store's postgresql:// URL (default: $HYPOTRACK_STORE, "
        "else $HYPOTRACK_HOME/hypotrack.db or your data folder)",
    )
    parser.set_defaults(func=cmd_app)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def add(name: str, func: Any, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--store",
            metavar="PATH|URL",
            default=argparse.SUPPRESS,
            help="the store: a file or a postgresql:// URL",
        )
        p.set_defaults(func=func)
        return p

    p = add("check", cmd_check, "validate case files")
    p.add_argument("files", nargs="+", metavar="FILE")
    for name, func, help_text in (
        (
            "beliefs",
            cmd_beliefs,
            "the network's belief in each explanation, and the worker's ratings",
        ),
        ("flags", cmd_flags, "flags as of a moment (default: the case's last event)"),
        ("next", cmd_next, "open enquiries ranked by what they would tell"),
    ):
        p = add(name, func, help_text)
        p.add_argument("case", metavar="FILE|CASE")
        p.add_argument(
            "--as-of", metavar="T", help="inclusive; ISO 8601, in the case's time zone unless given"
        )
        p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p = add("replay", cmd_replay, "every step: the event, both belief lines, flags")
    p.add_argument("case", metavar="FILE|CASE")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p = add("cases", cmd_cases, "the cases in the store")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p = add("import", cmd_import, "import a case file into the store")
    p.add_argument("file", metavar="FILE")
    p = add(
        "export",
        cmd_export,
        "export a case from the store (or a file) as yaml, html, md, bif or xmlbif",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--format", choices=["yaml", "html", "md", "bif", "xmlbif"], default="yaml")
    p.add_argument("--as-of", metavar="T", help="only what was known at T")
    p.add_argument("-o", "--output", metavar="PATH", help="write to a file instead of stdout")
    p.add_argument("--force", action="store_true", help="with -o: replace a file that is there")
    p = add("new", cmd_new, "scaffold a case file from a template in models/")
    p.add_argument("--template", required=True, metavar="NAME")
    p.add_argument("-o", "--output", metavar="PATH", help="write to a file instead of stdout")
    p = add("diff", cmd_diff, "what changed between two points of a case, and why")
    p.add_argument("case", metavar="FILE|CASE")
    p.add_argument(
        "--from", dest="start", required=True, metavar="T1", help="the earlier point (inclusive)"
    )
    p.add_argument(
        "--to", dest="end", required=True, metavar="T2", help="the later point (inclusive)"
    )
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p = add(
        "train",
        cmd_train,
        "training mode on a teaching case; --summary for a trainer's table of runs",
    )
    p.add_argument(
        "case",
        nargs="?",
        metavar="CASE",
        help="a teaching case (file stem in models/teaching or a case id)",
    )
    p.add_argument(
        "--summary",
        action="store_true",
        help="a trainer's table: every stored run (of CASE, or of every teaching case)",
    )
    p.add_argument(
        "--coach", action="store_true", help="show the network's beliefs and flags during play"
    )
    p.add_argument(
        "--json", action="store_true", help="with --summary: one JSON document on stdout"
    )
    p = add("verify", cmd_verify, "check the event history's hash chain")
    p.add_argument("case", nargs="?", metavar="CASE")
    p.add_argument(
        "--head",
        metavar="CASE:N:HASH",
        help="also check a chain head printed earlier (at the end of a report or export)",
    )
    from hypotrack.cli_team import add_team_commands

    add_team_commands(sub, add)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "store"):
        args.store = None
    global PURPOSE
    PURPOSE = args.func.__name__.removeprefix("cmd_").replace("_", "-")
    real = sys.stdout, sys.stderr
    # An export piped to a file or a program is data and goes out byte for byte; on a terminal,
    # and for every other command, case text is made safe first.
    if args.func is not cmd_export or sys.stdout.isatty():
        sys.stdout = SafeStream(sys.stdout)  # type: ignore[assignment]
    sys.stderr = SafeStream(sys.stderr)  # type: ignore[assignment]
    try:
        return _run(args)
    finally:
        sys.stdout, sys.stderr = real


def _debug_report(exc: BaseException) -> None:
    """HYPOTRACK_DEBUG: the frames and exception types, never a message that may quote case text."""
    from hypotrack.domain.errors import failure_report

    print(failure_report(exc), end="", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or 0)
    except HypotrackError as exc:
        # Bad input, an unusable store (exit 2: the message says what to do) or a damaged one.
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a last resort: a readable line, the traceback only on request
        if os.environ.get("HYPOTRACK_DEBUG"):
            _debug_report(exc)
        print(
            f"hypotrack: unexpected error ({type(exc).__name__}); set HYPOTRACK_DEBUG=1 for details",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
