"""Figures as a practitioner reads them, shared by the app, the command line and the reports."""

from __future__ import annotations

import math


def ratio_text(r: float) -> str:
    """A likelihood ratio or an odds factor as a practitioner reads it: ×3.2, ×1/15, ×1."""
    if r == 0:
        return "×0"
    if math.isinf(r):
        return "×∞"
    if r >= 1:
        return f"×{_number(r)}"
    inverse = _number(1 / r)
    # ×1/1 would read as a change: a factor that rounds to 1 is ×1 either way.
    return "×1" if inverse == "1" else f"×1/{inverse}"


def odds_text(log_odds: float) -> str:
    """A change in log-odds as an odds factor: 'odds ×1/15'."""
    return f"odds {ratio_text(math.exp(log_odds))}"


def _number(x: float) -> str:
    """Two significant figures below 100, whole numbers above: ratios are rough."""
    return f"{x:.2g}" if x < 100 else f"{x:,.0f}"
