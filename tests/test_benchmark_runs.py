"""The benchmark still runs (its figures are read by people, not asserted here)."""

from __future__ import annotations

import subprocess
import sys


def test_quick_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "replay" in result.stdout and "PASS" in result.stdout


def test_quick_cases_list_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/cases_list.py", "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "cases list, digests kept" in result.stdout and "PASS" in result.stdout


def test_loader_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/loader.py", "--items", "100", "--repeats", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "strict / plain" in result.stdout
