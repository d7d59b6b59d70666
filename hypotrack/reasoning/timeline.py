"""The one walk over a case's timeline (DESIGN §6, §8): what replay, reports, diffs and training read.

`walk(events)` folds the events one by one through the incremental engine and yields, per step
of the timeline (`domain.timeline.Timeline`), a frozen `Step`: the event, both belief lines as
they stood after it (the network's posterior per live explanation and its reading of each
source's reliability; the worker's latest judgement), the flags as they stood, and the flag
**transitions** at that step. Nothing in a step is computed from a later event, so every reader
sees what was known at the time.

Every event is a step of its own except the case's set-up: the case opened and the
explanations, sources and enquiries recorded at that same instant, before any other event, are
one step, the **opening** (its `event` is the case opened; `events` holds the whole set-up).
Folded one by one they would show beliefs nobody held (100 %, 50 %, 33 % as the explanations
arrive) and flags raised and closed within one instant.

One definition of "a flag was raised" lives here. A flag's identity is its rule, its favoured
explanation and its rival (`flag_key`). Between one step and the next:

- a flag whose identity is new is **raised**; one that stood before and not now is **closed**;
- a flag that stood at both steps and changed severity is **escalated** (amber → red) or
  **de-escalated** (red → amber);
- a flag that stood at both steps and became acknowledged is **acknowledged**; one whose
  acknowledgement stopped covering it (it turned red, its figure grew: DESIGN §4) has **lapsed**.

A flag that turns red and loses its acknowledgement at one step has two transitions (escalated,
lapsed). A changed rival is a new identity: the old flag closes and the new one is raised.

Cost: the walk reads the flags after every event through `compute_flags`, the same public call
`flags --as-of` makes on an engine folded to that moment, so a step's flags are exactly what
`flags --as-of` says at that step. The flags keep their incremental readings on the engine, so
the walk stays linear in the number of events; the engine's posterior is rebuilt only after the
events that change the network, and a step shares the previous step's belief maps otherwise.
`flags_from` (a step number) skips the flags on the steps before it (a replay screen that needs one step's
flags and their transitions reads from the step before).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from hypotrack.domain import model as m
from hypotrack.domain.results import Beliefs, ChangeMyMind, Flag, WorkerView
from hypotrack.domain.state import CaseState, JudgementState
from hypotrack.domain.timeline import BeforeOpened, Timeline
from hypotrack.reasoning.engine import NETWORK_EVENTS, Engine
from hypotrack.reasoning.flags import compute_flags

TransitionKind = Literal["raised", "escalated", "de-escalated", "acknowledged", "lapsed", "closed"]
SEVERITY_RANK = {"amber": 1, "red": 2}

#: A flag's identity across steps: its rule, favoured explanation and rival.
FlagKey = tuple[str, str | None, str | None]

_EMPTY: Mapping[str, float] = MappingProxyType({})


def flag_key(flag: Flag) -> FlagKey:
    return (flag.id, flag.favoured, flag.rival)


@dataclass(frozen=True, slots=True)
class FlagTransition:
    """One change in the flags at one step.

    `flag` is the flag after the step; for `closed`, the flag as it last stood. `before` is the
    flag as it stood at the step before (None for `raised`).
    """

    kind: TransitionKind
    flag: Flag
    before: Flag | None = None

    @property
    def rule(self) -> str:
        return self.flag.id

    @property
    def key(self) -> FlagKey:
        return flag_key(self.flag)

    @property
    def severity(self) -> str:
        return self.flag.severity


def transitions(before: tuple[Flag, ...], after: tuple[Flag, ...]) -> tuple[FlagTransition, ...]:
    """The flag transitions from one step's flags to the next's (see the module's docstring)."""
    if not before and not after:
        return ()
    old = {flag_key(f): f for f in before}
    out: list[FlagTransition] = []
    seen: set[FlagKey] = set()
    for f in after:
        key = flag_key(f)
        seen.add(key)
        prev = old.get(key)
        if prev is None:
            out.append(FlagTransition("raised", f))
            continue
        rank, was = SEVERITY_RANK.get(f.severity, 0), SEVERITY_RANK.get(prev.severity, 0)
        if rank > was:
            out.append(FlagTransition("escalated", f, prev))
        elif rank < was:
            out.append(FlagTransition("de-escalated", f, prev))
        if f.acknowledged and not prev.acknowledged:
            out.append(FlagTransition("acknowledged", f, prev))
        elif prev.acknowledged and not f.acknowledged:
            out.append(FlagTransition("lapsed", f, prev))
    for key, prev in old.items():
        if key not in seen:
            out.append(FlagTransition("closed", prev, prev))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Step:
    """The case as it stood just after one step: a frozen value, built from nothing later.

    `index` is the step's 0-based position in the timeline's steps; `events` the events it
    folds in (the whole set-up for the opening, else one), `event` the step's event (the case
    opened, for the opening) and `stop` the position just past its last event, so
    `events[:stop]` is the case as it stood at the step. `posterior` and `log_posterior`
    hold the network's belief per live explanation; `reliability` the network's reading of each
    source's "reliable" node. `worker` is the worker's latest judgement so far (None before the
    first). `flags` are the flags as they stood and `transitions` how they changed from the step
    before; both are None on steps where the walk did not read the flags (`flags_from`), and
    `transitions` is None on the first step it read them from, after the opening.
    """

    index: int
    at: datetime
    event: m.Event
    events: tuple[m.Event, ...]
    stop: int
    posterior: Mapping[str, float]
    log_posterior: Mapping[str, float]
    reliability: Mapping[str, float]
    worker: WorkerView | None
    flags: tuple[Flag, ...] | None
    transitions: tuple[FlagTransition, ...] | None

    @property
    def kind(self) -> str:
        return self.event.kind

    @property
    def subject(self) -> str | None:
        return m.event_subject(self.event)

    @property
    def moved_network(self) -> bool:
        """Whether this step's events can have changed the network's reading."""
        return any(e.kind in NETWORK_EVENTS for e in self.events)

    def p(self, hypothesis: str) -> float | None:
        """The network's belief in an explanation (None when it was not open)."""
        return self.posterior.get(hypothesis)

    def log_odds(self, hypothesis: str) -> float:
        """ln p/(1−p) from the log posterior, without forming 1 − p (no cancellation)."""
        lp = self.log_posterior[hypothesis]
        others = [v for k, v in self.log_posterior.items() if k != hypothesis]
        if not others:
            return math.inf
        top = max(others)
        return lp - (top + math.log(sum(math.exp(v - top) for v in others)))

    def changed(self, *kinds: str) -> tuple[FlagTransition, ...]:
        """The transitions of the given kinds at this step (all of them when none is named)."""
        found = self.transitions or ()
        return tuple(t for t in found if not kinds or t.kind in kinds)


def worker_view(j: JudgementState | None) -> WorkerView | None:
    if j is None:
        return None
    return WorkerView(
        judgement=j.id, at=j.at, favoured=j.favoured, ratings=dict(j.ratings), who=j.who
    )


class Walk:
    """One walk over a case's events, as an iterator of frozen `Step`s.

    Iterate it once. While it runs, and after, `state` is the case as folded up to the last step
    yielded (the domain's fold: what was on file then), and `beliefs()` / `enquiries()` give the
    reasoning's frozen results as of that step. The engine itself never leaves this module.
    """

    def __init__(
        self,
        events: Timeline | Iterable[m.Event],
        *,
        as_of: datetime | None = None,
        flags: bool = True,
        flags_from: int = 0,
    ) -> None:
        self._events = Timeline.of(events)
        self._as_of = as_of
        self._flags = flags
        self._flags_from = max(0, flags_from)
        self._engine = Engine()
        self._started = False
        self.last: Step | None = None

    @property
    def state(self) -> CaseState:
        return self._engine.state

    def beliefs(self) -> Beliefs:
        from hypotrack.reasoning.api import beliefs

        return beliefs(self._engine)

    def enquiries(self) -> ChangeMyMind:
        from hypotrack.reasoning.whatif import change_my_mind

        return change_my_mind(self._engine)

    def release(self) -> None:
        """Let go of the engine's history and the flags' memory, once the last question is asked.

        Both refer back to the engine (cycles), so they would otherwise wait for the cyclic
        collector, which visits every live object: at 20,000 items that is about 0.5 s of CPU
        for a report, which pauses the collector while it walks. `state` stays readable;
        `beliefs()` and `enquiries()` are not to be asked after this."""
        self._engine.memo.clear()
        self._engine.history.clear()

    def __iter__(self) -> Iterator[Step]:
        if self._started:
            raise RuntimeError("a walk is iterated once; start another with walk(events)")
        self._started = True
        return self._steps()

    def _steps(self) -> Iterator[Step]:
        engine = self._engine
        read_flags, flags_from, as_of = self._flags, self._flags_from, self._as_of
        previous_flags: tuple[Flag, ...] | None = None
        log_post_seen: dict[str, float] | None = None
        posterior: Mapping[str, float] = _EMPTY
        log_posterior: Mapping[str, float] = _EMPTY
        reliability: Mapping[str, float] = _EMPTY
        judgement: JudgementState | None = None
        worker: WorkerView | None = None
        timeline = self._events
        for index in range(timeline.step_count):
            stop = timeline.stop(index)
            folded = timeline.step_events(index)
            if as_of is not None and folded[-1].at > as_of:
                break
            for event in folded:
                snap = engine.apply(event)
            if snap.log_post is not log_post_seen:
                # The engine hands the same maps on after an event that leaves the network as
                # it was: share them, and the step costs no copy.
                log_post_seen = snap.log_post
                log_posterior = MappingProxyType(snap.log_post)
                posterior = MappingProxyType({h: math.exp(v) for h, v in snap.log_post.items()})
                reliability = MappingProxyType(snap.reliability)
            latest = engine.state.latest_judgement
            if latest is not judgement:
                judgement, worker = latest, worker_view(latest)
            flags: tuple[Flag, ...] | None = None
            changes: tuple[FlagTransition, ...] | None = None
            if read_flags and index >= flags_from:
                flags = tuple(compute_flags(engine))
                if previous_flags is not None:
                    changes = transitions(previous_flags, flags)
                elif index == 0:
                    changes = transitions((), flags)
                previous_flags = flags
            step = Step(
                index=index,
                at=snap.at,
                event=folded[0],
                events=folded,
                stop=stop,
                posterior=posterior,
                log_posterior=log_posterior,
                reliability=reliability,
                worker=worker,
                flags=flags,
                transitions=changes,
            )
            self.last = step
            yield step


def walk(
    events: Timeline | Iterable[m.Event],
    *,
    as_of: datetime | None = None,
    flags: bool = True,
    flags_from: int = 0,
) -> Walk:
    """Walk a case's events up to `as_of` (inclusive; default: all of them), step by step.

    `flags_from` is a step number: the flags are read from that step on."""
    return Walk(events, as_of=as_of, flags=flags, flags_from=flags_from)


def steps(
    events: Timeline | Iterable[m.Event], *, as_of: datetime | None = None, flags: bool = True
) -> list[Step]:
    """Every step of the walk, as a list."""
    return list(walk(events, as_of=as_of, flags=flags))


def standing(events: Timeline | Iterable[m.Event], as_of: datetime | None = None) -> Step | None:
    """The last step (the case as it stands at `as_of`), with the flags read only there; None
    with no events or a moment before the case was opened."""
    try:
        known = Timeline.of(events).as_of(as_of)
    except BeforeOpened:
        return None
    found = None
    for step in walk(known, flags_from=known.step_count - 1):
        found = step
    return found


@dataclass(frozen=True, slots=True)
class FlagCounts:
    """A case's standing flags for a list: open (unacknowledged) and acknowledged, by severity."""

    red: int = 0
    amber: int = 0
    acknowledged_red: int = 0
    acknowledged_amber: int = 0

    @property
    def open(self) -> int:
        return self.red + self.amber

    @property
    def acknowledged(self) -> int:
        return self.acknowledged_red + self.acknowledged_amber


def flag_counts(flags: tuple[Flag, ...] | list[Flag] | None) -> FlagCounts:
    counts = {"red": 0, "amber": 0, "acknowledged_red": 0, "acknowledged_amber": 0}
    for f in flags or ():
        name = f"acknowledged_{f.severity}" if f.acknowledged else f.severity
        if name in counts:
            counts[name] += 1
    return FlagCounts(**counts)
