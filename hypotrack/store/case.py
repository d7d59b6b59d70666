"""Cases in the store: domain events in, domain events out.

The store keeps JSON payloads and knows nothing of the case model; this module is the one
place that turns an event into a stored row and back. `CaseSession` is what the app holds
for an open case: the events it has seen, and an append that refuses an event that does not
fit the case (checked by folding it first) or a stale view (the store's sequence check).
"""

from __future__ import annotations

from typing import Any

from hypotrack.domain import model as m
from hypotrack.domain.state import CaseState, fold
from hypotrack.store.base import EventStore


def event_row(event: Any) -> tuple[str, dict[str, Any], str, str | None]:
    """(kind, payload, at, who) for the store."""
    return event.kind, m.event_to_json(event), event.at.isoformat(), event.who


def load_case_events(store: EventStore, case_id: str) -> list[Any]:
    """A case's timeline from the store (raises UnknownCase)."""
    return [m.event_from_json(row.payload) for row in store.events(case_id)]


def import_events(store: EventStore, events: list[Any]) -> None:
    """A whole case in one transaction: all of it or nothing (raises CaseExists)."""
    case_id = events[0].case.id
    fold(events)  # a timeline that does not fold is not stored
    store.append_batch(case_id, [event_row(e) for e in events], expected_seq=1)


class CaseSession:
    """An open case: its events so far, and appends checked against them."""

    def __init__(self, store: EventStore, case_id: str) -> None:
        self.store = store
        self.case_id = case_id
        self.events: list[Any] = load_case_events(store, case_id)
        self.state: CaseState = fold(self.events)

    def reload(self) -> None:
        self.events = load_case_events(self.store, self.case_id)
        self.state = fold(self.events)

    def append(self, event: Any) -> None:
        """Check the event against the case (EventRejected), then store it (StoreConflict)."""
        trial = fold(self.events)
        trial.apply(event)
        kind, payload, at, who = event_row(event)
        self.store.append(
            self.case_id, kind, payload, at=at, who=who, expected_seq=len(self.events) + 1
        )
        self.events.append(event)
        self.state = trial


def case_rows(store: EventStore) -> list[dict[str, Any]]:
    """The store's cases for a table: id, title, kind, last change, open (unacknowledged) flags
    and acknowledged ones, by severity (the flags as they stand: the timeline walk's last step)."""
    from hypotrack.reasoning.timeline import flag_counts, standing

    rows = []
    for summary in store.cases():
        events = load_case_events(store, summary.case_id)
        last = standing(events)
        counts = flag_counts(last.flags if last else None)
        info = events[0].case
        rows.append(
            {
                "id": summary.case_id,
                "title": info.title,
                "kind": info.kind,
                "last_change": summary.last_written,
                "events": summary.events,
                "open_flags": counts.open,
                "red_flags": counts.red,
                "acknowledged_flags": counts.acknowledged,
                "acknowledged_red_flags": counts.acknowledged_red,
            }
        )
    return rows
