"""The UK intelligence probability yardstick: words for likelihoods.

A term is taken at its range's midpoint (DESIGN §2). Only ratios between hypotheses matter
to the posterior, so the words are coarse on purpose: they say roughly how expected an
observation is under each explanation.
"""

from __future__ import annotations

import difflib
import math

# term -> (low, high) of the yardstick range, in probability.
RANGES: dict[str, tuple[float, float]] = {
    "remote chance": (0.0, 0.05),
    "highly unlikely": (0.10, 0.20),
    "unlikely": (0.25, 0.35),
    "realistic possibility": (0.40, 0.50),
    "likely": (0.55, 0.75),
    "highly likely": (0.80, 0.90),
    "almost certain": (0.95, 1.0),
}

TERMS: dict[str, float] = {term: (lo + hi) / 2 for term, (lo, hi) in RANGES.items()}

# Short forms for narrow table cells.
SHORT: dict[str, str] = {
    "remote chance": "remote",
    "highly unlikely": "v.unlik",
    "unlikely": "unlikely",
    "realistic possibility": "possible",
    "likely": "likely",
    "highly likely": "v.likely",
    "almost certain": "certain",
}


class LikelihoodError(ValueError):
    """A likelihood that is neither a yardstick term nor a number in (0, 1]."""


def parse_likelihood(value: object) -> float:
    """A likelihood as entered (term or number) -> a probability in (0, 1].

    Accepts a yardstick term (any case, extra spaces folded), a number, or a numeric string
    such as "0.3" or "30%". Raises LikelihoodError with a hint otherwise.
    """
    if isinstance(value, bool):
        raise LikelihoodError("a likelihood is a number in (0, 1] or a yardstick term, not yes/no")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer of hundreds of digits
            raise LikelihoodError(
                "a likelihood is a number in (0, 1]: this one is far too big"
            ) from None
    elif isinstance(value, str):
        text = " ".join(value.strip().lower().split())
        if text in TERMS:
            return TERMS[text]
        try:
            number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise LikelihoodError(_unknown_term(text)) from None
    else:
        raise LikelihoodError("a likelihood is a number in (0, 1] or a yardstick term")
    if not math.isfinite(number):
        raise LikelihoodError("a likelihood is a number in (0, 1], not infinity or NaN")
    if not (0.0 < number <= 1.0):
        shown = f"{number:g}" if 1e-6 < abs(number) < 1e6 else "the number given"
        raise LikelihoodError(
            f"{shown} is outside (0, 1]: a likelihood is how expected the item is, "
            "between 0 (excluded) and 1"
        )
    return number


def _unknown_term(text: str) -> str:
    # Quote the text only when it is a near miss of a term (a slip, not case text: free text
    # typed into a likelihood slot is never repeated in a message).
    close = difflib.get_close_matches(text, list(TERMS), n=1, cutoff=0.75)
    if close and len(text) <= 40:
        return f"unknown likelihood term '{text}'; did you mean '{close[0]}'?"
    return f"not a likelihood: give a number in (0, 1] or a term ({', '.join(TERMS)})"


def term_for(probability: float) -> str:
    """The yardstick term whose midpoint is nearest to a probability."""
    return min(TERMS, key=lambda term: abs(TERMS[term] - probability))


def describe(value: float) -> str:
    """A likelihood for a table cell: the short term when it is exactly a midpoint, else the number."""
    for term, mid in TERMS.items():
        if abs(mid - value) < 1e-12:
            return SHORT[term]
    return f"{value:.2g}"
