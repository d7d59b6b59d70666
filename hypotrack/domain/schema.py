"""The JSON Schema of a case file, generated from the pydantic models (DESIGN §2).

Editors (VS Code with the YAML extension, JetBrains) use it to complete keys and mark
mistakes while a trainer writes a case. The shipped copy is
`models/schema/case-file.schema.json`; a test keeps it equal to what this module generates.
After changing `hypotrack.domain.casefile.models`, regenerate it:

    python -m hypotrack.domain.schema models/schema/case-file.schema.json

The schema helps an editor; it is not the judge. `hypotrack check` is: it also checks what a
schema cannot (references between sections, times in order, yardstick terms). So the schema
errs on the side of accepting: where it and the loader could disagree, it is loosened.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from hypotrack.domain.casefile import FORMAT_VERSION, CaseFile
from hypotrack.domain.yardstick import TERMS

# What PyYAML reads as a timestamp, or pydantic parses from a string: a date, optionally a
# time (seconds optional) and a zone. JSON Schema's "date-time" format (RFC 3339) requires a
# zone, but a case file's times without one are in the case's time zone: an editor that checks
# formats would mark every such time wrong.
DATE_TIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]*)?)?"
    r"([ \t]*(Z|z|[-+][0-9]{1,2}(:?[0-9]{2})?))?)?$"
)
DATE_TIME_HELP = (
    "ISO 8601 date and time, e.g. 2026-03-08T13:00:00; without a zone it is in the case's time zone"
)
LIKELIHOOD_HELP = (
    "How expected this is under each explanation (explanation id -> likelihood): a term of "
    f"the probability yardstick ({', '.join(TERMS)}) or a number in (0, 1]. Only the ratios "
    "between explanations matter; an explanation left out is neutral on the item."
)


def _loosen(node: Any) -> Any:
    """Times without a zone allowed; likelihood maps described."""
    if isinstance(node, dict):
        out = {key: _loosen(value) for key, value in node.items()}
        if out.get("format") == "date-time":
            del out["format"]
            out["pattern"] = DATE_TIME_PATTERN
            out.setdefault("description", DATE_TIME_HELP)
        props = out.get("properties")
        if isinstance(props, dict) and isinstance(props.get("likelihood"), dict):
            props["likelihood"].setdefault("description", LIKELIHOOD_HELP)
        return out
    if isinstance(node, list):
        return [_loosen(value) for value in node]
    return node


def case_file_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a case file, from `CaseFile.model_json_schema()`."""
    generated = _loosen(CaseFile.model_json_schema())
    generated.pop("$id", None)  # it ships with the package; no URL to promise
    head = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"hypotrack case file (format {FORMAT_VERSION})",
        "description": (
            "A child-protection case as a timeline: explanations, sources, evidence with its "
            "likelihood under each explanation, enquiries, the worker's judgements and "
            "supervision notes. Validate fully with 'hypotrack check FILE'."
        ),
    }
    generated.pop("title", None)
    generated.pop("description", None)
    return {**head, **generated}


def schema_text() -> str:
    """The schema as the shipped file holds it."""
    return json.dumps(case_file_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema to the path given, or to stdout."""
    args = sys.argv[1:] if argv is None else argv
    if args:
        Path(args[0]).write_text(schema_text(), encoding="utf-8")
    else:
        sys.stdout.write(schema_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
