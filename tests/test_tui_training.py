"""Training mode in the app (issue 5): the picker, play, the store, the debrief, the look.

Driven with Pilot at 120×40 on a fresh store per test (HYPOTRACK_HOME in a temp folder). Two
trainees play the same teaching case: one anchored on their first view (never moves), one who
follows the evidence (types the network's posterior, computed here with `analyse`, independently
of the app). Their debriefs must differ the way DESIGN §6a says they should.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual import events
from textual.widgets import Input, Static

from hypotrack.domain.casefile import load_case_file
from hypotrack.domain.ratings import parse_ratings as read_ratings
from hypotrack.reasoning.api import analyse
from hypotrack.reasoning.training import TrainingRun, debrief
from hypotrack.resources import teaching_cases
from hypotrack.services.training import (
    StoredRun,
    TrainingLookupError,
    find_teaching,
    free_run_id,
    teaching_choices,
    theme_of,
)
from hypotrack.store.case import import_events, load_case_events
from hypotrack.tui.app import HypotrackApp
from hypotrack.tui.screens.help import HelpScreen
from hypotrack.tui.screens.training import TrainingPickerScreen
from hypotrack.tui.screens.training_debrief import DebriefScreen
from hypotrack.tui.screens.training_play import TrainingScreen
from hypotrack.tui.widgets.tables import KeyedTable
from hypotrack.tui.widgets.training import RatingInput, bumped

CASE = "01-bruising-non-mobile-baby"
CASE_ID = "teaching-bruising-non-mobile-baby"
SIZE = (120, 40)
ANCHORED = ["60", "20", "15", "5"]  # medical first, and it never moves

# Async tests run on anyio's pytest plugin (installed with Textual's dependencies).
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def fresh_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HYPOTRACK_HOME", str(tmp_path))
    monkeypatch.setenv("HYPOTRACK_USER", "tester")
    return tmp_path


def network_lines(name: str) -> list[dict[str, float]]:
    """The network's posterior after each item of a teaching case (what a follower types)."""
    run = TrainingRun(load_case_file(teaching_cases()[name]).events, "x", "x", datetime.now(UTC))
    lines = []
    while not run.finished:
        run.reveal_next()
        lines.append(analyse(run.events).current.posterior)
    return lines


