"""Reports for the case record: self-contained HTML and Markdown, no hindsight, text escaped."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hypotrack.cli import main
from hypotrack.domain import model as m
from hypotrack.domain.casefile import load_case_file, load_case_text
from hypotrack.reasoning.api import analyse, flags
from hypotrack.report.export import export
from hypotrack.report.words import SECTIONS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "models" / "examples"
EXAMPLE = EXAMPLES / "case-format.yaml"
WORKED = EXAMPLES / "worked-bruising.yaml"
LONDON = ZoneInfo("Europe/London")

# A small case that raises flags (one acknowledged) and whose text tries to break out of
# HTML and Markdown.
FLAGGED = """
format: 1
case: {id: flagged, title: "Flagged <case> & \\"quotes\\"", timezone: Europe/London,
       opened: 2026-01-05T09:00:00}
hypotheses:
  - {id: a, label: "Accident <b>bold</b>"}
  - {id: b, label: Inflicted}
  - {id: c, label: Medical}
  - {id: other, label: Something else, catch_all: true}
sources:
  - {id: school, label: "School | nurse"}
  - {id: caller, label: Anonymous caller, reliability: 0.5}
evidence:
  - {id: e1, text: "First <script>alert(1)</script> item", source: school,
     recorded: 2026-01-05T10:00:00, likelihood: {a: likely, b: likely, c: unlikely, other: 0.3}}
  - {id: e2, text: "Second item: bruise | pattern *bold* [link](http://x)", source: school,
     recorded: 2026-01-07T10:00:00,
     likelihood: {a: highly unlikely, b: highly likely, c: unlikely, other: 0.2}}
  - {id: e3, text: "Third item </td></tr></table>", source: caller,
     recorded: 2026-01-08T10:00:00, likelihood: {a: 0.1, b: 0.8}}
  - {id: e4, text: Fourth item later retracted, source: school, recorded: 2026-01-09T10:00:00,
     likelihood: {a: 0.2, b: 0.9}, retracted: {at: 2026-01-12T10:00:00, reason: "Wrong <child>"}}
  - {id: e5, text: Fifth item after the second judgement, source: school,
     recorded: 2026-01-13T10:00:00, likelihood: {a: 0.3, b: 0.6}}
judgements:
  - {id: j1, at: 2026-01-05T12:00:00, by: "W <1>", ratings: {a: 70, b: 15, c: 10, other: 5},
     note: "First view & <i>note</i>"}
  - {id: j2, at: 2026-01-10T12:00:00, by: W, ratings: {a: 70, b: 15, c: 10, other: 5},
     note: Still a}
notes:
  - {at: 2026-01-11T09:00:00, by: S, kind: acknowledgement, flag: contrary-evidence,
     text: "Reason <em>given</em> by worker"}
  - {at: 2026-01-11T10:00:00, by: S, kind: supervision, text: Supervision note text,
     pinned_at: 2026-01-07T10:00:00}
  - {at: 2026-01-14T10:00:00, by: S, kind: sign-off, text: Signed off later}
"""

VOID = {"meta", "br", "link", "img", "input", "hr", "col", "area", "base", "wbr", "source"}
SVG_LEAVES = {"line", "circle", "rect", "path"}


class Page(HTMLParser):
    """Parses a report, checks that elements nest, and keeps its text and structure."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.h2: list[str] = []
        self.errors: list[str] = []
        self._in: str | None = None
        self._buf = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "h2":
            self._in, self._buf = "h2", ""

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))  # <line .../> in SVG: nothing to close

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag == "h2" and self._in == "h2":
            self.h2.append(self._buf.strip())
            self._in = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in:
            self._buf += data

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    assert page.errors == [] and page.stack == [], (page.errors, page.stack)
    return page


def md_text(markdown: str) -> str:
    """Markdown back to plain text, near enough to look for sentences in it."""
    text = re.sub(r"\\(.)", r"\1", markdown)
    return " ".join(unescape(text).split())


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def flagged() -> list:
    return load_case_text(FLAGGED, "flagged.yaml").events


def cases() -> list[Path]:
    return [p for p in (EXAMPLE, WORKED) if p.exists()]


# --- HTML ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", cases(), ids=lambda p: p.stem)
def test_html_parses_and_has_every_section(path: Path) -> None:
    events = load_case_file(path).events
    page = parse(export(events, "html"))
    assert page.h2 == [title for _, title in SECTIONS]
    names = [tag for tag, _ in page.tags]
    assert names.count("svg") == 1 and "path" in names
    for f in flags(analyse(events)):
        assert flat(f.message) in page.all_text
        assert flat(f.question) in page.all_text


