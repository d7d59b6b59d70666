"""The start screen: the cases in the store with their open flags; open, new, import, demo.

It paints at once: the case list (which runs the reasoning over every case to count its flags)
comes from a thread worker, and the workspace module (which brings the reasoning core) is
imported only when a case is opened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from hypotrack.tui.actions import UserAction, bindings
from hypotrack.tui.errors import Guarded
from hypotrack.tui.messages import CasesListed
from hypotrack.tui.widgets.render import clip, severity
from hypotrack.tui.widgets.tables import KeyedTable

ACTIONS: tuple[UserAction, ...] = (
    UserAction("open_case", "enter,o", "Open", "case: open the highlighted case",
               "Open the highlighted case", key_display="Enter"),
    UserAction("new_case", "n", "New", "case: new case from a template",
               "Start a new case from a template"),
    UserAction("import_case", "i", "Import", "case: import a case file",
               "Import a case file (YAML) into the store"),
    UserAction("open_demo", "d", "Demo", "case: open the worked example",
               "Open the worked example (a composite case, no real family)"),
    UserAction("replay_case", "p", "Replay", "view: replay",
               "Replay the highlighted case step by step as it was known at each point"),
    UserAction("training", "t", "Training", "training: play a teaching case",
               "Training mode: play a teaching case item by item, then see the debrief",
               show=False),
    UserAction("refresh", "f5", "Refresh", "view: refresh the list of cases",
               "Read the store again (another window may have added a case)", show=False),
    UserAction("quit", "q", "Quit", "app: quit", "Quit hypotrack (everything is already saved)"),
)  # fmt: skip

WELCOME = (
    "hypotrack keeps several explanations of what is happening for a child open, weighs each "
    "piece of evidence against all of them, and tells you — pointing at the items — when your "
    "favoured explanation has stayed fixed while the evidence moved. It is not a risk score: "
    "every number comes from what you enter."
)


def flags_cell(row: dict[str, Any]) -> Text:
    open_flags, red = row.get("open_flags", 0), row.get("red_flags", 0)
    # An acknowledged red flag is counted apart, never as nothing (DESIGN §4).
    acked_red = row.get("acknowledged_red_flags", 0)
    if not open_flags and not acked_red:
        return Text("none", style="dim")
    text = Text()
    if red:
        text.append_text(severity("red"))
        text.append(f" {red}  ")
    if open_flags - red:
        text.append_text(severity("amber"))
        text.append(f" {open_flags - red}  ")
    if acked_red:
        text.append_text(severity("red", acknowledged=True))
        text.append(f" {acked_red}")
    text.rstrip()
    return text


def when_cell(written: str) -> str:
    try:
        at = datetime.fromisoformat(written)
    except (TypeError, ValueError):
        return written or ""
    if at.tzinfo is not None:
        at = at.astimezone()  # the store writes UTC; show the person's local time
    return f"{at.day} {at:%b %Y %H:%M}"


class StartScreen(Guarded, Screen[None]):
    """The cases in the store."""

    CSS_PATH = "start.tcss"
    ACTIONS = ACTIONS
    BINDINGS = bindings(ACTIONS)
    HELP_ABOUT = WELCOME

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(WELCOME, id="welcome")
        yield KeyedTable(id="cases")
        yield Static("Reading the cases…", id="empty")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "hypotrack"
        self.sub_title = "cases"
        table = self.query_one("#cases", KeyedTable)
        table.add_column("Case", key="id", width=26)
        table.add_column("Title", key="title", width=36)
        table.add_column("Kind", key="kind", width=8)
        table.add_column("Last change", key="changed", width=18)
        table.add_column("Open flags", key="flags", width=18)
        table.display = False
        table.focus()
        store_error = getattr(self.app, "store_error", None)
        if store_error:
            self.query_one("#empty", Static).update(
                Text(f"The store cannot be opened: {store_error}", style="bold red")
            )
            return
        self.list_cases()

    # --- the list -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="cases", exit_on_error=False)
    def list_cases(self) -> None:
        """Every case with its open flags (runs the reasoning over each: a thread worker)."""
        from hypotrack.store.case import case_rows

        self.post_message(CasesListed(case_rows(self.app.store)))  # type: ignore[attr-defined]

    def on_cases_listed(self, message: CasesListed) -> None:
        self.rows = message.rows
        table = self.query_one("#cases", KeyedTable)
        keep = table.selected_key()
        table.clear()
        for row in message.rows:
            table.add_row(
                clip(row["id"], 26),
                clip(row["title"], 36),
                row["kind"],
                when_cell(row["last_change"]),
                flags_cell(row),
                key=row["id"],
            )
        table.select_key(keep)
        table.display = bool(message.rows)
        if message.rows and self.app.screen is self:
            table.focus()
        empty = self.query_one("#empty", Static)
        if message.rows:
            empty.update(
                Text(
                    "Enter opens the highlighted case · n new · i import · d worked example",
                    style="dim",
                )
            )
        else:
            empty.update(self._first_run())

    def _first_run(self) -> Text:
        text = Text("Your store is empty.\n\n", style="bold")
        text.append("  d  ", style="bold reverse")
        text.append(
            "  open the worked example — bruising to an 8-month-old, a composite case in "
            "which the worker anchors on 'accidental' and a flag fires\n"
        )
        text.append("  n  ", style="bold reverse")
        text.append("  start a case from a template\n")
        text.append("  i  ", style="bold reverse")
        text.append("  import a case file")
        return text

    # --- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Without a store (it could not be opened) only help and quit make sense."""
        if getattr(self.app, "store", None) is None and action not in {"quit", "help"}:
            return False
        return True

    def on_data_table_row_selected(self, event: Any) -> None:
        """Enter on a case opens it."""
        if event.data_table.id == "cases" and event.row_key.value is not None:
            self.app.open_case(str(event.row_key.value))  # type: ignore[attr-defined]

    def action_refresh(self) -> None:
        self.list_cases()

    def action_open_case(self) -> None:
        key = self.query_one("#cases", KeyedTable).selected_key()
        if key is None:
            self.notify("There is no case to open yet: press d, n or i.", title="No case")
            return
        self.app.open_case(key)  # type: ignore[attr-defined]

    def action_replay_case(self) -> None:
        """The supervisor's replay of the highlighted case."""
        from hypotrack.domain.state import EventRejected
        from hypotrack.store.base import StoreError
        from hypotrack.store.case import CaseSession
        from hypotrack.tui.screens.replay import ReplayScreen

        key = self.query_one("#cases", KeyedTable).selected_key()
        if key is None:
            self.notify("There is no case to replay yet: press d, n or i.", title="No case")
            return
        try:
            session = CaseSession(self.app.store, key)  # type: ignore[attr-defined]
        except (StoreError, EventRejected, ValueError) as exc:
            self.notify(str(exc), title=f"Cannot replay case {key}", severity="error", timeout=10)
            return
        self.app.push_screen(ReplayScreen(session))

    def action_training(self) -> None:
        """The teaching-case picker of training mode."""
        from hypotrack.tui.screens.training import open_training

        open_training(self.app, "")

    def action_new_case(self) -> None:
        from hypotrack.resources import templates
        from hypotrack.tui.screens.case_forms import NewCaseForm

        found = templates()
        if not found:
            self.notify(
                "No templates were found in the installation.",
                title="No templates",
                severity="error",
            )
            return
        self.app.push_screen(NewCaseForm(found, self.app.store.has_case, self._create))  # type: ignore[attr-defined]

    def action_import_case(self) -> None:
        from hypotrack.tui.screens.case_forms import ImportForm

        self.app.push_screen(ImportForm(self._create))

    def _create(self, events: list[Any]) -> str | None:
        """Store a whole case (all of it or nothing) and open it."""
        from hypotrack.domain.state import EventRejected
        from hypotrack.store.base import CaseExists, StoreError
        from hypotrack.store.case import import_events

        case_id = events[0].case.id
        try:
            import_events(self.app.store, events)  # type: ignore[attr-defined]
        except CaseExists:
            return f"Not saved: there is already a case '{case_id}' in the store."
        except EventRejected as exc:
            return f"Not saved: {exc}."
        except StoreError as exc:
            self.notify(str(exc), title="Could not save", severity="error", timeout=10)
            return "Not saved: the store refused the case (see the notice)."
        self.call_after_refresh(self.app.open_case, case_id)  # type: ignore[attr-defined]
        return None

    def action_open_demo(self) -> None:
        from hypotrack.resources import demo_case, models_dir

        path = demo_case()
        if not path.exists():
            path = models_dir() / "examples" / "case-format.yaml"
        from hypotrack.domain.casefile import CaseFileError, load_case_file

        try:
            events = load_case_file(path).events
        except (CaseFileError, OSError) as exc:
            self.notify(str(exc), title="The worked example does not load", severity="error")
            return
        case_id = events[0].case.id
        if self.app.store.has_case(case_id):  # type: ignore[attr-defined]
            self.app.open_case(case_id)  # type: ignore[attr-defined]
            return
        problem = self._create(events)
        if problem:
            self.notify(problem, title="Could not open the worked example", severity="error")

    def action_quit(self) -> None:
        self.app.exit()

    def on_screen_resume(self) -> None:
        """Back from a case: its flags may have changed."""
        if self.rows is not None:
            self.list_cases()
