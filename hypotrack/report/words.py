"""The report's own words, shared by both renderers: section headings, the fixed paragraphs, and
how a likelihood or a count is written. Times, percentages, severities and note kinds are said
as everywhere else, through `domain/wording.py`.

One copy of each, so the HTML and the Markdown cannot drift apart. Each renderer escapes these
for its format (`html.e`, `markdown.md`).
"""

from __future__ import annotations

from typing import Any

from hypotrack.domain import model as m
from hypotrack.domain.wording import EVENT_WORDS, items_on_file, severity_words
from hypotrack.domain.yardstick import TERMS, term_for
from hypotrack.report.values import JudgementThen, Report

# Section ids and headings, in order: both renderers use these, so they keep the same sections.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("chart", "Belief lines"),
    ("flags", "Flags"),
    ("timeline", "Timeline"),
    ("notes", "Supervision notes, decisions and sign-offs"),
    ("judgements", "What was known at each judgement"),
    ("sources", "Sources and enquiries"),
    ("method", "How to read this report"),
)

NOT_A_VERDICT = (
    "Every number in this report comes from what a person entered: the explanations, how "
    "expected each item is under each of them, how far each source is relied on. It is not a "
    "risk score and not a verdict."
)
RATIOS_NOTE = (
    "Likelihoods say how expected an item would be if each explanation were true, in the words "
    "of the probability yardstick. Only the ratios between explanations move the beliefs: an "
    "item equally expected under all of them changes nothing."
)
# A report of more than this many items shows likelihoods as numbers (see `likelihood_words`).
BRIEF_ITEMS = 1000
BRIEF_NOTE = (
    f"This case has more than {BRIEF_ITEMS:,} items, so the timeline gives each likelihood as a "
    "number, a term of the yardstick as its midpoint ("
    + ", ".join(f"{term} {p:.2g}" for term, p in TERMS.items())
    + "); the case file keeps them as entered."
)


# A judgement's heading when no explanation is favoured (the timeline, and both renderers).
NO_FAVOURITE = "no favourite (a tie at the top)"

# The transitions of the timeline walk (reasoning/timeline.py), in words.
CHANGE_WORDS = {
    "raised": "raised",
    "escalated": "now {severity}",
    "de-escalated": "now {severity}",
    "acknowledged": "acknowledged",
    "lapsed": "acknowledgement lapsed",
    "closed": "cleared",
}


def method_paragraphs(r: Report) -> list[str]:
    """ "How to read this report", as plain paragraphs (each renderer escapes them)."""
    return [
        NOT_A_VERDICT,
        RATIOS_NOTE,
        *([BRIEF_NOTE] if r.brief else []),
        "The network combines the items with each explanation's prior weight by Bayes' rule; a "
        "source the worker relies on less than fully can be explained away as a whole. Flags "
        "compare the worker's judgements with the network's readings at the same moments: amber "
        "from a Bayes factor of 3, red from 20 (Kass & Raftery 1995). A flag is a prompt for "
        "supervision, not a finding.",
        f"This report shows only what was on file at {r.when(r.as_of)}: reviews are written with "
        "hindsight, and a just culture judges people by what was known at the time.",
    ]


def scope_words(r: Report) -> tuple[str, str]:
    """The moment the report covers, for its banner: (the lead in bold, the rest)."""
    if r.requested is not None:
        return (
            f"As known at {r.when(r.as_of)}.",
            " Only what was on file then is shown, the belief lines included; nothing recorded "
            f"later appears. Last entry on file by then: {r.when(r.last_entry)}.",
        )
    return f"As known at {r.when(r.as_of)}", ", the last entry on file: the whole timeline."


# --- formatting shared by the renderers -----------------------------------------------------


def likelihood_words(probability: float, entered: str | float | None, brief: bool = False) -> str:
    """A likelihood as entered: the yardstick term, or the number with the nearest term.

    `brief` (a report of more than `BRIEF_ITEMS` items): the number alone, to two figures (a term
    as its midpoint). Every item repeats this for every explanation: at 20,000 items the words
    alone are most of the file. The report says so in "How to read this report".
    """
    if brief:
        return f"{probability:.2g}"
    if isinstance(entered, str):
        text = " ".join(entered.strip().lower().split())
        if text in TERMS:
            return text
    return f"{probability:.2g} (≈ {term_for(probability)})"


def after_words(event: Any) -> str:
    """What an event did, in a few words: "e4 recorded"."""
    words = EVENT_WORDS.get(event.kind)
    return event.kind if words is None else words.format(m.event_subject(event) or "")


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def on_file_words(j: JudgementThen) -> str:
    """What was on file at a judgement, counted: '11 items (1 retracted by then; e4 since the
    previous judgement)'."""
    words = plural(j.on_file, "item")
    notes = []
    if j.retracted_by_then:
        notes.append(f"{j.retracted_by_then} retracted by then")
    if j.retracted:
        notes.append(f"{', '.join(j.retracted)} retracted since the previous judgement")
    return words + (f" ({'; '.join(notes)})" if notes else "")


def counts_line(r: Report) -> str:
    """The case in one line: items, sources, judgements, enquiries, flags by severity."""
    c = r.counts
    severities = [f"{c[sev]} {severity_words(sev)}" for sev in ("red", "amber") if c[sev]]
    items = items_on_file(c["items"], c["retracted"])
    return " · ".join(
        [
            items,
            plural(c["sources"], "source"),
            plural(c["judgements"], "judgement"),
            plural(c["open_enquiries"], "open enquiry", "open enquiries"),
            "flags: " + (", ".join(severities) or "none"),
        ]
    )
