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


def items_on_file(live: int, retracted: int) -> str:
    """The one way the app, the reports and `check` count items: '11 items on file (1
    retracted)' — the live items, and beside them those retracted (still on the record)."""
    text = f"{live} item{'' if live == 1 else 's'} on file"
    return f"{text} ({retracted} retracted)" if retracted else text


def percent(p: float) -> str:
    """A probability in words: '22 %', 'under 1 %', 'over 99 %' (never '0 %' or '100 %')."""
    if p < 0.01:
        return "under 1 %"
    if p > 0.99:
        return "over 99 %"
    return f"{p * 100:.0f} %"


def figure_words(name: str, x: float) -> str:
    """A flag's figure in words for a report: a probability or a rating as a percentage
    ('under 1 %', never 'probability 0.00099'), a ratio as a factor."""
    if not math.isfinite(x):
        return name
    if "probability" in name or "rating" in name and "rise" not in name:
        return f"{name} {percent(x)}"
    if name == "rise in rating":
        return f"{name} {x * 100:.0f} points"
    if name in ("Bayes factor", "odds change"):
        return f"{name} {ratio_text(x)}"
    return f"{name} {x:.2g}"
