"""The keys, for the screen the person came from and for the whole app (? or F1)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from hypotrack.tui.actions import UserAction


class HelpScreen(ModalScreen[None]):
    """Every key of the calling screen and of the app, with what it does."""

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape,question_mark,f1,q", "dismiss", "Close help", id="close-help"),
    ]

    def __init__(self, sections: list[tuple[str, tuple[UserAction, ...]]], about: str = "") -> None:
        super().__init__()
        self.sections = sections
        self.about = about

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Label("Keys", id="help-title")
            with VerticalScroll(id="help-body"):
                if self.about:
                    yield Static(self.about, classes="help-about")
                for title, actions in self.sections:
                    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=True)
                    table.add_column("key", style="bold", width=14, no_wrap=True)
                    table.add_column("what", ratio=1)
                    for action in actions:
                        table.add_row(action.shown_keys, Text(action.help))
                    yield Label(title, classes="help-section")
                    yield Static(table)
            yield Label("Esc, ? or F1 to close · Ctrl+P lists every action by name", id="help-foot")
