"""The terminal app, driven with Pilot: each workflow, the errors' three tiers, start-up weight."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Select, Static

from hypotrack.domain import model as m
from hypotrack.domain.errors import FieldError
from hypotrack.domain.ratings import parse_ratings
from hypotrack.reasoning.explain import why_moved
from hypotrack.store.case import CaseSession
from hypotrack.store.sqlite import SqliteEventStore
from hypotrack.tui import editing
from hypotrack.tui.app import HypotrackApp
from hypotrack.tui.screens import entry, forms
from hypotrack.tui.screens.case_forms import ImportForm, NewCaseForm
from hypotrack.tui.screens.error import ErrorScreen
from hypotrack.tui.screens.help import HelpScreen
from hypotrack.tui.screens.start import StartScreen
from hypotrack.tui.screens.workspace import WorkspaceScreen
from hypotrack.tui.widgets.matrix import EvidenceMatrix
from hypotrack.tui.widgets.tables import KeyedTable
from tests.apptest import (
    FROZEN_NOW,
    SIZE,
    events_in_store,
    fill,
    freeze_clock,
    hint,
    import_fixed_case,
    open_fixed,
    settle,
)

ROOT = Path(__file__).resolve().parent.parent

# Async tests run on anyio's pytest plugin (installed with Textual's dependencies).
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own store, user name and a frozen clock."""
    monkeypatch.setenv("HYPOTRACK_HOME", str(tmp_path))
    monkeypatch.setenv("HYPOTRACK_USER", "tester")
    freeze_clock(monkeypatch)
    return tmp_path


@pytest.fixture
def store_path(home: Path) -> Path:
    return home / "hypotrack.db"


@pytest.fixture
def fixed(store_path: Path) -> Path:
    import_fixed_case(store_path)
    return store_path


# --- start screen -------------------------------------------------------------------------


async def test_first_run_offers_the_demo_and_opens_it(store_path: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        assert "Your store is empty" in str(app.screen.query_one("#empty", Static).content)
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WorkspaceScreen)
        assert screen.session.case_id == "worked-bruising"
        assert screen.beliefs is not None and screen.flags is not None
        # Back to the list: the case is there with its open flags.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        assert [r["id"] for r in app.screen.rows] == ["worked-bruising"]
        # Opening it again does not import it twice.
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, WorkspaceScreen)


async def test_new_case_from_a_template(fixed: Path) -> None:
    store_path = fixed
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewCaseForm)
        # A taken id, or one that is not a slug, is refused at the field.
        fill(form, title="Another", case_id="fixed-case")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert form.query_one("#case-id").has_class("-error")
        assert "already a case" in hint(form, "case-id")
        fill(form, case_id="Not A Slug")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "lowercase" in hint(form, "case-id")
        fill(form, title="", case_id="")
        form.query_one("#title").focus()
        await pilot.pause()
        form.query_one("#template", Select).value = "injury"
        await pilot.press(*"Bruise")
        await pilot.pause()
        assert form.query_one("#case-id", Input).value == "bruise"
        fill(form, title="Bruising to a 7-month-old")
        await pilot.pause()
        assert form.query_one("#case-id", Input).value == "bruising-7-month-old"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WorkspaceScreen)
    events = events_in_store(store_path, "bruising-7-month-old")
    opening = events[0]
    assert opening.case.title == "Bruising to a 7-month-old"
    assert opening.case.opened == FROZEN_NOW
    # Everything the template dated at (or just after) its opening is now.
    assert all(e.at == FROZEN_NOW for e in events)
    assert {e.kind for e in events} >= {"hypothesis-added", "source-added", "enquiry-raised"}


