"""The command line: JSON shapes of DESIGN §9, exit codes, and what each command imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = "models/examples/case-format.yaml"


def run(*args: str, env_home: Path | None = None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    if env_home is not None:
        env["HYPOTRACK_HOME"] = str(env_home)
    return subprocess.run(
        [sys.executable, "-m", "hypotrack", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_beliefs_json() -> None:
    result = run("beliefs", EXAMPLE, "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == {"as_of", "hypotheses", "sources", "worker"}
    assert {"id", "label", "probability"} <= set(doc["hypotheses"][0])
    assert sum(h["probability"] for h in doc["hypotheses"]) == pytest.approx(1.0)
    assert {s["id"] for s in doc["sources"]} == {"nursery", "neighbour"}
    assert doc["worker"]["favoured"] == "accidental"
    assert doc["as_of"].startswith("2026-03-09T09:00:00")


def test_beliefs_as_of_is_inclusive() -> None:
    doc = json.loads(run("beliefs", EXAMPLE, "--json", "--as-of", "2026-03-02T12:00").stdout)
    assert doc["worker"]["favoured"] == "accidental"
    assert "family-account" not in {h["id"] for h in doc["hypotheses"]}
    before = json.loads(run("beliefs", EXAMPLE, "--json", "--as-of", "2026-03-02T11:59").stdout)
    assert before["worker"] is None


def test_flags_json_shape(tmp_path: Path) -> None:
    from tests.test_flags import anchored_case

    path = tmp_path / "anchored.yaml"
    path.write_text(anchored_case().text())
    doc = json.loads(run("flags", str(path), "--json").stdout)
    assert set(doc) == {"as_of", "flags"}
    flag = next(f for f in doc["flags"] if f["id"] == "contrary-evidence")
    assert {"id", "severity", "favoured", "rival", "figure", "since", "evidence", "message"} <= set(
        flag
    )
    assert flag["severity"] == "red" and flag["favoured"] == "a" and flag["rival"] == "b"
    assert flag["evidence"] == ["e1", "e2", "e3"]


def test_replay_json_shape() -> None:
    doc = json.loads(run("replay", EXAMPLE, "--json").stdout)
    steps = doc["steps"]
    assert {"at", "event", "beliefs", "worker", "flags"} <= set(steps[0])
    retracted = next(s for s in steps if s["event"]["kind"] == "evidence-retracted")
    assert retracted["event"]["id"] == "e3"


def test_next_json_shape() -> None:
    doc = json.loads(run("next", EXAMPLE, "--json").stdout)
    # q1 is answered by e4; only q2 is open.
    assert [q["id"] for q in doc["enquiries"]] == ["q2"]
    q = doc["enquiries"][0]
    assert {"id", "information_gain_bits", "probability_gain", "outcomes"} <= set(q)
    assert q["information_gain_bits"] > 0


@pytest.mark.parametrize(
    "args",
    [
        ("beliefs", "missing.yaml"),
        ("flags", EXAMPLE, "--as-of", "next tuesday"),
        ("beliefs", EXAMPLE, "--as-of", "2020-01-01"),
        ("beliefs", "no-such-case-id"),
        ("nonsense",),
        ("new", "--template", "nope"),
    ],
)
def test_bad_input_exits_2_without_a_traceback(args, tmp_path: Path) -> None:
    result = run(*args, env_home=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr


def test_store_commands_round_trip(tmp_path: Path) -> None:
    assert run("import", EXAMPLE, env_home=tmp_path).returncode == 0
    again = run("import", EXAMPLE, env_home=tmp_path)
    assert again.returncode == 2 and "already" in again.stderr
    cases = json.loads(run("cases", "--json", env_home=tmp_path).stdout)
    assert cases["cases"][0]["id"] == "example-bruising"
    from_store = json.loads(run("beliefs", "example-bruising", "--json", env_home=tmp_path).stdout)
    from_file = json.loads(run("beliefs", EXAMPLE, "--json").stdout)
    assert from_store == from_file
    exported = run("export", "example-bruising", "--format", "yaml", env_home=tmp_path)
    assert exported.returncode == 0
    out = tmp_path / "again.yaml"
    out.write_text(exported.stdout)
    assert run("check", str(out)).returncode == 0
    verify = run("verify", env_home=tmp_path)
    assert verify.returncode == 0, verify.stderr
    assert (tmp_path / "hypotrack.db").stat().st_mode & 0o777 == 0o600


def test_verify_names_a_tampered_event(tmp_path: Path) -> None:
    import sqlite3

    run("import", EXAMPLE, env_home=tmp_path)
    db = sqlite3.connect(tmp_path / "hypotrack.db")
    db.execute("UPDATE events SET payload = replace(payload, 'likely', 'unlikely') WHERE seq = 9")
    db.commit()
    db.close()
    result = run("verify", env_home=tmp_path)
    assert result.returncode == 1
    assert "event 9" in result.stderr


def imported_modules(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_core_knows_no_screen() -> None:
    mods = imported_modules(
        "import hypotrack.domain.casefile, hypotrack.domain.state, hypotrack.reasoning.api, "
        "hypotrack.reasoning.flags, hypotrack.store.case, hypotrack.store.sqlite"
    )
    assert "textual" not in mods
    assert "pgmpy" not in mods


def test_check_and_help_do_not_load_pgmpy() -> None:
    code = (
        "import sys\nfrom hypotrack.cli import main\n"
        f"rc = main(['check', '{EXAMPLE}'])\nassert rc == 0\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
    )
    mods = imported_modules(code)
    assert "pgmpy" not in mods and "textual" not in mods and "numpy" not in mods
