"""The strict loader: times as instants (the DST nights), bounds, strict YAML, quiet messages.

Each test reproduces one finding of the hardening review and shows it fixed. Every refused file
is read by both YAML paths (libyaml's composer and the pure-Python one) and must give the same
located message, exit 2 from `check`, and never quote case text.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hypotrack.domain.casefile import CaseFileError, events_to_yaml, load_case_text, strict_yaml
from tests.invariant import check_file, cli, strict_json

BASE = """\
format: 1
case:
  id: night
  title: A case over the clock change
  timezone: Europe/London
  opened: 2026-03-28T09:00
hypotheses:
  - id: a
    label: Explanation A
    prior: 1
  - id: b
    label: Explanation B
sources:
  - id: s
    label: School
evidence:
  - id: e1
    text: First item
    source: s
    recorded: 2026-03-28T10:00
    likelihood: {a: 0.6, b: 0.3}
judgements:
  - at: 2026-03-28T11:00
    ratings: {a: 60, b: 40}
"""

SECRET = "Mother said the father hit her with a belt last Tuesday"


def item(recorded: str, ident: str = "e2", likelihood: str = "{a: 0.5, b: 0.2}") -> str:
    return textwrap.indent(
        f"- id: {ident}\n  text: Another item\n  source: s\n  recorded: {recorded}\n"
        f"  likelihood: {likelihood}\n",
        "  ",
    )


def with_items(*items: str) -> str:
    head, tail = BASE.split("judgements:\n")
    return head + "".join(items) + "judgements:\n" + tail


@pytest.fixture(params=["libyaml", "python"])
def yaml_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test through both composers."""
    if request.param == "python":
        monkeypatch.setattr(strict_yaml, "LIBYAML", False)
    elif not strict_yaml.LIBYAML:
        pytest.skip("PyYAML without libyaml")
    return request.param


def refused(text: str, tmp_path: Path) -> str:
    """The file is refused by the loader and by `check` (exit 2, located); the message."""
    with pytest.raises(CaseFileError) as caught:
        load_case_text(text, "case.yaml")
    assert all(p.line for p in caught.value.problems), str(caught.value)
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = cli("check", str(path), allowed=(2,))
    assert "Traceback" not in err and "unexpected" not in err, err
    assert err.startswith(f"{path}:"), err
    return err


# --- times are instants -------------------------------------------------------------------


def test_a_local_time_that_does_not_exist_is_refused(tmp_path: Path, yaml_path: str) -> None:
    # 2026-03-29 01:00-02:00 does not exist in Europe/London (the clocks go forward).
    text = with_items(item("2026-03-29T01:30"), item("2026-03-29T02:10", "e3"))
    err = refused(text, tmp_path)
    assert "evidence[1].recorded" in err and "does not exist" in err and "offset" in err
    assert ":23:" in err or ":22:" in err or "case.yaml:2" in err


def test_a_local_time_that_happens_twice_is_refused(tmp_path: Path) -> None:
    text = with_items(item("2026-10-25T01:30"))
    err = refused(text, tmp_path)
    assert "evidence[1].recorded" in err and "happens twice" in err and "offset" in err


def test_the_dst_night_with_offsets_imports_and_every_command_reads_it(tmp_path: Path) -> None:
    # The two items of the review, with the offset asked for: 01:30 GMT is *after* 02:10 BST.
    text = with_items(item("2026-03-29T01:30+00:00"), item("2026-03-29T01:10+00:00", "e3"))
    text = text.replace("01:10+00:00", "02:10")
    path = tmp_path / "night.yaml"
    path.write_text(text)
    loaded = load_case_text(text)
    recorded = [e.evidence.id for e in loaded.events if e.kind == "evidence-recorded"]
    assert recorded == ["e1", "e3", "e2"]  # 02:10 BST = 01:10 UTC, before 01:30 UTC
    store = tmp_path / "store.db"
    assert check_file(path, store)  # imports, reads back, replays, exports, round-trips
    code, out, _ = cli("--store", str(store), "cases", "--json")
    assert [c["id"] for c in strict_json(out)["cases"]] == ["night"]
    code, out, _ = cli("--store", str(store), "beliefs", "night", "--json")
    assert strict_json(out)["as_of"] == "2026-03-29T02:30:00+01:00"


