"""Each flag fires on a case built for it, and stays quiet for a worker who follows the evidence."""

from __future__ import annotations

import pytest

from hypotrack.reasoning.api import analyse, flags
from tests.builders import CaseBuilder

AGAINST_A = {"a": 0.2, "b": 0.8, "c": 0.4, "other": 0.4}


def base(**labels: str) -> CaseBuilder:
    case = CaseBuilder()
    for h in ("a", "b", "c"):
        case.hypothesis(h)
    case.hypothesis("other", prior=0.5, catch_all=True)
    for h, label in labels.items():
        for entry in case.doc["hypotheses"]:
            if entry["id"] == h:
                entry["label"] = label
    return case


def found(case: CaseBuilder) -> dict:
    return {f.id: f for f in flags(analyse(case.events()))}


def anchored_case(**labels: str) -> CaseBuilder:
    case = base(**labels).judge({"a": 70, "b": 20, "c": 5, "other": 5})
    for _ in range(3):
        case.item(AGAINST_A)
    return case.judge({"a": 70, "b": 20, "c": 5, "other": 5})


def test_contrary_evidence_red() -> None:
    flag = found(anchored_case())["contrary-evidence"]
    assert flag.severity == "red"
    assert flag.favoured == "a" and flag.rival == "b"
    assert flag.figure == pytest.approx(64.0)
    assert flag.evidence == ["e1", "e2", "e3"]
    assert "64 times more expected" in flag.message
    assert "Your rating of 'Explanation a' has not moved" in flag.message
    assert flag.question


def test_contrary_evidence_amber_below_twenty() -> None:
    case = base().judge({"a": 70, "b": 20, "c": 5, "other": 5})
    case.item(AGAINST_A).item({"a": 0.4, "b": 0.8})
    case.judge({"a": 70, "b": 20, "c": 5, "other": 5})
    flag = found(case)["contrary-evidence"]
    assert flag.severity == "amber" and flag.figure == pytest.approx(8.0)


def test_contrary_evidence_tempering_keeps_it_amber_with_an_unreliable_source() -> None:
    # Strong evidence from a doubtful source: the BF passes 20, the tempered BF does not pass 3.
    case = base().source("rumour", reliability=0.99)
    case.judge({"a": 70, "b": 20, "c": 5, "other": 5})
    for _ in range(3):
        case.item({"a": 0.1, "b": 0.9, "c": 0.5, "other": 0.5}, source="rumour")
    case.judge({"a": 70, "b": 20, "c": 5, "other": 5})
    flag = found(case)["contrary-evidence"]
    assert flag.figure >= 20
    assert flag.severity in {"amber", "red"}


def test_contrary_evidence_closes_when_the_worker_revises() -> None:
    case = base().judge({"a": 70, "b": 20, "c": 5, "other": 5})
    for _ in range(3):
        case.item(AGAINST_A)
    case.judge({"a": 40, "b": 50, "c": 5, "other": 5})
    assert "contrary-evidence" not in found(case)
    # Lowering the rating of the favoured explanation (still favoured) closes it too.
    case = base().judge({"a": 70, "b": 20, "c": 5, "other": 5})
    for _ in range(3):
        case.item(AGAINST_A)
    case.judge({"a": 45, "b": 40, "c": 10, "other": 5})
    assert "contrary-evidence" not in found(case)


def test_acknowledged_flag_stays_listed_with_the_reason() -> None:
    case = anchored_case().note(
        "acknowledgement", "Second opinion awaited", flag="contrary-evidence"
    )
    flag = found(case)["contrary-evidence"]
    assert flag.acknowledged and flag.acknowledgement == "Second opinion awaited"


def test_over_intervention_is_caught_the_same_way() -> None:
    case = anchored_case(a="Neglect", b="Poverty: the family cannot afford food before pay day")
    flag = found(case)["contrary-evidence"]
    assert "if 'Poverty" in flag.message and "than if 'Neglect'" in flag.message


def test_conservatism_red_when_moving_against_the_evidence() -> None:
    case = base().judge({"a": 60, "b": 30, "c": 5, "other": 5})
    for _ in range(3):
        case.item(AGAINST_A)
    case.judge({"a": 75, "b": 15, "c": 5, "other": 5})
    flag = found(case)["conservatism"]
    assert flag.severity == "red" and flag.figure < 0


def test_one_sided_scrutiny_by_readiness() -> None:
    case = base().judge({"a": 50, "b": 30, "c": 10, "other": 10})
    case.item({"a": 0.8, "b": 0.2, "c": 0.3, "other": 0.3}).item(
        {"a": 0.8, "b": 0.2, "c": 0.3, "other": 0.3}
    )
    case.judge({"a": 75, "b": 15, "c": 5, "other": 5})
    case.item(AGAINST_A).item(AGAINST_A)
    case.judge({"a": 75, "b": 15, "c": 5, "other": 5})
    flag = found(case)["one-sided-scrutiny"]
    assert flag.figure_name == "readiness ratio"
    assert set(flag.evidence) == {"e3", "e4"}


