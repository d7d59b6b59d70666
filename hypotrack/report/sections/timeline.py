"""The timeline section: one entry per event, built by one function per kind of event.

The case's set-up at opening (the explanations and sources added at that instant) is one entry.
A note pinned to an earlier point sits there, marked as written later (DESIGN §6).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypotrack.domain import model as m
from hypotrack.domain import wording
from hypotrack.domain.state import CaseState
from hypotrack.domain.wording import moment, note_words, percent_figure
from hypotrack.domain.yardstick import parse_likelihood
from hypotrack.report.sections.common import normalised, source_label
from hypotrack.report.values import Likelihood, TimelineEntry
from hypotrack.report.words import NO_FAVOURITE, likelihood_words


@dataclass
class _Context:
    """What the entries are built from: the case at the report's moment, walked in order."""

    state: CaseState
    tz: ZoneInfo
    brief: bool
    opened_at: datetime
    live: list[str] = field(default_factory=list)  # the explanations open at the event
    # Likelihoods by (explanation, probability, as entered): one frozen value for each, shared
    # (a case repeats a few terms on every item: 240,000 likelihoods at 20,000 items).
    shown: dict[tuple[str, float | None, Any], Likelihood] = field(default_factory=dict)

    def likelihoods(self, probs: dict[str, float], entered: dict[str, Any]) -> list[Likelihood]:
        """An item's likelihood under each open explanation (neutral where not rated)."""
        out = []
        for h in self.live:
            key = (h, probs.get(h), entered.get(h))
            like = self.shown.get(key)
            if like is None:
                like = self.shown[key] = self._likelihood(*key)
            out.append(like)
        return out

    def _likelihood(self, h: str, probability: float | None, shown: Any) -> Likelihood:
        if probability is None:
            return Likelihood(h, "neutral", neutral=True)
        if isinstance(shown, str):
            try:
                parse_likelihood(shown)
            except ValueError:
                shown = None
        return Likelihood(h, likelihood_words(probability, shown, self.brief))


def _entry(e: Any, heading: str, subject: str | None, **fields: Any) -> TimelineEntry:
    return TimelineEntry(
        at=e.at, kind=e.kind, heading=heading, subject=subject, who=e.who, **fields
    )


def _opened(e: m.CaseOpened, c: _Context, setup: tuple[list[str], list[str]]) -> TimelineEntry:
    explanations, sources = setup
    return TimelineEntry(
        at=e.at,
        kind=e.kind,
        heading="Case opened",
        who=e.who,
        remarks=[
            f"Explanations: {', '.join(explanations) or 'none yet'}",
            f"Sources: {', '.join(sources) or 'none yet'}",
        ],
    )


def _hypothesis_added(e: m.HypothesisAdded, c: _Context) -> TimelineEntry | None:
    c.live.append(e.hypothesis.id)
    if e.at == c.opened_at:
        return None
    h = e.hypothesis
    return _entry(e, f"Explanation {h.id} added", h.id, text=h.label)


def _hypothesis_retired(e: m.HypothesisRetired, c: _Context) -> TimelineEntry:
    c.live.remove(e.id)
    return _entry(e, f"Explanation {e.id} retired", e.id, text=e.reason or None)


def _hypothesis_relabelled(e: m.HypothesisRelabelled, c: _Context) -> TimelineEntry:
    return _entry(e, f"Explanation {e.id} relabelled", e.id, text=e.label)


def _source_added(e: m.SourceAdded, c: _Context) -> TimelineEntry | None:
    if e.at == c.opened_at:
        return None
    s = e.source
    return _entry(
        e,
        f"Source {s.id} added",
        s.id,
        text=s.label,
        remarks=[f"relied on at {percent_figure(s.reliability)}"],
    )


def _source_relabelled(e: m.SourceRelabelled, c: _Context) -> TimelineEntry:
    return _entry(e, f"Source {e.source} renamed", e.source, text=e.label)


def _reliability_changed(e: m.ReliabilityChanged, c: _Context) -> TimelineEntry:
    heading = f"Reliability of {e.source} changed to {percent_figure(e.reliability)}"
    return _entry(e, heading, e.source, text=e.reason)


