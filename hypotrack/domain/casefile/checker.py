"""Located problems: the base of the case-file cross-checks.

A `Checker` collects every problem with its place (a line, and a path such as
`evidence[3].likelihood.medical`) instead of stopping at the first, and reads the file's values
the checks share: a time placed on the timeline, likelihoods, an id that must be known, ids
that must be unique.
"""

from __future__ import annotations

import difflib
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypotrack.domain import times
from hypotrack.domain.casefile.strict_yaml import Lines, Problem, format_path, short, showable_key
from hypotrack.domain.yardstick import LikelihoodError, parse_likelihood


class Checker:
    """Problems found in one file, in the order found; the case's time zone once known."""

    def __init__(self, file: str, lines: Lines) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []
        self.tz: ZoneInfo = ZoneInfo("UTC")

    def problem(self, loc: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.file, self.lines.nearest(loc), format_path(loc), message))

    def when(self, value: datetime | date, loc: tuple[Any, ...] | None) -> datetime:
        """A file's time as a timeline instant (see domain/times.py); a time that cannot be
        placed is a problem at `loc` (None: already reported), read as UTC to go on checking.
        """
        try:
            return times.instant(value, self.tz)
        except times.TimeError as exc:
            if loc is not None:
                self.problem(loc, str(exc))
            if not isinstance(value, datetime):
                value = datetime(value.year, value.month, value.day)
            return value.replace(tzinfo=value.tzinfo or times.UTC)

    def when_not_before(
        self, value: datetime | date, loc: tuple[Any, ...], bound: datetime, message: str
    ) -> datetime:
        """`when`, and a problem at `loc` saying `message` if the time falls before `bound`."""
        at = self.when(value, loc)
        if at < bound:
            self.problem(loc, message)
        return at

    def observed(
        self, value: datetime | date | None, loc: tuple[Any, ...]
    ) -> date | datetime | None:
        """When an item happened: a date stays a date; a time becomes an instant."""
        if value is None or not isinstance(value, datetime):
            return value
        return self.when(value, loc)

    def likelihoods(
        self,
        loc: tuple[Any, ...],
        entered: dict[str, Any],
        known: dict[str, Any],
        open_interval: bool = False,
    ) -> dict[str, float]:
        out: dict[str, float] = {}
        for hyp, value in entered.items():
            if hyp not in known:
                self.unknown(loc + (hyp,), "hypothesis", hyp, list(known))
                continue
            try:
                p = parse_likelihood(value)
            except LikelihoodError as exc:
                self.problem(loc + (hyp,), str(exc))
                continue
            if open_interval and p >= 1.0:
                self.problem(
                    loc + (hyp,),
                    "a probability of a positive answer must be below 1 (strictly between 0 and 1)",
                )
                continue
            out[hyp] = p
        return out

    def unknown(self, loc: tuple[Any, ...], what: str, value: str, known: list[str]) -> None:
        close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
        hint = (
            f"; did you mean '{close[0]}'?"
            if close
            else (f" (known: {', '.join(known[:12])})" if known else f" (no {what}s are listed)")
        )
        if not showable_key(value):
            loc = loc[:-1] if loc and loc[-1] == value else loc
            self.problem(loc, f"not a {what} id: text where an id belongs")
            return
        self.problem(loc, f"unknown {what} '{short(value)}'{hint}")

    def duplicates(self, section: str, ids: list[str | None]) -> None:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident is None:
                continue
            if ident in seen:
                self.problem((section, i, "id"), f"duplicate id '{ident}' in {section}")
            seen.add(ident)

    # --- the steps of `run`, one per section, in file order -------------------------------
