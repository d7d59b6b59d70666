"""The one timeline walk: the same flags as `flags --as-of` at every step, and its transitions."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from hypotrack.cli import main
from hypotrack.cli.json_out import flag_json
from hypotrack.cli.times import iso
from hypotrack.domain.casefile import load_case_file
from hypotrack.domain.results import Flag
from hypotrack.domain.timeline import Timeline
from hypotrack.reasoning.api import analyse, flags
from hypotrack.reasoning.timeline import (
    Step,
    flag_counts,
    standing,
    steps,
    transitions,
    walk,
)
from tests.builders import CaseBuilder

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(
    [*ROOT.glob("models/examples/*.yaml"), *ROOT.glob("models/teaching/*.yaml")],
    key=lambda p: p.name,
)


def test_every_shipped_case_is_walked() -> None:
    names = {p.name for p in SHIPPED}
    assert "worked-bruising.yaml" in names and "01-bruising-non-mobile-baby.yaml" in names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_walk_gives_the_flags_of_a_fold_to_each_step(path: Path) -> None:
    events = load_case_file(path).events
    walked = steps(events)
    # The set-up at the opening instant is one step (issue 11): one step per event after it.
    assert len(walked) == Timeline(events).step_count
    for k, step in enumerate(walked):
        engine = analyse(events[: step.stop])
        assert step.flags == tuple(flags(engine)), f"step {k} ({step.kind})"
        assert dict(step.posterior) == engine.current.posterior
        assert dict(step.reliability) == engine.current.reliability


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_walk_agrees_with_flags_as_of_at_every_moment(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`flags --as-of T` includes every entry made at T: the walk's last step at each moment."""
    events = load_case_file(path).events
    tz = events[0].case.timezone
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    walked = steps(events)
    last_at: dict[datetime, Step] = {}
    for step in walked:
        last_at[step.at] = step
    for at, step in last_at.items():
        capsys.readouterr()
        assert main(["flags", str(path), "--as-of", iso(at, zone), "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["flags"] == [flag_json(f, zone) for f in step.flags or ()], iso(at, zone)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_transitions_chain_from_one_step_to_the_next(path: Path) -> None:
    """Replaying the transitions from nothing rebuilds the flags standing at every step."""
    standing_now: dict[tuple, Flag] = {}
    for step in walk(load_case_file(path).events):
        assert step.transitions is not None
        for t in step.transitions:
            if t.kind == "closed":
                assert t.key in standing_now
                del standing_now[t.key]
            else:
                assert (t.kind == "raised") == (t.key not in standing_now)
                standing_now[t.key] = t.flag
        assert set(standing_now) == {(f.id, f.favoured, f.rival) for f in step.flags or ()}


# --- transitions on built cases ---------------------------------------------------------------

AGAINST_A = {"a": 0.2, "b": 0.8, "c": 0.4, "other": 0.4}
HOLD_A = {"a": 70, "b": 20, "c": 5, "other": 5}


def base() -> CaseBuilder:
    case = CaseBuilder()
    for h in ("a", "b", "c"):
        case.hypothesis(h)
    return case.hypothesis("other", prior=0.5, catch_all=True)


def changes(case: CaseBuilder, rule: str) -> list[tuple[int, str, str]]:
    """(step, transition, severity) for one rule, in timeline order."""
    return [
        (s.index, t.kind, t.severity)
        for s in walk(case.events())
        for t in s.changed()
        if t.rule == rule
    ]


def test_a_flag_is_raised_escalated_and_closed() -> None:
    case = base().judge(dict(HOLD_A))
    case.item(AGAINST_A).item({"a": 0.4, "b": 0.8}).judge(dict(HOLD_A))  # BF 8: amber
    case.item(AGAINST_A).item(AGAINST_A).judge(dict(HOLD_A))  # BF 128: red
    case.judge({"a": 20, "b": 70, "c": 5, "other": 5})  # follows the evidence
    seen = changes(case, "contrary-evidence")
    kinds = [(kind, sev) for _, kind, sev in seen]
    assert kinds[0] == ("raised", "amber")
    assert ("escalated", "red") in kinds
    assert kinds[-1][0] == "closed"
    # Closed at the revising judgement (the last step).
    assert seen[-1][0] == len(steps(case.events())) - 1


def test_an_acknowledgement_is_a_transition_of_the_same_flag() -> None:
    case = base().judge(dict(HOLD_A))
    for _ in range(3):
        case.item(AGAINST_A)
    case.judge(dict(HOLD_A))
    case.note("acknowledgement", "Second opinion awaited", flag="contrary-evidence")
    seen = changes(case, "contrary-evidence")
    last = steps(case.events())[-1]
    assert seen[0][1] == "raised" and seen[-1] == (last.index, "acknowledged", "red")
    assert last.kind == "note" and last.flags and last.flags[0].acknowledged


def test_nothing_changes_on_a_step_that_changes_nothing() -> None:
    case = base().judge(dict(HOLD_A))
    for _ in range(3):
        case.item(AGAINST_A)
    case.judge(dict(HOLD_A)).note("supervision", "Talked it through")
    last = steps(case.events())[-1]
    assert last.kind == "note" and last.transitions == ()


def flag(rule: str = "r", severity: str = "amber", rival: str | None = "b", **extra) -> Flag:
    fields = {
        "id": rule,
        "severity": severity,
        "favoured": "a",
        "rival": rival,
        "figure": 3.0,
        "figure_name": "Bayes factor",
        "since": None,
        "evidence": [],
        "message": "m",
        "question": "q",
    }
    return Flag(**{**fields, **extra})


def test_transition_kinds_by_identity_severity_and_acknowledgement() -> None:
    amber, red = flag(), flag(severity="red")
    acked = flag(acknowledged=True, acknowledgement="why")
    assert [t.kind for t in transitions((), (amber,))] == ["raised"]
    assert [t.kind for t in transitions((amber,), ())] == ["closed"]
    assert [t.kind for t in transitions((amber,), (red,))] == ["escalated"]
    assert [t.kind for t in transitions((red,), (amber,))] == ["de-escalated"]
    assert [t.kind for t in transitions((amber,), (acked,))] == ["acknowledged"]
    assert [t.kind for t in transitions((acked,), (amber,))] == ["lapsed"]
    assert [t.kind for t in transitions((acked,), (red,))] == ["escalated", "lapsed"]
    assert transitions((amber,), (amber,)) == ()
    # A new rival is a new flag: the old one closes and the new one is raised.
    moved = transitions((amber,), (flag(rival="c"),))
    assert sorted(t.kind for t in moved) == ["closed", "raised"]
    # A figure that changes alone is no transition.
    assert transitions((amber,), (flag(figure=9.0, message="n"),)) == ()


def test_flags_from_skips_the_earlier_steps_and_counts_from_there() -> None:
    events = load_case_file(ROOT / "models/examples/worked-bruising.yaml").events
    full = steps(events)
    k = len(full) - 5
    partial = list(walk(events, flags_from=k))
    assert all(s.flags is None for s in partial[:k])
    assert partial[k].flags == full[k].flags and partial[k].transitions is None
    for a, b in zip(partial[k + 1 :], full[k + 1 :], strict=True):
        assert a.flags == b.flags and a.transitions == b.transitions
    assert standing(events) is not None and standing(events).flags == full[-1].flags


def test_steps_are_frozen_and_share_unchanged_beliefs() -> None:
    case = base().judge(dict(HOLD_A)).item(AGAINST_A).note("supervision")
    walked = steps(case.events())
    with pytest.raises(AttributeError):
        walked[-1].index = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        walked[-1].posterior["a"] = 1.0  # type: ignore[index]
    # A note leaves the network as it was: the same belief map, not a copy.
    assert walked[-1].posterior is walked[-2].posterior
    assert walked[-1].worker is not None and walked[-1].worker.judgement == "j1"


def test_as_of_stops_the_walk_and_counts_by_severity() -> None:
    case = base().judge(dict(HOLD_A))
    for _ in range(3):
        case.item(AGAINST_A)
    case.judge(dict(HOLD_A))
    events = case.events()
    cut = events[-2].at
    walked = steps(events, as_of=cut)
    assert walked[-1].at == cut and len(walked) == len(steps(events)) - 1
    counts = flag_counts(steps(events)[-1].flags)
    assert counts.red + counts.amber + counts.acknowledged == len(steps(events)[-1].flags or ())


def test_the_cases_list_counts_the_flags_standing_at_the_last_step(tmp_path: Path) -> None:
    from hypotrack.report.digest import case_rows, import_case
    from hypotrack.store.sqlite import SqliteEventStore

    events = load_case_file(ROOT / "models/examples/worked-bruising.yaml").events
    store = SqliteEventStore(tmp_path / "cases.db")
    try:
        import_case(store, events)
        [row] = case_rows(store)
    finally:
        store.close()
    last = steps(events)[-1].flags or ()
    counts = flag_counts(last)
    assert row["open"] == {"red": counts.red, "amber": counts.amber}
    assert row["acknowledged"] == {
        "red": counts.acknowledged_red,
        "amber": counts.acknowledged_amber,
    }
    assert row["open_flags"] == sum(1 for f in last if not f.acknowledged)


def test_why_an_item_moved_and_its_bearing_come_from_the_reasoning() -> None:
    from hypotrack.reasoning.explain import bearing_on, why_moved

    case = base().judge(dict(HOLD_A)).item(AGAINST_A)
    engine = analyse(case.events())
    item = engine.state.items["e1"]
    moved = why_moved(engine, "e1", "a")
    assert moved is not None and moved.ratios["b"] == pytest.approx(4.0)
    assert moved.after["b"] > moved.before["b"] and moved.after["a"] < moved.before["a"]
    with pytest.raises(TypeError):
        moved.after["a"] = 1.0  # type: ignore[index]
    posterior = engine.current.posterior
    live = engine.state.live_hypotheses
    rest = sum(posterior[h] * item.of(h) for h in ("b", "c", "other")) / sum(
        posterior[h] for h in ("b", "c", "other")
    )
    assert bearing_on(item, "a", posterior, live) == pytest.approx(0.2 / rest)
    assert why_moved(engine, "nope", "a") is None


def test_an_acknowledgement_made_at_amber_lapses_when_the_flag_turns_red() -> None:
    case = base().judge(dict(HOLD_A))
    case.item(AGAINST_A).item({"a": 0.4, "b": 0.8}).judge(dict(HOLD_A))  # BF 8: amber
    case.note("acknowledgement", "Awaiting the paediatric opinion", flag="contrary-evidence")
    case.item(AGAINST_A).item(AGAINST_A).judge(dict(HOLD_A))  # BF 128: red
    seen = changes(case, "contrary-evidence")
    last = len(steps(case.events())) - 1
    assert [kind for _, kind, _ in seen] == ["raised", "acknowledged", "escalated", "lapsed"]
    assert seen[-2:] == [(last, "escalated", "red"), (last, "lapsed", "red")]
    # The flag shows as new, with the earlier reason beside it.
    flag = next(f for f in steps(case.events())[-1].flags or () if f.id == "contrary-evidence")
    assert (
        not flag.acknowledged and flag.earlier_acknowledgement == "Awaiting the paediatric opinion"
    )
