"""The supervisor's replay: no hindsight, the jumps, compare, pinned notes, and its look.

The core promise is checked on what the screen renders: at the step an item was recorded, an
item recorded later is not anywhere on the screen (not greyed out: absent), nor is an
explanation added later.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Input, Static, TextArea

from hypotrack.domain import model as m
from hypotrack.domain.casefile import load_case_file, load_case_text
from hypotrack.domain.timeline import Timeline
from hypotrack.reasoning.api import analyse, beliefs, flags
from hypotrack.store.case import CaseSession, import_events, load_case_events
from hypotrack.store.sqlite import SqliteEventStore
from hypotrack.tui import replay_model as rm
from hypotrack.tui.app import HypotrackApp
from hypotrack.tui.screens.replay import PinNoteForm, ReplayScreen
from hypotrack.tui.screens.replay_compare import CompareScreen
from hypotrack.tui.widgets.chart import BeliefChart, ChartData, ChartLine, columns, render_chart
from tests.apptest import FIXED_CASE, FROZEN_NOW, freeze_clock, import_fixed_case, settle

ROOT = Path(__file__).resolve().parent.parent
FORMAT = ROOT / "models" / "examples" / "case-format.yaml"
SIZE = (120, 40)

# Steps of models/examples/case-format.yaml (0-based): the opening (the case opened with its five
# explanations and two sources, 8 events: one step since issue 11) at 0, e1 at 1, j1 at 2,
# family-account at 3, e2 at 4, e3 at 5 (retracted at 11), rough-play retired at 10, e4 at 13,
# j2 at 14; 17 steps in all.
E1, J1, E2, E3, E4, J2 = 1, 2, 4, 5, 13, 14


def event_of(events: list[Any], step: int) -> Any:
    """The event of a step after the opening (one event each)."""
    return events[Timeline(events).stop(step) - 1]


pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own store, user name and a frozen clock."""
    import hypotrack.store.sqlite as sqlite

    monkeypatch.setenv("HYPOTRACK_HOME", str(tmp_path))
    monkeypatch.setenv("HYPOTRACK_USER", "tester")
    monkeypatch.setattr(sqlite, "_utc_now", lambda: "2026-03-20T12:00:00.000000+00:00")
    freeze_clock(monkeypatch)
    return tmp_path


@pytest.fixture
def format_case(home: Path) -> Path:
    store = SqliteEventStore(home / "hypotrack.db")
    try:
        import_events(store, load_case_file(FORMAT).events)
    finally:
        store.close()
    return home / "hypotrack.db"


async def open_replay(pilot: Any, case_id: str = "example-bruising") -> ReplayScreen:
    await settle(pilot)
    screen = ReplayScreen(CaseSession(pilot.app.store, case_id))
    pilot.app.push_screen(screen)
    await settle(pilot)
    assert pilot.app.screen is screen
    return screen


def rendered(screen: ReplayScreen) -> str:
    """Everything the replay screen shows (scrolled-off parts too), as plain text."""
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    for static in screen.query(Static):
        console.print(static.content)
    chart = screen.query_one(BeliefChart)
    assert chart.data is not None
    console.print(render_chart(chart.data, 100))
    return console.export_text()


def text_of(renderable: Any) -> str:
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


# --- the model, without the screen --------------------------------------------------------


def test_each_step_holds_only_what_was_on_file_then() -> None:
    events = load_case_file(FORMAT).events
    timeline = Timeline(events)
    for k in range(timeline.step_count):
        view = rm.step_view(events, k)
        then = events[: timeline.stop(k)]
        recorded = {e.evidence.id for e in then if isinstance(e, m.EvidenceRecorded)}
        added = {e.hypothesis.id for e in then if isinstance(e, m.HypothesisAdded)}
        assert set(view.state.items) == recorded
        assert set(view.state.hypotheses) == added
        assert set(view.posterior) <= added
    # The last step is the case as it stands.
    last = rm.step_view(events, timeline.step_count - 1)
    now = analyse(events)
    assert last.posterior == pytest.approx({b.id: b.probability for b in beliefs(now).hypotheses})
    assert [f.id for f in last.flags] == [f.id for f in flags(now)]


