"""The services layer the command line and the app share: FILE|CASE, case lists, training lookup."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hypotrack.domain.errors import BadInputError
from hypotrack.report.digest import import_case
from hypotrack.services.case_ref import CaseRefError, history_head, is_file_ref, load_case
from hypotrack.services.cases import case_list, casework, training_runs
from hypotrack.services.training import (
    NotTeaching,
    TrainingLookupError,
    find_teaching,
    resolve_training,
)
from hypotrack.store.case import chain_head
from hypotrack.store.sqlite import SqliteEventStore

EXAMPLE = "models/examples/case-format.yaml"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteEventStore]:
    s = SqliteEventStore(tmp_path / "s.db")
    yield s
    s.close()


def no_store() -> SqliteEventStore:
    raise AssertionError("a case file must not open the store")


def test_a_file_reference_loads_the_file_without_opening_the_store() -> None:
    assert is_file_ref(EXAMPLE) and is_file_ref("missing.yaml") and not is_file_ref("case-1")
    events = load_case(EXAMPLE, no_store)
    assert events[0].case.id == "example-bruising"
    assert history_head(EXAMPLE, no_store, events) == chain_head(events)


def test_a_case_id_is_read_from_the_store(store: SqliteEventStore, tmp_path: Path) -> None:
    events = load_case(EXAMPLE, no_store)
    import_case(store, events)
    other = SqliteEventStore(tmp_path / "s.db")  # load_case closes the store it opened
    assert [e.kind for e in load_case("example-bruising", lambda: other)] == [
        e.kind for e in events
    ]
    with pytest.raises(CaseRefError, match="no such file, and no case with that id"):
        load_case("nobody", lambda: SqliteEventStore(tmp_path / "s.db"))


def test_a_file_that_does_not_load_is_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\n", encoding="utf-8")
    with pytest.raises(CaseRefError) as caught:
        load_case(str(bad), no_store)
    assert isinstance(caught.value, BadInputError) and caught.value.exit_code == 2


def test_the_case_list_splits_casework_from_training_runs(store: SqliteEventStore) -> None:
    import_case(store, load_case(EXAMPLE, no_store))
    rows = case_list(store, unseen=True)  # an embedded store keeps no marks: no 'unseen'
    assert [r["id"] for r in casework(rows)] == ["example-bruising"]
    assert training_runs(rows) == [] and "unseen" not in rows[0]


def test_training_names_resolve_to_a_teaching_case_or_say_what_exists(
    store: SqliteEventStore,
) -> None:
    teaching_id = find_teaching("03-neglect-or-poverty", store)[0].case.id
    assert resolve_training("03-neglect-or-poverty", store) == ("case", teaching_id)
    assert resolve_training("models/teaching/03-neglect-or-poverty.yaml", store) == (
        "case",
        teaching_id,
    )
    with pytest.raises(NotTeaching, match="a case of kind live, not a teaching case"):
        resolve_training(EXAMPLE, store)
    with pytest.raises(TrainingLookupError, match="no teaching case 'nonsense'"):
        resolve_training("nonsense", store)
