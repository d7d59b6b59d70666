"""The report's layout: the chart's time axis, print, plain Markdown, and size linear in the case."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hypotrack.domain.casefile import load_case_text
from hypotrack.report import content, html, svg_chart
from hypotrack.report.content import gather
from hypotrack.report.export import export
from hypotrack.report.words import likelihood_words

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "models" / "examples" / "worked-bruising.yaml"
LONDON = ZoneInfo("Europe/London")

# Two notes written a year after the case, pinned to points within it.
PINNED_A_YEAR_LATER = """
  - at: 2027-02-10T11:00:00
    by: A. Reviewer
    kind: supervision
    pinned_at: 2026-02-05T09:00:00
    text: A year on, reading the file afresh.
  - at: 2027-02-11T16:00:00
    by: A. Reviewer
    kind: sign-off
    pinned_at: 2026-02-12T10:30:00
    text: Review signed off.
"""


@pytest.fixture(scope="module")
def pinned() -> list:
    return load_case_text(WORKED.read_text() + PINNED_A_YEAR_LATER, "pinned.yaml").events


def svg_of(page: str) -> str:
    return re.search(r"<svg.*?</svg>", page, re.S).group(0)


def test_notes_pinned_a_year_later_do_not_stretch_the_chart(pinned: list) -> None:
    r = gather(pinned)
    assert r.end == datetime(2026, 2, 12, 10, 30, tzinfo=LONDON)  # the case's own last moment
    assert r.as_of.year == 2027  # the report still covers the notes written then
    svg = svg_of(html.render_html(r))
    labels = re.findall(r'font-size="10.5">([^<]+)</text>', svg)
    assert labels and not any("2027" in label or "May" in label for label in labels)
    # The judgements of 2-12 February spread across the plot, not into 2 % of it.
    xs = [float(x) for x in re.findall(r"M([\d.]+),0V", svg)]
    plot = svg_chart.W - svg_chart.LEFT - svg_chart.RIGHT
    assert max(xs) - min(xs) > 0.6 * plot
    # Each pinned note is drawn at the moment it is about, and says when it was written.
    assert "about 5 Feb 2026 09:00, written on 10 Feb 2027 11:00" in svg


def test_a_pinned_note_sits_where_it_is_pinned_marked_written_later(pinned: list) -> None:
    r = gather(pinned)
    entry = next(t for t in r.timeline if t.text == "A year on, reading the file afresh.")
    assert entry.at == datetime(2026, 2, 5, 9, 0, tzinfo=LONDON)
    assert entry.remarks == ["written on 10 Feb 2027 11:00, about this point"]
    assert [t.at for t in r.timeline] == sorted(t.at for t in r.timeline)
    assert [n.pinned_at or n.at for n in r.notes] == sorted(n.pinned_at or n.at for n in r.notes)
    page = html.render_html(r)
    assert '5 Feb 2026 09:00<br><span class="remark">written on 10 Feb 2027 11:00' in page
    md = export(pinned, "md")
    assert "5 Feb 2026 09:00 (written on 10 Feb 2027 11:00)" in md


def test_print_keeps_headings_with_their_content_and_small_cards_whole(pinned: list) -> None:
    page = html.render_html(gather(pinned))
    # Up to the end of the style sheet: the regexes below, run over the whole page's text as
    # well, backtracked for 40 s.
    start = page.index("@media print")
    css = page[start : page.index("</style>", start)]
    assert re.search(r"h2, h3, \.lead[^{]*\{ break-after: avoid; \}", css)
    assert ".flag.short" in css and ".flag, .judgement { break-inside: auto; }" in css
    # Long blocks may run on: no rule keeps a whole flag card or judgement on one page.
    kept = [
        sel.strip()
        for rule in re.findall(r"([^{}]+)\{ break-inside: avoid; \}", css)
        for sel in rule.split(",")
    ]
    assert kept and ".flag" not in kept and ".judgement" not in kept
    # Each judgement's heading and ratings are kept together.
    assert page.count('<div class="keep"><h3>') == 6
    # A card with few driving items is marked short (kept whole); the head of every card is.
    assert 'class="flag red"' in page or 'class="flag red short"' in page
    assert page.count('<div class="head">') == page.count("<article class=")


def test_markdown_shows_no_html_entities(pinned: list) -> None:
    md = export(pinned, "md")
    assert "&amp;" not in md and "&lt;" not in md and "&gt;" not in md
    assert "Kass & Raftery" in md


def synthetic(n_items: int) -> list:
    from benchmarks.generate import generate_case, shape_for

    return generate_case(shape_for(n_items, 3))


def test_the_report_grows_linearly_and_lists_no_items_per_judgement() -> None:
    small, large = (len(export(synthetic(n), "html").encode()) for n in (120, 240))
    # Twice the items (and twice the judgements): about twice the file, not four times.
    assert large < 2.3 * small
    r = gather(synthetic(120))
    # What was on file at a judgement is a count; the items are listed once, where new.
    assert all(isinstance(j.on_file, int) for j in r.judgements)
    listed = [ident for j in r.judgements for ident, _, _ in j.new]
    assert len(listed) == len(set(listed))


def test_a_long_case_is_reported_in_brief(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(content, "BRIEF_ITEMS", 50)
    monkeypatch.setattr(html, "COMPACT_JUDGEMENTS", 5)
    r = gather(synthetic(120))
    assert r.brief
    entry = next(t for t in r.timeline if t.kind == "evidence-recorded")
    assert all(
        re.fullmatch(r"[\d.e-]+", like.words) for like in entry.likelihoods if not like.neutral
    )
    page = html.render_html(r)
    assert "the timeline gives each likelihood as a number" in page
    assert (
        "judgements: each in brief" in page
        and "<th>Explanation</th>"
        not in page.split('id="judgements"')[1].split("</section>\n</main>")[0]
    )
    assert likelihood_words(0.65, "likely") == "likely"
    assert likelihood_words(0.65, "likely", brief=True) == "0.65"


def test_the_chart_is_bounded_by_the_picture_not_the_case() -> None:
    many = [(i * 0.01, 10.0 + (i % 37)) for i in range(50_000)]
    path = svg_chart._step_path(many, 700.0)
    assert len(path) < 501 * 25  # one drawing column per unit, a few commands each
    assert path.startswith("M0.0,10.0") and path.endswith("H700.0")
    gap = svg_chart._step_path([(0.0, 5.0), (10.0, None), (20.0, 7.0)], 30.0)
    assert gap == "M0.0,5.0V5.0H10.0M20.0,7.0V7.0H30.0"
