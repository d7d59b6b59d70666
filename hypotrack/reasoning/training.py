"""Training (DESIGN §6a): playing a teaching case one item at a time, and the debrief.

A trainee's run is a case of kind `training` whose events are the teaching case's events,
revealed up to and including one evidence item at a time, each followed by the trainee's
judgement at the item's own time (at equal times a judgement follows the evidence).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from hypotrack.domain import model as m
from hypotrack.domain.state import fold
from hypotrack.reasoning.engine import Engine
from hypotrack.reasoning.flags import compute_flags

QUESTION_FALL = 0.10  # a fall of 0.10 from its peak is "questioning" the fixed view (§6a)


def slug(text: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (out or "trainee")[:30].strip("-") or "trainee"


class TrainingRun:
    """A run in progress: the teaching timeline and how much of it has been revealed."""

    def __init__(
        self, teaching_events: list[Any], trainee: str, run_id: str, now: datetime
    ) -> None:
        opened = teaching_events[0]
        info = opened.case
        self.teaching_events = teaching_events
        self.trainee = trainee
        self.case = m.CaseInfo(
            id=run_id,
            title=f"{info.title} — {trainee}"[:500],
            kind="training",
            timezone=info.timezone,
            opened=opened.at,
            based_on=info.id,
            trainee=trainee,
        )
        self.events: list[Any] = [
            m.CaseOpened(at=opened.at, who=trainee, case=self.case, teaching=opened.teaching)
        ]
        self.position = 1  # index of the next teaching event to reveal
        self.started = now

    @property
    def items_total(self) -> int:
        return sum(1 for e in self.teaching_events if e.kind == "evidence-recorded")

    @property
    def items_shown(self) -> int:
        return sum(1 for e in self.events if e.kind == "evidence-recorded")

    @property
    def finished(self) -> bool:
        return self.items_shown >= self.items_total

    def reveal_next(self) -> list[Any]:
        """The events up to and including the next item (none when all are shown)."""
        shown: list[Any] = []
        while self.position < len(self.teaching_events):
            event = self.teaching_events[self.position]
            self.position += 1
            if event.kind in ("judgement", "note"):
                continue  # the author's own judgements and notes are not part of play
            shown.append(event)
            if event.kind == "evidence-recorded":
                break
        # Whatever follows the last item (a late retirement, say) comes with it.
        if (
            self.items_shown + sum(1 for e in shown if e.kind == "evidence-recorded")
            >= self.items_total
        ):
            while self.position < len(self.teaching_events):
                event = self.teaching_events[self.position]
                self.position += 1
                if event.kind not in ("judgement", "note"):
                    shown.append(event)
        self.events.extend(shown)
        return shown

    def judgement(
        self, ratings: dict[str, float], favoured: str | None = None
    ) -> m.JudgementRecorded:
        """The trainee's judgement after the last item shown (ratings are normalised)."""
        total = sum(v for v in ratings.values() if v > 0)
        if total <= 0:
            raise ValueError("give the explanation you favour a positive rating")
        norm = {h: v / total for h, v in ratings.items()}
        favoured = favoured or max(norm, key=lambda h: norm[h])
        last = next(e for e in reversed(self.events) if e.kind != "judgement")
        at = max(last.at, self.events[-1].at)
        ids = [e.judgement.id for e in self.events if e.kind == "judgement"]
        event = m.JudgementRecorded(
            at=at,
            who=self.trainee,
            judgement=m.JudgementSpec(id=f"j{len(ids) + 1}", ratings=norm, favoured=favoured),
        )
        fold([*self.events, event])  # refuses ratings of unknown or retired explanations
        self.events.append(event)
        return event


# --- the debrief --------------------------------------------------------------------------


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class DebriefStep(Frozen):
    item: str
    index: int  # 1-based position of the item in play
    worker: dict[str, float]
    network: dict[str, float]
    favoured: str
    flags: list[str]


class RevisionMark(Frozen):
    after: str
    expect: str
    why: str | None
    author_index: int
    trainee_index: int | None
    delay: int  # items late (negative: early); no response: all remaining items


class FlagSeen(Frozen):
    id: str
    first_item: str
    severity: str
    message: str
    evidence: list[str]


class Debrief(Frozen):
    run: str
    based_on: str | None
    trainee: str | None
    items: int
    steps: list[DebriefStep]
    fixed_view: str | None
    questioned_at: int | None
    revised_at: int | None
    revision_points: list[RevisionMark]
    revision_delay: int | None
    flags: list[FlagSeen]
    learning_points: list[str]
    truth: str | None
    brier_trainee: float | None
    brier_network: float | None
    brier_vs_network: float | None
    mean_gap: float | None
    labels: dict[str, str]


