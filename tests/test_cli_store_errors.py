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


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("HYPOTRACK_HOME", str(folder))
    monkeypatch.delenv("HYPOTRACK_DEBUG", raising=False)
    return folder


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
