"""The report's chart: both belief lines of every explanation as one inline SVG.

One small panel per explanation on one time axis (the case's own timeline: a note written later
about an earlier point sits at that point), with the judgements as dotted lines, the notes as ◆
and the flags raised as numbered ! (amber) / ‼ (red) along the top, and the items as ticks on the axis. The
picture is 720 units wide whatever the case's size: each line is thinned to what can be seen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from hypotrack.domain import wording
from hypotrack.domain.wording import percent_figure, severity_glyph
from hypotrack.report.escape import e
from hypotrack.report.values import ChartSeries, Report

W = 720
LEFT, RIGHT = 44, 12
PANEL_H, TITLE_H, GAP = 62, 22, 14
LEGEND_H, ROW_H = 26, 15


def _ticks(start: datetime, end: datetime, r: Report) -> list[tuple[datetime, str]]:
    """Tick marks on whole hours or days in the case's zone, at most about ten."""
    span = (end - start).total_seconds()
    hours = [1, 2, 3, 6, 12]
    days = [1, 2, 7, 14, 28, 91, 182, 364]
    local0 = start.astimezone(r.tz)
    for h in hours:
        if span / (h * 3600) <= 10:
            first = local0.replace(minute=0, second=0, microsecond=0)
            step = timedelta(hours=h)
            return _walk(first, end, step, wording.day_time)
    for d in days:
        if span / (d * 86400) <= 10 or d == days[-1]:
            first = local0.replace(hour=0, minute=0, second=0, microsecond=0)
            step = timedelta(days=d)
            fmt = wording.day if d < 91 else wording.month_year
            return _walk(first, end, step, fmt)
    return []


def _walk(first: datetime, end: datetime, step: timedelta, fmt: object) -> list:
    out = []
    t = first
    while t <= end:
        out.append((t, fmt(t)))  # type: ignore[operator]
        t = t + step
    return out


def _text_width(text: str) -> float:
    """Roughly how wide bold 12 px text is: the glyph ‼ is wider than a digit."""
    return sum(11.5 if ch == "‼" else 7.6 for ch in text) + 2


class _Rows:
    """Greedy placement of short labels in a few rows so that they do not overlap."""

    def __init__(self, rows: int, width: float) -> None:
        self.last = [-1e9] * rows
        self.width = width

    def place(self, x: float, width: float | None = None) -> int | None:
        w = width or self.width
        for i, last in enumerate(self.last):
            if x - w / 2 >= last + 6:
                self.last[i] = x + w / 2
                return i
        return None


def _flag_labels(marks: list, x: Callable[[datetime], float], r: Report) -> list[tuple]:
    """Where each flag label goes: (left, row, [(text, severity)], tooltip).

    Each mark gets its own label ("!4") while three rows can hold them; when they cannot, marks
    closer than a label's width share one: "!4 !5" for two, "‼6–11" for a run (‼ if any
    of them is red).
    """
    for spread in (0.0, 24.0, 60.0):
        clusters: list[list] = []
        for c in marks:
            if clusters and x(c.at) - x(clusters[-1][0].at) <= spread:
                clusters[-1].append(c)
            else:
                clusters.append([c])
        rows = _Rows(3, 30)
        placed: list[tuple] = []
        for cluster in clusters:
            title = "; ".join(
                f"{c.number}: {c.rule} {c.change} ({c.severity}), {r.when(c.at)}" for c in cluster
            )
            red = any(c.severity == "red" for c in cluster)
            if len(cluster) <= 2:
                parts = [(f"{severity_glyph(c.severity)}{c.number}", c.severity) for c in cluster]
            else:
                glyph = severity_glyph("red" if red else "amber")
                parts = [
                    (f"{glyph}{cluster[0].number}–{cluster[-1].number}", "red" if red else "amber")
                ]
            width = _text_width(" ".join(label for label, _ in parts))
            left = min(x(cluster[0].at) - 6, W - width)  # the last labels stay in the picture
            row = rows.place(left + width / 2, width)
            placed.append((left, row, parts, title))
        if all(row is not None for _, row, _, _ in placed) or spread == 60.0:
            return [
                (left, row if row is not None else 2, parts, t) for left, row, parts, t in placed
            ]
    return []


# The chart is 720 units wide: a case of 20,000 items has far more moments than the picture has
# columns. Each line is thinned to what can be seen (one column per unit, about 0.3 mm printed:
# where the line went, the lowest and the highest it reached there, and where it ended), so the
# SVG grows with the picture, not with the case (unthinned, a 2,000-item case's chart was 1.5 MB).
_COLUMN = 1.0
# Up to this many judgements, each rating is a dot with a tooltip; beyond, the dashed line alone
# (the judgements' table gives every figure).
DOTS_UP_TO = 120


