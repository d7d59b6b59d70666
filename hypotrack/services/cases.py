"""The list of cases the `cases` command and the app's start screen show."""

from __future__ import annotations

from typing import Any

from hypotrack.store.base import EventStore


def case_list(store: EventStore, *, unseen: bool = False) -> list[dict[str, Any]]:
    """The store's cases, a row each (`report.digest.case_rows`: id, title, kind, last change,
    flags open and acknowledged; a damaged case listed as such).

    With `unseen`, a team store also marks each row with whether the case changed since this
    person last opened it (`unseen`); other stores keep no such marks.
    """
    from hypotrack.report.digest import case_rows

    rows = case_rows(store)
    marks_of = getattr(store, "opened_marks", None)
    if unseen and marks_of is not None:
        marks = marks_of()
        for row in rows:
            row["unseen"] = row["events"] > marks.get(row["id"], 0)
    return rows


def casework(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of real cases (not training runs)."""
    return [r for r in rows if r["kind"] != "training"]


def training_runs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of training runs: a trainee's practice, listed apart from casework."""
    return [r for r in rows if r["kind"] == "training"]
