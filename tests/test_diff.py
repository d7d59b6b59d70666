"""Diff between two points: what was added, amended, retracted, and what moved each belief."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypotrack.cli import main
from hypotrack.domain.casefile import load_case_file
from hypotrack.reasoning.api import analyse
from hypotrack.reasoning.diff import DiffError, diff
from tests.checks import check_attribution

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "models" / "examples"
EXAMPLE = EXAMPLES / "case-format.yaml"
LONDON = ZoneInfo("Europe/London")
CASES = sorted(EXAMPLES.glob("*.yaml"))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_attribution_sums_to_each_change(path: Path) -> None:
    events = load_case_file(path).events
    times = sorted({e.at for e in events})
    for i in range(0, len(times), 3):
        for j in range(i, len(times), 4):
            check_attribution(events, times[i], times[j])
    check_attribution(events, times[0], times[-1])


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1))
def test_attribution_sums_at_any_two_moments(a: float, b: float) -> None:
    events = load_case_file(EXAMPLE).events
    start, end = events[0].at, events[-1].at + timedelta(days=1)
    span = (end - start).total_seconds()
    t1, t2 = sorted([start + timedelta(seconds=a * span), start + timedelta(seconds=b * span)])
    check_attribution(events, t1, t2)


def test_items_added_amended_and_retracted() -> None:
    events = load_case_file(EXAMPLE).events
    d = diff(events, at("2026-03-03T00:00"), at("2026-03-06T09:00"))
    assert [(i.id, i.retracted) for i in d.items_added] == [("e2", False), ("e3", True)]
    assert [(i.id, i.before, i.after) for i in d.items_amended] == [
        ("e2", {"accidental": 0.3, "inflicted": 0.6}, {"accidental": 0.4, "inflicted": 0.6})
    ]
    assert [(i.id, i.was_on_file) for i in d.items_retracted] == [("e3", False)]
    assert [h.id for h in d.hypotheses_added] == ["family-account"]
    assert [(h.id, h.reason) for h in d.hypotheses_retired] == [
        ("rough-play", "No older sibling in the household")
    ]
    assert d.reliability_changes == [] and d.judgements == [] and d.note_ids == ["n1"]
    by_id = {b.id: b for b in d.beliefs}
    assert by_id["family-account"].before is None and by_id["family-account"].after is not None
    assert by_id["rough-play"].after is None and by_id["rough-play"].log_odds_change is None
    assert by_id["accidental"].worker_before == pytest.approx(0.7)

    later = diff(events, at("2026-03-04T12:00"), at("2026-03-09T09:00"))
    assert [i.id for i in later.items_added] == ["e4"]
    assert [(i.id, i.was_on_file) for i in later.items_retracted] == [("e3", True)]
    assert [(r.source, r.before, r.after) for r in later.reliability_changes] == [
        ("neighbour", 0.6, 0.4)
    ]
    assert later.judgement_ids == ["j2"] and later.favoured == "accidental"
    assert later.favoured_by == "worker"
    accidental = {b.id: b for b in later.beliefs}["accidental"]
    assert accidental.worker_before == pytest.approx(0.7)
    assert accidental.worker_after == pytest.approx(0.4)
    movers = {i.id for i in accidental.movers}
    assert {"e2", "e3", "e4"} <= movers  # amended, retracted, recorded in between
    assert all(i.log_lr_vs_favoured is None for i in accidental.movers)
    inflicted = {b.id: b for b in later.beliefs}["inflicted"]
    e4 = next(i for i in inflicted.movers if i.id == "e4")
    assert e4.log_lr_vs_favoured == pytest.approx(math.log(0.95 / 0.95))


def test_beliefs_match_the_network_at_both_points() -> None:
    events = load_case_file(EXAMPLE).events
    t1, t2 = at("2026-03-02T12:00"), at("2026-03-08T13:00")
    d = diff(events, t1, t2)
    first, last = analyse(events, t1).current, analyse(events, t2).current
    for b in d.beliefs:
        if b.before is not None:
            assert b.before == pytest.approx(first.p(b.id), abs=1e-12)
        if b.after is not None:
            assert b.after == pytest.approx(last.p(b.id), abs=1e-12)


def test_the_same_point_twice_changes_nothing() -> None:
    events = load_case_file(EXAMPLE).events
    t = at("2026-03-05T12:00")
    d = diff(events, t, t)
    assert d.items_added == d.items_amended == d.items_retracted == []
    assert all(b.log_odds_change == 0 and b.contributions == [] for b in d.beliefs)


def test_points_out_of_order_or_before_the_case() -> None:
    events = load_case_file(EXAMPLE).events
    with pytest.raises(DiffError, match="after the second"):
        diff(events, at("2026-03-05T12:00"), at("2026-03-04T12:00"))
    with pytest.raises(DiffError, match="before the case was opened"):
        diff(events, at("2026-02-01T12:00"), at("2026-03-04T12:00"))


# --- the command line -----------------------------------------------------------------------


def test_cli_diff_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["diff", str(EXAMPLE), "--from", "2026-03-03", "--to", "2026-03-06T09:00", "--json"]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["from"] == "2026-03-03T23:59:59.999999+00:00"  # a bare date means its end
    assert [i["id"] for i in doc["items"]["added"]] == ["e2", "e3"]
    assert [i["id"] for i in doc["items"]["retracted"]] == ["e3"]
    assert [h["id"] for h in doc["hypotheses"]["retired"]] == ["rough-play"]
    for b in doc["beliefs"]:
        if b["log_odds_change"] is not None:
            total = sum(c["log_odds"] for c in b["contributions"])
            assert math.isclose(total, b["log_odds_change"], abs_tol=1e-9)


def test_cli_diff_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(EXAMPLE), "--from", "2026-03-01T09:00", "--to", "2026-03-09"]) == 0
    out = capsys.readouterr().out
    assert "+ e1" in out and "− e3 retracted" in out and "explanation rough-play retired" in out
    assert "What moved each explanation" in out
    # Odds, as the app says them, not bare log-odds; judgements and notes with their authors.
    assert "odds ×" in out
    assert "j2 2026-03-08 13:00 by A. Worker: favours accidental — accidental 40.0 %" in out
    assert "n1 2026-03-05 16:00 supervision by B. Supervisor: Discussed alternative" in out


BRUISING = EXAMPLES / "worked-bruising.yaml"


def test_flags_between_two_points_come_from_the_walk() -> None:
    from hypotrack.reasoning.timeline import steps

    events = load_case_file(BRUISING).events
    t1, t2 = at("2026-02-04T09:00"), at("2026-02-11T15:30")
    d = diff(events, t1, t2)
    walked = steps(events)
    expected = [
        (s.index, t.kind, t.flag) for s in walked if t1 < s.at <= t2 for t in s.transitions or ()
    ]
    assert [(c.step, c.change, c.flag) for c in d.flag_changes] == expected
    assert expected, "the worked case raises flags in this window"
    k1 = max(s.index for s in walked if s.at <= t1)
    k2 = max(s.index for s in walked if s.at <= t2)
    assert tuple(d.flags_before) == walked[k1].flags and tuple(d.flags_after) == walked[k2].flags
    raised = [c for c in d.flag_changes if c.change == "raised"]
    assert raised and all(c.flag.id for c in raised)


def test_judgements_and_notes_carry_ratings_text_and_author() -> None:
    events = load_case_file(EXAMPLE).events
    d = diff(events, at("2026-03-01T09:00"), at("2026-03-09T23:00"))
    j2 = next(j for j in d.judgements if j.id == "j2")
    assert j2.who == "A. Worker" and j2.favoured == "accidental"
    assert j2.shares["accidental"] == pytest.approx(0.4)
    assert math.fsum(j2.shares.values()) == pytest.approx(1.0)
    ack = next(n for n in d.notes if n.kind == "acknowledgement")
    assert ack.who == "A. Worker" and ack.flag == "contrary-evidence" and ack.text


def test_cli_diff_json_keeps_log_odds_and_adds_odds(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["diff", str(BRUISING), "--from", "2026-02-04T09:00", "--to", "2026-02-12", "--json"]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    for b in doc["beliefs"]:
        if b["log_odds_change"] is not None:
            assert b["odds_change"] == pytest.approx(math.exp(b["log_odds_change"]))
            for c in b["contributions"]:
                assert c["odds"] == pytest.approx(math.exp(c["log_odds"]))
    changes = doc["flags"]["changes"]
    assert {c["change"] for c in changes} >= {"raised", "closed"}
    assert all({"id", "severity", "favoured", "rival", "at", "event"} <= set(c) for c in changes)
    assert all(j["who"] and j["ratings"] for j in doc["judgements"])
    assert all(n["who"] and n["text"] for n in doc["notes"])


@pytest.mark.parametrize(
    "start,end,message",
    [
        ("2026-03-06", "2026-03-04", "after --to"),
        ("2026-13-01", "2026-03-04", "not a date or time"),
        ("2026-03-01", "yesterday", "not a date or time"),
        ("2026-02-01", "2026-03-04", "before the case was opened"),
    ],
)
def test_cli_diff_bad_times(
    start: str, end: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(EXAMPLE), "--from", start, "--to", end]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_cli_diff_unknown_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.yaml"
    assert main(["diff", str(missing), "--from", "2026-03-01", "--to", "2026-03-02"]) == 2
    assert "no such file" in capsys.readouterr().err
