"""What the replay screen shows, without any screen: a case's timeline step by step.

Replay is for supervision, and supervision must judge a worker by what was known at the time
(PRACTICE.md: reviews are written with hindsight; a just culture is not). So every view of a
step here is built from the events up to that step and from nothing later: `step_view` folds
the events up to step k into a fresh engine, so an item recorded later, or an explanation added
later, is simply not there — not greyed out, absent. The steps are the timeline's
(`domain.timeline`): one per event, except the case's set-up at the opening instant (the case
opened with its explanations, sources and enquiries), which is one step. Everything comes from the one timeline walk
(`hypotrack.reasoning.timeline`): its frozen steps carry the beliefs, the flags and their
transitions (raised, turned red, acknowledged, lapsed, closed). The one thing from later that replay does show
is a supervision note or sign-off *pinned* to the step (`NoteSpec.pinned_at`): an annotation
written afterwards about that moment, always labelled as written later.

`read_track` reads the whole timeline once for the chart and for the jumps (judgements, flag
changes). It runs one incremental engine, so the reading at step k is also built only from the
events up to k; the chart still draws nothing after the current step (see `widgets/chart.py`).

Costs: a step view is one walk over the prefix, reading the flags only at the step and the one
before it (or none, once the track's flags are read); the track's beliefs are a walk without
flags; its flags (the walk with a flag reading after every event) take longest, so the screen
reads them in a thread worker after the beliefs and the jumps to flag changes wait for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypotrack.domain import model as m
from hypotrack.domain import wording
from hypotrack.domain.errors import FieldError
from hypotrack.domain.results import Flag, WorkerView
from hypotrack.domain.state import CaseState
from hypotrack.domain.text import terminal_safe
from hypotrack.domain.timeline import Timeline
from hypotrack.domain.times import end_of_day
from hypotrack.domain.yardstick import TERMS
from hypotrack.reasoning.timeline import FlagTransition, walk

#: A flag as the chart and the jumps see it: its rule and its severity.
FlagMark = tuple[str, str]


def zone_of(events: Timeline | Sequence[m.Event]) -> ZoneInfo:
    """The case's time zone (from the opening event)."""
    if events and isinstance(events[0], m.CaseOpened):
        return ZoneInfo(events[0].case.timezone)
    return ZoneInfo("UTC")


def normalised(ratings: dict[str, float]) -> dict[str, float]:
    total = sum(ratings.values())
    return {h: v / total for h, v in ratings.items()} if total > 0 else dict(ratings)


# --- pinned notes -------------------------------------------------------------------------


@dataclass(frozen=True)
class PinnedNote:
    """A supervision note or sign-off written later about an earlier point of the timeline."""

    id: str
    kind: str
    text: str
    who: str | None
    written: datetime  # the note event's own time
    pinned_at: datetime
    step: int  # the step it pins to (0-based)


def pin_step(times: list[datetime], pinned_at: datetime) -> int:
    """The step a pinned time refers to: the first step at that time, else the last before it."""
    last = 0
    for k, at in enumerate(times):
        if at == pinned_at:
            return k
        if at > pinned_at:
            break
        last = k
    return last


def pinned_notes(events: Timeline | list[m.Event]) -> list[PinnedNote]:
    """Every note of the case that is pinned to a point of its timeline, in the order written."""
    times = Timeline.of(events).step_times()
    out = []
    for e in events:
        if isinstance(e, m.NoteAdded) and e.note.pinned_at is not None:
            out.append(
                PinnedNote(
                    id=e.note.id,
                    kind=e.note.kind,
                    text=e.note.text,
                    who=e.who,
                    written=e.at,
                    pinned_at=e.note.pinned_at,
                    step=pin_step(times, e.note.pinned_at),
                )
            )
    return out


# --- one step -----------------------------------------------------------------------------


def describe(event: Any, before: CaseState, zone: ZoneInfo) -> str:
    """The event in words, read against the case as it stood just before it, with its author
    (case text with its control characters shown and bidi controls neutralised)."""
    text = _describe(event, before, zone)
    if event.who and not isinstance(event, m.JudgementRecorded | m.NoteAdded):
        text = f"{text} — by {event.who}"
    return terminal_safe(text)