def test_the_track_agrees_with_each_step_and_knows_no_future() -> None:
    events = load_case_text(FIXED_CASE).events
    track = rm.read_track(events)
    track.flags = rm.read_flags(events)
    timeline = Timeline(events)
    for k in range(timeline.step_count):
        view = rm.step_view(events, k)
        assert view.flags == list(track.flags[k].flags)
        with_track = rm.step_view(events, k, readings=track.flags)
        assert (with_track.raised, with_track.closed) == (view.raised, view.closed)
        for h, p in view.posterior.items():
            assert track.network[h][k] == pytest.approx(p)
        # The track's reading at k is what a case cut off at k would give.
        cut = rm.read_track(events[: timeline.stop(k)])
        for h in cut.hypotheses:
            assert cut.network[h][k] == track.network[h][k]
            assert cut.worker[h][k] == track.worker[h][k]
    assert track.judgements == [3, 10]  # the opening (8 events) is step 0 (issue 11)
    # The items after j1 are stale-review's until j2 reviews them (DESIGN §4: t is the latest
    # judgement); at j2 contrary-evidence is raised red.
    assert track.flag_changes() == [4, 10]
    assert track.raised(10) == "red"


def test_events_are_described_in_words() -> None:
    events = load_case_file(FORMAT).events
    assert rm.step_view(events, E4).description == (
        "Item e4 recorded: Clotting screen normal (Nursery key worker) — answers enquiry q1 "
        "(negative)"
    )
    assert rm.step_view(events, J2).description.startswith(
        "Judgement j2 by A. Worker: favours Accidental injury (fall while cruising) (40 %)"
    )
    assert rm.step_view(events, 12).description == (
        "Reliability of Anonymous neighbour changed from 0.6 to 0.4: Two earlier calls about "
        "this family were unfounded"
    )
    assert rm.step_view(events, 11).description.startswith("Item e3 retracted: Recorded on")


def test_the_chart_draws_nothing_after_the_step() -> None:
    line = ChartLine("h", "An explanation", network=[0.1, 0.5, 0.99, 0.2], worker=[None] * 4)
    data = ChartData(lines=[line], total=4, step=1, judgements=frozenset({1, 3}),
                     flags={2: "red"})  # fmt: skip
    text = render_chart(data, 4 + 8 + 5).plain  # 8 columns: two per step
    net = next(row for row in text.splitlines() if row.startswith("net "))
    assert net[4:12] == "▁▁▅▅    "  # steps 0 and 1 drawn, 2 and 3 blank
    assert "‼" not in text  # the red flag at step 2 is in the future
    assert text.count("J") == 2  # the judgement at step 1 and the legend; not the one at 3
    assert columns(4, 10) == [(0, 0), (0, 0), (1, 1), (1, 1), (2, 2), (2, 2), (3, 3), (3, 3)]
    assert columns(10, 4) == [(0, 1), (2, 4), (5, 6), (7, 9)]


# --- the screen ---------------------------------------------------------------------------


