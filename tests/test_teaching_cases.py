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


def play(path: Path, anchored: bool, jump_at: int | None = None) -> object:
    """Play a teaching case as an anchored trainee (never moves) or one who follows the evidence;
    with `jump_at`, one who follows it until that item, then jumps to the explanation the item
    raised most (70 %) and holds that view to the end."""
    events = load_case_file(path).events
    run = TrainingRun(events, "Test Trainee", "run", datetime.now(UTC))
    first: dict[str, float] | None = None
    previous: dict[str, float] = {}
    jumped: dict[str, float] | None = None
    while not run.finished:
        run.reveal_next()
        posterior = Engine.run(run.events).current.posterior
        if jump_at is not None and (jumped is not None or run.items_shown == jump_at):
            if jumped is None:
                rose = max(posterior, key=lambda h: posterior[h] / previous.get(h, posterior[h]))
                rest = 30.0 / (len(posterior) - 1)
                jumped = {h: (70.0 if h == rose else rest) for h in posterior}
            run.judgement({h: jumped.get(h, 1.0) for h in posterior})
            continue
        previous = dict(posterior)
        if anchored:
            if first is None:
                top = max(posterior, key=lambda h: posterior[h])
                first = {h: (70.0 if h == top else 30.0 / (len(posterior) - 1)) for h in posterior}
            ratings = {h: first.get(h, 1.0) for h in posterior}
        else:
            ratings = dict(posterior)
        run.judgement(ratings)
    return debrief(run.events, run.items_total)


def item_likelihoods(events: list[object]) -> list[dict[str, float]]:
    """Each item's likelihood per explanation, an unrated one neutral (the mean as entered, §2)."""
    out = []
    for e in events:
        if e.kind == "evidence-recorded":
            lik = e.evidence.likelihood
            mean = sum(lik.values()) / len(lik)
            out.append({h: lik.get(h, mean) for h in {**lik}})
    return out


@pytest.mark.parametrize("name", sorted(teaching_cases()))
def test_every_pair_of_explanations_is_told_apart_by_the_evidence(name: str) -> None:
    """Two explanations that the items cannot tell apart split the belief between them, and a
    turning item can push weight the wrong way: every pair must differ by a summed |ln LR| of at
    least ln 20 (a strong Bayes factor, Kass & Raftery 1995) over the case's items."""
    import itertools
    import math

    case = load_case_file(teaching_cases()[name])
    ids = [h.id for h in case.file.hypotheses]
    items = item_likelihoods(case.events)
    for a, b in itertools.combinations(ids, 2):
        mean = [sum(lik.values()) / len(lik) for lik in items]
        apart = sum(
            abs(math.log(lik.get(a, m) / lik.get(b, m))) for lik, m in zip(items, mean, strict=True)
        )
        assert apart >= math.log(20) - 1e-9, f"{name}: {a} and {b} differ by only {apart:.2f}"


@pytest.mark.parametrize("name", sorted(teaching_cases()))
def test_at_each_revision_point_the_network_has_moved_towards_the_truth(name: str) -> None:
    case = load_case_file(teaching_cases()[name])
    teaching = case.file.teaching
    assert teaching is not None and teaching.truth is not None
    engine = Engine()
    belief: dict[str, float] = {}
    first: float | None = None
    for event in case.events:
        engine.apply(event)
        if event.kind == "evidence-recorded":
            belief[event.evidence.id] = engine.current.posterior[teaching.truth]
            first = belief[event.evidence.id] if first is None else first
    for point in teaching.revision_points:
        assert belief[point.after] > first, (
            f"{name}: at {point.after} the network gives the truth {belief[point.after]:.3f}, "
            f"no more than after the first item ({first:.3f})"
        )


def hold_cases() -> list[str]:
    """Teaching cases with no revision point: the first impression was right."""
    return sorted(
        n
        for n, p in teaching_cases().items()
        if not load_case_file(p).file.teaching.revision_points
    )


def test_there_is_a_case_where_the_first_impression_was_right() -> None:
    assert hold_cases()


