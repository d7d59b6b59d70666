"""What would change my mind (DESIGN §5) against numbers worked by hand.

For an enquiry with P(positive | h) = q_h (an unrated explanation takes the mean of the rated
ones) and current beliefs p_h:
  P(positive) = Σ p_h q_h,  p(h | positive) = p_h q_h / P(positive), likewise with 1 − q_h;
  information gain = H(p) − Σ_answer P(answer) H(p(· | answer)) in bits;
  probability gain = Σ_answer P(answer) max_h p(h | answer) − max_h p_h;
  the ratio an item needs to bring F to even odds = (1 − p_F) / p_F.
The beliefs themselves follow §3: π(h) · Π_face-value L_i(h) · Π_s [r_s Π L_i(h) + (1 − r_s) Π ā_i].
"""

from __future__ import annotations

import math

import pytest

from hypotrack.reasoning.api import analyse
from hypotrack.reasoning.whatif import change_my_mind, ratio_to_even_odds
from tests.builders import CaseBuilder, at

TOL = 1e-12


def bits(*p: float) -> float:
    return -sum(x * math.log2(x) for x in p if x > 0)


def two_explanations() -> CaseBuilder:
    """a and the catch-all at even priors, no items; q1 is 4:1 for a."""
    case = CaseBuilder().hypothesis("a").hypothesis("other", catch_all=True)
    case.enquiry("q1", {"a": 0.8, "other": 0.2})
    return case.judge({"a": 60, "other": 40})


def test_two_explanations_at_even_odds() -> None:
    mind = change_my_mind(analyse(two_explanations().events()))
    assert mind.favoured == "a"
    assert mind.favoured_probability == pytest.approx(0.5, abs=TOL)
    assert mind.ratio_to_even_odds == pytest.approx(1.0, abs=TOL)
    (q,) = mind.enquiries
    pos, neg = q.outcomes
    # P(positive) = 0.5·0.8 + 0.5·0.2 = 0.5; a goes to 0.4/0.5 = 0.8, or 0.1/0.5 = 0.2.
    assert (pos.answer, neg.answer) == ("positive", "negative")
    assert pos.probability == pytest.approx(0.5, abs=TOL)
    assert neg.probability == pytest.approx(0.5, abs=TOL)
    assert pos.posterior == pytest.approx({"a": 0.8, "other": 0.2}, abs=TOL)
    assert neg.posterior == pytest.approx({"a": 0.2, "other": 0.8}, abs=TOL)
    assert (pos.favoured_after, neg.favoured_after) == pytest.approx((0.8, 0.2), abs=TOL)
    # 1 bit − H(0.8, 0.2) = 1 − 0.721928095 = 0.278071905 bits.
    assert q.information_gain_bits == pytest.approx(1 - bits(0.8, 0.2), abs=TOL)
    assert q.information_gain_bits == pytest.approx(0.2780719051, abs=1e-10)
    # 0.5·0.8 + 0.5·0.8 − 0.5.
    assert q.probability_gain == pytest.approx(0.3, abs=TOL)
    assert q.sentence == (
        "If the answer is positive (50 % likely), 'Explanation a' goes to 80 % (now 50 %); "
        "if negative, it goes to 20 %."
    )


def three_explanations() -> CaseBuilder:
    """Priors 2:1:1; e1 from a face-value source, e2 from one of reliability 0.5.

    a: 2 · 0.6 · (0.5·0.2 + 0.5·0.5) = 0.42    (ā for e2 = (0.2 + 0.8 + 0.5) / 3 = 0.5)
    b: 1 · 0.3 · (0.5·0.8 + 0.5·0.5) = 0.195
    other: 1 · 0.3 · (0.5·0.5 + 0.5·0.5) = 0.15
    so the beliefs are 28/51, 13/51 and 10/51.
    """
    case = CaseBuilder()
    case.hypothesis("a", prior=2).hypothesis("b").hypothesis("other", catch_all=True)
    case.source("s2", reliability=0.5)
    case.item({"a": 0.6, "b": 0.3, "other": 0.3})
    case.item({"a": 0.2, "b": 0.8, "other": 0.5}, source="s2")
    case.enquiry("q2", {"a": 0.5, "b": 0.5, "other": 0.5})  # says nothing
    case.enquiry("q1", {"a": 0.1, "b": 0.7})  # other unrated: (0.1 + 0.7) / 2 = 0.4
    case.enquiry("q0", {"a": 0.3, "b": 0.3, "other": 0.3})  # says nothing either
    return case


NOW = {"a": 28 / 51, "b": 13 / 51, "other": 10 / 51}
# q1: P(positive) = (28·0.1 + 13·0.7 + 10·0.4) / 51 = 15.9 / 51; P(negative) = 35.1 / 51.
P_POS = 15.9 / 51
AFTER_POS = {"a": 2.8 / 15.9, "b": 9.1 / 15.9, "other": 4.0 / 15.9}
AFTER_NEG = {"a": 25.2 / 35.1, "b": 3.9 / 35.1, "other": 6.0 / 35.1}


