"""Case files: the YAML format trainers write, the import/export format.

Loading is strict: unknown keys are errors (with a suggestion), ids stay strings (`no` is
not a boolean here), anchors and aliases are refused (no alias bombs), files over
`MAX_BYTES` are refused before parsing, and every problem is reported with the file, the
place (a line and a path such as `evidence[3].likelihood.medical`) and what is wrong —
never free text from the case. A file with any error yields no case at all.

The package, by seam:

- `models`: the file schema (pydantic models of the file as written, `FORMAT_VERSION`);
- `strict_yaml`: reading the YAML subset a person writes, and writing it back;
- `loader`: reading a file, validating it, locating each problem (`load_case_file`);
- `crosscheck`: what the models cannot check alone (ids, references, times) and the events,
  one step per section (`checker`: locating and collecting its problems);
- `export`: a timeline of events back into a case file (`events_to_yaml`).

The names below are the public entry points; the rest of the code imports them from here.
"""

from __future__ import annotations

from hypotrack.domain.casefile.export import events_to_case_dict, events_to_yaml
from hypotrack.domain.casefile.loader import (
    MAX_BYTES,
    LoadedCase,
    load_case_file,
    load_case_text,
    read_case_text,
)
from hypotrack.domain.casefile.models import FORMAT_VERSION, CaseFile
from hypotrack.domain.casefile.strict_yaml import CaseFileError, Problem

__all__ = [
    "FORMAT_VERSION",
    "MAX_BYTES",
    "CaseFile",
    "CaseFileError",
    "LoadedCase",
    "Problem",
    "events_to_case_dict",
    "events_to_yaml",
    "load_case_file",
    "load_case_text",
    "read_case_text",
]
