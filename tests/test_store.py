"""The event store: round trips, privacy, conflicts, crashes and tampering.

The contract tests (``backend``/``store``) run against both backends: the embedded SQLite file and
the team store on a real PostgreSQL server (see tests/pgserver.py).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import platformdirs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypotrack.store.base import (
    GENESIS_HASH,
    CaseExists,
    EventStore,
    StoreConflict,
    StoreError,
    UnknownCase,
    VerifyProblem,
)
from hypotrack.store.postgres import PostgresEventStore
from hypotrack.store.sqlite import SqliteEventStore, default_store_path

ROOT = Path(__file__).resolve().parent.parent
AT = "2024-03-01T09:30:00"
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes and signals")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store path in a folder that does not exist yet."""
    return tmp_path / "data" / "hypotrack.db"


class Backend:
    """Where one store lives: ``open()`` gives a new connection to it, ``ref`` names it."""

    def __init__(self, name: str, ref: str) -> None:
        self.name = name
        self.ref = ref

    def open(self) -> Any:
        from hypotrack.store.open import open_store

        return open_store(self.ref)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, db: Path) -> Backend:
    """The store contract's location, once per backend."""
    if request.param == "sqlite":
        return Backend("sqlite", str(db))
    team_db = request.getfixturevalue("team_db")
    return Backend("postgresql", team_db.url("alice"))


@pytest.fixture
def store(backend: Backend) -> Iterator[Any]:
    """An open store, closed after the test."""
    opened = backend.open()
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(db: Path) -> Iterator[SqliteEventStore]:
    """An open embedded store, closed after the test."""
    opened = SqliteEventStore(db)
    yield opened
    opened.close()


def fill(store: Any, case_id: str, count: int) -> None:
    """Append ``count`` notes to a new case."""
    for seq in range(1, count + 1):
        store.append(case_id, "note", {"n": seq}, at=AT, expected_seq=seq)


# -- round trip ------------------------------------------------------------------------------


def test_append_and_read_back(store: Any) -> None:
    opened = {"case": {"title": "Family Ø — referral"}, "hypotheses": ["h1", "h2"]}
    first = store.append("c1", "case-opened", opened, at=AT, who="sw-1", expected_seq=1)
    second = store.append("c1", "note", {"text": "visit"}, at="2024-03-02T10:00", expected_seq=2)

    assert isinstance(store, EventStore)
    assert store.events("c1") == [first, second]
    assert (first.seq, first.kind, first.who, first.payload) == (1, "case-opened", "sw-1", opened)
    # A team store records the signed-in person on an existing case, whatever the client says.
    second_who = store.user if isinstance(store, PostgresEventStore) else None
    assert (second.seq, second.who, second.at) == (2, second_who, "2024-03-02T10:00")
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.hash
    assert store.has_case("c1") and not store.has_case("c2")