def describe_opening(setup: tuple[m.Event, ...], zone: ZoneInfo) -> str:
    """The opening step in words: the case opened with the set-up recorded at that instant
    ("Case opened: … with 5 explanations, 4 sources and 2 enquiries"), and its author."""
    opened = setup[0]
    text = _describe(opened, CaseState(), zone)
    counts = [
        (sum(1 for e in setup if e.kind == kind), one, many)
        for kind, one, many in (
            ("hypothesis-added", "explanation", "explanations"),
            ("source-added", "source", "sources"),
            ("enquiry-raised", "enquiry", "enquiries"),
        )
    ]
    parts = [f"{n} {one if n == 1 else many}" for n, one, many in counts if n]
    if parts:
        listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
        text = f"{text}, with {listed}"
    if opened.who:
        text = f"{text} — by {opened.who}"
    return terminal_safe(text)


def _describe(event: Any, before: CaseState, zone: ZoneInfo) -> str:
    """The event in words, by its kind (one describer per kind of event, as `CaseState.apply`)."""
    describer = _DESCRIBERS.get(type(event))
    if describer is None:
        return f"{event.kind} {m.event_subject(event) or ''}".strip()
    return describer(event, before, zone)


def _case_opened(event: m.CaseOpened, before: CaseState, zone: ZoneInfo) -> str:
    return f"Case opened: {event.case.title}"


def _hypothesis_added(event: m.HypothesisAdded, before: CaseState, zone: ZoneInfo) -> str:
    h = event.hypothesis
    extra = " (the catch-all: something not yet thought of)" if h.catch_all else ""
    return f"Explanation added: {h.label}{extra}"


def _hypothesis_retired(event: m.HypothesisRetired, before: CaseState, zone: ZoneInfo) -> str:
    return f"Explanation retired: {before.label(event.id)} — {event.reason}"


def _hypothesis_relabelled(event: m.HypothesisRelabelled, before: CaseState, zone: ZoneInfo) -> str:
    return f"Explanation reworded: {before.label(event.id)} → {event.label}"


def _source_added(event: m.SourceAdded, before: CaseState, zone: ZoneInfo) -> str:
    s = event.source
    trust = "" if s.reliability >= 1 else f", reliability {s.reliability:.2g}"
    return f"Source added: {s.label}{trust}"


def _source_relabelled(event: m.SourceRelabelled, before: CaseState, zone: ZoneInfo) -> str:
    s = before.sources.get(event.source)
    return f"Source renamed: {s.spec.label if s else event.source} → {event.label}"


def _reliability_changed(event: m.ReliabilityChanged, before: CaseState, zone: ZoneInfo) -> str:
    s = before.sources.get(event.source)
    label = s.spec.label if s else event.source
    old = f"{s.reliability:.2g}" if s else "?"
    reason = f": {event.reason}" if event.reason else ""
    return f"Reliability of {label} changed from {old} to {event.reliability:.2g}{reason}"


def _evidence_recorded(event: m.EvidenceRecorded, before: CaseState, zone: ZoneInfo) -> str:
    ev = event.evidence
    s = before.sources.get(ev.source)
    source = s.spec.label if s else ev.source
    answer = ""
    if ev.answers is not None:
        answer = f" — answers enquiry {ev.answers.enquiry} ({ev.answers.result})"
    return f"Item {ev.id} recorded: {ev.text} ({source}){answer}"


def _evidence_amended(event: m.EvidenceAmended, before: CaseState, zone: ZoneInfo) -> str:
    reason = f" — {event.reason}" if event.reason else ""
    return f"Item {event.id} amended: {_changed_likelihoods(event, before)}{reason}"


def _evidence_retracted(event: m.EvidenceRetracted, before: CaseState, zone: ZoneInfo) -> str:
    reason = f": {event.reason}" if event.reason else ""
    return f"Item {event.id} retracted{reason}"


def _enquiry_raised(event: m.EnquiryRaised, before: CaseState, zone: ZoneInfo) -> str:
    return f"Enquiry {event.enquiry.id} raised: {event.enquiry.text}"


def _judgement(event: m.JudgementRecorded, before: CaseState, zone: ZoneInfo) -> str:
    j = event.judgement
    by = f" by {event.who}" if event.who else ""
    note = f". Note: {j.note}" if j.note else ""
    if j.favoured is None:
        return f"Judgement {j.id}{by}: no favourite (a tie at the top){note}"
    share = normalised(j.ratings).get(j.favoured, 0.0)
    return f"Judgement {j.id}{by}: favours {before.label(j.favoured)} ({wording.percent_figure(share)}){note}"


def _back_rated(event: m.EvidenceBackRated, before: CaseState, zone: ZoneInfo) -> str:
    rated = [f"{i} {event.entered.get(i, p)}" for i, p in event.likelihood.items()]
    rated += [f"{i} neutral" for i in event.neutral]
    return f"Earlier items weighed against {before.label(event.hypothesis)}: {', '.join(rated)}"


