"""The embedded event store: one SQLite file in the user's data directory.

Durability comes from SQLite itself: WAL mode with ``synchronous=FULL`` means a commit is on disk when
it returns, and each append is one transaction, so a crash loses at most the event being written.
Concurrency comes from ``BEGIN IMMEDIATE``: a writer takes the write lock before it reads the case's
last seq, so two processes cannot both decide they are writing seq N; the one that comes second sees
the first one's event and gets a :class:`~hypotrack.store.base.StoreConflict`. The primary key on
``(case_id, seq)`` backs that up against any writer that bypasses this class.

The file holds case notes about children, so it is private to its owner (mode 0600, and so are the
``-wal``/``-shm`` files SQLite keeps beside it), and no payload ever appears in a message.

Importing this module opens nothing; the file is opened (and created if need be) by
:class:`SqliteEventStore`.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from hypotrack.domain.text import one_line
from hypotrack.store.base import (
    EMPTY_DIGEST,
    GENESIS_HASH,
    CaseExists,
    CaseSummary,
    ChainHead,
    ConnectedStore,
    DamagedStore,
    NewEvent,
    StoreConflict,
    StoredEvent,
    StoreError,
    StoreUnavailable,
    UnknownCase,
    VerifyProblem,
    advance_digest,
    canonical_json,
    digest_heads,
    event_hash,
    verify_rows,
)

__all__ = ["SCHEMA_VERSION", "SqliteEventStore", "default_store_path"]

#: The layout this code writes and reads; bump it (and migrate in ``_open``) when the layout grows.
#: 2 added the ``heads`` table and the ``heads_digest`` and ``store_id`` meta keys.
SCHEMA_VERSION = 2
# Marks the file as ours, so a stray SQLite database with a table called "meta" is not mistaken for
# a store (and is never written to).
_FORMAT = "hypotrack-events"
_FILE_NAME = "hypotrack.db"
# How long a writer waits for another one to finish before giving up. Appends take milliseconds, so
# five seconds only runs out when something is badly stuck.
_BUSY_TIMEOUT_MS = 5000
_PRIVATE = 0o600
# The marker kept beside the store file: it says a store was here, so a store truncated to
# nothing, deleted, or swapped for another store is refused instead of silently started afresh.
_MARKER_SUFFIX = ".store-id"
_MARKER_FORMAT = "hypotrack-store-marker"

# A new event after validation: (kind, payload as canonical JSON text, at, who).
_Prepared = tuple[str, str, str, str | None]

_COLUMNS = "case_id, seq, at, who, kind, payload, prev_hash, hash, written"
# Each case's digest for the list of cases (see EventStore.put_digest). Not part of the history:
# it is derived from the events, never hashed, and an older hypotrack simply ignores the table, so
# adding it does not change the schema version; a store made before it gets it when next opened.
_DIGESTS = (
    "CREATE TABLE IF NOT EXISTS case_digests ("
    " case_id TEXT PRIMARY KEY, through_seq INTEGER NOT NULL, digest TEXT NOT NULL)"
)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # The primary key is what makes two writers unable to silently overwrite each other.
    "CREATE TABLE IF NOT EXISTS events ("
    " case_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, who TEXT,"
    " kind TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,"
    " written TEXT NOT NULL, PRIMARY KEY (case_id, seq))",
    # Each case's head, written in the same transaction as its events: a second place that a
    # deletion from the end, a deleted case or a forged appended row has to be made to agree with.
    "CREATE TABLE IF NOT EXISTS heads ("
    " case_id TEXT PRIMARY KEY, count INTEGER NOT NULL, hash TEXT NOT NULL)",
    _DIGESTS,
)


def default_store_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the embedded store lives.

    Args:
        explicit: A path given on the command line (``--store``); wins if given.

    Returns:
        ``explicit``; else ``$HYPOTRACK_HOME/hypotrack.db`` if that variable is set; else
        ``hypotrack.db`` in the user's data directory. Nothing is created.
    """
    if explicit is not None and str(explicit):
        return Path(explicit).expanduser()
    home = os.environ.get("HYPOTRACK_HOME")
    if home:
        return Path(home).expanduser() / _FILE_NAME
    return Path(platformdirs.user_data_dir("hypotrack")) / _FILE_NAME