def text_of(widget: Any) -> str:
    """What a Static shows, as plain text (its rich renderable, rendered)."""
    console = Console(width=116, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def start_run(pilot: Any, trainee: str) -> TrainingScreen:
    """From `hypotrack train CASE`: the name, Enter, and the first item is on screen."""
    await settle(pilot)
    picker = pilot.app.screen
    assert isinstance(picker, TrainingPickerScreen)
    assert pilot.app.focused.id == "trainee"
    await pilot.press(*trainee, "enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TrainingScreen)
    return screen


def fields(screen: Any) -> list[RatingInput]:
    return list(screen.query(RatingInput))


async def type_ratings(pilot: Any, values: list[str]) -> None:
    """Type each rating and Tab on (Tab after the last wraps to the first field)."""
    for value in values:
        await pilot.press(*value, "tab")


async def play_anchored(pilot: Any) -> None:
    screen = await start_run(pilot, "Anna")
    await type_ratings(pilot, ANCHORED)
    while isinstance(pilot.app.screen, TrainingScreen):
        await pilot.press("enter")  # the same ratings, prefilled, every time
        await pilot.pause()
    assert screen.stored.complete


async def burst(pilot: Any, keys: list[str]) -> None:
    """Keys arriving in one burst, as a fast typist's do (or a paste of "41⇥23⏎"): all are
    queued before the app handles the first, then one wait. The play screen must still put
    every digit in the field it was typed in (Tab acts at once; Enter comes through the field).
    """
    names = {"\t": "tab", "\r": "enter", ".": "full_stop", "*": "asterisk"}
    for key in keys:
        name = names.get(key, key)
        event = events.Key(name, key if name not in ("tab", "enter") else None)
        event.set_sender(pilot.app)
        pilot.app._driver.send_message(event)  # what Pilot.press does, without its waits
    await pilot.pause()


async def play_follower(pilot: Any, lines: list[dict[str, float]]) -> None:
    """Give the follower's name in the picker, then type the network's posterior each time
    (to 0.1 %, the finest a rating is read at, leaving a field that already says it, as a
    person would): each item's keys in one fast burst. In whole percents a rival at 0.4 %
    typed as 0 reads as a quarter of the network's odds (DESIGN §4 floors at 0.1 %)."""
    await pilot.press(*"Fay", "enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TrainingScreen)
    for k, posterior in enumerate(lines, start=1):
        assert screen.stored.run.items_shown == k
        typed = {f.hypothesis: str(round(posterior[f.hypothesis] * 100, 1)) for f in fields(screen)}
        keys: list[str] = []
        for field in fields(screen):
            if field.value != typed[field.hypothesis]:
                keys += list(typed[field.hypothesis])
            keys.append("\t")
        order = list(typed)
        top = max(typed.values(), key=float)
        if list(typed.values()).count(top) > 1:  # a tie: choose the first of them with *
            first = next(h for h in order if typed[h] == top)
            keys += ["*"] * (order.index(first) + 1)
        await burst(pilot, [*keys, "\r"])
        await settle(pilot)
    assert isinstance(pilot.app.screen, DebriefScreen)


# --- pure helpers -------------------------------------------------------------------------


def test_rating_helpers() -> None:
    assert bumped("70", 5) == "75"
    assert bumped("98", 5) == "100"
    assert bumped("", -5) == "0"
    assert bumped("2.5", 1) == "3.5"
    assert read_ratings({"a": "3", "b": "1"}) == {"a": 0.75, "b": 0.25}
    assert read_ratings({"a": "70 %", "b": "2,5"})["b"] == pytest.approx(2.5 / 72.5)


def test_teaching_choices_and_run_ids(fresh_store: Path) -> None:
    from hypotrack.store.sqlite import SqliteEventStore, default_store_path

    store = SqliteEventStore(default_store_path())
    choices, problems = teaching_choices(store)
    assert not problems
    assert {c.name for c in choices} == set(teaching_cases())
    first = next(c for c in choices if c.name == CASE)
    assert first.items == 10 and first.theme.startswith("Injury")
    assert theme_of(teaching_cases()[CASE]) == "Injury: accidental, inflicted or medical?"
    long_name = "Dr Maximilian Alexander Featherstonehaugh-Cholmondeley"
    run_id = free_run_id(store, "teaching-diagnosis-not-exoneration", long_name)
    assert len(run_id) <= 64 and run_id.endswith("-1")
    events = load_case_file(teaching_cases()[CASE]).events
    stored = StoredRun.start(store, events, "Ann", datetime.now(UTC))
    assert stored.run_id == f"{CASE_ID}-ann-1"
    assert free_run_id(store, CASE_ID, "Ann") == f"{CASE_ID}-ann-2"
    # Stored from the start: the opening events up to the first item, nothing more.
    kinds = [e.kind for e in load_case_events(store, stored.run_id)]
    assert kinds.count("evidence-recorded") == 1 and kinds[-1] in (
        "evidence-recorded",
        "enquiry-raised",
    )
    # A teaching case a trainer imported into the store is offered and found by its id.
    opened = events[0]
    mine = opened.model_copy(
        update={"case": opened.case.model_copy(update={"id": "our-bruising-case"})}
    )
    import_events(store, [mine, *events[1:]])
    choices, _ = teaching_choices(store)
    assert "our-bruising-case" in {c.name for c in choices if c.path is None}
    assert find_teaching("our-bruising-case", store)[0].case.id == "our-bruising-case"
    with pytest.raises(TrainingLookupError):
        find_teaching(stored.run_id, store)  # a run is not a teaching case
    store.close()


# --- the app ------------------------------------------------------------------------------


async def test_picker_lists_the_teaching_cases() -> None:
    app = HypotrackApp(training="")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TrainingPickerScreen)
        table = app.screen.query_one("#teaching", KeyedTable)
        assert table.row_count == len(teaching_cases())
        assert table.get_row(CASE)[3] == "10"
        # Enter without a name: refused at the name field, nothing stored.
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused.id == "trainee" and app.focused.has_class("-error")
        assert app.store.cases() == []
        # A command-palette entry per action, namespaced.
        assert all(a.command.startswith("training: ") for a in app.screen.ACTIONS)


async def test_unknown_case_says_so_and_shows_the_picker(notifications) -> None:
    app = HypotrackApp(training="no-such-case")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TrainingPickerScreen)
        assert any("no-such-case" in n.message for n in notifications)


async def test_anchored_and_follower_runs_are_stored_and_debriefed_differently() -> None:
    lines = network_lines(CASE)
    app = HypotrackApp(training=CASE)
    async with app.run_test(size=SIZE) as pilot:
        await play_anchored(pilot)
        await settle(pilot)
        assert isinstance(app.screen, DebriefScreen)
        anchored = app.screen.debrief
        shown = text_of(app.screen.query_one("#revision"))
        assert "never revised" in shown
        await pilot.press("escape")  # back to the picker: the run is listed
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, TrainingPickerScreen)
        assert f"{CASE_ID}-anna-1" in picker.runs
        # The follower, from the same picker.
        picker.query_one("#teaching", KeyedTable).select_key(CASE)
        await pilot.click("#trainee")
        await pilot.press("end", *["backspace"] * len("Anna"))
        await play_follower(pilot, lines)
        await settle(pilot)
        follower = app.screen.debrief

    # Anchored: never revised, late by every remaining item, anchoring flags fired early.
    assert anchored.revised_at is None
    assert anchored.revision_delay == anchored.items - 7 + 1  # author's revise point: item 7
    fired = {f.id: f for f in anchored.flags}
    assert "contrary-evidence" in fired and "frozen-rating" in fired
    # Follower: revised by the author's point, no contrary-evidence, on the network's line.
    assert follower.revised_at is not None and follower.revision_delay <= 0
    assert follower.revision_delay < anchored.revision_delay
    assert "contrary-evidence" not in {f.id for f in follower.flags}
    assert follower.brier_vs_network == pytest.approx(0.0, abs=1e-3)  # whole percents typed
    assert follower.mean_gap == pytest.approx(0.0, abs=0.01)
    assert follower.brier_trainee < anchored.brier_trainee
    assert follower.brier_trainee == pytest.approx(follower.brier_network, abs=0.02)

    # Both runs are cases of kind training in the store, based on the teaching case.
    from hypotrack.store.sqlite import SqliteEventStore, default_store_path

    store = SqliteEventStore(default_store_path())
    try:
        runs = {}
        for summary in store.cases():
            events = load_case_events(store, summary.case_id)
            runs[summary.case_id] = events
        assert set(runs) == {f"{CASE_ID}-anna-1", f"{CASE_ID}-fay-1"}
        for run_id, events in runs.items():
            info = events[0].case
            assert info.kind == "training" and info.based_on == CASE_ID
            assert sum(e.kind == "judgement" for e in events) == 10
            assert events[0].teaching is not None and events[0].teaching.truth == "inflicted"
            assert store.verify(run_id) == []
        # The debrief from the store alone is the one the app showed.
        again = debrief(runs[f"{CASE_ID}-fay-1"], 10)
        assert again.revised_at == follower.revised_at
        assert again.brier_trainee == pytest.approx(follower.brier_trainee)
    finally:
        store.close()


