"""Weighing earlier items against an explanation added mid-case (DESIGN §2): back-ratings in a
case file take effect when the explanation is added, ā stays as entered, and "not yet weighed
against N earlier items" counts what is left."""

from __future__ import annotations

import json
import math

import pytest

from hypotrack.domain import model as m
from hypotrack.domain.casefile import CaseFileError, events_to_yaml, load_case_text
from hypotrack.domain.state import EventRejected, fold
from hypotrack.reasoning.api import analyse, beliefs
from hypotrack.reasoning.engine import Engine
from tests.builders import CaseBuilder


def case_with_rickets(**ratings: object) -> CaseBuilder:
    """a and b from the start; three items; rickets added later, rated on e1 and e2 as given."""
    case = CaseBuilder().hypothesis("a").hypothesis("b")
    case.item({"a": 0.2, "b": 0.8})
    case.item({"a": 0.5, "b": 0.5})
    case.item({"a": 0.6, "b": 0.3})
    case.hypothesis("rickets", added=case.tick())
    for ident, value in ratings.items():
        entry = next(e for e in case.doc["evidence"] if e["id"] == ident)
        entry["likelihood"]["rickets"] = value
    case.item({"a": 0.3, "b": 0.3, "rickets": 0.9})
    return case


def log_odds(engine: Engine, h1: str, h2: str) -> float:
    post = engine.current.log_post
    return post[h1] - post[h2]


def test_a_back_rating_takes_effect_when_the_explanation_is_added() -> None:
    events = case_with_rickets(e1=0.9).events()
    kinds = [e.kind for e in events]
    back = kinds.index("items-back-rated")
    assert kinds[back - 1] == "hypothesis-added"
    assert events[back].at == events[back - 1].at
    engine = Engine()
    for event in events[:back]:
        engine.apply(event)
    # Neutral at first: rickets gets each item's ā, e1's ā = 0.5.
    neutral = log_odds(engine, "rickets", "a")
    engine.apply(events[back])
    assert log_odds(engine, "rickets", "a") - neutral == pytest.approx(math.log(0.9 / 0.5))
    # ā stays as entered: still 0.5 for e1, so b's standing against a is unchanged.
    assert engine.state.items["e1"].mean == pytest.approx(0.5)
    for event in events[back + 1 :]:
        engine.apply(event)
    # At the end: P(rickets)/P(a) = 0.9·0.5·(0.45)·0.9 / (0.2·0.5·0.6·0.3).
    expected = (0.9 * 0.5 * 0.45 * 0.9) / (0.2 * 0.5 * 0.6 * 0.3)
    assert math.exp(log_odds(engine, "rickets", "a")) == pytest.approx(expected)


def test_check_accepts_it_and_unweighed_counts_what_is_left() -> None:
    case = case_with_rickets(e1=0.9, e2="neutral")
    engine = analyse(case.events())
    b = {h.id: h for h in beliefs(engine).hypotheses}
    assert b["rickets"].unweighed == 1  # e3 only: e1 rated, e2 neutral on purpose
    assert b["a"].unweighed == 0 and b["b"].unweighed == 0
    assert engine.state.items["e2"].neutral == {"rickets"}


def test_unweighed_drops_when_an_item_is_retracted() -> None:
    case = case_with_rickets()
    case.doc["evidence"][2]["retracted"] = {"at": case.tick(), "reason": "Wrong family"}
    b = {h.id: h for h in beliefs(analyse(case.events())).hypotheses}
    assert b["rickets"].unweighed == 2


def test_beliefs_json_carries_unweighed(tmp_path, capsys) -> None:
    from hypotrack.cli import main

    path = tmp_path / "case.yaml"
    path.write_text(case_with_rickets(e1=0.9).text())
    assert main(["beliefs", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {h["id"]: h["unweighed"] for h in out["hypotheses"]} == {"a": 0, "b": 0, "rickets": 2}
    assert main(["beliefs", str(path)]) == 0
    assert "rickets: not yet weighed against 2 earlier items" in capsys.readouterr().out


def test_export_round_trips_back_ratings_and_neutral_marks() -> None:
    events = case_with_rickets(e1="likely", e2="neutral").events()
    again = load_case_text(events_to_yaml(events), "again.yaml").events
    assert [e.model_dump() for e in again] == [e.model_dump() for e in events]
    back = next(e for e in again if e.kind == "items-back-rated")
    assert back.likelihood == {"e1": 0.65} and back.entered == {"e1": "likely"}
    assert back.neutral == ["e2"]


def test_a_back_rating_of_an_item_retracted_before_is_refused() -> None:
    case = case_with_rickets(e1=0.9)
    case.doc["evidence"][0]["retracted"] = {"at": "2026-03-01T10:30:00", "reason": "Wrong"}
    with pytest.raises(CaseFileError) as err:
        case.events()
    assert "evidence[0].likelihood.rickets" in str(err.value)


def test_neutral_is_only_for_an_explanation_added_later() -> None:
    case = CaseBuilder().hypothesis("a").hypothesis("b")
    case.item({"a": 0.2, "b": "neutral"})
    with pytest.raises(CaseFileError) as err:
        case.events()
    assert "evidence[0].likelihood.b" in str(err.value)


def test_the_state_refuses_a_back_rating_of_a_later_item() -> None:
    events = case_with_rickets().events()
    state = fold(events)
    bad = m.EvidenceBackRated(at=events[-1].at, hypothesis="rickets", likelihood={"e4": 0.5})
    with pytest.raises(EventRejected):
        state.apply(bad)
    assert len(state.hypotheses["rickets"].unweighed) == 3


def test_a_diff_attributes_a_back_rating_and_still_sums() -> None:
    from tests.checks import check_attribution

    events = case_with_rickets(e1=0.9, e2="neutral").events()
    times = sorted({e.at for e in events})
    for i, t1 in enumerate(times):
        for t2 in times[i:]:
            check_attribution(events, t1, t2)
