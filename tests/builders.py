"""Small cases built in code, for tests: a dict in the case-file format, loaded for real; the
flag rules' small cases; random timelines. A helper module, not a test module."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from hypotrack.domain import model as m
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


# --- the flag rules' cases (tests/test_flags.py and the command line's flags output) ----

AGAINST_A = {"a": 0.2, "b": 0.8, "c": 0.4, "other": 0.4}
FOR_A = {"a": 0.8, "b": 0.2, "c": 0.4, "other": 0.4}


def base(**labels: str) -> CaseBuilder:
    case = CaseBuilder()
    for h in ("a", "b", "c"):
        case.hypothesis(h)
    case.hypothesis("other", prior=0.5, catch_all=True)
    for h, label in labels.items():
        for entry in case.doc["hypotheses"]:
            if entry["id"] == h:
                entry["label"] = label
    return case


def anchored_case(**labels: str) -> CaseBuilder:
    case = base(**labels).judge({"a": 70, "b": 20, "c": 5, "other": 5})
    for _ in range(3):
        case.item(AGAINST_A)
    return case.judge({"a": 70, "b": 20, "c": 5, "other": 5})


# --- random timelines (the fast path against pgmpy, timelines, scale) -------------------

TOL = 1e-9


def random_case(seed: int) -> list:
    """A random timeline with uncertain sources, unrated hypotheses, amendments, retractions."""
    rng = random.Random(seed)
    t = datetime(2026, 1, 1, tzinfo=UTC)

    def tick():
        nonlocal t
        t += timedelta(minutes=rng.randint(1, 90))
        return t

    events: list = [m.CaseOpened(at=t, case=m.CaseInfo(id="random", title="Random", opened=t))]
    hyps = [f"h{i}" for i in range(rng.randint(2, 5))]
    for i, h in enumerate(hyps):
        events.append(
            m.HypothesisAdded(
                at=t,
                hypothesis=m.HypothesisSpec(
                    id=h, label=h, prior=rng.uniform(0.2, 3), catch_all=i == 0
                ),
            )
        )
    sources = [f"s{i}" for i in range(rng.randint(1, 4))]
    for s in sources:
        r = rng.choice([1.0, rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.95)])
        events.append(m.SourceAdded(at=t, source=m.SourceSpec(id=s, label=s, reliability=r)))
    live_items: list[str] = []
    live_hyps = list(hyps)
    n = 0
    for _ in range(rng.randint(1, 14)):
        roll = rng.random()
        if roll < 0.08 and len(live_hyps) > 2:
            h = rng.choice(live_hyps)
            live_hyps.remove(h)
            events.append(m.HypothesisRetired(at=tick(), id=h, reason="r"))
        elif roll < 0.14:
            h = f"late{n}"
            n += 1
            live_hyps.append(h)
            hyps.append(h)
            events.append(m.HypothesisAdded(at=tick(), hypothesis=m.HypothesisSpec(id=h, label=h)))
        elif roll < 0.2:
            events.append(
                m.ReliabilityChanged(
                    at=tick(), source=rng.choice(sources), reliability=rng.uniform(0.05, 1.0)
                )
            )
        elif roll < 0.26 and live_items:
            i = rng.choice(live_items)
            live_items.remove(i)
            events.append(m.EvidenceRetracted(at=tick(), id=i))
        elif roll < 0.32 and live_items:
            i = rng.choice(live_items)
            rated = rng.sample(hyps, rng.randint(1, len(hyps)))
            events.append(
                m.EvidenceAmended(
                    at=tick(), id=i, likelihood={h: rng.uniform(0.01, 1) for h in rated}
                )
            )
        else:
            ident = f"e{len(events)}"
            rated = rng.sample(hyps, rng.randint(1, len(hyps)))
            events.append(
                m.EvidenceRecorded(
                    at=tick(),
                    evidence=m.EvidenceSpec(
                        id=ident,
                        text="x",
                        source=rng.choice(sources),
                        likelihood={h: rng.uniform(0.01, 1) for h in rated},
                    ),
                )
            )
            live_items.append(ident)
    return events


# --- hostile case text (the command line and the app) --------------------------------------

EXAMPLE = Path(__file__).resolve().parent.parent / "models" / "examples" / "case-format.yaml"
EVIL = (
    "Evil \\e]52;c;SGVsbG8=\\a \\e]0;pwned\\a \\e[2J [bold]big[/bold] \\u202Etxt.exe\\nsecond line"
)


def hostile_file(tmp_path: Path, case_id: str = "hostile") -> Path:
    text = EXAMPLE.read_text()
    text = text.replace("id: example-bruising", f"id: {case_id}", 1)
    text = re.sub(r"(\n  title: ).*", lambda m: m.group(1) + f'"{EVIL}"', text, count=1)
    # A label and a 2,000-character note too.
    text = re.sub(
        r"(\n  - id: accidental\n    label: ).*",
        lambda m: m.group(1) + '"Fell \\e[31m[red]off[/red]\\u202e bed"',
        text,
        count=1,
    )
    note = "A long note. " * 154
    text = re.sub(
        r"(\nnotes:\n  - id: n1\n(?:    .*\n)*?    text: ).*",
        lambda m: m.group(1) + note,
        text,
        count=1,
    )
    path = tmp_path / f"{case_id}.yaml"
    path.write_text(text)
    return path