def _note_added(event: m.NoteAdded, before: CaseState, zone: ZoneInfo) -> str:
    n = event.note
    by = f" by {event.who}" if event.who else ""
    what = wording.note_words(n.kind)
    about = f" of the {n.flag} flag" if n.kind == "acknowledgement" and n.flag else ""
    pinned = ""
    if n.pinned_at is not None:
        pinned = f" (pinned to {wording.day_time(n.pinned_at, zone)})"
    return f"{what} {n.id}{by}{about}{pinned}: {n.text}"


_DESCRIBERS: dict[type, Callable[[Any, CaseState, ZoneInfo], str]] = {
    m.CaseOpened: _case_opened,
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
    m.EvidenceBackRated: _back_rated,
    m.NoteAdded: _note_added,
}


def _changed_likelihoods(event: m.EvidenceAmended, before: CaseState) -> str:
    """'inflicted likely → highly likely, medical neutral → unlikely' (the changed ones)."""
    item = before.items.get(event.id)
    old = item.likelihood if item is not None else {}
    parts = []
    for h in dict.fromkeys([*old, *event.likelihood]):
        was, now = old.get(h), event.likelihood.get(h)
        if was == now:
            continue
        was_text = _likelihood_words(was) if was is not None else "neutral"
        now_text = _likelihood_words(now) if now is not None else "neutral"
        parts.append(f"{h} {was_text} → {now_text}")
    return ", ".join(parts) or "the same likelihoods"


def _likelihood_words(p: float) -> str:
    """The yardstick term where the value is its midpoint, else the number."""
    term = next((t for t, mid in TERMS.items() if abs(mid - p) < 1e-12), None)
    return term or f"{p:.2g}"


def marks(flags: list[Flag] | tuple[Flag, ...]) -> frozenset[FlagMark]:
    return frozenset((f.id, f.severity) for f in flags)


@dataclass(frozen=True)
class FlagReading:
    """The flags after one step, and how they changed at it (from the timeline walk)."""

    flags: tuple[Flag, ...]
    changes: tuple[FlagTransition, ...]

    @property
    def raised(self) -> list[Flag]:
        """Flags new at this step, turned red, or whose acknowledgement lapsed (shown as new)."""
        return [t.flag for t in self.changes if t.kind in ("raised", "escalated", "lapsed")]

    @property
    def closed(self) -> list[str]:
        return [t.rule for t in self.changes if t.kind == "closed"]


@dataclass(frozen=True)
class StepView:
    """Everything on screen for one step, built only from the events up to it."""

    step: int  # 0-based
    total: int
    at: datetime
    event: Any
    description: str
    state: CaseState
    posterior: dict[str, float]
    reliability: dict[str, float]
    judgement: WorkerView | None
    flags: list[Flag]
    raised: list[Flag]  # flags new at this step, turned red, or no longer acknowledged
    closed: list[str]  # rules that stood at the step before and not at this one
    changes: tuple[FlagTransition, ...] = ()
    pinned_here: list[PinnedNote] = field(default_factory=list)
    pinned_earlier: list[PinnedNote] = field(default_factory=list)

    @property
    def worker(self) -> dict[str, float] | None:
        """The worker's ratings in their latest judgement so far, normalised."""
        return self.judgement.shares if self.judgement else None


def step_view(
    events: Timeline | list[m.Event],
    k: int,
    pinned: list[PinnedNote] | None = None,
    readings: list[FlagReading] | None = None,
) -> StepView:
    """Step k (0-based) as it stood: walked from the events up to step k and nothing after.

    With the track's flag `readings` the walk reads no flags of its own; without them it reads
    them at step k and the step before (for what changed at k).
    """
    timeline = Timeline.of(events)
    total = timeline.step_count
    if not 0 <= k < total:
        raise IndexError(f"step {k} is outside the timeline (0–{total - 1})")
    zone = zone_of(timeline)
    known = readings[k] if readings is not None and k < len(readings) else None
    the_walk = walk(timeline.up_to_step(k), flags=known is None, flags_from=max(0, k - 1))
    description = ""
    step = None
    for step in the_walk:
        if step.index == k - 1:
            # The event in words, read against the case as it stood just before it.
            description = describe(timeline.step_events(k)[0], the_walk.state, zone)
    assert step is not None
    if k == 0:
        description = describe_opening(step.events, zone)
    if known is None:
        known = FlagReading(step.flags or (), step.transitions or ())
    pins = pinned or []
    return StepView(
        step=k,
        total=total,
        at=step.at,
        event=step.event,
        description=description,
        state=the_walk.state,
        posterior=dict(step.posterior),
        reliability=dict(step.reliability),
        judgement=step.worker,
        flags=list(known.flags),
        raised=known.raised,
        closed=known.closed,
        changes=known.changes,
        pinned_here=[p for p in pins if p.step == k or p.pinned_at == step.at],
        pinned_earlier=[p for p in pins if p.step < k and p.pinned_at != step.at],
    )


