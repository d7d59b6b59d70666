"""Cases in the store: domain events in, domain events out.

The store keeps JSON payloads and knows nothing of the case model; this module is the one
place that turns an event into a stored row and back. `CaseSession` is what the app holds
for an open case: the events it has seen, and an append that refuses an event that does not
fit the case (checked by folding it first) or a stale view (the store's sequence check).
"""

from __future__ import annotations

from typing import Any

from hypotrack.domain import model as m
from hypotrack.domain.state import CaseState, EventRejected, fold
from hypotrack.domain.text import one_line
from hypotrack.store.base import (
    GENESIS_HASH,
    ChainHead,
    DamagedStore,
    EventStore,
    canonical_json,
    event_hash,
)


def event_row(event: Any) -> tuple[str, dict[str, Any], str, str | None]:
    """(kind, payload, at, who) for the store."""
    return event.kind, m.event_to_json(event), event.at.isoformat(), event.who


def chain_head(events: list[Any]) -> ChainHead:
    """The chain head a timeline gets when imported into a store (hashes leave out write times)."""
    prev = GENESIS_HASH
    for seq, event in enumerate(events, start=1):
        kind, payload, at, who = event_row(event)
        prev = event_hash(events[0].case.id, seq, at, who, kind, canonical_json(payload), prev)
    return ChainHead(events[0].case.id, len(events), prev)


class DamagedCase(DamagedStore):
    """A case whose stored events cannot be read back or do not replay.

    The message names the case and the event, never the event's contents, and points to
    ``hypotrack verify CASE``. Other cases in the store are not affected.
    """

    def __init__(self, case_id: str, seq: int, why: str) -> None:
        self.case_id = case_id
        self.seq = seq
        self.why = why
        super().__init__(
            f"case {case_id!r} cannot be opened: event {seq} {why}. "
            f"Run 'hypotrack verify {case_id}' to check its history"
        )


def load_case_events(store: EventStore, case_id: str) -> list[Any]:
    """A case's timeline from the store (raises UnknownCase, or DamagedCase naming the event)."""
    events = []
    for row in store.events(case_id):
        try:
            events.append(m.event_from_json(row.payload))
        except Exception as exc:  # any way a payload can fail to be an event
            # The validation error quotes the payload (case text): only its type is kept.
            raise DamagedCase(
                case_id,
                row.seq,
                f"cannot be read as a hypotrack event ({type(exc).__name__}: written by another "
                "version, or altered)",
            ) from None
    return events


def replayable(case_id: str, events: list[Any]) -> CaseState:
    """Fold a stored case's events, raising DamagedCase (naming the event) if one is refused."""
    state = CaseState()
    for seq, event in enumerate(events, start=1):
        try:
            state.apply(event)
        except EventRejected as exc:
            raise DamagedCase(
                case_id, seq, f"is refused when replayed ({one_line(exc, 80)})"
            ) from None
    return state


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
    """The store's cases for a table: id, title, kind, last change, open (unacknowledged) flags."""
    from hypotrack.reasoning.api import analyse, flags

    rows = []
    for summary in store.cases():
        # One case that cannot be read or replayed is listed as damaged, with the reason and what
        # to do; it never hides the others.
        try:
            events = load_case_events(store, summary.case_id)
            replayable(summary.case_id, events)
            engine = analyse(events)
            open_flags = [f for f in flags(engine) if not f.acknowledged]
        except DamagedCase as exc:
            rows.append(damaged_row(summary, exc.why, exc.seq))
            continue
        except Exception as exc:  # the reasoning failed on this case: the rest still list
            rows.append(damaged_row(summary, f"cannot be reasoned over ({type(exc).__name__})"))
            continue
        info = events[0].case
        rows.append(
            {
                "id": summary.case_id,
                "title": info.title,
                "kind": info.kind,
                "last_change": summary.last_written,
                "events": summary.events,
                "open_flags": len(open_flags),
                "red_flags": sum(1 for f in open_flags if f.severity == "red"),
                "damaged": None,
            }
        )
    return rows


def damaged_row(summary: Any, why: str, seq: int | None = None) -> dict[str, Any]:
    """A row of the list of cases for a case that cannot be opened."""
    where = f"event {seq} {why}" if seq is not None else f"the case {why}"
    return {
        "id": summary.case_id,
        "title": summary.title or "",
        "kind": "?",
        "last_change": summary.last_written,
        "events": summary.events,
        "open_flags": 0,
        "red_flags": 0,
        "damaged": {
            "reason": where,
            "advice": f"run 'hypotrack verify {summary.case_id}' to check its history",
        },
    }
