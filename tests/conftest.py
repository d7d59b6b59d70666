"""Shared fixtures.

- Every test runs with its own empty ``HYPOTRACK_HOME`` and without the caller's
  ``HYPOTRACK_STORE`` / ``HYPOTRACK_DEBUG`` / ``HYPOTRACK_USER``: no test reads or writes the
  developer's data folder, and a store or name set in the shell never leaks into a test
  (autouse, as harlequin does; a test that needs one sets it).
- ``home``: that folder (the embedded store is ``home / "hypotrack.db"``).
- ``cli``: ``hypotrack ARGS`` run in this process, returning a :class:`Ran` (exit code, stdout,
  stderr). Starting a Python process costs about 1 s of import time per call on this project; a
  test of what a command prints or returns does not need one. Tests of the process itself (the
  entry point, import weight, signals, a real exit status) still start one.
- ``notifications``: the messages the app shows with ``App.notify``, recorded as they are posted,
  so app tests read what a person saw without reaching into Textual's private list.
- ``pg_server`` / ``team_db``: a real PostgreSQL server (see tests/pgserver.py, which stays a
  helper module: it also holds ``TeamDb`` and ``PEOPLE`` that tests import).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pgserver import pg_server, team_db  # noqa: F401

# Environment variables that change what a command does; none comes from the caller's shell.
_LEAKY = ("HYPOTRACK_STORE", "HYPOTRACK_DEBUG", "HYPOTRACK_USER")


@pytest.fixture(autouse=True)
def _own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data folder of this test's own, as ``HYPOTRACK_HOME``; no leaky variables."""
    folder = tmp_path / "home"
    monkeypatch.setenv("HYPOTRACK_HOME", str(folder))
    for name in _LEAKY:
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture
def home(_own_home: Path) -> Path:
    """This test's ``HYPOTRACK_HOME`` (not created until a command creates it)."""
    return _own_home


@dataclass(frozen=True)
class Ran:
    """What one command did: its exit code and what it wrote."""

    code: int
    out: str
    err: str


def run_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    """``hypotrack ARGS`` through ``hypotrack.cli.main``; argparse's exit is an exit code too."""
    from hypotrack.cli import main

    capsys.readouterr()  # what the test printed before is not the command's
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    out, err = capsys.readouterr()
    return Ran(code, out, err)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """Run ``hypotrack ARGS`` in this process: ``cli("beliefs", path, "--json").out``."""

    def run(*args: str) -> Ran:
        return run_in_process(capsys, *args)

    return run


@pytest.fixture
def notifications(monkeypatch: pytest.MonkeyPatch) -> list[Notice]:
    """Every ``App.notify`` call from now on, in order, as a :class:`Notice`.

    ``clear_notifications`` on the app does not empty this list; a test that wants only what
    came after a point takes ``len(notifications)`` there and slices.
    """
    from textual.app import App

    seen: list[Notice] = []
    real = App.notify

    def notify(self: App, message: str, *, title: str = "", severity: str = "information", **kw):
        seen.append(Notice(str(message), title, severity))
        return real(self, message, title=title, severity=severity, **kw)

    monkeypatch.setattr(App, "notify", notify)
    return seen


@dataclass(frozen=True)
class Notice:
    """One notification as the app posted it."""

    message: str
    title: str
    severity: str
