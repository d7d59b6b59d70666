"""Shared fixtures: a real PostgreSQL server for the team store (see tests/pgserver.py)."""

from tests.pgserver import pg_server, team_db  # noqa: F401
