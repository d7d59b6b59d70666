"""A judgement's ratings as a person types them: one field per explanation, one number per field.

The one reader of ratings, for the app's judgement form and a trainee's rating fields alike
(DESIGN §2: non-negative numbers, normalised over the explanations rated, so any scale works).

A field accepts "70", "0.7", "12.5", "70 %" and, since each field holds exactly one rating so a
comma there cannot separate two of them, a decimal comma: "0,7" and "2,5" read as 0.7 and 2.5. A
comma that could as well be a thousands separator ("1,000", "12,500": digits before it other than
a lone 0, exactly three after) is refused, saying both readings, rather than guessed. Two commas
("1,2,3"), or a comma and a point, are not one number and are refused. So is an empty field
(0 rules an explanation out and must be typed), a negative, infinite or NaN value, and a set of
ratings that are all 0.

Messages are short: they sit beside the field, on its one line. A refused field raises
`FieldError` naming it (`rating-<explanation id>`), so the form marks that field.
"""

from __future__ import annotations

import math
import re

from hypotrack.domain.errors import FieldError

__all__ = ["field_id", "parse_rating", "parse_ratings", "preview_ratings"]

EXAMPLE = "e.g. 70 or 0.7"

# A comma that may be a thousands separator: digits other than a lone 0 before it, three after.
_THOUSANDS = re.compile(r"[+-]?(?!0,)\d{1,3},\d{3}")


def field_id(hypothesis: str) -> str:
    """The id of an explanation's rating field."""
    return f"rating-{hypothesis}"


def parse_rating(field: str, raw: str) -> float:
    """One field's rating; FieldError(`field`) says what to type instead."""
    text = raw.strip().removesuffix("%").strip()
    if not text:
        raise FieldError(field, "Give a number (0 rules it out).")
    if "," in text:
        if text.count(",") > 1 or "." in text:
            raise FieldError(field, f"Not a number: one rating here, {EXAMPLE}.")
        if _THOUSANDS.fullmatch(text):
            whole, decimal = text.replace(",", ""), text.replace(",", ".")
            raise FieldError(field, f"{whole} or {decimal}? Type it without the comma.")
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise FieldError(field, f"Not a number: type {EXAMPLE}.") from None
    if not math.isfinite(number):
        raise FieldError(field, f"Not a number: type {EXAMPLE}.")
    if number < 0:
        raise FieldError(field, "Cannot be negative: 0 rules it out.")
    return number


def parse_ratings(values: dict[str, str]) -> dict[str, float]:
    """The ratings typed per explanation (id → text), normalised to sum 1.

    Raises FieldError naming the first field to fix (`rating-<id>`).
    """
    numbers = {h: parse_rating(field_id(h), raw) for h, raw in values.items()}
    total = sum(numbers.values())
    if total <= 0:
        first = next(iter(values), "")
        raise FieldError(field_id(first), "All are 0: rate at least one above 0.")
    return {h: v / total for h, v in numbers.items()}


def preview_ratings(values: dict[str, str]) -> dict[str, float | None]:
    """Live shares beside the fields as they are typed; None where a field is not (yet) a
    rating `parse_ratings` would take."""
    numbers: dict[str, float | None] = {}
    for h, raw in values.items():
        try:
            numbers[h] = parse_rating(field_id(h), raw)
        except FieldError:
            numbers[h] = None
    total = sum(v for v in numbers.values() if v is not None)
    return {h: (v / total if v is not None and total > 0 else None) for h, v in numbers.items()}
