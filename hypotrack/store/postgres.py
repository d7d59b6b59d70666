"""The team store: the same event store on a shared PostgreSQL server (DESIGN §7).

It behaves as :class:`~hypotrack.store.sqlite.SqliteEventStore` does, one event per transaction, a
stale writer refused with :class:`~hypotrack.store.base.StoreConflict`, the same hash chain, and
leaves who-sees-what to the server: the schema (:mod:`hypotrack.store.pg_schema`) has row-level
security, stamps ``who`` from the session user and computes each event's hash itself. This class
only asks; what it may see and write is what PostgreSQL lets the signed-in person see and write.

A writer takes a transaction-scoped advisory lock on the case before it reads the case's last seq,
as SQLite's ``BEGIN IMMEDIATE`` does, so two writers on one case queue instead of both deciding
they write seq N; the primary key on ``(case_id, seq)`` and the trigger's seq check back that up
against any writer that bypasses this class.

Errors reach the person as one sentence (a wrong URL, a refused password, a server that went away,
a permission refused), never with the password and never with case text.

Importing this module connects to nothing; psycopg itself is imported on first use.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from hypotrack.store.base import (
    CaseExists,
    CaseSummary,
    ChainHead,
    ConnectedStore,
    NewEvent,
    StoreConflict,
    StoredEvent,
    StoreError,
    StoreUnavailable,
    UnknownCase,
    VerifyProblem,
    canonical_json,
    verify_rows,
)
from hypotrack.store.sqlite import (
    _check_case_id,
    _check_expected_seq,
    _digest,
    _prepare_event,
    _title,
)

__all__ = ["AccessRefused", "Follower", "PostgresEventStore", "case_tag", "describe_url", "is_url"]

_COLUMNS = "case_id, seq, at, who, kind, payload, prev_hash, hash, written"
# How long to wait for the server to answer a connection, in seconds.
_CONNECT_TIMEOUT = 5


def is_url(ref: str | None) -> bool:
    """Whether a ``--store`` value names a PostgreSQL server rather than a file."""
    return bool(ref) and str(ref).startswith(("postgresql://", "postgres://"))


def describe_url(url: str) -> str:
    """The server and database a URL names, for messages: never the password."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(url)
    except Exception:
        return "the team store (its URL could not be read)"
    host = str(parts.get("host") or "localhost")
    where = host if host.startswith("/") else f"{host}:{parts.get('port') or 5432}"
    if host.startswith("/") and parts.get("port"):
        where += f" (port {parts['port']})"
    database = parts.get("dbname") or parts.get("user") or "?"
    return f"the team store {database!r} at {where}"


def case_tag(case_id: str) -> str:
    """How a change notice names a case: the first 16 hex digits of a hash of its id.

    Any signed-in person can listen on the channel, so a notice must not carry the case id; a
    workspace compares the tag with its own case's.
    """
    import hashlib

    return hashlib.sha256(f"hypotrack:{case_id}".encode()).hexdigest()[:16]


class Follower:
    """A thread that listens for committed events and calls ``on_change(tag, seq)`` for each.

    It has its own connection (a listening connection must not be shared with the store's
    queries) and reconnects, once a second, if the server goes away; ``on_state(connected)``
    hears about that. ``stop()`` ends it within half a second.
    """

    def __init__(
        self, url: str, on_change: Any, on_state: Any = None, *, poll: float = 0.25
    ) -> None:
        self._url = url
        self._on_change = on_change
        self._on_state = on_state
        self._poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hypotrack-follow", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psycopg

        connected: bool | None = None
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute("LISTEN hypotrack_events")
                    if connected is not True and self._on_state is not None:
                        self._on_state(True)
                    connected = True
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=self._poll):
                            tag, _, seq = notice.payload.partition(" ")
                            if seq.isdigit():
                                self._on_change(tag, int(seq))
            except Exception:
                if connected is not False and self._on_state is not None:
                    self._on_state(False)
                connected = False
                self._stop.wait(1.0)

    def stop(self) -> None:
        """Stop listening (returns once the thread has ended, or after two seconds)."""
        self._stop.set()
        self._thread.join(timeout=2)


class AccessRefused(StoreError):
    """The server would not let the signed-in person do this (a read refused is logged)."""

    exit_code = 2


