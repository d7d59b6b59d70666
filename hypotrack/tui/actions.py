"""Every user action in one table per screen: its key, its footer text, its palette entry.

A screen lists its actions once; the bindings, the command palette and the help screen are
all made from that list, so an action cannot have a key without a description or be missing
from the palette.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class UserAction:
    """One thing a person can do on a screen."""

    action: str  # the screen's action name (action_<name>)
    keys: str  # Textual key spec, e.g. "e" or "question_mark,f1"
    description: str  # short, for the footer
    command: str  # namespaced palette entry, e.g. "evidence: add an item"
    help: str  # one line for the palette and the help screen
    show: bool = True  # shown in the footer
    key_display: str | None = None
    ident: str | None = None  # the binding id; by default the action name

    @property
    def binding_id(self) -> str:
        return self.ident or self.action.replace("_", "-")

    def binding(self) -> Binding:
        return Binding(
            self.keys,
            self.action,
            self.description,
            show=self.show,
            key_display=self.key_display,
            id=self.binding_id,
        )

    @property
    def shown_keys(self) -> str:
        """Every key of the action, for the help screen (the footer shows `key_display`)."""
        return " / ".join(_key_name(k) for k in self.keys.split(","))


def _key_name(key: str) -> str:
    names = {"question_mark": "?", "escape": "Esc", "enter": "Enter", "tab": "Tab"}
    if key in names:
        return names[key]
    if re.fullmatch(r"f\d+", key):
        return key.upper()
    if key.startswith("ctrl+"):
        return "Ctrl+" + key[5:].upper()
    return key


def bindings(actions: tuple[UserAction, ...]) -> list[Binding]:
    return [a.binding() for a in actions]
