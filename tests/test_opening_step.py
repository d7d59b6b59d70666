"""The case's set-up at its opening instant is one step (issue 11), and the Timeline value.

A template's explanations, sources and enquiries folded one by one showed beliefs nobody held
(100 %, 50 %, 33 % as the explanations arrived) and flags raised and closed within one instant.
The opening step holds the case opened and every explanation, source and enquiry recorded at
that instant before anything else; everything after it is a step of its own.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hypotrack.cli import main
from hypotrack.domain import model as m
from hypotrack.domain.casefile import load_case_file
from hypotrack.domain.timeline import BEFORE_OPENED, BeforeOpened, Timeline
from hypotrack.domain.times import end_of_day
from hypotrack.reasoning.api import analyse, replay
from hypotrack.reasoning.diff import DiffError, diff
from hypotrack.reasoning.timeline import standing, steps
from hypotrack.resources import templates
from tests.builders import T0, CaseBuilder, at

TEMPLATES = sorted(templates().items())
EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "models" / "examples").glob("*.yaml"))


def setup_counts(events: list[m.Event]) -> tuple[int, int, int]:
    kinds = [e.kind for e in events]
    return (
        kinds.count("hypothesis-added"),
        kinds.count("source-added"),
        kinds.count("enquiry-raised"),
    )


def prior_shares(events: list[m.Event]) -> dict[str, float]:
    priors = {e.hypothesis.id: e.hypothesis.prior for e in events if e.kind == "hypothesis-added"}
    total = sum(priors.values())
    return {h: p / total for h, p in priors.items()}


def test_every_template_is_tested() -> None:
    assert {name for name, _ in TEMPLATES} >= {"generic", "injury", "neglect-or-poverty"}


@pytest.mark.parametrize(("name", "path"), TEMPLATES, ids=[n for n, _ in TEMPLATES])
def test_a_template_file_opens_in_one_step(name: str, path: Path) -> None:
    """The file as `hypotrack new --template` writes it: the case, its explanations and sources
    at `opened` are one step; its enquiries, raised half an hour later, one step each."""
    events = load_case_file(path).events
    timeline = Timeline(events)
    hypotheses, sources, enquiries = setup_counts(events)
    assert timeline.opening == 1 + hypotheses + sources
    assert timeline.step_count == 1 + enquiries  # 11 steps before issue 11: 3 now
    walked = replay(events)
    assert len(walked) == timeline.step_count
    first = walked[0]
    assert (first.step, first.kind, first.subject) == (0, "case-opened", events[0].case.id)
    # The beliefs the set-up gives, from the priors: never 100 %, 50 %, 33 %.
    assert first.beliefs == pytest.approx(prior_shares(events))
    for step in walked:
        assert step.beliefs == pytest.approx(prior_shares(events))
        assert step.flags == walked[-1].flags


@pytest.mark.parametrize(("name", "path"), TEMPLATES, ids=[n for n, _ in TEMPLATES])
def test_a_case_made_from_a_template_in_the_app_is_one_step(
    name: str, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's new case from a template moves the whole set-up to now: one step in replay,
    the app's replay and `hypotrack replay`."""
    from hypotrack.tui.editing import case_from_template
    from hypotrack.tui.replay_model import read_track, step_view

    monkeypatch.setenv("HYPOTRACK_USER", "A. Worker")
    events = case_from_template(path, "from-template", "A case from a template")
    timeline = Timeline(events)
    hypotheses, sources, enquiries = setup_counts(events)
    assert timeline.opening == len(events) == 1 + hypotheses + sources + enquiries
    assert timeline.step_count == 1
    [only] = replay(events)
    assert only.kind == "case-opened" and only.beliefs == pytest.approx(prior_shares(events))
    # Flags as `flags` gives them for the case as it stands, with no raise and close before.
    assert [s.index for s in steps(events)] == [0]
    view = step_view(events, 0)
    assert (view.step, view.total) == (0, 1)
    assert view.description == (
        f"Case opened: A case from a template, with {hypotheses} explanations, {sources} "
        f"sources and {enquiries} enquiries — by A. Worker"
    )
    track = read_track(events)
    assert track.total == 1 and all(line == [pytest.approx(p)] for line, p in (
        (track.network[h], share) for h, share in prior_shares(events).items()
    ))  # fmt: skip


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_examples_open_in_one_step_and_then_step_per_event(path: Path) -> None:
    events = load_case_file(path).events
    timeline = Timeline(events)
    opening_events = [e for e in events if e.at == events[0].at]
    # Every example sets itself up at `opened` and records its first item later.
    assert timeline.opening == len(opening_events) > 1
    walked = steps(events)
    assert len(walked) == len(events) - timeline.opening + 1
    assert walked[0].events == tuple(events[: timeline.opening])
    for step in walked[1:]:
        assert len(step.events) == 1 and step.event is events[step.stop - 1]
        assert dict(step.posterior) == analyse(events[: step.stop]).current.posterior


