"""The reasoning core's front door: beliefs, flags, replay and enquiries for a timeline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from hypotrack.domain import model as m
from hypotrack.domain.results import (
    Beliefs,
    ChangeMyMind,
    Flag,
    HypothesisBelief,
    ReplayStep,
    SourceBelief,
    WorkerView,
)
from hypotrack.domain.timeline import Timeline
from hypotrack.reasoning.engine import Engine
from hypotrack.reasoning.flags import compute_flags
from hypotrack.reasoning.whatif import change_my_mind


def analyse(events: Sequence[m.Event], as_of: datetime | None = None) -> Engine:
    """Fold a timeline up to `as_of` (inclusive) and run the network over it."""
    return Engine.run(events, as_of)


def beliefs(engine: Engine) -> Beliefs:
    """The network's posterior per live hypothesis and source, and the worker's last ratings."""
    state = engine.state
    snap = engine.current
    hypotheses = [
        HypothesisBelief(
            id=h,
            label=state.label(h),
            probability=snap.p(h),
            catch_all=state.hypotheses[h].spec.catch_all,
            unweighed=len(state.hypotheses[h].unweighed),
        )
        for h in state.live_hypotheses
    ]
    sources = [
        SourceBelief(
            id=s.id, label=s.spec.label, prior=s.reliability, reliability=snap.reliability[s.id]
        )
        for s in state.sources.values()
    ]
    j = state.latest_judgement
    worker = (
        WorkerView(judgement=j.id, at=j.at, favoured=j.favoured, ratings=dict(j.ratings))
        if j
        else None
    )
    return Beliefs(as_of=snap.at, hypotheses=hypotheses, sources=sources, worker=worker)


def flags(engine: Engine) -> list[Flag]:
    return compute_flags(engine)


def enquiries(engine: Engine) -> ChangeMyMind:
    return change_my_mind(engine)


def replay(events: Timeline | Iterable[m.Event], with_flags: bool = True) -> list[ReplayStep]:
    """Every step of the timeline (the set-up at the opening instant is one step, the case
    opened: `domain.timeline`): the event, both belief lines and the flags as they stood."""
    from hypotrack.reasoning.timeline import walk

    return [
        ReplayStep(
            step=s.index,
            at=s.at,
            kind=s.kind,
            subject=s.subject,
            beliefs=dict(s.posterior),
            worker=dict(s.worker.ratings) if s.worker else None,
            flags=[f.id for f in s.flags or ()],
        )
        for s in walk(events, flags=with_flags)
    ]
