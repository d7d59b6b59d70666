"""A case's timeline as one value (DESIGN §2, §6): its events, what was known at a moment, its steps.

A case is a timeline of dated events in timeline order (`model.sort_events`). `Timeline` holds
them and answers the questions every reader asks of them, in one place:

- **as of a moment** (inclusive, as `--as-of`): the events recorded at or before it. A moment
  before the case was opened has nothing on file and raises `BeforeOpened`, whoever asks (the
  command line, an export, a report, the BIF writer, a diff, the replay's date field).
- **its steps**, what replay steps through. Every event is a step of its own, except the
  case's **set-up**: the case opened, and the explanations, sources and enquiries recorded at
  the very instant it was opened, before anything else happened (what a template or the top of
  a case file gives), are one step, the **opening**. Folded one by one they would show beliefs
  nobody held (100 % on the first explanation, 50 % on two, 33 % on three) and flags raised and
  closed within the same instant. The opening ends at the first event of another kind (an
  item, an amendment, a retirement, a reliability change, a judgement, a note...) or at the
  first event after the opening instant, so no reading of the worker is hidden in it, and
  "as of" can never fall inside it (its events share one instant).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import overload

from hypotrack.domain import model as m

#: The event kinds that can be part of the opening step (with the case opened itself).
SETUP_KINDS = frozenset({"hypothesis-added", "source-added", "enquiry-raised"})

BEFORE_OPENED = "nothing on file at that moment: it is before the case was opened"


class BeforeOpened(ValueError):
    """A moment before the case was opened (or a case with no events): nothing was on file."""

    def __init__(self, moment: datetime | None, opened: datetime | None) -> None:
        super().__init__(BEFORE_OPENED)
        self.moment = moment
        self.opened = opened


def opening_size(events: Sequence[m.Event]) -> int:
    """How many events the opening step holds (0 for no events; see the module's docstring)."""
    if not events:
        return 0
    opened = events[0].at
    n = 1
    while n < len(events) and events[n].at == opened and events[n].kind in SETUP_KINDS:
        n += 1
    return n


@dataclass(frozen=True, slots=True)
class Timeline(Sequence[m.Event]):
    """A case's events in timeline order: a sequence of events, with `as_of` and its steps.

    `opened` is the time of the first event (the case opened); `opening` the number of events
    in the opening step. Step k (0-based) holds `events[stops[k-1]:stops[k]]` (from 0 for the
    opening); every step after the opening holds exactly one event.
    """

    events: tuple[m.Event, ...]
    opening: int = field(init=False)

    def __init__(self, events: Iterable[m.Event]) -> None:
        held = tuple(events)
        object.__setattr__(self, "events", held)
        object.__setattr__(self, "opening", opening_size(held))

    @classmethod
    def of(cls, events: Timeline | Iterable[m.Event]) -> Timeline:
        """`events` as a Timeline (itself when it is one already)."""
        return events if isinstance(events, Timeline) else cls(events)

    # --- a sequence of events ------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[m.Event]:
        return iter(self.events)

    @overload
    def __getitem__(self, index: int) -> m.Event: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[m.Event, ...]: ...
    def __getitem__(self, index: int | slice) -> m.Event | tuple[m.Event, ...]:
        return self.events[index]

    # --- as of a moment ------------------------------------------------------------------

    @property
    def opened(self) -> datetime:
        """When the case was opened (the first event's time); BeforeOpened with no events."""
        if not self.events:
            raise BeforeOpened(None, None)
        return self.events[0].at

    def check(self, moment: datetime | None) -> None:
        """BeforeOpened when `moment` is before the case was opened (None: no moment, fine)."""
        if not self.events:
            raise BeforeOpened(moment, None)
        if moment is not None and moment < self.events[0].at:
            raise BeforeOpened(moment, self.events[0].at)

    def as_of(self, moment: datetime | None) -> Timeline:
        """The events known at `moment` (inclusive; None: all of them).

        Raises BeforeOpened for a moment before the case was opened, or a case with no events.
        """
        self.check(moment)
        if moment is None or self.events[-1].at <= moment:
            return self
        return Timeline(e for e in self.events if e.at <= moment)

    def last_at(self, moment: datetime) -> int:
        """The position of the last event at or before `moment` (BeforeOpened if none)."""
        self.check(moment)
        return max(k for k, e in enumerate(self.events) if e.at <= moment)

    # --- steps ---------------------------------------------------------------------------

    @property
    def step_count(self) -> int:
        return len(self.events) - self.opening + 1 if self.events else 0

    def stop(self, step: int) -> int:
        """The position just past step `step`'s last event: `events[:stop(k)]` is the case by k."""
        if not 0 <= step < self.step_count:
            raise IndexError(f"step {step} is outside the timeline (0–{self.step_count - 1})")
        return self.opening + step

    def step_events(self, step: int) -> tuple[m.Event, ...]:
        """The events step `step` folds in (the set-up for the opening, else one event)."""
        stop = self.stop(step)
        return self.events[: self.opening] if step == 0 else self.events[stop - 1 : stop]

    def step_of(self, position: int) -> int:
        """The step that holds the event at `position`."""
        if not 0 <= position < len(self.events):
            raise IndexError(f"event {position} is outside the timeline")
        return max(0, position - self.opening + 1)

    def step_times(self) -> list[datetime]:
        """Each step's time (that of its last event)."""
        return [e.at for e in self.events[self.opening - 1 :]] if self.events else []

    def up_to_step(self, step: int) -> Timeline:
        """The case as it stood at step `step`: its events up to and including that step's."""
        return Timeline(self.events[: self.stop(step)])
