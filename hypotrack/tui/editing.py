"""What the app needs to turn what a worker typed into events, without any screen.

Everything here is plain Python (no Textual), so the rules for times, ids and entries are
tested directly and the forms stay thin: a form reads its fields, calls these, and marks the
field a `FieldError` names.
"""

from __future__ import annotations

import getpass
import math
import os
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypotrack.domain import model as m
from hypotrack.domain import times
from hypotrack.domain.errors import FieldError
from hypotrack.domain.state import CaseState
from hypotrack.domain.yardstick import LikelihoodError, parse_likelihood

# --- who and when -------------------------------------------------------------------------


def clock() -> datetime:
    """Now, as an aware UTC time. Tests replace this to freeze the app's idea of now."""
    return datetime.now(UTC)


_recorder: str | None = None


def set_recorder(name: str | None) -> None:
    """The name the store records for this person (the embedded store's kept name, or a team
    store's signed-in person); set by the app when it opens the store."""
    global _recorder
    _recorder = name or None


def who() -> str:
    """The person recording: $HYPOTRACK_USER, else the store's name for them, else the login."""
    name = os.environ.get("HYPOTRACK_USER", "").strip()
    if name:
        return name
    if _recorder:
        return _recorder
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        return "unknown"


def case_zone(state: CaseState) -> ZoneInfo:
    return ZoneInfo(state.info.timezone if state.info else "UTC")


def now_in(zone: ZoneInfo) -> datetime:
    return clock().astimezone(zone).replace(microsecond=0)


def event_time(state: CaseState) -> datetime:
    """When a new event happens: now in the case's zone, but never before the last event.

    The timeline must stay in order. If the last event is now or in the future (an imported
    case dated ahead, or several entries within one second), the new one goes a second after
    it, so that no two events share a time and export/import keeps their order.
    """
    now = now_in(case_zone(state))
    last = state.last_at
    if last is not None and now <= last:
        return last + timedelta(seconds=1)
    return now


# --- ids ----------------------------------------------------------------------------------


def slugify(text: str, taken: Iterable[str] = (), fallback: str = "x", max_len: int = 24) -> str:
    """A short id from a label: lowercase words joined by hyphens, unique among `taken`.

    Explanation ids head the evidence matrix's columns, hence short by default.
    """
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    words = [w for w in words if w not in _FILLER] or words
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_len and slug:
            break
        slug = candidate[:max_len]
    slug = slug or fallback
    taken = set(taken)
    if slug not in taken:
        return slug
    n = 2
    while f"{slug}-{n}" in taken:
        n += 1
    return f"{slug}-{n}"


# Words left out of ids made from labels: "Injury at the childminder's" -> injury-childminder.
_FILLER = frozenset("a an the of at to by for in on with while from and or s is was be as".split())


def valid_slug(text: str) -> bool:
    return bool(m.SLUG.match(text))


# --- entries ------------------------------------------------------------------------------


