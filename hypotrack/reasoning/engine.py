"""The fast, incremental path through the network of DESIGN §3.

The network is a star around `H`: each item hangs off `H` (and off its source's reliability
node `R_s` when the source is uncertain). Summing out each `R_s` gives, per hypothesis h,

    log P(h | e) = log π(h) + Σ_s g_s(h) + const,
    g_s(h) = D_s(h)                                    if r_s = 1,
             log( r_s · exp(D_s(h)) + (1 − r_s) )      if 0 < r_s < 1,
             0                                         if r_s = 0,

where D_s(h) = Σ over the source's live items of log L_i(h) − log ā_i (zero for a hypothesis
the item does not rate: neutral). The ā terms cancel, so each source keeps one running sum per
hypothesis. Tempering (every likelihood raised to ½, `rules.TEMPER_POWER`, for red flags) halves
every D_s.

Cost per event. g_s(h) is zero for every hypothesis the source's items do not rate (D_s(h) = 0
gives log(r + 1 − r) = 0), so the engine keeps a running total G(h) = Σ_s g_s(h) over the
hypotheses each source rates, and an event that touches one source (an item recorded, amended or
retracted; a reliability changed) swaps that source's old g_s for its new one: the posterior then
costs O(number of hypotheses), whatever the number of sources and items. With 1,000 sources,
recomputing Σ_s at every event made `beliefs` take 4.7 s; see benchmarks (g). The totals are
compensated sums (Neumaier), so thousands of swaps do not drift from a fresh sum.

The posterior reliability of a source, P(R_s = reliable | e) = Σ_h P(h | e) · r_s · exp(D_s(h) −
g_s(h)), depends on the whole posterior, so it changes for every source at every event; it is
computed only when asked for (`Snapshot.reliability` is a lazy mapping), from the source's
(r_s, D_s) as they stood at that snapshot.

What the network is (its explanations and priors, sources, items and their likelihoods) comes
from `spec.py`, one item or one set of explanations at a time: `ItemTerm.of_item` gives an item's
log L_i(h) − log ā_i, `explanations` the states of `H` and their weights. Every figure here must
agree with pgmpy's VariableElimination on the same network to 1e-9
(`tests/test_network_reference.py`); pgmpy itself is not imported here.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hypotrack.domain import model as m
from hypotrack.domain.rules import TEMPER_POWER
from hypotrack.domain.state import CaseState
from hypotrack.reasoning.spec import Explanation, ItemTerm, explanations

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


def _contribution(r: float, sums: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """A source's g_s(h) and its tempered twin, for the hypotheses its items rate."""
    if r <= 0.0 or not sums:
        return {}, {}
    if r >= 1.0:
        return dict(sums), {h: TEMPER_POWER * d for h, d in sums.items()}
    log_r, log_not_r = math.log(r), math.log1p(-r)
    g = {h: logaddexp(log_r + d, log_not_r) for h, d in sums.items()}
    t = {h: logaddexp(log_r + TEMPER_POWER * d, log_not_r) for h, d in sums.items()}
    return g, t


class _Total:
    """Per-hypothesis running sums with Neumaier compensation (add and subtract in O(1))."""

    __slots__ = ("_comp", "_sum")

    def __init__(self) -> None:
        self._sum: dict[str, float] = {}
        self._comp: dict[str, float] = {}

    def add(self, terms: dict[str, float], sign: float = 1.0) -> None:
        sums, comps = self._sum, self._comp  # (the hottest loop of a replay: locals)
        for h, x in terms.items():
            x *= sign
            s = sums.get(h, 0.0)
            t = s + x
            c = (s - t) + x if abs(s) >= abs(x) else (x - t) + s
            sums[h] = t
            comps[h] = comps.get(h, 0.0) + c

    def get(self, h: str) -> float:
        return self._sum.get(h, 0.0) + self._comp.get(h, 0.0)


@dataclass(frozen=True)
class _SourceVersion:
    """A source's reliability and running sums from one step on (the sums are never mutated)."""

    step: int
    r: float
    sums: dict[str, float]


class _ReliabilityAt(Mapping[str, float]):
    """P(R_s = reliable | e) for every source as of one snapshot, computed when read."""

    def __init__(self, engine: Engine, step: int, log_post: dict[str, float]) -> None:
        self._engine = engine
        self._step = step
        self._log_post = log_post
        self._cache: dict[str, float] = {}

    def _version(self, source: str) -> _SourceVersion | None:
        versions = self._engine._versions.get(source)
        if not versions:
            return None
        k = bisect_right(self._engine._version_steps[source], self._step)
        return versions[k - 1] if k else None

    def __getitem__(self, source: str) -> float:
        if source in self._cache:
            return self._cache[source]
        version = self._version(source)
        if version is None:
            raise KeyError(source)
        r, sums = version.r, version.sums
        if r <= 0.0 or r >= 1.0 or not sums:
            value = r
        else:
            log_r, log_not_r = math.log(r), math.log1p(-r)
            value = 0.0
            for h, lp in self._log_post.items():
                reliable = log_r + sums.get(h, 0.0)
                value += math.exp(lp + reliable - logaddexp(reliable, log_not_r))
        self._cache[source] = value
        return value

    def __iter__(self) -> Iterator[str]:
        for added, source in self._engine._source_order:
            if added > self._step:
                break
            yield source

    def __len__(self) -> int:
        return bisect_right([a for a, _ in self._engine._source_order], self._step)