def test_hash_is_sha256_of_the_documented_material(store: Any) -> None:
    """Computed here independently, so the format cannot drift without this test noticing."""
    event = store.append("c1", "note", {"b": 1, "a": "é"}, at=AT, who="w", expected_seq=1)
    payload_json = '{"a":"é","b":1}'
    material = json.dumps(
        ["c1", 1, AT, "w", "note", payload_json, "0" * 64],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert event.hash == hashlib.sha256(material.encode()).hexdigest()


def test_reopen_sees_the_events_and_cases_summarise(backend: Backend) -> None:
    with backend.open() as first:
        first.append("b", "case-opened", {"case": {"title": "Beta"}}, at=AT, expected_seq=1)
        first.append("b", "note", {}, at=AT, expected_seq=2)
        first.append("a", "note", {"case": {"title": "not an opening"}}, at=AT, expected_seq=1)
    with backend.open() as again:
        summaries = again.cases()
        last_b = again.events("b")[-1]
    assert [(c.case_id, c.title, c.events, c.last_seq) for c in summaries] == [
        ("a", None, 1, 1),
        ("b", "Beta", 2, 2),
    ]
    assert summaries[1].last_written == last_b.written


def test_digests_are_kept_per_case_and_show_when_stale(backend: Backend) -> None:
    with backend.open() as store:
        fill(store, "c1", 2)
        fill(store, "c2", 1)
        assert [(c.digest, c.digest_seq) for c in store.cases()] == [(None, 0), (None, 0)]
        store.put_digest("c1", {"open": {"red": 1}}, through_seq=2)
        store.put_digest("c1", {"open": {"red": 0}}, through_seq=1)  # older: ignored
        store.append("c2", "note", {}, at=AT, expected_seq=2)
        store.put_digest("c2", {"n": 1}, through_seq=1)
    with backend.open() as again:
        c1, c2 = again.cases()
    assert (c1.digest, c1.digest_seq, c1.current_digest) == ({"open": {"red": 1}}, 2, c1.digest)
    # c2 moved on after its digest was kept: the digest is there but not current.
    assert (c2.digest, c2.digest_seq, c2.last_seq, c2.current_digest) == ({"n": 1}, 1, 2, None)


def test_bad_digests_write_nothing(store: Any) -> None:
    fill(store, "c1", 2)
    with pytest.raises(UnknownCase):
        store.put_digest("nope", {}, through_seq=1)
    with pytest.raises(ValueError, match="only 2 events"):
        store.put_digest("c1", {}, through_seq=3)
    with pytest.raises(ValueError):
        store.put_digest("c1", {}, through_seq=0)
    with pytest.raises(ValueError):
        store.put_digest("c1", {"x": float("nan")}, through_seq=1)
    with pytest.raises(TypeError):
        store.put_digest("c1", ["no"], through_seq=1)  # type: ignore[arg-type]
    assert store.cases()[0].digest is None


def test_a_store_made_before_digests_gets_the_table(db: Path) -> None:
    with SqliteEventStore(db) as store:
        fill(store, "c1", 1)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE case_digests")
    conn.close()
    with SqliteEventStore(db) as store:
        store.put_digest("c1", {"a": 1}, through_seq=1)
        assert store.cases()[0].current_digest == {"a": 1}
        assert store.verify() == []


def test_unknown_case_and_closed_store(store: Any) -> None:
    with pytest.raises(UnknownCase, match="'nope'"):
        store.events("nope")
    with pytest.raises(UnknownCase):
        store.verify("nope")
    with pytest.raises(UnknownCase):
        store.append("nope", "note", {}, at=AT, expected_seq=4)
    assert store.cases() == []
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.cases()


def test_bad_arguments_write_nothing(store: Any) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        store.append("c1", "note", {}, at="last tuesday", expected_seq=1)
    with pytest.raises(ValueError, match="not storable"):
        store.append("c1", "note", {"x": float("nan")}, at=AT, expected_seq=1)
    with pytest.raises(ValueError, match="not storable"):
        store.append("c1", "note", {"x": object()}, at=AT, expected_seq=1)
    with pytest.raises(TypeError):
        store.append("c1", "note", ["not", "a", "dict"], at=AT, expected_seq=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.append("c1", "note", {}, at=AT, expected_seq=0)
    assert not store.has_case("c1")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=st.dictionaries(st.text(), json_values, max_size=5),
    who=st.none() | st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\0")),
)
def test_any_json_payload_round_trips(store: Any, payload: dict[str, Any], who: str | None) -> None:
    case_id = f"case-{len(store.cases())}"
    written = store.append(case_id, "note", payload, at=AT, who=who, expected_seq=1)
    assert written.payload == payload
    assert store.events(case_id) == [written]
    assert store.verify(case_id) == []


# -- the file ----------------------------------------------------------------------------------


def _umask() -> int:
    """The process umask (reading it means setting it)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


@posix_only
def test_files_are_private(db: Path) -> None:
    umask_before = _umask()
    with SqliteEventStore(db) as opened:
        opened.append("c1", "note", {"secret": "yes"}, at=AT, expected_seq=1)
        files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    assert _umask() == umask_before  # narrowed only while connecting


@posix_only
def test_an_existing_store_is_made_private(db: Path) -> None:
    SqliteEventStore(db).close()
    db.chmod(0o644)
    SqliteEventStore(db).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HYPOTRACK_HOME", str(tmp_path))
    assert default_store_path("/x/y.db") == Path("/x/y.db")
    assert default_store_path() == tmp_path / "hypotrack.db"
    monkeypatch.delenv("HYPOTRACK_HOME")
    assert default_store_path() == Path(platformdirs.user_data_dir("hypotrack")) / "hypotrack.db"
    assert not (tmp_path / "hypotrack.db").exists()


def test_import_opens_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "HYPOTRACK_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)}
    code = "import hypotrack.store.sqlite, hypotrack.store.base"
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, timeout=30)
    assert not (tmp_path / "home").exists()


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(StoreError, match="notes.db") as caught:
        SqliteEventStore(junk)
    assert not isinstance(caught.value, sqlite3.Error)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        conn.execute("CREATE TABLE events (x)")
    conn.close()
    before = other.read_bytes()
    with pytest.raises(StoreError, match="not a hypotrack store"):
        SqliteEventStore(other)
    assert other.read_bytes() == before  # refused untouched: not even switched to WAL


def test_a_newer_store_is_refused(db: Path) -> None:
    SqliteEventStore(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(StoreError, match="newer hypotrack"):
        SqliteEventStore(db)


# -- conflicts -------------------------------------------------------------------------------


def test_stale_writer_gets_a_conflict_and_writes_nothing(backend: Backend) -> None:
    with backend.open() as alice, backend.open() as bob:
        alice.append("c1", "case-opened", {}, at=AT, expected_seq=1)
        seen_by_bob = len(bob.events("c1"))
        alice.append("c1", "note", {"by": "alice"}, at=AT, expected_seq=2)
        with pytest.raises(StoreConflict) as caught:
            bob.append("c1", "note", {"by": "bob"}, at=AT, expected_seq=seen_by_bob + 1)
        message = str(caught.value)
        assert "'c1'" in message and "seq 2" in message and "3" in message
        assert "reload" in message.lower()
        assert (caught.value.expected_seq, caught.value.found_seq) == (2, 3)
        assert [e.payload.get("by") for e in bob.events("c1")] == [None, "alice"]
        with pytest.raises(CaseExists):
            bob.append("c1", "case-opened", {}, at=AT, expected_seq=1)
        assert alice.verify() == []


def test_batch_is_all_or_nothing(store: Any) -> None:
    fill(store, "c1", 2)
    batch = [("note", {"i": i}, AT, "importer") for i in range(5)]
    with pytest.raises(StoreConflict):
        store.append_batch("c1", batch, expected_seq=2)
    with pytest.raises(CaseExists):
        store.append_batch("c1", batch, expected_seq=1)
    with pytest.raises(ValueError):
        store.append_batch("c1", [*batch, ("note", {"bad": {1, 2}}, AT, None)], expected_seq=3)
    assert len(store.events("c1")) == 2
    stored = store.append_batch("c1", batch, expected_seq=3)
    assert [e.seq for e in stored] == [3, 4, 5, 6, 7]
    assert store.events("c1")[2:] == stored
    assert store.verify() == []


def test_batch_failing_mid_transaction_rolls_back(sqlite_store: SqliteEventStore, db: Path) -> None:
    store = sqlite_store
    fill(store, "c1", 2)
    batch = [("note", {"i": i}, AT, "importer") for i in range(5)]
    # A failure in the middle of the inserts, inside the transaction, must roll back the rest.
    with sqlite3.connect(db) as raw:
        raw.execute(
            "CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.kind = 'boom'"
            " BEGIN SELECT RAISE(ABORT, 'boom'); END"
        )
    raw.close()
    with pytest.raises(StoreError, match="boom"):
        store.append_batch("c1", [*batch, ("boom", {}, AT, None)], expected_seq=3)
    assert len(store.events("c1")) == 2

    stored = store.append_batch("c1", batch, expected_seq=3)
    assert [e.seq for e in stored] == [3, 4, 5, 6, 7]
    assert store.events("c1")[2:] == stored
    assert store.verify() == []


def _writer(path: str, case_id: str, writer: int, count: int, start: Any, results: Any) -> None:
    """Append ``count`` events, re-reading and retrying whenever someone got there first."""
    from hypotrack.store.open import open_store

    conflicts = 0
    with open_store(path) as mine:
        start.wait(10)
        seen = len(mine.events(case_id))
        done = 0
        while done < count:
            payload = {"writer": writer, "i": done}
            # A moment of "thinking" between reading and writing, as a person would take; without
            # it one writer tends to hold the lock for its whole run and the retry path goes unused.
            time.sleep(random.uniform(0, 0.002))
            try:
                event = mine.append(case_id, "note", payload, at=AT, expected_seq=seen + 1)
            except StoreConflict:
                conflicts += 1
                seen = len(mine.events(case_id))
                continue
            seen = event.seq
            done += 1
    results.put((writer, conflicts))


def test_two_writer_processes_leave_a_gapless_chain(backend: Backend) -> None:
    per_writer = 40
    with backend.open() as setup:
        setup.append("shared", "case-opened", {}, at=AT, expected_seq=1)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    start, results = ctx.Event(), ctx.Queue()
    writers = [
        ctx.Process(target=_writer, args=(backend.ref, "shared", w, per_writer, start, results))
        for w in (1, 2)
    ]
    for process in writers:
        process.start()
    start.set()
    outcomes = dict(results.get(timeout=60) for _ in writers)
    for process in writers:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert set(outcomes) == {1, 2}
    assert sum(outcomes.values()) > 0  # the writers did collide (typically ~40 times), and retried

    with backend.open() as check:
        events = check.events("shared")
        assert check.verify() == []
    assert [e.seq for e in events] == list(range(1, 2 * per_writer + 2))
    written = sorted((e.payload["writer"], e.payload["i"]) for e in events[1:])
    assert written == sorted((w, i) for w in (1, 2) for i in range(per_writer))


# -- crashes ---------------------------------------------------------------------------------

# Appends single events and batches of three, printing each seq only once its commit has returned.
# The filler makes each write long enough that kills often land mid-transaction.
CHILD = r"""
import sys
import time
from hypotrack.store.open import open_store

store = open_store(sys.argv[1])
run, case, at, filler = sys.argv[2], "crash", "2024-03-01T09:30:00", "x" * 4000
seen = len(store.events(case)) if store.has_case(case) else 0
print("ready", flush=True)
k = 0
while True:
    k += 1
    if k % 3:
        payload = {"batch": None, "filler": filler}
        written = [store.append(case, "note", payload, at=at, expected_seq=seen + 1)]
    else:
        batch = [("note", {"batch": f"{run}-{k}", "filler": filler}, at, None) for _ in range(3)]
        written = store.append_batch(case, batch, expected_seq=seen + 1)
    seen = written[-1].seq
    for event in written:
        print(event.seq, flush=True)
"""


@posix_only
def test_kill_9_never_loses_a_committed_event(backend: Backend) -> None:
    rng = random.Random(20240301)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    committed: set[int] = set()
    backend.open().close()
    for run in range(10):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, backend.ref, str(run)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready = child.stdout.readline()
        assert ready == "ready\n", child.stderr.read()
        try:
            # Waiting rather than sleeping: a child that dies on its own is caught below.
            child.wait(timeout=rng.uniform(0.0, 0.2))
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        out, err = child.communicate(timeout=10)
        assert child.returncode == -signal.SIGKILL, err
        # A line without its newline was cut off mid-print; only whole lines were reported.
        committed.update(int(line) for line in out.splitlines(keepends=True) if line.endswith("\n"))

        with backend.open() as after:
            assert after.verify() == [], f"run {run}"
            events = after.events("crash") if after.has_case("crash") else []
        seqs = [e.seq for e in events]
        assert seqs == list(range(1, len(seqs) + 1))
        assert committed <= set(seqs), f"run {run}: lost {sorted(committed - set(seqs))}"
        batches: dict[str, int] = {}
        for event in events:
            if event.payload["batch"] is not None:
                batches[event.payload["batch"]] = batches.get(event.payload["batch"], 0) + 1
        assert all(size == 3 for size in batches.values()), batches
    assert len(committed) > 10  # the loop did write things before being killed


# -- tampering -------------------------------------------------------------------------------


def test_a_tampered_payload_is_caught(sqlite_store: SqliteEventStore, db: Path) -> None:
    store = sqlite_store
    fill(store, "c1", 5)
    fill(store, "c2", 3)
    with sqlite3.connect(db) as raw:
        raw.execute(
            "UPDATE events SET payload = ? WHERE case_id = 'c1' AND seq = 3",
            (json.dumps({"n": 33}, separators=(",", ":")),),
        )
    raw.close()
    problems = store.verify()
    assert len(problems) == 1
    assert (problems[0].case_id, problems[0].seq) == ("c1", 3)
    assert "event 3" in problems[0].message and "altered" in problems[0].message
    assert store.verify("c2") == []


def test_rewritten_links_and_gaps_are_caught(sqlite_store: SqliteEventStore, db: Path) -> None:
    store = sqlite_store
    fill(store, "c1", 4)
    fill(store, "c2", 4)
    with sqlite3.connect(db) as raw:
        # Rewrite event 2 of c1 and recompute its own hash: the link from event 3 then breaks.
        row = raw.execute(
            "SELECT case_id, seq, at, who, kind, prev_hash FROM events"
            " WHERE case_id = 'c1' AND seq = 2"
        ).fetchone()
        payload_json = '{"n":22}'
        material = json.dumps([*row[:5], payload_json, row[5]], separators=(",", ":"))
        new_hash = hashlib.sha256(material.encode()).hexdigest()
        raw.execute(
            "UPDATE events SET payload = ?, hash = ? WHERE case_id = 'c1' AND seq = 2",
            (payload_json, new_hash),
        )
        raw.execute("DELETE FROM events WHERE case_id = 'c2' AND seq = 2")
    raw.close()
    assert store.verify() == [
        VerifyProblem("c1", 3, store.verify("c1")[0].message),
        VerifyProblem("c2", 2, store.verify("c2")[0].message),
    ]
    assert "link" in store.verify("c1")[0].message
    assert "missing" in store.verify("c2")[0].message
