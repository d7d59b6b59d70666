"""The event store's narrow interface, its value types and the hash-chain format.

Everything a case ever becomes is folded from its events, so the store only has to do four things
well: append an event (refusing a writer whose view is stale), hand back a case's events in order,
list the cases, and show that the history was not rewritten. A fifth, small duty keeps the list of
cases cheap: the store keeps each case's *digest* (what the list shows: title, kind, last event,
flags by severity), written by the code that already reasoned about the case, so listing a thousand
cases never folds one. The store treats a digest as opaque JSON and only checks which event it was
computed through; it never computes one (the store does not reason). Keeping the interface this small is what
lets a team's shared server (PostgreSQL) sit behind it later; the chain format lives here, not in a
backend, so every backend computes the same hashes and a case moved between them still verifies.

Nothing here touches a file or a network.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

from hypotrack.domain.errors import HypotrackError

__all__ = [
    "EMPTY_DIGEST",
    "GENESIS_HASH",
    "CaseExists",
    "CaseSummary",
    "ChainHead",
    "ChainWalk",
    "DamagedStore",
    "EventStore",
    "NewEvent",
    "StoreConflict",
    "StoreError",
    "StoreUnavailable",
    "StoredEvent",
    "UnknownCase",
    "VerifyProblem",
    "advance_digest",
    "canonical_json",
    "digest_heads",
    "event_hash",
    "verify_rows",
]

#: The ``prev_hash`` of a case's first event: there is nothing before it to chain to.
GENESIS_HASH = "0" * 64

#: One event handed to :meth:`EventStore.append_batch`: ``(kind, payload, at, who)``.
NewEvent = tuple[str, dict[str, Any], str, str | None]


def canonical_json(value: Any) -> str:
    """Serialise ``value`` the one way the store writes and hashes it.

    Sorted keys and no insignificant whitespace make the text (and so the hash) independent of the
    order a dict was built in. NaN and infinities are refused because they are not JSON and a
    PostgreSQL backend could not store them.

    Raises:
        ValueError: ``value`` is not JSON (an unsupported type, NaN, a lone surrogate in a string).
    """
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        # A lone surrogate survives json.dumps(ensure_ascii=False) but cannot be stored as UTF-8;
        # finding out here keeps the failure a plain ValueError instead of a half-written write.
        text.encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:
        # The message names the type or the problem, never the contents: payloads are case notes.
        raise ValueError(f"not storable as JSON: {exc}") from None
    return text


def event_hash(
    case_id: str, seq: int, at: str, who: str | None, kind: str, payload_json: str, prev_hash: str
) -> str:
    """The sha256 hex digest that chains one event to the one before it.

    It covers everything that says what happened and when (not ``written``, the wall time of the row,
    which is bookkeeping). ``payload_json`` is hashed as the exact stored text, so any edit to the
    stored payload, even one that leaves the JSON equal, breaks the chain.
    """
    material = canonical_json([case_id, seq, at, who, kind, payload_json, prev_hash])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredEvent:
    """One event as it sits in the store.

    Attributes:
        case_id: The case the event belongs to.
        seq: Its position in the case, 1 for the first event, with no gaps.
        at: The event's time on the case's timeline (ISO 8601, as the caller gave it).
        who: Who recorded it, if known.
        kind: What sort of event it is (``case-opened``, ``evidence-recorded``, ...).
        payload: The event's data, as read back from its stored JSON.
        prev_hash: The ``hash`` of the event before it (:data:`GENESIS_HASH` for seq 1).
        hash: :func:`event_hash` of this event.
        written: UTC wall time (ISO 8601) at which the row was written.
    """

    case_id: str
    seq: int
    at: str
    who: str | None
    kind: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str
    written: str


@dataclass(frozen=True)
class CaseSummary:
    """What a list of cases shows about one case, without reading its events.

    Attributes:
        case_id: The case.
        title: ``payload["case"]["title"]`` of the case's first ``case-opened`` event, if any.
        events: How many events the case has.
        last_seq: The seq of its newest event (equal to ``events`` in a sound store).
        last_written: ``written`` of its newest event.
        digest: The digest last kept for the case by :meth:`EventStore.put_digest`, or None.
        digest_seq: The seq that digest was computed through (0 when none is kept). A digest is
            current only when ``digest_seq == last_seq``; an older one is stale (an event was
            appended by code that does not keep digests, or a crash came between the event and
            its digest) and the caller computes it afresh.
    """

    case_id: str
    title: str | None
    events: int
    last_seq: int
    last_written: str
    digest: dict[str, Any] | None = None
    digest_seq: int = 0

    @property
    def current_digest(self) -> dict[str, Any] | None:
        """The kept digest if it covers every event of the case, else None."""
        return self.digest if self.digest is not None and self.digest_seq == self.last_seq else None


@dataclass(frozen=True)
class VerifyProblem:
    """The first place a case's history does not check out.

    Attributes:
        case_id: The case.
        seq: The event at fault (for a gap, the missing seq).
        message: What is wrong, in words fit to show a person.
    """

    case_id: str
    seq: int
    message: str


class StoreError(HypotrackError):
    """The store could not do what was asked; the message is fit to show a person."""


class StoreUnavailable(StoreError):
    """The store cannot be used as it stands, and the person can put that right.

    The path is a folder or a file that is not a store, the store was written by a newer hypotrack,
    another program holds its lock, the disk is full, or a store that was there has been truncated
    or replaced. The message says which, and what to do. Nothing was written.
    """

    exit_code = 2


class DamagedStore(StoreError):
    """The store's contents cannot be read back as written; the message points to ``verify``."""


