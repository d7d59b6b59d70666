"""The app on a team store (a real PostgreSQL server): following what others record, the marks
on the cases list, and a server that goes away while a form is open."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from hypotrack.domain import model as m
from hypotrack.domain.casefile import load_case_file
from hypotrack.store.case import CaseSession, import_events
from hypotrack.tui import editing
from hypotrack.tui.app import HypotrackApp
from hypotrack.tui.screens.replay import ReplayScreen
from hypotrack.tui.screens.start import StartScreen
from hypotrack.tui.screens.workspace import WorkspaceScreen
from tests.apptest import freeze_clock, settle
from tests.pgserver import TeamDb

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "models/examples/worked-bruising.yaml"
SIZE = (120, 40)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HYPOTRACK_HOME", str(tmp_path))
    monkeypatch.delenv("HYPOTRACK_USER", raising=False)
    freeze_clock(monkeypatch)


def shared_case(team_db: TeamDb) -> str:
    """The worked example, imported by alice (north) and so visible to sue (north's supervisor)."""
    loaded = load_case_file(EXAMPLE)
    with team_db.store("alice") as alice:
        import_events(alice, loaded.events)
    return loaded.case.id


def add_source_as(team_db: TeamDb, person: str, case_id: str, source_id: str) -> None:
    with team_db.store(person) as store:
        session = CaseSession(store, case_id)
        spec = m.SourceSpec(id=source_id, label="Police")
        session.append(m.SourceAdded(source=spec, at=editing.event_time(session.state)))


async def wait_for(pilot: Any, check: Any, seconds: float = 5.0) -> float:
    """Pause until ``check()`` holds; how long it took (fails after ``seconds``: a bound for a
    loaded machine, not a speed target — the listener reads notices every 0.25 s)."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > seconds:
            pytest.fail(f"not seen within {seconds} s")
        await asyncio.sleep(0.02)
        await pilot.pause()
    return time.monotonic() - start


async def test_workspace_and_replay_follow_another_persons_entry(team_db: TeamDb) -> None:
    case_id = shared_case(team_db)
    app = HypotrackApp(store=team_db.store("sue", purpose="open"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_case(case_id)
        await settle(pilot)
        ws = app.screen
        assert isinstance(ws, WorkspaceScreen)
        await asyncio.sleep(0.3)  # the listener's connection is up
        add_source_as(team_db, "alice", case_id, "police")
        await wait_for(pilot, lambda: "police" in ws.session.state.sources)
        assert ws.session.events[-1].who == team_db.server.role("alice")
        # The supervisor's replay, standing on the last step, moves on to the new one.
        await pilot.press("p")
        await settle(pilot)
        replay = app.screen
        assert isinstance(replay, ReplayScreen)
        # (Steps, not events: the set-up at opening is one step, issue 11.)
        replay.step = replay.last_step
        before, last = len(replay.events), replay.last_step
        add_source_as(team_db, "alice", case_id, "school")
        await wait_for(pilot, lambda: len(replay.events) == before + 1)
        assert replay.step == replay.last_step == last + 1
        assert "school" in ws.session.state.sources
        # Sue saves a note on top: the sequence she holds is the new one, so nothing clashes.


async def test_cases_list_marks_cases_changed_since_last_opened(team_db: TeamDb) -> None:
    case_id = shared_case(team_db)
    app = HypotrackApp(store=team_db.store("sue", purpose="open"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        start = app.screen
        assert isinstance(start, StartScreen)
        assert [r["unseen"] for r in start.rows] == [True]  # never opened
        app.open_case(case_id)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert [r["unseen"] for r in start.rows] == [False]
        add_source_as(team_db, "alice", case_id, "police")
        await wait_for(pilot, lambda: start.rows is not None and start.rows[0]["unseen"])
        await settle(pilot)
        assert "● changed since you last opened it" in str(
            start.query_one("#empty", Static).content
        )


async def test_the_app_keeps_the_form_when_the_server_goes_away(
    team_db: TeamDb, notifications
) -> None:
    case_id = shared_case(team_db)
    app = HypotrackApp(store=team_db.store("alice", purpose="open"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_case(case_id)
        await settle(pilot)
        ws = app.screen
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        form.query_one("#label", Input).value = "GP surgery"
        with team_db.admin() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE usename = %s AND application_name = 'hypotrack'",
                (team_db.server.role("alice"),),
            )
        # The first save meets the dropped connection: one sentence, the form stays with what
        # was typed; the second reconnects and saves.
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "Not saved" in str(form.query_one("#form-error", Static).content)
        assert form.query_one("#label", Input).value == "GP surgery"
        notices = [n.message for n in notifications]
        assert any("connection" in text and "lost" in text for text in notices)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is ws
        assert any(s.spec.label == "GP surgery" for s in ws.session.state.sources.values())
