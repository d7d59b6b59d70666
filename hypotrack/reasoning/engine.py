"""The fast, incremental path through the network of DESIGN §3.

The network is a star around `H`: each item hangs off `H` (and off its source's reliability
node `R_s` when the source is uncertain). Summing out each `R_s` gives, per hypothesis h,

    log P(h | e) = log π(h) + Σ_s g_s(h) + const,
    g_s(h) = D_s(h)                                    if r_s = 1,
             log( r_s · exp(D_s(h)) + (1 − r_s) )      if 0 < r_s < 1,
             0                                         if r_s = 0,

where D_s(h) = Σ over the source's live items of log L_i(h) − log ā_i (zero for a hypothesis
the item does not rate: neutral). The ā terms cancel, so each source keeps one running sum per
hypothesis, and an event touches only the sums it changes: a replay is linear in the number of
events. Tempering (every likelihood raised to ½, for red flags) halves every D_s.

Every figure here must agree with pgmpy's VariableElimination on the same network to 1e-9
(`tests/test_network_reference.py`); pgmpy itself is not imported here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hypotrack.domain import model as m
from hypotrack.domain.state import CaseState

NETWORK_EVENTS = frozenset(
    {
        "hypothesis-added",
        "hypothesis-retired",
        "reliability-changed",
        "source-added",
        "evidence-recorded",
        "evidence-amended",
        "evidence-retracted",
        "items-back-rated",
    }
)


def logaddexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    hi, lo = (a, b) if a > b else (b, a)
    return hi + math.log1p(math.exp(lo - hi))


def normalise_log(scores: dict[str, float]) -> dict[str, float]:
    """Log-probabilities from unnormalised log scores."""
    if not scores:
        return {}
    top = max(scores.values())
    total = top + math.log(sum(math.exp(v - top) for v in scores.values()))
    return {h: v - total for h, v in scores.items()}


def _log_norm(score: dict[str, float], log_post: dict[str, float]) -> float:
    for h, v in score.items():
        return v - log_post[h]
    return 0.0


@dataclass(frozen=True)
class Snapshot:
    """The network's reading after one event of the timeline."""

    step: int
    at: datetime
    event: Any
    log_post: dict[str, float]
    log_tempered: dict[str, float]
    reliability: dict[str, float]
    # The normalisers of the two log posteriors, whose unnormalised scores are
    # log(prior / prior_total) + Σ_s g_s(h): a hypothesis neutral on every item so far scores
    # log(prior / prior_total), which lets the flags ask how an explanation added later would
    # have stood at this moment (DESIGN §4: it is neutral on the items before it).
    log_norm: float = 0.0
    log_norm_tempered: float = 0.0
    prior_total: float = 1.0

    def p(self, hypothesis: str) -> float:
        v = self.log_post.get(hypothesis)
        return math.exp(v) if v is not None else 0.0

    @property
    def posterior(self) -> dict[str, float]:
        return {h: math.exp(v) for h, v in self.log_post.items()}


