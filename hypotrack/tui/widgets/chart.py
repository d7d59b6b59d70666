"""Both belief lines across a case's timeline, in the terminal.

One block of three rows per explanation: its label, the network's belief (`net`, blue) and the
worker's own rating (`you`, orange) as block sparklines — eight heights per cell, 0 % at the
bottom, 100 % full — with the values at the current step on the right. The words `net` and
`you`, not the colours, say which line is which (STYLE.md: never colour alone).

The x axis is the timeline's steps (events in the order the worker knew them), not calendar
time: a day with ten entries takes ten columns. It always spans the whole timeline, so the
supervisor sees how far through the case they are and the axis does not rescale as they step;
but **nothing after the current step is drawn** — no values, no judgement or flag marks — so
the chart cannot show what happened next (no hindsight, PRACTICE.md). Below the lines: `J` a
judgement, `◆` a note pinned to that point, `!` a flag raised, `‼` a flag raised or turned red,
`↑` the current step. A long timeline shares columns between steps; a column then shows the
reading at the last of its steps (never beyond the current step) and any mark among them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.text import Text
from textual.widget import Widget

from hypotrack.domain.wording import percent_cell, severity_glyph
from hypotrack.tui.widgets.render import AMBER, NETWORK, RED, WORKER, clip

LEVELS = "▁▂▃▄▅▆▇█"
PREFIX = 4  # "net " / "you "
VALUE = 5  # " 100%"


@dataclass(frozen=True)
class ChartLine:
    """One explanation's two lines; values after the current step are ignored."""

    id: str
    label: str
    network: Sequence[float | None]
    worker: Sequence[float | None]
    note: str = ""  # e.g. "catch-all" or "retired 5 Feb"


@dataclass(frozen=True)
class ChartData:
    lines: list[ChartLine]
    total: int  # steps in the whole timeline
    step: int  # the current step (0-based)
    judgements: frozenset[int] = frozenset()
    flags: dict[int, str] = field(default_factory=dict)  # step -> "red" | "amber"
    pins: frozenset[int] = frozenset()
    flags_ready: bool = True
    start_label: str = ""
    step_label: str = ""


def level(p: float | None) -> str:
    """One cell of a sparkline: blank where there is no value."""
    if p is None:
        return " "
    p = min(max(p, 0.0), 1.0)
    return LEVELS[min(len(LEVELS) - 1, int(p * len(LEVELS)))]


