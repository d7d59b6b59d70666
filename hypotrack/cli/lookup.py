"""Loading a case for a command: a case file, or a case id in the store (FILE|CASE)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypotrack.cli.errors import BadInput

# What this run reads cases for, as a team store's access log records it (the command's name).
PURPOSE = "read"


def open_store(path: str | None) -> Any:
    """The store named by --store, $HYPOTRACK_STORE or the default (a file or a team store).

    One that cannot be opened raises a StoreError with its own message and exit code (2 for a
    path, URL or password the person can put right)."""
    from hypotrack.store.open import open_store as open_any

    return open_any(path, purpose=PURPOSE)


def is_file_ref(ref: str) -> bool:
    """Whether FILE|CASE names a case file (else a case id in the store)."""
    return Path(ref).exists() or ref.endswith((".yaml", ".yml")) or os.sep in ref


def history_head(ref: str, store_path: str | None, events: list[Any]) -> Any:
    """The chain head of a case's history: the store's, or what importing the file would give."""
    from hypotrack.store.case import chain_head

    if is_file_ref(ref):
        return chain_head(events)
    store = open_store(store_path)
    try:
        return store.head(ref)
    finally:
        store.close()


def load_events(ref: str, store_path: str | None) -> list[Any]:
    """The timeline of a case file, or of a case in the store."""
    from hypotrack.domain.casefile import CaseFileError, load_case_file

    path = Path(ref)
    if is_file_ref(ref):
        try:
            return load_case_file(path).events
        except CaseFileError as exc:
            raise BadInput(str(exc)) from None
    from hypotrack.store.base import UnknownCase
    from hypotrack.store.case import load_case_events

    store = open_store(store_path)  # StoreError: its own message and exit code
    try:
        return load_case_events(store, ref)
    except UnknownCase:
        if getattr(store, "server_sets_who", False):
            raise BadInput(
                f"{ref}: no such file, and no case with that id that you may read in "
                f"{store.where} (the attempt is logged; see 'hypotrack cases')"
            ) from None
        raise BadInput(
            f"{ref}: no such file, and no case with that id in the store (see 'hypotrack cases')"
        ) from None
    finally:
        store.close()


def case_tz(events: list[Any]) -> ZoneInfo:
    return ZoneInfo(events[0].case.timezone)
