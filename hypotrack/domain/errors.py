"""The one family of errors hypotrack raises on purpose, and the exit code each one means.

The command line turns any :class:`HypotrackError` into its message on stderr and its
``exit_code``: 2 for something the person can fix (a bad file, a path that cannot hold a store,
a store that is locked, newer or full), 1 for something that went wrong that they cannot fix
by changing what they typed (a damaged store). Messages are fit to show a person and never quote
case free text: at most an id, a path or a short value.
"""

from __future__ import annotations

__all__ = ["BadInputError", "FieldError", "HypotrackError"]


class HypotrackError(Exception):
    """A failure with a message fit to show a person."""

    #: The command line's exit code for it (DESIGN §9: 2 bad input, 1 anything else).
    exit_code: int = 1


class BadInputError(HypotrackError):
    """Input or a setting a person can fix; the message says where and what to do."""

    exit_code = 2


class FieldError(ValueError):
    """Input a person can fix in a form: which field (its id, such as ``rating-accidental``), and
    what to type there. The app marks the field and shows the message beside it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def failure_report(exc: BaseException) -> str:
    """Where an unexpected error came from, fit for a log or a bug report: the traceback's frames
    and each exception's type, with every message withheld except our own.

    Other exceptions' messages can quote stored payloads (a validation error quotes the value it
    refused), so they never appear; a `HypotrackError`'s message is written never to quote case
    text, so it does.
    """
    import traceback

    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    parts = []
    for link in reversed(chain):
        name = f"{type(link).__module__}.{type(link).__qualname__}"
        said = (
            f": {link}"
            if isinstance(link, HypotrackError)
            else " (message withheld: it may quote case text)"
        )
        parts.append(
            "Traceback (most recent call last):\n"
            + "".join(traceback.format_tb(link.__traceback__))
            + name
            + said
            + "\n"
        )
    return "\n".join(parts)
