"""A real PostgreSQL server for the team store's tests (no mocks of the database).

Set ``HYPOTRACK_TEST_PG`` to a superuser's URL on a throwaway cluster (``scripts/pg-throwaway start
DIR`` prints one; `.ci/run` does this). Without it the PostgreSQL tests skip, unless
``HYPOTRACK_REQUIRE_PG=1`` (set by CI), which makes the skip a failure.

Each test gets a fresh database copied from a template that already holds the schema and the
people below; the people are login roles whose names carry a per-run prefix (roles belong to the
whole cluster, databases do not).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest

#: name -> (role, team); every person's password is "pw-" + name.
PEOPLE = {
    "alice": ("worker", "north"),
    "amir": ("worker", "north"),
    "bob": ("worker", "south"),
    "sue": ("supervisor", "north"),
    "sam": ("supervisor", "south"),
    "tess": ("trainer", "academy"),
    "ada": ("admin", "office"),
}


def require_pg() -> str:
    """The admin URL, or skip (fail under HYPOTRACK_REQUIRE_PG)."""
    url = os.environ.get("HYPOTRACK_TEST_PG", "")
    if not url:
        message = "no PostgreSQL for the team store tests (set HYPOTRACK_TEST_PG)"
        if os.environ.get("HYPOTRACK_REQUIRE_PG") == "1":
            pytest.fail(message + ", and HYPOTRACK_REQUIRE_PG=1 says it must be there")
        pytest.skip(message)
    return url


@dataclass
class PgServer:
    """The cluster: its admin URL, the per-run prefix and the template database."""

    admin_url: str
    prefix: str
    template: str
    parts: dict[str, Any] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)
    dropper: ThreadPoolExecutor | None = None

    def role(self, person: str) -> str:
        return f"{self.prefix}{person}"

    def url(
        self, person: str | None, database: str, *, tcp: bool = False, password: str | None = None
    ) -> str:
        """A URL for ``person`` (None: the superuser) on ``database``."""
        user = self.parts.get("user", "postgres") if person is None else self.role(person)
        port = self.parts.get("port", "5432")
        if tcp:
            secret = (
                f":{quote(password if password is not None else 'pw-' + person, safe='')}"
                if person
                else ""
            )
            return f"postgresql://{user}{secret}@127.0.0.1:{port}/{database}?connect_timeout=5"
        host = self.parts.get("host", "/tmp")
        return f"postgresql://{user}@/{database}?host={quote(host)}&port={port}"

    def admin(self, database: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(self.url(None, database), autocommit=True)

    def new_database(self) -> str:
        name = f"{self.prefix}db{len(self.databases)}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.databases.append(name)
        return name

    def drop_later(self, name: str) -> None:
        """Drop a test's database in a background thread while the next tests run.

        PostgreSQL 15 forces a checkpoint on every DROP DATABASE: 1-3 s each on this machine, most
        of it waiting for the disk; dropping one database per team-store test at the end of the
        run took 36-74 s. One thread drops them one by one while the tests go on.
        """
        if self.dropper is None:
            self.dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-drop")
        self.dropper.submit(self._drop, name)

    def _drop(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    admin_url = require_pg()
    from psycopg.conninfo import conninfo_to_dict

    from hypotrack.store.team import add_person, init_store

    prefix = f"t{secrets.token_hex(3)}_"
    server = PgServer(admin_url, prefix, f"{prefix}template", conninfo_to_dict(admin_url))
    with server.admin() as conn:
        conn.execute(f'CREATE DATABASE "{server.template}"')
    template_url = server.url(None, server.template)
    init_store(template_url)
    for person, (role, team) in PEOPLE.items():
        add_person(template_url, server.role(person), role, team, password=f"pw-{person}")
    try:
        yield server
    finally:
        if server.dropper is not None:
            server.dropper.shutdown(wait=True)
        with server.admin() as conn:
            for name in [*server.databases, server.template]:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for person in PEOPLE:
                conn.execute(f'DROP ROLE IF EXISTS "{server.role(person)}"')


@dataclass
class TeamDb:
    """One fresh team store database."""

    server: PgServer
    name: str

    def url(self, person: str | None = "alice", **kw: Any) -> str:
        return self.server.url(person, self.name, **kw)

    def store(self, person: str | None = "alice", purpose: str = "read") -> Any:
        from hypotrack.store.postgres import PostgresEventStore

        return PostgresEventStore(self.url(person), purpose=purpose)

    def admin(self) -> Any:
        return self.server.admin(self.name)


@pytest.fixture
def team_db(pg_server: PgServer) -> Iterator[TeamDb]:
    db = TeamDb(pg_server, pg_server.new_database())
    yield db
    pg_server.drop_later(db.name)
