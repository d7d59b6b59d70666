"""Training (DESIGN §6a): playing a teaching case one item at a time, and the debrief.

A trainee's run is a case of kind `training` whose events are the teaching case's events,
revealed up to and including one evidence item at a time, each followed by the trainee's
judgement at the item's own time (at equal times a judgement follows the evidence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hypotrack.domain import model as m
from hypotrack.domain.results import Flag
from hypotrack.domain.state import fold
from hypotrack.domain.values import Value
from hypotrack.reasoning.timeline import walk

QUESTION_FALL = 0.10  # a fall of 0.10 below its first rating is "questioning" the fixed view (§6a)


def slug(text: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (out or "trainee")[:30].strip("-") or "trainee"


class TrainingRun:
    """A run in progress: the teaching timeline and how much of it has been revealed."""

    def __init__(
        self, teaching_events: list[m.Event], trainee: str, run_id: str, now: datetime
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
        self.events: list[m.Event] = [
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

    def reveal_next(self) -> list[m.Event]:
        """The events up to and including the next item (none when all are shown)."""
        shown: list[m.Event] = []
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


class DebriefStep(Value):
    item: str
    index: int  # 1-based position of the item in play
    worker: dict[str, float]
    network: dict[str, float]
    favoured: str
    flags: list[str]


class RevisionMark(Value):
    after: str
    expect: str
    why: str | None
    author_index: int
    trainee_index: int | None
    delay: int  # items late (negative: early); no response: all remaining items


class FlagSeen(Value):
    id: str
    first_item: str
    severity: str
    message: str
    evidence: list[str]


class Debrief(Value):
    """A run's debrief. Until the run is finished (`finished` False) it carries nothing of the
    answer: no truth, learning points, author's revision points, revision delay or scores
    against the truth (DESIGN §6a); only how far the run has got."""

    run: str
    based_on: str | None
    trainee: str | None
    items: int
    items_total: int | None  # the teaching case's items (None: the case cannot be found)
    finished: bool
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
    keys = [*p, *(h for h in target if h not in p)]  # in order: no hash-seeded float sums
    return sum((p.get(h, 0.0) - target.get(h, 0.0)) ** 2 for h in keys)


def first_rating_share(
    first: dict[str, float], now: dict[str, float], h: str
) -> tuple[float, float]:
    """h's share of the first and of a later judgement, each normalised over the explanations
    rated in both (so an explanation added mid-run does not read as a fall, DESIGN §4)."""
    common = [k for k in first if k in now]
    a = sum(first[k] for k in common) or 1.0
    b = sum(now[k] for k in common) or 1.0
    return first.get(h, 0.0) / a, now.get(h, 0.0) / b


def questioned_and_revised(steps: list[DebriefStep]) -> tuple[int | None, int | None]:
    """(questioned, revised): the items at which the trainee first rated their first favourite
    ≥ 0.10 below their *first* rating of it, and first favoured another explanation (§6a).

    Counting from the first rating, not from a peak: a trainee who inflated their favourite
    (70 → 75 → 80 → 70) has not questioned it by coming back to where they started."""
    if not steps:
        return None, None
    fixed = steps[0].favoured
    questioned = revised = None
    for s in steps:
        start, now = first_rating_share(steps[0].worker, s.worker, fixed)
        if questioned is None and start - now >= QUESTION_FALL - 1e-9:
            questioned = s.index
        if revised is None and s.favoured != fixed:
            revised = s.index
    return questioned, revised


@dataclass
class _Play:
    """What the walk over a run gives the debrief: a step per judgement made after an item,
    the flags seen (the first time each fired, and whether it ever turned red), the items in
    the order shown, and the explanations' labels."""

    steps: list[DebriefStep] = field(default_factory=list)
    flags_seen: dict[str, FlagSeen] = field(default_factory=dict)
    item_order: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def saw(self, flags: tuple[Flag, ...], item: str) -> None:
        for f in flags:
            seen = self.flags_seen.get(f.id)
            if seen is None:
                self.flags_seen[f.id] = FlagSeen(
                    id=f.id,
                    first_item=item,
                    severity=f.severity,
                    message=f.message,
                    evidence=f.evidence,
                )
            elif f.severity == "red" and seen.severity != "red":
                self.flags_seen[f.id] = seen.model_copy(update={"severity": "red"})


def _play(events: Sequence[m.Event]) -> _Play:
    """The timeline walk (reasoning/timeline.py) over a run; the debrief reads the flags as they
    stood at each of the trainee's judgements."""
    play = _Play()
    pending: str | None = None
    the_walk = walk(events)
    for step in the_walk:
        event = step.event
        if isinstance(event, m.EvidenceRecorded):
            play.item_order.append(event.evidence.id)
            pending = event.evidence.id
        elif isinstance(event, m.JudgementRecorded) and pending is not None:
            live = set(step.posterior)
            ratings = {h: v for h, v in event.judgement.ratings.items() if h in live}
            total = sum(ratings.values()) or 1.0
            raised = step.flags or ()
            play.saw(raised, pending)
            play.steps.append(
                DebriefStep(
                    item=pending,
                    index=len(play.item_order),
                    worker={h: v / total for h, v in ratings.items()},
                    network=dict(step.posterior),
                    favoured=event.judgement.favoured,
                    flags=[f.id for f in raised],
                )
            )
            pending = None
    play.labels = {h.id: h.label for h in the_walk.state.hypotheses.values()}
    return play


