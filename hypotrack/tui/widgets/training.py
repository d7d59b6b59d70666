"""A rating field built for speed: a trainee fills one in for every explanation a dozen times a case.

It takes only what a number is made of (digits, a point, a sign, %). A letter typed into it is
refused at the field (`RatingInput.Refused`, the screen says "numbers only") and never reaches
the screen's keys: a trainee typing "abc" by mistake must not toggle coach mode. The play
screen's own keys are therefore not letters (`*` the favoured explanation, F2 coach mode);
`?` still opens help. ↑/↓ move the rating by 5 (Shift: by 1).
"""

from __future__ import annotations

import math
from typing import Any

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input

from hypotrack.tui.editing import FieldError

# What a rating may be typed with. A minus sign is let through so that "-5" can be refused at
# the field with a reason rather than vanish without one.
RATING_CHARS = r"[0-9.,%+\- ]*"


def read_ratings(values: dict[str, str]) -> dict[str, float]:
    """The fields' ratings, normalised to sum 1; FieldError (`rating-<id>`) says what to fix.

    The messages are short: they sit beside the field, on its one line.
    """
    numbers: dict[str, float] = {}
    for h, raw in values.items():
        field = f"rating-{h}"
        text = raw.strip().rstrip("%").strip().replace(",", ".")
        if not text:
            raise FieldError(field, "Give a number (0 rules it out).")
        try:
            number = float(text)
        except ValueError:
            raise FieldError(field, "Not a number: type e.g. 70.") from None
        if not math.isfinite(number):
            raise FieldError(field, "Not a number: type e.g. 70.")
        if number < 0:
            raise FieldError(field, "Cannot be negative: 0 rules it out.")
        numbers[h] = number
    total = sum(numbers.values())
    if total <= 0:
        first = next(iter(values), "")
        raise FieldError(f"rating-{first}", "All are 0: rate at least one above 0.")
    return {h: v / total for h, v in numbers.items()}


def preview(values: dict[str, str]) -> dict[str, float | None]:
    """Live percentages beside the fields; None where a field does not read as a rating."""
    numbers: dict[str, float | None] = {}
    for h, raw in values.items():
        try:
            v = float(raw.strip().rstrip("%").strip().replace(",", "."))
        except ValueError:
            v = None
        numbers[h] = v if v is not None and v >= 0 and math.isfinite(v) else None
    total = sum(v for v in numbers.values() if v is not None)
    return {h: (v / total if v is not None and total > 0 else None) for h, v in numbers.items()}


def format_rating(value: float) -> str:
    """A rating as the field shows it: 70, 12.5, 0.4 (no trailing zeros)."""
    if value >= 10:
        return f"{value:.0f}"
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text or "0"


def bumped(text: str, step: float) -> str:
    """The field's value moved by `step`, kept between 0 and 100 (an empty field counts as 0)."""
    cleaned = text.strip().rstrip("%").strip().replace(",", ".")
    try:
        value = float(cleaned) if cleaned else 0.0
    except ValueError:
        value = 0.0
    if not math.isfinite(value):
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