def test_three_explanations_and_an_uncertain_source() -> None:
    engine = analyse(three_explanations().judge({"a": 50, "b": 30, "other": 20}).events())
    assert engine.current.posterior == pytest.approx(NOW, abs=TOL)
    mind = change_my_mind(engine)
    assert mind.favoured == "a"
    assert mind.favoured_probability == pytest.approx(28 / 51, abs=TOL)
    # (23/51) / (28/51).
    assert mind.ratio_to_even_odds == pytest.approx(23 / 28, abs=TOL)
    # Ranked by information gain; the two that say nothing tie at 0 and go by id.
    assert [q.id for q in mind.enquiries] == ["q1", "q0", "q2"]
    q1 = mind.enquiries[0]
    pos, neg = q1.outcomes
    assert pos.probability == pytest.approx(P_POS, abs=TOL)
    assert neg.probability == pytest.approx(1 - P_POS, abs=TOL)
    assert pos.posterior == pytest.approx(AFTER_POS, abs=TOL)
    assert neg.posterior == pytest.approx(AFTER_NEG, abs=TOL)
    assert pos.favoured_after == pytest.approx(2.8 / 15.9, abs=TOL)
    assert neg.favoured_after == pytest.approx(25.2 / 35.1, abs=TOL)
    gain = (
        bits(*NOW.values())
        - P_POS * bits(*AFTER_POS.values())
        - (1 - P_POS) * bits(*AFTER_NEG.values())
    )
    assert q1.information_gain_bits == pytest.approx(gain, abs=TOL)
    assert q1.information_gain_bits == pytest.approx(0.2226869922, abs=1e-10)
    # (9.1 + 25.2 − 28) / 51: b leads after a positive answer, a after a negative one.
    assert q1.probability_gain == pytest.approx(6.3 / 51, abs=TOL)
    assert q1.sentence == (
        "If the answer is positive (31 % likely), 'Explanation a' goes to 18 % (now 55 %); "
        "if negative, it goes to 72 %."
    )
    for q in mind.enquiries[1:]:
        assert q.information_gain_bits == pytest.approx(0.0, abs=TOL)
        assert q.probability_gain == pytest.approx(0.0, abs=TOL)
        for outcome in q.outcomes:
            assert outcome.posterior == pytest.approx(NOW, abs=TOL)
        assert q.sentence.endswith(
            "'Explanation a' stays at 55 % (now 55 %); if negative, it stays at 55 %."
        )


def test_the_favoured_explanation_is_the_workers_not_the_networks() -> None:
    engine = analyse(three_explanations().judge({"a": 20, "b": 60, "other": 20}).events())
    mind = change_my_mind(engine)
    assert mind.favoured == "b"
    assert mind.favoured_probability == pytest.approx(13 / 51, abs=TOL)
    assert mind.ratio_to_even_odds == pytest.approx(38 / 13, abs=TOL)
    q1 = mind.enquiries[0]
    assert [o.favoured_after for o in q1.outcomes] == pytest.approx(
        [9.1 / 15.9, 3.9 / 35.1], abs=TOL
    )
    # What the enquiry is worth does not depend on who is favoured.
    assert q1.information_gain_bits == pytest.approx(0.2226869922, abs=1e-10)


def test_without_a_judgement_the_networks_leader_is_taken() -> None:
    mind = change_my_mind(analyse(three_explanations().events()))
    assert mind.favoured == "a"
    assert mind.favoured_probability == pytest.approx(28 / 51, abs=TOL)
    assert mind.ratio_to_even_odds == pytest.approx(23 / 28, abs=TOL)


def test_a_retired_favourite_gives_way_to_the_networks_leader() -> None:
    """The worker still favours a, but a is retired: a leaves H, so b and other share what is
    left (0.195 : 0.15 → 13/23 and 10/23), and F is the network's leader, b."""
    case = three_explanations().judge({"a": 50, "b": 30, "other": 20})
    case.doc["hypotheses"][0]["retired"] = {"at": at(case.clock + 1), "reason": "Ruled out"}
    case.clock += 1
    mind = change_my_mind(analyse(case.events()))
    assert mind.favoured == "b"
    assert mind.favoured_probability == pytest.approx(13 / 23, abs=TOL)
    assert mind.ratio_to_even_odds == pytest.approx(10 / 13, abs=TOL)
    q1 = mind.enquiries[0]
    # q1 without a: other still takes the mean of the rated ones, 0.4.
    p_pos = (13 * 0.7 + 10 * 0.4) / 23
    assert q1.outcomes[0].probability == pytest.approx(p_pos, abs=TOL)
    assert q1.outcomes[0].posterior == pytest.approx(
        {"b": 9.1 / 13.1, "other": 4.0 / 13.1}, abs=TOL
    )


def test_no_open_enquiry() -> None:
    case = CaseBuilder().hypothesis("a").hypothesis("other", catch_all=True)
    mind = change_my_mind(analyse(case.judge({"a": 80, "other": 20}).events()))
    assert mind.enquiries == []
    assert mind.favoured == "a"
    assert mind.ratio_to_even_odds == pytest.approx(1.0, abs=TOL)


@pytest.mark.parametrize(
    ("p", "ratio"),
    [(0.5, 1.0), (0.2, 4.0), (0.8, 0.25), (0.1, 9.0), (0.75, 1 / 3)],
)
def test_ratio_to_even_odds(p: float, ratio: float) -> None:
    assert ratio_to_even_odds(p) == pytest.approx(ratio, rel=1e-12)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5, 1e-320])
def test_no_ratio_where_no_item_could_supply_one(p: float) -> None:
    """Certain either way, or so unlikely that the ratio is beyond a float: nothing to say."""
    assert ratio_to_even_odds(p) is None
