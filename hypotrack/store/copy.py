"""Copying cases from one store to another with their history and hash chain intact.

Each case is copied in one transaction, its events exactly as stored (time, author, kind, payload
text), so the target computes the same hashes; a copy whose hashes come out different is rolled
back and reported. A case whose chain does not verify in the source is not copied, and a case the
target already holds is left alone (copying twice is harmless).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypotrack.store.base import CaseExists, StoredEvent, StoreError, UnknownCase

__all__ = ["CopyReport", "copy_cases"]


@dataclass
class CopyReport:
    copied: int = 0
    events: int = 0
    skipped: int = 0
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class _Mismatch(StoreError):
    pass


def copy_case(target: Any, events: list[StoredEvent]) -> None:
    """Write one case's events into ``target`` as a new case, checking every hash on the way."""
    case_id = events[0].case_id
    rows = [(e.kind, e.payload, e.at, e.who) for e in events]

    def check(stored: list[StoredEvent]) -> None:
        for old, new in zip(events, stored, strict=True):
            if (old.hash, old.who) != (new.hash, new.who):
                raise _Mismatch(
                    f"case {case_id!r}: event {old.seq} came out with a different hash in the "
                    "target store; nothing of this case was copied"
                )

    copy_with_check = getattr(target, "append_batch_checked", None)
    if copy_with_check is not None:
        # Checked inside the target's transaction: a mismatch leaves nothing behind.
        copy_with_check(case_id, rows, check)
    else:
        check(target.append_batch(case_id, rows, expected_seq=1))


def copy_cases(source: Any, target: Any, only: list[str] | None = None) -> CopyReport:
    """Copy every case (or the ones named) from ``source`` into ``target``."""
    report = CopyReport()
    wanted = only or [c.case_id for c in source.cases()]
    for case_id in wanted:
        try:
            events = source.events(case_id)
        except UnknownCase:
            report.problems.append(f"{case_id}: no such case in the source store")
            continue
        broken = source.verify(case_id)
        if broken:
            report.problems.append(
                f"{case_id}: not copied: its history does not verify in the source store "
                f"(event {broken[0].seq}: {broken[0].message})"
            )
            continue
        if target.has_case(case_id):
            theirs = target.events(case_id)
            same = [e.hash for e in theirs[: len(events)]] == [e.hash for e in events]
            if same and len(theirs) >= len(events):
                report.skipped += 1
                report.lines.append(f"{case_id}: already in the target store")
            else:
                report.problems.append(
                    f"{case_id}: the target store holds a different case with this id; not copied"
                )
            continue
        try:
            copy_case(target, events)
        except CaseExists:
            report.problems.append(
                f"{case_id}: the target store holds a case with this id that you cannot see; "
                "not copied"
            )
            continue
        except _Mismatch as exc:
            report.problems.append(str(exc))
            continue
        report.copied += 1
        report.events += len(events)
        report.lines.append(f"{case_id}: copied ({len(events)} events)")
    return report
