"""The checks pydantic cannot do alone: ids, references, times; then the events.

`CrossCheck.run` turns a validated `CaseFile` into the timeline of events, collecting every
problem (with its place) on the way rather than stopping at the first.
"""

from __future__ import annotations

import difflib
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypotrack.domain import model as m
from hypotrack.domain import times
from hypotrack.domain.casefile.models import CaseFile, FileEvidence
from hypotrack.domain.casefile.strict_yaml import Lines, Problem, format_path, short, showable_key
from hypotrack.domain.rules import FLAG_IDS
from hypotrack.domain.state import top_rated
from hypotrack.domain.yardstick import LikelihoodError, parse_likelihood


def _accepted(entered: dict[str, Any], probs: dict[str, float]) -> dict[str, Any]:
    """What the worker typed for the likelihoods that were accepted (numbers as floats)."""
    out: dict[str, Any] = {}
    for h, value in entered.items():
        if h in probs:
            out[h] = value if isinstance(value, str) else probs[h]
    return out


def _is_neutral(value: str) -> bool:
    return " ".join(value.strip().lower().split()) == "neutral"


class CrossCheck:
    """The checks pydantic cannot do alone: ids, references, times; then the events."""

    def __init__(self, parsed: CaseFile, file: str, lines: Lines) -> None:
        self.f = parsed
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []
        self.tz: ZoneInfo = ZoneInfo("UTC")

    def problem(self, loc: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.file, self.lines.nearest(loc), format_path(loc), message))

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