def _revision_marks(
    teaching: m.Teaching,
    item_order: list[str],
    questioned: int | None,
    revised: int | None,
) -> list[RevisionMark]:
    """The author's revision points against the trainee's: items late (negative: early; no
    response: all remaining items)."""
    n_items = len(item_order)
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
    return marks


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _scores(
    steps: list[DebriefStep], truth: str | None, fixed: str | None
) -> tuple[float | None, float | None, float | None, float | None]:
    """(trainee's Brier score against the truth, the network's, the trainee's against the
    network, the mean gap |w − b| on the fixed view) over the judged steps."""
    brier_t = brier_n = None
    if truth and steps:
        target = {truth: 1.0}
        brier_t = _mean([_brier(s.worker, target) for s in steps])
        brier_n = _mean([_brier(s.network, target) for s in steps])
    vs_network = _mean([_brier(s.worker, s.network) for s in steps])
    gap = (
        _mean([abs(s.worker.get(fixed, 0.0) - s.network.get(fixed, 0.0)) for s in steps])
        if fixed
        else None
    )
    return brier_t, brier_n, vs_network, gap


def debrief(events: Sequence[m.Event], items_total: int | None = None) -> Debrief:
    """What a trainer shows after a run: both lines, revisions against the author's points,
    the flags that fired, and the scores.

    `items_total` is the teaching case's number of items; the run is finished when every one
    was shown and judged. An unfinished run's debrief (or one whose teaching case cannot be
    found, `items_total` None) holds nothing of the answer: see `Debrief`."""
    play = _play(events)
    steps = play.steps
    opening = events[0]
    assert isinstance(opening, m.CaseOpened)
    info = opening.case
    teaching = opening.teaching or m.Teaching()
    n_items = len(play.item_order)
    fixed = steps[0].favoured if steps else None
    questioned, revised = questioned_and_revised(steps)
    finished = items_total is not None and n_items >= items_total and len(steps) >= items_total
    marks = _revision_marks(teaching, play.item_order, questioned, revised)
    revise_marks = [mk for mk in marks if mk.expect == "revise"]
    delay = revise_marks[0].delay if revise_marks else (marks[0].delay if marks else None)
    truth = teaching.truth
    brier_t, brier_n, vs_network, gap = _scores(steps, truth, fixed)
    if not finished:  # nothing of the answer before the run is finished (§6a)
        marks, delay, truth, brier_t, brier_n = [], None, None, None, None
    return Debrief(
        run=info.id,
        based_on=info.based_on,
        trainee=info.trainee,
        items=n_items,
        items_total=items_total,
        finished=finished,
        steps=steps,
        fixed_view=fixed,
        questioned_at=questioned,
        revised_at=revised,
        revision_points=marks,
        revision_delay=delay,
        flags=list(play.flags_seen.values()),
        learning_points=list(teaching.learning_points) if finished else [],
        truth=truth,
        brier_trainee=brier_t,
        brier_network=brier_n,
        brier_vs_network=vs_network,
        mean_gap=gap,
        labels=play.labels,
    )


def run_status(d: Debrief) -> str:
    """How far a run has got, in words: 'finished', 'not started', '4 of 11 items'."""
    if d.finished:
        return "finished"
    if not d.steps:
        return "not started"
    total = "?" if d.items_total is None else str(d.items_total)
    return f"{len(d.steps)} of {total} items"


def summary_row(d: Debrief, started: str | None = None, last: str | None = None) -> dict[str, Any]:
    """One run, for a trainer's overview. An unfinished run carries no score against the
    truth and no revision delay (they would give the answer away); `revised_at` is None both
    for 'never' (finished) and 'not yet' (unfinished): read it with `status`."""
    return {
        "run": d.run,
        "trainee": d.trainee,
        "case": d.based_on,
        "started": started,
        "last_activity": last,
        "status": run_status(d),
        "finished": d.finished,
        "items": d.items,
        "items_total": d.items_total,
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


def cohort(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per teaching case: the runs, how many finished, and the means over the finished runs of
    the revision delay and the Brier score against the truth (the trainee's and the network's)."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = out.setdefault(
            r["case"] or "?",
            {"case": r["case"], "runs": 0, "finished": 0, "_delay": [], "_brier": [], "_net": []},
        )
        c["runs"] += 1
        if r["finished"]:
            c["finished"] += 1
            if r["revision_delay"] is not None:
                c["_delay"].append(r["revision_delay"])
            if r["brier"] is not None:
                c["_brier"].append(r["brier"])
                c["_net"].append(r["brier_network"])

    def mean(xs: list[float]) -> float | None:
        return sum(xs) / len(xs) if xs else None

    return [
        {
            "case": c["case"],
            "runs": c["runs"],
            "finished": c["finished"],
            "mean_revision_delay": mean(c.pop("_delay")),
            "mean_brier": mean(c.pop("_brier")),
            "mean_brier_network": mean(c.pop("_net")),
        }
        for c in sorted(out.values(), key=lambda c: str(c["case"]))
    ]