def required_text(field: str, value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise FieldError(field, f"Give {what}.")
    return text


def parse_reliability(field: str, value: str) -> float:
    """A source's reliability: a number from 0 to 1 (a percentage is accepted)."""
    text = value.strip()
    if not text:
        return 1.0
    try:
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise FieldError(
            field, "Reliability is a number from 0 to 1 (1 = taken at face value)."
        ) from None
    if not 0.0 <= number <= 1.0 or math.isnan(number):
        raise FieldError(field, f"{number:g} is outside 0–1: 1 = taken at face value, 0 = ignored.")
    return number


def parse_prior(field: str, value: str) -> float:
    text = value.strip()
    if not text:
        return 1.0
    try:
        number = float(text)
    except ValueError:
        raise FieldError(
            field, "The prior weight is a positive number (1 = as likely as the rest)."
        ) from None
    if not number > 0 or math.isinf(number):
        raise FieldError(field, "The prior weight must be above 0 (1 = as likely as the rest).")
    return number


def parse_likelihood_field(field: str, value: str) -> float:
    try:
        return parse_likelihood(value)
    except LikelihoodError as exc:
        raise FieldError(field, _capital(str(exc)) + ".") from None


def parse_enquiry_probability(field: str, value: str) -> float:
    """P(positive answer | h): a yardstick term or a number in (0, 1), strictly between 0 and 1."""
    try:
        p = parse_likelihood_field(field, value)
    except FieldError as exc:  # the likelihood's own message speaks of (0, 1]
        raise FieldError(field, exc.message.replace("(0, 1]", "(0, 1)")) from None
    if p >= 1.0:
        raise FieldError(
            field, "A check's answer is never certain: give a number below 1 (e.g. 0.95)."
        )
    return p


def parse_observed(field: str, value: str, zone: ZoneInfo) -> date | datetime | None:
    """When an item happened: blank, a date (2026-03-08) or a date and time (2026-03-08 14:30)."""
    text = value.strip()
    if not text:
        return None
    hint = "Use a date like 2026-03-08, or a date and time like 2026-03-08 14:30."
    try:
        if len(text) == 10:
            observed: date | datetime = date.fromisoformat(text)
        else:
            at = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(field, f"Not a date. {hint}") from None
    try:
        # The case file's rules: a sane year; a local time that the clocks skip or repeat
        # needs its offset (domain/times.py).
        if len(text) == 10:
            times.check_year(observed)
        else:
            observed = times.instant(at, zone)
    except times.TimeError as exc:
        message = str(exc)
        raise FieldError(field, message[:1].upper() + message[1:] + ".") from None
    today = now_in(zone)
    if isinstance(observed, datetime):
        if observed > today + timedelta(minutes=5):
            raise FieldError(field, "That is in the future: when did it happen?")
    elif observed > today.date():
        raise FieldError(field, "That is in the future: when did it happen?")
    return observed


def entered_value(text: str) -> str | float:
    """What the worker typed, kept for export: a number stays a number, a term stays words."""
    cleaned = " ".join(text.strip().split())
    try:
        return float(cleaned)
    except ValueError:
        return cleaned.lower()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- a new case from a template -----------------------------------------------------------


def case_from_template(path: str | Path, case_id: str, title: str) -> list[m.Event]:
    """A template's events as a new case: its own id and title, opened now.

    Templates date their explanations, sources and first enquiries at (or just after) their
    `opened`; everything dated at or before now moves to now, in order, and nothing else
    changes (an item dated in the future keeps its date).
    """
    from hypotrack.domain.casefile import load_case_file

    events = load_case_file(path).events
    opening = events[0]
    zone = ZoneInfo(opening.case.timezone)
    now = now_in(zone)
    info = opening.case.model_copy(update={"id": case_id, "title": title, "opened": now})
    out: list[m.Event] = [opening.model_copy(update={"case": info, "at": now, "who": who()})]
    last = now
    for event in events[1:]:
        at = max(now if event.at <= now else event.at, last)
        out.append(event.model_copy(update={"at": at, "who": event.who or who()}))
        last = at
    return out


# --- reading the case for display ---------------------------------------------------------


def favoured_of(state: CaseState, posterior: dict[str, float] | None) -> tuple[str | None, bool]:
    """The explanation the display measures against, and whether it is the worker's own.

    The worker's favoured explanation from their latest judgement if it is still live;
    otherwise the network's most likely one (said as such on screen); none at a tie.
    """
    j = state.latest_judgement
    live = state.live_hypotheses
    if j is not None and j.favoured in live:
        return j.favoured, True
    if j is not None and j.favoured is None and all(h in live for h in j.ratings):
        return None, True  # the worker's open mind: a tie at the top, no favourite
    if posterior:
        top = max(posterior.values())
        best = [h for h, p in posterior.items() if math.isclose(p, top, rel_tol=1e-9)]
        # At a tie (a template's explanations before any evidence) nothing is starred.
        return (best[0] if len(best) == 1 else None), False
    return None, False
