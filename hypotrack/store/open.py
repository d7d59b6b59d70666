"""Opening the store a command or the app works on: a SQLite file or a PostgreSQL team store.

``--store`` wins, then ``HYPOTRACK_STORE``, then the embedded default (``HYPOTRACK_HOME`` or the
user's data folder). A value starting with ``postgresql://`` (or ``postgres://``) names a team
store; anything else is a file path.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["open_store", "store_ref"]


def store_ref(explicit: str | None = None) -> str | None:
    """The store a command names: ``--store``, else ``$HYPOTRACK_STORE``, else None (the default)."""
    if explicit:
        return explicit
    return os.environ.get("HYPOTRACK_STORE") or None


def open_store(explicit: str | None = None, purpose: str = "read") -> Any:
    """Open the store (raises StoreError with one sentence if it cannot be opened).

    Args:
        explicit: ``--store`` as given, or None.
        purpose: What reads are for, as a team store's access log records them.
    """
    from hypotrack.store.postgres import is_url

    ref = store_ref(explicit)
    if is_url(ref):
        from hypotrack.store.postgres import PostgresEventStore

        return PostgresEventStore(str(ref), purpose=purpose)
    from hypotrack.store.sqlite import SqliteEventStore, default_store_path

    return SqliteEventStore(default_store_path(ref))
