"""The benchmark still runs (its figures are read by people, not asserted here).

Each benchmark's ``main`` runs in this process: a process of its own cost a Python start and a
pgmpy import (3-4 s) each, and what is tested is that the benchmark runs, not its process. The
benchmarks that time a process (``hypotrack --help``, ``hypotrack check``) still start one.
"""

from __future__ import annotations

import pytest


def test_quick_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import run

    assert run.main(["--quick"]) == 0
    out, err = capsys.readouterr()
    assert "replay" in out and "PASS" in out, err[-2000:]


def test_quick_cases_list_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import cases_list

    assert cases_list.main(["--quick"]) == 0
    out, err = capsys.readouterr()
    assert "cases list, digests kept" in out and "PASS" in out, err[-2000:]


def test_loader_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import loader

    assert loader.main(["--items", "100", "--repeats", "1"]) == 0
    out, err = capsys.readouterr()
    assert "strict / plain" in out, err[-2000:]
