"""The terms the flags are read in (DESIGN §4): numbers floored at 0.001 and the small values the
flags' book keeps between events. The words a sentence uses for them (percentages, "about 8
times", "4 February") are `domain/wording.py`'s.

`lf`/`logit` floor probabilities and ratings at 0.001 (a rating of "0" and the network's
0.045 % are the same view), so no log-odds is infinite and no Bayes factor overflows.
"""

from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from hypotrack.domain import rules as R
from hypotrack.domain.state import CaseState, ItemState, JudgementState
from hypotrack.reasoning.engine import Snapshot

if TYPE_CHECKING:
    from hypotrack.reasoning.flags import FlagBook

MAX_ITEMS = 20  # evidence ids a flag lists (largest log likelihood ratio first)

# --- reading numbers ------------------------------------------------------------------------


def lf(p: float) -> float:
    """ln p, floored at 0.001."""
    return math.log(max(p, R.FLOOR))


def logit(p: float) -> float:
    """logit p, with p kept within [0.001, 0.999]."""
    p = min(max(p, R.FLOOR), 1 - R.FLOOR)
    return math.log(p / (1 - p))


def w(j: JudgementState, h: str, other: JudgementState | None = None) -> float | None:
    """j's rating of h, normalised over the hypotheses rated in both j and `other`."""
    ratings = j.ratings
    if h not in ratings or (other is not None and h not in other.ratings):
        return None
    # In the ratings' own order (not a set's): the sum must not depend on string hashing.
    if other is None:
        total = sum(ratings.values())
    else:
        total = sum(ratings[k] for k in ratings if k in other.ratings)
    return ratings[h] / total if total > 0 else 0.0


def omega(j: JudgementState, rival: str, f: str, other: JudgementState | None = None) -> float:
    """The worker's log-odds of rival against f at j (both rated), floored."""
    return lf(w(j, rival, other) or 0.0) - lf(w(j, f, other) or 0.0)


# --- what the book keeps --------------------------------------------------------------------


@dataclass
class Change:
    """A reliability change, with what its source had reported by then."""

    step: int
    source: str
    drop: float
    against: frozenset[str]
    for_: frozenset[str]


@dataclass
class Run:
    """Review-to-review windows within one run of judgements favouring the same explanation
    (the anchor period plus t), summed per class for one-sided scrutiny."""

    confirming: tuple[int, float, float] = (0, 0.0, 0.0)  # windows, Σ network, Σ worker
    disconfirming: tuple[int, float, float] = (0, 0.0, 0.0)
    disconfirming_windows: tuple[tuple[int, int], ...] = ()


@dataclass
class Draft:
    """A flag before acknowledgements are read."""

    id: str
    severity: str
    favoured: str | None
    rival: str | None
    figure: float
    figure_name: str
    since: datetime | None
    evidence: list[str]
    message: str
    strength: float = 1.0
    of_t: bool = False  # a rule of t: the same draft at every step until the next judgement


@dataclass
class Verdict:
    """The rules that compare the worker with the evidence, for one judgement t."""

    drafts: list[Draft]
    wide_gap: Draft | None = None


@dataclass
class Top:
    """The items since t that drive a pair's odds, kept as items arrive (stale-review)."""

    scanned: int = 0
    items: list[tuple[float, int, ItemState]] = field(default_factory=list)
    version: int = 0


