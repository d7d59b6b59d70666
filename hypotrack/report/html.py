"""The case report as one self-contained HTML file for the case record.

No scripts, no fonts, no images to fetch: the chart is inline SVG and the styles are inline,
so the file opens the same anywhere, years later, and prints on A4. Severity is never shown by
colour alone: every flag says its severity in words with the glyph ▲ (▲▲ for red). All case
text passes through `html.escape`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape

from hypotrack.domain.text import terminal_safe
from hypotrack.domain.wording import figure_words
from hypotrack.report.content import (
    BRIEF_NOTE,
    NOT_A_VERDICT,
    RATIOS_NOTE,
    SECTIONS,
    SEVERITY_GLYPH,
    Report,
    TimelineEntry,
    counts_line,
    on_file_words,
    percent,
    severity_words,
)

CSS = """
:root { --ink: #1b1b1b; --muted: #575757; --rule: #c8c8c8; --amber: #8a5300;
  --amber-bg: #fff3d6; --red: #a1001a; --red-bg: #fde7ea; --net: #1d4f91; --worker: #b44200; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: var(--ink); max-width: 190mm; margin: 0 auto; padding: 10mm 6mm; }
h1 { font-size: 18pt; line-height: 1.2; margin: 0 0 4pt; }
h2 { font-size: 13.5pt; border-bottom: 1.5pt solid var(--ink); margin: 20pt 0 6pt;
  padding-bottom: 2pt; break-after: avoid; }
h3 { font-size: 11pt; margin: 12pt 0 4pt; break-after: avoid; }
p { margin: 4pt 0; }
.kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 8.5pt; color: var(--muted); }
.meta, .muted { color: var(--muted); }
.banner { border: 1pt solid var(--ink); border-left-width: 5pt; padding: 6pt 9pt;
  margin: 8pt 0; background: #f5f5f5; }
nav ol { columns: 2; margin: 4pt 0; padding-left: 18pt; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: 4pt 0 8pt; }
th, td { border-bottom: .5pt solid var(--rule); padding: 3pt 5pt; text-align: left;
  vertical-align: top; }
th { background: #efefef; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.when, .timeline td:first-child { white-space: nowrap; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em;
  background: #f1f1f1; padding: 0 2pt; border-radius: 2pt; }
del { color: #6b6b6b; text-decoration-thickness: 1.2pt; }
.tag { display: inline-block; font-size: 8pt; font-weight: 700; text-transform: uppercase;
  letter-spacing: .04em; border: .8pt solid currentColor; border-radius: 2pt; padding: 0 3pt; }
.lk { font-size: 9pt; margin-top: 2pt; }
.lk .neutral { color: var(--muted); font-style: italic; }
.timeline small { display: block; font-size: 9pt; color: var(--muted); }
.remark { font-size: 9pt; color: var(--muted); }
.flag { border: 1pt solid; border-left-width: 6pt; padding: 6pt 9pt; margin: 8pt 0; }
.flag.amber { border-color: var(--amber); background: var(--amber-bg); }
.flag.red { border-color: var(--red); background: var(--red-bg); }
.sev { font-weight: 700; }
.flag.amber .sev { color: var(--amber); }
.flag.red .sev { color: var(--red); }
.flag ul { margin: 2pt 0 4pt; padding-left: 16pt; }
.ack { border-top: .5pt dashed var(--muted); padding-top: 3pt; }
.question { font-style: italic; }
.judgement { border-top: .5pt solid var(--rule); margin-top: 8pt; }
blockquote { margin: 3pt 0 3pt 8pt; padding-left: 8pt; border-left: 2pt solid var(--rule); }
figure { margin: 6pt 0; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 9pt; color: var(--muted); }
.favoured { font-weight: 700; }
footer { margin-top: 18pt; font-size: 8.5pt; color: var(--muted);
  border-top: .5pt solid var(--rule); padding-top: 4pt; }
@page { size: A4; margin: 12mm 12mm 13mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; orphans: 3; widows: 3; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  /* Small blocks stay whole; long ones (a long flag card, a judgement with its items, a
     section) may run on to the next page, so no page is left half empty before them. */
  tr, li, figure, blockquote, .flag.short, .flag .head, .judgement .keep { break-inside: avoid; }
  .flag, .judgement { break-inside: auto; }
  /* A heading, or a line that introduces what follows, never ends a page. */
  h2, h3, .lead, figcaption + h3 { break-after: avoid; }
  /* A card's closing lines do not start a page on their own. */
  .flag .question, .flag .ack, .flag > p.remark:last-child { break-before: avoid; }
  thead { display: table-header-group; }
  .screen-only { display: none; }
  footer { break-before: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def e(text: object) -> str:
    """Case text, escaped for HTML (quotes too: some of it goes into attributes), with control
    characters shown and bidi controls neutralised (`domain.text.terminal_safe`)."""
    return escape(terminal_safe(text), quote=True)


# --- the chart --------------------------------------------------------------------------------

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
            return _walk(first, end, step, lambda t: f"{t.day} {t:%b %H:%M}")
    for d in days:
        if span / (d * 86400) <= 10 or d == days[-1]:
            first = local0.replace(hour=0, minute=0, second=0, microsecond=0)
            step = timedelta(days=d)
            fmt = (lambda t: f"{t.day} {t:%b}") if d < 91 else (lambda t: f"{t:%b %Y}")
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
    """Roughly how wide bold 12 px text is: the glyph ▲ is wider than a digit."""
    return sum(11.5 if ch == "▲" else 7.6 for ch in text) + 2


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

    Each mark gets its own label ("▲4") while three rows can hold them; when they cannot, marks
    closer than a label's width share one: "▲4 ▲5" for two, "▲▲6–11" for a run (▲▲ if any
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
                parts = [
                    (f"{SEVERITY_GLYPH.get(c.severity, '▲')}{c.number}", c.severity)
                    for c in cluster
                ]
            else:
                glyph = SEVERITY_GLYPH["red" if red else "amber"]
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
# Beyond this many judgements, the judgements' section shows each one in brief.
COMPACT_JUDGEMENTS = 100
# A flag card lists this many driving items with their text (the rest by id), and one with
# up to SHORT_FLAG_ITEMS items is kept on one page when printed.
FLAG_ITEMS_LISTED = 12
SHORT_FLAG_ITEMS = 3
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


def chart_svg(r: Report) -> str:
    """Both belief lines for every explanation, one small panel each, on one time axis."""
    start = r.start
    end = r.end if r.end > start else start + timedelta(hours=1)
    span = (end - start).total_seconds()
    plot_w = W - LEFT - RIGHT

    def x(t: datetime) -> float:
        return LEFT + max(0.0, min(1.0, (t - start).total_seconds() / span)) * plot_w

    marks = [c for c in r.flag_history if c.number > 0]
    judge_rows = _Rows(1, 26)
    band_top = LEGEND_H + 6
    band_h = ROW_H * 4 + 6
    panels_top = band_top + band_h
    n = len(r.series)
    panels_bottom = panels_top + n * (TITLE_H + PANEL_H + GAP)
    height = panels_bottom + 48
    out: list[str] = []
    add = out.append
    add(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" role="img" '
        f'aria-labelledby="chart-title chart-desc" font-family="system-ui, Arial, sans-serif" '
        f'font-size="12">'
    )
    add('<title id="chart-title">Belief in each explanation over the timeline</title>')
    add(
        '<desc id="chart-desc">For each explanation, a solid line shows the belief the evidence '
        "gives it (the network) and a dashed line with dots shows the worker's own ratings at "
        "each judgement. Judgements are dotted vertical lines; notes are marked ◆ at the "
        "moment they are about; flags are marked ▲ (amber) and ▲▲ (red) along the top. The "
        "time axis is the case's own timeline: a note written later about an earlier point "
        "sits at that point. Exact figures are in the tables of this report.</desc>"
    )
    # Legend.
    add(f'<g transform="translate({LEFT},12)">')
    add('<line x1="0" y1="0" x2="24" y2="0" stroke="#1d4f91" stroke-width="2.5"/>')
    add('<text x="29" y="4">Evidence (network)</text>')
    add(
        '<line x1="154" y1="0" x2="178" y2="0" stroke="#b44200" stroke-width="2" '
        'stroke-dasharray="5 3"/><circle cx="166" cy="0" r="4" fill="#b44200"/>'
    )
    add('<text x="184" y="4">Worker\'s rating</text>')
    add('<line x1="290" y1="-7" x2="290" y2="7" stroke="#777" stroke-dasharray="2 2"/>')
    add('<text x="295" y="4">Judgement</text>')
    add(
        '<text x="375" y="4"><tspan fill="#8a5300" font-weight="700">▲ amber</tspan> / '
        '<tspan fill="#a1001a" font-weight="700">▲▲ red</tspan> flag (numbered below)'
        "</text>"
    )
    add("</g>")
    # Judgements: dotted lines through every panel, ids along the top band.
    judge_cols = _columns([x(at) for at, _ in r.judgement_marks])
    if judge_cols:
        d = " ".join(f"M{xj:.1f},{band_top + ROW_H - 2}V{panels_top - 4}" for xj in judge_cols)
        add(f'<path d="{d}" stroke="#777" stroke-width="1" stroke-dasharray="2 3"/>')
        # The same lines in every panel, defined once (a panel is placed by `y`).
        d = " ".join(f"M{xj:.1f},0V{PANEL_H}" for xj in judge_cols)
        add(
            f'<defs><path id="judged" d="{d}" stroke="#777" stroke-width="1" '
            'stroke-dasharray="2 3"/></defs>'
        )
    for at, ident in r.judgement_marks:
        xj = x(at)
        row = judge_rows.place(xj, 8 + 7 * len(ident))
        if row is not None:
            add(
                f'<text x="{xj:.1f}" y="{band_top + 10}" text-anchor="middle" font-weight="600">'
                f"{e(ident)}</text>"
            )
    # Supervision notes, decisions and sign-offs, at the moment each is about: a note pinned to
    # an earlier point sits there (it was written later: the tooltip says when).
    for n in r.notes:
        if n.kind == "acknowledgement":
            continue  # shown with its flag
        about = n.pinned_at if n.pinned_at is not None else n.at
        xn = x(about)
        written = f", written on {r.when(n.at)}" if n.pinned_at is not None else ""
        title = f"{n.id}: {n.kind_words} by {n.who or 'unknown'}, about {r.when(about)}{written}"
        add(
            f'<text x="{xn:.1f}" y="{band_top + ROW_H + 9}" text-anchor="middle" '
            f'fill="#444"><title>{e(title)}</title>◆</text>'
        )
    # Flags raised (and escalated), numbered as in the list under the chart.
    for left, row, parts, title in _flag_labels(marks, x, r):
        y = band_top + ROW_H * (row + 2)
        spans = " ".join(
            f'<tspan fill="{"#a1001a" if sev == "red" else "#8a5300"}">{e(label)}</tspan>'
            for label, sev in parts
        )
        add(
            f'<text x="{left:.1f}" y="{y}" font-weight="700"><title>{e(title)}</title>'
            f"{spans}</text>"
        )
    # One panel per explanation.
    for i, s in enumerate(r.series):
        top = panels_top + i * (TITLE_H + PANEL_H + GAP)
        ptop, pbot = top + TITLE_H, top + TITLE_H + PANEL_H

        def y(p: float, ptop: float = ptop) -> float:
            return ptop + (1 - p) * PANEL_H

        last_net = s.network[-1][1] if s.network else None
        last_worker = next((w for _, w in reversed(s.worker) if w is not None), None)
        if s.retired is not None:
            right = f"retired {r.day(s.retired)}"
        else:
            right = f"evidence {percent(last_net)} · worker {percent(last_worker)}"
        # About 6.5 px a character at 12 px: keep the label clear of the figures on the right.
        room = int((plot_w - 6.5 * len(right) - 8 * len(s.hypothesis) - 30) / 6.3)
        label = s.label if len(s.label) <= room else s.label[: max(room - 1, 0)] + "…"
        add(
            f'<text x="{LEFT}" y="{top + 14}"><tspan font-weight="700">{e(s.hypothesis)}</tspan>'
            f' <tspan fill="#555">— {e(label)}</tspan></text>'
        )
        add(f'<text x="{W - RIGHT}" y="{top + 14}" text-anchor="end">{e(right)}</text>')
        add(
            f'<rect x="{LEFT}" y="{ptop}" width="{plot_w}" height="{PANEL_H}" fill="#fafafa" '
            f'stroke="#bbb" stroke-width=".8"/>'
        )
        for p, text in ((0.5, "50"), (0.0, "0"), (1.0, "100 %")):
            add(
                f'<line x1="{LEFT}" y1="{y(p):.1f}" x2="{W - RIGHT}" y2="{y(p):.1f}" '
                f'stroke="#ddd" stroke-width=".8"/>'
            )
            add(
                f'<text x="{LEFT - 5}" y="{y(p) + 4:.1f}" text-anchor="end" font-size="10" '
                f'fill="#555">{text}</text>'
            )
        # Judgements again in each plot (drawn over its background, not across its name).
        if judge_cols:
            add(f'<use href="#judged" y="{ptop}"/>')
        line_end = s.retired if s.retired is not None else end
        if s.network:
            d = _step_path([(x(t), y(p)) for t, p in s.network], x(line_end))
            add(
                f'<path d="{d}" fill="none" stroke="#1d4f91" stroke-width="2.2" '
                f'stroke-linejoin="round"/>'
            )
        if s.worker:
            d = _step_path([(x(t), None if w is None else y(w)) for t, w in s.worker], x(line_end))
            add(
                f'<path d="{d}" fill="none" stroke="#b44200" stroke-width="1.8" '
                f'stroke-dasharray="5 3"/>'
            )
        for t, w in s.worker if len(r.judgement_marks) <= DOTS_UP_TO else ():
            if w is None:
                continue
            add(
                f'<circle cx="{x(t):.1f}" cy="{y(w):.1f}" r="4" fill="#b44200" stroke="#fff" '
                f'stroke-width="1"><title>{e(s.hypothesis)}: worker {percent(w)} at '
                f"{e(r.when(t))}</title></circle>"
            )
        if s.retired is not None:
            xr = x(s.retired)
            add(
                f'<line x1="{xr:.1f}" y1="{ptop}" x2="{xr:.1f}" y2="{pbot}" stroke="#555" '
                f'stroke-width="1.2"/>'
            )
            add(
                f'<text x="{xr + 4:.1f}" y="{pbot - 5}" font-size="10" fill="#555">✕ retired</text>'
            )
        if x(s.added) > LEFT + 20:  # added noticeably after the case was opened
            xa = x(s.added)
            add(f'<text x="{xa + 3:.1f}" y="{ptop + 11}" font-size="10" fill="#555">added</text>')
    # Time axis, with the items as ticks.
    axis_y = panels_bottom - GAP + 9
    add(
        f'<line x1="{LEFT}" y1="{axis_y}" x2="{W - RIGHT}" y2="{axis_y}" stroke="#333" '
        f'stroke-width="1"/>'
    )
    for t, text in _ticks(start, end, r):
        if t < start:
            continue
        xt = x(t)
        add(f'<line x1="{xt:.1f}" y1="{axis_y}" x2="{xt:.1f}" y2="{axis_y + 5}" stroke="#333"/>')
        # Keep the labels at either end inside the picture.
        half = 3.2 * len(text)
        anchor = "end" if xt + half > W else "start" if xt - half < 0 else "middle"
        add(
            f'<text x="{xt:.1f}" y="{axis_y + 17}" text-anchor="{anchor}" font-size="10.5">'
            f"{e(text)}</text>"
        )
    items = [entry for entry in r.timeline if entry.kind == "evidence-recorded"]
    if items:
        d = " ".join(
            f"M{xi:.1f},{axis_y - 5}V{axis_y}" for xi in _columns([x(i.at) for i in items])
        )
        add(f'<path d="{d}" stroke="#1d4f91" stroke-width="1.5"/>')
    item_rows = _Rows(2, 24)
    for entry in items:
        xi = x(entry.at)
        ident = entry.subject or ""
        row = item_rows.place(xi, 6 + 6 * len(ident))
        if row is not None:
            # A retracted item stays on the timeline, struck through as in the tables.
            look = (
                'fill="#777" text-decoration="line-through"' if entry.struck else 'fill="#1d4f91"'
            )
            add(
                f'<text x="{xi:.1f}" y="{axis_y + 30 + 11 * row}" text-anchor="middle" '
                f'font-size="9.5" {look}>{e(ident)}</text>'
            )
    add("</svg>")
    return "\n".join(out)


# --- the sections -------------------------------------------------------------------------------


def _likelihoods(entry: TimelineEntry) -> str:
    # Plain ids (no <code>): this line repeats on every item, and at 20,000 items every byte
    # here is 20 kB of the file.
    cells = [
        f"{e(like.hypothesis)} {e(like.words)}" for like in entry.likelihoods if not like.neutral
    ]
    neutral = [e(like.hypothesis) for like in entry.likelihoods if like.neutral]
    if neutral:
        cells.append(f'<span class="neutral">neutral on {", ".join(neutral)}</span>')
    if not cells:
        return ""
    body = " · ".join(cells)
    if entry.struck:
        body = f"<del>{body}</del>"
    elif entry.likelihoods_struck:
        body = f'<del>{body}</del> <span class="tag">replaced</span>'
    return f'<div class="lk">{body}</div>'


def _summary(r: Report) -> str:
    out = []
    fav = next((x for x in r.explanations if x.favoured), None)
    if fav is not None:
        out.append(
            f"<p>The worker's latest judgement (<code>{e(r.latest_judgement)}</code>) favours "
            f"<strong>{e(fav.label)}</strong> (<code>{e(fav.id)}</code>): the worker rates it "
            f"{percent(fav.worker)}; the evidence as entered gives it {percent(fav.network)}.</p>"
        )
    else:
        out.append("<p>No judgement has been recorded yet.</p>")
    out.append(f"<p>{e(counts_line(r))}</p>")
    if not r.explanations:
        out.append("<p>No explanation is on file yet.</p>")
        return "\n".join(out)
    out.append(
        '<table><thead><tr><th style="width:40%">Explanation</th><th class="num">Evidence (network)</th>'
        '<th class="num">Worker (latest)</th><th>Status</th></tr></thead><tbody>'
    )
    for x in r.explanations:
        status = []
        if x.favoured:
            status.append('<span class="favoured">◀ favoured by the worker</span>')
        if x.catch_all:
            status.append("catch-all")
        if x.added > r.start:
            status.append(f"added {e(r.when(x.added))}")
        if x.unweighed:
            n = x.unweighed
            status.append(f"not yet weighed against {n} earlier item{'s' if n != 1 else ''}")
        if x.retired is not None:
            why = f": {e(x.retired_reason)}" if x.retired_reason else ""
            status.append(f"<strong>retired</strong> {e(r.when(x.retired))}{why}")
        if x.prior != 1:
            status.append(f"prior weight {x.prior:g}")
        desc = f'<br><span class="muted">{e(x.description)}</span>' if x.description else ""
        out.append(
            f"<tr><td><code>{e(x.id)}</code> {e(x.label)}{desc}</td>"
            f'<td class="num">{percent(x.network)}</td><td class="num">{percent(x.worker)}</td>'
            f"<td>{'; '.join(status)}</td></tr>"
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def _chart(r: Report) -> str:
    if not r.series:
        return "<p>No explanation is on file yet: there is nothing to chart.</p>"
    out = [f"<figure>{chart_svg(r)}"]
    out.append(
        "<figcaption>Solid line: the belief the evidence gives each explanation (the network). "
        "Dashed line with dots: the worker's own rating at each judgement. ◆: a supervision "
        "note, decision or sign-off, at the moment it is about (one written later sits at the "
        "point it is pinned to). Only what was on "
        f"file at {e(r.when(r.as_of))} is drawn.</figcaption></figure>"
    )
    marks = [c for c in r.flag_history if c.number > 0]
    if marks:
        out.append(
            "<h3>Flags raised along the timeline</h3><table><thead><tr><th>#</th><th>When</th>"
            "<th>Flag</th><th>Severity</th><th>What</th><th>After</th></tr></thead><tbody>"
        )
        for c in r.flag_history:
            number = str(c.number) if c.number else ""
            out.append(
                f'<tr><td>{number}</td><td class="when">{e(r.when(c.at))}</td>'
                f"<td>{e(c.rule)}</td><td>{e(severity_words(c.severity))}</td>"
                f"<td>{e(c.change)}</td><td>{e(c.after)}</td></tr>"
            )
        out.append("</tbody></table>")
    return "\n".join(out)


def _flags(r: Report) -> str:
    if not r.flags:
        return f"<p>No flags as of {e(r.when(r.as_of))}.</p>"
    out = [
        f'<p class="lead">As of {e(r.when(r.as_of))}, {len(r.flags)} '
        f"flag{'s' if len(r.flags) != 1 else ''}:</p>"
    ]
    for shown in r.flags:
        f = shown.flag
        # A card that fits on a page stays whole when printed; a long one may run on, but its
        # head (title, sentence, figures) stays together.
        short = len(shown.items) <= SHORT_FLAG_ITEMS and len(f.message) < 700
        out.append(f'<article class="flag {e(f.severity)}{" short" if short else ""}">')
        out.append(
            f'<div class="head"><p><span class="sev">{e(severity_words(f.severity).upper())}'
            f"</span> · <strong>{e(shown.title)}</strong> <code>{e(f.id)}</code>"
            + (' · <span class="tag">acknowledged</span>' if f.acknowledged else "")
            + "</p>"
        )
        out.append(f"<p>{e(f.message)}</p>")
        facts = [e(figure_words(f.figure_name, f.figure))]
        if f.since is not None:
            facts.append(f"since {e(r.when(f.since))}")
        if f.favoured:
            facts.append(f"favoured: <code>{e(f.favoured)}</code>")
        if f.rival:
            facts.append(f"rival: <code>{e(f.rival)}</code>")
        out.append(f'<p class="remark">{" · ".join(facts)}</p></div>')
        if shown.items:
            # The strongest few: a flag driven by thousands of items lists them in the timeline.
            listed = shown.items[:FLAG_ITEMS_LISTED]
            out.append('<p class="lead">The items that drive it, strongest first:</p><ul>')
            for ident, source, text in listed:
                out.append(f"<li><code>{e(ident)}</code> {e(source)}: {e(text)}</li>")
            if len(shown.items) > len(listed):
                out.append(
                    f'<li class="remark">and {len(shown.items) - len(listed)} more: '
                    f"{e(', '.join(i for i, _, _ in shown.items[len(listed) :]))}</li>"
                )
            out.append("</ul>")
        out.append(
            f'<p class="question"><strong>Supervision question:</strong> {e(f.question)}</p>'
        )
        if f.acknowledged:
            out.append(
                f'<p class="ack"><strong>✓ Acknowledged by the worker.</strong> Reason: '
                f"{e(f.acknowledgement or '')}</p>"
            )
        elif f.earlier_acknowledgement:
            out.append(
                f'<p class="ack"><strong>New since the acknowledgement</strong> '
                f"({e(f.lapsed or '')}). Earlier reason: {e(f.earlier_acknowledgement)}</p>"
            )
        if shown.grounded_in:
            out.append(f'<p class="remark">Grounded in {e(shown.grounded_in)}.</p>')
        out.append("</article>")
    return "\n".join(out)


def _timeline(r: Report) -> str:
    out = [f'<p class="remark">{e(RATIOS_NOTE)} Struck-through text was retracted or replaced.</p>']
    out.append(
        '<table class="timeline"><thead><tr><th>When</th><th>What</th><th>Details</th></tr>'
        "</thead><tbody>"
    )
    for entry in r.timeline:
        what = e(entry.heading)
        if entry.struck and entry.kind == "evidence-recorded":
            what += ' <span class="tag">retracted</span>'
        if entry.who:
            what += f'<br><span class="remark">{e(entry.who)}</span>'
        parts = []
        if entry.text:
            text = e(entry.text)
            parts.append(f"<del>{text}</del>" if entry.struck else text)
        facts = []
        if entry.source:
            facts.append(f"source: {e(entry.source)}")
        if entry.observed:
            facts.append(f"observed {e(entry.observed)}")
        if facts:
            parts.append(f"<small>{' · '.join(facts)}</small>")
        likes = _likelihoods(entry)
        if likes:
            parts.append(likes)
        for remark in entry.remarks:
            parts.append(f'<div class="remark">{e(remark)}</div>')
        # An item's row can be linked to (#t-e4); the time cell is styled by its place.
        anchor = f' id="t-{e(entry.subject)}"' if entry.kind == "evidence-recorded" else ""
        out.append(
            f"<tr{anchor}><td>{e(r.when(entry.at))}</td><td>{what}</td>"
            f"<td>{''.join(parts)}</td></tr>"
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def _notes(r: Report) -> str:
    if not r.notes:
        return "<p>No supervision notes, decisions or sign-offs on file.</p>"
    out = [
        "<table><thead><tr><th>When</th><th>Kind</th><th>By</th><th>Note</th></tr></thead><tbody>"
    ]
    for n in r.notes:
        kind = e(n.kind_words)
        if n.flag:
            kind += f"<br><code>{e(n.flag)}</code>"
        if n.closes:
            kind += '<br><span class="tag">closes the case</span>'
        when = e(r.when(n.at))
        if n.pinned_at is not None:
            # Shown at the moment it is about, marked as written later (DESIGN §6).
            when = (
                f'{e(r.when(n.pinned_at))}<br><span class="remark">written on '
                f"{e(r.when(n.at))}</span>"
            )
        out.append(
            f'<tr><td class="when">{when}</td><td>{kind}</td><td>{e(n.who or "")}</td>'
            f"<td>{e(n.text)}</td></tr>"
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def _judgements(r: Report) -> str:
    if not r.judgements:
        return "<p>No judgement has been recorded.</p>"
    out = [
        "<p>At each judgement: the worker's ratings beside what the evidence on file then gave "
        "each explanation, the items on file then, and the flags as they stood.</p>"
    ]
    # A long case (hundreds of judgements, thousands of items) gets each judgement in a few
    # lines: its ratings on one line, and the new items by id (their text is in the timeline).
    # The full layout there would repeat every item's text and a table per judgement.
    compact = len(r.judgements) > COMPACT_JUDGEMENTS
    if compact:
        out.append(
            f'<p class="remark">{len(r.judgements)} judgements: each in brief, ratings as '
            "worker / evidence then; the items are in the timeline.</p>"
        )
    for j in r.judgements:
        out.append('<section class="judgement">')
        who = f" · {e(j.who)}" if j.who else ""
        out.append(
            '<div class="keep">'
            f"<h3><code>{e(j.id)}</code> · {e(r.when(j.at))}{who} — "
            + (f"favours <code>{e(j.favoured)}</code>" if j.favoured else "no favourite (a tie)")
            + "</h3>"
        )
        if j.note:
            out.append(f"<blockquote>{e(j.note)}</blockquote>")
        if compact:
            ratings = " · ".join(
                f"{'◀ ' if h == j.favoured else ''}{e(h)} {percent(worker)}/{percent(network)}"
                for h, worker, network in j.rows
            )
            out.append(f"<p>{ratings}</p></div>")
            out.append(f"<p><strong>On file then:</strong> {e(on_file_words(j))}")
            if j.new:
                out.append(f"; new: {e(', '.join(ident for ident, _, _ in j.new))}")
            out.append("</p>")
        else:
            out.append(
                '<table><thead><tr><th>Explanation</th><th class="num">Worker</th>'
                '<th class="num">Evidence then (network)</th></tr></thead><tbody>'
            )
            for h, worker, network in j.rows:
                mark = " ◀" if h == j.favoured else ""
                out.append(
                    f"<tr><td><code>{e(h)}</code> {e(r.label(h))}{mark}</td>"
                    f'<td class="num">{percent(worker)}</td>'
                    f'<td class="num">{percent(network)}</td></tr>'
                )
            out.append("</tbody></table></div>")
            out.append(f"<p><strong>On file then:</strong> {e(on_file_words(j))}</p>")
        if j.new and not compact:
            out.append('<p class="lead"><strong>New since the previous judgement:</strong></p><ul>')
            retracted = set(j.retracted)
            for ident, source, text in j.new:
                gone = ident in retracted
                body = f"{e(source)}: {e(text)}"
                out.append(
                    f"<li><code>{e(ident)}</code> {f'<del>{body}</del>' if gone else body}</li>"
                )
            out.append("</ul>")
        flags = (
            ", ".join(
                f"{e(severity_words(sev))} {e(rule)}" + (" (acknowledged)" if ack else "")
                for rule, sev, ack in j.flags
            )
            or "none"
        )
        out.append(f"<p><strong>Flags then:</strong> {flags}</p>")
        out.append("</section>")
    return "\n".join(out)


def _sources(r: Report) -> str:
    if not r.sources and not r.enquiries:
        return "<p>No sources or enquiries on file.</p>"
    out = [
        '<table><thead><tr><th style="width:30%">Source</th><th class="num">Relied on (worker)</th>'
        '<th class="num">Reliable, given the evidence</th><th>Changes</th></tr></thead><tbody>'
    ]
    for s in r.sources:
        changes = "<br>".join(
            [f"{percent(s.initial)} at first"] * bool(s.changes)
            + [
                f"{e(r.when(at))}: {percent(v)}" + (f" — {e(why)}" if why else "")
                for at, v, why in s.changes
            ]
        )
        network = percent(s.network) if s.reliability < 1 else "taken at face value"
        out.append(
            f"<tr><td><code>{e(s.id)}</code> {e(s.label)}</td>"
            f'<td class="num">{percent(s.reliability)}</td><td class="num">{network}</td>'
            f"<td>{changes}</td></tr>"
        )
    out.append("</tbody></table>")
    if r.enquiries:
        out.append(
            "<h3>Enquiries</h3><table><thead><tr><th>Enquiry</th><th>Raised</th>"
            "<th>Status</th></tr></thead><tbody>"
        )
        for q in r.enquiries:
            if q.answered_by is not None:
                status = f"answered by <code>{e(q.answered_by)}</code>: {e(q.answer or '')}"
            elif q.value is not None:
                status = (
                    f"open · worth {q.value.information_gain_bits:.2f} bits<br>"
                    f'<span class="remark">{e(q.value.sentence)}</span>'
                )
            else:
                status = "open"
            out.append(
                f"<tr><td><code>{e(q.id)}</code> {e(q.text)}</td>"
                f'<td class="when">{e(r.when(q.raised))}</td><td>{status}</td></tr>'
            )
        out.append("</tbody></table>")
    return "\n".join(out)


def _method(r: Report) -> str:
    return "\n".join(
        [
            f"<p>{e(NOT_A_VERDICT)}</p>",
            f"<p>{e(RATIOS_NOTE)}</p>",
            *([f"<p>{e(BRIEF_NOTE)}</p>"] if r.brief else []),
            "<p>The network combines the items with each explanation's prior weight by Bayes' "
            "rule; a source the worker relies on less than fully can be explained away as a "
            "whole. Flags compare the worker's judgements with the network's readings at the same "
            "moments: amber from a Bayes factor of 3, red from 20 (Kass &amp; Raftery 1995). A "
            "flag is a prompt for supervision, not a finding.</p>",
            f"<p>This report shows only what was on file at {e(r.when(r.as_of))}: reviews are "
            "written with hindsight, and a just culture judges people by what was known at the "
            "time.</p>",
        ]
    )


def render_html(r: Report) -> str:
    """The whole report as one HTML document."""
    case = r.case
    body = {
        "summary": _summary(r),
        "chart": _chart(r),
        "flags": _flags(r),
        "timeline": _timeline(r),
        "notes": _notes(r),
        "judgements": _judgements(r),
        "sources": _sources(r),
        "method": _method(r),
    }
    if r.requested is not None:
        scope = (
            f"<strong>As known at {e(r.when(r.as_of))}.</strong> Only what was on file then is "
            "shown, the chart included; nothing recorded later appears. Last entry on file by "
            f"then: {e(r.when(r.last_entry))}."
        )
    else:
        scope = (
            f"<strong>As known at {e(r.when(r.as_of))}</strong>, the last entry on file: the "
            "whole timeline."
        )
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Case report: {e(case.title)} — as known at {e(r.when(r.as_of))}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        '<p class="kicker">hypotrack case report</p>',
        f"<h1>{e(case.title)}</h1>",
        f'<p class="meta">Case <code>{e(case.id)}</code> · {e(case.kind)} · opened '
        f"{e(r.when(r.start))} · times in {e(case.timezone)}</p>",
        f'<div class="banner">{scope}</div>',
        "</header>",
        '<nav aria-label="Contents"><ol>',
        *(f'<li><a href="#{key}">{e(title)}</a></li>' for key, title in SECTIONS),
        "</ol></nav>",
        "<main>",
    ]
    for key, title in SECTIONS:
        out.append(f'<section id="{key}"><h2>{e(title)}</h2>\n{body[key]}\n</section>')
    out += [
        "</main>",
        # On paper the sentence is already in "How to read this report", just above.
        f'<footer><span class="screen-only">{e(NOT_A_VERDICT)} </span>Produced by hypotrack '
        f"from case <code>{e(case.id)}</code>, "
        f"as known at {e(r.when(r.as_of))}.</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)
