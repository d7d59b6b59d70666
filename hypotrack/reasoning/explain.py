"""How one item bears on the explanations, and why the beliefs moved when it arrived.

These answer the workspace's "why did this move?" and its bearing column; they live here, beside
the network, so the app, the reports and the command line can share one answer. Both return
plain values: a number, or a frozen `Movement`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from hypotrack.domain.state import ItemState

if TYPE_CHECKING:
    from hypotrack.reasoning.engine import Engine


def bearing_on(
    item: ItemState, favoured: str, posterior: Mapping[str, float], live: list[str]
) -> float:
    """The item's likelihood ratio for the favoured explanation against the rest.

    L(F) over the posterior-weighted mean of L(h) for the other live explanations: above 1 the
    item supports F, below 1 it tells against it.
    """
    rivals = [h for h in live if h != favoured]
    if not rivals:
        return 1.0
    weights = {h: posterior.get(h, 0.0) for h in rivals}
    total = sum(weights.values())
    if total <= 0:
        weights = {h: 1.0 for h in rivals}
        total = float(len(rivals))
    rest = sum(weights[h] * item.of(h) for h in rivals) / total
    return item.of(favoured) / rest if rest > 0 else math.inf


@dataclass(frozen=True)
class Movement:
    """Why an item moved the beliefs: its ratios, and each belief before and after it."""

    item: str
    favoured: str | None
    ratios: Mapping[str, float]  # rival -> L(rival) / L(favoured)
    before: Mapping[str, float]
    after: Mapping[str, float]
    retracted_before: Mapping[str, float] | None = None
    retracted_after: Mapping[str, float] | None = None


def why_moved(engine: Engine, item_id: str, favoured: str | None) -> Movement | None:
    """For one item: L(rival)/L(F) for each rival, and how each belief moved when it arrived.

    `engine.history[k]` is the network after the k-th event; the item arrived at step
    `item.step`, so the move is history[step - 1] → history[step]. A retraction's move is shown
    the same way.
    """
    state = engine.state
    item = state.items.get(item_id)
    if item is None or item.step >= len(engine.history) or item.step < 1:
        return None
    live = state.live_hypotheses
    ratios = {}
    if favoured is not None:
        base = item.of(favoured)
        ratios = {h: item.of(h) / base for h in live if h != favoured}
    before = engine.history[item.step - 1].posterior
    after = engine.history[item.step].posterior
    r_before = r_after = None
    if not item.live:
        for k, snap in enumerate(engine.history):
            ev = snap.event
            if ev.kind == "evidence-retracted" and ev.id == item_id and k > 0:
                r_before = MappingProxyType(engine.history[k - 1].posterior)
                r_after = MappingProxyType(snap.posterior)
                break
    return Movement(
        item_id,
        favoured,
        MappingProxyType(ratios),
        MappingProxyType(before),
        MappingProxyType(after),
        r_before,
        r_after,
    )
