"""What changed between two points of a case's timeline, and why (DESIGN §6).

`diff(events, t1, t2)` compares what was on file at t1 with what was on file at t2 (both
inclusive, as `--as-of`): the items added, amended and retracted in between, the explanations
added and retired, the reliability changes, each judgement (its ratings) and each note (its
text and author), the flags raised, escalated, de-escalated, acknowledged, lapsed and closed in
between (the timeline walk's transitions, `reasoning/timeline.py`), and each explanation's belief
at both points.

Each explanation's change in log-odds, ln p/(1−p), is attributed to the events in between by
**sequential contribution**: an event's share is the change it made when it happened, given
everything before it, taken in timeline order. The shares therefore sum exactly to the whole
change (they telescope), and an event that changed nothing gets nothing. They depend on the
order: an item read after a source was marked unreliable moves the beliefs less than it did
before. That is the honest answer to "what moved it, as it happened", which is the supervisor's
question; it is not a claim about what each item is worth on its own. For that, each item also
carries its log likelihood ratio against the favoured explanation, ln L(h)/L(F).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from hypotrack.domain import model as m
from hypotrack.domain.results import Flag
from hypotrack.domain.state import CaseState, ItemState
from hypotrack.domain.timeline import BeforeOpened, Timeline
from hypotrack.domain.values import Value
from hypotrack.reasoning.timeline import Step, TransitionKind, walk


class DiffError(ValueError):
    """Two points that cannot be compared (the message says why, in the user's terms)."""


class ItemAdded(Value):
    id: str
    at: datetime
    source: str
    text: str
    # Retracted again before the second point.
    retracted: bool = False


class ItemAmended(Value):
    id: str
    at: datetime
    before: dict[str, float]
    after: dict[str, float]
    reason: str | None


class ItemRetracted(Value):
    id: str
    at: datetime
    reason: str | None
    # Recorded before the first point (otherwise it is also among the items added).
    was_on_file: bool


class HypothesisChange(Value):
    id: str
    label: str
    at: datetime
    reason: str | None = None


class ReliabilityChange(Value):
    source: str
    at: datetime
    before: float
    after: float
    reason: str | None


class Contribution(Value):
    """One event's share of an explanation's change in log-odds."""

    step: int
    at: datetime
    kind: str
    subject: str | None
    log_odds: float


class ItemMover(Value):
    """An item's part in an explanation's change: its events' shares, summed."""

    id: str
    log_odds: float
    # ln L(item | h) − ln L(item | favoured), with the item's likelihoods at the second point;
    # None for the favoured explanation itself or when no explanation is favoured.
    log_lr_vs_favoured: float | None


class BeliefChange(Value):
    id: str
    label: str
    # The network's belief at each point (None where the explanation was not open).
    before: float | None
    after: float | None
    change: float | None
    log_odds_before: float | None
    log_odds_after: float | None
    log_odds_change: float | None
    # The worker's rating in the latest judgement at or before each point (normalised over the
    # explanations rated there); None where there was none or it was not rated.
    worker_before: float | None
    worker_after: float | None
    # Events in timeline order whose share is not zero; they sum to `log_odds_change`.
    contributions: list[Contribution]
    # Items by the size of their share, largest first.
    movers: list[ItemMover]


class JudgementEntry(Value):
    """A judgement made in between: who made it, the ratings as entered and normalised."""

    id: str
    at: datetime
    who: str | None
    favoured: str | None
    ratings: dict[str, float]
    # Normalised over the explanations rated.
    shares: dict[str, float]
    note: str | None


class NoteEntry(Value):
    """A note written in between, with its author; `pinned_at` when it is about an earlier point."""

    id: str
    at: datetime
    who: str | None
    kind: str
    text: str
    flag: str | None = None
    pinned_at: datetime | None = None


class FlagChange(Value):
    """A flag transition in between (raised, escalated, closed...), and the event it followed."""

    step: int
    at: datetime
    change: TransitionKind
    flag: Flag
    # The event at that step: its kind and the id it concerns.
    kind: str
    subject: str | None


class CaseDiff(Value):
    start: datetime
    end: datetime
    # The favoured explanation the likelihood ratios are taken against, and whose it is: the
    # worker's latest judgement at the second point, else the network's leading explanation.
    favoured: str | None
    favoured_by: Literal["worker", "network"] | None
    items_added: list[ItemAdded]
    items_amended: list[ItemAmended]
    items_retracted: list[ItemRetracted]
    hypotheses_added: list[HypothesisChange]
    hypotheses_retired: list[HypothesisChange]
    reliability_changes: list[ReliabilityChange]
    judgements: list[JudgementEntry]
    notes: list[NoteEntry]
    beliefs: list[BeliefChange]
    # The flags as they stood at each point, and every transition in between, in timeline order.
    flags_before: list[Flag]
    flags_after: list[Flag]
    flag_changes: list[FlagChange]

    @property
    def judgement_ids(self) -> list[str]:
        return [j.id for j in self.judgements]

    @property
    def note_ids(self) -> list[str]:
        return [n.id for n in self.notes]


def _worker(step: Step, h: str) -> float | None:
    """The worker's rating of h in the latest judgement at a step, normalised over those rated."""
    if step.worker is None or h not in step.worker.ratings:
        return None
    total = sum(step.worker.ratings.values())
    return step.worker.ratings[h] / total if total > 0 else None


def _lr(item: ItemState, h: str, favoured: str | None) -> float | None:
    if favoured is None or h == favoured:
        return None
    return math.log(item.of(h)) - math.log(item.of(favoured))


class _Window:
    """The entries in between, gathered event by event (one handler per event kind, as
    `CaseState.apply` does)."""

    def __init__(self) -> None:
        self.items_added: list[ItemAdded] = []
        self.items_amended: list[ItemAmended] = []
        self.items_retracted: list[ItemRetracted] = []
        self.hyps_added: list[HypothesisChange] = []
        self.hyps_retired: list[HypothesisChange] = []
        self.reliability: list[ReliabilityChange] = []
        self.judgements: list[JudgementEntry] = []
        self.notes: list[NoteEntry] = []
        self.added_ids: set[str] = set()
        # Likelihoods and reliabilities as they stood just before each change.
        self.likelihood_now: dict[str, dict[str, float]] = {}
        self.reliability_now: dict[str, float] = {}

    def before_window(self, event: m.Event) -> None:
        """An event at or before the first point: only what the later changes are read against."""
        if isinstance(event, m.EvidenceRecorded):
            self.likelihood_now[event.evidence.id] = dict(event.evidence.likelihood)
        elif isinstance(event, m.EvidenceAmended):
            self.likelihood_now[event.id] = dict(event.likelihood)
        elif isinstance(event, m.SourceAdded):
            self.reliability_now[event.source.id] = event.source.reliability
        elif isinstance(event, m.ReliabilityChanged):
            self.reliability_now[event.source] = event.reliability

    def in_window(self, event: m.Event, state: CaseState) -> None:
        """Called with the state as it stands after the event (labels as they were then)."""
        handler = getattr(self, "_on_" + event.kind.replace("-", "_"), None)
        if handler is not None:
            handler(event, state)

    def _on_evidence_recorded(self, event: m.EvidenceRecorded, state: CaseState) -> None:
        ev = event.evidence
        self.likelihood_now[ev.id] = dict(ev.likelihood)
        self.added_ids.add(ev.id)
        self.items_added.append(ItemAdded(id=ev.id, at=event.at, source=ev.source, text=ev.text))

    def _on_evidence_amended(self, event: m.EvidenceAmended, state: CaseState) -> None:
        self.items_amended.append(
            ItemAmended(
                id=event.id,
                at=event.at,
                before=self.likelihood_now[event.id],
                after=dict(event.likelihood),
                reason=event.reason,
            )
        )
        self.likelihood_now[event.id] = dict(event.likelihood)

    def _on_evidence_retracted(self, event: m.EvidenceRetracted, state: CaseState) -> None:
        self.items_retracted.append(
            ItemRetracted(
                id=event.id,
                at=event.at,
                reason=event.reason,
                was_on_file=event.id not in self.added_ids,
            )
        )

    def _on_hypothesis_added(self, event: m.HypothesisAdded, state: CaseState) -> None:
        h = event.hypothesis
        self.hyps_added.append(HypothesisChange(id=h.id, label=h.label, at=event.at))

    def _on_hypothesis_retired(self, event: m.HypothesisRetired, state: CaseState) -> None:
        self.hyps_retired.append(
            HypothesisChange(
                id=event.id, label=state.label(event.id), at=event.at, reason=event.reason
            )
        )

    def _on_source_added(self, event: m.SourceAdded, state: CaseState) -> None:
        self.reliability_now[event.source.id] = event.source.reliability

    def _on_reliability_changed(self, event: m.ReliabilityChanged, state: CaseState) -> None:
        self.reliability.append(
            ReliabilityChange(
                source=event.source,
                at=event.at,
                before=self.reliability_now[event.source],
                after=event.reliability,
                reason=event.reason,
            )
        )
        self.reliability_now[event.source] = event.reliability

    def _on_judgement(self, event: m.JudgementRecorded, state: CaseState) -> None:
        j = event.judgement
        judged = state.judgements[-1]
        total = sum(j.ratings.values())
        self.judgements.append(
            JudgementEntry(
                id=j.id,
                at=event.at,
                who=event.who,
                favoured=judged.favoured,
                ratings=dict(j.ratings),
                shares={h: v / total for h, v in j.ratings.items()} if total > 0 else {},
                note=j.note,
            )
        )

    def _on_note(self, event: m.NoteAdded, state: CaseState) -> None:
        n = event.note
        self.notes.append(
            NoteEntry(
                id=n.id,
                at=event.at,
                who=event.who,
                kind=n.kind,
                text=n.text,
                flag=n.flag,
                pinned_at=n.pinned_at,
            )
        )


@dataclass(frozen=True, slots=True)
class _Walked:
    """The walk from the first point to the second: the steps (the first point's step, then
    each step in between), the entries in between and the flag transitions, the case at t2."""

    steps: list[Step]
    window: _Window
    flag_changes: list[FlagChange]
    state: CaseState


def _first_step(timeline: Timeline, t1: datetime) -> int:
    """The step of the first point: that of the last event at or before t1."""
    try:
        return timeline.step_of(timeline.last_at(t1))
    except BeforeOpened:
        raise DiffError("the first point is before the case was opened") from None


def _walk_between(timeline: Timeline, k1: int, t2: datetime) -> _Walked:
    """One walk up to t2, reading the flags from step k1 (the first point) on."""
    window = _Window()
    the_walk = walk(timeline, as_of=t2, flags_from=k1)
    steps: list[Step] = []
    flag_changes: list[FlagChange] = []
    for step in the_walk:
        if step.index < k1:
            for event in step.events:
                window.before_window(event)
            continue
        steps.append(step)
        if step.index == k1:
            for event in step.events:
                window.before_window(event)
            continue
        window.in_window(step.event, the_walk.state)
        flag_changes.extend(
            FlagChange(
                step=step.index,
                at=step.at,
                change=t.kind,
                flag=t.flag,
                kind=step.kind,
                subject=step.subject,
            )
            for t in step.transitions or ()
        )
    return _Walked(steps, window, flag_changes, the_walk.state)


def _favoured(last: Step) -> tuple[str | None, Literal["worker", "network"] | None]:
    """The worker's favoured explanation at the second point if still open, else the network's
    leading one (None for a case with no open explanation)."""
    latest = last.worker
    if latest is not None and latest.favoured in last.log_posterior:
        return latest.favoured, "worker"
    if last.log_posterior:
        return max(last.log_posterior, key=lambda h: last.log_posterior[h]), "network"
    return None, None


def _shares(
    h: str, lo_before: float, steps: list[Step], state: CaseState
) -> tuple[list[Contribution], dict[str, float]]:
    """Each step's share of h's change in log-odds (sequential contribution), and per item
    the sum of its events' shares."""
    contributions: list[Contribution] = []
    movers: dict[str, float] = {}
    previous = lo_before
    for step in steps[1:]:
        if not step.moved_network:
            continue
        current = step.log_odds(h)
        share = current - previous
        previous = current
        if share == 0.0:
            continue
        subject = step.subject
        contributions.append(
            Contribution(
                step=step.index, at=step.at, kind=step.kind, subject=subject, log_odds=share
            )
        )
        if step.kind.startswith("evidence-") and subject in state.items:
            movers[subject] = movers.get(subject, 0.0) + share
    return contributions, movers


def _belief_change(h: str, walked: _Walked, favoured: str | None) -> BeliefChange:
    """h's belief at both points and what moved it in between."""
    first, last, state = walked.steps[0], walked.steps[-1], walked.state
    in_first, in_last = h in first.log_posterior, h in last.log_posterior
    before = first.p(h) if in_first else None
    after = last.p(h) if in_last else None
    lo_before = first.log_odds(h) if in_first and len(first.log_posterior) > 1 else None
    lo_after = last.log_odds(h) if in_last and len(last.log_posterior) > 1 else None
    contributions: list[Contribution] = []
    movers: dict[str, float] = {}
    lo_change = None
    if lo_before is not None and lo_after is not None:
        # Open at both points, so open throughout (retirement is for good) and, with two
        # or more explanations open throughout, finite at every step in between.
        lo_change = lo_after - lo_before
        contributions, movers = _shares(h, lo_before, walked.steps, state)
    # An item recorded and retracted in between nets to nothing: it did not move it.
    ranked = sorted(
        ((i, share) for i, share in movers.items() if abs(share) > 1e-12),
        key=lambda pair: -abs(pair[1]),
    )
    return BeliefChange(
        id=h,
        label=state.label(h),
        before=before,
        after=after,
        change=(after - before) if before is not None and after is not None else None,
        log_odds_before=lo_before,
        log_odds_after=lo_after,
        log_odds_change=lo_change,
        worker_before=_worker(first, h),
        worker_after=_worker(last, h),
        contributions=contributions,
        movers=[
            ItemMover(
                id=item_id,
                log_odds=share,
                log_lr_vs_favoured=_lr(state.items[item_id], h, favoured),
            )
            for item_id, share in ranked
        ],
    )


def diff(events: Timeline | Iterable[m.Event], t1: datetime, t2: datetime) -> CaseDiff:
    """What changed from t1 to t2 (both inclusive). Raises DiffError for points out of order."""
    timeline = Timeline.of(events)
    if not timeline:
        raise DiffError("the case has no events")
    if t1 > t2:
        raise DiffError("the first point is after the second")
    walked = _walk_between(timeline, _first_step(timeline, t1), t2)
    first, last, state, window = walked.steps[0], walked.steps[-1], walked.state, walked.window
    favoured, favoured_by = _favoured(last)
    ever = list(dict.fromkeys([*first.log_posterior, *last.log_posterior]))
    return CaseDiff(
        start=t1,
        end=t2,
        favoured=favoured,
        favoured_by=favoured_by,
        items_added=[
            i.model_copy(update={"retracted": not state.items[i.id].live})
            for i in window.items_added
        ],
        items_amended=window.items_amended,
        items_retracted=window.items_retracted,
        # Labels as they stand at the second point, as in the beliefs.
        hypotheses_added=[
            h.model_copy(update={"label": state.label(h.id)}) for h in window.hyps_added
        ],
        hypotheses_retired=[
            h.model_copy(update={"label": state.label(h.id)}) for h in window.hyps_retired
        ],
        reliability_changes=window.reliability,
        judgements=window.judgements,
        notes=window.notes,
        beliefs=[_belief_change(h, walked, favoured) for h in ever],
        flags_before=list(first.flags or ()),
        flags_after=list(last.flags or ()),
        flag_changes=walked.flag_changes,
    )