def _connection_message(exc: Exception, where: str, user: str | None) -> str:
    """One sentence for a failed connection."""
    text = str(exc)
    person = f" for {user!r}" if user else ""
    if "password authentication failed" in text or "no password supplied" in text:
        return (
            f"{where} refused the sign-in{person}: wrong password, or no such person; "
            "check the user name and password in the URL"
        )
    if "role" in text and "does not exist" in text:
        return f"{where} refused the sign-in{person}: no such person on that server"
    if "database" in text and "does not exist" in text:
        return f"{where} does not exist on that server; check the database name in the URL"
    if "Connection refused" in text or "No such file or directory" in text:
        return f"cannot reach {where}: no server is answering there; is it running?"
    if "timeout" in text.lower():
        return f"cannot reach {where}: the server did not answer in {_CONNECT_TIMEOUT} s"
    if "could not translate host name" in text or "Name or service not known" in text:
        return f"cannot reach {where}: the host name is not known"
    if "invalid" in text.lower() and ("dsn" in text.lower() or "conninfo" in text.lower()):
        return "the team store URL is not valid; it looks like postgresql://USER@HOST:PORT/DATABASE"
    return f"cannot connect to {where} ({text.splitlines()[0] if text else type(exc).__name__})"


class PostgresEventStore(ConnectedStore):
    """An :class:`~hypotrack.store.base.EventStore` on a PostgreSQL server set up by ``team init``.

    Args:
        url: A libpq URL, ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?...]``.
        purpose: What the reads of this session are for, as the access log records them
            (``open``, ``export``, ``beliefs``...).

    Raises:
        StoreError: The server cannot be reached, refuses the sign-in, or is not a team store.
    """

    def __init__(self, url: str, purpose: str = "read") -> None:
        self._url = url
        self._where = describe_url(url)
        self.purpose = purpose
        self._lock = threading.Lock()
        self._conn: Any = None
        self._closed = False
        self._user: str | None = None
        with self._lock:
            self._connect()

    # -- connecting ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The URL the store was opened with (it may hold a password: never print it)."""
        return self._url

    @property
    def where(self) -> str:
        """The server and database, fit for a message."""
        return self._where

    #: The server records the signed-in person as ``who`` on every event of an existing case.
    server_sets_who = True

    @property
    def user(self) -> str:
        """The signed-in person (PostgreSQL's ``session_user``): the ``who`` of what they record."""
        return self._user or ""

    def _connect(self) -> Any:
        """Connect, and check that the server is a team store of this version that knows the
        signed-in person; the connection is then the store's."""
        import psycopg

        try:
            from psycopg.conninfo import conninfo_to_dict

            user = conninfo_to_dict(self._url).get("user")
        except Exception:
            raise StoreUnavailable(
                "the team store URL is not valid; it looks like postgresql://USER@HOST:PORT/DATABASE"
            ) from None
        try:
            conn = psycopg.connect(
                self._url,
                autocommit=True,
                connect_timeout=_CONNECT_TIMEOUT,
                application_name="hypotrack",
            )
        except psycopg.Error as exc:
            raise StoreUnavailable(_connection_message(exc, self._where, user)) from None
        try:
            self._user = self._check_server(conn, user)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _check_server(self, conn: Any, user: str | None) -> Any:
        """The signed-in person, once the server is known to be a team store this hypotrack
        can use and to know them (else the reason, as an error)."""
        import psycopg

        try:
            user, ready = conn.execute(
                "SELECT session_user, to_regclass('hypotrack.events') IS NOT NULL"
            ).fetchone()
            allowed = (
                ready
                and conn.execute("SELECT has_schema_privilege('hypotrack', 'USAGE')").fetchone()[0]
            )
            version = (
                conn.execute("SELECT max(version) FROM hypotrack.migrations").fetchone()[0]
                if allowed
                else None
            )
        except psycopg.Error as exc:
            raise StoreUnavailable(_connection_message(exc, self._where, user)) from None
        if not ready:
            raise StoreUnavailable(
                f"{self._where} is not set up as a hypotrack team store; "
                "its administrator runs `hypotrack team init` first"
            )
        if not allowed:
            raise AccessRefused(
                f"{self._where} does not know {user!r} as a person of the team; "
                "ask its administrator to run `hypotrack team add`"
            )
        self._check_version(version)
        return user

    def _check_version(self, version: int | None) -> None:
        """Refuse a schema older or newer than this hypotrack's."""
        from hypotrack.store.pg_schema import MIGRATIONS

        if version is None or version < max(MIGRATIONS):
            raise StoreUnavailable(
                f"{self._where} needs upgrading to this hypotrack: its administrator runs "
                "`hypotrack team init`"
            )
        if version > max(MIGRATIONS):
            raise StoreUnavailable(
                f"{self._where} was set up by a newer hypotrack (schema {version}; this version "
                f"knows up to {max(MIGRATIONS)}); upgrade hypotrack to use it"
            )

    def _connection(self) -> Any:
        """The open connection, reconnecting once if the server dropped the last one."""
        if self._closed:
            raise StoreError(f"{self._where} is closed")
        if self._conn is None or self._conn.closed or self._conn.broken:
            if self._conn is not None:
                with suppress(Exception):
                    self._conn.close()
            self._conn = None
            return self._connect()
        return self._conn

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn any psycopg error into a StoreError that says what failed, in one sentence."""
        import psycopg
        from psycopg import errors

        try:
            yield
        except StoreError:
            raise
        except errors.InsufficientPrivilege:
            raise AccessRefused(
                f"could not {doing}: {self._where} refused it (you are not allowed to); "
                "the attempt is logged"
            ) from None
        except psycopg.OperationalError as exc:
            conn = self._conn
            if conn is None or conn.closed or conn.broken:
                raise StoreError(
                    f"could not {doing}: the connection to {self._where} was lost (the server went "
                    "away); anything not yet saved is kept here; try again when it is back"
                ) from None
            raise StoreError(f"could not {doing} in {self._where} ({_first_line(exc)})") from None
        except psycopg.Error as exc:
            raise StoreError(f"could not {doing} in {self._where} ({_first_line(exc)})") from None

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
        """Append one event in its own transaction; see :meth:`EventStore.append`.

        ``who`` is ignored unless the event starts a case: the server records the signed-in person.
        """
        return self.append_batch(case_id, [(kind, payload, at, who)], expected_seq=expected_seq)[0]

    def append_batch(
        self, case_id: str, events: list[NewEvent], *, expected_seq: int
    ) -> list[StoredEvent]:
        """Append events in one transaction, all or none; see :meth:`EventStore.append_batch`.

        The authors given are kept only for a case this batch starts (an import or a copy); on an
        existing case the server records the signed-in person as ``who``.
        """
        from psycopg import errors

        _check_case_id(case_id)
        _check_expected_seq(expected_seq)
        if not events:
            raise ValueError("append_batch needs at least one event")
        prepared = [_prepare_event(*event) for event in events]
        with self._lock, self._errors(f"append to case {case_id!r}"):
            conn = self._connection()
            try:
                with conn.transaction():
                    stored = self._insert(conn, case_id, prepared, expected_seq)
            except errors.UniqueViolation as exc:
                constraint = getattr(exc.diag, "constraint_name", None)
                if expected_seq == 1:
                    raise CaseExists(case_id) from None
                # Only a writer that bypassed the advisory lock can get here.
                if constraint != "cases_pkey":
                    raise StoreConflict(case_id, expected_seq, expected_seq + 1) from None
                raise
        return stored

    def append_batch_checked(
        self, case_id: str, events: list[NewEvent], check: Any
    ) -> list[StoredEvent]:
        """Start a case with ``events`` and call ``check(stored)`` before committing (a copy).

        Anything ``check`` raises rolls the whole case back.
        """
        from psycopg import errors

        _check_case_id(case_id)
        prepared = [_prepare_event(*event) for event in events]
        with self._lock, self._errors(f"copy case {case_id!r}"):
            conn = self._connection()
            try:
                with conn.transaction():
                    stored = self._insert(conn, case_id, prepared, 1)
                    check(stored)
            except errors.UniqueViolation:
                raise CaseExists(case_id) from None
        return stored

    def _insert(
        self, conn: Any, case_id: str, prepared: list[Any], expected_seq: int
    ) -> list[StoredEvent]:
        # Writers on one case queue here until the one before commits, so the last seq read
        # below is the last seq there will be when this transaction inserts.
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", (case_id,))
        row = conn.execute(
            "SELECT seq FROM hypotrack.events WHERE case_id = %s ORDER BY seq DESC LIMIT 1",
            (case_id,),
        ).fetchone()
        last_seq = row[0] if row is not None else 0
        if expected_seq != last_seq + 1:
            if expected_seq == 1:
                raise CaseExists(case_id)
            if last_seq == 0:
                raise UnknownCase(case_id)
            raise StoreConflict(case_id, expected_seq, last_seq + 1)
        stored: list[StoredEvent] = []
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO hypotrack.events"
                " (case_id, seq, at, who, kind, payload, prev_hash, hash, written, recorded_by)"
                " VALUES (%s, %s, %s, %s, %s, %s, '', '', '', session_user)"
                " RETURNING who, prev_hash, hash, written",
                [
                    (case_id, seq, at, who, kind, payload_json)
                    for seq, (kind, payload_json, at, who) in enumerate(prepared, expected_seq)
                ],
                returning=True,
            )
            results = []
            while True:
                results.append(cur.fetchone())
                if not cur.nextset():
                    break
        for seq, ((kind, payload_json, at, _who), result) in enumerate(
            zip(prepared, results, strict=True), expected_seq
        ):
            who, prev_hash, hash_, written = result
            payload = json.loads(payload_json)
            stored.append(
                StoredEvent(case_id, seq, at, who, kind, payload, prev_hash, hash_, written)
            )
        return stored

    def follow(self, on_change: Any, on_state: Any = None) -> Follower:
        """Start listening for events others commit: ``on_change(case_tag, seq)`` in a thread."""
        return Follower(self._url, on_change, on_state)

    def mark_opened(self, case_id: str, seq: int) -> None:
        """Remember that the signed-in person has seen ``case_id`` up to event ``seq``."""
        with self._lock, self._errors(f"mark case {case_id!r} as seen"):
            self._connection().execute(
                "INSERT INTO hypotrack.last_opened (case_id, seq) VALUES (%s, %s)"
                " ON CONFLICT (person, case_id) DO UPDATE SET seq = EXCLUDED.seq, at = now()",
                (case_id, seq),
            )

    def opened_marks(self) -> dict[str, int]:
        """Case id -> the last event the signed-in person had seen when they last looked."""
        with self._lock, self._errors("read which cases you have seen"):
            rows = (
                self._connection()
                .execute("SELECT case_id, seq FROM hypotrack.last_opened")
                .fetchall()
            )
        return dict(rows)

    def open_case(self, case_id: str) -> None:
        """Log a read of the case (or its refusal) in the access log; raise if refused.

        Raises:
            AccessRefused: The case is not there, or the signed-in person may not read it; the
                message does not say which, so nobody learns another team's case ids.
        """
        with self._lock, self._errors(f"read case {case_id!r}"):
            outcome = (
                self._connection()
                .execute("SELECT hypotrack.open_case(%s, %s)", (case_id, self.purpose))
                .fetchone()[0]
            )
        if outcome != "read":
            raise AccessRefused(
                f"no case {case_id!r} that you may read in {self._where} (the attempt is logged)"
            )

    def events(self, case_id: str) -> list[StoredEvent]:
        """All of a case's events in seq order, the read logged; see :meth:`EventStore.events`.

        Raises:
            UnknownCase: The case is not there or may not be read by the signed-in person (the
                refusal is logged either way).
        """
        _check_case_id(case_id)
        try:
            self.open_case(case_id)
        except AccessRefused:
            raise UnknownCase(case_id) from None
        return self.events_after(case_id, 0)

    def events_after(self, case_id: str, seq: int) -> list[StoredEvent]:
        """The case's events after ``seq`` (a workspace following the case; not logged again)."""
        with self._lock, self._errors(f"read case {case_id!r}"):
            rows = (
                self._connection()
                .execute(
                    f"SELECT {_COLUMNS} FROM hypotrack.events WHERE case_id = %s AND seq > %s"
                    " ORDER BY seq",
                    (case_id, seq),
                )
                .fetchall()
            )
        if not rows and seq == 0:
            raise UnknownCase(case_id)
        return [self._to_event(row) for row in rows]

    def _to_event(self, row: tuple[Any, ...]) -> StoredEvent:
        case_id, seq, at, who, kind, payload_json, prev_hash, hash_, written = row
        try:
            payload = json.loads(payload_json)
        except (TypeError, ValueError):
            payload = None
        if not isinstance(payload, dict):
            raise StoreError(
                f"event {seq} of case {case_id!r} in {self._where} is damaged "
                "(its payload is not a JSON object); run `hypotrack verify`"
            )
        return StoredEvent(case_id, seq, at, who, kind, payload, prev_hash, hash_, written)

    def cases(self) -> list[CaseSummary]:
        """The cases the signed-in person may see, ordered by id; see :meth:`EventStore.cases`."""
        # Each lateral lookup is by case id (an index condition), so the policy only ever meets
        # rows of cases the cases policy already let through: nothing here is logged as refused.
        query = """
            SELECT k.case_id, last.seq, last.written, first.payload, d.through_seq, d.digest
              FROM hypotrack.cases k
              CROSS JOIN LATERAL (SELECT e.seq, e.written FROM hypotrack.events e
                                   WHERE e.case_id = k.case_id ORDER BY e.seq DESC LIMIT 1) last
              LEFT JOIN LATERAL (SELECT e.payload FROM hypotrack.events e
                                  WHERE e.case_id = k.case_id AND e.seq = 1
                                    AND e.kind = 'case-opened') first ON true
              LEFT JOIN hypotrack.case_digests d ON d.case_id = k.case_id
             ORDER BY k.case_id COLLATE "C"
        """
        with self._lock, self._errors("list the cases"):
            rows = self._connection().execute(query).fetchall()
        return [
            CaseSummary(
                case_id, _title(opened), last_seq, last_seq, last_written, *_digest(through, text)
            )
            for case_id, last_seq, last_written, opened, through, text in rows
        ]

    def put_digest(self, case_id: str, digest: dict[str, Any], *, through_seq: int) -> None:
        """Keep a case's digest; see :meth:`EventStore.put_digest`."""
        _check_case_id(case_id)
        if not isinstance(through_seq, int) or isinstance(through_seq, bool) or through_seq < 1:
            raise ValueError(f"through_seq must be an int of at least 1, got {through_seq!r}")
        if not isinstance(digest, dict):
            raise TypeError(f"a digest must be a dict, not {type(digest).__name__}")
        text = canonical_json(digest)
        with self._lock, self._errors(f"keep the digest of case {case_id!r}"):
            conn = self._connection()
            with conn.transaction():
                row = conn.execute(
                    "SELECT count FROM hypotrack.heads WHERE case_id = %s", (case_id,)
                ).fetchone()
                if row is None:
                    raise UnknownCase(case_id)
                if through_seq > row[0]:
                    raise ValueError(
                        f"a digest through seq {through_seq} of case {case_id!r}, which has only "
                        f"{row[0]} events"
                    )
                # The WHERE keeps a newer digest when a slower writer comes second.
                conn.execute(
                    "INSERT INTO hypotrack.case_digests AS d (case_id, through_seq, digest)"
                    " VALUES (%s, %s, %s) ON CONFLICT (case_id) DO UPDATE"
                    " SET through_seq = EXCLUDED.through_seq, digest = EXCLUDED.digest"
                    " WHERE EXCLUDED.through_seq >= d.through_seq",
                    (case_id, through_seq, text),
                )

    def head(self, case_id: str) -> ChainHead:
        """The head the server keeps for a case; see :meth:`EventStore.head`."""
        with self._lock, self._errors(f"read the head of case {case_id!r}"):
            row = (
                self._connection()
                .execute("SELECT count, hash FROM hypotrack.heads WHERE case_id = %s", (case_id,))
                .fetchone()
            )
        if row is None:
            raise UnknownCase(case_id)
        return ChainHead(case_id, int(row[0]), str(row[1]))

    def has_case(self, case_id: str) -> bool:
        """Whether the case has events the signed-in person may see."""
        with self._lock, self._errors(f"look up case {case_id!r}"):
            row = (
                self._connection()
                .execute(
                    "SELECT 1 FROM hypotrack.cases WHERE case_id = %s",
                    (case_id,),
                )
                .fetchone()
            )
        return row is not None

    def verify(
        self, case_id: str | None = None, *, printed: ChainHead | None = None
    ) -> list[VerifyProblem]:
        """Recompute the chains of the cases one may see and compare them with the heads the
        server keeps; see :meth:`EventStore.verify`.

        No store-wide digest is checked: nobody but the server's owner sees every case, and the
        events cannot be deleted through the schema's grants and triggers in the first place.
        """
        columns = "case_id, seq, at, who, kind, payload, prev_hash, hash"
        with self._lock, self._errors("verify the store"):
            conn = self._connection()
            # One snapshot for the heads and the rows, even while others append.
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                if case_id is None:
                    heads_rows = conn.execute(
                        "SELECT case_id, count, hash FROM hypotrack.heads"
                    ).fetchall()
                else:
                    heads_rows = conn.execute(
                        "SELECT case_id, count, hash FROM hypotrack.heads WHERE case_id = %s",
                        (case_id,),
                    ).fetchall()
                heads = {row[0]: ChainHead(row[0], row[1], row[2]) for row in heads_rows}
                if case_id is not None and not heads:
                    raise UnknownCase(case_id)
                rows: list[Any] = []
                # Case by case (an index condition each), so the read policy never meets a row
                # of a case the reader may not see.
                for cid in sorted(heads):
                    rows.extend(
                        conn.execute(
                            f"SELECT {columns} FROM hypotrack.events WHERE case_id = %s"
                            " ORDER BY seq",
                            (cid,),
                        ).fetchall()
                    )
        return verify_rows(rows, heads, case_id=case_id, digest=None, printed=printed)

    def _close_connection(self, conn: Any) -> None:
        with suppress(Exception):
            conn.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<PostgresEventStore {self._where} ({state})>"


def _first_line(exc: Exception) -> str:
    """The first line of a driver error, without its SQL context."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