class StoreConflict(StoreError):
    """Someone else appended to the case after this writer last read it.

    Nothing was written. The writer should reload the case, look again, and retry if it still
    means to.

    Attributes:
        case_id: The case.
        expected_seq: The seq the writer thought its event would get.
        found_seq: The seq it would actually have got.
    """

    def __init__(self, case_id: str, expected_seq: int, found_seq: int) -> None:
        self.case_id = case_id
        self.expected_seq = expected_seq
        self.found_seq = found_seq
        super().__init__(
            f"case {case_id!r} changed since it was read: the new event was expected to be "
            f"seq {expected_seq}, but the next seq in the store is {found_seq}. "
            "Reload the case and try again."
        )


class CaseExists(StoreError):
    """A writer tried to start a case (``expected_seq=1``) that already has events."""

    exit_code = 2

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(f"case {case_id!r} already exists in the store")


class UnknownCase(StoreError):
    """The case has no events in the store."""

    exit_code = 2

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(f"no case {case_id!r} in the store")


# -- chain heads: the second place a case's history is pinned ---------------------------------

_HASH = re.compile(r"[0-9a-f]{64}")
#: :func:`digest_heads` of a store with no cases.
EMPTY_DIGEST = "0" * 64
_DIGEST_MODULUS = 2**256


@dataclass(frozen=True)
class ChainHead:
    """Where a case's hash chain ends: how many events it has and the hash of the last one.

    A backend keeps every case's head apart from the events (SQLite: a ``heads`` table written in
    the same transaction as the events, and a digest of all heads in the store's ``meta``), so
    deleting events from the end, deleting a whole case, or appending a forged row means rewriting
    two or three places consistently. Reports and exports print the head as ``CASE:N:HASH``;
    ``hypotrack verify --head CASE:N:HASH`` checks the store still holds that history. Only a
    printed head catches someone who edits an event and recomputes every hash and head after it.
    """

    case_id: str
    count: int
    hash: str

    def __str__(self) -> str:
        return f"{self.case_id}:{self.count}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> ChainHead:
        """A head as printed (``CASE:N:HASH``).

        Raises:
            ValueError: ``text`` is not of that form; the message says what is expected.
        """
        parts = text.rsplit(":", 2)
        if len(parts) != 3 or not parts[0]:
            raise ValueError(
                "a chain head is CASE:N:HASH, as printed at the end of a report or export"
            )
        case_id, count, hash_ = parts
        if not count.isdigit() or int(count) < 1 or len(count) > 12:
            raise ValueError("the N in a chain head CASE:N:HASH is a count of events (1 or more)")
        if not _HASH.fullmatch(hash_.lower()):
            raise ValueError("the HASH in a chain head CASE:N:HASH is 64 hexadecimal digits")
        return cls(case_id, int(count), hash_.lower())


