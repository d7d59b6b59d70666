"""A line filter that keeps control characters and bidi controls from reaching the terminal.

Textual draws text segments as they are: a case title holding ``ESC ] 52`` would set the
clipboard. Screens show such characters visibly (``clip``, the tables); this filter is the guard
behind them, applied to every line the app draws. It removes what is left rather than replacing
it, because those characters take no cells in the layout: removing them keeps every line the width
it was laid out at.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from hypotrack.domain.text import BIDI_CONTROLS

_DROP = dict.fromkeys([*range(0x20), 0x7F, *range(0x80, 0xA0), *map(ord, BIDI_CONTROLS)])


class TerminalSafeFilter(LineFilter):
    """Drop C0/C1 control characters and bidi controls from the text of every segment."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        out = []
        for segment in segments:
            text = segment.text
            if segment.control is None and not text.isprintable():
                segment = Segment(text.translate(_DROP), segment.style, segment.control)
            out.append(segment)
        return out