def test_html_shows_every_flag_with_its_items_question_and_acknowledgement(flagged: list) -> None:
    html = export(flagged, "html")
    page = parse(html)
    found = flags(analyse(flagged))
    assert {f.id for f in found} >= {"contrary-evidence", "conservatism"}
    articles = re.findall(
        r'<article class="flag (amber|red)(?: short)?">(.*?)</article>', html, re.S
    )
    assert len(articles) == len(found)
    for (severity, body), f in zip(articles, found, strict=True):
        text = " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())
        assert severity == f.severity
        # Never colour alone: the severity in words, with the glyph.
        assert ("‼ RED" if f.severity == "red" else "! AMBER") in text
        assert flat(f.message) in text and flat(f.question) in text
        for item in f.evidence:
            assert item in text
        if f.acknowledged:
            assert "Acknowledged by the worker" in text
            assert "Reason <em>given</em> by worker" in text  # as text, not markup
    assert any(f.acknowledged for f in found)
    assert "Supervision note text" in page.all_text and "Signed off later" in page.all_text
    assert "about 7 Jan 2026 10:00" in page.all_text  # a note pinned to an earlier point


def test_html_is_self_contained_and_printable(flagged: list) -> None:
    html = export(flagged, "html")
    page = parse(html)
    names = {tag for tag, _ in page.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed"}
    for _, attrs in page.tags:
        assert "src" not in attrs
        assert not any(k.startswith("on") for k in attrs)
        assert not str(attrs.get("href") or "#").startswith(("http", "//"))
    without_xmlns = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in without_xmlns.replace("http://x", "") and "https://" not in html
    assert "url(" not in html and "@import" not in html
    assert "@media print" in html and "size: A4" in html


def test_html_escapes_case_text(flagged: list) -> None:
    html = export(flagged, "html")
    page = parse(html)
    names = [tag for tag, _ in page.tags]
    assert "script" not in names and "b" not in names and "em" not in names and "i" not in names
    text = page.all_text
    for raw in (
        "First <script>alert(1)</script> item",
        "Third item </td></tr></table>",
        'Flagged <case> & "quotes"',
        "Accident <b>bold</b>",
        "First view & <i>note</i>",
    ):
        assert raw in text
    assert "&lt;script&gt;" in html


def test_html_marks_amendments_and_retractions(flagged: list) -> None:
    html = export(flagged, "html")
    assert "<del>Fourth item later retracted</del>" in html
    assert "Reason: Wrong &lt;child&gt;" in html
    example = export(load_case_file(EXAMPLE).events, "html")
    assert "<del>Entered against the wrong child</del>" in example  # e3, retracted
    assert "replaced</span>" in example  # e2's first likelihoods, amended
    assert "Shouting predates the baby" in example


# --- no hindsight -------------------------------------------------------------------------------


def test_as_of_leaves_out_everything_recorded_later() -> None:
    events = load_case_file(EXAMPLE).events
    t = datetime(2026, 3, 4, 10, 0, tzinfo=LONDON)
    for fmt in ("html", "md"):
        out = export(events, fmt, t)
        text = parse(out).all_text if fmt == "html" else md_text(out)
        assert "Neighbour reports shouting most nights" in text  # e2, recorded 09:00
        for later in (
            "Entered against the wrong child",  # e3, 11:00
            "Shouting predates the baby",  # e2's amendment, 15:00
            "Clotting screen",  # enquiry q1, 5 March
            "No older sibling in the household",  # rough-play retired, 5 March
            "Discussed alternative explanations",  # n1
            "Strategy discussion",
        ):
            assert later not in text, (fmt, later)
        # The chain head pins the whole history (its hex could hold any two characters).
        body = re.sub(r"[0-9a-f]{64}", "", out)
        assert "j2" not in body and "e4" not in body
    svg = re.search(r"<svg.*</svg>", export(events, "html", t), re.S).group(0)
    assert ">j1<" in svg and ">j2<" not in svg and ">e3<" not in svg


@pytest.mark.parametrize("path", cases(), ids=lambda p: p.stem)
def test_no_hindsight_at_any_moment(path: Path) -> None:
    """At every moment of the timeline, no text recorded later appears in the report."""
    events = load_case_file(path).events

    def said(event: object) -> list[str]:
        if isinstance(event, m.EvidenceRecorded):
            return [event.evidence.text]
        if isinstance(event, m.NoteAdded):
            return [event.note.text]
        if isinstance(event, m.JudgementRecorded) and event.judgement.note:
            return [event.judgement.note]
        if isinstance(event, m.EnquiryRaised):
            return [event.enquiry.text]
        if isinstance(event, m.EvidenceAmended | m.EvidenceRetracted) and event.reason:
            return [event.reason]
        return []

    moments = sorted({e.at for e in events})
    for t in moments[::2] + [moments[-1]]:
        earlier = " ".join(s for e in events if e.at <= t for s in said(e))
        later = [s for e in events if e.at > t for s in said(e) if s not in earlier]
        text = parse(export(events, "html", t)).all_text
        for s in later:
            assert flat(s) not in text, (t, s)


def test_before_the_case_was_opened() -> None:
    events = load_case_file(EXAMPLE).events
    with pytest.raises(ValueError, match="before the case was opened"):
        export(events, "html", datetime(2020, 1, 1, tzinfo=LONDON))


# --- Markdown -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", cases(), ids=lambda p: p.stem)
def test_markdown_has_the_same_sections(path: Path) -> None:
    events = load_case_file(path).events
    md = export(events, "md")
    html = export(events, "html")
    headings = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert headings == parse(html).h2
    text = md_text(md)
    for f in flags(analyse(events)):
        assert flat(f.message) in text


def test_markdown_escapes_case_text(flagged: list) -> None:
    md = export(flagged, "md")
    # No raw tag: every '<' that could open one is backslash-escaped (and no entity shows).
    assert not re.search(r"(?<!\\)<(script|/script|i>|em>)", md) and "\\<script>" in md
    assert "&lt;" not in md and "&amp;" not in md
    assert "[link](http://x)" not in md  # no live link from case text
    assert "\\|" in md  # a pipe in case text does not split a table cell
    # Every table row has as many cells as its header.
    for block in re.split(r"\n\n", md):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        if rows:
            widths = {len(re.split(r"(?<!\\)\|", r)) for r in rows}
            assert len(widths) == 1, block
    text = md_text(md)
    assert "Reason <em>given</em> by worker" in text
    assert "~~Fourth item later retracted~~" in md


# --- the other formats and the command line --------------------------------------------------


def test_yaml_export_as_of_round_trips() -> None:
    events = load_case_file(EXAMPLE).events
    t = datetime(2026, 3, 5, 12, 0, tzinfo=LONDON)
    text = export(events, "yaml", t)
    again = load_case_text(text, "exported.yaml").events
    assert [(e.kind, e.at) for e in again] == [(e.kind, e.at) for e in events if e.at <= t]
    assert "Clotting screen normal" not in text and "Shouting predates the baby" in text
    whole = load_case_text(export(events, "yaml"), "whole.yaml").events
    assert [m.event_to_json(e) for e in whole] == [m.event_to_json(e) for e in events]


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export(load_case_file(EXAMPLE).events, "pdf")


def test_cli_export_html_and_md(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.html"
    assert main(["export", str(EXAMPLE), "--format", "html", "-o", str(out)]) == 0
    parse(out.read_text(encoding="utf-8"))
    assert main(["export", str(EXAMPLE), "--format", "md", "--as-of", "2026-03-02T12:00"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Bruising to a 10-month-old") and "Neighbour reports" not in md


def test_reports_do_not_load_pgmpy() -> None:
    """pgmpy costs seconds to import: only the bif/xmlbif exports may load it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from hypotrack.domain.casefile import load_case_file\n"
        "from hypotrack.report.export import export\n"
        f"events = load_case_file({str(EXAMPLE)!r}).events\n"
        "for fmt in ('yaml', 'html', 'md'):\n"
        "    export(events, fmt)\n"
        "assert 'pgmpy' not in sys.modules, 'pgmpy loaded'\n"
        "assert 'textual' not in sys.modules, 'textual loaded'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (["--format", "html", "--as-of", "2020-01-01"], "before the case was opened"),
        (["--format", "bif", "--as-of", "2026-03-01T08:00"], "before the case was opened"),
    ],
)
def test_cli_export_bad_moment(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(EXAMPLE), *args]) == 2
    assert message in capsys.readouterr().err


def test_network_export_needs_an_open_explanation(tmp_path: Path) -> None:
    bare = tmp_path / "bare.yaml"
    bare.write_text("format: 1\ncase: {id: bare, title: Bare, opened: 2026-01-05T09:00:00}\n")
    events = load_case_file(bare).events
    with pytest.raises(ValueError, match="no explanation is open"):
        export(events, "xmlbif")
    parse(export(events, "html"))  # a report of an empty case is still a report
    assert main(["export", str(bare), "--format", "bif"]) == 2
