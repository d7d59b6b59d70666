"""Teaching cases and training runs, for `hypotrack train` and the training screens.

What `hypotrack train [CASE]` can open (a teaching case shipped in `models/teaching`, or one a
trainer imported into the store), the runs already stored, and a run that stores itself as it
goes: the opening events in one transaction, then each revealed event and each judgement as
its own append, so a crash loses at most the step being written. A stored run that stopped
part-way is picked up again from the store alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from hypotrack.domain import model as m
from hypotrack.domain.casefile import CaseFileError, load_case_file
from hypotrack.domain.errors import BadInputError
from hypotrack.reasoning.training import TrainingRun, slug
from hypotrack.report.digest import import_case, keep_digest
from hypotrack.resources import teaching_cases
from hypotrack.services.case_ref import read_case_file
from hypotrack.store.base import CaseExists, EventStore, UnknownCase
from hypotrack.store.case import CaseSession, load_case_events

# The first line of a shipped teaching case reads "# Teaching case 3 — Neglect or poverty?".
_THEME = re.compile(r"^#\s*Teaching case\s*\d*\s*[—–:-]+\s*(.+?)\.?\s*$")
MAX_ID = 64  # a case id is a slug of at most 64 characters (domain/model.py)


class TrainingLookupError(LookupError):
    """CASE names neither a teaching case nor a stored run; the message says what exists."""


class NotTeaching(BadInputError):
    """A case file given to `train` that is not a teaching case."""


@dataclass(frozen=True)
class TeachingChoice:
    """One teaching case a trainee can play."""

    name: str  # what `hypotrack train NAME` takes: the file stem, or the stored case's id
    case_id: str
    title: str
    theme: str
    items: int
    path: Path | None  # None: the case lives in the store
    runs: int = 0


@dataclass(frozen=True)
class RunSummary:
    """One stored training run, for the picker's list of runs."""

    run_id: str
    based_on: str | None
    trainee: str
    title: str
    shown: int
    judgements: int
    total: int | None  # the teaching case's items, when it can still be found

    @property
    def finished(self) -> bool:
        return self.total is not None and self.judgements >= self.total


def theme_of(path: Path) -> str:
    """The theme from a shipped case's first comment line; '' when it has none."""
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
    except OSError:
        return ""
    found = _THEME.match(first.strip())
    return found.group(1) if found else ""


def _items(events: list[m.Event]) -> int:
    return sum(1 for e in events if e.kind == "evidence-recorded")


def _stored(store: EventStore) -> list[tuple[str, list[m.Event]]]:
    """Every stored case's id and events (a store holds tens of cases, not thousands)."""
    out = []
    for summary in store.cases():
        try:
            out.append((summary.case_id, load_case_events(store, summary.case_id)))
        except (UnknownCase, ValueError):  # removed meanwhile, or not a case this code reads
            continue
    return out


def teaching_choices(store: EventStore | None) -> tuple[list[TeachingChoice], list[str]]:
    """The teaching cases to pick from (shipped files, then the store's), and files that failed."""
    stored = _stored(store) if store is not None else []
    runs: dict[str, int] = {}
    for _case_id, events in stored:
        info = events[0].case
        if info.kind == "training" and info.based_on:
            runs[info.based_on] = runs.get(info.based_on, 0) + 1
    choices: list[TeachingChoice] = []
    problems: list[str] = []
    seen: set[str] = set()
    for name, path in teaching_cases().items():
        try:
            events = load_case_file(path).events
        except CaseFileError as exc:
            problems.append(str(exc).splitlines()[0])
            continue
        info = events[0].case
        seen.add(info.id)
        choices.append(
            TeachingChoice(
                name,
                info.id,
                info.title,
                theme_of(path),
                _items(events),
                path,
                runs.get(info.id, 0),
            )
        )
    for case_id, events in stored:
        info = events[0].case
        if info.kind == "teaching" and case_id not in seen:
            choices.append(
                TeachingChoice(
                    case_id, case_id, info.title, "", _items(events), None, runs.get(case_id, 0)
                )
            )
    return choices, problems