def test_the_repeated_autumn_hour_round_trips_in_order(tmp_path: Path) -> None:
    # 01:40 BST (first time round) comes before 01:20 GMT (second time round).
    text = with_items(item("2026-10-25T01:40+01:00"), item("2026-10-25T01:20+00:00", "e3")).replace(
        "2026-03-28T11:00", "2026-10-26T11:00"
    )
    loaded = load_case_text(text)
    exported = events_to_yaml(loaded.events)
    assert "recorded: 2026-10-25T01:40:00+01:00" in exported
    assert "recorded: 2026-10-25T01:20:00+00:00" in exported
    again = load_case_text(exported)
    order = [e.evidence.id for e in again.events if e.kind == "evidence-recorded"]
    assert order == ["e1", "e2", "e3"]
    assert events_to_yaml(again.events) == exported
    path = tmp_path / "autumn.yaml"
    path.write_text(text)
    assert check_file(path, tmp_path / "store.db")


def test_times_in_memory_are_fixed_offsets_in_the_case_zone() -> None:
    events = load_case_text(with_items(item("2026-03-29T09:00"))).events
    offsets = {e.at.utcoffset().total_seconds() / 3600 for e in events}
    assert offsets == {0.0, 1.0}  # GMT before the change, BST after
    assert all(type(e.at.tzinfo).__name__ == "timezone" for e in events)


# --- bounds on every number ---------------------------------------------------------------

BOUNDS = {
    "prior infinite": (BASE.replace("prior: 1", "prior: .inf"), "hypotheses[0].prior", "prior"),
    "prior 1e308": (BASE.replace("prior: 1", "prior: 1.0e+308"), "hypotheses[0].prior", "prior"),
    "prior 5e-324": (BASE.replace("prior: 1", "prior: 5.0e-324"), "hypotheses[0].prior", "prior"),
    "prior NaN": (BASE.replace("prior: 1", "prior: .nan"), "hypotheses[0].prior", "not infinity"),
    "prior of 400 digits": (
        BASE.replace("prior: 1", "prior: " + "9" * 400),
        "hypotheses[0].prior",
        "",
    ),
    "rating 1e308": (
        BASE.replace("{a: 60, b: 40}", "{a: 1.0e+308, b: 1.0e+308}"),
        "judgements[0].ratings.a",
        "rating",
    ),
    "rating infinite": (
        BASE.replace("{a: 60, b: 40}", "{a: .inf, b: 1}"),
        "judgements[0].ratings.a",
        "rating",
    ),
    "likelihood infinite": (
        BASE.replace("{a: 0.6, b: 0.3}", "{a: .inf, b: 0.3}"),
        "evidence[0].likelihood.a",
        "likelihood",
    ),
    "likelihood of 400 digits": (
        BASE.replace("{a: 0.6, b: 0.3}", "{a: " + "9" * 400 + ", b: 0.3}"),
        "evidence[0].likelihood.a",
        "likelihood",
    ),
    "year 9999": (BASE.replace("2026-03-28T11:00", "9999-03-28T11:00"), "judgements[0].at", "year"),
    "year 1": (BASE.replace("opened: 2026", "opened: 0001"), "case.opened", "year"),
    "time zone of 300 characters": (
        BASE.replace("Europe/London", "Europe/" + "x" * 300),
        "case.timezone",
        "time zone",
    ),
    "time zone that is a path": (
        BASE.replace("Europe/London", "../../etc"),
        "case.timezone",
        "time zone",
    ),
    "time zone that is a folder": (
        BASE.replace("Europe/London", "Europe"),
        "case.timezone",
        "time zone",
    ),
}


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_numbers_and_dates_out_of_bounds_are_refused(
    name: str, tmp_path: Path, yaml_path: str
) -> None:
    text, place, words = BOUNDS[name]
    err = refused(text, tmp_path)
    assert place in err, err
    assert words in err, err
    assert "9999999999" not in err and "xxxxxxxxxx" not in err


