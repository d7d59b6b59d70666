"""The shipped JSON Schema of case files: current, and it accepts the shipped examples."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from hypotrack.domain.casefile import CaseFile
from hypotrack.domain.casefile.strict_yaml import parse_yaml
from hypotrack.domain.schema import case_file_schema, main, schema_text

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "models" / "schema" / "case-file.schema.json"
EXAMPLES = sorted((ROOT / "models").glob("*/*.yaml"))


def as_editor_reads(path: Path) -> Any:
    """The file as an editor's YAML extension sees it: timestamps are plain strings."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, date | datetime):
            return value.isoformat()
        return value

    data, _ = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    return plain(data)


def test_shipped_schema_is_the_generated_one() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == schema_text(), (
        "models/schema/case-file.schema.json is stale: run "
        "'python -m hypotrack.domain.schema models/schema/case-file.schema.json'"
    )


def test_schema_shape() -> None:
    schema = case_file_schema()
    assert schema["title"].startswith("hypotrack case file")
    assert "$id" not in schema
    assert set(schema["properties"]) == set(CaseFile.model_fields)
    assert schema["required"] == ["format", "case"]
    assert schema["additionalProperties"] is False
    text = json.dumps(schema)
    # Times without a zone are valid in a case file; RFC 3339's date-time would refuse them.
    assert '"date-time"' not in text


def test_main_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_text()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_shipped_case_files_validate(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SHIPPED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(as_editor_reads(path))
    ]
    assert errors == []


def test_schema_refuses_what_the_loader_refuses() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(case_file_schema())
    good = {
        "format": 1,
        "case": {"id": "c", "title": "T", "opened": "2026-03-01T09:00"},
        "evidence": [
            {
                "id": "e1",
                "text": "x",
                "source": "s",
                "recorded": "2026-03-01 10:00:00",
                "likelihood": {"a": "likely", "b": 0.3},
            }
        ],
    }
    assert list(validator.iter_errors(good)) == []
    misspelt = {**good, "evidence": [{**good["evidence"][0], "likelihoods": {"a": 0.5}}]}
    assert any("likelihoods" in e.message for e in validator.iter_errors(misspelt))
    assert list(validator.iter_errors({**good, "format": 2}))
    bad_time = {**good, "case": {**good["case"], "opened": "next Tuesday"}}
    assert list(validator.iter_errors(bad_time))