def _utc_now() -> str:
    """The current UTC wall time, ISO 8601 with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _check_case_id(case_id: str) -> None:
    """Refuse a case id that is not a non-empty string."""
    if not isinstance(case_id, str) or not case_id:
        raise ValueError("a case id must be a non-empty string")


def _check_expected_seq(expected_seq: int) -> None:
    """Refuse an ``expected_seq`` that could never be right."""
    # bool is an int; True as a seq is always a bug in the caller.
    if not isinstance(expected_seq, int) or isinstance(expected_seq, bool) or expected_seq < 1:
        raise ValueError(f"expected_seq must be an int of at least 1, got {expected_seq!r}")


def _prepare_event(kind: str, payload: dict[str, Any], at: str, who: str | None) -> _Prepared:
    """Validate one new event and return it with its payload as canonical JSON text.

    All checks happen before the transaction starts, so a bad event in a batch leaves nothing
    half-done and holds no lock.
    """
    if not isinstance(kind, str) or not kind:
        raise ValueError("an event's kind must be a non-empty string")
    if not isinstance(payload, dict):
        raise TypeError(f"an event's payload must be a dict, not {type(payload).__name__}")
    if not isinstance(at, str):
        raise TypeError(f"an event's time must be an ISO 8601 string, not {type(at).__name__}")
    try:
        datetime.fromisoformat(at)
    except ValueError:
        raise ValueError(f"an event's time must be ISO 8601, got {at!r}") from None
    if who is not None and not isinstance(who, str):
        raise TypeError(f"who must be a string or None, not {type(who).__name__}")
    return (kind, canonical_json(payload), at, who)


class SqliteEventStore(ConnectedStore):
    """An :class:`~hypotrack.store.base.EventStore` in one SQLite file.

    The file (and its folder) is created on first use. One instance holds one connection; it may be
    shared between threads (calls are serialised), and any number of instances, in any number of
    processes, may use the same file at once.

    Raises:
        StoreError: The file cannot be created or opened, is not a hypotrack store, is damaged, or
            was written by a newer hypotrack.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path).expanduser()
        # One sqlite3 connection is not safe to use from two threads at once; Textual workers run
        # in threads, so every call takes this lock.
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = self._open()

    # -- opening -------------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The store's file."""
        return self._path

    def _open(self) -> sqlite3.Connection:
        """Create the file if need be, open it, and check (or lay down) the schema."""
        path = self._path
        if path.is_dir():
            raise StoreUnavailable(
                f"the store at {path} is a folder, not a file; give a file path with --store, or "
                "a folder with HYPOTRACK_HOME"
            )
        self._make_folder()
        if not path.exists() and self._marker_id() is not None:
            raise StoreUnavailable(
                f"the store at {path} is gone, but {self._marker.name} beside it says a store was "
                "there: it was deleted or moved. Put it back (or restore it from a backup); to "
                f"start a new, empty store there instead, delete {self._marker}"
            )
        self._create_private_file()
        conn = self._connect()
        try:
            self._prepare_connection(conn)
        except BaseException:
            conn.close()
            raise
        self._make_private()
        return conn

    def _make_folder(self) -> None:
        """The store's folder (private when created here)."""
        path = self._path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except (FileExistsError, NotADirectoryError):
            raise StoreUnavailable(
                f"cannot keep a store at {path}: a file stands where its folder should be "
                f"({_first_non_folder(path.parent)}); point HYPOTRACK_HOME (or --store) at a "
                "folder"
            ) from None
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot create the folder for the store at {path}: {_os_reason(exc)}"
            ) from None

    def _create_private_file(self) -> None:
        """The store's file, created empty and private unless it is there already."""
        path = self._path
        try:
            # Creating the file ourselves, private from the first byte, leaves no moment in which
            # another user could open it; SQLite then gives -wal/-shm the same mode as the file.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE)
        except FileExistsError:
            pass
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot create the store at {path}: {_os_reason(exc)}"
            ) from None
        else:
            os.close(fd)

    def _connect(self) -> sqlite3.Connection:
        """A connection to the file, in autocommit mode, usable from any thread."""
        # Belt and braces for anything SQLite creates while connecting. umask is process-wide,
        # hence the narrow window.
        old_umask = os.umask(0o077)
        try:
            return sqlite3.connect(
                self._path,
                timeout=_BUSY_TIMEOUT_MS / 1000,
                # Autocommit at the driver level: this class issues BEGIN/COMMIT itself, so that
                # every write is BEGIN IMMEDIATE and no read leaves a transaction open.
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open the store at {self._path} ({exc})") from None
        finally:
            os.umask(old_umask)

    def _prepare_connection(self, conn: sqlite3.Connection) -> None:
        """Check that ``conn`` is a hypotrack store (making it one if empty) and configure it."""
        path = self._path
        not_ours = (
            f"{path} is not a hypotrack store (it is some other file or SQLite database); "
            "choose another path with --store or HYPOTRACK_HOME"
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            # Reading the schema before changing anything means a file that is not ours is refused
            # untouched (not even its journal mode is changed).
            tables = _tables(conn)
            if not tables and self._marker_id() is not None:
                # Someone creating the store right now writes the marker only after its tables
                # are committed, so a second look tells a truncated store from a new one.
                tables = _tables(conn)
                if not tables:
                    raise self._was_a_store()
            if not tables:
                self._use_wal(conn)
                self._create_schema(conn)
                tables = _tables(conn)
            if not {"meta", "events"} <= tables:
                raise StoreUnavailable(not_ours)
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("format") == _FORMAT:
                self._use_wal(conn)
                if tables and "case_digests" not in tables:
                    self._add_digests(conn)
        except sqlite3.OperationalError as exc:
            raise _operational(exc, f"open the store at {path}", path) from None
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(
                f"cannot open the store at {path}: it is damaged or is not a hypotrack store "
                f"({exc}); restore it from a backup, or choose another path with --store"
            ) from None
        if meta.get("format") != _FORMAT:
            raise StoreUnavailable(not_ours)
        try:
            version = int(meta.get("schema_version", ""))
        except ValueError:
            raise DamagedStore(
                f"the store at {path} is damaged (its schema version is unreadable)"
            ) from None
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(
                f"the store at {path} was written by a newer hypotrack (store format {version}; "
                f"this version reads up to {SCHEMA_VERSION}); upgrade hypotrack to open it"
            )
        if version < 2:
            meta = self._upgrade_to_heads(conn)
        self._check_marker(meta.get("store_id"))

    @staticmethod
    def _use_wal(conn: sqlite3.Connection) -> None:
        """Put the connection in WAL mode with fully synced commits."""
        # WAL lets readers carry on while someone writes; with synchronous=FULL a commit has been
        # synced when it returns. On a file system without shared memory SQLite keeps its rollback
        # journal instead, which is just as durable, so that is accepted silently.
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        """Lay down the tables in a new store, unless a store was here before.

        Two processes may both find the file empty; IF NOT EXISTS and INSERT OR IGNORE under
        BEGIN IMMEDIATE let the second one find the first one's work and do nothing. The marker is
        looked at under the same lock, so the second one never mistakes the first one's new
        marker for the sign of a truncated store.
        """
        conn.execute("BEGIN IMMEDIATE")
        try:
            if not _tables(conn) and self._marker_id() is not None:
                raise self._was_a_store()
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.executemany(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                [
                    ("format", _FORMAT),
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("heads_digest", EMPTY_DIGEST),
                    ("store_id", uuid.uuid4().hex),
                ],
            )
            conn.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    def _upgrade_to_heads(self, conn: sqlite3.Connection) -> dict[str, str]:
        """Bring a format-1 store to format 2: heads taken from the chains as they stand."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            if int(meta.get("schema_version", "0")) < 2:
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute(
                    "INSERT OR REPLACE INTO heads (case_id, count, hash)"
                    " SELECT e.case_id, e.seq, e.hash FROM events AS e"
                    " WHERE e.seq = (SELECT MAX(seq) FROM events WHERE case_id = e.case_id)"
                )
                heads = [ChainHead(*row) for row in conn.execute("SELECT * FROM heads")]
                conn.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("schema_version", str(SCHEMA_VERSION)),
                        ("heads_digest", digest_heads(heads)),
                        ("store_id", meta.get("store_id") or uuid.uuid4().hex),
                    ],
                )
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            conn.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        return meta

    @staticmethod
    def _add_digests(conn: sqlite3.Connection) -> None:
        """Give a store made before digests were kept its (empty) table of digests."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_DIGESTS)
            conn.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    # -- the marker beside the file -------------------------------------------------------------

    @property
    def _marker(self) -> Path:
        return self._path.with_name(self._path.name + _MARKER_SUFFIX)

    def _marker_id(self) -> str | None:
        """The store id the marker beside the file holds; None if there is no (readable) marker."""
        try:
            data = json.loads(self._marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if isinstance(data, dict) and data.get("format") == _MARKER_FORMAT:
            store_id = data.get("store_id")
            return store_id if isinstance(store_id, str) else None
        return None

    def _was_a_store(self) -> StoreUnavailable:
        return StoreUnavailable(
            f"the store at {self._path} is empty, but {self._marker.name} beside it says a store "
            "was there: the file was truncated or replaced. Restore it from a backup; to start a "
            f"new, empty store there instead, delete {self._marker}"
        )

    def _check_marker(self, store_id: str | None) -> None:
        """Refuse a store that is not the one the marker names; write the marker if there is none."""
        if not store_id:
            return
        found = self._marker_id()
        if found is None:
            # A new store, or one made before markers: leave the sign that a store lives here. A
            # folder we may not write to only loses this tripwire, not the store.
            text = json.dumps({"format": _MARKER_FORMAT, "store_id": store_id})
            with suppress(OSError):
                fd = os.open(self._marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE)
                try:
                    os.write(fd, text.encode("utf-8"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
            return
        if found != store_id:
            raise StoreUnavailable(
                f"the store at {self._path} is not the store that was there ({self._marker.name} "
                "beside it names another): the file was replaced. Put the original back; if the "
                f"replacement is meant, delete {self._marker} and open it again"
            )

    def _make_private(self) -> None:
        """Set mode 0600 on the store and the -wal/-shm files beside it."""
        for suffix in ("", "-wal", "-shm"):
            file = self._path.with_name(self._path.name + suffix)
            # Not ours to change (another user's file we may read), or gone already: leave it.
            with suppress(OSError):
                if file.stat().st_mode & 0o777 != _PRIVATE:
                    file.chmod(_PRIVATE)

    # -- the local user's name ------------------------------------------------------------------

    @property
    def user(self) -> str | None:
        """The name this store records as ``who`` (asked once, kept in the store), if set."""
        with self._lock, self._sqlite_errors("read the store's settings"):
            row = self._connection().execute("SELECT value FROM meta WHERE key = 'user'").fetchone()
        return row[0] if row else None

    def set_user(self, name: str) -> None:
        """Keep ``name`` as the local user's name for what they record from now on."""
        name = name.strip()
        if not name or len(name) > 200 or any(ord(ch) < 32 for ch in name):
            raise ValueError("a name is one line of at most 200 characters")
        with self._lock, self._sqlite_errors("keep your name"), self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('user', ?)", (name,))

    # -- plumbing ------------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """The open connection, or a StoreError if :meth:`close` was called."""
        if self._conn is None:
            raise StoreError(f"the store at {self._path} is closed")
        return self._conn

    @contextmanager
    def _sqlite_errors(self, doing: str) -> Iterator[None]:
        """Turn any sqlite3 error into a StoreError that names the file and says what failed."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise _operational(exc, f"{doing} in the store at {self._path}", self._path) from None
        except sqlite3.DatabaseError as exc:
            raise DamagedStore(
                f"could not {doing}: the store at {self._path} is damaged ({exc}); "
                "run `hypotrack verify`"
            ) from None
        except sqlite3.Error as exc:
            raise StoreError(f"could not {doing} in the store at {self._path} ({exc})") from None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front and rolling back on any error."""
        conn = self._connection()
        # IMMEDIATE takes the write lock before the first read, so the last seq a writer reads
        # cannot change before it inserts; a deferred BEGIN would let two writers read the same
        # seq and the second would fail on the primary key instead of getting a clean conflict.
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                # The original error matters more than a failed rollback, and SQLite rolls back
                # on close or on the next open anyway.
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise

    def _to_event(self, row: tuple[Any, ...]) -> StoredEvent:
        """Build a StoredEvent from a row selected as ``_COLUMNS``."""
        case_id, seq, at, who, kind, payload_json, prev_hash, hash_, written = row
        try:
            payload = json.loads(payload_json)
        except (TypeError, ValueError, RecursionError):
            payload = None
        if not isinstance(payload, dict):
            raise DamagedStore(
                f"event {seq} of case {case_id!r} in the store at {self._path} is damaged "
                "(its payload is not a JSON object); run `hypotrack verify`"
            )
        return StoredEvent(case_id, seq, at, who, kind, payload, prev_hash, hash_, written)

    # -- the EventStore interface --------------------------------------------------------------

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
        """Append one event in its own transaction; see :meth:`EventStore.append`."""
        return self.append_batch(case_id, [(kind, payload, at, who)], expected_seq=expected_seq)[0]

    def append_batch(
        self, case_id: str, events: list[NewEvent], *, expected_seq: int
    ) -> list[StoredEvent]:
        """Append events in one transaction, all or none; see :meth:`EventStore.append_batch`."""
        _check_case_id(case_id)
        _check_expected_seq(expected_seq)
        if not events:
            raise ValueError("append_batch needs at least one event")
        prepared = [_prepare_event(*event) for event in events]
        with self._lock, self._sqlite_errors(f"append to case {case_id!r}"), self._write() as conn:
            row = conn.execute(
                "SELECT seq, hash FROM events WHERE case_id = ? ORDER BY seq DESC LIMIT 1",
                (case_id,),
            ).fetchone()
            last_seq, prev_hash = row if row is not None else (0, GENESIS_HASH)
            if expected_seq != last_seq + 1:
                if expected_seq == 1:
                    raise CaseExists(case_id)
                if last_seq == 0:
                    raise UnknownCase(case_id)
                raise StoreConflict(case_id, expected_seq, last_seq + 1)
            written = _utc_now()
            stored: list[StoredEvent] = []
            for seq, (kind, payload_json, at, who) in enumerate(prepared, start=expected_seq):
                hash_ = event_hash(case_id, seq, at, who, kind, payload_json, prev_hash)
                # Hand back the payload as it will read back (tuples as lists, keys as strings),
                # so what the caller folds now is what a reload will fold.
                payload = json.loads(payload_json)
                stored.append(
                    StoredEvent(case_id, seq, at, who, kind, payload, prev_hash, hash_, written)
                )
                prev_hash = hash_
            conn.executemany(
                f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (e.case_id, e.seq, e.at, e.who, e.kind, p[1], e.prev_hash, e.hash, e.written)
                    for e, p in zip(stored, prepared, strict=True)
                ],
            )
            self._move_head(conn, ChainHead(case_id, stored[-1].seq, stored[-1].hash))
        return stored

    @staticmethod
    def _move_head(conn: sqlite3.Connection, new: ChainHead) -> None:
        """Record a case's new head and the store's digest of heads, inside the append's transaction."""
        row = conn.execute(
            "SELECT count, hash FROM heads WHERE case_id = ?", (new.case_id,)
        ).fetchone()
        old = ChainHead(new.case_id, *row) if row is not None else None
        digest_row = conn.execute("SELECT value FROM meta WHERE key = 'heads_digest'").fetchone()
        digest = advance_digest(digest_row[0] if digest_row else EMPTY_DIGEST, old, new)
        conn.execute(
            "INSERT OR REPLACE INTO heads (case_id, count, hash) VALUES (?, ?, ?)",
            (new.case_id, new.count, new.hash),
        )
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('heads_digest', ?)", (digest,)
        )

    def events(self, case_id: str) -> list[StoredEvent]:
        """All of a case's events in seq order; see :meth:`EventStore.events`."""
        with self._lock, self._sqlite_errors(f"read case {case_id!r}"):
            rows = (
                self._connection()
                .execute(
                    f"SELECT {_COLUMNS} FROM events WHERE case_id = ? ORDER BY seq", (case_id,)
                )
                .fetchall()
            )
        if not rows:
            raise UnknownCase(case_id)
        return [self._to_event(row) for row in rows]

    def cases(self) -> list[CaseSummary]:
        """A summary of every case, ordered by case id; see :meth:`EventStore.cases`."""
        # One statement, so one consistent snapshot even while others write.
        query = """
            SELECT c.case_id, c.n, c.last_seq,
                   (SELECT written FROM events
                     WHERE case_id = c.case_id AND seq = c.last_seq),
                   (SELECT payload FROM events
                     WHERE case_id = c.case_id AND kind = 'case-opened' ORDER BY seq LIMIT 1),
                   d.through_seq, d.digest
              FROM (SELECT case_id, COUNT(*) AS n, MAX(seq) AS last_seq
                      FROM events GROUP BY case_id) AS c
              LEFT JOIN case_digests AS d ON d.case_id = c.case_id
             ORDER BY c.case_id
        """
        with self._lock, self._sqlite_errors("list the cases"):
            rows = self._connection().execute(query).fetchall()
        return [
            CaseSummary(
                case_id, _title(opened), n, last_seq, last_written, *_digest(through, digest)
            )
            for case_id, n, last_seq, last_written, opened, through, digest in rows
        ]

    def put_digest(self, case_id: str, digest: dict[str, Any], *, through_seq: int) -> None:
        """Keep a case's digest; see :meth:`EventStore.put_digest`."""
        _check_case_id(case_id)
        if not isinstance(through_seq, int) or isinstance(through_seq, bool) or through_seq < 1:
            raise ValueError(f"through_seq must be an int of at least 1, got {through_seq!r}")
        if not isinstance(digest, dict):
            raise TypeError(f"a digest must be a dict, not {type(digest).__name__}")
        text = canonical_json(digest)
        with (
            self._lock,
            self._sqlite_errors(f"keep the digest of case {case_id!r}"),
            self._write() as conn,
        ):
            row = conn.execute(
                "SELECT MAX(seq) FROM events WHERE case_id = ?", (case_id,)
            ).fetchone()
            last_seq = row[0] if row is not None else None
            if last_seq is None:
                raise UnknownCase(case_id)
            if through_seq > last_seq:
                raise ValueError(
                    f"a digest through seq {through_seq} of case {case_id!r}, which has only "
                    f"{last_seq} events"
                )
            # The WHERE keeps a newer digest when a slower writer comes second.
            conn.execute(
                "INSERT INTO case_digests (case_id, through_seq, digest) VALUES (?, ?, ?)"
                " ON CONFLICT (case_id) DO UPDATE SET through_seq = excluded.through_seq,"
                " digest = excluded.digest WHERE excluded.through_seq >= case_digests.through_seq",
                (case_id, through_seq, text),
            )

    @staticmethod
    def _has_rows(conn: sqlite3.Connection, case_id: str) -> bool:
        row = conn.execute("SELECT 1 FROM events WHERE case_id = ? LIMIT 1", (case_id,)).fetchone()
        return row is not None

    def has_case(self, case_id: str) -> bool:
        """Whether the case has any events."""
        with self._lock, self._sqlite_errors(f"look up case {case_id!r}"):
            row = (
                self._connection()
                .execute("SELECT 1 FROM events WHERE case_id = ? LIMIT 1", (case_id,))
                .fetchone()
            )
        return row is not None

    def head(self, case_id: str) -> ChainHead:
        """The head kept for a case; see :meth:`EventStore.head`."""
        with self._lock, self._sqlite_errors(f"read the head of case {case_id!r}"):
            row = (
                self._connection()
                .execute("SELECT count, hash FROM heads WHERE case_id = ?", (case_id,))
                .fetchone()
            )
        if row is None:
            raise UnknownCase(case_id)
        return ChainHead(case_id, int(row[0]), str(row[1]))

    def verify(
        self, case_id: str | None = None, *, printed: ChainHead | None = None
    ) -> list[VerifyProblem]:
        """Check the chains against the heads kept apart from them; see :meth:`EventStore.verify`."""
        damage: list[str] = []  # what SQLite said when part of the file could not be read
        with self._lock, self._sqlite_errors("verify the store"):
            problems, seen = self._verify_snapshot(self._connection(), case_id, printed, damage)
        if damage:
            # What could not be read is not evidence of rewriting: only the damage is reported
            # for the store as a whole.
            problems = [p for p in problems if p.case_id]
            problems.append(
                VerifyProblem(
                    "",
                    0,
                    f"the file itself is damaged ({one_line(damage[0], 80)}): what follows the "
                    "last event checked cannot be read. Restore the store from a backup",
                )
            )
            return problems
        if case_id is not None and not seen and printed is None:
            raise UnknownCase(case_id)
        if case_id is None:
            problems.extend(self._file_check())
        return problems

    def _verify_snapshot(
        self,
        conn: sqlite3.Connection,
        case_id: str | None,
        printed: ChainHead | None,
        damage: list[str],
    ) -> tuple[list[VerifyProblem], bool]:
        """The chains' problems, and whether the case was seen (any case: True), read in one
        transaction, so the rows and the heads are one snapshot even while others append."""
        columns = "case_id, seq, at, who, kind, payload, prev_hash, hash"
        if case_id is None:
            query, params = f"SELECT {columns} FROM events ORDER BY case_id, seq", ()
            heads_query, heads_params = "SELECT case_id, count, hash FROM heads", ()
        else:
            query = f"SELECT {columns} FROM events WHERE case_id = ? ORDER BY seq"
            params = (case_id,)
            heads_query = "SELECT case_id, count, hash FROM heads WHERE case_id = ?"
            heads_params = (case_id,)
        conn.execute("BEGIN")
        try:
            # A dropped heads table reads as no heads: every case then says so.
            heads = {
                row[0]: ChainHead(row[0], row[1], row[2])
                for row in _readable(conn, heads_query, heads_params, damage, missing_is_empty=True)
            }
            digest_query = "SELECT value FROM meta WHERE key = 'heads_digest'"
            digest_row = next(iter(_readable(conn, digest_query, (), damage)), None)
            # Streamed rather than fetched whole: a store can hold many large payloads.
            problems = verify_rows(
                _readable(conn, query, params, damage),
                heads,
                case_id=case_id,
                digest=digest_row[0] if digest_row else "(none)",
                printed=printed,
            )
            seen = case_id is None or bool(heads) or self._has_rows(conn, case_id)
        finally:
            # Ending a read of a damaged file can fail too; nothing was written either way.
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                damage.append(str(exc))
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
        return problems, seen

    def _file_check(self) -> list[VerifyProblem]:
        """SQLite's own check of the file's pages (damage the chain cannot see: an index, free
        pages, the structure of the file)."""
        try:
            with self._lock:
                found = [row[0] for row in self._connection().execute("PRAGMA quick_check(5)")]
        except sqlite3.DatabaseError as exc:
            found = [str(exc)]
        if found == ["ok"]:
            return []
        return [
            VerifyProblem(
                "",
                0,
                f"the file itself is damaged ({one_line('; '.join(map(str, found)), 160)}); "
                "restore it from a backup",
            )
        ]

    def _close_connection(self, conn: sqlite3.Connection) -> None:
        with self._sqlite_errors("close the store"):
            conn.close()

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else "open"
        return f"<SqliteEventStore {str(self._path)!r} ({state})>"


def _title(opened_payload: str | None) -> str | None:
    """``payload["case"]["title"]`` from a ``case-opened`` payload's JSON text, if it has one."""
    if opened_payload is None:
        return None
    try:
        payload = json.loads(opened_payload)
    except (TypeError, ValueError):
        return None  # A damaged row is verify's business; the list of cases still shows.
    case = payload.get("case") if isinstance(payload, dict) else None
    title = case.get("title") if isinstance(case, dict) else None
    return title if isinstance(title, str) else None


def _digest(through_seq: int | None, text: str | None) -> tuple[dict[str, Any] | None, int]:
    """A kept digest and the seq it covers, from its row; (None, 0) if none or unreadable."""
    if through_seq is None or text is None:
        return None, 0
    try:
        digest = json.loads(text)
    except (TypeError, ValueError):
        return None, 0  # A damaged digest is recomputed from the events, which are the record.
    if not isinstance(digest, dict) or not isinstance(through_seq, int):
        return None, 0
    return digest, through_seq


def _readable(
    conn: sqlite3.Connection,
    sql: str,
    args: tuple[Any, ...],
    damage: list[str],
    *,
    missing_is_empty: bool = False,
) -> Iterator[Any]:
    """The rows of a query, until a damaged page ends the walk where it is (what SQLite said is
    added to ``damage``): the case being read then reports its first unreadable event (its kept
    head says there were more). ``missing_is_empty``: a missing table reads as no rows."""
    try:
        yield from conn.execute(sql, args)
    except sqlite3.OperationalError:
        if not missing_is_empty:
            raise
    except sqlite3.DatabaseError as exc:
        damage.append(str(exc))


def _tables(conn: sqlite3.Connection) -> set[str]:
    """The names of the tables in the database."""
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _first_non_folder(folder: Path) -> Path:
    """The nearest of ``folder`` and its parents that exists but is not a folder."""
    for candidate in (folder, *folder.parents):
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return folder


def _os_reason(exc: OSError) -> str:
    """An OSError in words, with advice for the common cases."""
    if exc.errno == errno.ENOSPC:
        return "the disk is full; free some space and try again"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied; choose a folder you can write to"
    if exc.errno == errno.EROFS:
        return "the file system is read-only; choose another folder"
    return exc.strerror or type(exc).__name__


def _disk_full(path: Path) -> bool:
    """Whether the file system holding ``path`` has no space left for us."""
    try:
        stats = os.statvfs(path.parent)
    except (OSError, AttributeError):
        return False
    return stats.f_bavail == 0


def _operational(exc: sqlite3.OperationalError, doing: str, path: Path | None = None) -> StoreError:
    """The StoreError for an OperationalError while doing something."""
    text = str(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    if path is not None and "I/O error" in text and _disk_full(path):
        # SQLite reports a full disk as an I/O error when it cannot grow its shared-memory file.
        code = sqlite3.SQLITE_FULL
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text or "busy" in text:
        return StoreUnavailable(
            f"could not {doing}: the store is locked by another program (another hypotrack "
            "writing, or a tool holding it open); close that program, or wait and try again"
        )
    if code == sqlite3.SQLITE_FULL or "full" in text:
        return StoreUnavailable(
            f"could not {doing}: the disk is full; nothing was written. Free some space and "
            "try again"
        )
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return StoreUnavailable(
            f"could not {doing}: the store cannot be written or opened ({text}); check the "
            "file's and its folder's permissions, or choose another path with --store"
        )
    return StoreError(f"could not {doing} ({text})")