@pytest.mark.parametrize("name", hold_cases())
def test_a_case_without_revision_points_rewards_holding_the_view(name: str) -> None:
    """The network favours the truth at every item; a trainee who follows the evidence never
    revises and draws no anchoring flag; one who jumps to the most alarming rival at the second
    item and holds it is flagged and scores worse."""
    path = teaching_cases()[name]
    case = load_case_file(path)
    truth = case.file.teaching.truth
    engine = Engine()
    for event in case.events:
        engine.apply(event)
        if event.kind == "evidence-recorded":
            posterior = engine.current.posterior
            assert max(posterior, key=lambda h: posterior[h]) == truth, event.evidence.id
    follower = play(path, anchored=False)
    assert follower.finished and follower.revised_at is None and follower.revision_delay is None
    assert not {f.id for f in follower.flags} & ANCHOR_FLAGS
    jumper = play(path, anchored=False, jump_at=2)
    assert jumper.revised_at == 2
    jumped = {f.id: f for f in jumper.flags}
    assert (
        "over-reaction" in jumped and jumped["over-reaction"].first_item == follower.steps[1].item
    )
    assert jumper.brier_trainee > follower.brier_trainee


@pytest.mark.parametrize("name", sorted(set(teaching_cases()) - set(hold_cases())))
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


def _cli(argv: list[str]) -> tuple[int, str, str]:
    import contextlib
    import io

    from hypotrack.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_train_summary_overview_unknown_names_and_debrief_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from hypotrack.store.case import import_events
    from hypotrack.store.sqlite import SqliteEventStore

    store = SqliteEventStore(tmp_path / "hypotrack.db")
    for name, run_id, items in (
        ("03-neglect-or-poverty", "run-done", None),
        ("01-bruising-non-mobile-baby", "run-part", 1),
        ("01-bruising-non-mobile-baby", "run-empty", 0),
    ):
        run = TrainingRun(
            load_case_file(teaching_cases()[name]).events, "Ann", run_id, datetime.now(UTC)
        )
        shown = 0
        while not run.finished and (items is None or shown < items):
            run.reveal_next()
            shown += 1
            run.judgement(dict(Engine.run(run.events).current.posterior))
        if items == 0:
            run.reveal_next()
        import_events(store, run.events)
    store.close()
    monkeypatch.setenv("HYPOTRACK_HOME", str(tmp_path))

    code, out, _ = _cli(["train", "--summary", "--json"])
    assert code == 0
    doc = json.loads(out)
    rows = {r["run"]: r for r in doc["runs"]}
    assert set(rows) == {"run-done", "run-part", "run-empty"}
    assert rows["run-done"]["status"] == "finished" and rows["run-done"]["brier"] is not None
    assert rows["run-part"]["status"] == "1 of 10 items" and rows["run-part"]["brier"] is None
    assert rows["run-part"]["revision_delay"] is None
    assert rows["run-empty"]["status"] == "not started"
    assert all(r["started"] for r in rows.values())
    by_case = {c["case"]: c for c in doc["cases"]}
    assert by_case["teaching-bruising-non-mobile-baby"]["runs"] == 2
    assert by_case["teaching-bruising-non-mobile-baby"]["mean_brier"] is None

    code, out, _ = _cli(["train", "--summary"])
    assert code == 0
    line = next(ln for ln in out.splitlines() if ln.startswith("run-empty"))
    assert "not started" in line and "never" not in line
    assert "not yet" in next(ln for ln in out.splitlines() if ln.startswith("run-part"))

    code, _, err = _cli(["train", "--summary", "nosuch"])
    assert code == 2 and "no teaching case 'nosuch'" in err
    code, _, err = _cli(["train", "nosuch"])
    assert code == 2 and "no teaching case 'nosuch'" in err

    # Exports: an unfinished run gives nothing of the answer away; a finished one its debrief.
    code, out, _ = _cli(["export", "run-part", "--format", "yaml"])
    assert code == 0 and "truth" not in out and "learning_points" not in out
    code, out, _ = _cli(["export", "run-part", "--format", "md"])
    assert code == 0 and "## Training debrief" in out and "unfinished: 1 of 10" in out
    assert "turned out true:" not in out
    for fmt in ("md", "html"):
        code, out, _ = _cli(["export", "run-done", "--format", fmt])
        assert code == 0 and "Training debrief" in out
        assert "turned out true: Poverty" in out
    code, out, _ = _cli(["export", "run-done", "--format", "yaml"])
    assert "truth: poverty" in out
