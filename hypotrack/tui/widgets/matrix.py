"""The evidence matrix: items down, explanations across, each cell the item's likelihood.

Each cell is the yardstick term (or the number) and, against the favoured explanation ★, a
glyph: ▲ the item is at least twice as expected under this explanation as under ★ (it tells
against ★), ▼ at most half as expected (it supports ★). Colour repeats the glyph, never
replaces it. Retracted items stay, struck through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from hypotrack.domain import wording
from hypotrack.domain.state import CaseState, ItemState
from hypotrack.domain.wording import ratio_text
from hypotrack.domain.yardstick import describe
from hypotrack.reasoning.explain import bearing_on
from hypotrack.tui.widgets.render import AGAINST, FOR, clip, direction

MIN_TEXT = 16
SOURCE = 14
CELL = 10
BEARING = 15
# Below this width (an 80-column terminal) the fixed columns narrow to leave room for the text.
NARROW = 100

LEGEND = (
    "★ favoured · ▲ more than twice as expected as under ★ · ▼ less than half as expected · "
    "struck through: retracted\nOnly the ratios between an item's likelihoods matter: 'likely' against "
    "'unlikely' says the item is about twice as expected under the first."
)


def source_cell(
    state: CaseState, source: str, reliability: dict[str, float] | None, width: int = SOURCE
) -> Text:
    """The source's label; for a doubted source, the network's belief that it is reliable."""
    s = state.sources.get(source)
    if s is None:
        return Text(source)
    if s.reliability >= 1:
        return Text(clip(s.spec.label, width))
    text = Text(clip(s.spec.label, width - 5))
    net = reliability.get(source) if reliability else None
    shown = s.reliability if net is None else net
    text.append(" r" + f"{shown:.2f}".lstrip("0"), style="dim")
    return text


def likelihood_cell(item: ItemState, h: str, favoured: str | None) -> Text:
    value = item.of(h)
    rated = h in item.likelihood
    term = describe(value) if rated else "neutral"
    if favoured is None or h == favoured:
        return Text(f"  {term}", style="bold" if h == favoured else "")
    glyph, style = direction(value / item.of(favoured))
    text = Text(f"{glyph} ", style=f"bold {style}" if style else "")
    text.append(term, style=style if rated else "dim")
    return text


def bearing_cell(
    item: ItemState, favoured: str | None, posterior: dict[str, float], live: list[str]
) -> Text:
    if favoured is None or favoured not in live:
        return Text("")
    b = bearing_on(item, favoured, posterior, live)
    if b >= 2:
        return Text(f"for {ratio_text(b)}", style=f"bold {FOR}")
    if b <= 0.5:
        return Text(f"against {ratio_text(b)}", style=f"bold {AGAINST}")
    return Text("neutral", style="dim")


@dataclass(frozen=True)
class Column:
    key: str
    label: Text
    width: int


class EvidenceMatrix(ScrollView, can_focus=True):
    """Items down, live explanations across; a cursor row, the keys of a table.

    Built on Textual's line API rather than DataTable: only the rows on screen are ever drawn,
    so opening a 1,000-item case or saving an item in it costs the same as in a 10-item one.
    (DataTable measured and stored every one of the 18,000 cells of such a case and rebuilt
    them all twice per open and per save: about 0.5 s each time.) It posts DataTable's
    `RowHighlighted` and `RowSelected` messages, so screens treat it like their other tables.
    """

    DEFAULT_CSS = """
    EvidenceMatrix {
        height: 1fr;
    }
    EvidenceMatrix > .evidence-matrix--header {
        text-style: bold;
        background: $panel;
    }
    EvidenceMatrix > .evidence-matrix--cursor {
        background: $primary 20%;
    }
    EvidenceMatrix:focus > .evidence-matrix--cursor {
        background: $primary 40%;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES = {"evidence-matrix--header", "evidence-matrix--cursor"}
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "ends(0)", "First item", show=False),
        Binding("end", "ends(1)", "Last item", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True, init=False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._state: CaseState | None = None
        self._live: tuple[str, ...] = ()
        self._favoured: str | None = None
        self._posterior: dict[str, float] = {}
        self._reliability: dict[str, float] | None = None
        self._sources: dict[str, Text] = {}
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self._columns: list[Column] = []
        # Each row's strip as last drawn, with what it was drawn from (the item's identity,
        # retraction and likelihoods): a save keeps the rows already drawn.
        self._lines: dict[int, tuple[Any, Strip]] = {}
        self._drawn_from: Any = None

    # --- the table's API ------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    def selected_key(self) -> str | None:
        """The id of the item under the cursor, if any."""
        return self._keys[self.cursor_row] if 0 <= self.cursor_row < len(self._keys) else None

    def select_key(self, key: str | None) -> bool:
        """Put the cursor on an item; False if there is none with that id."""
        if key is None or key not in self._index:
            return False
        self.cursor_row = self._index[key]
        return True

    def get_row_index(self, key: str) -> int:
        return self._index[key]

    def get_row(self, key: str) -> list[Text]:
        """The cells of an item's row as drawn (the text of each column)."""
        return self.row_cells(key)

    # --- drawing --------------------------------------------------------------------------

    def show(
        self,
        state: CaseState,
        posterior: dict[str, float] | None,
        reliability: dict[str, float] | None,
        favoured: str | None,
    ) -> None:
        """Take the case and the network's latest reading; redraw what is on screen."""
        keep = self.selected_key()
        self._state = state
        self._live = tuple(state.live_hypotheses)
        self._favoured = favoured
        self._posterior = posterior or {}
        self._reliability = reliability
        if len(self._keys) != len(state.items):
            self._keys = list(state.items)
            self._index = {k: n for n, k in enumerate(self._keys)}
        self._layout()
        if not self.select_key(keep):
            self.cursor_row = min(self.cursor_row, max(0, len(self._keys) - 1))

    def _widths(self) -> tuple[int, int, int, int]:
        """(text minimum, source, likelihood cell, bearing) for the width on hand."""
        if (self.size.width or 120) < NARROW:
            # The text keeps a readable width; the columns beyond the window scroll into view.
            return MIN_TEXT + 6, 10, CELL, BEARING - 2
        return MIN_TEXT, SOURCE, CELL, BEARING

    def _layout(self) -> None:
        min_text, source, cell, bearing = self._widths()
        width = self.size.width or 120
        fixed = 5 + 7 + (source + 1) + (bearing + 1) + len(self._live) * (cell + 1)
        text = max(min_text, width - fixed - 1)
        columns = [
            Column("id", Text("Item"), 5),
            Column("observed", Text("When"), 7),
            Column("text", Text("What was seen or said"), text + 1),
            Column("source", Text("Source"), source + 1),
        ]
        for h in self._live:
            label = Text()
            if h == self._favoured:
                label.append("★", style="bold")
            label.append(clip(h, cell - 1 if h == self._favoured else cell))
            columns.append(Column(f"h:{h}", label, cell + 1))
        columns.append(Column("bearing", Text("On ★"), bearing + 1))
        self._columns = columns
        state = self._state
        if state is not None:
            self._sources = {
                s: source_cell(state, s, self._reliability, source) for s in state.sources
            }
        drawn_from = (
            id(state),
            tuple((c.key, c.label.plain, c.width) for c in columns),
            self._favoured,
            tuple(self._posterior.items()),
            tuple(self._reliability.items()) if self._reliability else None,
            tuple((s, t.plain) for s, t in self._sources.items()),
        )
        if drawn_from != self._drawn_from:
            self._drawn_from = drawn_from
            self._lines.clear()
        self.virtual_size = Size(sum(c.width for c in columns), len(self._keys) + 1)
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self._state is not None:
            self._layout()
        self._scroll_to_cursor()

    def row_cells(self, ident: str) -> list[Text]:
        """Every cell of an item's row, as the case and the network's reading now stand."""
        state = self._state
        assert state is not None
        item = state.items[ident]
        live, favoured = self._live, self._favoured
        source = self._sources.get(item.spec.source) or Text(item.spec.source)
        cells = [
            Text(item.id),
            Text(wording.day(item.spec.observed or item.recorded)),
            Text(clip(item.spec.text, 1_000)),
            source.copy(),
            *[likelihood_cell(item, h, favoured) for h in live],
            bearing_cell(item, favoured, self._posterior, list(live)),
        ]
        if not item.live:
            for cell in cells:
                cell.stylize("strike dim")
            cells[-1] = Text("retracted", style="dim italic")
        return cells

    def _row_text(self, cells: list[Text]) -> Text:
        line = Text(no_wrap=True, end="")
        for column, cell in zip(self._columns, cells, strict=False):
            padded = Text(" ").append_text(cell)
            padded.truncate(column.width, overflow="ellipsis", pad=True)
            line.append_text(padded)
        return line

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            cells = [c.label for c in self._columns]
            style = self.get_component_rich_style("evidence-matrix--header")
            return self._strip(self._row_text(cells), style, scroll_x, width)
        row = scroll_y + y - 1
        if row >= len(self._keys) or self._state is None:
            return Strip.blank(width, self.rich_style)
        item = self._state.items[self._keys[row]]
        made_from = (id(item), item.retracted_step, tuple(item.likelihood.items()))
        cached = self._lines.get(row)
        if cached is not None and cached[0] == made_from:
            base = cached[1]
        else:
            base = self._strip(self._row_text(self.row_cells(item.id)), Style(), 0, None)
            self._lines[row] = (made_from, base)
        strip = base.crop(scroll_x, scroll_x + width)
        if row == self.cursor_row:
            strip = strip.apply_style(self.get_component_rich_style("evidence-matrix--cursor"))
        return strip.extend_cell_length(width, self.rich_style).apply_style(self.rich_style)

    def _strip(self, text: Text, style: Style, scroll_x: int, width: int | None) -> Strip:
        segments = list(text.render(self.app.console))
        strip = Strip(segments).apply_style(style) if style else Strip(segments)
        if width is None:
            return strip
        return (
            strip.crop(scroll_x, scroll_x + width)
            .extend_cell_length(width, style)
            .apply_style(self.rich_style)
        )

    # --- the cursor -----------------------------------------------------------------------

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh()
        self._scroll_to_cursor()
        key = self.selected_key()
        if key is not None:
            self.post_message(DataTable.RowHighlighted(self, new, RowKey(key)))  # type: ignore[arg-type]

    def _scroll_to_cursor(self) -> None:
        rows = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + rows:
            self.scroll_to(y=self.cursor_row - rows + 1, animate=False)

    def _move(self, row: int) -> None:
        if self._keys:
            self.cursor_row = min(max(row, 0), len(self._keys) - 1)

    def action_cursor(self, step: int) -> None:
        self._move(self.cursor_row + step)

    def action_page(self, step: int) -> None:
        self._move(self.cursor_row + step * max(1, self.size.height - 2))

    def action_ends(self, last: int) -> None:
        self._move(len(self._keys) - 1 if last else 0)

    def action_select(self) -> None:
        key = self.selected_key()
        if key is not None:
            self.post_message(DataTable.RowSelected(self, self.cursor_row, RowKey(key)))  # type: ignore[arg-type]

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= 1:
            self._move(int(self.scroll_offset.y) + offset.y - 1)
