"""The list of cases: digests kept with each change, so listing never reasons over a case."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hypotrack.domain.casefile import load_case_file
from hypotrack.report import digest
from hypotrack.report.digest import case_rows, import_case
from hypotrack.resources import teaching_cases
from hypotrack.store.case import import_events
from hypotrack.store.sqlite import SqliteEventStore
from hypotrack.tui.app import HypotrackApp
from hypotrack.tui.screens.start import StartScreen
from hypotrack.tui.widgets.tables import KeyedTable
from tests.apptest import FROZEN_NOW, freeze_clock, import_fixed_case, settle

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "models" / "examples" / "worked-bruising.yaml"

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HYPOTRACK_HOME", str(tmp_path))
    monkeypatch.setenv("HYPOTRACK_USER", "tester")
    freeze_clock(monkeypatch)
    return tmp_path


@pytest.fixture
def store(home: Path) -> Any:
    opened = SqliteEventStore(home / "hypotrack.db")
    yield opened
    opened.close()


def no_reasoning(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any reasoning over a case fail the test."""

    def refuse(events: list[Any]) -> list[Any]:
        raise AssertionError("the list of cases reasoned over a case")

    monkeypatch.setattr(digest, "_flags_now", refuse)


def training_run(store: Any) -> str:
    from hypotrack.services.training import StoredRun

    events = load_case_file(teaching_cases()["01-bruising-non-mobile-baby"]).events
    return StoredRun.start(store, events, "A Trainee", datetime(2026, 3, 20, tzinfo=UTC)).run_id


def test_an_acknowledged_red_flag_is_counted_apart_and_the_last_change_is_the_cases(
    store: Any,
) -> None:
    events = load_case_file(WORKED).events
    import_case(store, events)
    [row] = case_rows(store)
    # The worked example holds an acknowledged red flag and four open amber ones
    # (conservatism, one-sided scrutiny, frozen rating, ruled out early).
    assert row["open"] == {"red": 0, "amber": 4}
    assert row["acknowledged"] == {"red": 1, "amber": 0}
    assert (row["open_flags"], row["red_flags"]) == (4, 0)
    # The last event on the case's own timeline, in its zone; not the day it was imported.
    assert row["last_change"] == "2026-02-12T10:30:00+00:00"
    assert row["kind"] == "live"
    assert row["title"] == events[0].case.title


def test_a_kept_digest_is_read_without_reasoning(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_case(store, load_case_file(WORKED).events)
    training_run(store)
    no_reasoning(monkeypatch)
    rows = case_rows(store)
    assert [r["kind"] for r in rows] == ["training", "live"]


def test_a_stale_digest_is_computed_once_and_kept(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A case stored by code that keeps no digest (an older hypotrack, say).
    import_events(store, load_case_file(WORKED).events)
    assert store.cases()[0].current_digest is None
    assert case_rows(store)[0]["acknowledged"]["red"] == 1
    assert store.cases()[0].current_digest is not None
    no_reasoning(monkeypatch)
    assert case_rows(store)[0]["open"]["amber"] == 4


def test_the_command_line_lists_training_runs_apart(
    store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from hypotrack.cli import main

    import_case(store, load_case_file(WORKED).events)
    run_id = training_run(store)
    assert main(["cases"]) == 0
    out = capsys.readouterr().out
    cases, runs = out.split("\nTraining runs\n")
    assert "worked-bruising" in cases and run_id not in cases
    assert run_id in runs  # whole, however long
    line = next(x for x in cases.splitlines() if x.startswith("worked-bruising"))
    assert "4 ! amber" in line and "1 ‼ red" in line and "2026-02-12 10:30" in line
    assert main(["cases", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {r["id"]: r["kind"] for r in doc["cases"]} == {
        "worked-bruising": "live",
        run_id: "training",
    }


def test_the_store_does_not_reach_into_reasoning() -> None:
    for path in (ROOT / "hypotrack" / "store").glob("*.py"):
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.startswith(("hypotrack.reasoning", "hypotrack.report"))]


async def test_the_app_keeps_the_digest_and_lists_runs_apart(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_path = home / "hypotrack.db"
    import_fixed_case(store_path)  # stored without a digest
    with SqliteEventStore(store_path) as store:
        run_id = training_run(store)
    app = HypotrackApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        start = app.screen
        assert isinstance(start, StartScreen)
        table = start.query_one("#cases", KeyedTable)
        assert table.row_count == 1 and table.selected_key() == "fixed-case"
        # The whole id of the run, on a line of its own if need be; runs are behind `r`.
        await pilot.press("r")
        await pilot.pause()
        assert table.row_count == 1 and table.selected_key() == run_id
        await pilot.press("r")
        await pilot.pause()
        # Acknowledging a flag in the workspace keeps the new digest: back on the list, no
        # reasoning is needed to show it.
        app.open_case("fixed-case")
        await settle(pilot)
        ws = app.screen
        flag = next(f for f in ws.flags if f.severity == "red" or f.id == "contrary-evidence")
        from hypotrack.domain import model as m

        note = m.NoteAdded(
            note=m.NoteSpec(id="n9", kind="acknowledgement", text="Survey booked", flag=flag.id),
            at=FROZEN_NOW,
            who="tester",
        )
        assert ws.commit(note) is None
        await settle(pilot)
        no_reasoning(monkeypatch)
        await pilot.press("escape")
        await settle(pilot)
        [row] = [r for r in app.screen.rows if r["id"] == "fixed-case"]
        assert row["acknowledged"][flag.severity] == 1
        assert "✓ ack" in str(app.screen.query_one("#cases", KeyedTable).get_row("fixed-case"))