def _evidence_recorded(e: m.EvidenceRecorded, c: _Context) -> TimelineEntry:
    ev = e.evidence
    item = c.state.items[ev.id]
    remarks = []
    if ev.answers is not None:
        remarks.append(f"answers enquiry {ev.answers.enquiry}: {ev.answers.result}")
    for a in item.amendments:
        remarks.append(f"likelihoods amended {moment(a.at, c.tz)}")
    if item.retracted is not None:
        why = f": {item.retracted_reason}" if item.retracted_reason else ""
        remarks.append(f"retracted {moment(item.retracted, c.tz)}{why}")
    observed = wording.observed(ev.observed, c.tz) if ev.observed is not None else None
    return _entry(
        e,
        f"Evidence {ev.id}",
        ev.id,
        text=ev.text,
        source=source_label(c.state, ev.source),
        observed=observed,
        likelihoods=c.likelihoods(ev.likelihood, ev.entered),
        struck=item.retracted is not None,
        likelihoods_struck=bool(item.amendments),
        remarks=remarks,
    )


def _evidence_amended(e: m.EvidenceAmended, c: _Context) -> TimelineEntry:
    item = c.state.items[e.id]
    # Struck when a later amendment replaced these likelihoods, or the item went.
    superseded = item.amendments[-1] is not e or item.retracted is not None
    return _entry(
        e,
        f"Evidence {e.id} amended",
        e.id,
        text=e.reason,
        likelihoods=c.likelihoods(e.likelihood, e.entered),
        likelihoods_struck=superseded,
    )


def _evidence_retracted(e: m.EvidenceRetracted, c: _Context) -> TimelineEntry:
    item = c.state.items[e.id]
    return _entry(
        e,
        f"Evidence {e.id} retracted",
        e.id,
        text=item.spec.text,
        source=source_label(c.state, item.spec.source),
        struck=True,
        remarks=[f"Reason: {e.reason}"] if e.reason else [],
    )


def _enquiry_raised(e: m.EnquiryRaised, c: _Context) -> TimelineEntry:
    q = e.enquiry
    return _entry(
        e,
        f"Enquiry {q.id} raised",
        q.id,
        text=q.text,
        likelihoods=[
            Likelihood(h, likelihood_words(p, q.entered.get(h), c.brief))
            for h, p in q.likelihood.items()
        ],
        remarks=["chance of a positive answer under each explanation"],
    )


def _judgement(e: m.JudgementRecorded, c: _Context) -> TimelineEntry:
    j = e.judgement
    ratings = normalised(j.ratings)
    heading = f"Judgement {j.id}: " + (f"favours {j.favoured}" if j.favoured else NO_FAVOURITE)
    return _entry(
        e,
        heading,
        j.id,
        text=j.note,
        remarks=[", ".join(f"{h} {percent_figure(v)}" for h, v in ratings.items())],
    )


def _note(e: m.NoteAdded, c: _Context) -> TimelineEntry:
    n = e.note
    heading = note_words(n.kind)
    if n.flag:
        heading += f": {n.flag}"
    if n.closes:
        heading += " (closes the case)"
    pinned = getattr(n, "pinned_at", None)
    if pinned is None:
        return _entry(e, heading, n.id, text=n.text)
    return TimelineEntry(
        at=pinned,
        kind=e.kind,
        heading=heading,
        subject=n.id,
        who=e.who,
        text=n.text,
        remarks=[f"written on {moment(e.at, c.tz)}, about this point"],
    )


_BUILDERS: dict[type, Callable[[Any, _Context], TimelineEntry | None]] = {
    m.HypothesisAdded: _hypothesis_added,
    m.HypothesisRetired: _hypothesis_retired,
    m.HypothesisRelabelled: _hypothesis_relabelled,
    m.SourceAdded: _source_added,
    m.SourceRelabelled: _source_relabelled,
    m.ReliabilityChanged: _reliability_changed,
    m.EvidenceRecorded: _evidence_recorded,
    m.EvidenceAmended: _evidence_amended,
    m.EvidenceRetracted: _evidence_retracted,
    m.EnquiryRaised: _enquiry_raised,
    m.JudgementRecorded: _judgement,
    m.NoteAdded: _note,
}


def timeline(
    events: list[m.Event], state: CaseState, tz: ZoneInfo, brief: bool
) -> list[TimelineEntry]:
    """One entry per event on file (`events`: those walked), in the order of the case's timeline."""
    opened_at = events[0].at
    setup = (
        [e.hypothesis.id for e in events if isinstance(e, m.HypothesisAdded) and e.at == opened_at],
        [e.source.id for e in events if isinstance(e, m.SourceAdded) and e.at == opened_at],
    )
    c = _Context(state, tz, brief, opened_at)
    out: list[TimelineEntry] = []
    for e in events:
        if isinstance(e, m.CaseOpened):
            out.append(_opened(e, c, setup))
            continue
        build = _BUILDERS.get(type(e))
        entry = build(e, c) if build is not None else None
        if entry is not None:
            out.append(entry)
    out.sort(key=lambda t: t.at)  # stable: only pinned notes move
    return out
