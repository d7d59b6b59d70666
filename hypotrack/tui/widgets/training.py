"""A rating field built for speed: a trainee fills one in for every explanation a dozen times a case.

It takes only what a number is made of (digits, a point, a sign, %). A letter typed into it is
refused at the field (`RatingInput.Refused`, the screen says "numbers only") and never reaches
the screen's keys: a trainee typing "abc" by mistake must not toggle coach mode. The play
screen's own keys are therefore not letters (`*` the favoured explanation, F2 coach mode);
`?` still opens help. ↑/↓ move the rating by 5 (Shift: by 1).
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input

from hypotrack.domain.errors import FieldError
from hypotrack.domain.ratings import parse_rating

# What a rating may be typed with. A minus sign is let through so that "-5" can be refused at
# the field with a reason rather than vanish without one.
RATING_CHARS = r"[0-9.,%+\- ]*"


def format_rating(value: float) -> str:
    """A rating as the field shows it: 70, 12.5, 0.4 (no trailing zeros)."""
    if value >= 10:
        return f"{value:.0f}"
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text or "0"


def bumped(text: str, step: float) -> str:
    """The field's value moved by `step`, kept between 0 and 100 (an empty field counts as 0)."""
    try:
        value = parse_rating("", text) if text.strip() else 0.0
    except FieldError:
        value = 0.0
    return format_rating(min(100.0, max(0.0, value + step)))


class RatingInput(Input):
    """One explanation's rating: a compact number field that passes letters on as keys."""

    BINDINGS = [
        # Input's own Enter (submit), shown: the play screen records the judgement on it.
        Binding("enter", "submit", "Record", key_display="Enter", id="rating-record"),
        Binding("up", "bump(5)", "±5", key_display="↑↓", id="rating-up"),
        Binding("down", "bump(-5)", "-5", show=False, id="rating-down"),
        Binding("shift+up", "bump(1)", "+1", show=False, id="rating-up-1"),
        Binding("shift+down", "bump(-1)", "-1", show=False, id="rating-down-1"),
    ]

    DEFAULT_CSS = """
    RatingInput {
        width: 10;
    }
    """

    def __init__(self, hypothesis: str, value: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        kwargs.setdefault("placeholder", "0–100")
        super().__init__(value=value, restrict=RATING_CHARS, **kwargs)
        self.hypothesis = hypothesis

    class Refused(Message):
        """A letter was typed into a rating field: nothing was inserted, no key fired."""

        def __init__(self, field: RatingInput) -> None:
            super().__init__()
            self.field = field

    # The screen's keys that are printable but not part of a number: they pass through.
    SCREEN_CHARACTERS = frozenset("?*")

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """'?' and '*' are the screen's keys (help, favoured); every other printable key is
        the field's, so a letter can never fire a screen binding from here."""
        if character is not None and character in self.SCREEN_CHARACTERS:
            return False
        if character is not None and character.isprintable():
            return True
        return super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        character = event.character
        if character is not None and character in self.SCREEN_CHARACTERS:
            # Not ours: stop Input from inserting it, and let it bubble to the screen's bindings.
            event.prevent_default()
        elif character is not None and character.isprintable() and character.isalpha():
            # A letter: refused here, and stopped so that no screen binding sees it.
            event.prevent_default()
            event.stop()
            self.post_message(self.Refused(self))
        # Otherwise Input's own handler runs next (Textual calls each class's handler in turn).

    def action_bump(self, step: float) -> None:
        self.value = bumped(self.value, step)
        self.select_all()  # as after Tab: typing a number replaces the bumped one


class SteadyFooter(Footer):
    """A Footer that rebuilds only when the keys it shows change.

    Textual's Footer rebuilds all its keys on every focus change. On the play screen Tab moves
    between rating fields with the same keys a dozen times an item; skipping those rebuilds
    takes about a third off the cost of a Tab (measured with Pilot: ~60 ms of ~200 ms).
    """

    _shown: tuple[tuple[str, str, str, bool], ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        shown = tuple(
            (key, active.binding.action, active.binding.description, active.enabled)
            for key, active in screen.active_bindings.items()
            if active.binding.show
        )
        if self._bindings_ready and shown == self._shown:
            return
        self._shown = shown
        super().bindings_changed(screen)
