"""Assertions several test files share. A helper module, not a test module."""

from __future__ import annotations

import math
from datetime import datetime

from hypotrack.reasoning.diff import diff


def check_attribution(events: list, t1: datetime, t2: datetime) -> None:
    """A diff's contributions add up to each belief's change in log-odds, movers sorted."""
    d = diff(events, t1, t2)
    for b in d.beliefs:
        if b.log_odds_change is None:
            assert b.contributions == [] and b.movers == []
            continue
        total = sum(c.log_odds for c in b.contributions)
        assert math.isclose(total, b.log_odds_change, rel_tol=0, abs_tol=1e-9), b.id
        # The whole is the change in ln p/(1-p) between the two points.
        whole = math.log(b.after / (1 - b.after)) - math.log(b.before / (1 - b.before))
        assert math.isclose(whole, b.log_odds_change, rel_tol=0, abs_tol=1e-9), b.id
        assert math.isclose(
            sum(i.log_odds for i in b.movers)
            + sum(c.log_odds for c in b.contributions if not c.kind.startswith("evidence-")),
            total,
            abs_tol=1e-9,
        )
        assert [abs(i.log_odds) for i in b.movers] == sorted(
            (abs(i.log_odds) for i in b.movers), reverse=True
        )
        assert all(t1 < c.at <= t2 for c in b.contributions)