def _brier(p: dict[str, float], target: dict[str, float]) -> float:
    keys = set(p) | set(target)
    return sum((p.get(h, 0.0) - target.get(h, 0.0)) ** 2 for h in keys)


def debrief(events: list[Any]) -> Debrief:
    """What a trainer shows after a run: both lines, revisions against the author's points,
    the flags that fired, and the scores."""
    engine = Engine()
    steps: list[DebriefStep] = []
    flags_seen: dict[str, FlagSeen] = {}
    item_order: list[str] = []
    pending: str | None = None
    for event in events:
        engine.apply(event)
        if event.kind == "evidence-recorded":
            item_order.append(event.evidence.id)
            pending = event.evidence.id
        elif event.kind == "judgement" and pending is not None:
            live = set(engine.current.log_post)
            ratings = {h: v for h, v in event.judgement.ratings.items() if h in live}
            total = sum(ratings.values()) or 1.0
            raised = compute_flags(engine)
            for f in raised:
                if f.id not in flags_seen:
                    flags_seen[f.id] = FlagSeen(
                        id=f.id,
                        first_item=pending,
                        severity=f.severity,
                        message=f.message,
                        evidence=f.evidence,
                    )
                elif f.severity == "red" and flags_seen[f.id].severity != "red":
                    flags_seen[f.id] = flags_seen[f.id].model_copy(update={"severity": "red"})
            steps.append(
                DebriefStep(
                    item=pending,
                    index=len(item_order),
                    worker={h: v / total for h, v in ratings.items()},
                    network=engine.current.posterior,
                    favoured=event.judgement.favoured,
                    flags=[f.id for f in raised],
                )
            )
            pending = None
    info = events[0].case
    teaching = events[0].teaching or m.Teaching()
    n_items = len(item_order)
    fixed = steps[0].favoured if steps else None
    questioned = revised = None
    peak = -1.0
    for s in steps:
        w = s.worker.get(fixed, 0.0) if fixed else 0.0
        peak = max(peak, w)
        if questioned is None and peak - w >= QUESTION_FALL - 1e-12:
            questioned = s.index
        if revised is None and s.favoured != fixed:
            revised = s.index
    position = {item: k + 1 for k, item in enumerate(item_order)}
    marks = []
    for point in teaching.revision_points:
        author = position.get(point.after)
        if author is None:
            continue
        trainee = (
            revised
            if point.expect == "revise"
            else (questioned if questioned is not None else revised)
        )
        delay = (trainee - author) if trainee is not None else (n_items - author + 1)
        marks.append(
            RevisionMark(
                after=point.after,
                expect=point.expect,
                why=point.why,
                author_index=author,
                trainee_index=trainee,
                delay=delay,
            )
        )
    revise_marks = [mk for mk in marks if mk.expect == "revise"]
    delay = revise_marks[0].delay if revise_marks else (marks[0].delay if marks else None)
    truth = teaching.truth
    brier_t = brier_n = None
    if truth and steps:
        target = {truth: 1.0}
        brier_t = sum(_brier(s.worker, target) for s in steps) / len(steps)
        brier_n = sum(_brier(s.network, target) for s in steps) / len(steps)
    vs_network = sum(_brier(s.worker, s.network) for s in steps) / len(steps) if steps else None
    gap = (
        sum(abs(s.worker.get(fixed, 0.0) - s.network.get(fixed, 0.0)) for s in steps) / len(steps)
        if steps and fixed
        else None
    )
    labels = {h.id: h.label for h in engine.state.hypotheses.values()}
    return Debrief(
        run=info.id,
        based_on=info.based_on,
        trainee=info.trainee,
        items=n_items,
        steps=steps,
        fixed_view=fixed,
        questioned_at=questioned,
        revised_at=revised,
        revision_points=marks,
        revision_delay=delay,
        flags=list(flags_seen.values()),
        learning_points=list(teaching.learning_points),
        truth=truth,
        brier_trainee=brier_t,
        brier_network=brier_n,
        brier_vs_network=vs_network,
        mean_gap=gap,
        labels=labels,
    )


def summary_rows(runs: list[Debrief]) -> list[dict[str, Any]]:
    """One row per run, for a trainer's group debrief."""
    rows = []
    for d in runs:
        rows.append(
            {
                "run": d.run,
                "trainee": d.trainee,
                "items": d.items,
                "judgements": len(d.steps),
                "revised_at": d.revised_at,
                "questioned_at": d.questioned_at,
                "revision_delay": d.revision_delay,
                "brier": d.brier_trainee,
                "brier_network": d.brier_network,
                "brier_vs_network": d.brier_vs_network,
                "mean_gap": d.mean_gap,
                "flags": [f.id for f in d.flags],
            }
        )
    return rows