# --- the whole timeline, for the chart and the jumps --------------------------------------


@dataclass
class Track:
    """Both belief lines for every explanation at every step, and where things happened.

    `network[h][k]` is the network's belief in h after step k (None while h was not open);
    `worker[h][k]` the worker's rating of h in their latest judgement by step k (None before
    the first judgement or where h was not rated). `flags[k]`, the flags after step k and their
    transitions there, is filled by `read_flags`.
    """

    times: list[datetime]
    hypotheses: list[str]  # in the order they were added
    network: dict[str, list[float | None]]
    worker: dict[str, list[float | None]]
    judgements: list[int]  # steps with a judgement
    flags: list[FlagReading] | None = None
    pinned: list[PinnedNote] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.times)

    def flag_changes(self) -> list[int]:
        """Steps where the flags changed: raised, turned red or back, acknowledged, lapsed, closed."""
        if self.flags is None:
            return []
        return [k for k, reading in enumerate(self.flags) if reading.changes]

    def raised(self, k: int) -> str | None:
        """'red' or 'amber' if a flag was raised, turned red or lapsed at step k, else None."""
        if self.flags is None or k == 0 or k >= len(self.flags):
            return None
        new = self.flags[k].raised
        if any(f.severity == "red" for f in new):
            return "red"
        return "amber" if new else None

    def step_at(self, moment: datetime) -> int | None:
        """The last step at or before a moment (None if it is before the case opened)."""
        found = None
        for k, at in enumerate(self.times):
            if at > moment:
                break
            found = k
        return found


def read_track(events: Timeline | list[m.Event]) -> Track:
    """One walk over the timeline (without flags): both belief lines per explanation, and the
    judgements."""
    timeline = Timeline.of(events)
    order: list[str] = []
    network: dict[str, list[float | None]] = {}
    worker: dict[str, list[float | None]] = {}
    judgements: list[int] = []
    n = timeline.step_count
    the_walk = walk(timeline, flags=False)
    shares: dict[str, float] = {}
    seen: WorkerView | None = None
    for step in the_walk:
        k = step.index
        if step.kind == "hypothesis-added" or k == 0:
            for h in the_walk.state.hypotheses:
                if h not in network:
                    order.append(h)
                    network[h] = [None] * n
                    worker[h] = [None] * n
        for h, p in step.posterior.items():
            network[h][k] = p
        if step.worker is not seen:
            seen = step.worker
            shares = seen.shares if seen is not None else {}
        for h, v in shares.items():
            if h in worker:
                worker[h][k] = v
        if step.kind == "judgement":
            judgements.append(k)
    return Track(
        times=timeline.step_times(),
        hypotheses=order,
        network=network,
        worker=worker,
        judgements=judgements,
        pinned=pinned_notes(timeline),
    )


def read_flags(
    events: Timeline | Sequence[m.Event], cancelled: Callable[[], bool] = lambda: False
) -> list[FlagReading] | None:
    """The flags after every step and their transitions there; None if cancelled part-way."""
    out = []
    for step in walk(events):
        out.append(FlagReading(step.flags or (), step.transitions or ()))
        if cancelled():
            return None
    return out


# --- moving around ------------------------------------------------------------------------


def next_after(steps: list[int], k: int) -> int | None:
    return next((s for s in steps if s > k), None)


def last_before(steps: list[int], k: int) -> int | None:
    return next((s for s in reversed(steps) if s < k), None)


def parse_moment(text: str, zone: ZoneInfo) -> datetime:
    """An ISO date or date-time typed by a person, in the case's zone.

    A bare date means the end of that day ("how did it stand on 4 February?"). Raises
    FieldError("replay-date", …).
    """
    raw = text.strip()
    hint = "Type a date like 2026-02-04, or a date and time like 2026-02-04 14:30."
    if not raw:
        raise FieldError("replay-date", hint)
    try:
        if len(raw) == 10:
            return end_of_day(date.fromisoformat(raw), zone)
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise FieldError("replay-date", f"Not a date. {hint}") from None
    return at if at.tzinfo else at.replace(tzinfo=zone)