def find_teaching(ref: str, store: EventStore | None) -> list[m.Event]:
    """The teaching case's timeline: a file stem in models/teaching, a teaching case's id, or
    the id of a case of kind `teaching` in the store (raises TrainingLookupError)."""
    files = teaching_cases()
    if ref in files:
        return load_case_file(files[ref]).events
    if store is not None and store.has_case(ref):
        events = load_case_events(store, ref)
        if events[0].case.kind == "teaching":
            return events
        raise TrainingLookupError(
            f"'{ref}' is a case of kind {events[0].case.kind}, not a teaching case"
        )
    for path in files.values():
        try:
            events = load_case_file(path).events
        except CaseFileError:
            continue
        if events[0].case.id == ref:
            return events
    names = ", ".join(files) or "none shipped"
    raise TrainingLookupError(f"no teaching case '{ref}' (teaching cases: {names})")


def stored_run(ref: str, store: EventStore | None) -> list[m.Event] | None:
    """A stored training run's events, if `ref` is one."""
    if store is None or not store.has_case(ref):
        return None
    events = load_case_events(store, ref)
    return events if events[0].case.kind == "training" else None


def resolve_training(ref: str, store: EventStore | None) -> tuple[str, str]:
    """('case', teaching case id) or ('run', run id) for a name given to `train`: a stored
    training run, a teaching case file, or what `find_teaching` takes (raises
    TrainingLookupError; NotTeaching or CaseRefError for a file that is no teaching case)."""
    if stored_run(ref, store) is not None:
        return "run", ref
    if Path(ref).is_file():
        events = read_case_file(ref)
        if events[0].case.kind != "teaching":
            raise NotTeaching(f"{ref}: a case of kind {events[0].case.kind}, not a teaching case")
        return "case", events[0].case.id
    return "case", find_teaching(ref, store)[0].case.id


def stored_runs(store: EventStore) -> list[RunSummary]:
    """Every training run in the store, in id order."""
    stored = _stored(store)
    totals = {case_id: _items(events) for case_id, events in stored}
    shipped: dict[str, int] | None = None
    out = []
    for case_id, events in stored:
        info = events[0].case
        if info.kind != "training":
            continue
        total = totals.get(info.based_on or "")
        if total is None and info.based_on:
            if shipped is None:
                shipped = {}
                for path in teaching_cases().values():
                    try:
                        teaching = load_case_file(path).events
                    except CaseFileError:
                        continue
                    shipped[teaching[0].case.id] = _items(teaching)
            total = shipped.get(info.based_on)
        out.append(
            RunSummary(
                run_id=case_id,
                based_on=info.based_on,
                trainee=info.trainee or "?",
                title=info.title,
                shown=_items(events),
                judgements=sum(1 for e in events if e.kind == "judgement"),
                total=total,
            )
        )
    return out


def free_run_id(store: EventStore, teaching_id: str, trainee: str) -> str:
    """`<teaching-id>-<trainee-slug>-<n>` with the first n not taken, within 64 characters."""
    n = 1
    while True:
        tail = f"-{n}"
        stem = f"{teaching_id}-{slug(trainee)}"[: MAX_ID - len(tail)].rstrip("-_")
        run_id = stem + tail
        if not store.has_case(run_id):
            return run_id
        n += 1


def rebuild(
    run_events: list[m.Event], teaching_events: list[m.Event], started: datetime
) -> TrainingRun:
    """A TrainingRun standing where a stored run stopped (its events exactly as stored)."""
    info = run_events[0].case
    run = TrainingRun(teaching_events, info.trainee or "trainee", info.id, started)
    for _ in range(_items(run_events)):
        run.reveal_next()  # moves `position` exactly as the original run did
    run.events = list(run_events)
    return run


