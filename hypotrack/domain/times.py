"""Times on a case's timeline: instants, kept with a fixed offset, shown in the case's zone.

Python compares two aware datetimes that share one `ZoneInfo` object by their wall-clock
reading, not as instants: in the hour the clocks go back, 01:30 (the second time round) sorts
before 01:10 (the first), and in the hour that does not exist when they go forward, 01:30
sorts after 02:10 although it is read as the earlier instant. A timeline held that way in
memory disagrees with the same timeline read back from the store. So every time on a
timeline is an instant carrying a *fixed* offset (the case zone's offset at that instant):
fixed offsets compare as instants, print as the case's local time, and are exactly what the
store gives back.

A local time without an offset is read in the case's zone; one that does not exist there
(the night the clocks go forward) or happens twice (the night they go back) is refused: the
file must give the offset (`2026-10-25T01:30+01:00`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The years a case's dates may fall in: a date outside is a typing slip (and year 9999 has
#: no room for the arithmetic the reports do on it).
MIN_YEAR = 1900
MAX_YEAR = 2200

YEAR_MESSAGE = f"a date must fall between the years {MIN_YEAR} and {MAX_YEAR}"

# IANA names: Area/Location[/Sub], letters, digits, '_', '-', '+'; never '.' (no path tricks).
_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]{0,29}(?:/[A-Za-z0-9_+\-]{1,30}){0,2}$")

ZONE_MESSAGE = "unknown time zone: use an IANA name such as Europe/London or UTC"


class TimeError(ValueError):
    """A time that cannot be placed on the timeline; the message says what to write instead."""


def zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`; TimeError (never an OSError) for anything else."""
    if not isinstance(name, str) or not _ZONE_NAME.match(name):
        raise TimeError(ZONE_MESSAGE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise TimeError(ZONE_MESSAGE) from None


def check_year(value: date) -> None:
    """TimeError for a date outside MIN_YEAR..MAX_YEAR."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise TimeError(YEAR_MESSAGE)


def fixed(at: datetime) -> datetime:
    """An aware time with its zone replaced by the fixed offset in force at that instant."""
    offset = at.utcoffset()
    if offset is None:
        raise TimeError("a time on the timeline needs its offset from UTC")
    if isinstance(at.tzinfo, timezone):
        return at
    return at.replace(tzinfo=UTC if offset == timedelta(0) else timezone(offset), fold=0)


def local_instant(naive: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in `tz` as an instant; TimeError if it is missing or doubled there."""
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        zone_name = str(tz.key) if getattr(tz, "key", None) else "the case's zone"
        round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if round_trip != naive.replace(tzinfo=None):
            raise TimeError(
                f"this local time does not exist in {zone_name} (the clocks go forward that "
                "night): write it with its offset from UTC, such as +01:00"
            )
        raise TimeError(
            f"this local time happens twice in {zone_name} (the clocks go back that night): "
            "write it with its offset from UTC, such as +01:00 for the first time round"
        )
    return fixed(first)


def instant(value: datetime | date, tz: ZoneInfo) -> datetime:
    """A file's time (naive = in the case's zone; a date = its midnight) as a timeline instant
    with the offset `tz` has then. Raises TimeError (bad year, missing or doubled local time).
    """
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    check_year(value)
    if value.tzinfo is None or value.utcoffset() is None:
        return local_instant(value.replace(tzinfo=None), tz)
    return fixed(value.astimezone(tz))


def is_ambiguous(local: datetime) -> bool:
    """Whether an aware time's wall-clock reading happens twice in its (IANA) zone."""
    naive = local.replace(tzinfo=None)
    tz = local.tzinfo
    return (
        naive.replace(tzinfo=tz, fold=0).utcoffset() != naive.replace(tzinfo=tz, fold=1).utcoffset()
    )


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The last instant of `day` in `tz`: what a bare date means as a moment ("as of 12 February").

    "As of 12 February" must include everything recorded on 12 February, to the microsecond (the
    finest a time on the timeline holds): 23:59:59 would leave out an event at 23:59:59.5.
    """
    return datetime.combine(day, time.max).replace(tzinfo=tz)
