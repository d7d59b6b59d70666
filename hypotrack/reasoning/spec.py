"""What the network of DESIGN §3 is, apart from how it is computed.

A `NetworkSpec` lists the network's parts as of one state of the case:

- the open explanations with their prior weights (the states of `H`);
- every source with its reliability (an `R_s` node for each one below 1);
- every live item with its source, its likelihoods as rated and ā, the mean of the likelihoods as
  entered (an `E_i` node): P(E_i | h, reliable) = L_i(h), P(E_i | h, unreliable) = ā_i, and a
  hypothesis the item does not rate is neutral on it (L_i(h) = ā_i).

Three readers take it: the fast engine (`engine.py`) takes its parts one event at a time
(`ItemTerm.of_item`, `explanations`: it keeps running sums instead of a whole spec); the pgmpy
reference (`network.build_network`) and the BIF writer (`bif.py`) take a whole spec. Nothing here
imports pgmpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from hypotrack.domain.state import CaseState, ItemState


@dataclass(frozen=True, slots=True)
class Explanation:
    """A state of `H`: an open explanation and its prior weight (relative; default 1)."""

    id: str
    prior: float


@dataclass(frozen=True, slots=True)
class SourceTerm:
    """A source and the worker's prior that its reports are reliable (1: taken at face value)."""

    id: str
    reliability: float

    @property
    def uncertain(self) -> bool:
        """Whether the source has an `R_s` node (reliability below 1)."""
        return self.reliability < 1.0


@dataclass(frozen=True, slots=True)
class ItemTerm:
    """An `E_i` node: a live item's source, its likelihoods as rated and ā.

    `likelihood` keeps the ratings of retired explanations too: they no longer have a state in
    `H`, but they count in ā as entered (DESIGN §2), which is kept as it was, not recomputed.
    """

    id: str
    source: str
    likelihood: Mapping[str, float]
    mean: float

    @classmethod
    def of_item(cls, item: ItemState) -> ItemTerm:
        return cls(item.id, item.spec.source, item.likelihood, item.mean)

    def of(self, hypothesis: str) -> float:
        """L_i(h); ā_i where the item does not rate h (neutral)."""
        return self.likelihood.get(hypothesis, self.mean)

    def log_ratio(self, hypothesis: str) -> float:
        """log L_i(h) − log ā_i: the item's term in the engine's running sums."""
        return math.log(self.of(hypothesis)) - math.log(self.mean)

    def log_ratios(self) -> dict[str, float]:
        """`log_ratio` of every hypothesis the item rates (the others' are 0)."""
        log_mean = math.log(self.mean)
        return {h: math.log(p) - log_mean for h, p in self.likelihood.items()}


def explanations(state: CaseState) -> tuple[Explanation, ...]:
    """The states of `H` as of a case state: its live hypotheses, in the order added."""
    return tuple(Explanation(h.id, h.spec.prior) for h in state.hypotheses.values() if h.live)


@dataclass(frozen=True)
class NetworkSpec:
    """The network of DESIGN §3 as of one case state (see the module's docstring)."""

    explanations: tuple[Explanation, ...]
    sources: tuple[SourceTerm, ...]
    items: tuple[ItemTerm, ...]

    @classmethod
    def of(cls, state: CaseState) -> NetworkSpec:
        return cls(
            explanations(state),
            tuple(SourceTerm(s.id, s.reliability) for s in state.sources.values()),
            tuple(ItemTerm.of_item(i) for i in state.items.values() if i.live),
        )

    @property
    def hypotheses(self) -> list[str]:
        """The ids of `H`'s states."""
        return [e.id for e in self.explanations]

    @property
    def uncertain(self) -> tuple[SourceTerm, ...]:
        """The sources that have an `R_s` node."""
        return tuple(s for s in self.sources if s.uncertain)

    def priors(self) -> list[float]:
        """P(H = h) for each explanation, in order: the weights normalised."""
        total = sum(e.prior for e in self.explanations)
        return [e.prior / total for e in self.explanations]
