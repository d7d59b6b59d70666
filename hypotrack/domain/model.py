"""The case model: what a case holds, and the dated events whose fold is its state.

Everything a worker does to a case is an event with a time on the case's timeline. A case
file (YAML) is turned into events; the store keeps events; the state at any moment is the
fold of the events up to then (see `state.py`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, TypeAdapter

from hypotrack.domain import times
from hypotrack.domain.values import StrictValue

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _check_slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(
            "an id is a short slug: lowercase letters, digits, '-' or '_', starting with a letter "
            "or digit, at most 64 characters"
        )
    return value


def _id_as_text(value: Any) -> Any:
    # YAML reads `id: 7` as a number; ids are strings, so take the digits as written.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Slug = Annotated[str, BeforeValidator(_id_as_text), AfterValidator(_check_slug)]
Label = Annotated[str, Field(min_length=1, max_length=500)]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]

# --- numbers: every bound sits here, with the sentence a person reads -------------------

#: A prior weight is relative (default 1); outside this range it is a slip, and a ratio of
#: 10^8 between two explanations is already beyond anything a practitioner can mean.
PRIOR_MIN = 0.0001
PRIOR_MAX = 10_000.0
#: Judgement ratings are normalised over the explanations rated: any scale works (0-1,
#: percentages, 0-10), but not one whose sum overflows.
RATING_MAX = 1_000_000.0


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("a number is needed here (not infinity or NaN)")
    return value


def _prior(value: float) -> float:
    if not (PRIOR_MIN <= _finite(value) <= PRIOR_MAX):
        raise ValueError(
            f"a prior weight is relative (default 1): give a number from {PRIOR_MIN:g} to "
            f"{PRIOR_MAX:g}"
        )
    return value


def _probability(value: float) -> float:
    if not (0.0 <= _finite(value) <= 1.0):
        raise ValueError("a reliability is a number from 0 to 1")
    return value


def _likelihood(value: float) -> float:
    if not (0.0 < _finite(value) <= 1.0):
        raise ValueError("a likelihood is a number in (0, 1]: above 0, at most 1")
    return value


def _open_probability(value: float) -> float:
    if not (0.0 < _finite(value) < 1.0):
        raise ValueError("a probability of a positive answer is strictly between 0 and 1")
    return value


def _rating(value: float) -> float:
    if not (0.0 <= _finite(value) <= RATING_MAX):
        raise ValueError(f"a rating is a number from 0 to {RATING_MAX:,.0f} (they are normalised)")
    return value


def _instant(value: datetime) -> datetime:
    # Every time on a timeline is an instant with a fixed offset (see domain/times.py).
    times.check_year(value)
    return times.fixed(value)


def _sane_date(value: date | datetime) -> date | datetime:
    times.check_year(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return times.fixed(value)
    return value


def _zone_name(value: str) -> str:
    times.zone(value)
    return value


# The bounds are checked by the validators (for the sentences); the schema states them too,
# so an editor validating a case file shows them.
Probability = Annotated[
    float, AfterValidator(_probability), Field(json_schema_extra={"minimum": 0, "maximum": 1})
]
PriorWeight = Annotated[
    float,
    AfterValidator(_prior),
    Field(json_schema_extra={"minimum": PRIOR_MIN, "maximum": PRIOR_MAX}),
]
Likelihood = Annotated[
    float,
    AfterValidator(_likelihood),
    Field(json_schema_extra={"exclusiveMinimum": 0, "maximum": 1}),
]
OpenProbability = Annotated[
    float,
    AfterValidator(_open_probability),
    Field(json_schema_extra={"exclusiveMinimum": 0, "exclusiveMaximum": 1}),
]
Rating = Annotated[
    float, AfterValidator(_rating), Field(json_schema_extra={"minimum": 0, "maximum": RATING_MAX})
]
Instant = Annotated[datetime, AfterValidator(_instant)]
SaneDate = Annotated[date | datetime, AfterValidator(_sane_date)]
ZoneName = Annotated[str, AfterValidator(_zone_name)]

CaseKind = Literal["live", "teaching", "training"]
NoteKind = Literal["supervision", "decision", "sign-off", "acknowledgement"]


class CaseInfo(StrictValue):
    id: Slug
    title: Label
    kind: CaseKind = "live"
    timezone: ZoneName = "UTC"
    opened: Instant
    # A training run: the teaching case it plays, and the trainee.
    based_on: Slug | None = None
    trainee: str | None = None


class RevisionPoint(StrictValue):
    after: Slug
    expect: Literal["question", "revise"]
    why: str | None = None


class Teaching(StrictValue):
    learning_points: list[str] = []
    revision_points: list[RevisionPoint] = []
    truth: Slug | None = None


class HypothesisSpec(StrictValue):
    id: Slug
    label: Label
    description: str | None = None
    prior: PriorWeight = 1.0
    catch_all: bool = False


class SourceSpec(StrictValue):
    id: Slug
    label: Label
    reliability: Probability = 1.0


class Answer(StrictValue):
    enquiry: Slug
    result: Literal["positive", "negative"]


class EvidenceSpec(StrictValue):
    id: Slug
    text: Text
    source: Slug
    observed: SaneDate | None = None
    # The likelihoods as probabilities, per hypothesis rated; unrated ones are neutral.
    likelihood: dict[str, Likelihood]
    # What the worker typed per hypothesis (a yardstick term or a number), kept for export.
    entered: dict[str, str | float] = {}
    answers: Answer | None = None


class EnquirySpec(StrictValue):
    id: Slug
    text: Text
    # P(positive answer | hypothesis), each in (0, 1).
    likelihood: dict[str, OpenProbability]
    entered: dict[str, str | float] = {}


class JudgementSpec(StrictValue):
    id: Slug
    ratings: dict[str, Rating]
    # None: a tie at the top with none named, an open mind (DESIGN §2).
    favoured: Slug | None = None
    note: str | None = None
    # The ratings as the worker gave them (before normalising), kept for export.
    entered: dict[str, Rating] = {}


class NoteSpec(StrictValue):
    id: Slug
    kind: NoteKind
    text: Text
    flag: str | None = None
    closes: bool | None = None
    # A supervision note or sign-off written later about an earlier point of the timeline.
    pinned_at: Instant | None = None


# --- events -------------------------------------------------------------------------------


class EventBase(StrictValue):
    at: Instant
    who: str | None = None


class CaseOpened(EventBase):
    kind: Literal["case-opened"] = "case-opened"
    case: CaseInfo
    teaching: Teaching | None = None


class HypothesisAdded(EventBase):
    kind: Literal["hypothesis-added"] = "hypothesis-added"
    hypothesis: HypothesisSpec


class HypothesisRetired(EventBase):
    kind: Literal["hypothesis-retired"] = "hypothesis-retired"
    id: Slug
    reason: str


class HypothesisRelabelled(EventBase):
    kind: Literal["hypothesis-relabelled"] = "hypothesis-relabelled"
    id: Slug
    label: Label
    description: str | None = None


class SourceAdded(EventBase):
    kind: Literal["source-added"] = "source-added"
    source: SourceSpec


class SourceRelabelled(EventBase):
    """A source renamed (a template's placeholder replaced, a typo put right); its id stays."""

    kind: Literal["source-relabelled"] = "source-relabelled"
    source: Slug
    label: Label


class ReliabilityChanged(EventBase):
    kind: Literal["reliability-changed"] = "reliability-changed"
    source: Slug
    reliability: Probability
    reason: str | None = None


class EvidenceRecorded(EventBase):
    kind: Literal["evidence-recorded"] = "evidence-recorded"
    evidence: EvidenceSpec


class EvidenceAmended(EventBase):
    kind: Literal["evidence-amended"] = "evidence-amended"
    id: Slug
    likelihood: dict[str, Likelihood]
    entered: dict[str, str | float] = {}
    reason: str | None = None


class EvidenceBackRated(EventBase):
    """Earlier items weighed against an explanation added after them (DESIGN §2).

    Each rating takes effect now; the item's ā (the mean of its likelihoods as entered) stays
    as it was. Items in `neutral` were marked neutral on purpose: they count as weighed.
    """

    kind: Literal["items-back-rated"] = "items-back-rated"
    hypothesis: Slug
    likelihood: dict[str, Likelihood] = {}
    entered: dict[str, str | float] = {}
    neutral: list[Slug] = []


class EvidenceRetracted(EventBase):
    kind: Literal["evidence-retracted"] = "evidence-retracted"
    id: Slug
    reason: str | None = None


class EnquiryRaised(EventBase):
    kind: Literal["enquiry-raised"] = "enquiry-raised"
    enquiry: EnquirySpec


class JudgementRecorded(EventBase):
    kind: Literal["judgement"] = "judgement"
    judgement: JudgementSpec


class NoteAdded(EventBase):
    kind: Literal["note"] = "note"
    note: NoteSpec


Event = Annotated[
    CaseOpened
    | HypothesisAdded
    | HypothesisRetired
    | HypothesisRelabelled
    | SourceAdded
    | SourceRelabelled
    | ReliabilityChanged
    | EvidenceRecorded
    | EvidenceAmended
    | EvidenceBackRated
    | EvidenceRetracted
    | EnquiryRaised
    | JudgementRecorded
    | NoteAdded,
    Field(discriminator="kind"),
]

# At equal times: hypotheses added or retired, source reliability changed, evidence recorded,
# amended, retracted, enquiry raised, judgement, note (DESIGN §2); then the order given.
EVENT_RANK: dict[str, int] = {
    "case-opened": -1,
    "hypothesis-added": 0,
    "hypothesis-retired": 0,
    "hypothesis-relabelled": 0,
    # Right after the explanation it weighs (file order keeps it after the addition).
    "items-back-rated": 0,
    "source-added": 1,
    "source-relabelled": 1,
    "reliability-changed": 1,
    "evidence-recorded": 2,
    "evidence-amended": 3,
    "evidence-retracted": 4,
    "enquiry-raised": 5,
    "judgement": 6,
    "note": 7,
}


def event_subject(event: EventBase) -> str | None:
    """The id of the thing an event concerns (the evidence id for an item recorded or retracted)."""
    for attr in ("hypothesis", "source", "evidence", "enquiry", "judgement", "note"):
        inner = getattr(event, attr, None)
        if inner is not None and hasattr(inner, "id"):
            return inner.id
        if isinstance(inner, str):
            return inner
    if isinstance(event, CaseOpened):
        return event.case.id
    return getattr(event, "id", None)


def sort_events(events: Iterable[Event]) -> list[Event]:
    """Timeline order: by time, then the kind order of DESIGN §2, then the order given."""
    return sorted(events, key=lambda e: (e.at, EVENT_RANK[e.kind]))


EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(Event)


def event_from_json(data: dict[str, Any]) -> Any:
    """An event from its JSON form (as stored)."""
    return EVENT_ADAPTER.validate_python(data)


def event_to_json(event: EventBase) -> dict[str, Any]:
    """An event's JSON form (as stored): times as ISO 8601 with their offset."""
    return event.model_dump(mode="json", exclude_none=True)
