"""Case text is hostile: terminal escapes, markup, bidi overrides and paragraphs never reach a
terminal or a report raw, and one damaged case never hides the others."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from hypotrack import cli
from hypotrack.domain.text import one_line, terminal_safe
from tests.builders import hostile_file

EXAMPLE = Path("models/examples/case-format.yaml")
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_sanitiser() -> None:
    s = "a\x1b]52;c;x\x07b\x1b[2J\nc\u202ed\x9b"
    assert terminal_safe(s) == "a␛]52;c;x␇b␛[2J\nc⟨U+202E⟩d⟨U+009B⟩"
    assert one_line(s) == "a␛]52;c;x␇b␛[2J ⏎ c⟨U+202E⟩d⟨U+009B⟩"
    assert one_line("x" * 50, 10) == "x" * 9 + "…"
    assert not RAW.search(terminal_safe("".join(map(chr, range(0x100)))).replace("\n", ""))


def test_cli_output_never_carries_raw_controls(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = hostile_file(tmp_path)
    assert run(capsys, "check", str(path))[0] == 0
    assert run(capsys, "import", str(path))[0] == 0
    for args in (
        ["cases"],
        ["beliefs", "hostile"],
        ["flags", "hostile"],
        ["replay", "hostile"],
        ["next", "hostile"],
        ["export", "hostile", "--format", "md"],
        ["export", "hostile", "--format", "html"],
    ):
        code, out, err = run(capsys, *args)
        assert code == 0, (args, err)
        assert not RAW.search(out.replace("\n", "")), (args, RAW.search(out))
        assert not RAW.search(err.replace("\n", "")), args
    code, out, _ = run(capsys, "cases")
    row = next(line for line in out.splitlines() if line.startswith("hostile"))
    assert "␛]52;c;" in row and "second line" not in out  # folded and clipped to one line
    # JSON keeps the text exactly, escaped.
    code, out, _ = run(capsys, "cases", "--json")
    doc = json.loads(out)
    title = next(c["title"] for c in doc["cases"] if c["id"] == "hostile")
    assert title.startswith("Evil \x1b]52;c;") and "\u202e" in title
    assert "\x1b" not in out and "\u202e" not in out


def test_reports_have_no_raw_escape_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = hostile_file(tmp_path)
    for fmt in ("html", "md"):
        out_file = tmp_path / f"r.{fmt}"
        assert run(capsys, "export", str(path), "--format", fmt, "-o", str(out_file))[0] == 0
        data = out_file.read_bytes()
        assert b"\x1b" not in data and b"\x07" not in data
        assert not RAW.search(data.decode().replace("\n", ""))
        assert "␛" in data.decode() and "⟨U+202E⟩" in data.decode()


def test_one_damaged_case_never_hides_the_others(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", str(EXAMPLE))
    run(capsys, "import", str(hostile_file(tmp_path)))
    db = sqlite3.connect(home / "hypotrack.db")
    with db:
        db.execute(
            'UPDATE events SET payload = \'{"kind":"note-added","secret":"Mother said"}\''
            " WHERE case_id = 'hostile' AND seq = 20"
        )
        # The list reads kept digests; a case is read again only when its digest is missing or
        # stale (here: as a store written by code that keeps none would leave it).
        db.execute("DELETE FROM case_digests WHERE case_id = 'hostile'")
    db.close()
    code, out, err = run(capsys, "cases")
    assert code == 0
    assert "example-bruising" in out and "DAMAGED" in out
    assert "hostile is damaged: event 20" in err and "hypotrack verify hostile" in err
    assert "Mother said" not in out + err
    doc = json.loads(run(capsys, "cases", "--json")[1])
    rows = {c["id"]: c for c in doc["cases"]}
    assert rows["example-bruising"]["damaged"] is None
    assert rows["hostile"]["damaged"]["reason"].startswith("event 20")
    code, _, err = run(capsys, "beliefs", "hostile")
    assert code == 1 and "event 20" in err and "Mother said" not in err


def test_debug_never_prints_payloads(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hypotrack.report import digest as case_module

    secret = " ".join(["Mother", "said", "the", "father", "hit", "her"])

    def boom(*args: object) -> None:
        raise ValueError(secret)

    run(capsys, "import", str(EXAMPLE))
    monkeypatch.setattr(case_module, "case_rows", boom)
    monkeypatch.setenv("HYPOTRACK_DEBUG", "1")
    code, _, err = run(capsys, "cases")
    assert code == 1
    assert "Traceback" in err and "ValueError" in err and "withheld" in err
    assert "Mother said" not in err


def test_a_case_the_reasoning_fails_on_is_listed_as_damaged(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hypotrack.report import digest

    real = digest._flags_now

    def overflow(events: list) -> list:
        if events[0].case.id == "hostile":
            raise OverflowError("math range error")
        return real(events)

    monkeypatch.setattr(digest, "_flags_now", overflow)
    assert run(capsys, "import", str(EXAMPLE))[0] == 0
    assert run(capsys, "import", str(hostile_file(tmp_path)))[0] == 0  # stored, all of it
    code, out, err = run(capsys, "cases")
    assert code == 0 and "example-bruising" in out and "DAMAGED" in out
    assert "cannot be reasoned over (OverflowError)" in err