async def test_bad_input_is_refused_at_the_field_and_nothing_is_stored() -> None:
    app = HypotrackApp(training=CASE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_run(pilot, "Bea")
        store = app.store
        stored_before = store.cases()[0].events

        def hint(h: str) -> str:
            return text_of(screen.query_one(f"#hint-{h}"))

        # An empty field, on Enter: marked, focused, and said how to fix.
        await pilot.press(*"60", "enter")
        assert "Give a number" in hint("inflicted") and app.focused.id == "rating-inflicted"
        # A negative rating; then one that is not a number (typing replaces the marked text).
        await type_ratings(pilot, ["-5", "5", "10", "5"])
        await pilot.press("enter")
        assert "negative" in hint("inflicted")
        assert screen.query_one("#rating-inflicted").has_class("-error")
        assert app.focused.id == "rating-inflicted"
        await pilot.press(*"1.2.3", "enter")
        assert "Not a number" in hint("inflicted")
        # Letters never reach a field (refused there; no screen key fires).
        await pilot.press("x", "y")
        assert screen.query_one("#rating-inflicted", RatingInput).value == "1.2.3"
        # All zero.
        for field in fields(screen):  # as if typed: the refusal is what is under test
            field.value = "0"
        await pilot.press("enter")
        assert "All are 0" in hint("medical")
        # A tie for ★ (60, 60): choose with *
        await pilot.press(*"60", "tab", *"60", "tab", "enter")
        assert "press *" in hint("medical")
        # Nothing was stored by any of it.
        assert screen.stored.run.items_shown == 1
        assert store.cases()[0].events == stored_before
        # Typing mends the field and clears its mark; Enter records.
        await pilot.press(*"20")
        assert not screen.query_one("#rating-medical").has_class("-error")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.stored.run.items_shown == 2
        assert store.cases()[0].events > stored_before


async def test_keys_bump_favour_coach_and_leave_then_resume() -> None:
    app = HypotrackApp(training=CASE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_run(pilot, "Cal")
        await type_ratings(pilot, ANCHORED)  # focus wraps back to 'medical'
        await pilot.press("up", "up", "down", "shift+up")
        assert screen.query_one("#rating-medical", RatingInput).value == "66"
        # * cycles ★ through the explanations, then back to the highest rated.
        await pilot.press("asterisk", "asterisk")
        assert screen.chosen == "inflicted"
        assert "your choice" in text_of(screen.query_one("#favoured"))
        for _ in range(len(screen.live) - 1):
            await pilot.press("asterisk")
        assert screen.chosen is None
        # Letters typed into a rating field are refused there and fire no screen key.
        await pilot.press("a", "b", "c", "f")
        await pilot.pause()
        assert screen.query_one("#rating-medical", RatingInput).value == "66"
        assert screen.chosen is None and not screen.coach
        assert "Numbers only" in text_of(screen.query_one("#hint-medical"))
        # Coach mode (F2): the network beside each rating, and the flags.
        assert not screen.query_one("#net-medical").display
        await pilot.press("f2")
        await settle(pilot)
        assert screen.query_one("#net-medical").display
        assert "net" in text_of(screen.query_one("#net-medical"))
        assert "Flags" in text_of(screen.query_one("#coach-panel"))
        await pilot.press("f2")
        await pilot.pause()
        assert not screen.query_one("#net-medical").display
        # ? opens help from inside a field (? and * are keys there, not text).
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        # Record two items, then leave: the run is stored and can be carried on.
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.stored.run.items_shown == 3
        await pilot.press("escape")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, TrainingPickerScreen)
        run_id = f"{CASE_ID}-cal-1"
        assert not picker.runs[run_id].finished and picker.runs[run_id].judgements == 2
        picker.open_run(run_id)
        await pilot.pause()
        resumed = app.screen
        assert isinstance(resumed, TrainingScreen)
        assert resumed.stored.run.items_shown == 3
        assert resumed.query_one("#rating-medical", RatingInput).value == "62"  # 66 of 106


async def test_a_stored_run_opens_by_id_where_it_stopped_or_at_its_debrief() -> None:
    from hypotrack.store.sqlite import SqliteEventStore, default_store_path

    events = load_case_file(teaching_cases()[CASE]).events
    store = SqliteEventStore(default_store_path())
    now = datetime.now(UTC)
    done = StoredRun.start(store, events, "Dee", now)
    while True:
        live = done.session.state.live_hypotheses
        done.record({h: (3.0 if h == "medical" else 1.0) for h in live}, None)
        if done.run.finished:
            break
        done.reveal()
    part = StoredRun.start(store, events, "Eve", now)
    part.record({h: 1.0 + (h == "inflicted") for h in part.session.state.live_hypotheses}, None)
    part.reveal()
    store.close()

    app = HypotrackApp(training=done.run_id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        debrief_screen = app.screen
        assert isinstance(debrief_screen, DebriefScreen)
        assert debrief_screen.debrief.revised_at is None
        # r replays the run like any case.
        await pilot.press("r")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReplayScreen"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is debrief_screen
    app = HypotrackApp(training=part.run_id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TrainingScreen)
        assert screen.stored.run.items_shown == 2 and screen.stored.awaiting_judgement
        assert screen.query_one("#rating-inflicted", RatingInput).value == "40"  # 2 of 5


# --- the hidden answer, the overview, the form ----------------------------------------------


def screen_text(screen: Any) -> str:
    """Everything the screen's Statics show, as plain text."""
    return "\n".join(text_of(w) for w in screen.query(Static))


async def test_an_unfinished_runs_debrief_hides_the_answer_and_the_form_is_fresh(
    notifications,
) -> None:
    teaching = load_case_file(teaching_cases()[CASE]).file.teaching
    truth_label = next(
        h.label
        for h in load_case_file(teaching_cases()[CASE]).file.hypotheses
        if h.id == teaching.truth
    )
    app = HypotrackApp(training=CASE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_run(pilot, "Cal")
        await type_ratings(pilot, ANCHORED)
        await pilot.press("enter")  # item 1 judged; item 2 shown
        await pilot.pause()
        app.clear_notifications()
        before = len(notifications)
        await pilot.press("escape")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, TrainingPickerScreen)
        # Leaving says the same count as the list of runs.
        left = [n.message for n in notifications[before:]]
        assert any("1 of 10 items judged" in msg for msg in left), left
        run_id = f"{CASE_ID}-cal-1"
        table = picker.query_one("#runs", KeyedTable)
        assert "1 of 10 items judged" in str(table.get_row(run_id)[2])
        # A new (empty) name for the next run.
        assert picker.query_one("#trainee", Input).value == ""
        # d on the unfinished run: its debrief gives nothing of the answer away.
        table.focus()
        table.select_key(run_id)
        await pilot.press("d")
        await settle(pilot)
        debrief_screen = app.screen
        assert isinstance(debrief_screen, DebriefScreen)
        d = debrief_screen.debrief
        assert not d.finished and d.truth is None and not d.learning_points
        assert not d.revision_points and d.brier_trainee is None
        shown = screen_text(debrief_screen)
        assert truth_label not in shown
        for point in teaching.learning_points:
            assert point.split()[0:6] != [] and " ".join(point.split()[:6]) not in shown
        for mark in teaching.revision_points:
            assert (mark.why or "")[:40] not in shown or not mark.why
        assert "unfinished: 1 of 10 items judged" in shown
        assert "no revision point" not in shown and "kept pace" not in shown
        # Back, and Enter carries on the run (nothing of the answer was shown).
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is picker
        picker.query_one("#runs", KeyedTable).focus()
        picker.query_one("#runs", KeyedTable).select_key(run_id)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TrainingScreen)
        assert app.screen.stored.run.items_shown == 2
        del screen


async def test_rating_labels_wrap_instead_of_being_cut_at_80_columns() -> None:
    app = HypotrackApp(training=CASE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, "Cal")
        await pilot.pause()
        for row in screen.query(".rating-row"):
            label = row.query_one(".rating-label", Static)
            text = text_of(label).strip()
            width = label.content_size.width
            assert width > 0
            assert label.content_size.height * width >= len(text) - 1, (text, label.size)
            assert "…" not in text


async def test_the_trainers_overview_lists_every_run_and_the_cohort() -> None:
    from hypotrack.store.sqlite import SqliteEventStore, default_store_path
    from hypotrack.tui.screens.training_overview import TrainingOverviewScreen

    events = load_case_file(teaching_cases()[CASE]).events
    store = SqliteEventStore(default_store_path())
    now = datetime.now(UTC)
    done = StoredRun.start(store, events, "Dee", now)
    while True:
        live = done.session.state.live_hypotheses
        done.record({h: (3.0 if h == "medical" else 1.0) for h in live}, None)
        if done.run.finished:
            break
        done.reveal()
    StoredRun.start(store, events, "Eve", now)  # left before the first judgement
    store.close()
    app = HypotrackApp(training="")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        overview = app.screen
        assert isinstance(overview, TrainingOverviewScreen)
        runs = overview.query_one("#all-runs", KeyedTable)
        assert runs.row_count == 2
        rows = {str(k.value): runs.get_row(k) for k in runs.rows}
        assert rows[done.run_id][3] == "done" and rows[done.run_id][4].startswith("never (+")
        empty = next(k for k in rows if k != done.run_id)
        assert rows[empty][3] == "new" and rows[empty][4] == "—"
        assert rows[empty][5] == "—"  # no Brier score for an unfinished run
        cohort = overview.query_one("#cohort", KeyedTable)
        case_row = cohort.get_row(CASE_ID)
        assert case_row[0] == CASE and case_row[1:3] == ["2", "1"]
        assert case_row[3].startswith("+") and float(case_row[4]) > 0
        # One finished run: the cohort's mean Brier score is that run's, as its row shows it.
        assert case_row[4] == rows[done.run_id][5]
        # Enter opens the highlighted run's debrief.
        runs.select_key(done.run_id)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DebriefScreen) and app.screen.debrief.finished


