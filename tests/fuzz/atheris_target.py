"""Coverage-guided fuzzing of the loader and the file commands with atheris (libFuzzer).

    python -m tests.fuzz.atheris_target -runs=20000 -max_len=20000 CORPUS_DIR

The shipped case files seed the run (copied into CORPUS_DIR when it is empty). Each input goes
through `tests/fuzz/harness.py`'s `exercise` (check, beliefs --json, import; the invariant for
cheap accepted files is left to the hypothesis suite: here only `check` and the file commands
run, to keep libFuzzer's loop fast). A broken invariant or an exit 1 is a crash: libFuzzer
writes the input as `crash-…` in the working folder; keep it in `tests/fuzz/corpus/`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from hypotrack.domain import casefile, yardstick  # noqa: F401
    from hypotrack.domain.casefile import strict_yaml  # noqa: F401

from tests.fuzz.harness import exercise  # noqa: E402
from tests.fuzz.mutations import SEEDS  # noqa: E402


def one_input(data: bytes) -> None:
    exercise(data, full=False)


def main() -> None:
    corpus = [a for a in sys.argv[1:] if not a.startswith("-")]
    for folder in corpus:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        if not any(path.iterdir()):
            for seed in SEEDS:
                shutil.copy(seed, path / seed.name)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
