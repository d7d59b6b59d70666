"""Setting up a team store and its people: `hypotrack team init|add|allocate`, `access-log`.

These run as whoever the URL signs in as. `team init` needs a role that may create roles and
schemas (the database's owner, or a superuser); `team add` needs a role that may create roles;
`team allocate` is for an admin, the case's owner or a supervisor of its team. PostgreSQL does the
refusing: a person without the right gets :class:`~hypotrack.store.postgres.AccessRefused`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hypotrack.store.base import StoreError, StoreUnavailable
from hypotrack.store.pg_schema import MIGRATIONS, ROLES, USER_ROLE
from hypotrack.store.postgres import AccessRefused, PostgresEventStore, describe_url

__all__ = ["AccessEntry", "access_log", "add_person", "allocate", "init_store"]

# A person's name is a PostgreSQL role name; kept to what needs no quoting in a URL either.
_NAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")


@dataclass(frozen=True)
class AccessEntry:
    """One line of the access log."""

    at: str
    who: str
    case_id: str
    action: str
    outcome: str


def _connect_raw(url: str) -> Any:
    """A plain autocommit connection for administration (errors as one sentence)."""
    import psycopg

    from hypotrack.store.postgres import _connection_message

    try:
        from psycopg.conninfo import conninfo_to_dict

        user = conninfo_to_dict(url).get("user")
    except Exception:
        raise StoreUnavailable(
            "the team store URL is not valid; it looks like postgresql://USER@HOST:PORT/DATABASE"
        ) from None
    try:
        return psycopg.connect(
            url, autocommit=True, connect_timeout=5, application_name="hypotrack"
        )
    except psycopg.Error as exc:
        raise StoreUnavailable(_connection_message(exc, describe_url(url), user)) from None


def _admin_errors(where: str, doing: str) -> Any:
    """A context manager mapping psycopg errors to one sentence."""
    from contextlib import contextmanager

    import psycopg
    from psycopg import errors

    @contextmanager
    def wrapped() -> Any:
        try:
            yield
        except errors.InsufficientPrivilege:
            raise AccessRefused(
                f"could not {doing}: {where} refused it (the signed-in role is not allowed to)"
            ) from None
        except psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise StoreError(f"could not {doing} in {where} ({first})") from None

    return wrapped()


def init_store(url: str) -> list[int]:
    """Apply the migrations the store lacks, each in its own transaction; the ones applied.

    Idempotent: on an up-to-date store it does nothing. Two `team init` at once queue on an
    advisory lock.
    """
    where = describe_url(url)
    conn = _connect_raw(url)
    applied: list[int] = []
    try:
        with _admin_errors(where, "set up the team store"):
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(7202611)")
                conn.execute("CREATE SCHEMA IF NOT EXISTS hypotrack")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS hypotrack.migrations"
                    " (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())"
                )
                done = {row[0] for row in conn.execute("SELECT version FROM hypotrack.migrations")}
                if done and max(done) > max(MIGRATIONS):
                    raise StoreError(
                        f"{where} was set up by a newer hypotrack (schema {max(done)}; this "
                        f"version knows up to {max(MIGRATIONS)}); upgrade hypotrack"
                    )
                for version in sorted(MIGRATIONS):
                    if version in done:
                        continue
                    with conn.transaction():
                        conn.execute(MIGRATIONS[version])
                        conn.execute(
                            "INSERT INTO hypotrack.migrations (version) VALUES (%s)",
                            (version,),
                        )
                    applied.append(version)
                conn.execute("REVOKE ALL ON hypotrack.migrations FROM PUBLIC")
                conn.execute("GRANT SELECT ON hypotrack.migrations TO hypotrack_user")
    finally:
        conn.close()
    return applied


def add_person(url: str, name: str, role: str, team: str, password: str | None = None) -> bool:
    """Create the login role (if need be) and list the person; False if they were there already.

    Raises:
        ValueError: A name or role that cannot be used.
        AccessRefused: The signed-in role may not create roles.
    """
    if not _NAME.match(name):
        raise ValueError(
            f"{name!r} cannot be a person's name: use lowercase letters, digits, '_', '.' or '-', "
            "starting with a letter"
        )
    if role not in ROLES:
        raise ValueError(f"--role must be one of {', '.join(ROLES)}")
    if not team.strip() or len(team) > 64:
        raise ValueError("--team must be a short name")
    from psycopg import sql

    where = describe_url(url)
    conn = _connect_raw(url)
    try:
        with _admin_errors(where, f"add {name!r}"), conn.transaction():
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(USER_ROLE), sql.Identifier(name))
            )
            if password is not None:
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(name), sql.Literal(password)
                    )
                )
            row = conn.execute(
                "INSERT INTO hypotrack.people (name, role, team) VALUES (%s, %s, %s)"
                " ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, team = EXCLUDED.team"
                " RETURNING (xmax = 0)",
                (name, role, team),
            ).fetchone()
    finally:
        conn.close()
    return bool(row and row[0])


def allocate(url: str, case_id: str, person: str) -> None:
    """Let ``person`` see and work on ``case_id`` (they must be a person of the store).

    Allowed to an admin, the case's owner, or a supervisor of the case's team (checked by the
    server through the same visibility the policies use).
    """
    where = describe_url(url)
    conn = _connect_raw(url)
    try:
        with _admin_errors(where, f"allocate case {case_id!r}"), conn.transaction():
            conn.execute("SELECT hypotrack.allocate(%s, %s)", (case_id, person))
    finally:
        conn.close()


def access_log(store: PostgresEventStore, case_id: str | None = None) -> list[AccessEntry]:
    """The access log, newest last (an admin's read; others get AccessRefused)."""
    conn_store = store
    with conn_store._lock, conn_store._errors("read the access log"):
        conn = conn_store._connection()
        if not conn.execute("SELECT hypotrack.is_admin()").fetchone()[0]:
            raise AccessRefused(f"only an admin of {conn_store.where} may read its access log")
        query = (
            "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00',"
            " who, case_id, action, outcome FROM hypotrack.access_log"
        )
        params: tuple[Any, ...] = ()
        if case_id is not None:
            query += " WHERE case_id = %s"
            params = (case_id,)
        rows = conn.execute(query + " ORDER BY id", params).fetchall()
    return [AccessEntry(*row) for row in rows]