# --- the look -----------------------------------------------------------------------------


def _steady(app: Any) -> None:
    """No blinking cursor and no passing notifications in a snapshot."""
    app.clear_notifications()
    for field in app.screen.query(RatingInput):
        field.cursor_blink = False


def test_snapshot_play_screen(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await start_run(pilot, "Anna")
        await type_ratings(pilot, ANCHORED)
        await pilot.press("enter")
        await pilot.pause()
        _steady(pilot.app)
        await pilot.pause()

    assert snap_compare(HypotrackApp(training=CASE), terminal_size=SIZE, run_before=run_before)


def test_snapshot_play_screen_in_coach_mode(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await start_run(pilot, "Anna")
        await type_ratings(pilot, ANCHORED)
        for _ in range(5):
            await pilot.press("enter")
            await pilot.pause()
        await pilot.press("f2")
        await settle(pilot)
        _steady(pilot.app)
        await pilot.pause()

    assert snap_compare(HypotrackApp(training=CASE), terminal_size=SIZE, run_before=run_before)


def test_snapshot_debrief(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await play_anchored(pilot)
        await settle(pilot)
        _steady(pilot.app)
        await pilot.pause()

    assert snap_compare(HypotrackApp(training=CASE), terminal_size=SIZE, run_before=run_before)