class Surprises:
    """Items unlikely (< 0.1) under every listed explanation (the live ones but the
    catch-all), kept event by event, with their count and first items at each judgement.

    An item is classified when recorded and again only when amended, back-rated or
    retracted; a new or retired explanation reclassifies every item (rare)."""

    def __init__(self) -> None:
        self.listed: tuple[str, ...] | None = None
        self.steps: list[int] = []  # sorted steps of the surprising items
        self.by_step: dict[int, ItemState] = {}
        self.at: dict[int, tuple[int, list[ItemState]]] = {}  # judgement step -> (n, first)

    def _unlikely(self, item: ItemState, step: int) -> bool:
        assert self.listed is not None
        return item.live_at(step) and all(
            R.below(item.of_at(h, step), R.NARROW_SURPRISE) for h in self.listed
        )

    def _check(self, item: ItemState, step: int) -> None:
        now = self._unlikely(item, step)
        if now and item.step not in self.by_step:
            bisect.insort(self.steps, item.step)
            self.by_step[item.step] = item
        elif not now and item.step in self.by_step:
            del self.by_step[item.step]
            self.steps.pop(bisect.bisect_left(self.steps, item.step))

    def follow(self, state: CaseState, snap: Snapshot) -> None:
        listed = tuple(h for h in snap.log_post if not state.hypotheses[h].spec.catch_all)
        kind = snap.event.kind
        if listed != self.listed:
            self.listed, self.steps, self.by_step = listed, [], {}
            for item in state.item_order:
                if item.step > snap.step:
                    break
                self._check(item, snap.step)
        elif kind == "evidence-recorded":
            self._check(state.items[snap.event.evidence.id], snap.step)
        elif kind in ("evidence-amended", "evidence-retracted"):
            self._check(state.items[snap.event.id], snap.step)
        elif kind == "items-back-rated":
            for ident in snap.event.likelihood:
                self._check(state.items[ident], snap.step)
        if kind == "judgement":
            first = [self.by_step[s] for s in self.steps[:MAX_ITEMS]]
            self.at[snap.step] = (len(self.steps), first)


class Leaders:
    """Per explanation h, the items most for it and most against it (ln L(h) − ln ā as
    recorded), MAX_ITEMS of each, kept in bounded heaps as items are recorded."""

    def __init__(self) -> None:
        self.most_for: dict[str, list[tuple[float, int, str]]] = {}
        self.most_against: dict[str, list[tuple[float, int, str]]] = {}
        self.items: dict[str, ItemState] = {}

    def add(self, item: ItemState, likelihood: dict[str, float], mean: float) -> None:
        self.items[item.id] = item
        log_mean = math.log(mean)
        most_for, most_against = self.most_for, self.most_against
        back, ident = -item.step, item.id
        for h, p in likelihood.items():
            d = math.log(p) - log_mean
            for heaps, key in ((most_for, d), (most_against, -d)):
                heap = heaps.get(h)
                if heap is None:
                    heap = heaps[h] = []
                entry = (key, back, ident)
                if len(heap) < MAX_ITEMS:
                    heapq.heappush(heap, entry)
                elif entry > heap[0]:
                    heapq.heapreplace(heap, entry)

    def candidates(self, toward: str, away: str) -> list[ItemState]:
        ids = [e[2] for e in self.most_for.get(toward, [])]
        ids += [e[2] for e in self.most_against.get(away, [])]
        return [self.items[i] for i in ids]


@dataclass
class Ctx:
    """What every rule of one judgement t reads."""

    book: FlagBook
    k: int
    t: JudgementState
    f: str
    snap: Snapshot
    anchor: list[JudgementState]
    rivals: list[str]
    alternatives: list[str]
    gap: float

    @cached_property
    def p(self) -> dict[str, float]:
        """The network's posterior at t (read-only: worked out once for all the rules)."""
        return self.snap.posterior


def logaddexp_(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    hi, lo = (a, b) if a > b else (b, a)
    return hi + math.log1p(math.exp(lo - hi))


def finite(x: float) -> float:
    if math.isnan(x):
        return 0.0
    return max(min(x, 1e12), -1e12)


def quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > 80:
        text = text[:77] + "…"
    return f"'{text}'"


def information_gain(posterior: dict[str, float], q: Any) -> float:
    """Expected information gain of an enquiry, in bits (DESIGN §5)."""

    def entropy(p: dict[str, float]) -> float:
        return -sum(v * math.log2(v) for v in p.values() if v > 0)

    before = entropy(posterior)
    gain = 0.0
    for positive in (True, False):
        joint = {
            h: v * (q.positive(h) if positive else 1.0 - q.positive(h))
            for h, v in posterior.items()
        }
        total = sum(joint.values())
        if total > 0:
            gain += total * (before - entropy({h: v / total for h, v in joint.items()}))
    return max(gain, 0.0)
