"""Small case files built in code, for tests: a dict in the case-file format, loaded for real."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import yaml

from hypotrack.domain.casefile import load_case_text

T0 = datetime(2026, 3, 1, 9, 0)


def at(hours: float) -> str:
    """A time `hours` after the case opened, as the file writes it."""
    return (T0 + timedelta(hours=hours)).isoformat()


class CaseBuilder:
    """Build a case file step by step; `.events()` loads it through the real loader."""

    def __init__(self, case_id: str = "test-case", timezone: str = "UTC") -> None:
        self.doc: dict[str, Any] = {
            "format": 1,
            "case": {
                "id": case_id,
                "title": "A test case",
                "timezone": timezone,
                "opened": T0.isoformat(),
            },
            "hypotheses": [],
            "sources": [{"id": "s1", "label": "School"}],
            "evidence": [],
            "enquiries": [],
            "judgements": [],
            "notes": [],
        }
        self.clock = 0.0

    def tick(self) -> str:
        self.clock += 1
        return at(self.clock)

    def hypothesis(
        self, ident: str, prior: float = 1.0, catch_all: bool = False, **extra: Any
    ) -> CaseBuilder:
        entry = {"id": ident, "label": f"Explanation {ident}", "prior": prior, **extra}
        if catch_all:
            entry["catch_all"] = True
        self.doc["hypotheses"].append(entry)
        return self

    def source(self, ident: str, reliability: float = 1.0, **extra: Any) -> CaseBuilder:
        self.doc["sources"].append(
            {"id": ident, "label": f"Source {ident}", "reliability": reliability, **extra}
        )
        return self

    def item(
        self, likelihood: dict[str, Any], source: str = "s1", ident: str | None = None, **extra: Any
    ) -> CaseBuilder:
        ident = ident or f"e{len(self.doc['evidence']) + 1}"
        self.doc["evidence"].append(
            {
                "id": ident,
                "text": f"Item {ident}",
                "source": source,
                "recorded": self.tick(),
                "likelihood": dict(likelihood),
                **extra,
            }
        )
        return self

    def judge(self, ratings: dict[str, float], **extra: Any) -> CaseBuilder:
        self.doc["judgements"].append(
            {"at": self.tick(), "by": "A. Worker", "ratings": ratings, **extra}
        )
        return self

    def note(self, kind: str, text: str = "A note", **extra: Any) -> CaseBuilder:
        self.doc["notes"].append(
            {"at": self.tick(), "by": "B. Supervisor", "kind": kind, "text": text, **extra}
        )
        return self

    def enquiry(self, ident: str, likelihood: dict[str, float]) -> CaseBuilder:
        self.doc["enquiries"].append(
            {"id": ident, "text": f"Check {ident}", "raised": self.tick(), "likelihood": likelihood}
        )
        return self

    def text(self) -> str:
        return yaml.safe_dump(self.doc, sort_keys=False)

    def events(self) -> list[Any]:
        return load_case_text(self.text(), "built.yaml").events
