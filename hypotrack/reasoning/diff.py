"""What changed between two points of a case's timeline, and why (DESIGN §6).

`diff(events, t1, t2)` compares what was on file at t1 with what was on file at t2 (both
inclusive, as `--as-of`): the items added, amended and retracted in between, the explanations
added and retired, and each explanation's belief at both points.

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
from datetime import datetime
from typing import Any, Literal

from hypotrack.domain import model as m
from hypotrack.domain.results import Result
from hypotrack.domain.state import CaseState, ItemState
from hypotrack.reasoning.engine import NETWORK_EVENTS, Engine, Snapshot


class DiffError(ValueError):
    """Two points that cannot be compared (the message says why, in the user's terms)."""


class ItemAdded(Result):
    id: str
    at: datetime
    source: str
    text: str
    # Retracted again before the second point.
    retracted: bool = False


class ItemAmended(Result):
    id: str
    at: datetime
    before: dict[str, float]
    after: dict[str, float]
    reason: str | None


class ItemRetracted(Result):
    id: str
    at: datetime
    reason: str | None
    # Recorded before the first point (otherwise it is also among the items added).
    was_on_file: bool


class HypothesisChange(Result):
    id: str
    label: str
    at: datetime
    reason: str | None = None


class ReliabilityChange(Result):
    source: str
    at: datetime
    before: float
    after: float
    reason: str | None


class Contribution(Result):
    """One event's share of an explanation's change in log-odds."""

    step: int
    at: datetime
    kind: str
    subject: str | None
    log_odds: float


class ItemMover(Result):
    """An item's part in an explanation's change: its events' shares, summed."""

    id: str
    log_odds: float
    # ln L(item | h) − ln L(item | favoured), with the item's likelihoods at the second point;
    # None for the favoured explanation itself or when no explanation is favoured.
    log_lr_vs_favoured: float | None


class BeliefChange(Result):
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


class CaseDiff(Result):
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
    judgements: list[str]
    notes: list[str]
    beliefs: list[BeliefChange]


def log_odds(snap: Snapshot, h: str) -> float:
    """ln p/(1−p) from the snapshot's log posterior, without forming 1 − p (no cancellation)."""
    lp = snap.log_post[h]
    others = [v for k, v in snap.log_post.items() if k != h]
    if not others:
        return math.inf
    top = max(others)
    log_rest = top + math.log(sum(math.exp(v - top) for v in others))
    return lp - log_rest


def _worker(state_judgements: list[Any], upto_step: int, h: str) -> float | None:
    latest = None
    for j in state_judgements:
        if j.step <= upto_step:
            latest = j
    if latest is None or h not in latest.ratings:
        return None
    total = sum(latest.ratings.values())
    return latest.ratings[h] / total if total > 0 else None


def _lr(item: ItemState, h: str, favoured: str | None) -> float | None:
    if favoured is None or h == favoured:
        return None
    return math.log(item.of(h)) - math.log(item.of(favoured))


def diff(events: list[Any], t1: datetime, t2: datetime) -> CaseDiff:
    """What changed from t1 to t2 (both inclusive). Raises DiffError for points out of order."""
    if not events:
        raise DiffError("the case has no events")
    if t1 > t2:
        raise DiffError("the first point is after the second")
    opened = events[0].at
    if t1 < opened:
        raise DiffError("the first point is before the case was opened")
    engine = Engine.run(events, t2)
    history = engine.history
    k1 = max(s.step for s in history if s.at <= t1)
    k2 = len(history) - 1
    state: CaseState = engine.state

    items_added: list[ItemAdded] = []
    items_amended: list[ItemAmended] = []
    items_retracted: list[ItemRetracted] = []
    hyps_added: list[HypothesisChange] = []
    hyps_retired: list[HypothesisChange] = []
    reliability: list[ReliabilityChange] = []
    judgements: list[str] = []
    notes: list[str] = []
    added_ids: set[str] = set()
    # Likelihoods and reliabilities as they stood just before each change.
    likelihood_now: dict[str, dict[str, float]] = {}
    reliability_now: dict[str, float] = {}
    for event in events:
        if event.at > t2:
            break
        kind = event.kind
        in_window = event.at > t1
        if kind == "evidence-recorded":
            likelihood_now[event.evidence.id] = dict(event.evidence.likelihood)
        elif kind == "source-added":
            reliability_now[event.source.id] = event.source.reliability
        if not in_window:
            if kind == "evidence-amended":
                likelihood_now[event.id] = dict(event.likelihood)
            elif kind == "reliability-changed":
                reliability_now[event.source] = event.reliability
            continue
        if isinstance(event, m.EvidenceRecorded):
            ev = event.evidence
            added_ids.add(ev.id)
            items_added.append(
                ItemAdded(
                    id=ev.id,
                    at=event.at,
                    source=ev.source,
                    text=ev.text,
                    retracted=not state.items[ev.id].live,
                )
            )
        elif isinstance(event, m.EvidenceAmended):
            items_amended.append(
                ItemAmended(
                    id=event.id,
                    at=event.at,
                    before=likelihood_now[event.id],
                    after=dict(event.likelihood),
                    reason=event.reason,
                )
            )
            likelihood_now[event.id] = dict(event.likelihood)
        elif isinstance(event, m.EvidenceRetracted):
            items_retracted.append(
                ItemRetracted(
                    id=event.id,
                    at=event.at,
                    reason=event.reason,
                    was_on_file=event.id not in added_ids,
                )
            )
        elif isinstance(event, m.HypothesisAdded):
            h = event.hypothesis
            hyps_added.append(HypothesisChange(id=h.id, label=state.label(h.id), at=event.at))
        elif isinstance(event, m.HypothesisRetired):
            hyps_retired.append(
                HypothesisChange(
                    id=event.id, label=state.label(event.id), at=event.at, reason=event.reason
                )
            )
        elif isinstance(event, m.ReliabilityChanged):
            reliability.append(
                ReliabilityChange(
                    source=event.source,
                    at=event.at,
                    before=reliability_now[event.source],
                    after=event.reliability,
                    reason=event.reason,
                )
            )
            reliability_now[event.source] = event.reliability
        elif isinstance(event, m.JudgementRecorded):
            judgements.append(event.judgement.id)
        elif isinstance(event, m.NoteAdded):
            notes.append(event.note.id)

    first, last = history[k1], history[k2]
    latest = state.latest_judgement
    if latest is not None and latest.favoured in last.log_post:
        favoured, favoured_by = latest.favoured, "worker"
    elif last.log_post:
        favoured = max(last.log_post, key=lambda h: last.log_post[h])
        favoured_by = "network"
    else:
        favoured, favoured_by = None, None

    changes: list[BeliefChange] = []
    ever = list(dict.fromkeys([*first.log_post, *last.log_post]))
    for h in ever:
        in_first, in_last = h in first.log_post, h in last.log_post
        before = first.p(h) if in_first else None
        after = last.p(h) if in_last else None
        lo_before = log_odds(first, h) if in_first and len(first.log_post) > 1 else None
        lo_after = log_odds(last, h) if in_last and len(last.log_post) > 1 else None
        contributions: list[Contribution] = []
        movers: dict[str, float] = {}
        lo_change = None
        if lo_before is not None and lo_after is not None:
            # Open at both points, so open throughout (retirement is for good) and, with two
            # or more explanations open throughout, finite at every step in between.
            lo_change = lo_after - lo_before
            previous = lo_before
            for snap in history[k1 + 1 : k2 + 1]:
                if snap.event.kind not in NETWORK_EVENTS:
                    continue
                current = log_odds(snap, h)
                share = current - previous
                previous = current
                if share == 0.0:
                    continue
                subject = m.event_subject(snap.event)
                contributions.append(
                    Contribution(
                        step=snap.step,
                        at=snap.at,
                        kind=snap.event.kind,
                        subject=subject,
                        log_odds=share,
                    )
                )
                if snap.event.kind.startswith("evidence-") and subject in state.items:
                    movers[subject] = movers.get(subject, 0.0) + share
        # An item recorded and retracted in between nets to nothing: it did not move it.
        ranked = sorted(
            ((i, share) for i, share in movers.items() if abs(share) > 1e-12),
            key=lambda pair: -abs(pair[1]),
        )
        changes.append(
            BeliefChange(
                id=h,
                label=state.label(h),
                before=before,
                after=after,
                change=(after - before) if before is not None and after is not None else None,
                log_odds_before=lo_before,
                log_odds_after=lo_after,
                log_odds_change=lo_change,
                worker_before=_worker(state.judgements, k1, h),
                worker_after=_worker(state.judgements, k2, h),
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
        )
    return CaseDiff(
        start=t1,
        end=t2,
        favoured=favoured,
        favoured_by=favoured_by,
        items_added=items_added,
        items_amended=items_amended,
        items_retracted=items_retracted,
        hypotheses_added=hyps_added,
        hypotheses_retired=hyps_retired,
        reliability_changes=reliability,
        judgements=judgements,
        notes=notes,
        beliefs=changes,
    )