class StoredRun:
    """A run and its case in the store, kept in step: every change is stored as it happens."""

    def __init__(self, store: EventStore, run: TrainingRun, session: CaseSession) -> None:
        self.store = store
        self.run = run
        self.session = session

    @classmethod
    def start(
        cls, store: EventStore, teaching_events: list[m.Event], trainee: str, now: datetime
    ) -> StoredRun:
        """A fresh run: its opening events (up to the first item) stored in one transaction."""
        teaching_id = teaching_events[0].case.id
        for _attempt in range(20):
            run_id = free_run_id(store, teaching_id, trainee)
            run = TrainingRun(teaching_events, trainee, run_id, now)
            run.reveal_next()
            try:
                import_case(store, run.events)
            except CaseExists:  # another trainee took the id between the check and the write
                continue
            return cls(store, run, CaseSession(store, run_id))
        raise CaseExists(teaching_id)

    @classmethod
    def resume(
        cls,
        store: EventStore,
        run_events: list[m.Event],
        teaching_events: list[m.Event],
        now: datetime,
    ) -> StoredRun:
        run = rebuild(run_events, teaching_events, now)
        return cls(store, run, CaseSession(store, run.case.id))

    @property
    def run_id(self) -> str:
        return self.run.case.id

    @property
    def awaiting_judgement(self) -> bool:
        """The last item shown has no judgement yet."""
        return self.run.items_shown > 0 and self.run.events[-1].kind != "judgement"

    @property
    def complete(self) -> bool:
        """Every item shown and judged."""
        return self.run.finished and not self.awaiting_judgement

    def record(self, ratings: dict[str, float], favoured: str | None) -> m.JudgementRecorded:
        """The trainee's judgement on the last item, stored (raises as the store or fold does)."""
        event = self.run.judgement(ratings, favoured)
        try:
            self.session.append(event)
        except Exception:
            self.run.events.pop()
            raise
        self.keep_digest()
        return event

    def reveal(self) -> list[m.Event]:
        """The next item and what comes with it, each stored as it is appended."""
        shown = self.run.reveal_next()
        try:
            for event in shown:
                self.session.append(event)
        except Exception:
            self.resync()
            raise
        self.keep_digest()
        return shown

    def keep_digest(self) -> None:
        """The run's digest for the list of cases (a small case: a few milliseconds)."""
        keep_digest(self.store, self.run_id, list(self.session.events))

    def resync(self) -> None:
        """Make the run match what the store holds (after a failed write)."""
        self.session.reload()
        self.run = rebuild(self.session.events, self.run.teaching_events, self.run.started)


# --- debriefs and the trainer's overview ----------------------------------------------------


def teaching_total(based_on: str | None, store: EventStore | None) -> int | None:
    """How many items the teaching case a run plays has (None: it cannot be found)."""
    if not based_on:
        return None
    try:
        return _items(find_teaching(based_on, store))
    except (TrainingLookupError, CaseFileError, UnknownCase):
        return None


def overview(store: EventStore, case: str | None = None) -> list[dict[str, Any]]:
    """A row per stored run (of one teaching case, or of all): run id, trainee, case, when it
    started and was last written (UTC wall time), how far it has got, and the scores."""
    from hypotrack.reasoning.training import debrief, summary_row

    totals: dict[str, int | None] = {}
    rows = []
    for summary in store.cases():
        try:
            stored = store.events(summary.case_id)
            events = [m.event_from_json(row.payload) for row in stored]
        except (UnknownCase, ValueError):
            continue
        info = events[0].case
        if info.kind != "training" or (case is not None and info.based_on != case):
            continue
        key = info.based_on or ""
        if key not in totals:
            totals[key] = teaching_total(info.based_on, store)
        d = debrief(events, totals[key])
        rows.append(summary_row(d, stored[0].written, stored[-1].written))
    rows.sort(key=lambda r: (str(r["case"]), r["started"] or "", r["run"]))
    return rows


def runs_of(store: EventStore, kind: str, ident: str | None) -> list[dict[str, Any]]:
    """The overview's rows for what `resolve_training` gave: every run ('all'), a teaching
    case's runs ('case') or one run ('run')."""
    rows = overview(store, ident if kind == "case" else None)
    return [r for r in rows if r["run"] == ident] if kind == "run" else rows
