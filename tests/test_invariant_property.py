"""The case-file invariant as a property: random valid cases, built to stress round-tripping.

Cases in zones with clock changes (London, New York, Lord Howe's half-hour change, Chatham's
+13:45), with items around the changes written with an offset, likelihoods and ratings drawn
from the whole float range the bounds allow (8.75e-30 must come back as 8.75e-30), empty notes
and reasons, yardstick terms and percentages. Every such file must pass `check`, import, read
back, replay, export to every format and come back from its YAML export as the same events,
byte for byte on re-export (`tests/invariant.py`).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.invariant import check_file

ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"]
# Instants just before a clock change in each zone (2026), so that items straddle it.
CHANGES = [
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # London forward
    datetime(2026, 10, 25, 0, 10, tzinfo=UTC),  # London back
    datetime(2026, 3, 8, 6, 30, tzinfo=UTC),  # New York forward
    datetime(2026, 11, 1, 5, 20, tzinfo=UTC),  # New York back
    datetime(2026, 4, 4, 14, 40, tzinfo=UTC),  # Lord Howe back (half an hour)
    datetime(2026, 4, 4, 13, 30, tzinfo=UTC),  # Chatham back
]

likelihoods = st.one_of(
    st.floats(min_value=5e-324, max_value=1.0),
    st.sampled_from(["likely", "remote chance", "Almost  Certain", "30%", "0.5"]),
)
ratings = st.one_of(
    st.floats(min_value=0.0, max_value=1e6), st.sampled_from([8.75e-30, 5e-324, 0.0, 1e6])
)
texts = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="\x85"),
    min_size=1,
    max_size=60,
)


def written(at: datetime, zone: ZoneInfo) -> str:
    """A time as a person would write it: local, with the offset only where it is needed."""
    local = at.astimezone(zone)
    naive = local.replace(tzinfo=None)
    ambiguous = (
        naive.replace(tzinfo=zone, fold=0).utcoffset()
        != naive.replace(tzinfo=zone, fold=1).utcoffset()
    )
    return local.isoformat() if ambiguous else naive.isoformat()


@st.composite
def valid_cases(draw: st.DrawFn) -> str:
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    start = draw(st.sampled_from(CHANGES)) - timedelta(hours=draw(st.integers(0, 3)))
    n_hyp = draw(st.integers(2, 4))
    hyps = [f"h{k}" for k in range(n_hyp)]
    doc: dict = {
        "format": 1,
        "case": {
            "id": "prop",
            "title": draw(texts),
            "timezone": zone_name,
            "opened": written(start, zone),
        },
        "hypotheses": [
            {
                "id": h,
                "label": draw(texts),
                "prior": draw(st.floats(min_value=0.0001, max_value=10_000)),
                **({"description": ""} if draw(st.booleans()) else {}),
            }
            for h in hyps
        ],
        "sources": [{"id": "s", "label": "School", "reliability": draw(st.floats(0, 1))}],
        "evidence": [],
        "judgements": [],
        "notes": [],
    }
    at = start
    for k in range(draw(st.integers(1, 6))):
        at += timedelta(minutes=draw(st.integers(1, 50)))
        rated = draw(st.lists(st.sampled_from(hyps), min_size=1, max_size=n_hyp, unique=True))
        doc["evidence"].append(
            {
                "id": f"e{k}",
                "text": draw(texts),
                "source": "s",
                "recorded": written(at, zone),
                "likelihood": {h: draw(likelihoods) for h in rated},
            }
        )
    for _ in range(draw(st.integers(0, 2))):
        at += timedelta(minutes=draw(st.integers(1, 50)))
        values = {h: draw(ratings) for h in hyps}
        if sum(values.values()) <= 0:
            values[hyps[0]] = 1.0
        doc["judgements"].append(
            {
                "at": written(at, zone),
                "ratings": values,
                "note": draw(st.sampled_from(["", "thinking", None])),
            }
        )
    at += timedelta(minutes=5)
    doc["notes"].append({"at": written(at, zone), "kind": "supervision", "text": draw(texts)})
    for j in doc["judgements"]:
        if j["note"] is None:
            del j["note"]
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


@settings(
    max_examples=8,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(valid_cases())
def test_every_valid_case_keeps_the_invariant(text: str) -> None:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "case.yaml"
        path.write_text(text, encoding="utf-8")
        assert check_file(path, Path(work) / "store.db"), text
