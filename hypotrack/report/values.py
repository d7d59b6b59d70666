"""The values a case report is made of: frozen, built once by `content.gather` for both renderers.

Each section of the report has its own values here; the renderers (`html`, `markdown`) only lay
them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from hypotrack.domain import model as m
from hypotrack.domain import wording
from hypotrack.domain.results import EnquiryValue, Flag


@dataclass(frozen=True)
class Explanation:
    id: str
    label: str
    description: str | None
    catch_all: bool
    prior: float
    added: datetime
    retired: datetime | None
    retired_reason: str | None
    network: float | None  # at the report's moment; None once retired
    worker: float | None  # in the latest judgement (normalised over those rated)
    favoured: bool
    unweighed: int = 0  # earlier items not yet weighed against it (added mid-case)


@dataclass(frozen=True, slots=True)
class Likelihood:
    hypothesis: str
    words: str
    neutral: bool = False


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    heading: str
    subject: str | None = None
    who: str | None = None
    text: str | None = None  # case text: the item, the note, the reason
    source: str | None = None  # the source's label, for items
    observed: str | None = None
    likelihoods: list[Likelihood] = field(default_factory=list)
    # Struck through: an item retracted by the report's moment (text and likelihoods), or
    # likelihoods replaced by a later amendment (likelihoods only).
    struck: bool = False
    likelihoods_struck: bool = False
    remarks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FlagChange:
    at: datetime
    number: int  # F1, F2... for the chart's markers (raisings and escalations only)
    rule: str
    severity: str
    # raised / now red / now amber / acknowledged / acknowledgement lapsed / cleared: the timeline
    # walk's transitions (reasoning/timeline.py), in words.
    change: str
    after: str  # what happened just before: "e4 recorded"


@dataclass(frozen=True)
class ShownFlag:
    flag: Flag
    title: str
    grounded_in: str
    items: list[tuple[str, str, str]]  # (id, source label, text) of the driving items
    labels: dict[str, str]


@dataclass(frozen=True)
class Note:
    id: str
    at: datetime
    kind: str
    kind_words: str
    who: str | None
    text: str
    flag: str | None
    closes: bool | None
    pinned_at: datetime | None  # written later about this earlier point of the timeline


@dataclass(frozen=True)
class JudgementThen:
    id: str
    at: datetime
    who: str | None
    favoured: str | None  # None: a tie at the top, no favourite
    note: str | None
    rows: list[tuple[str, float | None, float | None]]  # (explanation, worker, network)
    # Counts, not lists: a list of every item on file at every judgement grows with items ×
    # judgements (176 MB of HTML at 20,000 items). What changed since the previous judgement is
    # listed instead (`new`, `retracted`): over the whole report that is each item once.
    on_file: int  # live items then
    retracted_by_then: int  # items retracted by then
    retracted: list[str]  # ids retracted since the previous judgement
    new: list[tuple[str, str, str]]  # items recorded since the previous judgement: id, source, text
    flags: list[tuple[str, str, bool]]  # (rule, severity, acknowledged) as they stood then


@dataclass(frozen=True)
class SourceRow:
    id: str
    label: str
    initial: float  # the worker's rating when the source was added
    reliability: float  # the worker's rating now
    network: float  # the network's reading of "reliable" now
    changes: list[tuple[datetime, float, str | None]]


@dataclass(frozen=True)
class EnquiryRow:
    id: str
    text: str
    raised: datetime
    answered_by: str | None
    answer: str | None
    value: EnquiryValue | None  # open enquiries only


@dataclass(frozen=True)
class ChartSeries:
    hypothesis: str
    label: str
    network: list[tuple[datetime, float]]  # after each change while the explanation was open
    worker: list[tuple[datetime, float | None]]  # at each judgement; None: not rated then
    added: datetime
    retired: datetime | None


@dataclass(frozen=True, slots=True)
class BeliefStep:
    at: datetime
    what: str
    network: Mapping[str, float]  # the walk's read-only map of the step, shared, not copied
    worker: dict[str, float] | None  # the latest judgement's ratings by then


@dataclass(frozen=True)
class Report:
    case: m.CaseInfo
    tz: ZoneInfo
    as_of: datetime  # the moment covered
    requested: datetime | None  # the --as-of asked for (None: the whole timeline)
    last_entry: datetime
    explanations: list[Explanation]
    favoured: str | None
    latest_judgement: str | None
    counts: dict[str, int]
    flags: list[ShownFlag]
    flag_history: list[FlagChange]
    timeline: list[TimelineEntry]
    notes: list[Note]
    judgements: list[JudgementThen]
    sources: list[SourceRow]
    enquiries: list[EnquiryRow]
    series: list[ChartSeries]
    judgement_marks: list[tuple[datetime, str]]
    steps: list[BeliefStep]
    start: datetime
    end: datetime  # the end of the case's own timeline (pinned notes count where they pin)
    brief: bool = False  # more than BRIEF_ITEMS items: likelihoods as numbers

    def when(self, at: datetime) -> str:
        """A moment in the case's time zone, as on a case record: 2 Mar 2026 10:15."""
        return wording.moment(at, self.tz)

    def day(self, at: datetime) -> str:
        return wording.day(at, self.tz)

    def label(self, hypothesis: str) -> str:
        for e in self.explanations:
            if e.id == hypothesis:
                return e.label
        return hypothesis
