"""Resolving a FILE|CASE argument: a case file on disk, or the id of a case in the store."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hypotrack.domain.errors import BadInputError
from hypotrack.store.base import ChainHead, EventStore

if TYPE_CHECKING:
    from hypotrack.domain import model as m

# Opens the store a case id is looked up in (only called when the reference is not a file).
StoreOpener = Callable[[], EventStore]


class CaseRefError(BadInputError):
    """A FILE|CASE argument that gives no case: a file that does not load, or no such case in
    the store; the message says which and where."""


def is_file_ref(ref: str) -> bool:
    """Whether FILE|CASE names a case file (else a case id in the store)."""
    return Path(ref).exists() or ref.endswith((".yaml", ".yml")) or os.sep in ref


def read_case_file(path: str | Path) -> list[m.Event]:
    """A case file's timeline (raises CaseRefError with the loader's message: where and what)."""
    from hypotrack.domain.casefile import CaseFileError, load_case_file

    try:
        return load_case_file(Path(path)).events
    except CaseFileError as exc:
        raise CaseRefError(str(exc)) from None


def load_case(ref: str, open_store: StoreOpener) -> list[m.Event]:
    """The timeline of a case file, or of a case in the store (raises CaseRefError)."""
    if is_file_ref(ref):
        return read_case_file(ref)
    from hypotrack.store.base import UnknownCase
    from hypotrack.store.case import load_case_events

    store = open_store()  # StoreError: its own message and exit code
    try:
        return load_case_events(store, ref)
    except UnknownCase:
        if getattr(store, "server_sets_who", False):
            raise CaseRefError(
                f"{ref}: no such file, and no case with that id that you may read in "
                f"{store.where} (the attempt is logged; see 'hypotrack cases')"
            ) from None
        raise CaseRefError(
            f"{ref}: no such file, and no case with that id in the store (see 'hypotrack cases')"
        ) from None
    finally:
        store.close()


def history_head(ref: str, open_store: StoreOpener, events: list[m.Event]) -> ChainHead:
    """The chain head of a case's history: the store's, or what importing the file would give."""
    from hypotrack.store.case import chain_head

    if is_file_ref(ref):
        return chain_head(events)
    store = open_store()
    try:
        return store.head(ref)
    finally:
        store.close()
