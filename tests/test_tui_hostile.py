"""The app with hostile case text and a damaged case: nothing raw reaches the terminal, the
damaged case is listed with its reason, and the others open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from rich.segment import Segment
from textual.color import Color
from textual.widgets import Static

from hypotrack import cli
from hypotrack.tui.app import HypotrackApp
from hypotrack.tui.filters import TerminalSafeFilter
from hypotrack.tui.screens.start import StartScreen
from hypotrack.tui.screens.workspace import WorkspaceScreen
from hypotrack.tui.widgets.tables import KeyedTable
from tests.apptest import settle
from tests.builders import hostile_file

pytestmark = pytest.mark.anyio
EXAMPLE = "models/examples/case-format.yaml"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_the_line_filter_drops_what_is_left() -> None:
    line = [Segment("a\x1b]52;c;x\x07b\u202ec"), Segment("plain")]
    out = TerminalSafeFilter().apply(line, Color(0, 0, 0))
    assert [s.text for s in out] == ["a]52;c;xbc", "plain"]


async def test_hostile_and_damaged_cases_in_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYPOTRACK_HOME", str(tmp_path / "home"))
    assert cli.main(["import", str(hostile_file(tmp_path, "hostile"))]) == 0
    assert cli.main(["import", str(hostile_file(tmp_path, "broken"))]) == 0
    assert cli.main(["import", EXAMPLE]) == 0
    db = sqlite3.connect(tmp_path / "home" / "hypotrack.db")
    with db:
        db.execute("UPDATE events SET payload = '{}' WHERE case_id = 'broken' AND seq = 3")
        db.execute("DELETE FROM case_digests WHERE case_id = 'broken'")
    db.close()
    app = HypotrackApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        table = app.screen.query_one("#cases", KeyedTable)
        assert table.row_count == 3
        title = str(table.get_row("hostile")[1])
        assert "␛]52;c;" in title and "\n" not in title and "\x1b" not in title
        assert "damaged" in str(table.get_row("broken")[4])
        note = str(app.screen.query_one("#empty", Static).content)
        assert "broken is damaged: event 3" in note and "hypotrack verify broken" in note
        app.open_case("broken")
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)  # refused with a notification
        app.open_case("hostile")
        await settle(pilot)
        assert isinstance(app.screen, WorkspaceScreen)
        assert "\x1b" not in app.screen.title and "␛" in app.screen.title
