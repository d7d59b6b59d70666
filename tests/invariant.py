"""The case-file invariant, as one function the property tests and the fuzz suite share.

Every file `check` accepts imports, reads back, replays, exports to every format and
round-trips through the YAML export to the same events, byte for byte on re-export; every
`--json` output is valid JSON (no NaN, no Infinity); no command exits 1 (a bug) or raises.
"""

from __future__ import annotations

import contextlib
import io
import json
import traceback
from pathlib import Path
from typing import Any

from hypotrack.cli import main
from hypotrack.domain import model as m
from hypotrack.domain.casefile import events_to_yaml, load_case_file, load_case_text

EXPORT_FORMATS = ("yaml", "html", "md", "bif", "xmlbif")


class InvariantBroken(AssertionError):
    """A command exited 1, raised, printed invalid JSON, or the round trip lost something."""


def run_cli(*argv: str) -> tuple[int, str, str]:
    """`hypotrack ARGV` in this process: (exit code, stdout, stderr). Never raises."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # a traceback is a finding, not a test crash
            err.write(traceback.format_exc())
            code = -1
    return code, out.getvalue(), err.getvalue()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str) -> Any:
    """Parse JSON, refusing NaN and Infinity (which Python's json accepts by default)."""
    return json.loads(text, parse_constant=_no_constant)


def _expect(code: int, out: str, err: str, argv: tuple[str, ...], allowed: tuple[int, ...]) -> None:
    if code not in allowed:
        raise InvariantBroken(f"hypotrack {' '.join(argv)} exited {code}:\n{err[-2000:]}")


def cli(*argv: str, allowed: tuple[int, ...] = (0,)) -> tuple[int, str, str]:
    code, out, err = run_cli(*argv)
    _expect(code, out, err, argv, allowed)
    if code == 0 and "--json" in argv:
        try:
            strict_json(out)
        except ValueError as exc:
            raise InvariantBroken(f"hypotrack {' '.join(argv)}: not JSON ({exc})") from None
    return code, out, err


def as_json(events: list[Any]) -> list[dict[str, Any]]:
    return [m.event_to_json(e) for e in events]


def _same_through_the_store(path: Path, events: list[Any], exported: str) -> None:
    """The store's YAML export reads back to the file's events (import records who made the
    entries that name no one: the importer) and re-exports byte for byte."""
    stored = load_case_text(exported, "store-export.yaml")
    if events_to_yaml(stored.events) != exported:
        raise InvariantBroken(f"{path}: the store's YAML export is not the same on re-export")
    theirs = as_json(stored.events)
    ours = as_json(events)
    for mine, back in zip(ours, theirs, strict=False):
        if "who" not in mine:
            back.pop("who", None)
    if theirs != ours:
        raise InvariantBroken(f"{path}: the store's YAML export reads back to other events")


def check_file(path: Path, store: Path, *, full: bool = True) -> bool:
    """The invariant for one file; returns whether `check` accepted it.

    `full=False` stops after `check` and the file commands (the fuzz suite's cheap mode for
    files that are rejected by design).
    """
    code, _, err = cli("check", str(path), allowed=(0, 2))
    if code == 2:
        if "Traceback" in err:
            raise InvariantBroken(err)
        return False
    for command in ("beliefs", "flags", "replay", "next"):
        cli(command, str(path), "--json")
    if not full:
        return True
    loaded = load_case_file(path)
    case = loaded.case.id
    first = events_to_yaml(loaded.events)
    again = load_case_text(first, "export.yaml")
    if as_json(again.events) != as_json(loaded.events):
        raise InvariantBroken(f"{path}: the YAML export does not read back to the same events")
    if events_to_yaml(again.events) != first:
        raise InvariantBroken(f"{path}: the YAML export is not the same on re-export")

    where = ("--store", str(store))
    cli(*where, "import", str(path))
    for command in ("beliefs", "flags", "replay", "next"):
        cli(*where, command, case, "--json")
    cli(*where, "cases", "--json")
    cli(*where, "cases")
    cli(*where, "verify", case)
    for fmt in EXPORT_FORMATS:
        # A network file needs an open explanation: a case with none (all retired, or none
        # yet) is refused with a sentence (exit 2), as documented; everything else exports.
        allowed = (0, 2) if fmt in ("bif", "xmlbif") else (0,)
        code, out, err = cli(*where, "export", case, "--format", fmt, allowed=allowed)
        if code == 2 and "no explanation is open" not in err:
            raise InvariantBroken(f"export --format {fmt} refused: {err}")
        if fmt == "yaml":
            _same_through_the_store(path, loaded.events, out)
    return True