def _column(xv: float) -> float:
    return round(xv / _COLUMN) * _COLUMN


def _step_path(points: list[tuple[float, float | None]], x_end: float) -> str:
    """An SVG path of a step line through (x, y) points (y None: no value, a gap), thinned.

    Within one drawing column the line goes to the lowest and the highest value it took there,
    then to the last one, so nothing visible is lost.
    """
    d: list[str] = []
    pen = False  # a line is being drawn
    col: float | None = None
    ys: list[float] = []  # the values taken in the current column

    def flush() -> None:
        if not ys:
            return
        path = [min(ys), max(ys), ys[-1]] if len(ys) > 1 else ys
        for k, v in enumerate(path):
            if k == 0 or v != path[k - 1]:
                d.append(f"V{v:.1f}")

    for xv, yv in points:
        c = _column(xv)
        if c != col:
            flush()
            ys = []
            col = c
            if pen:
                d.append(f"H{c:.1f}")
        if yv is None:
            flush()
            ys = []
            pen = False
            continue
        if not pen:
            d.append(f"M{c:.1f},{yv:.1f}")
            pen = True
        ys.append(yv)
    flush()
    if pen:
        d.append(f"H{x_end:.1f}")
    return "".join(d)


def _columns(xs: list[float]) -> list[float]:
    """Distinct drawing columns of some x positions, in order."""
    return list(dict.fromkeys(_column(xv) for xv in xs))


class _Frame:
    """The chart's geometry: where a moment and a belief go."""

    plot_w = W - LEFT - RIGHT
    band_top = LEGEND_H + 6  # the band of judgement ids, notes and flags over the panels
    panels_top = band_top + ROW_H * 4 + 6

    def __init__(self, start: datetime, end: datetime, n_panels: int) -> None:
        self.start, self.end = start, end
        self.span = (end - start).total_seconds()
        self.panels_bottom = self.panels_top + n_panels * (TITLE_H + PANEL_H + GAP)
        # Every panel's line has a point at most moments: each moment is placed once.
        self._placed: dict[datetime, float] = {}

    def x(self, t: datetime) -> float:
        placed = self._placed.get(t)
        if placed is None:
            span = (t - self.start).total_seconds() / self.span
            placed = self._placed[t] = LEFT + max(0.0, min(1.0, span)) * self.plot_w
        return placed


def chart_svg(r: Report) -> str:
    """Both belief lines for every explanation, one small panel each, on one time axis."""
    end = r.end if r.end > r.start else r.start + timedelta(hours=1)
    f = _Frame(r.start, end, len(r.series))
    out = _head(f.panels_bottom + 48)
    judged = _judgements(f, r, out)
    _notes(f, r, out)
    _flags(f, r, out)
    for i, s in enumerate(r.series):
        _panel(f, r, s, f.panels_top + i * (TITLE_H + PANEL_H + GAP), judged, out)
    _axis(f, r, out)
    out.append("</svg>")
    return "\n".join(out)


