"""Shared by the app's tests: a fixed case (independent of the shipped examples) and Pilot
helpers. A helper module, not a test module."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FROZEN_NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
SIZE = (120, 40)

FIXED_CASE = """
format: 1
case:
  id: fixed-case
  title: Bruising to a 7-month-old (test case)
  kind: live
  timezone: Europe/London
  opened: 2026-03-02T09:00:00
hypotheses:
  - id: accidental
    label: Accidental injury while cruising
  - id: inflicted
    label: Injury inflicted by a carer
  - id: medical
    label: Medical cause (a bleeding disorder)
  - id: other
    label: Something we have not thought of
    catch_all: true
    prior: 0.5
sources:
  - id: nursery
    label: Nursery key worker
  - id: paediatrics
    label: Hospital paediatric team
  - id: neighbour
    label: Anonymous neighbour
    reliability: 0.6
evidence:
  - id: e1
    text: Bruise on the right cheek at drop-off; mother says Maya fell against the sofa.
    source: nursery
    observed: 2026-03-02
    recorded: 2026-03-02T10:00:00
    likelihood: {accidental: realistic possibility, inflicted: likely, medical: realistic possibility, other: 0.4}
  - id: e2
    text: Child protection medical finds bruises on the ear and the upper arm.
    source: paediatrics
    observed: 2026-03-03
    recorded: 2026-03-03T15:00:00
    likelihood: {accidental: highly unlikely, inflicted: likely, medical: realistic possibility, other: 0.3}
  - id: e3
    text: Neighbour reports a baby screaming and a man shouting late at night.
    source: neighbour
    observed: 2026-03-03
    recorded: 2026-03-04T09:00:00
    likelihood: {accidental: unlikely, inflicted: likely, medical: unlikely, other: 0.4}
  - id: e4
    text: Nursery says Maya arrived hungry twice this week.
    source: nursery
    observed: 2026-03-05
    recorded: 2026-03-05T11:00:00
    likelihood: {accidental: unlikely, inflicted: realistic possibility, medical: unlikely, other: 0.4}
    retracted: {at: 2026-03-06T09:00:00, reason: Recorded against the wrong child}
  - id: e5
    text: A new bruise on the neck at Monday drop-off.
    source: nursery
    observed: 2026-03-09
    recorded: 2026-03-09T09:30:00
    likelihood: {accidental: highly unlikely, inflicted: likely, medical: unlikely, other: 0.3}
enquiries:
  - id: q1
    text: Clotting screen and full blood count (abnormal result)
    raised: 2026-03-02T11:00:00
    likelihood: {accidental: 0.05, inflicted: 0.05, medical: 0.7, other: 0.1}
  - id: q2
    text: Skeletal survey (further, unexplained injuries found)
    raised: 2026-03-03T16:00:00
    likelihood: {accidental: 0.03, inflicted: 0.3, medical: 0.1, other: 0.1}
judgements:
  - at: 2026-03-02T12:00:00
    by: Sam Worker
    ratings: {accidental: 70, inflicted: 15, medical: 10, other: 5}
    note: Cruising babies topple.
  - at: 2026-03-09T12:00:00
    by: Sam Worker
    ratings: {accidental: 70, inflicted: 18, medical: 7, other: 5}
    note: Still looks accidental to me.
"""


def import_fixed_case(store_path: Path) -> None:
    """Put the fixed case in the store at `store_path`."""
    from hypotrack.domain.casefile import load_case_text
    from hypotrack.store.case import import_events
    from hypotrack.store.sqlite import SqliteEventStore

    store = SqliteEventStore(store_path)
    try:
        import_events(store, load_case_text(FIXED_CASE).events)
    finally:
        store.close()


async def settle(pilot: Any) -> None:
    """Let workers finish and their messages land (a worker's messages may start another)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    if any(not w.is_finished for w in pilot.app.workers):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def freeze_clock(monkeypatch: Any, now: datetime = FROZEN_NOW) -> None:
    from hypotrack.tui import editing

    monkeypatch.setattr(editing, "clock", lambda: now)


def events_in_store(store_path: Path, case_id: str) -> list[Any]:
    """The case's events as the embedded store at `store_path` holds them."""
    from hypotrack.store.case import load_case_events
    from hypotrack.store.sqlite import SqliteEventStore

    store = SqliteEventStore(store_path)
    try:
        return load_case_events(store, case_id)
    finally:
        store.close()


async def open_fixed(pilot: Any) -> Any:
    """Open the fixed case (see `import_fixed_case`) and return its workspace."""
    from hypotrack.tui.screens.workspace import WorkspaceScreen

    await settle(pilot)
    pilot.app.open_case("fixed-case")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, WorkspaceScreen)
    return screen


def fill(screen: Any, **values: str) -> None:
    """Set inputs by id (underscores stand for hyphens)."""
    from textual.widgets import Input

    for name, value in values.items():
        screen.query_one(f"#{name.replace('_', '-')}", Input).value = value


def hint(screen: Any, name: str) -> str:
    """The text of a form's hint under field `name`."""
    from textual.widgets import Static

    return str(screen.query_one(f"#hint-{name}", Static).content)
