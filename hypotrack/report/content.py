"""What a case report says, gathered once for both renderers (HTML and Markdown).

A report goes on the case record, so it obeys the rule of replay: only what was on file at the
moment it covers (PRACTICE: "Reviews are written with hindsight... A just culture judges
people by what was known at the time"). `gather(events, as_of)` folds the timeline up to
`as_of` and nothing later is looked at — not an item, an amendment, a retraction, a
relabelling, a note, nor a teaching case's answer (`teaching.truth` never appears).

The renderers only lay this out; every figure and every sentence comes from here, so the HTML
and the Markdown cannot disagree.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypotrack.domain import model as m
from hypotrack.domain.results import EnquiryValue, Flag
from hypotrack.domain.rules import RULES_BY_ID
from hypotrack.domain.wording import items_on_file
from hypotrack.domain.yardstick import TERMS, parse_likelihood, term_for
from hypotrack.reasoning.timeline import Step, walk

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
SEVERITY_GLYPH = {"amber": "▲", "red": "▲▲"}
# A report of more than this many items shows likelihoods as numbers (see `likelihood_words`).
BRIEF_ITEMS = 1000
BRIEF_NOTE = (
    f"This case has more than {BRIEF_ITEMS:,} items, so the timeline gives each likelihood as a "
    "number, a term of the yardstick as its midpoint ("
    + ", ".join(f"{term} {p:.2g}" for term, p in TERMS.items())
    + "); the case file keeps them as entered."
)

NOTE_KINDS = {
    "supervision": "Supervision",
    "decision": "Decision",
    "sign-off": "Sign-off",
    "acknowledgement": "Flag acknowledged",
}


# --- formatting shared by the renderers -----------------------------------------------------


def percent(p: float | None) -> str:
    """A belief as a practitioner reads it: whole per cent, never a false 0 or 100."""
    if p is None:
        return "—"
    if 0 < p < 0.005:
        return "< 1 %"
    if 0.995 < p < 1:
        return "> 99 %"
    return f"{p * 100:.0f} %"


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


def severity_words(severity: str) -> str:
    return f"{SEVERITY_GLYPH.get(severity, '▲')} {severity}"


# --- the content ----------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Likelihood:
    hypothesis: str
    words: str
    neutral: bool = False


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class BeliefStep:
    at: datetime
    what: str
    network: dict[str, float]
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
        local = at.astimezone(self.tz)
        return f"{local.day} {local:%b %Y %H:%M}"

    def day(self, at: datetime) -> str:
        local = at.astimezone(self.tz)
        return f"{local.day} {local:%b}"

    def label(self, hypothesis: str) -> str:
        for e in self.explanations:
            if e.id == hypothesis:
                return e.label
        return hypothesis


# --- gathering ------------------------------------------------------------------------------


def _normalised(ratings: dict[str, float]) -> dict[str, float]:
    total = sum(ratings.values())
    return {h: v / total for h, v in ratings.items()} if total > 0 else dict(ratings)


def _likelihoods(
    probs: dict[str, float], entered: dict[str, Any], live: list[str], brief: bool = False
) -> list[Likelihood]:
    out = []
    for h in live:
        if h in probs:
            shown = entered.get(h)
            if isinstance(shown, str):
                try:
                    parse_likelihood(shown)
                except ValueError:
                    shown = None
            out.append(Likelihood(h, likelihood_words(probs[h], shown, brief)))
        else:
            out.append(Likelihood(h, "neutral", neutral=True))
    return out


CHANGE_WORDS = {
    "raised": "raised",
    "escalated": "now {severity}",
    "de-escalated": "now {severity}",
    "acknowledged": "acknowledged",
    "lapsed": "acknowledgement lapsed",
    "closed": "cleared",
}


def _after_words(event: Any) -> str:
    subject = m.event_subject(event) or ""
    words = {
        "evidence-recorded": f"{subject} recorded",
        "evidence-amended": f"{subject} amended",
        "evidence-retracted": f"{subject} retracted",
        "judgement": f"judgement {subject}",
        "note": f"note {subject}",
        "hypothesis-added": f"explanation {subject} added",
        "hypothesis-retired": f"explanation {subject} retired",
        "reliability-changed": f"reliability of {subject} changed",
        "source-relabelled": f"source {subject} renamed",
        "hypothesis-relabelled": f"explanation {subject} reworded",
        "enquiry-raised": f"enquiry {subject} raised",
    }
    return words.get(event.kind, event.kind)


def gather(events: list[Any], as_of: datetime | None = None) -> Report:
    """Everything the report shows, as known at `as_of` (inclusive; default: the last event)."""
    if not events or (as_of is not None and as_of < events[0].at):
        raise ValueError("nothing on file at that moment: it is before the case was opened")
    # One walk over the timeline (reasoning/timeline.py): the flags as they stood after each
    # event and their transitions, and what was on file at each judgement.
    the_walk = walk(events, as_of=as_of)
    history: list[Step] = []
    on_file_at: dict[str, tuple[int, int, list[str]]] = {}  # live, retracted, retracted since
    recorded = retracted_total = 0
    retracted_since: list[str] = []
    for step in the_walk:
        history.append(step)
        event = step.event
        if isinstance(event, m.EvidenceRecorded):
            recorded += 1
        elif isinstance(event, m.EvidenceRetracted):
            retracted_total += 1
            retracted_since.append(event.id)
        if isinstance(event, m.JudgementRecorded):
            on_file_at[event.judgement.id] = (
                recorded - retracted_total,
                retracted_total,
                retracted_since,
            )
            retracted_since = []
    state = the_walk.state
    now = history[-1]
    info = state.info
    tz = ZoneInfo(info.timezone)
    last_entry = now.at
    covered = as_of if as_of is not None else last_entry

    latest = state.latest_judgement
    worker_now = _normalised(latest.ratings) if latest else {}
    explanations = [
        Explanation(
            id=h.id,
            label=h.label,
            description=h.description,
            catch_all=h.spec.catch_all,
            prior=h.spec.prior,
            added=h.added,
            retired=h.retired,
            retired_reason=h.retired_reason,
            network=now.p(h.id) if h.live else None,
            worker=worker_now.get(h.id),
            favoured=latest is not None and latest.favoured == h.id,
            unweighed=len(h.unweighed) if h.live else 0,
        )
        for h in state.hypotheses.values()
    ]

    def source_label(source_id: str) -> str:
        s = state.sources.get(source_id)
        return s.spec.label if s else source_id

    def item_tuple(item_id: str) -> tuple[str, str, str]:
        item = state.items[item_id]
        return item.id, source_label(item.spec.source), item.spec.text

    flags = [
        ShownFlag(
            flag=f,
            title=RULES_BY_ID[f.id].title if f.id in RULES_BY_ID else f.id,
            grounded_in=RULES_BY_ID[f.id].grounded_in if f.id in RULES_BY_ID else "",
            items=[item_tuple(i) for i in f.evidence if i in state.items],
            labels={h.id: h.label for h in state.hypotheses.values()},
        )
        for f in now.flags or ()
    ]

    # Flag history: the walk's transitions, step by step. Raisings, escalations and lapsed
    # acknowledgements (the flag shows as new) are numbered for the chart's markers.
    flag_history: list[FlagChange] = []
    number = 0
    for step in history:
        after = _after_words(step.event)
        for t in step.transitions or ():
            numbered = t.kind in ("raised", "escalated", "lapsed")
            if numbered:
                number += 1
            flag_history.append(
                FlagChange(
                    step.at,
                    number if numbered else 0,
                    t.rule,
                    t.severity,
                    CHANGE_WORDS[t.kind].format(severity=t.severity),
                    after,
                )
            )

    brief = len(state.items) > BRIEF_ITEMS
    # The timeline, event by event (the case's set-up at opening in one entry).
    timeline: list[TimelineEntry] = []
    opened_at = events[0].at
    setup_h = [
        e.hypothesis.id
        for e in history_events(history)
        if isinstance(e, m.HypothesisAdded) and e.at == opened_at
    ]
    setup_s = [
        e.source.id
        for e in history_events(history)
        if isinstance(e, m.SourceAdded) and e.at == opened_at
    ]
    live_then: list[str] = []

    def entry(e: Any, heading: str, subject: str | None, **fields: Any) -> TimelineEntry:
        return TimelineEntry(
            at=e.at, kind=e.kind, heading=heading, subject=subject, who=e.who, **fields
        )

    for snap in history:
        e = snap.event
        if isinstance(e, m.CaseOpened):
            timeline.append(
                TimelineEntry(
                    at=e.at,
                    kind=e.kind,
                    heading="Case opened",
                    who=e.who,
                    remarks=[
                        f"Explanations: {', '.join(setup_h) or 'none yet'}",
                        f"Sources: {', '.join(setup_s) or 'none yet'}",
                    ],
                )
            )
            continue
        if isinstance(e, m.HypothesisAdded):
            live_then.append(e.hypothesis.id)
            if e.at == opened_at:
                continue
            timeline.append(
                entry(
                    e,
                    f"Explanation {e.hypothesis.id} added",
                    e.hypothesis.id,
                    text=e.hypothesis.label,
                )
            )
        elif isinstance(e, m.HypothesisRetired):
            live_then.remove(e.id)
            timeline.append(
                entry(
                    e,
                    f"Explanation {e.id} retired",
                    e.id,
                    text=e.reason or None,
                )
            )
        elif isinstance(e, m.HypothesisRelabelled):
            timeline.append(
                entry(
                    e,
                    f"Explanation {e.id} relabelled",
                    e.id,
                    text=e.label,
                )
            )
        elif isinstance(e, m.SourceAdded):
            if e.at == opened_at:
                continue
            timeline.append(
                entry(
                    e,
                    f"Source {e.source.id} added",
                    e.source.id,
                    text=e.source.label,
                    remarks=[f"relied on at {percent(e.source.reliability)}"],
                )
            )
        elif isinstance(e, m.SourceRelabelled):
            timeline.append(entry(e, f"Source {e.source} renamed", e.source, text=e.label))
        elif isinstance(e, m.ReliabilityChanged):
            timeline.append(
                entry(
                    e,
                    f"Reliability of {e.source} changed to {percent(e.reliability)}",
                    e.source,
                    text=e.reason,
                )
            )
        elif isinstance(e, m.EvidenceRecorded):
            ev = e.evidence
            item = state.items[ev.id]
            remarks = []
            if ev.answers is not None:
                remarks.append(f"answers enquiry {ev.answers.enquiry}: {ev.answers.result}")
            for a in item.amendments:
                remarks.append(f"likelihoods amended {_when(a.at, tz)}")
            if item.retracted is not None:
                why = f": {item.retracted_reason}" if item.retracted_reason else ""
                remarks.append(f"retracted {_when(item.retracted, tz)}{why}")
            observed = None
            if ev.observed is not None:
                observed = (
                    _when(ev.observed, tz)
                    if isinstance(ev.observed, datetime)
                    else f"{ev.observed.day} {ev.observed:%b %Y}"
                )
            timeline.append(
                entry(
                    e,
                    f"Evidence {ev.id}",
                    ev.id,
                    text=ev.text,
                    source=source_label(ev.source),
                    observed=observed,
                    likelihoods=_likelihoods(ev.likelihood, ev.entered, list(live_then), brief),
                    struck=item.retracted is not None,
                    likelihoods_struck=bool(item.amendments),
                    remarks=remarks,
                )
            )
        elif isinstance(e, m.EvidenceAmended):
            item = state.items[e.id]
            # Struck when a later amendment replaced these likelihoods, or the item went.
            superseded = item.amendments[-1] is not e or item.retracted is not None
            timeline.append(
                entry(
                    e,
                    f"Evidence {e.id} amended",
                    e.id,
                    text=e.reason,
                    likelihoods=_likelihoods(e.likelihood, e.entered, list(live_then), brief),
                    likelihoods_struck=superseded,
                )
            )
        elif isinstance(e, m.EvidenceRetracted):
            timeline.append(
                entry(
                    e,
                    f"Evidence {e.id} retracted",
                    e.id,
                    text=state.items[e.id].spec.text,
                    source=source_label(state.items[e.id].spec.source),
                    struck=True,
                    remarks=[f"Reason: {e.reason}"] if e.reason else [],
                )
            )
        elif isinstance(e, m.EnquiryRaised):
            q = e.enquiry
            probs = [
                Likelihood(h, likelihood_words(p, q.entered.get(h), brief))
                for h, p in q.likelihood.items()
            ]
            timeline.append(
                entry(
                    e,
                    f"Enquiry {q.id} raised",
                    q.id,
                    text=q.text,
                    likelihoods=probs,
                    remarks=["chance of a positive answer under each explanation"],
                )
            )
        elif isinstance(e, m.JudgementRecorded):
            j = e.judgement
            ratings = _normalised(j.ratings)
            timeline.append(
                entry(
                    e,
                    f"Judgement {j.id}: favours {j.favoured}"
                    if j.favoured
                    else f"Judgement {j.id}: no favourite (a tie at the top)",
                    j.id,
                    text=j.note,
                    remarks=[
                        ", ".join(f"{h} {percent(v)}" for h, v in ratings.items()),
                    ],
                )
            )
        elif isinstance(e, m.NoteAdded):
            n = e.note
            heading = NOTE_KINDS.get(n.kind, n.kind)
            if n.flag:
                heading += f": {n.flag}"
            if n.closes:
                heading += " (closes the case)"
            pinned = getattr(n, "pinned_at", None)
            if pinned is not None:
                # A note pinned to an earlier point sits there, marked as written later
                # (DESIGN §6); the timeline is put back in order below.
                timeline.append(
                    TimelineEntry(
                        at=pinned,
                        kind=e.kind,
                        heading=heading,
                        subject=n.id,
                        who=e.who,
                        text=n.text,
                        remarks=[f"written on {_when(e.at, tz)}, about this point"],
                    )
                )
            else:
                timeline.append(entry(e, heading, n.id, text=n.text))

    timeline.sort(key=lambda t: t.at)  # stable: only pinned notes move

    notes = [
        Note(
            id=n.spec.id,
            at=n.at,
            kind=n.spec.kind,
            kind_words=NOTE_KINDS.get(n.spec.kind, n.spec.kind),
            who=n.who,
            text=n.spec.text,
            flag=n.spec.flag,
            closes=n.spec.closes,
            pinned_at=getattr(n.spec, "pinned_at", None),
        )
        for n in state.notes
    ]
    notes.sort(key=lambda n: n.pinned_at or n.at)  # where each sits on the case's timeline

    judgements: list[JudgementThen] = []
    prev_step = -1
    for j in state.judgements:
        snap = history[j.step]
        ratings = _normalised(j.ratings)
        known = list(snap.posterior)
        rows = [(h, ratings.get(h), snap.p(h)) for h in known]
        rows += [(h, v, None) for h, v in ratings.items() if h not in snap.posterior]
        on_file, retracted_by_then, retracted = on_file_at.get(j.id, (0, 0, []))
        # Items recorded since the previous judgement, live or since retracted (by bisection:
        # a scan of every item per judgement is quadratic).
        lo = bisect.bisect_right(state.item_steps, prev_step)
        hi = bisect.bisect_right(state.item_steps, j.step)
        new = [item_tuple(i.id) for i in state.item_order[lo:hi]]
        judgements.append(
            JudgementThen(
                id=j.id,
                at=j.at,
                who=j.who,
                favoured=j.favoured,
                note=j.spec.note,
                rows=rows,
                on_file=on_file,
                retracted_by_then=retracted_by_then,
                retracted=retracted,
                new=new,
                flags=[(f.id, f.severity, f.acknowledged) for f in history[j.step].flags or ()],
            )
        )
        prev_step = j.step

    sources = [
        SourceRow(
            id=s.id,
            label=s.spec.label,
            initial=s.spec.reliability,
            reliability=s.reliability,
            network=now.reliability.get(s.id, s.reliability),
            changes=[(c.at, c.reliability, c.reason) for c in s.changes],
        )
        for s in state.sources.values()
    ]

    values = {q.id: q for q in the_walk.enquiries().enquiries} if state.hypotheses else {}
    enquiry_rows = []
    for q in state.enquiries.values():
        answer = None
        if q.answered_by is not None:
            answering = state.items.get(q.answered_by)
            answer = answering.spec.answers.result if answering and answering.spec.answers else None
        enquiry_rows.append(
            EnquiryRow(
                id=q.id,
                text=q.spec.text,
                raised=q.raised,
                answered_by=q.answered_by,
                answer=answer,
                value=values.get(q.id),
            )
        )

    # The chart: both belief lines per explanation.
    series = []
    for h in state.hypotheses.values():
        network: list[tuple[datetime, float]] = []
        for snap in history:
            p = snap.p(h.id)
            if p is None:
                continue
            if network and network[-1][0] == snap.at:
                # Several changes at one moment (the set-up at opening): the last one stands.
                network[-1] = (snap.at, p)
            elif not network or p != network[-1][1]:
                network.append((snap.at, p))
        worker = []
        for j in state.judgements:
            if h.added <= j.at and (h.retired is None or j.at <= h.retired):
                worker.append((j.at, _normalised(j.ratings).get(h.id)))
        series.append(
            ChartSeries(
                hypothesis=h.id,
                label=h.label,
                network=network,
                worker=worker,
                added=h.added,
                retired=h.retired,
            )
        )

    # The belief lines as a table (the Markdown report's chart): one row per moment at which
    # the network moved or the worker judged; changes at one moment are one row.
    steps: list[BeliefStep] = []
    worker_then: dict[str, float] | None = None
    for snap in history:
        event = snap.event
        if isinstance(event, m.JudgementRecorded):
            worker_then = _normalised(event.judgement.ratings)
        elif not snap.moved_network or event.kind == "source-added":
            continue
        what = "case opened" if snap.at == opened_at else _after_words(event)
        if steps and steps[-1].at == snap.at:
            prev = steps[-1]
            joined = prev.what if what == prev.what else f"{prev.what}; {what}"
            steps[-1] = BeliefStep(snap.at, joined, dict(snap.posterior), worker_then)
        else:
            steps.append(BeliefStep(snap.at, what, dict(snap.posterior), worker_then))

    counts = {
        "items": len(state.live_items),
        "retracted": sum(1 for i in state.items.values() if not i.live),
        "sources": len(state.sources),
        "judgements": len(state.judgements),
        "notes": len(state.notes),
        "open_enquiries": len(state.open_enquiries),
        "red": sum(1 for f in flags if f.flag.severity == "red"),
        "amber": sum(1 for f in flags if f.flag.severity == "amber"),
    }
    return Report(
        case=info,
        tz=tz,
        as_of=covered,
        requested=as_of,
        last_entry=last_entry,
        explanations=explanations,
        favoured=latest.favoured if latest else None,
        latest_judgement=latest.id if latest else None,
        counts=counts,
        flags=flags,
        flag_history=flag_history,
        timeline=timeline,
        notes=notes,
        judgements=judgements,
        sources=sources,
        enquiries=enquiry_rows,
        series=series,
        judgement_marks=[(j.at, j.id) for j in state.judgements],
        steps=steps,
        start=events[0].at,
        end=_timeline_end(history),
        brief=brief,
    )


def _timeline_end(history: list[Any]) -> datetime:
    """Where the case's own timeline ends: its last event, counting a pinned note at the moment
    it is pinned to (a review written a year later must not stretch a chart of two weeks)."""
    return max(
        e.note.pinned_at
        if isinstance(e, m.NoteAdded) and getattr(e.note, "pinned_at", None) is not None
        else e.at
        for e in history_events(history)
    )


def history_events(history: list[Any]) -> list[Any]:
    return [snap.event for snap in history]


def _when(at: Any, tz: ZoneInfo) -> str:
    local = at.astimezone(tz) if isinstance(at, datetime) and at.tzinfo else at
    return f"{local.day} {local:%b %Y %H:%M}"


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
    severities = [f"{c[sev]} {SEVERITY_GLYPH[sev]} {sev}" for sev in ("red", "amber") if c[sev]]
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
