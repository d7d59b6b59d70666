"""How hypotrack says things, the one home for it: times and dates as shown, percentages, odds and
ratios, counts of items, flag severities and note kinds. The app, the command line, the reports
and the flags' sentences all say them through here, so they never disagree.

Times are shown in the case's time zone when one is given (`tz`); without one, an aware time is
shown at the offset it carries (a time on a case's timeline carries the case zone's offset, see
`domain/times.py`), and a date as it is. A missing time (None) shows as "—".

Percentages have one rule (DESIGN §4): an uncertain value never reads 0 % or 100 %. Prose says
"under 1 %" and "over 99 %"; the compact forms of tables say "< 1 %", "<1%" or "<0.1 %" at their own
resolution, and only an exact 0 or 1 (a rating of 0, a certain answer) reads 0 % or 100 %.

Severity never rests on colour alone (STYLE.md): a flag is "‼ red" or "! amber", glyph and word,
wherever it is shown. ▲ and ▼ are kept for bearing (for or against an explanation, up or down).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

Moment = date | datetime

NO_TIME = "—"

# --- times and dates ------------------------------------------------------------------------


def from_iso(text: str | None) -> datetime | None:
    """A time a summary row carries as ISO text ('2026-02-12T10:30:00+00:00'), to be shown; None
    when there is none or it does not read as a time."""
    try:
        return datetime.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def local(at: Moment, tz: ZoneInfo | None = None) -> Moment:
    """`at` in `tz` (an aware time); a date, a time without zone, or no `tz`: as it is."""
    if tz is not None and isinstance(at, datetime) and at.tzinfo is not None:
        return at.astimezone(tz)
    return at


def day(at: Moment | None, tz: ZoneInfo | None = None) -> str:
    """'4 Feb': a day in a list or on an axis."""
    if at is None:
        return NO_TIME
    at = local(at, tz)
    return f"{at.day} {at:%b}"


def day_year(at: Moment | None, tz: ZoneInfo | None = None) -> str:
    """'4 Feb 2026'."""
    if at is None:
        return NO_TIME
    at = local(at, tz)
    return f"{at.day} {at:%b %Y}"


def day_time(at: datetime | None, tz: ZoneInfo | None = None) -> str:
    """'4 Feb 09:30': a moment within a case, where the year goes without saying."""
    if at is None:
        return NO_TIME
    at = local(at, tz)
    return f"{at.day} {at:%b %H:%M}"


def moment(at: datetime | None, tz: ZoneInfo | None = None) -> str:
    """'4 Feb 2026 09:30': a moment as on a case record."""
    if at is None:
        return NO_TIME
    at = local(at, tz)
    return f"{at.day} {at:%b %Y %H:%M}"


def moment_weekday(at: datetime, tz: ZoneInfo | None = None) -> str:
    """'Tue 4 Feb 2026 09:30': the moment replay stands at."""
    at = local(at, tz)
    return f"{at:%a} {at.day} {at:%b %Y %H:%M}"


def day_words(at: Moment, tz: ZoneInfo | None = None) -> str:
    """'4 February': a day in a sentence ("since your review on 4 February")."""
    at = local(at, tz)
    return f"{at.day} {at:%B}"


def month_year(at: Moment, tz: ZoneInfo | None = None) -> str:
    """'Feb 2026': a month on a long axis."""
    return f"{local(at, tz):%b %Y}"


def moment_column(at: datetime | None, tz: ZoneInfo | None = None) -> str:
    """'2026-02-04 09:30': a moment in a command-line table (sorts as text, reads as a date)."""
    if at is None:
        return NO_TIME
    return f"{local(at, tz):%Y-%m-%d %H:%M}"


def observed(at: Moment | None, tz: ZoneInfo | None = None) -> str:
    """When an item happened, as the worker gave it: '4 Feb 2026', '4 Feb 2026 09:30' (a date
    and time), or 'not known'."""
    if at is None:
        return "not known"
    return moment(at, tz) if isinstance(at, datetime) else day_year(at)


# --- percentages ----------------------------------------------------------------------------


def percent(p: float) -> str:
    """A probability in words: '22 %', 'under 1 %', 'over 99 %' (never '0 %' or '100 %')."""
    if p < 0.01:
        return "under 1 %"
    if p > 0.99:
        return "over 99 %"
    return f"{p * 100:.0f} %"


def percent_figure(p: float | None) -> str:
    """A belief in a report's table or line: '22 %', '< 1 %', '> 99 %', '—' (none); an exact 0
    or 1 (a rating of 0) reads as itself."""
    if p is None:
        return NO_TIME
    if 0 < p < 0.005:
        return "< 1 %"
    if 0.995 < p < 1:
        return "> 99 %"
    return f"{p * 100:.0f} %"


def percent_cell(p: float | None) -> str:
    """A belief in the app's four-character cell: ' 22%', ' <1%', '>99%', '  — '."""
    if p is None:
        return "  — "
    if 0 < p < 0.005:
        return " <1%"
    if 0.995 < p < 1:
        return ">99%"
    return f"{p * 100:3.0f}%"