def test_a_tiny_rating_survives_the_round_trip(tmp_path: Path) -> None:
    text = BASE.replace("{a: 60, b: 40}", "{a: 1, b: 8.75e-30}").replace(
        "ratings:", "note: ''\n    ratings:"
    )
    loaded = load_case_text(text)
    judgement = next(e.judgement for e in loaded.events if e.kind == "judgement")
    assert judgement.ratings["b"] == 8.75e-30
    assert judgement.note == ""
    exported = events_to_yaml(loaded.events)
    assert "b: 8.75e-30" in exported and "note: ''" in exported
    path = tmp_path / "tiny.yaml"
    path.write_text(text)
    assert check_file(path, tmp_path / "store.db")


def test_two_hundred_strong_items_replay_and_print_json(tmp_path: Path) -> None:
    items = [
        item(
            f"2026-03-28T{10 + k // 60:02d}:{k % 60:02d}:30",
            f"x{k}",
            "{a: almost certain, b: remote chance}",
        )
        for k in range(200)
    ]
    text = with_items(*items).replace("2026-03-28T11:00", "2026-03-28T14:00")
    text = text.replace(
        "judgements:",
        "enquiries:\n  - id: q\n    text: Ask\n    raised: "
        "2026-03-28T09:30\n    likelihood: {a: 0.9, b: 0.1}\njudgements:",
    )
    text = text.replace("{a: 60, b: 40}", "{a: 5, b: 95}")
    path = tmp_path / "strong.yaml"
    path.write_text(text)
    assert check_file(path, tmp_path / "store.db")
    _, out, _ = cli("next", str(path), "--json")
    assert strict_json(out)["ratio_to_even_odds"] is None


# --- strict YAML --------------------------------------------------------------------------

STRICT = {
    "duplicate key": (
        BASE.replace("    text: First item\n", "    text: First item\n    text: Second text\n"),
        ":19:",
        "appears twice",
    ),
    "merge key": (
        BASE.replace("    label: School\n", "    label: School\n    <<: {reliability: 0.5}\n"),
        ":16:",
        "merge keys",
    ),
    "alias": (
        BASE.replace("  - id: s\n", "  - id: &x s\n").replace("source: s", "source: *x"),
        "",
        "aliases",
    ),
    "!!bool": (
        BASE.replace("catch_all", "x").replace("prior: 1", "catch_all: !!bool x"),
        ":10:",
        "tags",
    ),
    "!!timestamp": (
        BASE.replace("opened: 2026-03-28T09:00", "opened: !!timestamp x"),
        ":6:",
        "tags",
    ),
    "!!str": (BASE.replace("prior: 1", "prior: !!str 1"), ":10:", "tags"),
    "!!float": (BASE.replace("prior: 1", "prior: !!float 1"), ":10:", "tags"),
    "local tag": (BASE.replace("label: School", "label: !school School"), ":15:", "tags"),
    "tagged mapping": (BASE.replace("likelihood: {", "likelihood: !!omap {"), ":21:", "tags"),
    "list as key": (
        BASE.replace("    label: School\n", "    label: School\n    ? [a, b]\n    : 1\n"),
        ":16:",
        "not a list",
    ),
    "mapping as key": (
        BASE.replace("    label: School\n", "    label: School\n    {a: 1}: 2\n"),
        ":16:",
        "not a list",
    ),
    "deep nesting": (
        "format: 1\nteaching: " + "[" * 5000 + "]" * 5000 + "\n",
        ":2",
        "nested too deeply",
    ),
    "nesting under the libyaml limit": (
        "format: 1\nteaching: " + "[" * 900 + "]" * 900 + "\n",
        ":2",
        "nested too deeply",
    ),
    "a bare =": (BASE.replace("label: School", "label: ="), ":15:", "quotes"),
    "a lone surrogate": (BASE.replace("label: School", 'label: "Sch\\ud800ool"'), ":15:", "escape"),
    "a control character": (
        BASE.replace("label: School", "label: Sch\x07ool"),
        ":15:",
        "control character",
    ),
}


