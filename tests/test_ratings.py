"""The one ratings reader (`domain/ratings.py`): what a rating field accepts and refuses."""

from __future__ import annotations

import pytest

from hypotrack.domain.errors import FieldError
from hypotrack.domain.ratings import parse_rating, parse_ratings, preview_ratings


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("70", 70.0),
        ("0.7", 0.7),
        ("  12.5 ", 12.5),
        ("70%", 70.0),
        ("70 %", 70.0),
        ("0", 0.0),
        ("0,7", 0.7),  # a decimal comma: one field holds one rating, so it separates nothing
        ("2,5", 2.5),
        ("12,50", 12.5),
        ("0,125", 0.125),  # a lone 0 before the comma: never a thousands separator
        ("1234,5", 1234.5),
        ("1000", 1000.0),
    ],
)
def test_accepted(typed: str, number: float) -> None:
    assert parse_rating("rating-a", typed) == pytest.approx(number)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Give a number (0 rules it out)."),
        ("  % ", "Give a number (0 rules it out)."),
        ("seventy", "Not a number: type e.g. 70 or 0.7."),
        ("1.2.3", "Not a number: type e.g. 70 or 0.7."),
        ("inf", "Not a number: type e.g. 70 or 0.7."),
        ("nan", "Not a number: type e.g. 70 or 0.7."),
        ("1,2,3", "Not a number: one rating here, e.g. 70 or 0.7."),  # a list is never read
        ("1,000.5", "Not a number: one rating here, e.g. 70 or 0.7."),
        ("1,000", "1000 or 1.000? Type it without the comma."),
        ("12,500", "12500 or 12.500? Type it without the comma."),
        ("-5", "Cannot be negative: 0 rules it out."),
        ("-0,5", "Cannot be negative: 0 rules it out."),
    ],
)
def test_refused_with_the_field_and_what_to_type(typed: str, says: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_rating("rating-a", typed)
    assert refused.value.field == "rating-a"
    assert refused.value.message == says


def test_ratings_are_normalised_and_the_field_to_fix_is_named() -> None:
    assert parse_ratings({"a": "0,7", "b": "0.3"}) == pytest.approx({"a": 0.7, "b": 0.3})
    with pytest.raises(FieldError) as refused:
        parse_ratings({"a": "60", "b": "x"})
    assert refused.value.field == "rating-b"
    with pytest.raises(FieldError) as refused:
        parse_ratings({"a": "0", "b": "0 %"})
    assert (refused.value.field, refused.value.message) == (
        "rating-a",
        "All are 0: rate at least one above 0.",
    )


def test_preview_reads_what_the_parser_takes() -> None:
    assert preview_ratings({"a": "3", "b": "1", "c": "", "d": "1,000"}) == {
        "a": 0.75,
        "b": 0.25,
        "c": None,
        "d": None,
    }
    assert preview_ratings({"a": "0,5", "b": "0,5"}) == {"a": 0.5, "b": 0.5}