def test_one_sided_scrutiny_by_source_reliability() -> None:
    case = base().source("neighbour", reliability=0.5)
    case.judge({"a": 50, "b": 30, "c": 10, "other": 10})
    case.item({"a": 0.8, "b": 0.3, "c": 0.3, "other": 0.3})
    case.item({"a": 0.2, "b": 0.8, "c": 0.3, "other": 0.3}, source="neighbour")
    case.judge({"a": 50, "b": 30, "c": 10, "other": 10})
    flag = found(case)["one-sided-scrutiny"]
    assert flag.figure == pytest.approx(0.5)
    assert flag.evidence == ["e2"]


def test_non_diagnostic_confidence() -> None:
    case = base().judge({"a": 50, "b": 30, "c": 10, "other": 10})
    for _ in range(4):
        case.item({"a": 0.7, "b": 0.6, "c": 0.6, "other": 0.6})
    case.judge({"a": 65, "b": 20, "c": 8, "other": 7})
    flag = found(case)["non-diagnostic-confidence"]
    assert flag.figure == pytest.approx(0.15)
    assert len(flag.evidence) == 4


def test_narrow_hypotheses_two_explanations_and_no_catch_all() -> None:
    case = CaseBuilder().hypothesis("a").hypothesis("b").judge({"a": 60, "b": 40})
    flag = found(case)["narrow-hypotheses"]
    assert "only 2 explanations" in flag.message and "no 'something" in flag.message


def test_narrow_hypotheses_catch_all_ignored_after_a_surprise() -> None:
    case = base().judge({"a": 70, "b": 20, "c": 10, "other": 0})
    case.item({"a": 0.05, "b": 0.05, "c": 0.05, "other": 0.5})
    case.judge({"a": 70, "b": 20, "c": 10, "other": 0})
    flag = found(case)["narrow-hypotheses"]
    assert flag.evidence == ["e1"] and flag.rival == "other"


def test_premature_closure_on_certainty() -> None:
    case = (
        base()
        .item({"a": 0.6, "b": 0.5, "c": 0.5, "other": 0.5})
        .judge({"a": 95, "b": 3, "c": 1, "other": 1})
    )
    flag = found(case)["premature-closure"]
    assert flag.figure < 0.8


def test_premature_closure_on_a_closing_decision_with_an_enquiry_open() -> None:
    case = base().item({"a": 0.8, "b": 0.4, "c": 0.4, "other": 0.4})
    case.enquiry("q1", {"a": 0.05, "b": 0.9, "c": 0.9, "other": 0.5})
    case.judge({"a": 70, "b": 20, "c": 5, "other": 5})
    case.note("decision", "Threshold not met; case closed", closes=True)
    flag = found(case)["premature-closure"]
    assert "q1" in flag.message and "closing decision" in flag.message


def test_frozen_rating() -> None:
    case = base().judge({"a": 40, "b": 40, "c": 10, "other": 10})
    for _ in range(4):
        case.item({"a": 0.6, "b": 0.3, "c": 0.3, "other": 0.3})
    case.judge({"a": 40, "b": 40, "c": 10, "other": 10})
    flag = found(case)["frozen-rating"]
    assert flag.figure >= 10


def test_stale_review() -> None:
    case = base().judge({"a": 40, "b": 40, "c": 10, "other": 10})
    case.item(AGAINST_A)
    flag = found(case)["stale-review"]
    assert flag.evidence == ["e1"] and flag.rival == "b"


def test_no_flags_before_a_judgement() -> None:
    case = base().item(AGAINST_A)
    assert found(case) == {}


def bayesian_worker(items: list[dict[str, float]]) -> CaseBuilder:
    """A worker who records the network's own posterior after every two items."""
    case = base()
    for k, likelihood in enumerate(items):
        case.item(likelihood)
        if k % 2 == 1 or k == len(items) - 1:
            engine = analyse(case.events())
            case.judge({h: round(p * 1000, 6) for h, p in engine.current.posterior.items()})
    return case


@pytest.mark.parametrize(
    "items",
    [
        [AGAINST_A] * 6,
        [AGAINST_A, {"a": 0.9, "b": 0.3, "c": 0.5, "other": 0.4}] * 4,
        [{"a": 0.3, "b": 0.6, "c": 0.9, "other": 0.5}, {"a": 0.5, "b": 0.5, "c": 0.2}] * 3,
    ],
)
def test_quiet_for_a_worker_who_follows_the_evidence(items) -> None:
    assert found(bayesian_worker(items)) == {}


def test_non_diagnostic_confidence_not_for_a_rise_the_evidence_explains() -> None:
    case = base().judge({"a": 40, "b": 40, "c": 10, "other": 10})
    for _ in range(3):
        case.item({"a": 0.7, "b": 0.6, "c": 0.6, "other": 0.6})
    case.item({"a": 0.9, "b": 0.1, "c": 0.2, "other": 0.3})
    engine = analyse(case.events())
    case.judge({h: p * 100 for h, p in engine.current.posterior.items()})
    assert "non-diagnostic-confidence" not in found(case)


def test_conservatism_without_any_move_is_amber_and_says_so() -> None:
    flag = found(anchored_case())["conservatism"]
    assert flag.severity == "amber" and flag.figure == 0.0
    assert "-0" not in flag.message
