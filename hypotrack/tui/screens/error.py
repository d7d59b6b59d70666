"""The third tier of errors: something unexpected, shown in full and copyable, never a dead screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea


class ErrorScreen(ModalScreen[None]):
    """A modal with the full text of an unexpected error, which the person can copy."""

    CSS_PATH = "error.tcss"
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="close-error"),
        Binding("c", "copy", "Copy the text", id="copy-error"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.error_title = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box"):
            yield Label(self.error_title, id="error-title")
            yield Static(
                "hypotrack met something it did not expect. Nothing half-done was stored, and "
                "you can carry on. Copy the text below (c) for whoever supports hypotrack: it may "
                "quote the case, so share it only where case notes may go.",
                id="error-intro",
            )
            yield TextArea(self.text, read_only=True, id="error-text", soft_wrap=False)
            with Horizontal(id="error-buttons"):
                yield Button("Copy  c", id="copy")
                yield Button("Close  Esc", variant="primary", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify("The error text is on the clipboard.", title="Copied")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss()