@pytest.mark.parametrize("name", sorted(STRICT))
def test_strict_yaml_refusals_are_located(name: str, tmp_path: Path, yaml_path: str) -> None:
    text, where, words = STRICT[name]
    err = refused(text, tmp_path)
    assert where in err, err
    assert words in err, err


def test_yes_no_on_stay_strings() -> None:
    text = (
        BASE.replace("id: a\n", "id: 'no'\n")
        .replace("{a: 0.6", "{no: 0.6")
        .replace("{a: 60", "{no: 60")
    )
    events = load_case_text(text).events
    assert events[1].hypothesis.id == "no"


# --- messages never repeat case text ------------------------------------------------------


def test_a_continuation_line_that_became_a_key_is_not_repeated(tmp_path: Path) -> None:
    text = BASE.replace("    text: First item\n", f"    text: First item\n    {SECRET}: and more\n")
    err = refused(text, tmp_path)
    assert "Mother" not in err and "belt" not in err
    assert "evidence[0]" in err and "continuation line" in err


def test_text_in_a_likelihood_slot_is_not_quoted(tmp_path: Path) -> None:
    text = BASE.replace("{a: 0.6, b: 0.3}", "{a: 'she was seen at school', b: 0.3}")
    err = refused(text, tmp_path)
    assert "seen at school" not in err and "evidence[0].likelihood.a" in err
    text = BASE.replace("{a: 0.6, b: 0.3}", f"{{'{SECRET}': 0.2, b: 0.3}}")
    err = refused(text, tmp_path)
    assert "Mother" not in err and "evidence[0].likelihood" in err


def test_no_message_quotes_more_than_forty_characters(tmp_path: Path) -> None:
    long_id = "x" * 60
    text = BASE.replace("source: s", f"source: {long_id}")
    err = refused(text, tmp_path)
    assert long_id not in err
    text = BASE.replace("label: School", "label: !" + "t" * 200 + " School")
    err = refused(text, tmp_path)
    assert "t" * 41 not in err
    text = BASE.replace("    label: School\n", "    label: School\n    " + "k" * 60 + ": 1\n")
    err = refused(text, tmp_path)
    assert "unknown key" in err and "k" * 41 not in err


def test_a_device_or_a_pipe_is_not_read(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        code, _, err = cli("check", str(path), allowed=(2,))
        assert "not a regular file" in err


def test_the_app_refuses_the_same_times_as_the_file() -> None:
    from zoneinfo import ZoneInfo

    from hypotrack.domain.errors import FieldError
    from hypotrack.tui.editing import parse_observed

    london = ZoneInfo("Europe/London")
    for typed, words in (
        ("2026-03-29 01:30", "does not exist"),
        ("2025-10-26 01:30", "happens twice"),
        ("1899-12-31", "between the years"),
    ):
        with pytest.raises(FieldError) as caught:
            parse_observed("observed", typed, london)
        assert words in str(caught.value)
    at = parse_observed("observed", "2025-10-26 01:30+00:00", london)
    assert at.utcoffset().total_seconds() == 0


def test_empty_and_missing_reasons_round_trip() -> None:
    from tests.invariant import as_json

    text = BASE.replace(
        "    label: School\n",
        "    label: School\n    reliability_changes:\n"
        "      - {at: 2026-03-28T10:30, reliability: 0.4, reason: ''}\n",
    ).replace(
        "    likelihood: {a: 0.6, b: 0.3}\n",
        "    likelihood: {a: 0.6, b: 0.3}\n"
        "    amended:\n      - {at: 2026-03-28T10:40, likelihood: {a: 0.5}, reason: ''}\n"
        "    retracted: {at: 2026-03-28T10:50}\n",
    )
    events = load_case_text(text).events
    again = load_case_text(events_to_yaml(events)).events
    assert as_json(again) == as_json(events)
    assert events_to_yaml(again) == events_to_yaml(events)
