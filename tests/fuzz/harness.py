"""One fuzz input through the commands, in process, with the suite's assertions.

For every input: `check`, `beliefs --json` and `import` exit 0 or 2 (never 1, never a
traceback), and agree (a file `check` refuses is refused by the others too). For an input
`check` accepts, the whole invariant of `tests/invariant.py` must hold.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path

from tests.invariant import InvariantBroken, check_file, cli


class Outcomes(Counter):
    """How many inputs were accepted, refused (exit 2), or broke something."""


def _long_text_quoted(data: bytes, err: str) -> str:
    """A stretch of over 40 characters of the input's values that the message repeats."""
    text = data.decode("utf-8", errors="replace")
    for line in text.splitlines():
        value = line.split(": ", 1)[-1].strip().strip("'\"")
        for start in range(0, max(len(value) - 40, 0), 20):
            piece = value[start : start + 41]
            if len(piece) == 41 and piece in err:
                return piece
    return ""


def exercise(data: bytes, outcomes: Outcomes | None = None, *, full: bool = True) -> str:
    """Run one input; returns "accepted" or "refused"; raises InvariantBroken otherwise."""
    work = Path(tempfile.mkdtemp(prefix="hypotrack-fuzz-"))
    try:
        path = work / "case.yaml"
        path.write_bytes(data)
        code, _, err = cli("check", str(path), allowed=(0, 2))
        for argv in (
            ("beliefs", str(path), "--json"),
            ("--store", str(work / "refused.db"), "import", str(path)),
        ):
            other, _, other_err = cli(*argv, allowed=(0, 2))
            if (other == 0) != (code == 0):
                raise InvariantBroken(
                    f"check exited {code} but {' '.join(argv[-3:])} exited {other}:\n{other_err}"
                )
        if code == 2:
            if "Traceback" in err or "unexpected error" in err:
                raise InvariantBroken(err)
            quoted = _long_text_quoted(data, err.replace(str(path), "FILE"))
            if quoted:
                raise InvariantBroken(f"check quoted case text ({len(quoted)} characters):\n{err}")
            result = "refused"
        else:
            check_file(path, work / "store.db", full=full)
            result = "accepted"
        if outcomes is not None:
            outcomes[result] += 1
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)
