"""Times on the command line: parsing --as-of/--from/--to, printing in the case's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypotrack.cli.errors import BadInput
from hypotrack.domain.times import end_of_day


def parse_moment(text: str | None, tz: ZoneInfo, what: str = "--as-of") -> datetime | None:
    """An ISO 8601 time; without a zone it is in the case's zone; a bare date means its end."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            return end_of_day(datetime.fromisoformat(text).date(), tz)
        at = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"{what} {text!r}: not a date or time; use ISO 8601, e.g. 2026-03-08 or 2026-03-08T13:00"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=tz)


def iso(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).isoformat()
