"""The command line against unusable stores and tampered histories: exit codes and sentences.

In-process (``cli.main``) rather than subprocesses: what is tested is the mapping from the store's
errors to messages and exit codes, not the process.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hypotrack import cli

EXAMPLE = "models/examples/case-format.yaml"
CASE = "example-bruising"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_prints_and_checks_a_head(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "import", EXAMPLE)[0] == 0
    code, out, _ = run(capsys, "verify", CASE)
    assert code == 0
    head = out.split("Chain head: ")[1].split()[0]
    assert head.startswith(f"{CASE}:")
    code, out, _ = run(capsys, "verify", "--head", head)
    assert code == 0 and "still holds" in out
    bad = head[:-4] + "0000"
    code, _, err = run(capsys, "verify", "--head", bad)
    assert code == 1 and "printed head" in err
    code, _, err = run(capsys, "verify", "--head", "nonsense")
    assert code == 2 and "CASE:N:HASH" in err


def test_verify_names_deleted_tail_events(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "import", EXAMPLE)
    db = sqlite3.connect(home / "hypotrack.db")
    with db:
        last = db.execute("SELECT MAX(seq) FROM events").fetchone()[0]
        db.execute("DELETE FROM events WHERE seq = ?", (last,))
    db.close()
    code, _, err = run(capsys, "verify")
    assert code == 1
    assert f"{CASE}: event {last}: event {last} is missing" in err


def test_unusable_store_paths_are_exit_2_with_a_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # HYPOTRACK_HOME is a file.
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    monkeypatch.setenv("HYPOTRACK_HOME", str(a_file))
    code, _, err = run(capsys, "cases")
    assert code == 2 and "a file stands where its folder should be" in err
    # Some other SQLite database, and a file that is not a database at all.
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    for path in (other, junk):
        code, _, err = run(capsys, "--store", str(path), "cases")
        assert code == 2 and "not a hypotrack store" in err, err
    # A store written by a newer hypotrack.
    newer = tmp_path / "newer" / "hypotrack.db"
    run(capsys, "--store", str(newer), "cases")
    conn = sqlite3.connect(newer)
    with conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    code, _, err = run(capsys, "--store", str(newer), "cases")
    assert code == 2 and "newer hypotrack" in err and "upgrade" in err


def test_a_locked_store_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hypotrack.store import sqlite as backend

    monkeypatch.setattr(backend, "_BUSY_TIMEOUT_MS", 50)
    db = tmp_path / "locked" / "hypotrack.db"
    assert run(capsys, "--store", str(db), "import", EXAMPLE)[0] == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = run(capsys, "--store", str(db), "verify")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 2 and "locked by another program" in err


def test_a_full_disk_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hypotrack.store import sqlite as backend

    db = tmp_path / "full" / "hypotrack.db"
    run(capsys, "--store", str(db), "cases")

    class Full:
        """A connection whose every write fails as SQLite does on a full disk."""

        def __init__(self, real: sqlite3.Connection) -> None:
            self._real = real

        def execute(self, sql: str, *args: object) -> object:
            if sql.startswith("INSERT"):
                raise sqlite3.OperationalError("database or disk is full")
            return self._real.execute(sql, *args)

        def __getattr__(self, name: str) -> object:
            return getattr(self._real, name)

    real_open = backend.SqliteEventStore._open
    monkeypatch.setattr(backend.SqliteEventStore, "_open", lambda self: Full(real_open(self)))
    code, _, err = run(capsys, "--store", str(db), "import", EXAMPLE)
    assert code == 2 and "disk is full" in err and "nothing was written" in err
