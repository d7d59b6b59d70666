"""What the command line prints goes through a stream that keeps case text from steering the terminal."""

from __future__ import annotations

from typing import Any


class SafeStream:
    """A text stream that shows control characters visibly and neutralises bidi controls.

    Everything the command line prints goes through one (stdout and stderr), so no string from a
    case can move the cursor, set the clipboard or the window title, or reorder a line.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from hypotrack.domain.text import terminal_safe

        self._stream.write(terminal_safe(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
