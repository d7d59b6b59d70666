"""Small pieces of rich text the tables share: bars, percentages, severity and direction.

Colour never carries meaning alone (STYLE.md): a severity is a word and a glyph, a direction
is ▲ or ▼, and a bar's length is its value.
"""

from __future__ import annotations

from rich.text import Text

from hypotrack.domain.text import one_line
from hypotrack.domain.wording import DOWN, UP, percent_cell, severity_words

# Colours that read on dark and light themes alike.
NETWORK = "dodger_blue2"
WORKER = "dark_orange3"
AGAINST = "orange3"
FOR = "green4"
RED = "red3"
AMBER = "dark_orange"

SEVERITY_STYLE = {"red": f"bold {RED}", "amber": f"bold {AMBER}"}


def bar(p: float | None, width: int, style: str) -> Text:
    """A horizontal bar of `width` cells for a probability, with eighths for precision."""
    if p is None:
        return Text("·" * width, style="dim")
    p = min(max(p, 0.0), 1.0)
    eighths = round(p * width * 8)
    full, part = divmod(eighths, 8)
    blocks = "█" * full + ("" if part == 0 else " ▏▎▍▌▋▊▉"[part])
    text = Text()
    text.append(blocks, style=style)
    text.append("░" * (width - len(blocks)), style="dim")
    return text


def bar_with_pct(p: float | None, width: int, style: str) -> Text:
    text = bar(p, width, style)
    text.append(" " + percent_cell(p))
    return text


def severity(sev: str, acknowledged: bool = False) -> Text:
    """'‼ red' / '! amber', and '✓' when acknowledged: readable without colour."""
    text = Text(severity_words(sev), style=SEVERITY_STYLE.get(sev, "bold"))
    if acknowledged:
        text.append(" ✓ ack", style="dim")
    return text


def direction(r: float, threshold: float = 2.0) -> tuple[str, str]:
    """(glyph, style) for a ratio: ▲ above ×2, ▼ below ×½, blank between (non-diagnostic,
    DESIGN §4: a ratio in [½, 2] cannot tell the two explanations apart)."""
    if r > threshold:
        return UP, AGAINST
    if r < 1 / threshold:
        return DOWN, FOR
    return " ", ""


def clip(text: str, width: int) -> str:
    """Case text for a one-line place: line breaks folded, control characters shown, bidi
    controls neutralised (`domain.text.one_line`), clipped to `width`."""
    return one_line(" ".join(str(text).split()), width)