def _head(height: float) -> list[str]:
    """The picture's opening, its title and description for screen readers, and the legend."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" role="img" '
        f'aria-labelledby="chart-title chart-desc" font-family="system-ui, Arial, sans-serif" '
        f'font-size="12">',
        '<title id="chart-title">Belief in each explanation over the timeline</title>',
        '<desc id="chart-desc">For each explanation, a solid line shows the belief the evidence '
        "gives it (the network) and a dashed line with dots shows the worker's own ratings at "
        "each judgement. Judgements are dotted vertical lines; notes are marked ◆ at the "
        "moment they are about; flags are marked ! (amber) and ‼ (red) along the top. The "
        "time axis is the case's own timeline: a note written later about an earlier point "
        "sits at that point. Exact figures are in the tables of this report.</desc>",
        # Legend.
        f'<g transform="translate({LEFT},12)">',
        '<line x1="0" y1="0" x2="24" y2="0" stroke="#1d4f91" stroke-width="2.5"/>',
        '<text x="29" y="4">Evidence (network)</text>',
        '<line x1="154" y1="0" x2="178" y2="0" stroke="#b44200" stroke-width="2" '
        'stroke-dasharray="5 3"/><circle cx="166" cy="0" r="4" fill="#b44200"/>',
        '<text x="184" y="4">Worker\'s rating</text>',
        '<line x1="290" y1="-7" x2="290" y2="7" stroke="#777" stroke-dasharray="2 2"/>',
        '<text x="295" y="4">Judgement</text>',
        '<text x="375" y="4"><tspan fill="#8a5300" font-weight="700">! amber</tspan> / '
        '<tspan fill="#a1001a" font-weight="700">‼ red</tspan> flag (numbered below)'
        "</text>",
        "</g>",
    ]


def _judgements(f: _Frame, r: Report, out: list[str]) -> bool:
    """Judgements: dotted lines through the band (and, defined once, every panel), ids along the
    top. Returns whether there are any (the panels then use the lines)."""
    judge_cols = _columns([f.x(at) for at, _ in r.judgement_marks])
    if judge_cols:
        top, bottom = f.band_top + ROW_H - 2, f.panels_top - 4
        d = " ".join(f"M{xj:.1f},{top}V{bottom}" for xj in judge_cols)
        out.append(f'<path d="{d}" stroke="#777" stroke-width="1" stroke-dasharray="2 3"/>')
        # The same lines in every panel, defined once (a panel is placed by `y`).
        d = " ".join(f"M{xj:.1f},0V{PANEL_H}" for xj in judge_cols)
        out.append(
            f'<defs><path id="judged" d="{d}" stroke="#777" stroke-width="1" '
            'stroke-dasharray="2 3"/></defs>'
        )
    judge_rows = _Rows(1, 26)
    for at, ident in r.judgement_marks:
        xj = f.x(at)
        row = judge_rows.place(xj, 8 + 7 * len(ident))
        if row is not None:
            out.append(
                f'<text x="{xj:.1f}" y="{f.band_top + 10}" text-anchor="middle" '
                f'font-weight="600">{e(ident)}</text>'
            )
    return bool(judge_cols)


def _notes(f: _Frame, r: Report, out: list[str]) -> None:
    """Supervision notes, decisions and sign-offs, at the moment each is about: a note pinned
    to an earlier point sits there (it was written later: the tooltip says when)."""
    for n in r.notes:
        if n.kind == "acknowledgement":
            continue  # shown with its flag
        about = n.pinned_at if n.pinned_at is not None else n.at
        written = f", written on {r.when(n.at)}" if n.pinned_at is not None else ""
        title = f"{n.id}: {n.kind_words} by {n.who or 'unknown'}, about {r.when(about)}{written}"
        out.append(
            f'<text x="{f.x(about):.1f}" y="{f.band_top + ROW_H + 9}" text-anchor="middle" '
            f'fill="#444"><title>{e(title)}</title>◆</text>'
        )


def _flags(f: _Frame, r: Report, out: list[str]) -> None:
    """Flags raised (and escalated), numbered as in the list under the chart."""
    marks = [c for c in r.flag_history if c.number > 0]
    for left, row, parts, title in _flag_labels(marks, f.x, r):
        y = f.band_top + ROW_H * (row + 2)
        spans = " ".join(
            f'<tspan fill="{"#a1001a" if sev == "red" else "#8a5300"}">{e(label)}</tspan>'
            for label, sev in parts
        )
        out.append(
            f'<text x="{left:.1f}" y="{y}" font-weight="700"><title>{e(title)}</title>'
            f"{spans}</text>"
        )


def _panel(f: _Frame, r: Report, s: ChartSeries, top: float, judged: bool, out: list[str]) -> None:
    """One explanation's panel: its name and latest figures, the grid, both lines."""
    ptop = top + TITLE_H

    def y(p: float) -> float:
        return ptop + (1 - p) * PANEL_H

    _panel_title(f, r, s, top, out)
    out.append(
        f'<rect x="{LEFT}" y="{ptop}" width="{f.plot_w}" height="{PANEL_H}" fill="#fafafa" '
        f'stroke="#bbb" stroke-width=".8"/>'
    )
    for p, text in ((0.5, "50"), (0.0, "0"), (1.0, "100 %")):
        out.append(
            f'<line x1="{LEFT}" y1="{y(p):.1f}" x2="{W - RIGHT}" y2="{y(p):.1f}" '
            f'stroke="#ddd" stroke-width=".8"/>'
        )
        out.append(
            f'<text x="{LEFT - 5}" y="{y(p) + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="#555">{text}</text>'
        )
    # Judgements again in each plot (drawn over its background, not across its name).
    if judged:
        out.append(f'<use href="#judged" y="{ptop}"/>')
    _lines(f, r, s, y, out)
    _added_and_retired(f, s, ptop, out)


def _panel_title(f: _Frame, r: Report, s: ChartSeries, top: float, out: list[str]) -> None:
    last_net = s.network[-1][1] if s.network else None
    last_worker = next((w for _, w in reversed(s.worker) if w is not None), None)
    if s.retired is not None:
        right = f"retired {r.day(s.retired)}"
    else:
        right = f"evidence {percent_figure(last_net)} · worker {percent_figure(last_worker)}"
    # About 6.5 px a character at 12 px: keep the label clear of the figures on the right.
    room = int((f.plot_w - 6.5 * len(right) - 8 * len(s.hypothesis) - 30) / 6.3)
    label = s.label if len(s.label) <= room else s.label[: max(room - 1, 0)] + "…"
    out.append(
        f'<text x="{LEFT}" y="{top + 14}"><tspan font-weight="700">{e(s.hypothesis)}</tspan>'
        f' <tspan fill="#555">— {e(label)}</tspan></text>'
    )
    out.append(f'<text x="{W - RIGHT}" y="{top + 14}" text-anchor="end">{e(right)}</text>')


