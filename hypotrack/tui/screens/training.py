"""Training mode (DESIGN §6a): pick a teaching case, play it item by item, then the debrief.

`hypotrack train [CASE]` starts the app here. The picker lists the teaching cases (shipped in
`models/teaching`, or imported into the store) and the runs already stored; the trainee gives a
name and plays (`training_play.py`), and the debrief follows (`training_debrief.py`). The run is
stored as it goes (`services/training.py`): one append per revealed event and per judgement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Footer, Header, Input, Label, Static

from hypotrack.domain.errors import FieldError
from hypotrack.tui import editing
from hypotrack.tui.actions import UserAction, bindings
from hypotrack.tui.errors import Guarded
from hypotrack.tui.screens.training_play import TrainingScreen
from hypotrack.tui.widgets.render import clip
from hypotrack.tui.widgets.tables import KeyedTable

if TYPE_CHECKING:
    from hypotrack.services.training import RunSummary, TeachingChoice

NAME_MAX = 60


# --- opening training mode ----------------------------------------------------------------


def open_training(app: App[Any], ref: str = "", coach: bool = False) -> None:
    """Start training mode on `ref`: '' for the picker, a teaching case to play (after the
    trainee's name), or a stored run (its debrief, or the play where it stopped)."""
    from hypotrack.services.training import stored_run

    store = getattr(app, "store", None)
    picker = TrainingPickerScreen(preselect=ref or None, coach=coach)
    app.push_screen(picker)
    if not ref or store is None:
        return
    try:
        run_events = stored_run(ref, store)
    except Exception as exc:  # a damaged store: say so, and stay on the picker
        app.notify(str(exc), title=f"Cannot read {ref}", severity="error", timeout=10)
        return
    if run_events is not None:
        picker.call_after_refresh(picker.open_run, ref)


# --- messages -----------------------------------------------------------------------------


class TrainingListed(Message):
    """The teaching cases and the stored runs were read."""

    def __init__(
        self, choices: list[TeachingChoice], runs: list[RunSummary], problems: list[str]
    ) -> None:
        super().__init__()
        self.choices = choices
        self.runs = runs
        self.problems = problems


# --- the picker ---------------------------------------------------------------------------

PICKER_ACTIONS: tuple[UserAction, ...] = (
    UserAction("start", "enter", "Play / open", "training: play the highlighted teaching case",
               "Play the highlighted teaching case (after your name); on a stored run, open it",
               key_display="Enter"),
    UserAction("name", "n", "Name", "training: give the trainee's name",
               "Move to the name field: the name goes on the run"),
    UserAction("toggle_coach", "c", "Coach", "training: coach mode on or off",
               "Coach mode: show the network's beliefs and the flags live during play"),
    UserAction("debrief", "d", "Debrief", "training: debrief the highlighted stored run",
               "Open the debrief of the highlighted stored run"),
    UserAction("overview", "v", "Overview", "training: the trainer's overview of every run",
               "Every run of every teaching case, and the cohort per case (mean delay, Brier)"),
    UserAction("refresh", "f5", "Refresh", "training: read the cases and runs again",
               "Read the teaching cases and the stored runs again", show=False),
    UserAction("leave", "escape,q", "Quit", "training: leave training mode",
               "Leave training mode (every run is already stored)", key_display="Esc"),
)  # fmt: skip

PICKER_ABOUT = (
    "Training mode: a teaching case is a composite with no real family. Its evidence is "
    "released one item at a time; after each you rate every explanation. The network's reading "
    "and the flags stay hidden until the debrief (coach mode shows them as you go). Every run is "
    "stored as a case of kind 'training', so it can be replayed, exported and debriefed later."
)


def coach_label(enabled: bool) -> str:
    """The checkbox says on or off in words: its mark alone shows it only by colour."""
    return f"Coach mode: {'on ' if enabled else 'off'} (c)"


class TrainingPickerScreen(Guarded, Screen[None]):
    """The teaching cases to play, the trainee's name, coach mode, and the stored runs."""

    CSS_PATH = "training.tcss"
    ACTIONS = PICKER_ACTIONS
    BINDINGS = bindings(PICKER_ACTIONS)
    HELP_ABOUT = PICKER_ABOUT

    def __init__(self, preselect: str | None = None, coach: bool = False) -> None:
        super().__init__()
        self.preselect = preselect
        self.coach_start = coach
        self.choices: dict[str, Any] = {}
        self.runs: dict[str, Any] = {}
        self.listed = False
        self.focus_runs = False  # after a run or a debrief: the stored runs take the focus

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="picker"):
            yield Static(PICKER_ABOUT, id="picker-about")
            yield Label("Teaching cases", classes="section")
            yield KeyedTable(id="teaching")
            yield Static("", id="teaching-detail")
            with Horizontal(id="trainee-row"):
                yield Label("Your name", id="trainee-label")
                yield Input(
                    placeholder="as it should appear in the debrief",
                    id="trainee",
                    max_length=NAME_MAX,
                )
                yield Checkbox(coach_label(self.coach_start), value=self.coach_start, id="coach")
            yield Static("", id="trainee-hint", classes="hint")
            yield Label("Stored runs", classes="section")
            yield KeyedTable(id="runs")
            yield Static("Reading the teaching cases…", id="runs-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "hypotrack — training"
        self.sub_title = "choose a teaching case"
        cases = self.query_one("#teaching", KeyedTable)
        cases.add_column("Teaching case", key="name", width=28)
        cases.add_column("Title", key="title", width=40)
        cases.add_column("Theme", key="theme", width=30)
        cases.add_column("Items", key="items", width=5)
        cases.add_column("Runs", key="runs", width=4)
        runs = self.query_one("#runs", KeyedTable)
        runs.add_column("Run", key="run", width=54)
        runs.add_column("Trainee", key="trainee", width=20)
        runs.add_column("Progress", key="progress", width=24)
        cases.focus()
        self.list_training()

    @work(thread=True, exclusive=True, group="training-list", exit_on_error=False)
    def list_training(self) -> None:
        """The teaching cases (each file is validated) and the stored runs: a thread worker."""
        from hypotrack.services.training import stored_runs, teaching_choices

        store = getattr(self.app, "store", None)
        choices, problems = teaching_choices(store)
        runs = stored_runs(store) if store is not None else []
        self.post_message(TrainingListed(choices, runs, problems))

    def on_training_listed(self, message: TrainingListed) -> None:
        cases = self.query_one("#teaching", KeyedTable)
        keep = cases.selected_key()
        cases.clear()
        self.choices = {c.name: c for c in message.choices}
        for c in message.choices:
            cases.add_row(
                c.name,
                clip(c.title.replace(" (teaching case)", ""), 40),
                clip(c.theme or ("in the store" if c.path is None else "—"), 30),
                str(c.items),
                str(c.runs) if c.runs else Text("—", style="dim"),
                key=c.name,
            )
        first_listing = not self.listed
        self.listed = True
        if first_listing and self.preselect:
            wanted = self._choice_for(self.preselect)
            if wanted is not None:
                cases.select_key(wanted)
                self.query_one("#trainee", Input).focus()
                self.hint(f"Playing '{wanted}': give your name and press Enter.")
            elif self.preselect not in {r.run_id for r in message.runs}:
                self.notify(
                    f"No teaching case '{self.preselect}'. Choose one from the list.",
                    title="Unknown teaching case",
                    severity="error",
                    timeout=10,
                )
        else:
            cases.select_key(keep)
        self.show_detail(cases.selected_key() or "")
        for problem in message.problems:
            self.notify(problem, title="A teaching case does not load", severity="warning")
        self.show_runs(message.runs)
        if self.focus_runs and message.runs:
            self.focus_runs = False
            self.query_one("#runs", KeyedTable).focus()

    def _choice_for(self, ref: str) -> str | None:
        if ref in self.choices:
            return ref
        for name, choice in self.choices.items():
            if choice.case_id == ref:
                return name
        return None

    def show_runs(self, runs: list[RunSummary]) -> None:
        table = self.query_one("#runs", KeyedTable)
        keep = table.selected_key()
        table.clear()
        self.runs = {r.run_id: r for r in runs}
        for r in runs:
            if r.finished:
                progress = Text(f"✓ finished, {r.judgements} items")
            elif r.total is None:
                progress = Text(f"{r.judgements} items judged")
            else:
                progress = Text(f"◐ {r.judgements} of {r.total} items judged")
            table.add_row(clip(r.run_id, 54), clip(r.trainee, 20), progress, key=r.run_id)
        table.select_key(keep)
        self.query_one("#runs-empty", Static).update(
            Text(
                "Enter on a run: its debrief (or carry on where it stopped) · d debrief"
                if runs
                else "No runs stored yet.",
                style="dim",
            )
        )

    # --- the name ------------------------------------------------------------------------

    def hint(self, text: str, error: bool = False) -> None:
        hint = self.query_one("#trainee-hint", Static)
        hint.update(("⚠ " if error else "") + text)
        hint.set_class(error, "-error")
        self.query_one("#trainee", Input).set_class(error, "-error")

    def trainee(self) -> str:
        """The name given, or FieldError."""
        name = " ".join(self.query_one("#trainee", Input).value.split())
        if not name:
            raise FieldError("trainee", "Give your name first: it goes on the run for the debrief.")
        return name

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "trainee" and event.input.has_class("-error"):
            self.hint("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "trainee":
            event.stop()
            self.play(self.query_one("#teaching", KeyedTable).selected_key())

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "teaching" and event.row_key.value is not None:
            self.show_detail(str(event.row_key.value))

    def show_detail(self, name: str) -> None:
        choice = self.choices.get(name)
        if choice is None:
            return
        text = Text()
        text.append(choice.title, style="bold")
        if choice.theme:
            text.append(f" — {choice.theme}")
        runs = (
            f"{choice.runs} run{'s' if choice.runs != 1 else ''} stored"
            if choice.runs
            else "no runs yet"
        )
        text.append(f"\n{choice.items} items · {runs} · ", style="dim")
        text.append("Enter plays it (after your name)", style="dim")
        self.query_one("#teaching-detail", Static).update(text)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = coach_label(event.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key is None:
            return
        if event.data_table.id == "teaching":
            self.play(str(key))
        elif event.data_table.id == "runs":
            self.open_run(str(key))

    # --- playing and opening runs --------------------------------------------------------

    @property
    def coach(self) -> bool:
        return self.query_one("#coach", Checkbox).value

    def play(self, name: str | None) -> None:
        """Start a new run of a teaching case (the name first)."""
        from hypotrack.services.training import (
            StoredRun,
            TrainingLookupError,
            find_teaching,
        )
        from hypotrack.store.base import StoreError

        if name is None:
            self.notify("There is no teaching case to play.", title="No case")
            return
        try:
            trainee = self.trainee()
        except FieldError as exc:
            self.hint(exc.message, error=True)
            self.query_one("#trainee", Input).focus()
            return
        store = getattr(self.app, "store", None)
        if store is None:
            self.notify(
                "Without a store the run cannot be kept.", title="No store", severity="error"
            )
            return
        try:
            events = find_teaching(name, store)
            if not any(e.kind == "evidence-recorded" for e in events):
                self.notify(f"'{name}' has no evidence items to play.", title="Nothing to play")
                return
            stored = StoredRun.start(store, events, trainee, editing.clock())
        except TrainingLookupError as exc:
            self.notify(str(exc), title="Unknown teaching case", severity="error")
            return
        except StoreError as exc:
            self.notify(str(exc), title="Could not start the run", severity="error", timeout=10)
            return
        self.hint("")
        # The next run is someone else's until they say otherwise: the name is asked afresh.
        self.query_one("#trainee", Input).value = ""
        self.app.push_screen(TrainingScreen(stored, coach=self.coach))

    def open_run(self, run_id: str) -> None:
        """A stored run: carry on where it stopped, or its debrief when it is complete."""
        from hypotrack.services.training import (
            StoredRun,
            TrainingLookupError,
            find_teaching,
            stored_run,
        )

        store = getattr(self.app, "store", None)
        events = stored_run(run_id, store)
        if events is None:
            self.notify(f"There is no stored run '{run_id}'.", title="No such run")
            return
        info = events[0].case
        try:
            teaching = find_teaching(info.based_on or "", store)
        except TrainingLookupError:
            self.notify(
                f"The teaching case '{info.based_on}' is no longer available: showing the run's "
                "debrief as it stands.",
                title="Cannot carry on",
            )
            self.show_debrief(run_id)
            return
        stored = StoredRun.resume(store, events, teaching, editing.clock())
        if stored.complete:
            self.show_debrief(run_id)
            return
        self.notify(
            f"Carrying on {info.trainee or 'the'}'s run from item {stored.run.items_shown}.",
            title="Run resumed",
        )
        self.app.push_screen(TrainingScreen(stored, coach=self.coach))

    def show_debrief(self, run_id: str) -> None:
        from hypotrack.store.case import load_case_events
        from hypotrack.tui.screens.training_debrief import DebriefScreen

        events = load_case_events(self.app.store, run_id)  # type: ignore[attr-defined]
        self.app.push_screen(DebriefScreen(events))

    # --- actions -------------------------------------------------------------------------

    def action_start(self) -> None:
        focused = self.focused
        if isinstance(focused, KeyedTable) and focused.id == "runs":
            key = focused.selected_key()
            if key is not None:
                self.open_run(key)
            return
        self.play(self.query_one("#teaching", KeyedTable).selected_key())

    def action_name(self) -> None:
        self.query_one("#trainee", Input).focus()

    def action_toggle_coach(self) -> None:
        box = self.query_one("#coach", Checkbox)
        box.value = not box.value
        self.notify(
            "Coach mode on: the network and the flags show during play."
            if box.value
            else "Coach mode off: the network and the flags wait for the debrief.",
            title="Coach mode",
            timeout=3,
        )

    def action_debrief(self) -> None:
        key = self.query_one("#runs", KeyedTable).selected_key()
        if key is None:
            self.notify("No stored run is highlighted.", title="No run")
            return
        self.show_debrief(key)

    def action_overview(self) -> None:
        from hypotrack.tui.screens.training_overview import TrainingOverviewScreen

        titles = {c.case_id: c.name for c in self.choices.values()}
        self.app.push_screen(TrainingOverviewScreen(titles))

    def action_refresh(self) -> None:
        self.list_training()

    def action_leave(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()

    def on_screen_resume(self) -> None:
        """Back from a run or a debrief: the runs changed. The focus goes to the stored runs (the
        name field is empty again, and d or Enter there acts on a run, not on the name)."""
        if self.listed:
            self.focus_runs = True
            self.list_training()