def columns(total: int, width: int) -> list[tuple[int, int]]:
    """The steps (first, last) each column covers: a step per column or more, or several."""
    if total <= 0 or width <= 0:
        return []
    if total <= width:
        scale = width // total
        return [(c // scale, c // scale) for c in range(total * scale)]
    return [(c * total // width, (c + 1) * total // width - 1) for c in range(width)]


def chart_height(lines: int) -> int:
    return 1 + 3 * lines + 4


def render_chart(data: ChartData, width: int) -> Text:
    """The chart as text, `width` cells wide: the title, the lines, the marks, the axis."""
    plot = max(8, width - PREFIX - VALUE)
    cols = columns(data.total, plot)
    out = Text(no_wrap=True, overflow="crop")
    out.append(
        clip(
            f"Belief lines to step {data.step + 1} of {data.total} (nothing later is drawn)",
            width,
        ),
        style="bold",
    )
    out.append("\n")
    for line in data.lines:
        out.append_text(belief_block(line, data.step, cols, plot, width))
    judged, flagged = mark_rows(data, cols)
    axis, here = axis_row(cols, data.step)
    for row in (judged, flagged, axis):
        out.append_text(row)
        out.append("\n")
    out.append(date_row(data, plot, here), style="dim")
    out.append("\n")
    out.append(
        clip("J judgement · ◆ note pinned · ! flag raised · ‼ red flag · ↑ this step", width),
        style="dim",
    )
    return out


def _current(lo: int, hi: int, k: int) -> bool:
    """Whether the column covering steps lo..hi holds the current step k."""
    return lo <= k <= hi


def series(
    values: Sequence[float | None], style: str, cols: list[tuple[int, int]], k: int, plot: int
) -> Text:
    """One sparkline up to step k; the current step's column in reverse."""
    row = Text()
    for lo, hi in cols:
        if lo > k:
            row.append(" ")
            continue
        cell = level(values[min(hi, k)])
        row.append(cell, style=f"{style} reverse" if _current(lo, hi, k) else style)
    row.append(" " * (plot - len(cols)))
    return row


def belief_block(
    line: ChartLine, k: int, cols: list[tuple[int, int]], plot: int, width: int
) -> Text:
    """An explanation's three rows: its label, then `net` and `you` with their values at k."""
    out = Text()
    label = Text(clip(line.label, width - (len(line.note) + 3 if line.note else 0)))
    if line.note:
        label.append(f" ({line.note})", style="italic dim")
    out.append_text(label)
    out.append("\n")
    for name, values, style in (
        ("net ", line.network, NETWORK),
        ("you ", line.worker, WORKER),
    ):
        out.append(name, style=f"bold {style}")
        out.append_text(series(values, style, cols, k, plot))
        value = values[k] if k < len(values) else None
        out.append(f" {percent_cell(value) if value is not None else '  —'}")
        out.append("\n")
    return out


def mark_rows(data: ChartData, cols: list[tuple[int, int]]) -> tuple[Text, Text]:
    """Judgements and pinned notes on one row, flags on the next; only up to the step."""
    k = data.step
    judged = Text(" " * PREFIX)
    flagged = Text(" " * PREFIX)
    seen: set[int] = set()
    for lo, hi in cols:
        steps = [s for s in range(lo, min(hi, k) + 1) if s not in seen]
        seen.update(steps)
        if lo > k or not steps:
            judged.append(" ")
            flagged.append(" ")
            continue
        if any(s in data.judgements for s in steps):
            judged.append("J", style="bold")
        elif any(s in data.pins for s in steps):
            judged.append("◆", style="bold")
        else:
            judged.append(" ")
        severities = {data.flags.get(s) for s in steps}
        if "red" in severities:
            flagged.append(severity_glyph("red"), style=f"bold {RED}")
        elif "amber" in severities:
            flagged.append(severity_glyph("amber"), style=f"bold {AMBER}")
        else:
            flagged.append(" ")
    if not data.flags_ready:
        flagged = Text(" " * PREFIX + "(reading the flags…)", style="dim")
    return judged, flagged


def axis_row(cols: list[tuple[int, int]], k: int) -> tuple[Text, int]:
    """The time axis with ↑ under the current step, dotted beyond it; and that column."""
    axis = Text(" " * PREFIX)
    here = 0
    for c, (lo, hi) in enumerate(cols):
        if lo > k:
            axis.append("┈", style="dim")
        elif _current(lo, hi, k) and not (c and _current(*cols[c - 1], k)):
            axis.append("↑", style="bold")
            here = c
        else:
            axis.append("─")
    return axis, here


def date_row(data: ChartData, plot: int, here: int) -> str:
    """The start's date at the left (when there is room) and the step's date under ↑."""
    dates = [" "] * (PREFIX + plot)
    start = data.start_label[: max(0, here - 1)] if here > len(data.start_label) + 1 else ""
    for i, ch in enumerate(start):
        dates[PREFIX + i] = ch
    tag = data.step_label
    at = min(PREFIX + here, max(PREFIX, PREFIX + plot - len(tag)))
    for i, ch in enumerate(tag):
        if at + i < len(dates):
            dates[at + i] = ch
    return "".join(dates).rstrip()


class BeliefChart(Widget):
    """The chart as a widget: give it `ChartData` with `show`; it redraws to its width."""

    DEFAULT_CSS = """
    BeliefChart {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data: ChartData | None = None

    def show(self, data: ChartData) -> None:
        self.data = data
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:  # noqa: ANN001
        if self.data is None:
            return 1
        return chart_height(len(self.data.lines))

    def render(self) -> Text:
        if self.data is None or self.data.total == 0:
            return Text("Reading the timeline…", style="dim")
        return render_chart(self.data, self.content_size.width or self.size.width)
