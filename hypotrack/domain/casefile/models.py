"""The case file as written: the pydantic models of its sections (DESIGN §2).

Strict: an unknown key is an error (`extra="forbid"`), and times as written stay as written
(naive in the case's zone, or with an offset) until the cross-checks place them on the
timeline. The JSON Schema (`hypotrack.domain.schema`) is generated from `CaseFile`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator

from hypotrack.domain import model as m
from hypotrack.domain import times
from hypotrack.domain.values import StrictValue

FORMAT_VERSION = 1

Entered = str | float | int


def _sane_year(value: date) -> date:
    times.check_year(value)
    return value


def _not_a_number(value: Any) -> Any:
    # pydantic reads 1 or "1700000000" as seconds since 1970: in a case file that is a slip.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("write a time as a date and time, such as 2026-03-01T09:00")
    if isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
        raise ValueError("write a time as a date and time, such as 2026-03-01T09:00")
    return value


# A time as written: naive (in the case's zone) or with an offset; placed on the timeline by
# `CrossCheck.when`, which refuses a local time that does not exist or happens twice.
FileTime = Annotated[datetime, BeforeValidator(_not_a_number), AfterValidator(_sane_year)]
FileDate = Annotated[datetime | date, BeforeValidator(_not_a_number), AfterValidator(_sane_year)]


class AtReason(StrictValue):
    at: FileTime
    by: str | None = None  # who did it (a team store records the signed-in person)
    reason: str | None = None


class FileCase(StrictValue):
    id: m.Slug
    title: m.Label
    kind: m.CaseKind = "live"
    timezone: m.ZoneName = "UTC"
    opened: FileTime
    by: str | None = None  # who opened the case
    based_on: m.Slug | None = None  # training runs: the teaching case played
    trainee: str | None = None  # training runs: who played it


class FileRelabel(StrictValue):
    """A later wording of an explanation or a source: `label` is the first one."""

    at: FileTime
    by: str | None = None
    label: m.Label
    description: str | None = None  # explanations only


class FileHypothesis(StrictValue):
    id: m.Slug
    label: m.Label
    description: str | None = None
    prior: m.PriorWeight = 1.0
    catch_all: bool = False
    added: FileTime | None = None
    by: str | None = None  # who added it
    relabelled: list[FileRelabel] = []
    retired: AtReason | None = None


class FileReliabilityChange(StrictValue):
    at: FileTime
    by: str | None = None
    reliability: m.Probability
    reason: str | None = None


class FileSource(StrictValue):
    id: m.Slug
    label: m.Label
    reliability: m.Probability = 1.0
    reliability_changes: list[FileReliabilityChange] = []
    relabelled: list[FileRelabel] = []
    added: FileTime | None = None  # a source first heard from later; default: when opened
    by: str | None = None  # who added it


class FileAmendment(StrictValue):
    at: FileTime
    by: str | None = None
    likelihood: dict[m.Slug, Entered]
    reason: str | None = None


class FileEvidence(StrictValue):
    id: m.Slug
    text: m.Text
    source: m.Slug
    observed: FileDate | None = None
    recorded: FileTime
    by: str | None = None  # who recorded it
    likelihood: dict[m.Slug, Entered] | None = None
    answers: m.Answer | None = None
    amended: list[FileAmendment] = []
    retracted: AtReason | None = None


class FileEnquiry(StrictValue):
    id: m.Slug
    text: m.Text
    raised: FileTime
    by: str | None = None  # who raised it
    likelihood: dict[m.Slug, Entered]


class FileJudgement(StrictValue):
    id: m.Slug | None = None
    at: FileTime
    by: str | None = None
    ratings: dict[m.Slug, m.Rating]
    favoured: m.Slug | None = None
    note: str | None = None


class FileNote(StrictValue):
    id: m.Slug | None = None
    at: FileTime
    by: str | None = None
    kind: m.NoteKind
    text: m.Text
    flag: str | None = None
    closes: bool | None = None
    pinned_at: FileTime | None = None  # a note about an earlier point of the timeline


class CaseFile(StrictValue):
    """A whole case file, as written (before the cross-checks of `load_case_file`)."""

    format: Literal[1]
    case: FileCase
    hypotheses: list[FileHypothesis] = []
    sources: list[FileSource] = []
    evidence: list[FileEvidence] = []
    enquiries: list[FileEnquiry] = []
    judgements: list[FileJudgement] = []
    notes: list[FileNote] = []
    teaching: m.Teaching | None = None
