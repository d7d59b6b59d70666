"""The command line's error for input a person can fix (exit code 2)."""

from __future__ import annotations

from hypotrack.domain.errors import BadInputError


class BadInput(BadInputError):
    """Input a person can fix: printed as it is, exit code 2."""