def _lines(
    f: _Frame, r: Report, s: ChartSeries, y: Callable[[float], float], out: list[str]
) -> None:
    """The network's solid line, the worker's dashed one, and a dot per rating (few judgements)."""
    x = f.x
    line_end = s.retired if s.retired is not None else f.end
    if s.network:
        d = _step_path([(x(t), y(p)) for t, p in s.network], x(line_end))
        out.append(
            f'<path d="{d}" fill="none" stroke="#1d4f91" stroke-width="2.2" '
            f'stroke-linejoin="round"/>'
        )
    if s.worker:
        d = _step_path([(x(t), None if w is None else y(w)) for t, w in s.worker], x(line_end))
        out.append(
            f'<path d="{d}" fill="none" stroke="#b44200" stroke-width="1.8" '
            f'stroke-dasharray="5 3"/>'
        )
    for t, w in s.worker if len(r.judgement_marks) <= DOTS_UP_TO else ():
        if w is None:
            continue
        out.append(
            f'<circle cx="{x(t):.1f}" cy="{y(w):.1f}" r="4" fill="#b44200" stroke="#fff" '
            f'stroke-width="1"><title>{e(s.hypothesis)}: worker {percent_figure(w)} at '
            f"{e(r.when(t))}</title></circle>"
        )


def _added_and_retired(f: _Frame, s: ChartSeries, ptop: float, out: list[str]) -> None:
    pbot = ptop + PANEL_H
    if s.retired is not None:
        xr = f.x(s.retired)
        out.append(
            f'<line x1="{xr:.1f}" y1="{ptop}" x2="{xr:.1f}" y2="{pbot}" stroke="#555" '
            f'stroke-width="1.2"/>'
        )
        out.append(
            f'<text x="{xr + 4:.1f}" y="{pbot - 5}" font-size="10" fill="#555">✕ retired</text>'
        )
    if f.x(s.added) > LEFT + 20:  # added noticeably after the case was opened
        xa = f.x(s.added)
        out.append(
            f'<text x="{xa + 3:.1f}" y="{ptop + 11}" font-size="10" fill="#555">added</text>'
        )


def _axis(f: _Frame, r: Report, out: list[str]) -> None:
    """The time axis, with the items as ticks (and their ids where there is room)."""
    axis_y = f.panels_bottom - GAP + 9
    out.append(
        f'<line x1="{LEFT}" y1="{axis_y}" x2="{W - RIGHT}" y2="{axis_y}" stroke="#333" '
        f'stroke-width="1"/>'
    )
    for t, text in _ticks(f.start, f.end, r):
        if t < f.start:
            continue
        xt = f.x(t)
        out.append(
            f'<line x1="{xt:.1f}" y1="{axis_y}" x2="{xt:.1f}" y2="{axis_y + 5}" stroke="#333"/>'
        )
        # Keep the labels at either end inside the picture.
        half = 3.2 * len(text)
        anchor = "end" if xt + half > W else "start" if xt - half < 0 else "middle"
        out.append(
            f'<text x="{xt:.1f}" y="{axis_y + 17}" text-anchor="{anchor}" font-size="10.5">'
            f"{e(text)}</text>"
        )
    _item_ticks(f, r, axis_y, out)


def _item_ticks(f: _Frame, r: Report, axis_y: float, out: list[str]) -> None:
    items = [entry for entry in r.timeline if entry.kind == "evidence-recorded"]
    if items:
        d = " ".join(
            f"M{xi:.1f},{axis_y - 5}V{axis_y}" for xi in _columns([f.x(i.at) for i in items])
        )
        out.append(f'<path d="{d}" stroke="#1d4f91" stroke-width="1.5"/>')
    item_rows = _Rows(2, 24)
    for entry in items:
        xi = f.x(entry.at)
        ident = entry.subject or ""
        row = item_rows.place(xi, 6 + 6 * len(ident))
        if row is not None:
            # A retracted item stays on the timeline, struck through as in the tables.
            look = (
                'fill="#777" text-decoration="line-through"' if entry.struck else 'fill="#1d4f91"'
            )
            out.append(
                f'<text x="{xi:.1f}" y="{axis_y + 30 + 11 * row}" text-anchor="middle" '
                f'font-size="9.5" {look}>{e(ident)}</text>'
            )
