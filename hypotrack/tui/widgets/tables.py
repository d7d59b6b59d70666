"""A DataTable that keeps its cursor on the same row (by key) when it is redrawn."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from hypotrack.domain.text import terminal_safe


class KeyedTable(DataTable):
    """Rows keyed by the id of what they show; `select_key` puts the cursor back on an id."""

    # A light cursor: the cells' own colours (bars, glyphs, severities) stay readable under it.
    DEFAULT_CSS = """
    KeyedTable > .datatable--cursor {
        background: $primary 20%;
    }
    KeyedTable:focus > .datatable--cursor {
        background: $primary 40%;
        text-style: bold;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        # Colours in cells carry meaning next to their glyphs (bars, ▲/▼, severity): keep them
        # under the cursor.
        kwargs.setdefault("cursor_foreground_priority", "renderable")
        super().__init__(**kwargs)

    def add_row(self, *cells: Any, **kwargs: Any) -> Any:
        """Add a row; a plain string cell is shown as text, never read as markup (case text can
        hold "[bold]" or a "[@click=…]" link), with its control characters shown."""
        # DataTable reads a str cell as Rich markup: escaped, it shows as written.
        safe = [escape(terminal_safe(c)) if isinstance(c, str) else c for c in cells]
        return super().add_row(*safe, **kwargs)

    def selected_key(self) -> str | None:
        """The key of the row under the cursor, if any."""
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return str(key.value) if key.value is not None else None

    def select_key(self, key: str | None) -> bool:
        """Put the cursor on the row with this key; False if there is none."""
        if key is None:
            return False
        try:
            index = self.get_row_index(key)
        except RowDoesNotExist:
            return False
        self.move_cursor(row=index, animate=False)
        return True
