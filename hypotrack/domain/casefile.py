"""Case files: the YAML format trainers write, the import/export format.

Loading is strict: unknown keys are errors (with a suggestion), ids stay strings (`no` is
not a boolean here), anchors and aliases are refused (no alias bombs), files over
`MAX_BYTES` are refused before parsing, and every problem is reported with the file, the
place (a line and a path such as `evidence[3].likelihood.medical`) and what is wrong —
never free text from the case. A file with any error yields no case at all.
"""

from __future__ import annotations

import difflib
import stat
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from hypotrack.domain import model as m
from hypotrack.domain import times
from hypotrack.domain.rules import FLAG_IDS
from hypotrack.domain.state import top_rated
from hypotrack.domain.strict_yaml import (
    CaseFileError,
    Lines,
    Problem,
    format_path,
    parse_yaml,
    short,
    showable_key,
)
from hypotrack.domain.yardstick import LikelihoodError, parse_likelihood

FORMAT_VERSION = 1
MAX_BYTES = 4 * 1024 * 1024

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
# `_CrossCheck.when`, which refuses a local time that does not exist or happens twice.
FileTime = Annotated[datetime, BeforeValidator(_not_a_number), AfterValidator(_sane_year)]
FileDate = Annotated[datetime | date, BeforeValidator(_not_a_number), AfterValidator(_sane_year)]


class FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AtReason(FileModel):
    at: FileTime
    by: str | None = None  # who did it (a team store records the signed-in person)
    reason: str | None = None


class FileCase(FileModel):
    id: m.Slug
    title: m.Label
    kind: m.CaseKind = "live"
    timezone: m.ZoneName = "UTC"
    opened: FileTime
    by: str | None = None  # who opened the case
    based_on: m.Slug | None = None  # training runs: the teaching case played
    trainee: str | None = None  # training runs: who played it


class FileRelabel(FileModel):
    """A later wording of an explanation or a source: `label` is the first one."""

    at: FileTime
    by: str | None = None
    label: m.Label
    description: str | None = None  # explanations only


class FileHypothesis(FileModel):
    id: m.Slug
    label: m.Label
    description: str | None = None
    prior: m.PriorWeight = 1.0
    catch_all: bool = False
    added: FileTime | None = None
    by: str | None = None  # who added it
    relabelled: list[FileRelabel] = []
    retired: AtReason | None = None


class FileReliabilityChange(FileModel):
    at: FileTime
    by: str | None = None
    reliability: m.Probability
    reason: str | None = None


class FileSource(FileModel):
    id: m.Slug
    label: m.Label
    reliability: m.Probability = 1.0
    reliability_changes: list[FileReliabilityChange] = []
    relabelled: list[FileRelabel] = []
    added: FileTime | None = None  # a source first heard from later; default: when opened
    by: str | None = None  # who added it


class FileAmendment(FileModel):
    at: FileTime
    by: str | None = None
    likelihood: dict[m.Slug, Entered]
    reason: str | None = None


class FileEvidence(FileModel):
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


class FileEnquiry(FileModel):
    id: m.Slug
    text: m.Text
    raised: FileTime
    by: str | None = None  # who raised it
    likelihood: dict[m.Slug, Entered]


class FileJudgement(FileModel):
    id: m.Slug | None = None
    at: FileTime
    by: str | None = None
    ratings: dict[m.Slug, m.Rating]
    favoured: m.Slug | None = None
    note: str | None = None


class FileNote(FileModel):
    id: m.Slug | None = None
    at: FileTime
    by: str | None = None
    kind: m.NoteKind
    text: m.Text
    flag: str | None = None
    closes: bool | None = None
    pinned_at: FileTime | None = None  # a note about an earlier point of the timeline


class CaseFile(FileModel):
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


# --- errors -------------------------------------------------------------------------------

# Problem and CaseFileError live with the strict YAML reader (it reports them first); they
# are imported from here everywhere else.


# --- loading ------------------------------------------------------------------------------


_format_path = format_path


