"""The trainer's overview (DESIGN §6a): every stored run of every teaching case, and the cohort.

Two tables: per teaching case, how many runs there are and how many finished, with the mean
revision delay and the mean Brier score (the trainees' and the network's) over the finished
runs; and a row per run with its id, trainee, case, when it started, how far it has got and
its scores. An unfinished run shows no delay and no Brier score against the truth: they would
give the answer away. Enter on a run opens its debrief. The same rows as
`hypotrack train --summary [--json]`.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Static

from hypotrack.domain import wording
from hypotrack.tui.actions import UserAction, bindings
from hypotrack.tui.errors import Guarded
from hypotrack.tui.widgets.render import clip
from hypotrack.tui.widgets.tables import KeyedTable

OVERVIEW_ACTIONS: tuple[UserAction, ...] = (
    UserAction("open", "enter", "Debrief", "training: debrief the highlighted run",
               "Open the debrief of the highlighted run", key_display="Enter"),
    UserAction("refresh", "f5", "Refresh", "training: read the runs again",
               "Read the stored runs again", show=False),
    UserAction("back", "escape", "Back", "training: back to the teaching cases",
               "Back to the teaching cases"),
)  # fmt: skip

OVERVIEW_ABOUT = (
    "The trainer's overview: every stored run of every teaching case. The first table is the "
    "cohort per teaching case (means over finished runs); the second lists each run. An "
    "unfinished run shows no delay or Brier score against the truth. Enter opens a run's "
    "debrief. 'hypotrack train --summary [--json]' prints the same rows."
)


class OverviewRead(Message):
    """The runs were read and debriefed."""

    def __init__(self, rows: list[dict[str, Any]], cohort: list[dict[str, Any]]) -> None:
        super().__init__()
        self.rows = rows
        self.cohort = cohort


def _num(value: float | None, fmt: str = "{:.3f}") -> str:
    return "—" if value is None else fmt.format(value)


def revised_words(row: dict[str, Any]) -> str:
    """'item 5', 'never' (finished), 'not yet' (unfinished) or '—' (nothing judged)."""
    if row["revised_at"] is not None:
        return f"item {row['revised_at']}"
    if not row["judgements"]:
        return "—"
    return "never" if row["finished"] else "not yet"


def status_short(row: dict[str, Any]) -> str:
    """'done', 'new' (nothing judged) or '4/11' (items judged of the case's)."""
    if row["finished"]:
        return "done"
    if not row["judgements"]:
        return "new"
    total = "?" if row["items_total"] is None else row["items_total"]
    return f"{row['judgements']}/{total}"


class TrainingOverviewScreen(Guarded, Screen[None]):
    """The cohort per teaching case and every stored run."""

    CSS_PATH = "training.tcss"
    ACTIONS = OVERVIEW_ACTIONS
    BINDINGS = bindings(OVERVIEW_ACTIONS)
    HELP_ABOUT = OVERVIEW_ABOUT

    def __init__(self, titles: dict[str, str] | None = None) -> None:
        super().__init__()
        self.titles = titles or {}  # teaching case id -> the picker's short name

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="overview"):
            yield Label("Cohort by teaching case (means over finished runs)", classes="section")
            yield KeyedTable(id="cohort")
            yield Label("Every run", classes="section")
            yield KeyedTable(id="all-runs")
            yield Static("Reading the runs…", id="overview-note")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "hypotrack — training overview"
        self.sub_title = "every run of every teaching case"
        cohort = self.query_one("#cohort", KeyedTable)
        for label, key, width in (
            ("Teaching case", "case", 28),
            ("Runs", "runs", 4),
            ("Done", "finished", 4),
            ("Mean delay", "delay", 10),
            ("Brier", "brier", 5),
            ("Net", "net", 5),
        ):
            cohort.add_column(label, key=key, width=width)
        runs = self.query_one("#all-runs", KeyedTable)
        # Fits 80 columns: the date only (the command line gives the time), status in short form.
        for label, key, width in (
            ("Run", "run", 20),
            ("Trainee", "trainee", 10),
            ("Started", "started", 10),
            ("Status", "status", 7),
            ("Revised", "revised", 12),
            ("Brier", "brier", 5),
        ):
            runs.add_column(label, key=key, width=width)
        runs.focus()
        self.read()

    @work(thread=True, exclusive=True, group="training-overview", exit_on_error=False)
    def read(self) -> None:
        from hypotrack.reasoning.training import cohort
        from hypotrack.services.training import overview

        store = getattr(self.app, "store", None)
        rows = overview(store) if store is not None else []
        self.post_message(OverviewRead(rows, cohort(rows)))

    def case_name(self, case: str | None) -> str:
        return self.titles.get(case or "", case or "?")

    def on_overview_read(self, message: OverviewRead) -> None:
        cohort = self.query_one("#cohort", KeyedTable)
        cohort.clear()
        for c in message.cohort:
            cohort.add_row(
                clip(self.case_name(c["case"]), 28),
                str(c["runs"]),
                str(c["finished"]),
                _num(c["mean_revision_delay"], "{:+.1f}"),
                _num(c["mean_brier"], "{:.2f}"),
                _num(c["mean_brier_network"], "{:.2f}"),
                key=c["case"] or "?",
            )
        runs = self.query_one("#all-runs", KeyedTable)
        keep = runs.selected_key()
        runs.clear()
        for r in message.rows:
            revised = revised_words(r)
            if r["revision_delay"] is not None:
                revised += f" ({r['revision_delay']:+d})"
            runs.add_row(
                clip(r["run"], 20),
                clip(r["trainee"] or "?", 10),
                wording.day_year(wording.from_iso(r["started"])),
                status_short(r),
                revised,
                _num(r["brier"], "{:.2f}"),
                key=r["run"],
            )
        runs.select_key(keep)
        note = (
            "Status: done, new (nothing judged) or items judged of the case's. Revised: the item "
            "where the trainee's favourite changed, with the delay after the author's revision "
            "point (negative: early). Brier: 0 is certain and right; Net: the network's own Brier "
            "score on the same items. Unfinished runs show no delay and no Brier score. Dates are "
            "UTC. Enter: the run's debrief."
            if message.rows
            else "No runs stored yet."
        )
        self.query_one("#overview-note", Static).update(Text(note, style="dim"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "all-runs" and event.row_key.value is not None:
            self.open_run(str(event.row_key.value))

    def open_run(self, run_id: str) -> None:
        from hypotrack.store.case import load_case_events
        from hypotrack.tui.screens.training_debrief import DebriefScreen

        store = getattr(self.app, "store", None)
        if store is None:
            return
        self.app.push_screen(DebriefScreen(load_case_events(store, run_id)))

    def action_open(self) -> None:
        key = self.query_one("#all-runs", KeyedTable).selected_key()
        if key is None:
            self.notify("No run is highlighted.", title="No run")
            return
        self.open_run(key)

    def action_refresh(self) -> None:
        self.read()

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_screen_resume(self) -> None:
        self.read()
