"""The evidence matrix: items down, explanations across, each cell the item's likelihood.

Each cell is the yardstick term (or the number) and, against the favoured explanation ★, a
glyph: ▲ the item is at least twice as expected under this explanation as under ★ (it tells
against ★), ▼ at most half as expected (it supports ★). Colour repeats the glyph, never
replaces it. Retracted items stay, struck through.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from hypotrack.domain.state import CaseState, ItemState
from hypotrack.domain.yardstick import describe
from hypotrack.tui.editing import bearing_on
from hypotrack.tui.widgets.render import AGAINST, FOR, clip, direction, ratio_text, short_date
from hypotrack.tui.widgets.tables import KeyedTable

MIN_TEXT = 16
SOURCE = 14
CELL = 10
BEARING = 15

LEGEND = (
    "★ favoured · ▲ more than twice as expected as under ★ · ▼ less than half as expected · "
    "struck through: retracted\nOnly the ratios between an item's likelihoods matter: 'likely' against "
    "'unlikely' says the item is about twice as expected under the first."
)


def source_cell(state: CaseState, source: str, reliability: dict[str, float] | None) -> Text:
    """The source's label; for a doubted source, the network's belief that it is reliable."""
    s = state.sources.get(source)
    if s is None:
        return Text(source)
    if s.reliability >= 1:
        return Text(clip(s.spec.label, SOURCE))
    text = Text(clip(s.spec.label, SOURCE - 5))
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


def _pad(text: Text) -> Text:
    """A leading space per cell: the table has no padding of its own, to fit more columns."""
    return Text(" ").append_text(text)


class EvidenceMatrix(KeyedTable):
    """Items down, live explanations across."""

    DEFAULT_CSS = """
    EvidenceMatrix {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cell_padding=0, **kwargs)
        self._last: tuple[Any, ...] | None = None

    def on_resize(self) -> None:
        if self._last is not None:
            self.show(*self._last)

    def text_width(self, hypotheses: int) -> int:
        """What is left for the item's text once the other columns have their width."""
        width = self.size.width or 120
        fixed = 5 + 7 + (SOURCE + 1) + (BEARING + 1) + hypotheses * (CELL + 1) + 2
        return max(MIN_TEXT, width - fixed - 1)

    def show(
        self,
        state: CaseState,
        posterior: dict[str, float] | None,
        reliability: dict[str, float] | None,
        favoured: str | None,
    ) -> None:
        self._last = (state, posterior, reliability, favoured)
        keep = self.selected_key()
        self.clear(columns=True)
        live = state.live_hypotheses
        text_width = self.text_width(len(live))
        self.add_column(" Item", key="id", width=5)
        self.add_column(" Rec'd", key="recorded", width=7)
        self.add_column(" What was seen or said", key="text", width=text_width + 1)
        self.add_column(" Source", key="source", width=SOURCE + 1)
        for h in live:
            header = Text(" ")
            if h == favoured:
                header.append("★", style="bold")
            header.append(clip(h, CELL - 1 if h == favoured else CELL))
            self.add_column(header, key=f"h:{h}", width=CELL + 1)
        self.add_column(" On ★", key="bearing", width=BEARING + 1)
        post = posterior or {}
        for item in state.items.values():
            cells = [
                Text(item.id),
                Text(short_date(item.recorded)),
                Text(clip(item.spec.text, text_width)),
                source_cell(state, item.spec.source, reliability),
                *[likelihood_cell(item, h, favoured) for h in live],
                bearing_cell(item, favoured, post, live),
            ]
            if not item.live:
                for cell in cells:
                    cell.stylize("strike dim")
                cells[-1] = Text("retracted", style="dim italic")
            self.add_row(*[_pad(c) for c in cells], key=item.id)
        self.select_key(keep)
