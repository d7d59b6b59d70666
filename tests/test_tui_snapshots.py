"""The app's look at 120×40 and 80×24, pinned: the start screen, the workspace (each view that
matters), the judgement form and the replay.

Deterministic: a fixed case file (not the shipped example, which may change), a frozen clock,
and a fixed write time for the store's rows. Update with `pytest --snapshot-update`
after checking the new look by eye (`snapshot_report.html`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hypotrack.tui.app import HypotrackApp
from tests.apptest import freeze_clock, import_fixed_case, settle

SIZE = (120, 40)
# A laptop's terminal: every list shows rows, the footer fits, all tabs are reachable.
SMALL = (80, 24)
SIZES = pytest.mark.parametrize("size", [SIZE, SMALL], ids=["120x40", "80x24"])


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import hypotrack.store.sqlite as sqlite

    monkeypatch.setenv("HYPOTRACK_HOME", str(tmp_path))
    monkeypatch.setenv("HYPOTRACK_USER", "tester")
    monkeypatch.setattr(sqlite, "_utc_now", lambda: "2026-03-20T12:00:00.000000+00:00")
    freeze_clock(monkeypatch)
    return tmp_path


@pytest.fixture
def fixed(home: Path) -> Path:
    import_fixed_case(home / "hypotrack.db")
    return home


async def _settled(pilot: Any) -> None:
    await settle(pilot)


async def _open_fixed(pilot: Any) -> None:
    await settle(pilot)
    pilot.app.open_case("fixed-case")
    await settle(pilot)


def test_start_screen_first_run(snap_compare: Any) -> None:
    assert snap_compare(HypotrackApp(), terminal_size=SIZE, run_before=_settled)


@SIZES
def test_start_screen_with_a_case(snap_compare: Any, fixed: Path, size: tuple[int, int]) -> None:
    assert snap_compare(HypotrackApp(), terminal_size=size, run_before=_settled)


@SIZES
@pytest.mark.parametrize("view", ["evidence", "sources", "judgement", "flags", "enquiries"])
def test_workspace(snap_compare: Any, fixed: Path, size: tuple[int, int], view: str) -> None:
    async def run_before(pilot: Any) -> None:
        await _open_fixed(pilot)
        key = {"evidence": "1", "sources": "2", "judgement": "3", "flags": "4", "enquiries": "5"}
        await pilot.press(key[view])
        await settle(pilot)

    assert snap_compare(HypotrackApp(), terminal_size=size, run_before=run_before)


@SIZES
def test_replay(snap_compare: Any, fixed: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await _open_fixed(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)

    assert snap_compare(HypotrackApp(), terminal_size=size, run_before=run_before)


@SIZES
def test_compare(snap_compare: Any, fixed: Path, size: tuple[int, int]) -> None:
    """Compare from the first judgement to the end: what happened in between at the top."""

    async def run_before(pilot: Any) -> None:
        await _open_fixed(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("j", "a", "end")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)

    assert snap_compare(HypotrackApp(), terminal_size=size, run_before=run_before)


def test_judgement_form(snap_compare: Any, fixed: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await _open_fixed(pilot)
        await pilot.press("j")
        await pilot.pause()
        await pilot.press("6", "0", "enter", "2", "5")
        await pilot.pause()

    assert snap_compare(HypotrackApp(), terminal_size=SIZE, run_before=run_before)
