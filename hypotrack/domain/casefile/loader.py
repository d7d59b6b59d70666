"""Loading a case file: read the text, parse the strict YAML, validate, cross-check, fold.

A file with any error yields no case at all: every problem is collected and raised together
as a `CaseFileError`, each with the file, the place and what is wrong.
"""

from __future__ import annotations

import difflib
import stat
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from hypotrack.domain import model as m
from hypotrack.domain.casefile.crosscheck import CrossCheck
from hypotrack.domain.casefile.models import FORMAT_VERSION, CaseFile
from hypotrack.domain.casefile.strict_yaml import (
    CaseFileError,
    Lines,
    Problem,
    format_path,
    parse_yaml,
    short,
    showable_key,
)
from hypotrack.domain.values import Value

MAX_BYTES = 4 * 1024 * 1024


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the format allows at the mapping that holds `loc`'s last part."""
    model: Any = CaseFile
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        model = _model_in(annotation)
        if model is None:
            return []
    return list(getattr(model, "model_fields", {}))


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _pydantic_problems(exc: ValidationError, file: str, lines: Lines) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        # pydantic names union members in the location (e.g. 'str', 'float'): drop them.
        loc = tuple(
            p
            for p in loc
            if p not in {"str", "float", "int", "datetime", "date", "bool", "is-instance", "[key]"}
        )
        kind = err["type"]
        if kind == "extra_forbidden":
            key = loc[-1] if loc else ""
            allowed = _allowed_keys(loc)
            if showable_key(key):
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = (
                    f"; did you mean '{close[0]}'?"
                    if close
                    else (f" (allowed here: {', '.join(allowed)})" if allowed else "")
                )
                message = f"unknown key '{short(str(key))}'{hint}"
            else:
                # Free text where a key belongs: most often a continuation line that lost its
                # indent. It is case text, so it is not repeated here.
                message = (
                    "a line of text where a key belongs: indent a continuation line under "
                    "its key, or quote the whole text"
                )
                loc = loc[:-1]
        elif kind == "missing":
            message = "required, but missing"
        elif kind == "literal_error" and loc == ("format",):
            message = f"unknown format version: this hypotrack reads format {FORMAT_VERSION}"
        else:
            message = err["msg"]
            if message.startswith("Value error, "):
                message = message[len("Value error, ") :]
        problems.append(Problem(file, lines.nearest(loc), format_path(loc), message))
    # One message per place is enough (unions report each member).
    seen: set[tuple[str, str]] = set()
    unique = []
    for p in problems:
        if (p.path, p.message) not in seen:
            seen.add((p.path, p.message))
            unique.append(p)
    return unique


def read_case_text(path: Path) -> str:
    """The text of a case file, refusing what is not a reasonably sized text file."""
    name = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise CaseFileError([Problem(name, None, "", "no such file")]) from None
    except OSError as exc:
        raise CaseFileError([Problem(name, None, "", f"cannot be read ({exc.strerror})")]) from None
    size = info.st_size
    if stat.S_ISDIR(info.st_mode):
        raise CaseFileError([Problem(name, None, "", "is a folder, not a case file")])
    if not stat.S_ISREG(info.st_mode):
        # A pipe or a device (/dev/zero) would block or never end.
        raise CaseFileError([Problem(name, None, "", "not a regular file: give a case file")])
    if size > MAX_BYTES:
        raise CaseFileError(
            [
                Problem(
                    name,
                    None,
                    "",
                    f"too big ({size // 1024} KiB): a case file is at most {MAX_BYTES // 1024 // 1024} MiB",
                )
            ]
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CaseFileError([Problem(name, None, "", f"cannot be read ({exc.strerror})")]) from None
    if len(raw) > MAX_BYTES:  # it grew since stat
        raise CaseFileError(
            [
                Problem(
                    name,
                    None,
                    "",
                    f"too big: a case file is at most {MAX_BYTES // 1024 // 1024} MiB",
                )
            ]
        )
    if b"\x00" in raw:
        raise CaseFileError([Problem(name, None, "", "not a text file (it holds binary data)")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CaseFileError([Problem(name, line, "", "not UTF-8 text")]) from None


def load_case_file(path: str | Path) -> LoadedCase:
    """Read, validate and cross-check a case file. Raises CaseFileError with every problem."""
    path = Path(path)
    return load_case_text(read_case_text(path), str(path))


def load_case_text(text: str, file: str = "<text>") -> LoadedCase:
    """As `load_case_file`, for text already in memory."""
    data, lines = parse_yaml(text, file)
    if not isinstance(data, dict):
        raise CaseFileError(
            [Problem(file, 1, "", "a case file is a mapping that starts with 'format: 1'")]
        )
    if "format" in data and data["format"] != FORMAT_VERSION:
        raise CaseFileError(
            [
                Problem(
                    file,
                    lines.get(("format",)),
                    "format",
                    f"unknown format version: this hypotrack reads format {FORMAT_VERSION}",
                )
            ]
        )
    try:
        parsed = CaseFile.model_validate(data)
    except ValidationError as exc:
        raise CaseFileError(_pydantic_problems(exc, file, lines)) from None
    checker = CrossCheck(parsed, file, lines)
    try:
        events = checker.run()
    except ValidationError as exc:
        # An event the file model let through but the case model refuses: the file's problems
        # explain it when there are any; otherwise say where, as for the file model.
        raise CaseFileError(checker.problems or _pydantic_problems(exc, file, lines)) from None
    if checker.problems:
        raise CaseFileError(checker.problems)
    _folds(events, parsed, file, lines)
    return LoadedCase(file=parsed, events=events)


_SECTION_OF_KIND = {
    "hypothesis-added": "hypotheses",
    "hypothesis-retired": "hypotheses",
    "source-added": "sources",
    "reliability-changed": "sources",
    "evidence-recorded": "evidence",
    "evidence-amended": "evidence",
    "evidence-retracted": "evidence",
    "enquiry-raised": "enquiries",
    "judgement": "judgements",
    "note": "notes",
}


def _folds(events: list[m.Event], parsed: CaseFile, file: str, lines: Lines) -> None:
    """The last check: the timeline folds (what import, beliefs and the app will do with it).

    The cross-checks above are meant to catch everything the fold refuses, with a better
    place; this makes sure `check` never accepts a file that a later command refuses.
    """
    from hypotrack.domain.state import CaseState, EventRejected

    state = CaseState()
    for event in events:
        try:
            state.apply(event)
        except EventRejected as exc:
            section = _SECTION_OF_KIND.get(event.kind, "")
            subject = m.event_subject(event)
            loc: tuple[Any, ...] = (section,) if section else ()
            for i, entry in enumerate(getattr(parsed, section, []) if section else []):
                if getattr(entry, "id", None) == subject:
                    loc = (section, i)
                    break
            raise CaseFileError(
                [Problem(file, lines.nearest(loc), format_path(loc), short(str(exc), 120))]
            ) from None


class LoadedCase(Value):
    """A valid case file and the timeline of events it describes."""

    file: CaseFile
    events: list[m.Event]

    @property
    def case(self) -> m.CaseInfo:
        return self.events[0].case