def _log_priors(states: tuple[Explanation, ...]) -> tuple[dict[str, float], float]:
    """log π(h) for each state of `H` (its weight over the total), and the total weight."""
    total = sum(e.prior for e in states)
    return {e.id: math.log(e.prior / total) for e in states}, total


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
    reliability: Mapping[str, float]
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
        # Each source's current g_s and tempered g_s, and their totals over the sources.
        self._contrib: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
        self._total = _Total()
        self._total_tempered = _Total()
        # Each source's (r, D) by step, for the lazy reliability of any snapshot.
        self._versions: dict[str, list[_SourceVersion]] = {}
        self._version_steps: dict[str, list[int]] = {}
        self._source_order: list[tuple[int, str]] = []
        # log π(h) of each live hypothesis and the total weight, as of the last change to H.
        self._priors: tuple[dict[str, float], float] = ({}, 0.0)
        # Scratch space for readers that keep incremental results across steps (flags).
        self.memo: dict[str, Any] = {}

    @classmethod
    def run(cls, events: Iterable[m.Event], as_of: datetime | None = None) -> Engine:
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
        touched: str | None = None
        if kind == "evidence-recorded":
            touched = self._add_item(ItemTerm.of_item(self.state.items[event.evidence.id]))
        elif kind == "evidence-amended":
            item = self.state.items[event.id]
            self._remove_item(item.id, item.spec.source)
            touched = self._add_item(ItemTerm.of_item(item))
        elif kind == "items-back-rated":
            # Earlier items weighed against an explanation added later: ā stays as entered,
            # only the new explanation's term changes (DESIGN §2).
            sources: set[str] = set()
            for ident in event.likelihood:
                item = self.state.items[ident]
                d = ItemTerm.of_item(item).log_ratio(event.hypothesis)
                self._item_delta[ident][event.hypothesis] = d
                sums = self._source_sum.setdefault(item.spec.source, {})
                sums[event.hypothesis] = sums.get(event.hypothesis, 0.0) + d
                sources.add(item.spec.source)
            for source in sorted(sources):
                self._refresh_source(source)
        elif kind == "evidence-retracted":
            item = self.state.items[event.id]
            touched = self._remove_item(item.id, item.spec.source)
        elif kind == "reliability-changed":
            touched = event.source
        elif kind == "source-added":
            touched = event.source.id
            self._source_order.append((len(self.history), touched))
        elif kind in ("hypothesis-added", "hypothesis-retired"):
            self._priors = _log_priors(explanations(self.state))
        if touched is not None:
            self._refresh_source(touched)
        if kind in NETWORK_EVENTS or not self.history:
            log_post, log_tempered, norms = self._posterior()
        else:
            last = self.history[-1]
            log_post, log_tempered = last.log_post, last.log_tempered
            norms = (last.log_norm, last.log_norm_tempered, last.prior_total)
        step = len(self.history)
        snap = Snapshot(
            step=step,
            at=event.at,
            event=event,
            log_post=log_post,
            log_tempered=log_tempered,
            reliability=_ReliabilityAt(self, step, log_post),
            log_norm=norms[0],
            log_norm_tempered=norms[1],
            prior_total=norms[2],
        )
        self.history.append(snap)
        return snap

    def _add_item(self, item: ItemTerm) -> str:
        delta = item.log_ratios()  # against ā as entered (a back-rating leaves it as it was)
        self._item_delta[item.id] = delta
        sums = self._source_sum.setdefault(item.source, {})
        for h, d in delta.items():
            sums[h] = sums.get(h, 0.0) + d
        self._source_items[item.source] = self._source_items.get(item.source, 0) + 1
        return item.source

    def _remove_item(self, item_id: str, source: str) -> str:
        delta = self._item_delta.pop(item_id)
        sums = self._source_sum[source]
        for h, d in delta.items():
            sums[h] -= d
        self._source_items[source] -= 1
        if self._source_items[source] == 0:
            # Start the source afresh so rounding from add/subtract cannot accumulate.
            self._source_sum[source] = {}
        return source

    def _refresh_source(self, source: str) -> None:
        """Swap one source's old contribution to the totals for its new one: O(its hypotheses)."""
        r = self.state.sources[source].reliability
        sums = self._source_sum.get(source, {}) if self._source_items.get(source) else {}
        old_g, old_t = self._contrib.get(source, ({}, {}))
        self._total.add(old_g, -1.0)
        self._total_tempered.add(old_t, -1.0)
        g, t = _contribution(r, sums)
        self._total.add(g)
        self._total_tempered.add(t)
        self._contrib[source] = (g, t)
        step = len(self.history)
        versions = self._versions.setdefault(source, [])
        steps = self._version_steps.setdefault(source, [])
        version = _SourceVersion(step, r, dict(sums))
        if steps and steps[-1] == step:
            versions[-1] = version
        else:
            versions.append(version)
            steps.append(step)

    # --- the posterior --------------------------------------------------------------------

    def _posterior(
        self,
    ) -> tuple[dict[str, float], dict[str, float], tuple[float, float, float]]:
        log_prior, total_prior = self._priors
        score: dict[str, float] = {}
        tempered: dict[str, float] = {}
        for h, base in log_prior.items():
            score[h] = base + self._total.get(h)
            tempered[h] = base + self._total_tempered.get(h)
        log_post, log_tempered = normalise_log(score), normalise_log(tempered)
        norms = (
            _log_norm(score, log_post),
            _log_norm(tempered, log_tempered),
            total_prior if log_prior else 1.0,
        )
        return log_post, log_tempered, norms

    # --- views ----------------------------------------------------------------------------

    @property
    def current(self) -> Snapshot:
        return self.history[-1]
