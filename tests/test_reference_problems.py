"""The textbook problems any engine must reproduce, entered as case files."""

from __future__ import annotations

import pytest

from hypotrack.reasoning.api import analyse, beliefs, flags
from tests.builders import CaseBuilder


def probability(events, hypothesis: str) -> float:
    b = beliefs(analyse(events))
    return next(h.probability for h in b.hypotheses if h.id == hypothesis)


def test_taxicab() -> None:
    # 15 % of cabs are Blue; the witness is right 80 % of the time and says Blue.
    case = CaseBuilder().hypothesis("blue", prior=15).hypothesis("green", prior=85)
    case.item({"blue": 0.8, "green": 0.2})
    assert probability(case.events(), "blue") == pytest.approx(0.41, abs=0.005)
    assert probability(case.events(), "blue") == pytest.approx(0.12 / 0.29, abs=1e-12)


def test_mammography() -> None:
    # 1 % prevalence, 80 % sensitivity, 9.6 % false positives: 7.8 %.
    case = CaseBuilder().hypothesis("cancer", prior=1).hypothesis("healthy", prior=99)
    case.item({"cancer": 0.8, "healthy": 0.096})
    assert probability(case.events(), "cancer") == pytest.approx(0.078, abs=0.0005)


def bookbag(worker_after: dict[str, float]) -> CaseBuilder:
    # Edwards' bookbag: bags of 70/30 and 30/70 red chips; 8 red and 4 blue drawn.
    case = CaseBuilder().hypothesis("red-bag").hypothesis("blue-bag")
    # Even odds, naming the bag under test: a tie with none named would be no favourite (an
    # open mind is not an anchor, DESIGN §4), and conservatism reads an anchor period.
    case.judge({"red-bag": 50, "blue-bag": 50}, favoured="red-bag")
    for colour in ["red"] * 8 + ["blue"] * 4:
        if colour == "red":
            case.item({"red-bag": 0.7, "blue-bag": 0.3})
        else:
            case.item({"red-bag": 0.3, "blue-bag": 0.7})
    case.judge(worker_after)
    return case


def test_bookbag() -> None:
    case = bookbag({"red-bag": 70, "blue-bag": 30})
    assert probability(case.events(), "red-bag") == pytest.approx(0.967, abs=0.0005)


def test_bookbag_typical_answer_is_conservative() -> None:
    # A typical answer of 0.70 has an accuracy ratio of about 0.25 (Phillips & Edwards 1966).
    found = {f.id: f for f in flags(analyse(bookbag({"red-bag": 70, "blue-bag": 30}).events()))}
    assert "conservatism" in found
    assert found["conservatism"].figure == pytest.approx(0.25, abs=0.01)
    assert found["conservatism"].severity == "amber"


def test_bookbag_bayesian_answer_is_not_conservative() -> None:
    found = {f.id for f in flags(analyse(bookbag({"red-bag": 96.7, "blue-bag": 3.3}).events()))}
    assert "conservatism" not in found
