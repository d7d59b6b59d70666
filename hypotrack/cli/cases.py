"""Case files and the store: `check`, `new`, `import`, `export`, `cases`, `verify`."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hypotrack.cli.errors import BadInput
from hypotrack.cli.json_out import emit_json
from hypotrack.cli.lookup import case_tz, history_head, load_events, open_store
from hypotrack.cli.tables import flag_counts, table
from hypotrack.cli.times import parse_moment
from hypotrack.domain.wording import from_iso, moment_column

if TYPE_CHECKING:
    from hypotrack.domain import model as m


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


def cmd_cases(args: argparse.Namespace) -> int:
    from hypotrack.services.cases import case_list, casework, training_runs

    store = open_store(args.store)
    try:
        rows = case_list(store)
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
        (None, casework(rows)),
        ("Training runs", training_runs(rows)),
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
                moment_column(from_iso(r["last_change"])),
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
    events: list[m.Event], args: argparse.Namespace, as_of: datetime | None
) -> tuple[list[m.Event], Any]:
    """A training run to export: its debrief as of `as_of`, and its events with the teaching
    case's answer (truth, learning points, revision points) left out until the run is finished
    (DESIGN §6a), so an exported case file of an unfinished run gives nothing away."""
    from hypotrack.domain.timeline import BeforeOpened, Timeline
    from hypotrack.reasoning.training import debrief
    from hypotrack.services.training import teaching_total

    try:
        known = list(Timeline(events).as_of(as_of))
    except BeforeOpened:
        return events, None  # nothing on file then: `export` says so
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