def _line_for(loc: tuple[Any, ...], lines: Lines) -> int | None:
    return lines.nearest(loc)


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the format allows at the mapping that holds `loc`'s last part."""
    model: Any = CaseFile
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        model = _model_in(annotation)
        if model is None:
            return []
    return list(getattr(model, "model_fields", {}))


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _pydantic_problems(exc: ValidationError, file: str, lines: Lines) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        # pydantic names union members in the location (e.g. 'str', 'float'): drop them.
        loc = tuple(
            p
            for p in loc
            if p not in {"str", "float", "int", "datetime", "date", "bool", "is-instance", "[key]"}
        )
        kind = err["type"]
        if kind == "extra_forbidden":
            key = loc[-1] if loc else ""
            allowed = _allowed_keys(loc)
            if showable_key(key):
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = (
                    f"; did you mean '{close[0]}'?"
                    if close
                    else (f" (allowed here: {', '.join(allowed)})" if allowed else "")
                )
                message = f"unknown key '{short(str(key))}'{hint}"
            else:
                # Free text where a key belongs: most often a continuation line that lost its
                # indent. It is case text, so it is not repeated here.
                message = (
                    "a line of text where a key belongs: indent a continuation line under "
                    "its key, or quote the whole text"
                )
                loc = loc[:-1]
        elif kind == "missing":
            message = "required, but missing"
        elif kind == "literal_error" and loc == ("format",):
            message = f"unknown format version: this hypotrack reads format {FORMAT_VERSION}"
        else:
            message = err["msg"]
            if message.startswith("Value error, "):
                message = message[len("Value error, ") :]
        problems.append(Problem(file, _line_for(loc, lines), _format_path(loc), message))
    # One message per place is enough (unions report each member).
    seen: set[tuple[str, str]] = set()
    unique = []
    for p in problems:
        if (p.path, p.message) not in seen:
            seen.add((p.path, p.message))
            unique.append(p)
    return unique