async def test_import_a_file_and_refuse_a_bad_one(store_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (ROOT / "models/examples/case-format.yaml")
        .read_text()
        .replace("likelihood:", "likelihods:", 1)
    )
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ImportForm)
        fill(form, path=str(tmp_path / "missing.yaml"))
        await pilot.press("enter")
        await pilot.pause()
        assert "no file" in hint(form, "path")
        fill(form, path=str(bad))
        await pilot.press("enter")
        await pilot.pause()
        assert form.query_one("#path").has_class("-error")
        assert "cannot be imported" in hint(form, "path")
        assert app.store.cases() == []  # nothing half-done
        fill(form, path=str(ROOT / "models/examples/case-format.yaml"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WorkspaceScreen)
        assert len(app.store.cases()) == 1


# --- explanations, sources, items, judgements ---------------------------------------------


async def test_add_explanation_source_item_and_judgement(fixed: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        before = len(ws.session.events)

        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, forms.AddHypothesisForm)
        fill(app.screen, label="The family's account: the sibling grabs her")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # The earlier items are offered to weigh against it (DESIGN §2); skipped here.
        assert isinstance(app.screen, forms.WeighItemsForm)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is ws
        added = ws.session.events[-1]
        assert isinstance(added, m.HypothesisAdded)
        assert added.hypothesis.id == "family-account-sibling"
        assert added.who == "tester"

        await pilot.press("s")
        await pilot.pause()
        fill(app.screen, label="Health visitor", reliability="0.8")
        await pilot.press("ctrl+s")
        await settle(pilot)
        source = ws.session.events[-1]
        assert isinstance(source, m.SourceAdded)
        assert (source.source.id, source.source.reliability) == ("health-visitor", 0.8)

        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, entry.EvidenceForm)
        assert "Only the ratios" in str(form.query_one("#form-intro", Static).content)
        form.query_one("#source", Select).value = "health-visitor"
        fill(
            form,
            text="Health visitor saw a bruise on the forehead",
            observed="2026-03-19",
            like_accidental="likely",
            like_inflicted="0.3",
            like_other="realistic possibility",
        )
        await pilot.pause()
        assert hint(form, "like-accidental").startswith("= 0.65")
        await pilot.press("ctrl+s")
        await settle(pilot)
        item = ws.session.events[-1]
        assert isinstance(item, m.EvidenceRecorded)
        assert item.evidence.id == "e6"
        assert item.evidence.likelihood == {"accidental": 0.65, "inflicted": 0.3, "other": 0.45}
        assert item.evidence.entered["accidental"] == "likely"
        assert ws.query_one(EvidenceMatrix).get_row_index("e6") == 5

        # The judgement: quick entry, Enter from field to field.
        await pilot.press("j")
        await pilot.pause()
        assert isinstance(app.screen, entry.JudgementForm)
        for number in ("50", "30", "10", "5", "5"):
            await pilot.press(*number, "enter")
        await pilot.pause()
        await pilot.press(*"ok", "enter")
        await settle(pilot)
        assert app.screen is ws
        judgement = ws.session.events[-1]
        assert isinstance(judgement, m.JudgementRecorded)
        assert judgement.judgement.favoured == "accidental"
        assert judgement.judgement.ratings["accidental"] == pytest.approx(0.5)
        assert judgement.judgement.note == "ok"
        assert len(ws.session.events) == before + 4
        # Every event follows the last on the timeline.
        times = [e.at for e in ws.session.events]
        assert times == sorted(times)


