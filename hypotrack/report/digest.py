"""A case in one line: the digest the list of cases shows, kept in the store with each change.

Listing the cases used to replay every one of them to count its flags (7.4 s of CPU for a thousand
cases). Now the code that has just reasoned about a case (the workspace after each entry, the
replay after a pinned note, an import once at the end) hands the flags it already has to
:func:`keep_digest`, which writes the digest through the store's interface; :func:`case_rows`
only reads digests. The store does not reason (it must not import `reasoning`), so the digest is
computed here, where both the command line and the app can reach it.

A digest the store marks as stale (an event was appended by code that keeps no digest, or a crash
came between an event and its digest) is computed afresh from the events, once, and kept.

The digest (JSON, as the store keeps it)::

    {"title": str, "kind": "live" | "teaching" | "training", "last_event": ISO 8601,
     "open": {"red": int, "amber": int}, "acknowledged": {"red": int, "amber": int}}

``last_event`` is the time of the case's latest event on its own timeline, in the case's time
zone (not when it was imported); open flags are those not acknowledged, and an acknowledged flag is counted apart, by
its own severity, so an acknowledged red flag never reads as a smaller amber one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hypotrack.store.base import CaseSummary, EventStore, StoreError
from hypotrack.store.case import DamagedCase, import_events, load_case_events, replayable

if TYPE_CHECKING:
    from hypotrack.domain import model as m
    from hypotrack.domain.results import Flag

__all__ = ["SEVERITIES", "case_rows", "digest_of", "import_case", "keep_digest"]

SEVERITIES = ("red", "amber")


def digest_of(events: list[m.Event], flags: Iterable[Flag]) -> dict[str, Any]:
    """The digest of a case from its events and the flags as they stand after the last one."""
    from hypotrack.reasoning.timeline import flag_counts

    info = events[0].case
    counts = flag_counts(list(flags))
    opened = {"red": counts.red, "amber": counts.amber}
    acknowledged = {"red": counts.acknowledged_red, "amber": counts.acknowledged_amber}
    return {
        "title": info.title,
        "kind": info.kind,
        # In the case's own zone, as every time in the case is shown.
        "last_event": max(e.at for e in events).astimezone(ZoneInfo(info.timezone)).isoformat(),
        "open": opened,
        "acknowledged": acknowledged,
    }


def _flags_now(events: list[m.Event]) -> list[Flag]:
    """The flags after the last event: the timeline walk's last step, with the flags read there."""
    from hypotrack.reasoning.timeline import standing

    last = standing(events)
    return list(last.flags or ()) if last is not None else []


def keep_digest(
    store: EventStore, case_id: str, events: list[m.Event], flags: Iterable[Flag] | None = None
) -> dict[str, Any]:
    """Compute the case's digest (from ``flags`` if the caller has them) and keep it in the store.

    ``events`` are all the case's events, as stored (the digest is kept through seq
    ``len(events)``). The event itself is already safe in the store, so a store that fails to keep
    the digest is not an error here: the list of cases will find the digest stale and recompute it.
    """
    digest = digest_of(events, _flags_now(events) if flags is None else flags)
    try:
        store.put_digest(case_id, digest, through_seq=len(events))
    except (StoreError, ValueError):
        pass  # stale digests are recomputed by case_rows; nothing about the case is lost
    return digest


def import_case(store: EventStore, events: list[m.Event]) -> None:
    """A whole case into the store in one transaction, then its digest (raises as import_events)."""
    import_events(store, events)
    try:
        keep_digest(store, events[0].case.id, events)
    except Exception:  # noqa: BLE001 - the case is stored; without a digest the list of cases
        pass  # reasons over it afresh, and lists it as damaged if that fails


def _row(summary: CaseSummary, digest: dict[str, Any]) -> dict[str, Any]:
    opened = {s: int(digest.get("open", {}).get(s, 0)) for s in SEVERITIES}
    acknowledged = {s: int(digest.get("acknowledged", {}).get(s, 0)) for s in SEVERITIES}
    return {
        "id": summary.case_id,
        "title": str(digest.get("title") or summary.title or summary.case_id),
        "kind": str(digest.get("kind") or ""),
        "last_change": str(digest.get("last_event") or summary.last_written),
        "events": summary.events,
        "open": opened,
        "acknowledged": acknowledged,
        # Kept for scripts that read `cases --json`: open (unacknowledged) flags, and the red ones.
        "open_flags": sum(opened.values()),
        "red_flags": opened["red"],
        "damaged": None,
    }


def case_rows(store: EventStore) -> list[dict[str, Any]]:
    """The store's cases for a list: id, title, kind, last change, flags open and acknowledged.

    Reads the kept digests; only a case whose digest is missing or stale is read and reasoned
    about, and its digest is then kept so the next listing does not do it again.
    """
    rows = []
    for summary in store.cases():
        digest = summary.current_digest
        if digest is None:
            # A case that cannot be read or replayed is listed as damaged, with the reason and
            # what to do; it never hides the others.
            try:
                events = load_case_events(store, summary.case_id)
                replayable(summary.case_id, events)
                digest = keep_digest(store, summary.case_id, events)
            except DamagedCase as exc:
                rows.append(damaged_row(summary, exc.why, exc.seq))
                continue
            except Exception as exc:  # the reasoning failed on this case: the rest still list
                rows.append(damaged_row(summary, f"cannot be reasoned over ({type(exc).__name__})"))
                continue
        rows.append(_row(summary, digest))
    return rows


def damaged_row(summary: CaseSummary, why: str, seq: int | None = None) -> dict[str, Any]:
    """A row of the list of cases for a case that cannot be opened."""
    none = dict.fromkeys(SEVERITIES, 0)
    return {
        "id": summary.case_id,
        "title": summary.title or "",
        "kind": "?",
        "last_change": summary.last_written,
        "events": summary.events,
        "open": none,
        "acknowledged": dict(none),
        "open_flags": 0,
        "red_flags": 0,
        "damaged": {
            "reason": f"event {seq} {why}" if seq is not None else f"the case {why}",
            "advice": f"run 'hypotrack verify {summary.case_id}' to check its history",
        },
    }
