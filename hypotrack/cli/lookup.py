"""Loading a case for a command: a case file, or a case id in the store (FILE|CASE).

The resolving is `services.case_ref`'s; here the store is the one the command names, opened for
what the command does (a team store's access log records it).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from hypotrack.domain import model as m

# What this run reads cases for, as a team store's access log records it (the command's name).
PURPOSE = "read"


def open_store(path: str | None) -> Any:
    """The store named by --store, $HYPOTRACK_STORE or the default (a file or a team store).

    One that cannot be opened raises a StoreError with its own message and exit code (2 for a
    path, URL or password the person can put right)."""
    from hypotrack.store.open import open_store as open_any

    return open_any(path, purpose=PURPOSE)


def history_head(ref: str, store_path: str | None, events: list[m.Event]) -> Any:
    """The chain head of a case's history: the store's, or what importing the file would give."""
    from hypotrack.services.case_ref import history_head as head_of

    return head_of(ref, partial(open_store, store_path), events)


def load_events(ref: str, store_path: str | None) -> list[m.Event]:
    """The timeline of a case file, or of a case in the store."""
    from hypotrack.services.case_ref import load_case

    return load_case(ref, partial(open_store, store_path))


def case_tz(events: list[m.Event]) -> ZoneInfo:
    return ZoneInfo(events[0].case.timezone)