async def test_reopening_shows_what_was_entered(fixed: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        await pilot.press("s")
        await pilot.pause()
        fill(app.screen, label="GP")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "gp" in ws.session.state.sources
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        assert "gp" in ws.session.state.sources
        assert ws.query_one("#sources-table", KeyedTable).get_row_index("gp") == 3


async def test_bad_input_is_refused_at_the_field_and_nothing_is_stored(fixed: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        before = len(ws.session.events)

        await pilot.press("h")
        await pilot.pause()
        form = app.screen
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form.query_one("#label").has_class("-error")
        assert "Give the explanation" in hint(form, "label")
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        fill(form, text="Something seen", like_accidental="1.4", like_other="0.2")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form.query_one("#like-accidental").has_class("-error")
        assert "outside (0, 1]" in hint(form, "like-accidental")

        fill(form, like_accidental="likly")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "did you mean 'likely'" in hint(form, "like-accidental")

        fill(form, like_accidental="likely", like_other="")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form.query_one("#like-other").has_class("-error")
        assert "catch-all" in hint(form, "like-other")
        assert not form.query_one("#like-accidental").has_class("-error")

        fill(form, like_other="0.3", observed="2027-01-01")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "future" in hint(form, "observed")
        # Esc on a half-typed item asks first; a second Esc discards it.
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form
        assert "Esc again" in str(form.query_one("#form-error", Static).content)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not form

        await pilot.press("s")
        await pilot.pause()
        fill(app.screen, label="GP", reliability="1.5")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "outside 0–1" in hint(app.screen, "reliability")
        await pilot.press("escape", "escape")
        await pilot.pause()

        await pilot.press("j")
        await pilot.pause()
        fill(app.screen, rating_accidental="70", rating_inflicted="lots")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.query_one("#rating-inflicted").has_class("-error")
        await pilot.press("escape", "escape")
        await pilot.pause()

        assert app.screen is ws
        assert len(ws.session.events) == before
    assert len(events_in_store(fixed, "fixed-case")) == before


async def test_why_did_this_move_and_retract_an_item(fixed: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        await pilot.press("1")
        matrix = ws.query_one(EvidenceMatrix)
        matrix.select_key("e2")
        await pilot.pause()
        # Enter on an item (or w) shows how it moved each belief.
        await pilot.press("enter")
        await pilot.pause()
        assert ws.query_one("#views").active == "why"
        movement = why_moved(ws.engine, "e2", "accidental")
        assert movement.ratios["inflicted"] == pytest.approx(0.65 / 0.15)
        assert movement.after["inflicted"] > movement.before["inflicted"]
        assert movement.before == pytest.approx(
            ws.engine.history[ws.state.items["e2"].step - 1].posterior
        )
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, forms.RetractItemForm)
        assert form.query_one("#item", Select).value == "e2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Give a reason" in hint(form, "reason")
        fill(form, reason="Duplicate of the nursery's report")
        await pilot.press("ctrl+s")
        await settle(pilot)
        item = ws.session.state.items["e2"]
        assert not item.live and item.retracted_reason == "Duplicate of the nursery's report"
        # Still listed, struck through.
        row = matrix.get_row("e2")
        assert "strike" in str(row[2].spans[-1].style) or "strike" in str(row[2].style)


async def test_rename_and_retire_an_explanation(fixed: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        table = ws.query_one("#explanations", KeyedTable)
        table.select_key("medical")
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        form = app.screen
        assert form.query_one("#label", Input).value == "Medical cause (a bleeding disorder)"
        fill(form, label="Medical cause (bleeding or bone disorder)")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(ws.session.events[-1], m.HypothesisRelabelled)
        assert ws.session.state.label("medical") == "Medical cause (bleeding or bone disorder)"

        await pilot.press("t")
        await pilot.pause()
        form = app.screen
        assert form.query_one("#hypothesis", Select).value == "medical"
        fill(form, reason="Clotting screen normal")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "medical" not in ws.session.state.live_hypotheses
        assert "medical" in ws.session.state.hypotheses  # never deleted
        assert table.get_row_index("medical") == 3  # listed last, retired


async def test_flags_jump_to_their_items_and_can_be_acknowledged(fixed: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        assert {f.id for f in ws.flags} == {"contrary-evidence", "conservatism"}
        await pilot.press("4")
        await pilot.pause()
        assert ws.query_one("#flags-table", KeyedTable).selected_key() == "contrary-evidence"
        # Selecting a driving item jumps to it in the evidence matrix.
        ws.query_one("#flag-items").focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        flag = ws.selected_flag()
        assert ws.query_one("#views").active == "evidence"
        assert ws.query_one(EvidenceMatrix).selected_key() == flag.evidence[0]
        assert ws.selected_item == flag.evidence[0]
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        form = app.screen
        assert form.query_one("#flag", Select).value == "contrary-evidence"
        fill(form, reason="Waiting for the skeletal survey")
        await pilot.press("enter")
        await settle(pilot)
        note = ws.session.events[-1]
        assert isinstance(note, m.NoteAdded)
        assert (note.note.kind, note.note.flag) == ("acknowledgement", "contrary-evidence")
        flag = next(f for f in ws.flags if f.id == "contrary-evidence")
        assert flag.acknowledged


async def test_raise_and_answer_an_enquiry(fixed: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        fill(form, text="Ask the GP about earlier injuries", p_accidental="1")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "never certain" in hint(form, "p-accidental")
        fill(form, p_accidental="unlikely", p_inflicted="0.6")
        await pilot.press("ctrl+s")
        await settle(pilot)
        raised = ws.session.events[-1]
        assert isinstance(raised, m.EnquiryRaised)
        assert raised.enquiry.id == "q3"
        assert raised.enquiry.likelihood == {"accidental": 0.3, "inflicted": 0.6}
        assert [v.id for v in ws.change.enquiries][:1]  # ranked

        await pilot.press("5")
        await pilot.pause()
        ws.query_one("#enquiries-table", KeyedTable).select_key("q2")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, entry.AnswerEnquiryForm)
        assert form.query_one("#enquiry", Select).value == "q2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "positive or negative" in hint(form, "result")
        form.query_one("#result", Select).value = "negative"
        form.query_one("#source", Select).value = "paediatrics"
        await pilot.press("ctrl+s")
        await settle(pilot)
        answer = ws.session.events[-1]
        assert isinstance(answer, m.EvidenceRecorded)
        assert answer.evidence.answers == m.Answer(enquiry="q2", result="negative")
        assert answer.evidence.likelihood == pytest.approx(
            {"accidental": 0.97, "inflicted": 0.7, "medical": 0.9, "other": 0.9}
        )
        assert answer.evidence.source == "paediatrics"
        assert "q2" not in [v.id for v in ws.change.enquiries]


# --- palette, help, errors ----------------------------------------------------------------


async def test_palette_and_help_list_every_action(fixed: Path) -> None:
    from hypotrack.tui.commands import CaseCommands

    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        provider = CaseCommands(ws)
        names = [hit.text async for hit in provider.discover()]
        for wanted in (
            "case: add an explanation",
            "evidence: add an item",
            "evidence: retract an item",
            "case: record my judgement",
            "flags: acknowledge a flag",
            "view: evidence",
            "view: why did this move?",
        ):
            assert wanted in names
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        listed = [a.action for _, actions in app.screen.sections for a in actions]
        assert "add_item" in listed and "help" in listed and "save" in listed
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is ws
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"source")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, forms.AddSourceForm)


def test_every_binding_has_a_description() -> None:
    from hypotrack.tui.screens.error import ErrorScreen
    from hypotrack.tui.screens.forms import FormScreen

    for cls in (HypotrackApp, StartScreen, WorkspaceScreen, FormScreen, HelpScreen, ErrorScreen):
        for binding in cls.BINDINGS:
            assert binding.description, (cls.__name__, binding)
            assert binding.id, (cls.__name__, binding)
    for cls in (StartScreen, WorkspaceScreen):
        for action in cls.ACTIONS:
            assert action.command.split(":")[0] in {
                "case",
                "evidence",
                "view",
                "flags",
                "enquiry",
                "app",
                "training",
            }


async def test_an_unexpected_error_opens_a_modal_not_a_dead_screen(
    fixed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)

        def broken(self: Any) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(forms.AddSourceForm, "build", broken)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ErrorScreen)
        # Where it failed and what kind of error, never a message that may quote case text.
        assert "builtins.RuntimeError (message withheld" in app.screen.text
        assert "RuntimeError: boom" not in app.screen.text and "broken" in app.screen.text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is ws and app.is_running


async def test_a_failing_reasoning_worker_is_reported(
    fixed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hypotrack.reasoning.api as api

    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)

        def broken(engine: Any) -> Any:
            raise ValueError("flags broke")

        monkeypatch.setattr(api, "flags", broken)
        ws.case_changed()
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert "ValueError (message withheld" in app.screen.text
        assert "ValueError: flags broke" not in app.screen.text


async def test_a_conflicting_writer_reloads_and_keeps_the_form(fixed: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        fill(form, label="GP")
        # Someone else writes to the case meanwhile.
        other = SqliteEventStore(fixed)
        elsewhere = CaseSession(other, "fixed-case")
        spec = m.SourceSpec(id="police", label="Police")
        elsewhere.append(
            m.SourceAdded(source=spec, at=editing.event_time(elsewhere.state), who="someone")
        )
        other.close()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "changed elsewhere" in str(form.query_one("#form-error", Static).content)
        assert "police" in ws.session.state.sources
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is ws
        assert "gp" in ws.session.state.sources


# --- start-up weight ----------------------------------------------------------------------


def _run(code: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_core_does_not_load_textual() -> None:
    result = _run(
        "import json, sys\n"
        "import hypotrack.domain.casefile, hypotrack.domain.state, hypotrack.reasoning.api\n"
        "import hypotrack.store.case, hypotrack.tui.editing\n"
        "print(json.dumps({'textual': 'textual' in sys.modules, 'pgmpy': 'pgmpy' in sys.modules}))"
    )
    assert result == {"textual": False, "pgmpy": False}


def test_starting_the_app_does_not_load_pgmpy(tmp_path: Path) -> None:
    result = _run(
        "import asyncio, json, os, sys\n"
        f"os.environ['HYPOTRACK_HOME'] = {str(tmp_path)!r}\n"
        "from hypotrack.tui.app import HypotrackApp\n"
        "from hypotrack.tui.screens.start import StartScreen\n"
        "async def main():\n"
        "    app = HypotrackApp()\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        await pilot.pause()\n"
        "        await app.workers.wait_for_complete()\n"
        "        assert isinstance(app.screen, StartScreen)\n"
        "        await pilot.press('d')\n"
        "        await pilot.pause()\n"
        "        await app.workers.wait_for_complete()\n"
        "        await pilot.pause()\n"
        "        return type(app.screen).__name__\n"
        "screen = asyncio.run(main())\n"
        "print(json.dumps({'screen': screen, 'pgmpy': 'pgmpy' in sys.modules}))"
    )
    assert result == {"screen": "WorkspaceScreen", "pgmpy": False}


# --- the rules behind the forms -----------------------------------------------------------


def test_event_time_never_goes_back() -> None:
    from hypotrack.domain.casefile import load_case_text
    from hypotrack.domain.state import fold
    from tests.apptest import FIXED_CASE

    state = fold(load_case_text(FIXED_CASE).events)
    assert editing.event_time(state) == FROZEN_NOW  # now is after the last event
    future = FROZEN_NOW.replace(year=2027)
    state.last_at = future
    assert (editing.event_time(state) - future).total_seconds() == 1


def test_slugs_and_ratings() -> None:
    assert editing.slugify("The family's account", {"family-account"}) == "family-account-2"
    assert editing.slugify("Injury at the childminder's") == "injury-childminder"
    assert editing.slugify("!!!", fallback="h") == "h"
    assert parse_ratings({"a": "70", "b": "20", "c": "10%"}) == pytest.approx(
        {"a": 0.7, "b": 0.2, "c": 0.1}
    )
    with pytest.raises(FieldError) as err:
        parse_ratings({"a": "0", "b": "0"})
    assert err.value.field == "rating-a"


async def test_the_same_fact_entered_twice_is_pointed_out(fixed: Path, notifications) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        first = ws.state.item_order[0]
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, entry.EvidenceForm)
        form.query_one("#source", Select).value = first.spec.source
        fill(form, text=first.spec.text + ".", like_accidental="likely", like_other="0.4")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is ws
        assert isinstance(ws.session.events[-1], m.EvidenceRecorded)
        warnings = [n for n in notifications if n.title == "Possibly the same fact twice"]
        assert warnings and first.id in warnings[0].message


async def test_a_new_explanation_offers_the_earlier_items_to_weigh(fixed: Path) -> None:
    app = HypotrackApp()
    async with app.run_test(size=SIZE) as pilot:
        ws = await open_fixed(pilot)
        await pilot.press("h")
        await pilot.pause()
        fill(app.screen, label="Rickets")
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, forms.WeighItemsForm)
        ids = [item.id for item in form.items]
        assert len(ids) >= 3
        # A bad term is refused at its field; nothing is stored.
        form.query_one(f"#item-{ids[0]}", Input).value = "probable"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "not a likelihood" in hint(form, f"item-{ids[0]}").lower()
        form.query_one(f"#item-{ids[0]}", Input).value = "likely"
        form.query_one(f"#item-{ids[1]}", Input).value = "Neutral"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is ws
        event = ws.session.events[-1]
        assert isinstance(event, m.EvidenceBackRated)
        assert event.hypothesis == "rickets"
        assert event.likelihood == {ids[0]: 0.65} and event.entered == {ids[0]: "likely"}
        assert event.neutral == [ids[1]]
        left = len(ids) - 2
        status = str(ws.query_one("#status", Static).content)
        assert f"not yet weighed against {left} earlier item" in status
        # b offers what is left.
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, forms.WeighItemsForm)
        assert [item.id for item in app.screen.items] == ids[2:]