def _head_term(head: ChainHead) -> int:
    material = canonical_json([head.case_id, head.count, head.hash])
    return int(hashlib.sha256(material.encode("utf-8")).hexdigest(), 16)


def digest_heads(heads: Iterable[ChainHead]) -> str:
    """One value for the heads of every case in a store (64 hex digits).

    It is the sum, modulo 2**256, of a hash of each head: independent of order, and updated in
    constant time when one case grows (:func:`advance_digest`), so a backend can keep it current
    on every append without reading the other cases. It is a tripwire against a case deleted with
    its head, not a signature: anyone who can write the store can recompute it.
    """
    total = sum(_head_term(head) for head in heads) % _DIGEST_MODULUS
    return f"{total:064x}"


def advance_digest(digest: str, old: ChainHead | None, new: ChainHead) -> str:
    """:func:`digest_heads` after one case's head moved from ``old`` (None: a new case) to ``new``."""
    total = int(digest, 16) + _head_term(new) - (_head_term(old) if old is not None else 0)
    return f"{total % _DIGEST_MODULUS:064x}"


#: One stored event as :func:`verify_rows` reads it:
#: ``(case_id, seq, at, who, kind, payload_json, prev_hash, hash)``.
ChainRow = tuple[str, int, str, str | None, str, str, str, str]


class ChainWalk:
    """Walks one case's rows in seq order and keeps the first place the chain breaks.

    Feed it rows with :meth:`feed`, then ask :meth:`finish` to compare the end of the chain with the
    head kept apart from it (and with a printed head, if one was given).
    """

    def __init__(self, case_id: str, printed: ChainHead | None = None) -> None:
        self.case_id = case_id
        self.count = 0
        self.last_hash = GENESIS_HASH
        self.problem: VerifyProblem | None = None
        self._printed = printed
        self._printed_problem: VerifyProblem | None = None

    def feed(self, row: ChainRow) -> None:
        """Check the next row (ignored once the chain has broken)."""
        if self.problem is not None:
            return
        problem = _check_row(row, self.count + 1, self.last_hash)
        if problem is not None:
            self.problem = problem
            return
        self.count += 1
        self.last_hash = row[7]
        printed = self._printed
        if printed is not None and self.count == printed.count and self.last_hash != printed.hash:
            self._printed_problem = VerifyProblem(
                self.case_id,
                self.count,
                f"the history up to event {self.count} is not the one the printed head pins: "
                f"an event at or before {self.count} was altered (and the hashes after it "
                "recomputed) since the head was printed; which one cannot be told from the store",
            )

    def finish(self, kept: ChainHead | None) -> VerifyProblem | None:
        """The first problem found, comparing the walked chain with the head kept for the case."""
        if self.problem is not None:
            return self.problem
        if self._printed_problem is not None:
            return self._printed_problem
        printed = self._printed
        if printed is not None and self.count < printed.count:
            return VerifyProblem(
                self.case_id,
                self.count + 1,
                f"events {self.count + 1} to {printed.count} are missing: the printed head says "
                f"the case had {printed.count} events, the store holds {self.count}",
            )
        if kept is None:
            if self.count == 0:
                return None
            return VerifyProblem(
                self.case_id,
                self.count,
                "the store keeps no head for this case: its events were written outside "
                "hypotrack, or its head was deleted",
            )
        if kept.count > self.count:
            first = self.count + 1
            what = (
                f"all {kept.count} events of the case are missing (the case was deleted)"
                if self.count == 0
                else f"events {first} to {kept.count} are missing (deleted from the end)"
                if kept.count > first
                else f"event {first} is missing (deleted from the end)"
            )
            return VerifyProblem(self.case_id, first, what)
        if kept.count < self.count:
            return VerifyProblem(
                self.case_id,
                kept.count + 1,
                f"event {kept.count + 1} was added outside hypotrack: the head kept for the case "
                f"says it has {kept.count} events, the store holds {self.count}",
            )
        if kept.hash != self.last_hash:
            return VerifyProblem(
                self.case_id,
                self.count,
                "the chain does not end where the head kept for the case says: events were "
                "altered and every hash after them recomputed. The first altered event cannot be "
                "told from the store; check a printed head with `hypotrack verify --head`",
            )
        return None


