"""The checks pydantic cannot do alone: ids, references, times; then the events.

`CrossCheck.run` turns a validated `CaseFile` into the timeline of events, collecting every
problem (with its place) on the way rather than stopping at the first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypotrack.domain import model as m
from hypotrack.domain import times
from hypotrack.domain.casefile.checker import Checker
from hypotrack.domain.casefile.models import (
    CaseFile,
    FileAmendment,
    FileEnquiry,
    FileEvidence,
    FileHypothesis,
    FileJudgement,
    FileNote,
    FileRelabel,
    FileSource,
)
from hypotrack.domain.casefile.strict_yaml import Lines
from hypotrack.domain.rules import FLAG_IDS
from hypotrack.domain.state import top_rated


def _accepted(entered: dict[str, Any], probs: dict[str, float]) -> dict[str, Any]:
    """What the worker typed for the likelihoods that were accepted (numbers as floats)."""
    out: dict[str, Any] = {}
    for h, value in entered.items():
        if h in probs:
            out[h] = value if isinstance(value, str) else probs[h]
    return out


def _is_neutral(value: str) -> bool:
    return " ".join(value.strip().lower().split()) == "neutral"


class CrossCheck(Checker):
    """The checks pydantic cannot do alone: ids, references, times; then the events."""

    def __init__(self, parsed: CaseFile, file: str, lines: Lines) -> None:
        super().__init__(file, lines)
        self.f = parsed
        # What the steps of `run` learn, in file order, for the steps after them.
        self.events: list[m.Event] = []
        self.opened = datetime.min.replace(tzinfo=times.UTC)
        self.judgement_ids: list[str] = []
        self.note_ids: list[str] = []
        self.hyps: dict[str, FileHypothesis] = {}
        self.added_at: dict[str, datetime] = {}
        self.retired_at: dict[str, datetime] = {}
        self.sources: dict[str, FileSource] = {}
        self.source_at: dict[str, datetime] = {}
        self.enquiries: dict[str, FileEnquiry] = {}
        self.enquiry_p: dict[str, dict[str, float]] = {}
        self.enquiry_at: dict[str, datetime] = {}
        self.answered: dict[str, int] = {}  # enquiry -> the index of the item answering it
        # Back-ratings set aside per explanation: (item index, item, likelihood or None for
        # `neutral`, as typed).
        self.back: dict[str, list[tuple[int, FileEvidence, float | None, Any]]] = {}

    def collect_back(
        self, i: int, e: FileEvidence, loc: tuple[Any, ...], ratings: dict[str, Any]
    ) -> None:
        """Set aside an item's back-ratings (or `neutral` marks) under later explanations."""
        plain = {h: v for h, v in ratings.items() if not (isinstance(v, str) and _is_neutral(v))}
        probs = self.likelihoods(loc + ("likelihood",), plain, self.hyps)
        for h, v in ratings.items():
            if h in plain and h not in probs:
                continue  # a bad value, already reported
            self.back.setdefault(h, []).append((i, e, probs.get(h), v if h in plain else None))

    def back_ratings(self) -> list[m.EvidenceBackRated]:
        """One event per explanation added mid-case: the earlier items rated under it."""
        out = []
        for h, rows in self.back.items():
            at = self.added_at[h]
            likelihood: dict[str, float] = {}
            entered: dict[str, Any] = {}
            neutral: list[str] = []
            for i, e, p, typed in rows:
                loc = ("evidence", i, "likelihood", h)
                if e.retracted is not None and self.when(e.retracted.at, None) <= at:
                    self.problem(loc, "the item was retracted before this explanation was added")
                elif h in self.retired_at and self.retired_at[h] <= at:
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

    def run(self) -> list[m.Event]:
        """The events of the file, sorted on the timeline; every problem in `self.problems`."""
        f = self.f
        self.open_case()
        self.check_ids()
        for i, h in enumerate(f.hypotheses):
            self.hypothesis(i, h)
        if len([h for h in f.hypotheses if h.catch_all]) > 1:
            self.problem(("hypotheses",), "more than one catch-all explanation: keep one")
        for i, s in enumerate(f.sources):
            self.source(i, s)
        for i, q in enumerate(f.enquiries):
            self.enquiry(i, q)
        for i, e in enumerate(f.evidence):
            self.evidence_item(i, e)
        self.events.extend(self.back_ratings())
        for i, j in enumerate(f.judgements):
            self.judgement(i, j)
        for i, n in enumerate(f.notes):
            self.note(i, n)
        self.teaching()
        return m.sort_events(self.events)

    def open_case(self) -> None:
        """The time zone, the opening instant, and the case-opened event."""
        f = self.f
        try:
            self.tz = times.zone(f.case.timezone)
        except times.TimeError as exc:  # pragma: no cover - the file model checks it first
            self.problem(("case", "timezone"), str(exc))
        self.opened = opened = self.when(f.case.opened, ("case", "opened"))
        self.events.append(
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

    def check_ids(self) -> None:
        """No id twice in a section; judgements and notes without one get j1…, n1…."""
        f = self.f
        self.duplicates("hypotheses", [h.id for h in f.hypotheses])
        self.duplicates("sources", [s.id for s in f.sources])
        self.duplicates("evidence", [e.id for e in f.evidence])
        self.duplicates("enquiries", [q.id for q in f.enquiries])
        self.judgement_ids = [j.id or f"j{i + 1}" for i, j in enumerate(f.judgements)]
        self.note_ids = [n.id or f"n{i + 1}" for i, n in enumerate(f.notes)]
        self.duplicates("judgements", self.judgement_ids)
        self.duplicates("notes", self.note_ids)
        self.hyps = {h.id: h for h in f.hypotheses}
        self.sources = {s.id: s for s in f.sources}
        self.enquiries = {q.id: q for q in f.enquiries}

    def hypothesis(self, i: int, h: FileHypothesis) -> None:
        """An explanation: added (at the opening unless given), relabelled, retired."""
        at = (
            self.when_not_before(
                h.added, ("hypotheses", i, "added"), self.opened, "before the case was opened"
            )
            if h.added
            else self.opened
        )
        self.added_at[h.id] = at
        self.events.append(
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
            l_at = self.when_not_before(
                relabel.at, ("hypotheses", i, "relabelled", k, "at"), at, "before it was added"
            )
            self.events.append(
                m.HypothesisRelabelled(
                    at=l_at,
                    who=relabel.by,
                    id=h.id,
                    label=relabel.label,
                    description=relabel.description,
                )
            )
        if h.retired:
            r_at = self.when_not_before(
                h.retired.at, ("hypotheses", i, "retired", "at"), at, "retired before it was added"
            )
            self.retired_at[h.id] = r_at
            self.events.append(
                m.HypothesisRetired(
                    at=r_at, who=h.retired.by, id=h.id, reason=h.retired.reason or ""
                )
            )

    def live_at(self, hyp: str, at: datetime) -> bool:
        """Whether an explanation was on the table at `at` (added, not yet retired)."""
        return self.added_at.get(hyp, self.opened) <= at and not (
            hyp in self.retired_at and self.retired_at[hyp] <= at
        )

    def source(self, i: int, s: FileSource) -> None:
        """A source: added (at the opening unless given), its reliability changes, relabels."""
        s_at = (
            self.when_not_before(
                s.added, ("sources", i, "added"), self.opened, "before the case was opened"
            )
            if s.added
            else self.opened
        )
        self.source_at[s.id] = s_at
        self.events.append(
            m.SourceAdded(
                at=s_at,
                who=s.by,
                source=m.SourceSpec(id=s.id, label=s.label, reliability=s.reliability),
            )
        )
        for k, change in enumerate(s.reliability_changes):
            c_at = self.when_not_before(
                change.at,
                ("sources", i, "reliability_changes", k, "at"),
                s_at,
                "before the source was added (or the case opened)",
            )
            self.events.append(
                m.ReliabilityChanged(
                    at=c_at,
                    who=change.by,
                    source=s.id,
                    reliability=change.reliability,
                    reason=change.reason,
                )
            )
        for k, relabel in enumerate(s.relabelled):
            self.source_relabel(("sources", i, "relabelled", k), s.id, s_at, relabel)

    def source_relabel(
        self, loc: tuple[Any, ...], source: str, added: datetime, relabel: FileRelabel
    ) -> None:
        l_at = self.when_not_before(
            relabel.at, loc + ("at",), added, "before the source was added (or the case opened)"
        )
        if relabel.description is not None:
            self.problem(
                loc + ("description",), "a source has no description: give only its new label"
            )
        self.events.append(
            m.SourceRelabelled(at=l_at, who=relabel.by, source=source, label=relabel.label)
        )

    def enquiry(self, i: int, q: FileEnquiry) -> None:
        """An enquiry: P(positive answer) under the explanations live when it was raised."""
        at = self.when_not_before(
            q.raised, ("enquiries", i, "raised"), self.opened, "before the case was opened"
        )
        self.enquiry_at[q.id] = at
        probs = self.likelihoods(
            ("enquiries", i, "likelihood"), q.likelihood, self.hyps, open_interval=True
        )
        if not q.likelihood:
            self.problem(
                ("enquiries", i, "likelihood"),
                "give P(positive answer) for at least one explanation",
            )
        for h in list(probs):
            if self.added_at.get(h, self.opened) > at:
                self.problem(
                    ("enquiries", i, "likelihood", h),
                    "this explanation was added after the enquiry was raised",
                )
                del probs[h]
        self.enquiry_p[q.id] = probs
        self.events.append(
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

    def evidence_item(self, i: int, e: FileEvidence) -> None:
        """An item: its times and source, its likelihoods (its own, or from the enquiry it
        answers; back-ratings set aside), then its amendments and retraction."""
        loc = ("evidence", i)
        at = self.when_not_before(
            e.recorded, loc + ("recorded",), self.opened, "before the case was opened"
        )
        observed = self.observed(e.observed, loc + ("observed",))
        if observed is not None and self.when(e.observed, None) > at + timedelta(days=1):
            self.problem(
                loc + ("observed",),
                "after it was recorded: an item is observed before the worker learns of it",
            )
        if e.source not in self.sources:
            self.unknown(loc + ("source",), "source", e.source, list(self.sources))
        elif self.source_at[e.source] > at:
            self.problem(loc + ("source",), "recorded before this source was added")
        later = [h for h in e.likelihood or {} if h in self.hyps and self.added_at[h] > at]
        if e.answers is not None:
            probs, entered = self.answer_likelihoods(i, e, at, later), {}
        else:
            probs, entered = self.own_likelihoods(i, e, later)
        if not probs:
            return
        self.events.append(
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
            self.amendment(loc + ("amended", k), e.id, at, amendment)
        if e.retracted:
            r_at = self.when_not_before(
                e.retracted.at, loc + ("retracted", "at"), at, "retracted before it was recorded"
            )
            self.events.append(
                m.EvidenceRetracted(at=r_at, who=e.retracted.by, id=e.id, reason=e.retracted.reason)
            )

    def answer_likelihoods(
        self, i: int, e: FileEvidence, at: datetime, later: list[str]
    ) -> dict[str, float] | None:
        """An answer's likelihoods, from its enquiry: P(positive | h), or 1 - that.

        None: the enquiry is unknown (reported), and the item is left out.
        """
        assert e.answers is not None
        loc = ("evidence", i)
        if e.likelihood is not None and len(later) == len(e.likelihood):
            # Only back-ratings: explanations added after the item (DESIGN §2).
            self.collect_back(i, e, loc, dict(e.likelihood))
        elif e.likelihood is not None:
            self.problem(
                loc + ("likelihood",),
                "an item that answers an enquiry takes its likelihoods from the enquiry: remove 'likelihood'",
            )
        q = e.answers.enquiry
        if q not in self.enquiries:
            self.unknown(loc + ("answers", "enquiry"), "enquiry", q, list(self.enquiries))
            return None
        if q in self.answered:
            self.problem(
                loc + ("answers", "enquiry"),
                f"enquiry '{q}' is already answered by evidence[{self.answered[q]}]",
            )
        self.answered[q] = i
        if self.enquiry_at[q] > at:
            self.problem(loc + ("answers", "enquiry"), "recorded before the enquiry was raised")
        positive = e.answers.result == "positive"
        return {h: (p if positive else 1.0 - p) for h, p in self.enquiry_p[q].items()}

    def own_likelihoods(
        self, i: int, e: FileEvidence, later: list[str]
    ) -> tuple[dict[str, float] | None, dict[str, Any]]:
        """An item's own likelihoods (and what was typed) under the explanations live when it
        was recorded. None: there are none (reported), and the item is left out."""
        loc = ("evidence", i)
        if not e.likelihood:
            self.problem(
                loc + ("likelihood",),
                "give a likelihood for at least one explanation (how expected this is under it)",
            )
            return None, {}
        # A likelihood for an explanation added after the item was recorded is a
        # back-rating: it takes effect when the explanation is added (DESIGN §2).
        self.collect_back(i, e, loc, {h: e.likelihood[h] for h in later})
        now = {h: v for h, v in e.likelihood.items() if h not in later}
        for h, v in now.items():
            if isinstance(v, str) and _is_neutral(v):
                self.problem(
                    loc + ("likelihood", h),
                    "'neutral' marks an earlier item weighed against an explanation "
                    "added after it; for any other, leave the explanation out",
                )
        probs = self.likelihoods(loc + ("likelihood",), now, self.hyps)
        if not now:
            self.problem(
                loc + ("likelihood",),
                "give a likelihood for at least one explanation live when it was recorded",
            )
            return None, {}
        return probs, _accepted(now, probs)

    def amendment(
        self, loc: tuple[Any, ...], item: str, recorded: datetime, amendment: FileAmendment
    ) -> None:
        a_at = self.when_not_before(
            amendment.at, loc + ("at",), recorded, "amended before it was recorded"
        )
        a_probs = self.likelihoods(loc + ("likelihood",), amendment.likelihood, self.hyps)
        if not amendment.likelihood:
            self.problem(loc + ("likelihood",), "give the new likelihoods")
            return
        self.events.append(
            m.EvidenceAmended(
                at=a_at,
                who=amendment.by,
                id=item,
                likelihood=a_probs,
                entered=_accepted(amendment.likelihood, a_probs),
                reason=amendment.reason,
            )
        )

    def judgement(self, i: int, j: FileJudgement) -> None:
        """A judgement: ratings of live explanations, normalised; the favoured one."""
        loc = ("judgements", i)
        at = self.when_not_before(j.at, loc + ("at",), self.opened, "before the case was opened")
        ratings: dict[str, float] = {}
        for h, value in j.ratings.items():
            if h not in self.hyps:
                self.unknown(loc + ("ratings", h), "hypothesis", h, list(self.hyps))
            elif not self.live_at(h, at):
                self.problem(
                    loc + ("ratings", h),
                    "this explanation was not live at the time of the judgement",
                )
            else:
                ratings[h] = float(value)
        if not j.ratings:
            self.problem(loc + ("ratings",), "rate at least one explanation")
            return
        total = sum(ratings.values())
        if ratings and total <= 0:
            self.problem(
                loc + ("ratings",),
                "the ratings are all zero: give the explanation you favour a positive rating",
            )
            return
        if not ratings:
            return
        # A tie at the top with none named: no favourite (an open mind, DESIGN §2).
        favoured = j.favoured or top_rated(ratings)
        if j.favoured and j.favoured not in ratings:
            self.problem(loc + ("favoured",), "the favoured explanation must be one of those rated")
            return
        self.events.append(
            m.JudgementRecorded(
                at=at,
                who=j.by,
                judgement=m.JudgementSpec(
                    id=self.judgement_ids[i],
                    ratings={h: v / total for h, v in ratings.items()},
                    favoured=favoured,
                    note=j.note,
                    entered=ratings,
                ),
            )
        )

    def note(self, i: int, n: FileNote) -> None:
        """A note: its kind's rules (only an acknowledgement names a flag, only a decision
        closes), and the moment it pins to."""
        loc = ("notes", i)
        at = self.when_not_before(n.at, loc + ("at",), self.opened, "before the case was opened")
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
        if pinned is not None and not (self.opened <= pinned <= at):
            self.problem(
                loc + ("pinned_at",),
                "a note pins to a moment between the case opening and the note",
            )
        if n.closes is not None and n.kind != "decision":
            self.problem(loc + ("closes",), "only a decision closes a case")
        self.events.append(
            m.NoteAdded(
                at=at,
                who=n.by,
                note=m.NoteSpec(
                    id=self.note_ids[i],
                    kind=n.kind,
                    text=n.text,
                    flag=n.flag,
                    closes=n.closes,
                    pinned_at=pinned,
                ),
            )
        )

    def teaching(self) -> None:
        """A teaching case's revision points follow real items; its truth is an explanation."""
        f = self.f
        if f.teaching is None:
            return
        ids = {e.id for e in f.evidence}
        for k, point in enumerate(f.teaching.revision_points):
            if point.after not in ids:
                self.unknown(
                    ("teaching", "revision_points", k, "after"),
                    "evidence item",
                    point.after,
                    sorted(ids),
                )
        if f.teaching.truth is not None and f.teaching.truth not in self.hyps:
            self.unknown(("teaching", "truth"), "hypothesis", f.teaching.truth, list(self.hyps))
