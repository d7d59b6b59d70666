"""The start screen: the cases in the store with their flags; open, new, import, demo.

It paints at once: the case list comes from a thread worker reading each case's digest, which
the store keeps with every change (`report.digest`; a case is reasoned over only when its digest
is missing or stale), and the workspace module (which brings the reasoning core) is imported
only when a case is opened. Training runs are a trainee's practice, not casework: they are
listed apart (`r` switches between the cases and the training runs).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header, Static

from hypotrack.domain import wording
from hypotrack.tui.actions import UserAction, bindings
from hypotrack.tui.errors import Guarded
from hypotrack.tui.messages import CasesListed
from hypotrack.tui.widgets.footer import AppFooter
from hypotrack.tui.widgets.render import RED, clip, severity
from hypotrack.tui.widgets.tables import KeyedTable

if TYPE_CHECKING:
    from hypotrack.domain import model as m

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
    UserAction("toggle_runs", "r", "Runs", "view: training runs / cases",
               "Switch the list between the cases and the training runs", show=False),
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
    """Open flags by severity, then the acknowledged ones apart (see `_flags_cell`); a damaged
    case says so instead."""
    if row.get("damaged"):
        return Text("✗ damaged", style=f"bold {RED}")
    opened, acked = row.get("open", {}), row.get("acknowledged", {})
    return _flags_cell(
        tuple(opened.get(s, 0) for s in ("red", "amber")),
        tuple(acked.get(s, 0) for s in ("red", "amber")),
    ).copy()


@lru_cache(maxsize=256)
def _flags_cell(opened: tuple[int, int], acked: tuple[int, int]) -> Text:
    """Open flags by severity, then the acknowledged ones apart: '! amber 2  ‼ red 1 ✓ ack'.

    An acknowledged flag keeps its own severity: a case holding an acknowledged red flag never
    reads as a case with only amber ones.
    """
    text = Text()
    for sev, n in zip(("red", "amber"), opened, strict=True):
        if n:
            text.append_text(severity(sev))
            text.append(f" {n}  ")
    for sev, n in zip(("red", "amber"), acked, strict=True):
        if n:
            ack = severity(sev)
            ack.stylize("dim")
            text.append_text(ack)
            text.append(f" {n} ✓ ack  ", style="dim")
    text.rstrip()
    return text if text.plain else Text("none", style="dim")


def when_cell(at_text: str, *, wide: bool = True) -> str:
    """The case's last event, as the case shows its times: '12 Feb 2026 10:15' (or the date)."""
    at = wording.from_iso(at_text)
    if at is None:
        return at_text or ""
    return wording.moment(at) if wide else wording.day_year(at)


