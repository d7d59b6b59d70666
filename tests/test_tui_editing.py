"""Correcting a case with its history kept: renaming a source, re-rating a source's reliability
and amending an item, each an event with its author, offered in the app and shown in replay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Select

from hypotrack.domain import model as m
from hypotrack.domain.casefile import events_to_yaml, load_case_text
from hypotrack.domain.timeline import Timeline
from hypotrack.store.case import CaseSession
from hypotrack.tui.app import HypotrackApp
from hypotrack.tui.replay_model import describe, step_view
from hypotrack.tui.screens import entry, forms
from hypotrack.tui.widgets.tables import KeyedTable
from tests.apptest import (
    SIZE,
    events_in_store,
    fill,
    freeze_clock,
    hint,
    import_fixed_case,
    open_fixed,
    settle,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HYPOTRACK_HOME", str(tmp_path))
    monkeypatch.setenv("HYPOTRACK_USER", "tester")
    freeze_clock(monkeypatch)
    return tmp_path


@pytest.fixture
def fixed(home: Path) -> Path:
    import_fixed_case(home / "hypotrack.db")
    return home / "hypotrack.db"


async def _form(pilot: Any, key: str) -> Any:
    await pilot.press(key)
    await pilot.pause()
    return pilot.app.screen


async def test_rename_a_source_and_change_its_reliability(fixed: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        await pilot.press("2")
        ws.query_one("#sources-table", KeyedTable).select_key("neighbour")
        await pilot.pause()

        form = await _form(pilot, "R")
        assert isinstance(form, forms.RenameSourceForm)
        assert form.query_one("#source", Select).value == "neighbour"
        assert form.query_one("#label", Input).value == "Anonymous neighbour"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "current name" in hint(form, "label")  # nothing changed: nothing stored
        fill(form, label="Neighbour (flat below)")
        await pilot.press("ctrl+s")
        await settle(pilot)
        event = ws.session.events[-1]
        assert isinstance(event, m.SourceRelabelled) and event.who == "tester"
        assert ws.state.sources["neighbour"].spec.label == "Neighbour (flat below)"
        row = ws.query_one("#sources-table", KeyedTable).get_row("neighbour")
        assert row[1] == "Neighbour (flat below)"

        form = await _form(pilot, "l")
        assert isinstance(form, forms.ReliabilityForm)
        assert form.query_one("#reliability", Input).value == "0.6"
        fill(form, reliability="0.3")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Give a reason" in hint(form, "reason")  # a reason is required
        fill(form, reason="Two earlier calls were unfounded")
        await pilot.press("ctrl+s")
        await settle(pilot)
        event = ws.session.events[-1]
        assert isinstance(event, m.ReliabilityChanged)
        assert (event.reliability, event.reason, event.who) == (
            0.3,
            "Two earlier calls were unfounded",
            "tester",
        )
    stored = events_in_store(fixed, "fixed-case")
    assert [e.kind for e in stored[-2:]] == ["source-relabelled", "reliability-changed"]


async def test_amend_an_items_likelihoods(fixed: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        await pilot.press("1")
        ws.query_one("#matrix").select_key("e3")
        await pilot.pause()
        form = await _form(pilot, "m")
        assert isinstance(form, entry.AmendItemForm)
        assert form.query_one("#item", Select).value == "e3"
        # The fields start from the ratings as typed.
        assert form.query_one("#like-inflicted", Input).value == "likely"
        assert form.query_one("#like-other", Input).value == "0.4"
        fill(form, reason="Neutral: the same fact as the nursery's report")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # nothing changed: refused
        for h in ("accidental", "inflicted", "medical", "other"):
            fill(form, **{f"like_{h}": "0.4"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        event = ws.session.events[-1]
        assert isinstance(event, m.EvidenceAmended) and event.id == "e3"
        assert event.reason == "Neutral: the same fact as the nursery's report"
        assert set(ws.state.items["e3"].likelihood.values()) == {0.4}
        assert event.who == "tester"


def test_edits_round_trip_through_a_case_file_with_their_authors(fixed: Path) -> None:
    from hypotrack.store.sqlite import SqliteEventStore

    store = SqliteEventStore(fixed)
    try:
        session = CaseSession(store, "fixed-case")
        at = session.events[-1].at
        stamp = {"who": "Sam Worker"}
        from datetime import timedelta

        session.append(m.SourceRelabelled(at=at + timedelta(hours=1), source="nursery",
                                          label="Little Oaks nursery", **stamp))  # fmt: skip
        session.append(m.HypothesisRelabelled(at=at + timedelta(hours=2), id="other",
                                              label="Something else", **stamp))  # fmt: skip
        session.append(m.EvidenceAmended(at=at + timedelta(hours=3), id="e3",
                                         likelihood={"inflicted": 0.5, "other": 0.5},
                                         entered={"inflicted": 0.5, "other": 0.5},
                                         reason="neutral", **stamp))  # fmt: skip
        events = session.events
    finally:
        store.close()
    text = events_to_yaml(events)
    assert "relabelled:" in text and "by: Sam Worker" in text
    again = load_case_text(text).events
    # The three edits come back as they were, with their authors.
    assert again[-3:] == events[-3:]
    assert [e.who for e in again[-3:]] == ["Sam Worker"] * 3
    # Replay names each edit and its author.
    words = [describe(e, step_view(events, k - 1).state, _zone()) for k, e in _tail(events, 3)]
    assert words[0] == ("Source renamed: Nursery key worker → Little Oaks nursery — by Sam Worker")
    assert words[1].endswith("→ Something else — by Sam Worker")
    assert words[2].startswith("Item e3 amended: accidental unlikely → neutral")
    assert words[2].endswith("— neutral — by Sam Worker")


def _zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/London")


def _tail(events: list[Any], n: int) -> list[tuple[int, Any]]:
    """The last n events, each with its replay step (the set-up at opening is one step)."""
    timeline = Timeline(events)
    return [(timeline.step_of(k), events[k]) for k in range(len(events) - n, len(events))]


async def test_replay_shows_an_amendment_with_its_author(fixed: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        ws.query_one("#matrix").select_key("e2")
        form = await _form(pilot, "m")
        fill(form, like_accidental="unlikely", reason="The written report")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        shown = str(app.screen.query_one("#replay-event").content)
        assert "Item e2 amended: accidental highly unlikely → unlikely" in shown
        assert "by tester" in shown