def verify_rows(
    rows: Iterable[ChainRow],
    heads: dict[str, ChainHead],
    *,
    case_id: str | None = None,
    digest: str | None = None,
    printed: ChainHead | None = None,
) -> list[VerifyProblem]:
    """Check a store's chains against the heads kept apart from them; the logic every backend shares.

    Args:
        rows: The events to check, ordered by case id then seq (one case's, if ``case_id``).
        heads: The heads the backend keeps apart from the events (every case's, or ``case_id``'s).
        case_id: Check only this case.
        digest: The store-wide :func:`digest_heads` the backend keeps, if it keeps one (checked only
            when every case is verified).
        printed: A head printed earlier (``verify --head``); checked against its case.

    Returns:
        At most one problem per case (the first one), then at most one for the store as a whole
        (case id ``""``, seq 0).
    """
    problems: list[VerifyProblem] = []
    walked: set[str] = set()
    for walk in _walks(rows, printed):
        walked.add(walk.case_id)
        problem = walk.finish(heads.get(walk.case_id))
        if problem is not None:
            problems.append(problem)
    wanted = [case_id] if case_id is not None else sorted(heads)
    if printed is not None and printed.case_id not in wanted:
        wanted.append(printed.case_id)
    for missing in wanted:
        if missing in walked:
            continue
        walk = ChainWalk(missing, printed if printed and printed.case_id == missing else None)
        problem = walk.finish(heads.get(missing))
        if problem is not None:
            problems.append(problem)
    problems.sort(key=lambda p: p.case_id)
    if case_id is None and digest is not None and digest_heads(heads.values()) != digest:
        problems.append(
            VerifyProblem(
                "",
                0,
                "the store's record of its cases does not match the cases' heads: a case was "
                "deleted together with its head, or a head was rewritten",
            )
        )
    return problems


def _walks(rows: Iterable[ChainRow], printed: ChainHead | None) -> Iterator[ChainWalk]:
    """One finished-feeding ChainWalk per case in ``rows`` (ordered by case id, then seq)."""
    walk: ChainWalk | None = None
    for row in rows:
        if walk is None or row[0] != walk.case_id:
            if walk is not None:
                yield walk
            walk = ChainWalk(row[0], printed if printed and printed.case_id == row[0] else None)
        walk.feed(row)
    if walk is not None:
        yield walk


def _check_row(row: ChainRow, expected_seq: int, prev_hash: str) -> VerifyProblem | None:
    """Check one stored row against the chain so far; None if it is sound."""
    case_id, seq, at, who, kind, payload_json, stored_prev, stored_hash = row[:8]
    if seq != expected_seq:
        if isinstance(seq, int) and seq > expected_seq:
            message = f"event {expected_seq} is missing (the next event present is {seq})"
        else:
            message = f"event {expected_seq} is missing (found another seq in its place)"
        return VerifyProblem(case_id, expected_seq, message)
    if stored_prev != prev_hash:
        return VerifyProblem(
            case_id,
            seq,
            f"event {seq} does not link to the event before it: the history before it was "
            "rewritten, or this event was altered",
        )
    try:
        recomputed = event_hash(case_id, seq, at, who, kind, payload_json, stored_prev)
    except (TypeError, ValueError):
        recomputed = None  # A field holds something no append writes (a blob, say).
    if recomputed != stored_hash:
        return VerifyProblem(
            case_id,
            seq,
            f"event {seq} does not match its hash: it was altered after it was written",
        )
    try:
        canonical = canonical_json(json.loads(payload_json))
    except (TypeError, ValueError, RecursionError):
        canonical = None
    if canonical != payload_json:
        # Only reachable if whoever altered the row also recomputed the hash and every later one.
        return VerifyProblem(
            case_id, seq, f"event {seq} has a payload the store would not have written"
        )
    return None