async def test_stepping_never_shows_what_was_recorded_later(format_case: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_replay(pilot)
        assert screen.step == 0
        await pilot.press(*["right"] * E1)
        await pilot.pause()
        assert screen.step == E1
        shown = rendered(screen)
        assert "Item e1 recorded: Two bruises on the left cheek" in shown
        assert "The family's account" not in shown  # added at step 10: absent, not greyed
        assert "Neighbour reports shouting" not in shown

        await pilot.press(*["right"] * (E2 - E1))
        await pilot.pause()
        assert screen.step == E2
        shown = rendered(screen)
        assert "Item e2 recorded: Neighbour reports shouting most nights" in shown
        assert "The family's account" in shown
        for later in ("Clotting screen", "Entered against the wrong child", "e3", "e4", "j2"):
            assert later not in shown, later
        # Both belief lines, as numbers: j1 rated accidental 70 %.
        beliefs_text = text_of(screen.query_one("#replay-beliefs", Static).content)
        assert "70%" in beliefs_text and "you = j1" in beliefs_text

        await pilot.press("left")
        await pilot.press("home")
        await pilot.pause()
        assert screen.step == 0
        await pilot.press("end")
        await pilot.pause()
        assert screen.step == 16
        assert "Clotting screen normal" in rendered(screen)


async def test_the_panes_scroll_from_the_keyboard(format_case: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=(120, 16)) as pilot:
        screen = await open_replay(pilot)
        await pilot.press("end")
        await pilot.pause()
        left, on_file = screen.query_one("#replay-left"), screen.query_one("#replay-file")
        assert left.max_scroll_y > 0 and on_file.max_scroll_y > 0
        await pilot.press("down", "pagedown")
        await pilot.pause()
        assert left.scroll_y > 0 and on_file.scroll_y > 0 and screen.step == 16


async def test_jumping_to_flag_changes_and_judgements(format_case: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_replay(pilot)
        assert screen.track.flag_changes() == [E3, 11, J2]
        await pilot.press("n")
        await pilot.pause()
        assert screen.step == E3
        event = text_of(screen.query_one("#replay-event", Static).content)
        assert "Flags raised: ! amber stale-review" in event
        await pilot.press("n")
        await pilot.pause()
        assert screen.step == 11
        assert "Flags closed: stale-review" in text_of(
            screen.query_one("#replay-event", Static).content
        )
        await pilot.press("N")
        await pilot.pause()
        assert screen.step == E3
        await pilot.press("j")
        await pilot.pause()
        assert screen.step == J2
        await pilot.press("J")
        await pilot.pause()
        assert screen.step == J1
        await pilot.press("J")  # none earlier: stays, and says so
        await pilot.pause()
        assert screen.step == J1


async def test_going_to_a_date(format_case: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_replay(pilot)
        field = screen.query_one("#replay-date", Input)
        await pilot.press("d")
        await pilot.pause()
        assert field.has_focus
        await pilot.press(*"2026-03-04", "enter")
        await pilot.pause()
        assert screen.step == 6  # the end of 4 March: e2's amendment at 15:00
        assert not screen.query_one("#replay-date-box").display

        await pilot.press("d")
        await pilot.press(*"4 March", "enter")
        await pilot.pause()
        assert field.has_class("-error")
        assert "Not a date" in str(screen.query_one("#replay-date-hint", Static).content)
        field.value = "2026-02-01"
        await pilot.press("enter")
        await pilot.pause()
        assert "before the case was opened" in str(
            screen.query_one("#replay-date-hint", Static).content
        )
        await pilot.press("escape")  # closes the date field, not the replay
        await pilot.pause()
        assert app.screen is screen and not screen.query_one("#replay-date-box").display
        assert screen.step == 6


async def test_compare_two_points(format_case: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_replay(pilot)
        await pilot.press("c")  # nothing marked yet
        await pilot.pause()
        assert app.screen is screen
        screen.step = E1
        await pilot.press("a")
        await pilot.pause()
        screen.step = E4
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        body = text_of(app.screen.query_one("#compare-body", Static).content)
        assert "From step 2" in body and "to step 14" in body
        assert "Items added (3)" in body
        for item in ("e2", "e3", "e4"):
            assert item in body
        assert "retracted again before the later point" in body  # e3
        assert "Explanations added" in body and "The family's account" in body
        assert "Explanations retired" in body and "Rough play" in body
        assert "moved most by" in body and "e4 ×" in body
        assert "Judgements in between" in body and "j1" in body
        assert "j2" not in body and "Clotting screen normal" in body  # j2 came after e4
        # Each judgement's ratings and each note's text with its author; the flags in between.
        # Explanations by id in the lists (the beliefs give each id its label).
        assert "by A. Worker: favours accidental" in body and "accidental 70%" in body
        assert "Notes in between" in body and "by B. Supervisor" in body
        assert "Discussed alternative" in body
        assert "Flags in between" in body and "stale-review raised" in body
        # What happened in between, in one line at the top.
        assert "In between: 3 items added" in body and "; flags: " in body
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_pinning_a_note_stores_an_event_pinned_to_the_step(format_case: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_replay(pilot)
        screen.step = E2
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PinNoteForm)
        assert form.query_one("#note-who", Input).value == "tester"
        assert form.query_one("#note-text", TextArea).has_focus
        await pilot.press("ctrl+s")  # empty: refused at the field, nothing stored
        await pilot.pause()
        assert form.query_one("#note-text", TextArea).has_class("-error")
        form.query_one("#note-text", TextArea).text = "Asked what else explains the shouting."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen

        events = load_case_events(app.store, "example-bruising")
        note = events[-1]
        assert isinstance(note, m.NoteAdded)
        assert note.note.kind == "supervision" and note.note.id == "n4"
        assert note.note.pinned_at == event_of(events, E2).at
        assert note.at == FROZEN_NOW and note.who == "tester"

        assert screen.step == E2 and screen.track.total == 18
        pins = text_of(screen.query_one("#replay-pins", Static).content)
        assert "Pinned to this point (written later)" in pins
        assert "Asked what else explains the shouting." in pins
        assert E2 in screen.query_one(BeliefChart).data.pins
        await pilot.press("right")
        await pilot.pause()
        assert "pinned to step 5" in text_of(screen.query_one("#replay-items", Static).content)

        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("#note-text", TextArea).text = "Signed off."
        await pilot.press("ctrl+s")
        await settle(pilot)
        last = load_case_events(app.store, "example-bruising")[-1]
        assert last.note.kind == "sign-off" and last.note.pinned_at == event_of(events, E3).at
        await pilot.press("escape")
        await pilot.pause()
        assert screen.is_attached is False or app.screen is not screen


async def test_replay_opens_from_the_start_screen_and_the_workspace(format_case: Path) -> None:
    from hypotrack.tui.commands import CaseCommands
    from hypotrack.tui.screens.workspace import WorkspaceScreen

    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        names = [hit.text async for hit in CaseCommands(screen).discover()]
        for wanted in ("replay: step on", "replay: next change in the flags",
                       "replay: compare point A with this step",
                       "replay: pin a supervision note here"):  # fmt: skip
            assert wanted in names
        await pilot.press("escape")
        await pilot.pause()
        app.open_case("example-bruising")
        await settle(pilot)
        workspace = app.screen
        assert isinstance(workspace, WorkspaceScreen)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ReplayScreen)
        app.screen.step = E2
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one("#note-text", TextArea).text = "Pinned from the workspace."
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is workspace
        assert workspace.state.notes[-1].spec.text == "Pinned from the workspace."


def test_every_replay_binding_has_a_description_and_a_palette_entry() -> None:
    for binding in ReplayScreen.BINDINGS:
        assert binding.description and binding.id
    for action in ReplayScreen.ACTIONS:
        assert action.command.startswith("replay: ") and action.help


# --- the look -----------------------------------------------------------------------------


def test_replay_snapshot(snap_compare: Any, home: Path) -> None:
    """The fixed case at its first red flag, with point A marked at the first judgement."""
    import_fixed_case(home / "hypotrack.db")

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.push_screen(ReplayScreen(CaseSession(pilot.app.store, "fixed-case")))
        await settle(pilot)
        screen = pilot.app.screen
        screen.step = 3
        screen.point_a = 3
        await pilot.press("n", "n")
        await settle(pilot)

    assert snap_compare(HypotrackApp(), terminal_size=SIZE, run_before=run_before)
