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
    """(kind, payload, at, who) for the store; who is a column of its own, not in the payload."""
    payload = m.event_to_json(event)
    payload.pop("who", None)
    return event.kind, payload, event.at.isoformat(), event.who


def event_from_row(row: Any) -> Any:
    """The domain event of a stored row; the row's ``who`` (set by a team store's server) wins."""
    data = row.payload
    if row.who is not None and data.get("who") != row.who:
        data = {**data, "who": row.who}
    return m.event_from_json(data)


def chain_head(events: list[m.Event]) -> ChainHead:
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


def load_case_events(store: EventStore, case_id: str) -> list[m.Event]:
    """A case's timeline from the store (raises UnknownCase, or DamagedCase naming the event)."""
    events = []
    for row in store.events(case_id):
        try:
            events.append(event_from_row(row))
        except Exception as exc:  # any way a payload can fail to be an event
            # The validation error quotes the payload (case text): only its type is kept.
            raise DamagedCase(
                case_id,
                row.seq,
                f"cannot be read as a hypotrack event ({type(exc).__name__}: written by another "
                "version, or altered)",
            ) from None
    return events


def replayable(case_id: str, events: list[m.Event]) -> CaseState:
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


def login_name() -> str:
    """$HYPOTRACK_USER, else the login name: who records when the store has no name for them."""
    import getpass
    import os

    name = os.environ.get("HYPOTRACK_USER", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        return "unknown"


def recorder(store: Any) -> str:
    """Who records in this store: a team store's signed-in person, else the embedded store's
    local user's name (asked once and kept in the store), else the login name."""
    return getattr(store, "user", None) or login_name()


def server_sets_who(store: Any) -> bool:
    """Whether the store records the signed-in person whatever the client says (a team store)."""
    return bool(getattr(store, "server_sets_who", False))


def import_events(store: EventStore, events: list[m.Event]) -> None:
    """A whole case in one transaction: all of it or nothing (raises CaseExists).

    Entries the file attributes (``by:``) keep their author; the rest are the importer's.
    """
    case_id = events[0].case.id
    fold(events)  # a timeline that does not fold is not stored
    me = recorder(store)
    rows = [event_row(e) for e in events]
    rows = [(kind, payload, at, who or me) for kind, payload, at, who in rows]
    store.append_batch(case_id, rows, expected_seq=1)


class CaseSession:
    """An open case: its events so far, and appends checked against them."""

    def __init__(self, store: EventStore, case_id: str) -> None:
        self.store = store
        self.case_id = case_id
        self.events: list[m.Event] = load_case_events(store, case_id)
        self.state: CaseState = replayable(case_id, self.events)  # DamagedCase names the event

    def catch_up(self) -> list[m.Event]:
        """Take in the events others have appended since this session last read the case.

        Returns the new events (empty if there were none). A store that can read just the new
        events (a team store) is asked for those; otherwise the case is read again.
        """
        after = getattr(self.store, "events_after", None)
        if after is None:
            before = len(self.events)
            self.reload()
            return self.events[before:]
        from hypotrack.domain.state import EventRejected

        new = [event_from_row(row) for row in after(self.case_id, len(self.events))]
        try:
            for event in new:
                self.state.apply(event)
                self.events.append(event)
        except EventRejected:  # not reachable through the store's checks; read it all again
            self.reload()
        return new

    def reload(self) -> None:
        self.events = load_case_events(self.store, self.case_id)
        self.state = fold(self.events)

    def append(self, event: Any) -> None:
        """Check the event against the case (EventRejected), then store it (StoreConflict).

        `CaseState.apply` checks before it changes anything, so a refused event leaves the
        state as it was; if the store then refuses, the state is folded again from the events
        (refolding on every append cost ~5 ms per 1,000 events, on every save). A team store
        records the signed-in person as the author whatever the event says, so the event is
        given that name before it is applied.
        """
        if server_sets_who(self.store) or not event.who:
            event = event.model_copy(update={"who": recorder(self.store)})
        self.state.apply(event)
        kind, payload, at, who = event_row(event)
        try:
            self.store.append(
                self.case_id, kind, payload, at=at, who=who, expected_seq=len(self.events) + 1
            )
        except BaseException:
            self.state = fold(self.events)
            raise
        self.events.append(event)