def percent_column(p: float) -> str:
    """A belief in a command-line table, to a tenth: ' 22.5 %', ' <0.1 %', '>99.9 %'."""
    if 0 < p < 0.0005:
        return " <0.1 %"
    if 0.9995 < p < 1:
        return ">99.9 %"
    return f"{p * 100:5.1f} %"


def percent_number(p: float) -> str:
    """A belief in a grid whose heading says '%': '22', '<1', '>99' (an exact 0 or 1: '0', '100')."""
    if 0 < p < 0.005:
        return "<1"
    if 0.995 < p < 1:
        return ">99"
    return f"{p * 100:.0f}"


# --- odds and ratios ------------------------------------------------------------------------


def ratio_text(r: float) -> str:
    """A likelihood ratio or an odds factor as a practitioner reads it: ×3.2, ×1/15, ×1."""
    if r == 0:
        return "×0"
    if math.isinf(r):
        return "×∞"
    if r >= 1:
        return f"×{_number(r)}"
    inverse = _number(1 / r)
    # ×1/1 would read as a change: a factor that rounds to 1 is ×1 either way.
    return "×1" if inverse == "1" else f"×1/{inverse}"


def odds_text(log_odds: float) -> str:
    """A change in log-odds as an odds factor: 'odds ×1/15'."""
    return f"odds {ratio_text(math.exp(log_odds))}"


def times(factor: float) -> str:
    """A ratio of odds in a sentence: 'about 8 times', 'about 2.5 times', 'over 300 times'."""
    if not math.isfinite(factor) or factor >= 1e6:
        return "over a million times"
    if factor >= 100:
        return f"over {int(factor // 100) * 100} times"
    if factor >= 10:
        return f"about {factor:.0f} times"
    return f"about {factor:.1f} times".replace(".0 times", " times")


def _number(x: float) -> str:
    """Two significant figures below 100, whole numbers above: ratios are rough."""
    return f"{x:.2g}" if x < 100 else f"{x:,.0f}"


def figure_words(name: str, x: float) -> str:
    """A flag's figure in words for a report: a probability or a rating as a percentage
    ('under 1 %', never 'probability 0.00099'), a ratio as a factor."""
    if not math.isfinite(x):
        return name
    if "probability" in name or "rating" in name and "rise" not in name:
        return f"{name} {percent(x)}"
    if name == "rise in rating":
        return f"{name} {x * 100:.0f} points"
    if name in ("Bayes factor", "odds change"):
        return f"{name} {ratio_text(x)}"
    return f"{name} {x:.2g}"


# --- counts ---------------------------------------------------------------------------------


def items_on_file(live: int, retracted: int) -> str:
    """The one way the app, the reports and `check` count items: '11 items on file (1
    retracted)' — the live items, and beside them those retracted (still on the record)."""
    text = f"{live} item{'' if live == 1 else 's'} on file"
    return f"{text} ({retracted} retracted)" if retracted else text


# --- bearing --------------------------------------------------------------------------------

#: Up (towards an explanation, raised) and down: the only meaning ▲ and ▼ have.
UP, DOWN = "▲", "▼"


def bearing(change: float) -> str:
    """'▲' for a rise (change > 0), '▼' otherwise."""
    return UP if change > 0 else DOWN


# --- flags and notes ------------------------------------------------------------------------

#: One glyph per severity, everywhere: the app, the command line, the reports.
SEVERITY_GLYPH = {"red": "‼", "amber": "!"}


def severity_glyph(severity: str) -> str:
    """'‼' (red) or '!' (amber)."""
    return SEVERITY_GLYPH.get(severity, "?")


def severity_words(severity: str) -> str:
    """'‼ red' / '! amber': glyph and word, readable without colour."""
    return f"{severity_glyph(severity)} {severity}"


#: What an event did, in a few words, by kind ({} is its subject: "e4 recorded"); the report's
#: timeline and `hypotrack diff` say it the same way. Other kinds are named by their kind.
EVENT_WORDS = {
    "evidence-recorded": "{} recorded",
    "evidence-amended": "{} amended",
    "evidence-retracted": "{} retracted",
    "judgement": "judgement {}",
    "note": "note {}",
    "hypothesis-added": "explanation {} added",
    "hypothesis-retired": "explanation {} retired",
    "reliability-changed": "reliability of {} changed",
    "source-relabelled": "source {} renamed",
    "hypothesis-relabelled": "explanation {} reworded",
    "enquiry-raised": "enquiry {} raised",
}


#: The words for each kind of note (DESIGN §2), in headings and lists.
NOTE_WORDS = {
    "supervision": "Supervision note",
    "decision": "Decision",
    "sign-off": "Sign-off",
    "acknowledgement": "Acknowledgement",
}


def note_words(kind: str) -> str:
    """'Supervision note', 'Decision', 'Sign-off', 'Acknowledgement'."""
    return NOTE_WORDS.get(kind, "Note")