@runtime_checkable
class EventStore(Protocol):
    """An append-only, hash-chained log of events, kept per case.

    Events are never updated or deleted; a case exists once it has an event. Every backend must make
    an append atomic and durable once it returns, and must refuse (not overwrite) a second writer
    that read the case before the first one wrote.
    """

    def append(
        self,
        case_id: str,
        kind: str,
        payload: dict[str, Any],
        *,
        at: str,
        who: str | None = None,
        expected_seq: int,
    ) -> StoredEvent:
        """Append one event to a case, in its own transaction.

        Args:
            case_id: The case; appending with ``expected_seq=1`` starts it.
            kind: What sort of event it is.
            payload: The event's data; must be JSON.
            at: The event's time on the case's timeline, ISO 8601.
            who: Who recorded it.
            expected_seq: The seq the writer believes the event gets: the number of events it has
                seen in the case, plus one.

        Returns:
            The event as stored.

        Raises:
            StoreConflict: The case has moved on since the writer read it; nothing was written.
            CaseExists: ``expected_seq`` is 1 but the case already has events.
            UnknownCase: ``expected_seq`` is above 1 but the case has no events.
            ValueError, TypeError: An argument is malformed (nothing was written).
            StoreError: The store failed.
        """
        ...

    def append_batch(
        self, case_id: str, events: list[NewEvent], *, expected_seq: int
    ) -> list[StoredEvent]:
        """Append several events to a case in one transaction: all of them or none.

        ``events`` are ``(kind, payload, at, who)`` tuples, given seqs ``expected_seq``,
        ``expected_seq + 1``, ... Raises as :meth:`append`, and ValueError if ``events`` is empty.
        """
        ...

    def events(self, case_id: str) -> list[StoredEvent]:
        """All of a case's events, in seq order.

        Raises:
            UnknownCase: The case has no events.
        """
        ...

    def cases(self) -> list[CaseSummary]:
        """A summary of every case in the store, ordered by case id, with its kept digest.

        One consistent snapshot: a summary's ``last_seq`` and its digest are read together.
        """
        ...

    def has_case(self, case_id: str) -> bool:
        """Whether the case has any events."""
        ...

    def put_digest(self, case_id: str, digest: dict[str, Any], *, through_seq: int) -> None:
        """Keep a case's digest (what the list of cases shows), computed through event ``through_seq``.

        In its own transaction, after the event it covers (a crash in between leaves the older
        digest, which :attr:`CaseSummary.digest_seq` shows to be stale). A digest through an
        earlier seq than the one already kept is ignored, so a slow writer cannot replace a
        newer digest with an older one.

        Raises:
            UnknownCase: The case has no events.
            ValueError: ``through_seq`` is not between 1 and the case's last seq, or ``digest``
                is not JSON (nothing was written).
            TypeError: ``digest`` is not a dict.
            StoreError: The store failed.
        """
        ...

    def head(self, case_id: str) -> ChainHead:
        """The head the store keeps for a case (kept apart from its events).

        Raises:
            UnknownCase: The store keeps no head for the case.
        """
        ...

    def verify(
        self, case_id: str | None = None, *, printed: ChainHead | None = None
    ) -> list[VerifyProblem]:
        """Recompute the hash chain of one case (or all), compare it with the heads kept apart
        from it (and with ``printed``, a head printed earlier), and report where it breaks.

        A backend reads its rows and heads and hands them to :func:`verify_rows`, so every backend
        finds the same problems in the same words.

        Returns:
            At most one problem per case, the first one in seq order, then at most one about the
            store as a whole (case id ``""``, seq 0); empty when all is sound.

        Raises:
            UnknownCase: ``case_id`` was given and the store has neither events nor a head for it.
        """
        ...

    def close(self) -> None:
        """Release the store; calling it again does nothing."""
        ...


class ConnectedStore:
    """What the backends share beyond the protocol: one connection behind a lock, closed once,
    and use as a context manager (``with SqliteEventStore(path) as store: ...``).

    A backend sets ``_lock`` and ``_conn`` in its ``__init__`` and says how its driver closes a
    connection (``_close_connection``).
    """

    _lock: threading.Lock
    _conn: Any
    _closed: bool = False

    def close(self) -> None:
        """Close the connection; calling it again does nothing."""
        with self._lock:
            conn, self._conn = self._conn, None
            self._closed = True
            if conn is not None:
                self._close_connection(conn)

    def _close_connection(self, conn: Any) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
