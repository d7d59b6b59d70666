"""Case text made safe for an HTML report (the Markdown renderer has its own, `markdown.md`)."""

from __future__ import annotations

from html import escape

from hypotrack.domain.text import terminal_safe


def e(text: object) -> str:
    """Case text, escaped for HTML (quotes too: some of it goes into attributes), with control
    characters shown and bidi controls neutralised (`domain.text.terminal_safe`)."""
    return escape(terminal_safe(text), quote=True)
