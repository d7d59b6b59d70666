"""The explanations: the network's belief as a bar, the worker's own last rating beside it."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from hypotrack.domain.state import CaseState
from hypotrack.domain.wording import bearing
from hypotrack.tui.widgets.render import AGAINST, NETWORK, WORKER, bar_with_pct, clip
from hypotrack.tui.widgets.tables import KeyedTable

BAR = 16
LABEL = 40
# A gap of this many percentage points between the worker and the network is called out.
GAP_POINTS = 25
# Below this width the label and the bars narrow (an 80-column terminal).
NARROW = 100


def gap_text(worker: float | None, network: float | None) -> Text:
    """The worker's rating minus the network's belief, in points, with ▲/▼ and a word."""
    if worker is None or network is None:
        return Text("")
    points = (worker - network) * 100
    if abs(points) < 10:
        return Text("≈ close", style="dim")
    glyph = bearing(points)
    word = "you higher" if points > 0 else "you lower"
    style = f"bold {AGAINST}" if abs(points) >= GAP_POINTS else ""
    return Text(f"{glyph} {points:+.0f} {word}", style=style)


class ExplanationsTable(KeyedTable):
    """One row per explanation; retired ones stay listed, dimmed, with their reason."""

    DEFAULT_CSS = """
    ExplanationsTable {
        height: auto;
        max-height: 12;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[Any, ...] | None = None
        self._sizes: tuple[int, int, int] = (0, 0, 0)
        self._drawn_from: Any = None

    def sizes(self) -> tuple[int, int, int]:
        """(label, bar, gap) widths: narrower below 100 columns, so that the table fits 80."""
        if 0 < self.size.width < NARROW:
            return LABEL - 18, BAR - 8, 16
        return LABEL, BAR, 18

    def on_resize(self) -> None:
        if self.sizes() != self._sizes and self._shown is not None:
            self.show(*self._shown)

    def show(
        self, state: CaseState, posterior: dict[str, float] | None, favoured: str | None
    ) -> None:
        """Redraw from the case and the network's latest reading (None while it computes)."""
        self._shown = (state, posterior, favoured)
        label_width, bar_width, gap_width = self.sizes()
        j = state.latest_judgement
        ratings = j.ratings if j else {}
        drawn_from = (
            (label_width, bar_width, gap_width),
            favoured,
            tuple(posterior.items()) if posterior is not None else None,
            tuple(ratings.items()) if j else None,
            tuple(
                (h.id, h.label, h.live, h.spec.catch_all, bool(h.unweighed), h.retired_reason)
                for h in state.hypotheses.values()
            ),
        )
        if drawn_from == self._drawn_from:
            return  # the same rows: keep them (and their drawn lines) as they are
        self._drawn_from = drawn_from
        keep = self.selected_key()
        if (label_width, bar_width, gap_width) != self._sizes:
            self._sizes = (label_width, bar_width, gap_width)
            self.clear(columns=True)
            self.add_column(" ", key="mark", width=2)
            self.add_column("Explanation", key="label", width=label_width)
            network = Text("Network", style=f"bold {NETWORK}")
            self.add_column(network, key="network", width=bar_width + 5)
            self.add_column(Text("You", style=f"bold {WORKER}"), key="you", width=bar_width + 5)
            self.add_column("You vs network", key="gap", width=gap_width)
        self.clear()
        for h in state.hypotheses.values():
            if not h.live:
                continue
            room = label_width - (12 if h.spec.catch_all else 0) - (2 if h.unweighed else 0)
            label = Text(clip(h.label, room))
            if h.spec.catch_all:
                label.append(" (catch-all)", style="italic")
            if h.unweighed:
                label.append(" ⚖", style="bold")  # not yet weighed: see the status line
            network = posterior.get(h.id) if posterior is not None else None
            worker = ratings.get(h.id) if j else None
            mark = Text("★", style="bold") if h.id == favoured else Text(" ")
            self.add_row(
                mark,
                label,
                bar_with_pct(network, bar_width, NETWORK),
                bar_with_pct(worker, bar_width, WORKER),
                gap_text(worker, network),
                key=h.id,
            )
        for h in state.hypotheses.values():
            if h.live:
                continue
            label = Text(clip(h.label, label_width), style="dim strike")
            reason = Text(clip(f"retired: {h.retired_reason or ''}", bar_width + 5), style="dim")
            self.add_row(Text("✗", style="dim"), label, reason, Text(""), Text(""), key=h.id)
        self.select_key(keep)