def test_the_cli_replays_a_template_file_from_one_opening_step(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = templates()["neglect-or-poverty"]
    assert main(["replay", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [s["event"]["kind"] for s in doc["steps"]] == [
        "case-opened",
        "enquiry-raised",
        "enquiry-raised",
    ]
    first = doc["steps"][0]
    assert first["event"]["id"] == "new-neglect-or-poverty-case"
    assert not any(math.isclose(p, 1.0) for p in first["beliefs"].values())


def test_the_opening_ends_at_the_first_event_that_is_not_set_up() -> None:
    """An item (or a judgement) at the opening instant is a step of its own, and so is an
    enquiry raised at that instant after it: the opening hides no reading of the evidence."""
    case = CaseBuilder().hypothesis("a").hypothesis("b").hypothesis("other", catch_all=True)
    case.item({"a": 0.8, "b": 0.2, "other": 0.5}, recorded=T0.isoformat())
    case.doc["enquiries"].append(
        {"id": "q1", "text": "Ask", "raised": T0.isoformat(), "likelihood": {"a": 0.5, "b": 0.6}}
    )
    case.judge({"a": 50, "b": 40, "other": 10})
    events = case.events()
    timeline = Timeline(events)
    assert [e.kind for e in timeline.step_events(0)] == ["case-opened"] + [
        "hypothesis-added"
    ] * 3 + ["source-added"]
    assert [s.kind for s in steps(events)] == [
        "case-opened",
        "evidence-recorded",
        "enquiry-raised",
        "judgement",
    ]
    assert timeline.step_of(0) == timeline.step_of(timeline.opening - 1) == 0
    assert timeline.step_of(timeline.opening) == 1
    assert timeline.step_times()[0] == timeline.step_times()[1] == events[0].at


def test_a_set_up_after_the_opening_instant_is_a_step_per_event() -> None:
    case = CaseBuilder().hypothesis("a").hypothesis("b")
    case.hypothesis("c", added=at(2))
    events = case.events()
    timeline = Timeline(events)
    assert timeline.opening == 4 and timeline.step_count == 2
    assert [s.kind for s in steps(events)] == ["case-opened", "hypothesis-added"]


def test_as_of_and_the_guard() -> None:
    events = load_case_file(EXAMPLES[0]).events
    timeline = Timeline(events)
    opened = timeline.opened
    assert timeline.as_of(None) is timeline
    assert list(timeline.as_of(opened)) == list(events[: timeline.opening])
    middle = events[len(events) // 2].at
    assert list(timeline.as_of(middle)) == [e for e in events if e.at <= middle]
    earlier = opened - timedelta(microseconds=1)
    for ask in (timeline.as_of, timeline.check, timeline.last_at):
        with pytest.raises(BeforeOpened) as caught:
            ask(earlier)
        assert str(caught.value) == BEFORE_OPENED and caught.value.opened == opened
    with pytest.raises(BeforeOpened):
        Timeline([]).as_of(None)
    assert standing(events, earlier) is None and standing([]) is None
    with pytest.raises(DiffError, match="before the case was opened"):
        diff(events, earlier, opened)


def test_a_bare_date_means_the_last_instant_of_that_day() -> None:
    """ "As of 12 February" includes an entry at 23:59:59.5 on 12 February."""
    zone = ZoneInfo("Europe/London")
    end = end_of_day(date(2026, 2, 12), zone)
    assert end == datetime(2026, 2, 12, 23, 59, 59, 999999, tzinfo=zone)
    assert datetime(2026, 2, 12, 23, 59, 59, 500000, tzinfo=zone) <= end
    assert end < datetime(2026, 2, 13, tzinfo=zone)
    # In summer time the day still ends at local midnight.
    summer = end_of_day(date(2026, 7, 1), zone)
    assert summer.utcoffset() == timedelta(hours=1)
    assert summer + timedelta(microseconds=1) == datetime(2026, 7, 2, tzinfo=zone)
