"""The timeline: as-of folding, retractions, replay, and the invariants of the posterior."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypotrack.domain.casefile import events_to_yaml, load_case_file, load_case_text
from hypotrack.domain.timeline import Timeline
from hypotrack.reasoning.api import analyse, beliefs, flags, replay
from tests.builders import CaseBuilder, random_case

EXAMPLE = "models/examples/case-format.yaml"
LONDON = ZoneInfo("Europe/London")


def test_as_of_sees_only_what_was_recorded() -> None:
    events = load_case_file(EXAMPLE).events
    before = analyse(events, datetime(2026, 3, 4, 10, 0, tzinfo=LONDON))
    assert set(before.state.items) == {"e1", "e2"}
    assert "family-account" in before.state.live_hypotheses
    # Inclusive: an item recorded at exactly T is known at T.
    at_e3 = analyse(events, datetime(2026, 3, 4, 11, 0, tzinfo=LONDON))
    assert "e3" in at_e3.state.items


def test_retraction_applies_from_its_time_on() -> None:
    events = load_case_file(EXAMPLE).events
    before = analyse(events, datetime(2026, 3, 6, 8, 59, tzinfo=LONDON))
    after = analyse(events, datetime(2026, 3, 6, 9, 0, tzinfo=LONDON))
    assert before.state.items["e3"].live and not after.state.items["e3"].live
    # With e3 retracted, the posterior is as if e3 had never been entered.
    never = [
        e
        for e in events
        if not (e.kind == "evidence-recorded" and e.evidence.id == "e3")
        and not (e.kind == "evidence-retracted" and e.id == "e3")
    ]
    without = analyse(never, datetime(2026, 3, 6, 9, 0, tzinfo=LONDON)).current.posterior
    assert after.current.posterior == pytest.approx(without, abs=1e-12)
    # Just before, e3 (a face-value source: accidental 0.9, inflicted 0.1, the explanations it
    # does not rate at its mean 0.5) still multiplies in.
    like = {h: {"accidental": 0.9, "inflicted": 0.1}.get(h, 0.5) for h in without}
    total = sum(without[h] * like[h] for h in without)
    assert before.current.posterior == pytest.approx(
        {h: without[h] * like[h] / total for h in without}, abs=1e-12
    )


def test_retracted_item_leaves_no_trace_in_the_posterior() -> None:
    with_item = CaseBuilder().hypothesis("a").hypothesis("b").item({"a": 0.5, "b": 0.5})
    plain = analyse(with_item.events()).current.posterior
    with_item.item({"a": 0.9, "b": 0.1}, ident="wrong")
    with_item.doc["evidence"][-1]["retracted"] = {"at": with_item.tick(), "reason": "wrong child"}
    again = analyse(with_item.events()).current.posterior
    for h in plain:
        assert again[h] == pytest.approx(plain[h], abs=1e-12)


def test_hypothesis_added_later_is_neutral_on_earlier_items() -> None:
    case = CaseBuilder().hypothesis("a").hypothesis("b")
    case.item({"a": 0.8, "b": 0.2})
    case.doc["hypotheses"].append({"id": "late", "label": "Late", "added": case.tick()})
    engine = analyse(case.events())
    p = engine.current.posterior
    # Neutral = the item's mean likelihood (0.5): a 0.8 : b 0.2 : late 0.5.
    assert p["late"] == pytest.approx(0.5 / 1.5)


def test_retired_hypothesis_leaves_h() -> None:
    events = load_case_file(EXAMPLE).events
    engine = analyse(events)
    assert "rough-play" not in engine.current.log_post
    b = beliefs(engine)
    assert math.fsum(h.probability for h in b.hypotheses) == pytest.approx(1.0)


def test_replay_last_step_equals_current_state() -> None:
    events = load_case_file(EXAMPLE).events
    steps = replay(events)
    # The set-up at the opening instant is one step (issue 11).
    assert len(steps) == Timeline(events).step_count
    engine = analyse(events)
    assert steps[-1].beliefs == pytest.approx(engine.current.posterior)
    assert steps[-1].flags == [f.id for f in flags(engine)]


def test_replay_never_shows_what_was_recorded_later() -> None:
    events = load_case_file(EXAMPLE).events
    for k, step in enumerate(replay(events)):
        known = analyse(events, step.at)
        # Nothing later than the step's moment; at equal times, only the events up to the step.
        assert set(step.beliefs) <= set(known.current.log_post)
        known_then = events[: Timeline(events).stop(k)]
        assert step.beliefs == analyse(known_then).current.posterior
        assert all(e.at <= step.at for e in known_then)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_posteriors_sum_to_one_and_replay_ends_where_the_fold_does(seed: int) -> None:
    events = random_case(seed)
    steps = replay(events, with_flags=False)
    for step in steps:
        if step.beliefs:
            assert math.fsum(step.beliefs.values()) == pytest.approx(1.0, abs=1e-12)
    final = analyse(events).current.posterior
    assert steps[-1].beliefs == pytest.approx(final, abs=1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_any_case_round_trips_through_a_case_file(seed: int) -> None:
    events = random_case(seed)
    again = load_case_text(events_to_yaml(events), "round.yaml").events
    assert [e.kind for e in again] == [e.kind for e in events]
    assert analyse(again).current.posterior == pytest.approx(
        analyse(events).current.posterior, abs=1e-12
    )


def test_similar_items_are_found_for_a_warning() -> None:
    from hypotrack.domain.state import similar_items

    events = load_case_file(EXAMPLE).events
    state = analyse(events).state
    assert similar_items(state, "Two bruises on the left cheek seen at drop off") == ["e1"]
    assert similar_items(state, "Clotting screen normal") == ["e4"]
    assert similar_items(state, "School reports good attendance") == []