class Engine:
    """Folds events into a `CaseState` and keeps the network's posterior current.

    `history[k]` is the snapshot after the k-th event (the first event is the case opening).
    """

    def __init__(self) -> None:
        self.state = CaseState()
        self.history: list[Snapshot] = []
        self._source_sum: dict[str, dict[str, float]] = {}
        self._source_items: dict[str, int] = {}
        self._item_delta: dict[str, dict[str, float]] = {}
        # Scratch space for readers that keep incremental results across steps (flags).
        self.memo: dict[str, Any] = {}

    @classmethod
    def run(cls, events: list[Any], as_of: datetime | None = None) -> Engine:
        engine = cls()
        for event in events:
            if as_of is not None and event.at > as_of:
                break
            engine.apply(event)
        return engine

    # --- events ---------------------------------------------------------------------------

    def apply(self, event: Any) -> Snapshot:
        """Fold one event and record the network's reading after it."""
        self.state.apply(event)  # raises EventRejected before anything changes here
        kind = event.kind
        if kind == "evidence-recorded":
            item = self.state.items[event.evidence.id]
            self._add_item(item.id, item.spec.source, item.likelihood, item.mean)
        elif kind == "evidence-amended":
            item = self.state.items[event.id]
            self._remove_item(item.id, item.spec.source)
            self._add_item(item.id, item.spec.source, item.likelihood, item.mean)
        elif kind == "items-back-rated":
            # ā stays as entered: only the new explanation's term changes.
            for ident, p in event.likelihood.items():
                item = self.state.items[ident]
                d = math.log(p) - math.log(item.mean)
                self._item_delta[ident][event.hypothesis] = d
                sums = self._source_sum.setdefault(item.spec.source, {})
                sums[event.hypothesis] = sums.get(event.hypothesis, 0.0) + d
        elif kind == "evidence-retracted":
            item = self.state.items[event.id]
            self._remove_item(item.id, item.spec.source)
        if kind in NETWORK_EVENTS or not self.history:
            log_post, log_tempered, reliability, norms = self._posterior()
        else:
            last = self.history[-1]
            log_post, log_tempered, reliability = last.log_post, last.log_tempered, last.reliability
            norms = (last.log_norm, last.log_norm_tempered, last.prior_total)
        snap = Snapshot(
            step=len(self.history),
            at=event.at,
            event=event,
            log_post=log_post,
            log_tempered=log_tempered,
            reliability=reliability,
            log_norm=norms[0],
            log_norm_tempered=norms[1],
            prior_total=norms[2],
        )
        self.history.append(snap)
        return snap

    def _add_item(
        self, item_id: str, source: str, likelihood: dict[str, float], mean: float
    ) -> None:
        log_mean = math.log(mean)
        delta = {h: math.log(p) - log_mean for h, p in likelihood.items()}
        self._item_delta[item_id] = delta
        sums = self._source_sum.setdefault(source, {})
        for h, d in delta.items():
            sums[h] = sums.get(h, 0.0) + d
        self._source_items[source] = self._source_items.get(source, 0) + 1

    def _remove_item(self, item_id: str, source: str) -> None:
        delta = self._item_delta.pop(item_id)
        sums = self._source_sum[source]
        for h, d in delta.items():
            sums[h] -= d
        self._source_items[source] -= 1
        if self._source_items[source] == 0:
            # Start the source afresh so rounding from add/subtract cannot accumulate.
            self._source_sum[source] = {}

    # --- the posterior --------------------------------------------------------------------

    def _posterior(
        self,
    ) -> tuple[dict[str, float], dict[str, float], dict[str, float], tuple[float, float, float]]:
        state = self.state
        live = [h for h in state.hypotheses.values() if h.live]
        total_prior = sum(h.spec.prior for h in live)
        base = {h.id: math.log(h.spec.prior / total_prior) for h in live}
        score = dict(base)
        tempered = dict(base)
        # Per uncertain source: g_s(h) and the reliable branch, for R_s's posterior.
        uncertain: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
        for source_id, sums in self._source_sum.items():
            if not self._source_items.get(source_id):
                continue
            r = state.sources[source_id].reliability
            if r <= 0.0:
                continue
            if r >= 1.0:
                for h in score:
                    d = sums.get(h, 0.0)
                    score[h] += d
                    tempered[h] += 0.5 * d
                continue
            log_r, log_not_r = math.log(r), math.log1p(-r)
            g: dict[str, float] = {}
            reliable: dict[str, float] = {}
            for h in score:
                d = sums.get(h, 0.0)
                reliable[h] = log_r + d
                g[h] = logaddexp(reliable[h], log_not_r)
                score[h] += g[h]
                tempered[h] += logaddexp(log_r + 0.5 * d, log_not_r)
            uncertain[source_id] = (g, reliable)
        log_post = normalise_log(score)
        log_tempered = normalise_log(tempered)
        norms = (
            _log_norm(score, log_post),
            _log_norm(tempered, log_tempered),
            total_prior if live else 1.0,
        )
        reliability: dict[str, float] = {}
        for source_id, source in state.sources.items():
            r = source.reliability
            if source_id not in uncertain:
                reliability[source_id] = r
                continue
            g, reliable = uncertain[source_id]
            # P(R_s = reliable | e) = Σ_h P(h | e) · exp(reliable_s(h) − g_s(h)).
            reliability[source_id] = sum(
                math.exp(log_post[h] + reliable[h] - g[h]) for h in log_post
            )
        return log_post, log_tempered, reliability, norms

    # --- views ----------------------------------------------------------------------------

    @property
    def current(self) -> Snapshot:
        return self.history[-1]

    def snapshot_at(self, at: datetime) -> Snapshot | None:
        """The last snapshot at or before a moment."""
        found = None
        for snap in self.history:
            if snap.at > at:
                break
            found = snap
        return found


def case_events_with_info(events: list[Any]) -> m.CaseInfo:
    """The case's header from a timeline (its first event opens the case)."""
    return events[0].case
