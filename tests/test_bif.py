"""BIF / XMLBIF exports: pgmpy reads them back and gets hypotrack's beliefs to 1e-9."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hypotrack.domain.casefile import load_case_file, load_case_text
from hypotrack.reasoning.api import analyse, beliefs
from hypotrack.reasoning.bif import network_file, read_network

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "models" / "examples" / "case-format.yaml"
LONDON = ZoneInfo("Europe/London")

# Ids that BIF and XMLBIF cannot take as they are: a hyphen, a leading digit, two ids that
# meet once sanitised, a double hyphen (not allowed in an XML comment); a retired
# explanation rated on an item (its likelihood still counts in the item's mean).
AWKWARD = """
format: 1
case: {id: 7-awkward, title: Awkward names, opened: 2026-01-01T09:00:00}
hypotheses:
  - {id: a-b, label: A hyphen}
  - {id: a_b, label: An underscore}
  - {id: 2nd-view, label: A leading digit}
  - {id: gone, label: Retired later, retired: {at: 2026-01-03T09:00:00, reason: ruled out}}
sources:
  - {id: school-nurse, label: School nurse, reliability: 0.7}
  - {id: x--y, label: Double hyphen, reliability: 0.3}
  - {id: gp, label: GP}
evidence:
  - {id: e-1, text: one, source: school-nurse, recorded: 2026-01-02T09:00:00,
     likelihood: {a-b: 0.8, a_b: 0.2, gone: 0.9}}
  - {id: e_1, text: two, source: x--y, recorded: 2026-01-02T10:00:00,
     likelihood: {a-b: 0.1, 2nd-view: 0.7}}
  - {id: e--2, text: three, source: school-nurse, recorded: 2026-01-02T11:00:00,
     likelihood: {a_b: likely, 2nd-view: unlikely}}
  - {id: 3, text: four, source: gp, recorded: 2026-01-04T11:00:00,
     likelihood: {a-b: 0.3, a_b: 0.6, 2nd-view: 0.5}}
"""


def assert_same_beliefs(events: list, as_of: datetime | None) -> None:
    expected = beliefs(analyse(events, as_of))
    for fmt in ("bif", "xmlbif"):
        got = read_network(network_file(events, fmt, as_of), fmt)
        for h in expected.hypotheses:
            assert math.isclose(got[h.id], h.probability, rel_tol=0, abs_tol=1e-9), (fmt, h.id)
        assert {k for k in got if not k.startswith("R:")} == {h.id for h in expected.hypotheses}
        for s in expected.sources:
            if s.prior < 1.0:
                assert math.isclose(got["R:" + s.id], s.reliability, abs_tol=1e-9), (fmt, s.id)


@pytest.mark.parametrize(
    "as_of",
    [
        None,
        datetime(2026, 3, 4, 12, 0, tzinfo=LONDON),  # e2 recorded, not yet amended; e3 live
        datetime(2026, 3, 6, 9, 0, tzinfo=LONDON),  # e3 retracted, rough-play retired
        datetime(2026, 3, 7, 10, 0, tzinfo=LONDON),  # the neighbour's reliability lowered
    ],
)
def test_round_trip_case_format(as_of: datetime | None) -> None:
    assert_same_beliefs(load_case_file(EXAMPLE).events, as_of)


def test_round_trip_awkward_ids() -> None:
    events = load_case_text(AWKWARD).events
    assert_same_beliefs(events, None)
    assert_same_beliefs(events, datetime(2026, 1, 2, 12, 0, tzinfo=ZoneInfo("UTC")))


def test_names_are_identifiers_and_the_mapping_is_written() -> None:
    events = load_case_text(AWKWARD).events
    bif = network_file(events, "bif")
    assert "a_b = a-b" in bif and "a_b_2 = a_b" in bif and "h_2nd_view = 2nd-view" in bif
    assert "E_e_1 = e-1" in bif and "E_e_1_2 = e_1" in bif and "R_x__y = x--y" in bif
    assert "property hypotrack = evidence e-1 ;" in bif
    xml = network_file(events, "xmlbif")
    assert "<OUTCOME>h_2nd_view</OUTCOME>" in xml
    assert "<PROPERTY>hypotrack = source x--y</PROPERTY>" in xml
    comment = xml[xml.index("<!--") + 4 : xml.index("-->")]
    assert "--" not in comment
    # Case text never leaves in a network file: only ids and numbers.
    assert "A hyphen" not in bif and "School nurse" not in xml


def test_as_of_leaves_later_items_out() -> None:
    events = load_case_file(EXAMPLE).events
    early = network_file(events, "bif", datetime(2026, 3, 3, 0, 0, tzinfo=LONDON))
    assert "E_e1" in early and "E_e2" not in early and "family_account" not in early
    assert "rough_play" in early  # not retired yet
    late = network_file(events, "bif")
    assert "E_e3" not in late and "rough_play" not in late  # retracted; retired


def test_before_the_case_was_opened() -> None:
    events = load_case_file(EXAMPLE).events
    with pytest.raises(ValueError, match="before the case was opened"):
        network_file(events, "bif", datetime(2020, 1, 1, tzinfo=LONDON))


def test_pgmpy_is_quiet(capfd: pytest.CaptureFixture[str]) -> None:
    events = load_case_file(EXAMPLE).events
    for fmt in ("bif", "xmlbif"):
        read_network(network_file(events, fmt), fmt)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