class StartScreen(Guarded, Screen[None]):
    """The cases in the store."""

    CSS_PATH = "start.tcss"
    ACTIONS = ACTIONS
    BINDINGS = bindings(ACTIONS)
    HELP_ABOUT = WELCOME

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] | None = None
        self.showing_runs = False  # False: the cases (live, teaching); True: the training runs
        self.columns: list[tuple[str, str, int]] = []  # as the table has them now

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(WELCOME, id="welcome")
        yield KeyedTable(id="cases")
        yield Static("Reading the cases…", id="empty")
        yield AppFooter()

    def on_mount(self) -> None:
        self.title = "hypotrack"
        self.sub_title = "cases"
        table = self.query_one("#cases", KeyedTable)
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
        """Every case with its flags, from the digests the store keeps (a thread worker)."""
        from hypotrack.services.cases import case_list

        # On a team store, each row also says whether it changed since this person opened it.
        rows = case_list(self.app.store, unseen=True)  # type: ignore[attr-defined]
        self.post_message(CasesListed(rows))

    def on_cases_listed(self, message: CasesListed) -> None:
        self.rows = message.rows
        self.show_rows()

    def on_resize(self) -> None:
        if self.rows is not None:
            self.show_rows()

    def shown_rows(self) -> list[dict[str, Any]]:
        from hypotrack.services.cases import casework, training_runs

        rows = self.rows or []
        return training_runs(rows) if self.showing_runs else casework(rows)

    def show_rows(self) -> None:
        """Fill the table with the cases (or the training runs), fitted to the screen's width."""
        rows = self.shown_rows()
        table = self.query_one("#cases", KeyedTable)
        keep = table.selected_key()
        flags = [flags_cell(r) for r in rows]
        columns = self.fitted_columns(rows, flags)
        if columns != self.columns:
            table.clear(columns=True)
            for label, key, column_width in columns:
                table.add_column(label, key=key, width=column_width)
            self.columns = columns
        else:
            table.clear()
        for row, flag_text in zip(rows, flags, strict=True):
            self.add_case_row(table, row, flag_text)
        table.select_key(keep)
        table.display = bool(rows)
        # Height is auto, and a table given new columns measures itself only on its next idle:
        # lay the screen out again after that, or the table can stay 0 rows high.
        self.call_after_refresh(table.refresh, layout=True)
        if rows and self.app.screen is self:
            table.focus()
        self.sub_title = "training runs" if self.showing_runs else "cases"
        self.query_one("#empty", Static).update(self.below_table(rows))

    def fitted_columns(
        self, rows: list[dict[str, Any]], flags: list[Text]
    ) -> list[tuple[str, str, int]]:
        """(label, key, width) of each column for the terminal's width: the title gives way."""
        # Ids are never cut (a person types them on the command line); the title gives way.
        # The terminal's width: the screen's own size is not set yet when the first rows come in.
        width = self.app.size.width - 6  # the table's margins and scrollbar
        wide = width >= 110
        # A long id (a training run's) wraps onto a second line rather than losing its end.
        id_w = min(max([len(r["id"]) for r in rows] + [4]), max(24, width // 3))
        when_w = 17 if wide else 11
        flags_w = max([f.cell_len for f in flags] + [10])
        kind_w = 8 if wide else 0
        title_w = max(12, width - id_w - when_w - flags_w - kind_w - 2 * (5 if wide else 4))
        columns = [
            ("Run" if self.showing_runs else "Case", "id", id_w),
            ("Title", "title", title_w),
        ]
        if wide:
            columns.append(("Kind", "kind", kind_w))
        return columns + [("Last change", "changed", when_w), ("Flags", "flags", flags_w)]

    def add_case_row(self, table: KeyedTable, row: dict[str, Any], flag_text: Text) -> None:
        """One case's row, in the columns the table has now."""
        widths = {key: column_width for _, key, column_width in self.columns}
        id_w, title_w, wide = widths["id"], widths["title"], "kind" in widths
        ident = row["id"]
        lines = [ident[i : i + id_w] for i in range(0, len(ident), id_w)] or [""]
        title = clip(row["title"], title_w - 2 if row.get("unseen") else title_w)
        cells: list[Any] = ["\n".join(lines), f"● {title}" if row.get("unseen") else title]
        if wide:
            cells.append(row["kind"])
        cells += [when_cell(row["last_change"], wide=wide), flag_text]
        table.add_row(*cells, key=ident, height=len(lines) if len(lines) > 1 else 1)

    def below_table(self, rows: list[dict[str, Any]]) -> Text:
        """The line under the list: damaged cases and the keys, or what to do with none."""
        runs = sum(1 for r in self.rows or [] if r["kind"] == "training")
        if rows:
            other = (
                "r back to the cases"
                if self.showing_runs
                else (f"r training runs ({runs})" if runs else "")
            )
            hint = "Enter opens the highlighted " + ("run" if self.showing_runs else "case")
            hint += " · n new · i import · d worked example" + (f" · {other}" if other else "")
            if any(r.get("unseen") for r in rows):
                hint = "● changed since you last opened it · " + hint
            note = Text()
            for row in rows:
                if row.get("damaged"):
                    # Named, with the reason and what to do; every other case still opens.
                    note.append(f"✗ {clip(row['id'], 30)} is damaged: ", style=f"bold {RED}")
                    note.append(f"{row['damaged']['reason']}; {row['damaged']['advice']}.\n")
            note.append(hint, style="dim")
            return note
        if self.showing_runs:
            return Text("No training runs yet: t plays a teaching case · r back to the cases.")
        if runs:
            return Text(
                f"No cases yet, only training runs: r shows them ({runs}) · d n i to begin."
            )
        return self._first_run()

    def action_toggle_runs(self) -> None:
        self.showing_runs = not self.showing_runs
        if self.rows is not None:
            self.show_rows()

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

    def _create(self, events: list[m.Event]) -> str | None:
        """Store a whole case (all of it or nothing) and open it."""
        from hypotrack.domain.state import EventRejected
        from hypotrack.report.digest import import_case
        from hypotrack.store.base import CaseExists, StoreError

        case_id = events[0].case.id
        try:
            import_case(self.app.store, events)  # type: ignore[attr-defined]
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

    def cases_changed(self) -> None:
        """Someone recorded on a case (a team store): list the cases again."""
        if self.rows is not None:
            self.list_cases()

    def on_screen_resume(self) -> None:
        """Back from a case: its flags may have changed."""
        if self.rows is not None:
            self.list_cases()
