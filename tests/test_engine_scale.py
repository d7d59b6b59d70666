"""The engine's per-event cost does not grow with the number of sources, and its running totals
and lazy reliabilities agree with a fresh computation at every step."""

from __future__ import annotations

import math

import pytest

from benchmarks.generate import CaseShape, generate_case
from hypotrack.reasoning.engine import Engine, logaddexp, normalise_log
from hypotrack.reasoning.network import query_network
from tests.builders import TOL, random_case


def fresh_posterior(engine: Engine) -> dict[str, float]:
    """The posterior summed afresh over every source (the formula at the top of engine.py)."""
    state = engine.state
    live = [h for h in state.hypotheses.values() if h.live]
    total = sum(h.spec.prior for h in live)
    score = {h.id: [math.log(h.spec.prior / total)] for h in live}
    for source in state.sources.values():
        items = [i for i in state.items.values() if i.live and i.spec.source == source.id]
        r = source.reliability
        if not items or r <= 0:
            continue
        for h in score:
            d = 0.0
            for item in items:
                if h in item.likelihood:
                    mean = sum(item.likelihood.values()) / len(item.likelihood)
                    d += math.log(item.likelihood[h]) - math.log(mean)
            score[h].append(d if r >= 1 else logaddexp(math.log(r) + d, math.log1p(-r)))
    return normalise_log({h: math.fsum(parts) for h, parts in score.items()})


def test_historical_reliabilities_match_a_fold_up_to_that_step() -> None:
    events = random_case(77)
    whole = Engine.run(events)
    for k in range(1, len(events)):
        alone = Engine.run(events[: k + 1]).current
        snap = whole.history[k]
        assert dict(snap.reliability) == pytest.approx(dict(alone.reliability), abs=1e-12)
        assert snap.log_post == pytest.approx(alone.log_post, abs=1e-12)


@pytest.mark.parametrize("seed", [5, 17])
def test_reliability_of_an_earlier_step_agrees_with_variable_elimination(seed: int) -> None:
    events = random_case(seed)
    whole = Engine.run(events)
    k = len(events) // 2
    early = Engine.run(events[: k + 1])
    _, reliability = query_network(early.state)
    for s, r in reliability.items():
        assert whole.history[k].reliability[s] == pytest.approx(r, abs=TOL)


def test_many_sources_many_swaps_do_not_drift() -> None:
    events = generate_case(
        CaseShape(n_items=600, n_sources=300, n_uncertain=150, n_judgements=10, seed=11)
    )
    engine = Engine.run(events)
    expected = fresh_posterior(engine)
    assert engine.current.log_post == pytest.approx(expected, abs=1e-9)
