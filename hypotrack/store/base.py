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
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "GENESIS_HASH",
    "CaseExists",
    "CaseSummary",
    "EventStore",
    "NewEvent",
    "StoreConflict",
    "StoreError",
    "StoredEvent",
    "UnknownCase",
    "VerifyProblem",
    "canonical_json",
    "event_hash",
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


class StoreError(Exception):
    """The store could not do what was asked; the message is fit to show a person."""


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

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(f"case {case_id!r} already exists in the store")


class UnknownCase(StoreError):
    """The case has no events in the store."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(f"no case {case_id!r} in the store")


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

    def verify(self, case_id: str | None = None) -> list[VerifyProblem]:
        """Recompute the hash chain of one case (or all) and report where it breaks.

        Returns:
            At most one problem per case, the first one in seq order; empty when all is sound.

        Raises:
            UnknownCase: ``case_id`` was given and has no events.
        """
        ...

    def close(self) -> None:
        """Release the store; calling it again does nothing."""
        ...
