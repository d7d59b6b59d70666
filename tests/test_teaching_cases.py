"""Every shipped case file validates; each teaching case's flags fire where its author says."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hypotrack.domain.casefile import load_case_file
from hypotrack.reasoning.engine import Engine
from hypotrack.reasoning.training import TrainingRun, debrief
from hypotrack.resources import models_dir, teaching_cases, templates

ALL_FILES = sorted(models_dir().glob("*/*.yaml"))
ANCHOR_FLAGS = {"contrary-evidence", "conservatism", "frozen-rating"}


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_case_file_validates(path: Path) -> None:
    load_case_file(path)


def test_there_are_templates_and_teaching_cases() -> None:
    assert {"injury", "neglect-or-poverty", "generic"} <= set(templates())
    assert len(teaching_cases()) >= 6


def play(path: Path, anchored: bool) -> object:
    """Play a teaching case as an anchored trainee (never moves) or one who follows the evidence."""
    events = load_case_file(path).events
    run = TrainingRun(events, "Test Trainee", "run", datetime.now(UTC))
    first: dict[str, float] | None = None
    while not run.finished:
        run.reveal_next()
        posterior = Engine.run(run.events).current.posterior
        if anchored:
            if first is None:
                top = max(posterior, key=lambda h: posterior[h])
                first = {h: (70.0 if h == top else 30.0 / (len(posterior) - 1)) for h in posterior}
            ratings = {h: first.get(h, 1.0) for h in posterior}
        else:
            ratings = dict(posterior)
        run.judgement(ratings)
    return debrief(run.events)


@pytest.mark.parametrize("name", sorted(teaching_cases()))
def test_teaching_case_flags_fire_by_the_authors_revision_point(name: str) -> None:
    path = teaching_cases()[name]
    case = load_case_file(path)
    teaching = case.file.teaching
    assert teaching is not None and teaching.revision_points and teaching.learning_points
    assert teaching.truth is not None
    assert 8 <= len(case.file.evidence) <= 15
    anchored = play(path, anchored=True)
    first_point = min(m.author_index for m in anchored.revision_points)
    fired = {f.id: f for f in anchored.flags}
    position = {s.item: s.index for s in anchored.steps}
    early = [
        f for f in fired.values() if f.id in ANCHOR_FLAGS and position[f.first_item] <= first_point
    ]
    assert early, (
        f"{name}: no anchoring flag by item {first_point}; fired: {[(f.id, f.first_item) for f in fired.values()]}"
    )
    assert anchored.revised_at is None and anchored.revision_delay > 0

    follower = play(path, anchored=False)
    assert follower.revised_at is not None
    assert follower.revision_delay <= anchored.revision_delay
    assert "contrary-evidence" not in {f.id for f in follower.flags}
    if follower.brier_trainee is not None:
        assert follower.brier_trainee < anchored.brier_trainee


def test_train_summary_lists_every_stored_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib
    import io
    import json

    from hypotrack.cli import main
    from hypotrack.store.case import import_events
    from hypotrack.store.sqlite import SqliteEventStore

    path = teaching_cases()["03-neglect-or-poverty"]
    events = load_case_file(path).events
    store = SqliteEventStore(tmp_path / "hypotrack.db")
    for trainee, anchored in (("Anchored Ann", True), ("Following Fay", False)):
        run = TrainingRun(events, trainee, f"run-{trainee.split()[0].lower()}", datetime.now(UTC))
        first = None
        while not run.finished:
            run.reveal_next()
            posterior = Engine.run(run.events).current.posterior
            if anchored:
                first = first or {h: (70.0 if h == "neglect" else 10.0) for h in posterior}
                run.judgement({h: first.get(h, 5.0) for h in posterior})
            else:
                run.judgement(dict(posterior))
        import_events(store, run.events)
    store.close()
    monkeypatch.setenv("HYPOTRACK_HOME", str(tmp_path))
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["train", "--summary", "03-neglect-or-poverty", "--json"]) == 0
    rows = {r["trainee"]: r for r in json.loads(buffer.getvalue())["runs"]}
    assert set(rows) == {"Anchored Ann", "Following Fay"}
    assert rows["Anchored Ann"]["revised_at"] is None
    assert rows["Following Fay"]["revision_delay"] < rows["Anchored Ann"]["revision_delay"]
    assert rows["Following Fay"]["brier"] < rows["Anchored Ann"]["brier"]
    assert "contrary-evidence" in rows["Anchored Ann"]["flags"]
