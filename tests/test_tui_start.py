"""The cases list of a store that holds only training runs (no live case yet)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from benchmarks.generate import generate_case, shape_for
from hypotrack.store.case import import_events
from hypotrack.store.sqlite import SqliteEventStore
from hypotrack.tui.app import HypotrackApp
from hypotrack.tui.screens.start import StartScreen
from tests.apptest import settle

pytestmark = pytest.mark.anyio


async def test_only_training_runs_says_so(tmp_path: Path) -> None:
    """The list is empty and says where the runs are (it once failed with an unexpected error)."""
    store = SqliteEventStore(tmp_path / "s.db")
    import_events(store, generate_case(shape_for(5, 3)))  # a training run of 5 items
    app = HypotrackApp(store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        empty = str(app.screen.query_one("#empty", Static).render())
        assert empty == "No cases yet, only training runs: r shows them (1) · d n i to begin."
