"""The fuzz suite, bounded for CI: seeded, derandomized, a few tens of seconds at most.

- every shipped case file and every kept regression file (`tests/fuzz/corpus/`) goes through
  the whole invariant;
- structured mutations of the shipped files (hypothesis) and raw byte mutations go through
  `check`, `beliefs --json`, `import` and, when accepted, the whole invariant;
- when atheris is installed, a short coverage-guided run over raw bytes (fixed seed).

A longer run: `python -m tests.fuzz.run --minutes 15` (see that module).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz.harness import exercise
from tests.fuzz.mutations import CORPUS, SEEDS, raw_case_bytes, structured_case_texts

# CI: HYPOTRACK_FUZZ_EXAMPLES scales the bounded run (default: about 30 s on a busy 2-core machine,
# the atheris run included).
SCALE = int(os.environ.get("HYPOTRACK_FUZZ_EXAMPLES", "1"))


def bounded(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


KEPT = sorted(CORPUS.glob("*.yaml"))


@pytest.mark.parametrize("path", SEEDS + KEPT, ids=lambda p: p.name)
def test_seed_and_regression_files(path: Path) -> None:
    exercise(path.read_bytes())


@bounded(80)
@given(structured_case_texts())
def test_structured_mutations(text: str) -> None:
    exercise(text.encode("utf-8"))


@bounded(150)
@given(raw_case_bytes())
def test_raw_mutations(data: bytes) -> None:
    exercise(data, full=False)


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris not installed")
def test_atheris_short_run(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.fuzz.atheris_target",
            "-seed=1",
            f"-runs={40 * SCALE}",
            "-max_len=20000",
            f"-artifact_prefix={tmp_path}/",
            str(tmp_path / "corpus"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done" in result.stderr