def read_case_text(path: Path) -> str:
    """The text of a case file, refusing what is not a reasonably sized text file."""
    name = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise CaseFileError([Problem(name, None, "", "no such file")]) from None
    except OSError as exc:
        raise CaseFileError([Problem(name, None, "", f"cannot be read ({exc.strerror})")]) from None
    size = info.st_size
    if stat.S_ISDIR(info.st_mode):
        raise CaseFileError([Problem(name, None, "", "is a folder, not a case file")])
    if not stat.S_ISREG(info.st_mode):
        # A pipe or a device (/dev/zero) would block or never end.
        raise CaseFileError([Problem(name, None, "", "not a regular file: give a case file")])
    if size > MAX_BYTES:
        raise CaseFileError(
            [
                Problem(
                    name,
                    None,
                    "",
                    f"too big ({size // 1024} KiB): a case file is at most {MAX_BYTES // 1024 // 1024} MiB",
                )
            ]
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CaseFileError([Problem(name, None, "", f"cannot be read ({exc.strerror})")]) from None
    if len(raw) > MAX_BYTES:  # it grew since stat
        raise CaseFileError(
            [
                Problem(
                    name,
                    None,
                    "",
                    f"too big: a case file is at most {MAX_BYTES // 1024 // 1024} MiB",
                )
            ]
        )
    if b"\x00" in raw:
        raise CaseFileError([Problem(name, None, "", "not a text file (it holds binary data)")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CaseFileError([Problem(name, line, "", "not UTF-8 text")]) from None


def load_case_file(path: str | Path) -> LoadedCase:
    """Read, validate and cross-check a case file. Raises CaseFileError with every problem."""
    path = Path(path)
    return load_case_text(read_case_text(path), str(path))


def load_case_text(text: str, file: str = "<text>") -> LoadedCase:
    """As `load_case_file`, for text already in memory."""
    data, lines = parse_yaml(text, file)
    if not isinstance(data, dict):
        raise CaseFileError(
            [Problem(file, 1, "", "a case file is a mapping that starts with 'format: 1'")]
        )
    if "format" in data and data["format"] != FORMAT_VERSION:
        raise CaseFileError(
            [
                Problem(
                    file,
                    lines.get(("format",)),
                    "format",
                    f"unknown format version: this hypotrack reads format {FORMAT_VERSION}",
                )
            ]
        )
    try:
        parsed = CaseFile.model_validate(data)
    except ValidationError as exc:
        raise CaseFileError(_pydantic_problems(exc, file, lines)) from None
    checker = _CrossCheck(parsed, file, lines)
    try:
        events = checker.run()
    except ValidationError as exc:
        # An event the file model let through but the case model refuses: the file's problems
        # explain it when there are any; otherwise say where, as for the file model.
        raise CaseFileError(checker.problems or _pydantic_problems(exc, file, lines)) from None
    if checker.problems:
        raise CaseFileError(checker.problems)
    _folds(events, parsed, file, lines)
    return LoadedCase(file=parsed, events=events)


_SECTION_OF_KIND = {
    "hypothesis-added": "hypotheses",
    "hypothesis-retired": "hypotheses",
    "source-added": "sources",
    "reliability-changed": "sources",
    "evidence-recorded": "evidence",
    "evidence-amended": "evidence",
    "evidence-retracted": "evidence",
    "enquiry-raised": "enquiries",
    "judgement": "judgements",
    "note": "notes",
}


def _folds(events: list[Any], parsed: CaseFile, file: str, lines: Lines) -> None:
    """The last check: the timeline folds (what import, beliefs and the app will do with it).

    The cross-checks above are meant to catch everything the fold refuses, with a better
    place; this makes sure `check` never accepts a file that a later command refuses.
    """
    from hypotrack.domain.state import CaseState, EventRejected

    state = CaseState()
    for event in events:
        try:
            state.apply(event)
        except EventRejected as exc:
            section = _SECTION_OF_KIND.get(event.kind, "")
            subject = m.event_subject(event)
            loc: tuple[Any, ...] = (section,) if section else ()
            for i, entry in enumerate(getattr(parsed, section, []) if section else []):
                if getattr(entry, "id", None) == subject:
                    loc = (section, i)
                    break
            raise CaseFileError(
                [Problem(file, _line_for(loc, lines), _format_path(loc), short(str(exc), 120))]
            ) from None


@dataclass(frozen=True)
class LoadedCase:
    """A valid case file and the timeline of events it describes."""

    file: CaseFile
    events: list[Any]

    @property
    def case(self) -> m.CaseInfo:
        return self.events[0].case


def _accepted(entered: dict[str, Any], probs: dict[str, float]) -> dict[str, Any]:
    """What the worker typed for the likelihoods that were accepted (numbers as floats)."""
    out: dict[str, Any] = {}
    for h, value in entered.items():
        if h in probs:
            out[h] = value if isinstance(value, str) else probs[h]
    return out


class _CrossCheck:
    """The checks pydantic cannot do alone: ids, references, times; then the events."""

    def __init__(self, parsed: CaseFile, file: str, lines: Lines) -> None:
        self.f = parsed
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []
        self.tz: ZoneInfo = ZoneInfo("UTC")

    def problem(self, loc: tuple[Any, ...], message: str) -> None:
        self.problems.append(
            Problem(self.file, _line_for(loc, self.lines), _format_path(loc), message)
        )

    def when(self, value: datetime | date, loc: tuple[Any, ...] | None) -> datetime:
        """A file's time as a timeline instant (see domain/times.py); a time that cannot be
        placed is a problem at `loc` (None: already reported), read as UTC to go on checking.
        """
        try:
            return times.instant(value, self.tz)
        except times.TimeError as exc:
            if loc is not None:
                self.problem(loc, str(exc))
            if not isinstance(value, datetime):
                value = datetime(value.year, value.month, value.day)
            return value.replace(tzinfo=value.tzinfo or times.UTC)

    def observed(
        self, value: datetime | date | None, loc: tuple[Any, ...]
    ) -> date | datetime | None:
        """When an item happened: a date stays a date; a time becomes an instant."""
        if value is None or not isinstance(value, datetime):
            return value
        return self.when(value, loc)

    def likelihoods(
        self,
        loc: tuple[Any, ...],
        entered: dict[str, Any],
        known: dict[str, Any],
        open_interval: bool = False,
    ) -> dict[str, float]:
        out: dict[str, float] = {}
        for hyp, value in entered.items():
            if hyp not in known:
                self.unknown(loc + (hyp,), "hypothesis", hyp, list(known))
                continue
            try:
                p = parse_likelihood(value)
            except LikelihoodError as exc:
                self.problem(loc + (hyp,), str(exc))
                continue
            if open_interval and p >= 1.0:
                self.problem(
                    loc + (hyp,),
                    "a probability of a positive answer must be below 1 (strictly between 0 and 1)",
                )
                continue
            out[hyp] = p
        return out

    def collect_back(
        self,
        back: dict[str, list[tuple[int, FileEvidence, float | None, Any]]],
        i: int,
        e: FileEvidence,
        loc: tuple[Any, ...],
        ratings: dict[str, Any],
        hyps: dict[str, Any],
    ) -> None:
        """Set aside an item's back-ratings (or `neutral` marks) under later explanations."""
        plain = {h: v for h, v in ratings.items() if not (isinstance(v, str) and _is_neutral(v))}
        probs = self.likelihoods(loc + ("likelihood",), plain, hyps)
        for h, v in ratings.items():
            if h in plain and h not in probs:
                continue  # a bad value, already reported
            back.setdefault(h, []).append((i, e, probs.get(h), v if h in plain else None))

    def back_ratings(
        self,
        back: dict[str, list[tuple[int, FileEvidence, float | None, Any]]],
        added_at: dict[str, datetime],
        retired_at: dict[str, datetime],
    ) -> list[m.EvidenceBackRated]:
        """One event per explanation added mid-case: the earlier items rated under it."""
        out = []
        for h, rows in back.items():
            at = added_at[h]
            likelihood: dict[str, float] = {}
            entered: dict[str, Any] = {}
            neutral: list[str] = []
            for i, e, p, typed in rows:
                loc = ("evidence", i, "likelihood", h)
                if e.retracted is not None and self.when(e.retracted.at, None) <= at:
                    self.problem(loc, "the item was retracted before this explanation was added")
                elif h in retired_at and retired_at[h] <= at:
                    self.problem(loc, "this explanation was retired when it was added")
                elif p is None:
                    neutral.append(e.id)
                else:
                    likelihood[e.id] = p
                    entered[e.id] = typed
            if likelihood or neutral:
                out.append(
                    m.EvidenceBackRated(
                        at=at, hypothesis=h, likelihood=likelihood, entered=entered, neutral=neutral
                    )
                )
        return out

    def unknown(self, loc: tuple[Any, ...], what: str, value: str, known: list[str]) -> None:
        close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
        hint = (
            f"; did you mean '{close[0]}'?"
            if close
            else (f" (known: {', '.join(known[:12])})" if known else f" (no {what}s are listed)")
        )
        if not showable_key(value):
            loc = loc[:-1] if loc and loc[-1] == value else loc
            self.problem(loc, f"not a {what} id: text where an id belongs")
            return
        self.problem(loc, f"unknown {what} '{short(value)}'{hint}")

    def duplicates(self, section: str, ids: list[str | None]) -> None:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident is None:
                continue
            if ident in seen:
                self.problem((section, i, "id"), f"duplicate id '{ident}' in {section}")
            seen.add(ident)

    def run(self) -> list[Any]:
        f = self.f
        try:
            self.tz = times.zone(f.case.timezone)
        except times.TimeError as exc:  # pragma: no cover - the file model checks it first
            self.problem(("case", "timezone"), str(exc))
        opened = self.when(f.case.opened, ("case", "opened"))
        events: list[Any] = []
        events.append(
            m.CaseOpened(
                at=opened,
                who=f.case.by,
                case=m.CaseInfo(
                    id=f.case.id,
                    title=f.case.title,
                    kind=f.case.kind,
                    timezone=f.case.timezone,
                    opened=opened,
                    based_on=f.case.based_on,
                    trainee=f.case.trainee,
                ),
                teaching=f.teaching,
            )
        )
        self.duplicates("hypotheses", [h.id for h in f.hypotheses])
        self.duplicates("sources", [s.id for s in f.sources])
        self.duplicates("evidence", [e.id for e in f.evidence])
        self.duplicates("enquiries", [q.id for q in f.enquiries])
        judgement_ids = [j.id or f"j{i + 1}" for i, j in enumerate(f.judgements)]
        note_ids = [n.id or f"n{i + 1}" for i, n in enumerate(f.notes)]
        self.duplicates("judgements", judgement_ids)
        self.duplicates("notes", note_ids)

        hyps = {h.id: h for h in f.hypotheses}
        added_at: dict[str, datetime] = {}
        retired_at: dict[str, datetime] = {}
        for i, h in enumerate(f.hypotheses):
            at = self.when(h.added, ("hypotheses", i, "added")) if h.added else opened
            if at < opened:
                self.problem(("hypotheses", i, "added"), "before the case was opened")
            added_at[h.id] = at
            events.append(
                m.HypothesisAdded(
                    at=at,
                    who=h.by,
                    hypothesis=m.HypothesisSpec(
                        id=h.id,
                        label=h.label,
                        description=h.description,
                        prior=h.prior,
                        catch_all=h.catch_all,
                    ),
                )
            )
            for k, relabel in enumerate(h.relabelled):
                l_at = self.when(relabel.at, ("hypotheses", i, "relabelled", k, "at"))
                if l_at < at:
                    self.problem(("hypotheses", i, "relabelled", k, "at"), "before it was added")
                events.append(
                    m.HypothesisRelabelled(
                        at=l_at,
                        who=relabel.by,
                        id=h.id,
                        label=relabel.label,
                        description=relabel.description,
                    )
                )
            if h.retired:
                r_at = self.when(h.retired.at, ("hypotheses", i, "retired", "at"))
                if r_at < at:
                    self.problem(("hypotheses", i, "retired", "at"), "retired before it was added")
                retired_at[h.id] = r_at
                events.append(
                    m.HypothesisRetired(
                        at=r_at, who=h.retired.by, id=h.id, reason=h.retired.reason or ""
                    )
                )
        if len([h for h in f.hypotheses if h.catch_all]) > 1:
            self.problem(("hypotheses",), "more than one catch-all explanation: keep one")

        def live_at(hyp: str, at: datetime) -> bool:
            return added_at.get(hyp, opened) <= at and not (
                hyp in retired_at and retired_at[hyp] <= at
            )

        sources = {s.id: s for s in f.sources}
        source_at: dict[str, datetime] = {}
        for i, s in enumerate(f.sources):
            s_at = self.when(s.added, ("sources", i, "added")) if s.added else opened
            if s_at < opened:
                self.problem(("sources", i, "added"), "before the case was opened")
            source_at[s.id] = s_at
            events.append(
                m.SourceAdded(
                    at=s_at,
                    who=s.by,
                    source=m.SourceSpec(id=s.id, label=s.label, reliability=s.reliability),
                )
            )
            for k, change in enumerate(s.reliability_changes):
                c_at = self.when(change.at, ("sources", i, "reliability_changes", k, "at"))
                if c_at < s_at:
                    self.problem(
                        ("sources", i, "reliability_changes", k, "at"),
                        "before the source was added (or the case opened)",
                    )
                events.append(
                    m.ReliabilityChanged(
                        at=c_at,
                        who=change.by,
                        source=s.id,
                        reliability=change.reliability,
                        reason=change.reason,
                    )
                )
            for k, relabel in enumerate(s.relabelled):
                l_at = self.when(relabel.at, ("sources", i, "relabelled", k, "at"))
                if l_at < s_at:
                    self.problem(
                        ("sources", i, "relabelled", k, "at"),
                        "before the source was added (or the case opened)",
                    )
                if relabel.description is not None:
                    self.problem(
                        ("sources", i, "relabelled", k, "description"),
                        "a source has no description: give only its new label",
                    )
                events.append(
                    m.SourceRelabelled(at=l_at, who=relabel.by, source=s.id, label=relabel.label)
                )

        enquiries = {q.id: q for q in f.enquiries}
        enquiry_p: dict[str, dict[str, float]] = {}
        enquiry_at: dict[str, datetime] = {}
        for i, q in enumerate(f.enquiries):
            at = self.when(q.raised, ("enquiries", i, "raised"))
            enquiry_at[q.id] = at
            if at < opened:
                self.problem(("enquiries", i, "raised"), "before the case was opened")
            probs = self.likelihoods(
                ("enquiries", i, "likelihood"), q.likelihood, hyps, open_interval=True
            )
            if not q.likelihood:
                self.problem(
                    ("enquiries", i, "likelihood"),
                    "give P(positive answer) for at least one explanation",
                )
            for h in list(probs):
                if added_at.get(h, opened) > at:
                    self.problem(
                        ("enquiries", i, "likelihood", h),
                        "this explanation was added after the enquiry was raised",
                    )
                    del probs[h]
            enquiry_p[q.id] = probs
            events.append(
                m.EnquiryRaised(
                    at=at,
                    who=q.by,
                    enquiry=m.EnquirySpec(
                        id=q.id,
                        text=q.text,
                        likelihood=probs,
                        entered=_accepted(q.likelihood, probs),
                    ),
                )
            )

        answered: dict[str, int] = {}
        back: dict[str, list[tuple[int, FileEvidence, float | None, Any]]] = {}
        for i, e in enumerate(f.evidence):
            loc = ("evidence", i)
            at = self.when(e.recorded, loc + ("recorded",))
            if at < opened:
                self.problem(loc + ("recorded",), "before the case was opened")
            observed = self.observed(e.observed, loc + ("observed",))
            if observed is not None and self.when(e.observed, None) > at + timedelta(days=1):
                self.problem(
                    loc + ("observed",),
                    "after it was recorded: an item is observed before the worker learns of it",
                )
            if e.source not in sources:
                self.unknown(loc + ("source",), "source", e.source, list(sources))
            elif source_at[e.source] > at:
                self.problem(loc + ("source",), "recorded before this source was added")
            entered: dict[str, Any]
            later = [h for h in e.likelihood or {} if h in hyps and added_at[h] > at]
            if e.answers is not None:
                if e.likelihood is not None and len(later) == len(e.likelihood):
                    # Only back-ratings: explanations added after the item (DESIGN §2).
                    self.collect_back(back, i, e, loc, dict(e.likelihood), hyps)
                elif e.likelihood is not None:
                    self.problem(
                        loc + ("likelihood",),
                        "an item that answers an enquiry takes its likelihoods from the enquiry: remove 'likelihood'",
                    )
                q = e.answers.enquiry
                if q not in enquiries:
                    self.unknown(loc + ("answers", "enquiry"), "enquiry", q, list(enquiries))
                    continue
                if q in answered:
                    self.problem(
                        loc + ("answers", "enquiry"),
                        f"enquiry '{q}' is already answered by evidence[{answered[q]}]",
                    )
                answered[q] = i
                if enquiry_at[q] > at:
                    self.problem(
                        loc + ("answers", "enquiry"), "recorded before the enquiry was raised"
                    )
                positive = e.answers.result == "positive"
                probs = {h: (p if positive else 1.0 - p) for h, p in enquiry_p[q].items()}
                entered = {}
            else:
                if not e.likelihood:
                    self.problem(
                        loc + ("likelihood",),
                        "give a likelihood for at least one explanation (how expected this is under it)",
                    )
                    continue
                # A likelihood for an explanation added after the item was recorded is a
                # back-rating: it takes effect when the explanation is added (DESIGN §2).
                self.collect_back(back, i, e, loc, {h: e.likelihood[h] for h in later}, hyps)
                now = {h: v for h, v in e.likelihood.items() if h not in later}
                for h, v in now.items():
                    if isinstance(v, str) and _is_neutral(v):
                        self.problem(
                            loc + ("likelihood", h),
                            "'neutral' marks an earlier item weighed against an explanation "
                            "added after it; for any other, leave the explanation out",
                        )
                probs = self.likelihoods(loc + ("likelihood",), now, hyps)
                entered = _accepted(now, probs)
                if not now:
                    self.problem(
                        loc + ("likelihood",),
                        "give a likelihood for at least one explanation live when it was recorded",
                    )
                    continue
            if not probs:
                continue
            events.append(
                m.EvidenceRecorded(
                    at=at,
                    who=e.by,
                    evidence=m.EvidenceSpec(
                        id=e.id,
                        text=e.text,
                        source=e.source,
                        observed=observed,
                        likelihood=probs,
                        entered=entered,
                        answers=e.answers,
                    ),
                )
            )
            for k, amendment in enumerate(e.amended):
                a_at = self.when(amendment.at, loc + ("amended", k, "at"))
                if a_at < at:
                    self.problem(loc + ("amended", k, "at"), "amended before it was recorded")
                a_probs = self.likelihoods(
                    loc + ("amended", k, "likelihood"), amendment.likelihood, hyps
                )
                if not amendment.likelihood:
                    self.problem(loc + ("amended", k, "likelihood"), "give the new likelihoods")
                    continue
                events.append(
                    m.EvidenceAmended(
                        at=a_at,
                        who=amendment.by,
                        id=e.id,
                        likelihood=a_probs,
                        entered=_accepted(amendment.likelihood, a_probs),
                        reason=amendment.reason,
                    )
                )
            if e.retracted:
                r_at = self.when(e.retracted.at, loc + ("retracted", "at"))
                if r_at < at:
                    self.problem(loc + ("retracted", "at"), "retracted before it was recorded")
                events.append(
                    m.EvidenceRetracted(
                        at=r_at, who=e.retracted.by, id=e.id, reason=e.retracted.reason
                    )
                )

        events.extend(self.back_ratings(back, added_at, retired_at))

        for i, j in enumerate(f.judgements):
            loc = ("judgements", i)
            at = self.when(j.at, loc + ("at",))
            if at < opened:
                self.problem(loc + ("at",), "before the case was opened")
            ratings: dict[str, float] = {}
            for h, value in j.ratings.items():
                if h not in hyps:
                    self.unknown(loc + ("ratings", h), "hypothesis", h, list(hyps))
                elif not live_at(h, at):
                    self.problem(
                        loc + ("ratings", h),
                        "this explanation was not live at the time of the judgement",
                    )
                else:
                    ratings[h] = float(value)
            if not j.ratings:
                self.problem(loc + ("ratings",), "rate at least one explanation")
                continue
            total = sum(ratings.values())
            if ratings and total <= 0:
                self.problem(
                    loc + ("ratings",),
                    "the ratings are all zero: give the explanation you favour a positive rating",
                )
                continue
            if not ratings:
                continue
            # A tie at the top with none named: no favourite (an open mind, DESIGN §2).
            favoured = j.favoured or top_rated(ratings)
            if j.favoured and j.favoured not in ratings:
                self.problem(
                    loc + ("favoured",), "the favoured explanation must be one of those rated"
                )
                continue
            events.append(
                m.JudgementRecorded(
                    at=at,
                    who=j.by,
                    judgement=m.JudgementSpec(
                        id=judgement_ids[i],
                        ratings={h: v / total for h, v in ratings.items()},
                        favoured=favoured,
                        note=j.note,
                        entered=ratings,
                    ),
                )
            )

        for i, n in enumerate(f.notes):
            loc = ("notes", i)
            at = self.when(n.at, loc + ("at",))
            if at < opened:
                self.problem(loc + ("at",), "before the case was opened")
            if n.flag is not None and n.kind != "acknowledgement":
                self.problem(loc + ("flag",), "only an acknowledgement names a flag")
            if n.kind == "acknowledgement" and n.flag is None:
                self.problem(
                    loc + ("flag",),
                    "an acknowledgement names the flag it answers (for example contrary-evidence)",
                )
            if n.flag is not None and n.flag not in FLAG_IDS:
                self.unknown(loc + ("flag",), "flag", n.flag, list(FLAG_IDS))
            pinned = self.when(n.pinned_at, loc + ("pinned_at",)) if n.pinned_at else None
            if pinned is not None and not (opened <= pinned <= at):
                self.problem(
                    loc + ("pinned_at",),
                    "a note pins to a moment between the case opening and the note",
                )
            if n.closes is not None and n.kind != "decision":
                self.problem(loc + ("closes",), "only a decision closes a case")
            events.append(
                m.NoteAdded(
                    at=at,
                    who=n.by,
                    note=m.NoteSpec(
                        id=note_ids[i],
                        kind=n.kind,
                        text=n.text,
                        flag=n.flag,
                        closes=n.closes,
                        pinned_at=pinned,
                    ),
                )
            )

        if f.teaching is not None:
            ids = {e.id for e in f.evidence}
            for k, point in enumerate(f.teaching.revision_points):
                if point.after not in ids:
                    self.unknown(
                        ("teaching", "revision_points", k, "after"),
                        "evidence item",
                        point.after,
                        sorted(ids),
                    )
            if f.teaching.truth is not None and f.teaching.truth not in hyps:
                self.unknown(("teaching", "truth"), "hypothesis", f.teaching.truth, list(hyps))
        return m.sort_events(events)


# --- export -------------------------------------------------------------------------------


def _is_neutral(value: str) -> bool:
    return " ".join(value.strip().lower().split()) == "neutral"


def _local(at: datetime, tz: ZoneInfo) -> datetime:
    """A time in the case's zone, written without the zone (the file's convention), or with
    its offset when that local time happens twice (the hour the clocks go back)."""
    local = at.astimezone(tz)
    if times.is_ambiguous(local):
        return times.fixed(local)
    return local.replace(tzinfo=None)


def _by(event: Any, entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` with ``by:`` after its ``at:`` when the event names who made it."""
    if not event.who:
        return entry
    at, *rest = entry.items()
    return dict([at, ("by", event.who), *rest])


def _entered_or(
    probs: dict[str, float], entered: dict[str, Any], order: dict[str, Any]
) -> dict[str, Any]:
    """What the worker entered (else the probabilities), in the order of the explanations.

    The store keeps payloads with sorted keys; ordering by the explanations makes the export
    the same whether the events come from a file or from the store.
    """
    values = entered or probs
    rank = {h: i for i, h in enumerate(order)}
    return {h: values[h] for h in sorted(values, key=lambda h: (rank.get(h, len(rank)), h))}


def events_to_case_dict(events: list[Any]) -> dict[str, Any]:
    """The case-file form (a dict ready for YAML) of a timeline of events.

    Everything round-trips: a renamed explanation or source keeps its first label, with each
    later wording under `relabelled:` (when, by whom).
    """
    opened = next(e for e in events if isinstance(e, m.CaseOpened))
    tz = ZoneInfo(opened.case.timezone)
    case: dict[str, Any] = {
        "id": opened.case.id,
        "title": opened.case.title,
        "kind": opened.case.kind,
        "timezone": opened.case.timezone,
        "opened": _local(opened.at, tz),
    }
    if opened.who:
        case["by"] = opened.who
    if opened.case.based_on is not None:
        case["based_on"] = opened.case.based_on
    if opened.case.trainee is not None:
        case["trainee"] = opened.case.trainee
    hyps: dict[str, dict[str, Any]] = {}
    sources: dict[str, dict[str, Any]] = {}
    evidence: dict[str, dict[str, Any]] = {}
    enquiries: dict[str, dict[str, Any]] = {}
    judgements: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for e in events:
        if isinstance(e, m.HypothesisAdded):
            h = e.hypothesis
            entry: dict[str, Any] = {"id": h.id, "label": h.label}
            if h.description is not None:
                entry["description"] = h.description
            if h.prior != 1.0:
                entry["prior"] = h.prior
            if h.catch_all:
                entry["catch_all"] = True
            if e.at != opened.at:
                entry["added"] = _local(e.at, tz)
            if e.who:
                entry["by"] = e.who
            hyps[h.id] = entry
        elif isinstance(e, m.HypothesisRetired):
            hyps[e.id]["retired"] = _by(e, {"at": _local(e.at, tz), "reason": e.reason})
        elif isinstance(e, m.HypothesisRelabelled):
            relabel: dict[str, Any] = {"at": _local(e.at, tz)}
            if e.who is not None:
                relabel["by"] = e.who
            relabel["label"] = e.label
            if e.description is not None:
                relabel["description"] = e.description
            hyps[e.id].setdefault("relabelled", []).append(relabel)
        elif isinstance(e, m.SourceRelabelled):
            relabel = {"at": _local(e.at, tz)}
            if e.who is not None:
                relabel["by"] = e.who
            relabel["label"] = e.label
            sources[e.source].setdefault("relabelled", []).append(relabel)
        elif isinstance(e, m.SourceAdded):
            s = e.source
            sources[s.id] = {"id": s.id, "label": s.label}
            if s.reliability != 1.0:
                sources[s.id]["reliability"] = s.reliability
            if e.at != opened.at:
                sources[s.id]["added"] = _local(e.at, tz)
            if e.who:
                sources[s.id]["by"] = e.who
        elif isinstance(e, m.ReliabilityChanged):
            change: dict[str, Any] = {"at": _local(e.at, tz)}
            if e.who is not None:
                change["by"] = e.who
            change["reliability"] = e.reliability
            if e.reason is not None:
                change["reason"] = e.reason
            sources[e.source].setdefault("reliability_changes", []).append(change)
        elif isinstance(e, m.EvidenceRecorded):
            ev = e.evidence
            item: dict[str, Any] = {"id": ev.id, "text": ev.text, "source": ev.source}
            if ev.observed is not None:
                observed = ev.observed
                if isinstance(observed, datetime) and observed.tzinfo is not None:
                    observed = _local(observed, tz)
                item["observed"] = observed
            item["recorded"] = _local(e.at, tz)
            if e.who:
                item["by"] = e.who
            if ev.answers is not None:
                item["answers"] = {"enquiry": ev.answers.enquiry, "result": ev.answers.result}
            else:
                item["likelihood"] = _entered_or(ev.likelihood, ev.entered, hyps)
            evidence[ev.id] = item
        elif isinstance(e, m.EvidenceAmended):
            amendment: dict[str, Any] = {"at": _local(e.at, tz)}
            if e.who is not None:
                amendment["by"] = e.who
            amendment["likelihood"] = _entered_or(e.likelihood, e.entered, hyps)
            if e.reason is not None:
                amendment["reason"] = e.reason
            evidence[e.id].setdefault("amended", []).append(amendment)
        elif isinstance(e, m.EvidenceBackRated):
            # Written into the item's likelihoods: it takes effect when the explanation is added.
            for ident, p in e.likelihood.items():
                evidence[ident].setdefault("likelihood", {})[e.hypothesis] = e.entered.get(ident, p)
            for ident in e.neutral:
                evidence[ident].setdefault("likelihood", {})[e.hypothesis] = "neutral"
        elif isinstance(e, m.EvidenceRetracted):
            retracted: dict[str, Any] = _by(e, {"at": _local(e.at, tz)})
            if e.reason is not None:
                retracted["reason"] = e.reason
            evidence[e.id]["retracted"] = retracted
        elif isinstance(e, m.EnquiryRaised):
            q = e.enquiry
            enquiries[q.id] = {
                "id": q.id,
                "text": q.text,
                "raised": _local(e.at, tz),
            }
            if e.who:
                enquiries[q.id]["by"] = e.who
            enquiries[q.id]["likelihood"] = _entered_or(q.likelihood, q.entered, hyps)
        elif isinstance(e, m.JudgementRecorded):
            j = e.judgement
            entry = {"id": j.id, "at": _local(e.at, tz)}
            if e.who is not None:
                entry["by"] = e.who
            entry["ratings"] = _entered_or(j.ratings, j.entered, hyps)
            if j.favoured is not None:
                entry["favoured"] = j.favoured
            if j.note is not None:
                entry["note"] = j.note
            judgements.append(entry)
        elif isinstance(e, m.NoteAdded):
            n = e.note
            entry = {"id": n.id, "at": _local(e.at, tz)}
            if e.who is not None:
                entry["by"] = e.who
            entry["kind"] = n.kind
            if n.flag:
                entry["flag"] = n.flag
            if n.closes is not None:
                entry["closes"] = n.closes
            if n.pinned_at is not None:
                entry["pinned_at"] = _local(n.pinned_at, tz)
            entry["text"] = n.text
            notes.append(entry)
    out: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "case": case,
        "hypotheses": list(hyps.values()),
    }
    out["sources"] = list(sources.values())
    out["evidence"] = list(evidence.values())
    out["enquiries"] = list(enquiries.values())
    out["judgements"] = judgements
    out["notes"] = notes
    if opened.teaching is not None:
        out["teaching"] = opened.teaching.model_dump(mode="json", exclude_none=True)
    return out


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> Any:
    # Quote words YAML 1.1 would read as booleans or null, so other tools read ids as written.
    if value.lower() in {"yes", "no", "on", "off", "y", "n", "true", "false", "null", "~"}:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


def _datetime_representer(dumper: yaml.SafeDumper, value: datetime) -> Any:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(datetime, _datetime_representer)


def events_to_yaml(events: list[Any]) -> str:
    """A case file (YAML text) for a timeline of events."""
    return yaml.dump(
        events_to_case_dict(events), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
