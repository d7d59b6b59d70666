"""Numbers and lists said one way everywhere: item counts, percentages, ratings' order."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypotrack.domain import model as m
from hypotrack.domain.state import fold, similar_items
from hypotrack.domain.wording import figure_words, items_on_file, percent

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _case(*labels: str) -> list:
    events: list = [
        m.CaseOpened(at=T0, case=m.CaseInfo(id="c", title="A case", opened=T0)),
    ]
    for k, h in enumerate(labels):
        spec = m.HypothesisSpec(id=h, label=h.title())
        events.append(m.HypothesisAdded(at=T0 + timedelta(seconds=k + 1), hypothesis=spec))
    return events


def test_one_item_count() -> None:
    assert items_on_file(11, 1) == "11 items on file (1 retracted)"
    assert items_on_file(1, 0) == "1 item on file"


def test_percentages_never_read_0_or_a_raw_probability() -> None:
    assert percent(0.0004) == "under 1 %"
    assert percent(0.2249) == "22 %"
    assert percent(0.9996) == "over 99 %"
    assert figure_words("network probability", 0.00099) == "network probability under 1 %"
    assert figure_words("Bayes factor", 30) == "Bayes factor ×30"


def test_ratings_come_back_in_the_order_of_the_explanations() -> None:
    events = _case("zeta", "alpha", "mid")
    judgement = m.JudgementSpec(id="j1", ratings={"zeta": 0.5, "alpha": 0.3, "mid": 0.2},
                                favoured="zeta")  # fmt: skip
    events.append(m.JudgementRecorded(at=T0 + timedelta(hours=1), judgement=judgement))
    # As the store gives them back: JSON with sorted keys.
    stored = [m.event_from_json(json.loads(json.dumps(m.event_to_json(e), sort_keys=True)))
              for e in events]  # fmt: skip
    assert list(stored[-1].judgement.ratings) == ["alpha", "mid", "zeta"]
    assert list(fold(stored).latest_judgement.ratings) == ["zeta", "alpha", "mid"]


def test_one_similarity_check() -> None:
    events = _case("a", "b")
    events.append(m.SourceAdded(at=T0 + timedelta(hours=1),
                                source=m.SourceSpec(id="s", label="School")))  # fmt: skip
    for k, text in enumerate(["Two bruises on the left cheek", "Attendance is good this term"]):
        spec = m.EvidenceSpec(id=f"e{k + 1}", text=text, source="s", likelihood={"a": 0.5})
        events.append(m.EvidenceRecorded(at=T0 + timedelta(hours=2 + k), evidence=spec))
    state = fold(events)
    assert similar_items(state, "two bruises on the  LEFT cheek.") == ["e1"]
    assert similar_items(state, "A home visit found the flat cold") == []


def test_times_and_dates_as_shown() -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from hypotrack.domain import wording

    london = ZoneInfo("Europe/London")
    at = datetime(2026, 7, 4, 8, 30, tzinfo=UTC)  # 09:30 in London (summer time)
    assert wording.day(at, london) == "4 Jul"
    assert wording.day_year(at, london) == "4 Jul 2026"
    assert wording.day_time(at, london) == "4 Jul 09:30"
    assert wording.moment(at, london) == "4 Jul 2026 09:30"
    assert wording.moment(at) == "4 Jul 2026 08:30"  # no zone: as the time carries it
    assert wording.moment_weekday(at, london) == "Sat 4 Jul 2026 09:30"
    assert wording.day_words(at, london) == "4 July"
    assert wording.month_year(at, london) == "Jul 2026"
    assert wording.moment_column(at, london) == "2026-07-04 09:30"
    assert wording.observed(date(2026, 7, 4)) == "4 Jul 2026"
    assert wording.observed(None) == "not known"
    assert wording.moment(None) == wording.day(None) == wording.moment_column(None) == "—"
    assert wording.from_iso("2026-07-04T09:30:00+01:00") == at
    assert wording.from_iso("not a time") is None and wording.from_iso(None) is None


def test_one_percentage_rule_at_each_resolution() -> None:
    from hypotrack.domain.wording import (
        percent_cell,
        percent_column,
        percent_figure,
        percent_number,
    )

    # An uncertain value never reads 0 % or 100 %; an exact 0 or 1 reads as itself.
    assert [percent_figure(p) for p in (0.0, 0.004, 0.22, 0.996, 1.0, None)] == [
        "0 %", "< 1 %", "22 %", "> 99 %", "100 %", "—"]  # fmt: skip
    assert [percent_cell(p) for p in (0.0, 0.004, 0.22, 0.996, 1.0, None)] == [
        "  0%", " <1%", " 22%", ">99%", "100%", "  — "]  # fmt: skip
    assert [percent_column(p) for p in (0.0, 0.0004, 0.225, 0.9996, 1.0)] == [
        "  0.0 %", " <0.1 %", " 22.5 %", ">99.9 %", "100.0 %"]  # fmt: skip
    assert [percent_number(p) for p in (0.0, 0.004, 0.22, 0.996, 1.0)] == [
        "0", "<1", "22", ">99", "100"]  # fmt: skip


def test_one_set_of_glyphs_and_note_words() -> None:
    from hypotrack.domain.wording import bearing, note_words, severity_glyph, severity_words

    assert (severity_words("red"), severity_words("amber")) == ("‼ red", "! amber")
    assert severity_glyph("amber") == "!"
    assert (bearing(0.3), bearing(-0.3)) == ("▲", "▼")  # ▲ never marks a flag
    assert note_words("supervision") == "Supervision note"
    assert note_words("acknowledgement") == "Acknowledgement"
