"""The command line: JSON shapes of DESIGN §9, exit codes, and what each command imports.

Commands run in this process (the ``cli`` fixture, tests/conftest.py); the tests at the end
start a real process where the process is what is tested: the entry point's exit status and
stderr, and what a command imports.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import anchored_case

EXAMPLE = "models/examples/case-format.yaml"


def test_beliefs_json(cli) -> None:
    result = cli("beliefs", EXAMPLE, "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert set(doc) == {"as_of", "hypotheses", "sources", "worker"}
    assert {"id", "label", "probability"} <= set(doc["hypotheses"][0])
    assert sum(h["probability"] for h in doc["hypotheses"]) == pytest.approx(1.0)
    assert {s["id"] for s in doc["sources"]} == {"nursery", "neighbour"}
    assert doc["worker"]["favoured"] == "accidental"
    assert doc["as_of"].startswith("2026-03-09T09:00:00")


def test_beliefs_as_of_is_inclusive(cli) -> None:
    doc = json.loads(cli("beliefs", EXAMPLE, "--json", "--as-of", "2026-03-02T12:00").out)
    assert doc["worker"]["favoured"] == "accidental"
    assert "family-account" not in {h["id"] for h in doc["hypotheses"]}
    before = json.loads(cli("beliefs", EXAMPLE, "--json", "--as-of", "2026-03-02T11:59").out)
    assert before["worker"] is None


def test_flags_json_shape(tmp_path: Path, cli) -> None:
    path = tmp_path / "anchored.yaml"
    path.write_text(anchored_case().text())
    doc = json.loads(cli("flags", str(path), "--json").out)
    assert set(doc) == {"as_of", "flags"}
    flag = next(f for f in doc["flags"] if f["id"] == "contrary-evidence")
    assert {"id", "severity", "favoured", "rival", "figure", "since", "evidence", "message"} <= set(
        flag
    )
    assert flag["severity"] == "red" and flag["favoured"] == "a" and flag["rival"] == "b"
    assert flag["evidence"] == ["e1", "e2", "e3"]


def test_replay_json_shape(cli) -> None:
    doc = json.loads(cli("replay", EXAMPLE, "--json").out)
    steps = doc["steps"]
    assert {"at", "event", "beliefs", "worker", "flags"} <= set(steps[0])
    retracted = next(s for s in steps if s["event"]["kind"] == "evidence-retracted")
    assert retracted["event"]["id"] == "e3"


def test_next_json_shape(cli) -> None:
    doc = json.loads(cli("next", EXAMPLE, "--json").out)
    # q1 is answered by e4; only q2 is open.
    assert [q["id"] for q in doc["enquiries"]] == ["q2"]
    q = doc["enquiries"][0]
    assert {"id", "information_gain_bits", "probability_gain", "outcomes"} <= set(q)
    # By hand from the current beliefs and q2's P(positive | h) in the file; family-account is
    # not rated on q2 and takes the mean of the others (0.1875).
    now = {
        h["id"]: h["probability"]
        for h in json.loads(cli("beliefs", EXAMPLE, "--json").out)["hypotheses"]
    }
    positive = {"accidental": 0.05, "inflicted": 0.4, "medical": 0.2, "other": 0.1}
    positive["family-account"] = sum(positive.values()) / 4
    p_pos = sum(now[h] * positive[h] for h in now)
    after = {
        "positive": {h: now[h] * positive[h] / p_pos for h in now},
        "negative": {h: now[h] * (1 - positive[h]) / (1 - p_pos) for h in now},
    }

    def bits(p: dict[str, float]) -> float:
        return -sum(v * math.log2(v) for v in p.values())

    gain = bits(now) - p_pos * bits(after["positive"]) - (1 - p_pos) * bits(after["negative"])
    assert q["information_gain_bits"] == pytest.approx(gain, rel=1e-9)
    assert q["information_gain_bits"] == pytest.approx(0.0952664532, rel=1e-8)
    assert q["probability_gain"] == pytest.approx(
        p_pos * max(after["positive"].values())
        + (1 - p_pos) * max(after["negative"].values())
        - max(now.values()),
        rel=1e-9,
    )
    assert [o["answer"] for o in q["outcomes"]] == ["positive", "negative"]
    for outcome in q["outcomes"]:
        assert outcome["posterior"] == pytest.approx(after[outcome["answer"]], rel=1e-9)
    assert q["outcomes"][0]["probability"] == pytest.approx(p_pos, rel=1e-9)


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
def test_bad_input_exits_2_without_a_traceback(args, cli) -> None:
    result = cli(*args)
    assert result.code == 2, (result.out, result.err)
    assert result.err.strip()
    assert "Traceback" not in result.err


def test_store_commands_round_trip(tmp_path: Path, home: Path, cli) -> None:
    assert cli("import", EXAMPLE).code == 0
    again = cli("import", EXAMPLE)
    assert again.code == 2 and "already" in again.err
    cases = json.loads(cli("cases", "--json").out)
    assert cases["cases"][0]["id"] == "example-bruising"
    from_store = json.loads(cli("beliefs", "example-bruising", "--json").out)
    from_file = json.loads(cli("beliefs", EXAMPLE, "--json").out)
    assert from_store == from_file
    exported = cli("export", "example-bruising", "--format", "yaml")
    assert exported.code == 0
    out = tmp_path / "again.yaml"
    out.write_text(exported.out)
    assert cli("check", str(out)).code == 0
    verify = cli("verify")
    assert verify.code == 0, verify.err
    assert (home / "hypotrack.db").stat().st_mode & 0o777 == 0o600


def test_verify_names_a_tampered_event(home: Path, cli) -> None:
    import sqlite3

    cli("import", EXAMPLE)
    db = sqlite3.connect(home / "hypotrack.db")
    db.execute("UPDATE events SET payload = replace(payload, 'likely', 'unlikely') WHERE seq = 9")
    db.commit()
    db.close()
    result = cli("verify")
    assert result.code == 1
    assert "event 9" in result.err


# --- the process itself ---------------------------------------------------------------------


def real_process(*args: str, home: Path) -> subprocess.CompletedProcess:
    """``python -m hypotrack ARGS`` in a process of its own, with ``home`` as its data folder."""
    import os

    return subprocess.run(
        [sys.executable, "-m", "hypotrack", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HYPOTRACK_HOME": str(home)},
    )


def test_a_real_process_exits_with_the_commands_code(home: Path, cli) -> None:
    """The exit status and streams a shell sees are the ones ``cli.main`` returns in-process."""
    bad = real_process("beliefs", EXAMPLE, "--as-of", "2020-01-01", home=home)
    assert bad.returncode == 2, bad.stderr
    assert bad.stderr == cli("beliefs", EXAMPLE, "--as-of", "2020-01-01").err
    assert "Traceback" not in bad.stderr and bad.stdout == ""
    parse = real_process("nonsense", home=home)
    assert parse.returncode == 2 and "Traceback" not in parse.stderr
    assert parse.stderr.strip().splitlines()[-1].startswith("hypotrack: error:")


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
