"""What `verify` finds when someone who can write the store file tampers with it.

Each test is one kind of tampering or corruption from the table in the README ("What verify can and
cannot detect").
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hypotrack.store.base import (
    ChainHead,
    StoreUnavailable,
    UnknownCase,
    advance_digest,
    digest_heads,
    event_hash,
)
from hypotrack.store.sqlite import SqliteEventStore

AT = "2024-03-01T09:30:00"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "hypotrack.db"


@pytest.fixture
def store(db: Path) -> Iterator[SqliteEventStore]:
    opened = SqliteEventStore(db)
    fill(opened, "c1", 5)
    fill(opened, "c2", 3)
    yield opened
    opened.close()


def fill(store: SqliteEventStore, case_id: str, count: int) -> None:
    for seq in range(1, count + 1):
        store.append(case_id, "note", {"n": seq}, at=AT, expected_seq=seq)


def raw(db: Path, *statements: tuple[str, tuple]) -> None:
    conn = sqlite3.connect(db)
    with conn:
        for sql, params in statements:
            conn.execute(sql, params)
    conn.close()


def rehash_from(db: Path, case_id: str, seq: int, payload: str) -> str:
    """Edit one event's payload and recompute every hash from there to the end; the new last hash."""
    conn = sqlite3.connect(db)
    with conn:
        rows = conn.execute(
            "SELECT seq, at, who, kind, payload, prev_hash FROM events WHERE case_id = ?"
            " ORDER BY seq",
            (case_id,),
        ).fetchall()
        prev = None
        for s, at, who, kind, body, prev_hash in rows:
            if s < seq:
                continue
            if s == seq:
                body = payload
            if prev is not None:
                prev_hash = prev
            prev = event_hash(case_id, s, at, who, kind, body, prev_hash)
            conn.execute(
                "UPDATE events SET payload = ?, prev_hash = ?, hash = ? WHERE case_id = ? AND seq = ?",
                (body, prev_hash, prev, case_id, s),
            )
    conn.close()
    return prev


def only(problems: list) -> tuple[str, int, str]:
    assert len(problems) == 1, problems
    return problems[0].case_id, problems[0].seq, problems[0].message


def test_a_sound_store_verifies_and_keeps_heads(store: SqliteEventStore) -> None:
    assert store.verify() == []
    head = store.head("c1")
    assert head.count == 5 and head.hash == store.events("c1")[-1].hash
    assert store.verify("c1", printed=head) == []
    assert ChainHead.parse(str(head)) == head


def test_deleted_tail_rows_are_named(store: SqliteEventStore, db: Path) -> None:
    raw(db, ("DELETE FROM events WHERE case_id = 'c1' AND seq >= 4", ()))
    case, seq, message = only(store.verify())
    assert (case, seq) == ("c1", 4)
    assert "4 to 5 are missing" in message


def test_a_deleted_case_is_named(store: SqliteEventStore, db: Path) -> None:
    raw(db, ("DELETE FROM events WHERE case_id = 'c2'", ()))
    case, seq, message = only(store.verify())
    assert (case, seq) == ("c2", 1)
    assert "all 3 events" in message
    assert only(store.verify("c2"))[1] == 1  # still verifiable by id


def test_a_case_deleted_with_its_head_trips_the_store_digest(
    store: SqliteEventStore, db: Path
) -> None:
    raw(
        db,
        ("DELETE FROM events WHERE case_id = 'c2'", ()),
        ("DELETE FROM heads WHERE case_id = 'c2'", ()),
    )
    case, seq, message = only(store.verify())
    assert (case, seq) == ("", 0)
    assert "deleted together with its head" in message


def test_an_edit_rehashed_to_the_end_is_caught_by_the_kept_head(
    store: SqliteEventStore, db: Path
) -> None:
    rehash_from(db, "c1", 2, '{"n":22}')
    case, seq, message = only(store.verify())
    assert (case, seq) == ("c1", 5)
    assert "cannot be told" in message


def test_an_edit_rehashed_everywhere_is_caught_only_by_a_printed_head(
    store: SqliteEventStore, db: Path
) -> None:
    printed = store.head("c1")
    last = rehash_from(db, "c1", 2, '{"n":22}')
    digest = advance_digest(
        digest_heads([store.head("c1"), store.head("c2")]),
        store.head("c1"),
        ChainHead("c1", 5, last),
    )
    raw(
        db,
        ("UPDATE heads SET hash = ? WHERE case_id = 'c1'", (last,)),
        ("UPDATE meta SET value = ? WHERE key = 'heads_digest'", (digest,)),
    )
    assert store.verify() == []  # a full rewrite of every place the store keeps
    case, seq, message = only(store.verify("c1", printed=printed))
    assert (case, seq) == ("c1", 5)
    assert "printed head" in message
    # A head printed when the case was shorter pins its first events too.
    early = ChainHead("c1", 1, store.events("c1")[0].hash)
    assert store.verify("c1", printed=early) == []


def test_an_appended_forged_row_is_named(store: SqliteEventStore, db: Path) -> None:
    last = store.events("c2")[-1]
    body = '{"n":4}'
    forged = event_hash("c2", 4, AT, None, "note", body, last.hash)
    raw(
        db,
        (
            "INSERT INTO events VALUES ('c2', 4, ?, NULL, 'note', ?, ?, ?, ?)",
            (AT, body, last.hash, forged, last.written),
        ),
    )
    case, seq, message = only(store.verify())
    assert (case, seq) == ("c2", 4)
    assert "added outside hypotrack" in message


def test_a_deleted_middle_row_and_an_unhashed_edit_are_named(
    store: SqliteEventStore, db: Path
) -> None:
    raw(
        db,
        ("DELETE FROM events WHERE case_id = 'c1' AND seq = 3", ()),
        ("UPDATE events SET payload = '{\"n\":9}' WHERE case_id = 'c2' AND seq = 2", ()),
    )
    problems = store.verify()
    assert [(p.case_id, p.seq) for p in problems] == [("c1", 3), ("c2", 2)]
    assert "missing" in problems[0].message and "altered" in problems[1].message


def test_dropped_heads_are_reported(store: SqliteEventStore, db: Path) -> None:
    raw(db, ("DELETE FROM heads", ()))
    problems = store.verify()
    assert [(p.case_id, p.seq) for p in problems] == [("c1", 5), ("c2", 3), ("", 0)]
    assert "no head" in problems[0].message


def test_a_printed_head_longer_than_the_store_names_the_missing_events(
    store: SqliteEventStore, db: Path
) -> None:
    printed = store.head("c1")
    raw(
        db,
        ("DELETE FROM events WHERE case_id = 'c1' AND seq = 5", ()),
        (
            "UPDATE heads SET count = 4, hash = (SELECT hash FROM events WHERE case_id = 'c1'"
            " AND seq = 4) WHERE case_id = 'c1'",
            (),
        ),
    )
    assert store.verify("c1") == []  # events and head agree; the store's digest does not:
    assert only(store.verify())[:2] == ("", 0)
    case, seq, message = only(store.verify("c1", printed=printed))
    assert (case, seq) == ("c1", 5)
    assert "printed head says" in message


def test_a_truncated_store_is_refused_not_started_afresh(db: Path) -> None:
    with SqliteEventStore(db) as opened:
        fill(opened, "c1", 2)
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    db.write_bytes(b"")
    with pytest.raises(StoreUnavailable, match="truncated or replaced"):
        SqliteEventStore(db)
    assert db.stat().st_size == 0  # nothing was laid down over it


def test_a_deleted_store_is_refused(db: Path) -> None:
    with SqliteEventStore(db) as opened:
        fill(opened, "c1", 1)
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    with pytest.raises(StoreUnavailable, match="deleted or moved"):
        SqliteEventStore(db)
    assert not db.exists()


def test_a_replaced_store_is_refused(tmp_path: Path, db: Path) -> None:
    with SqliteEventStore(db) as opened:
        fill(opened, "c1", 1)
    other = tmp_path / "other" / "hypotrack.db"
    with SqliteEventStore(other) as opened:
        fill(opened, "c9", 1)
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    db.write_bytes(other.read_bytes())
    with pytest.raises(StoreUnavailable, match="replaced"):
        SqliteEventStore(db)


def test_a_format_1_store_is_upgraded_with_heads(db: Path) -> None:
    with SqliteEventStore(db) as opened:
        fill(opened, "c1", 3)
    raw(
        db,
        ("DROP TABLE heads", ()),
        ("DELETE FROM meta WHERE key IN ('heads_digest', 'store_id')", ()),
        ("UPDATE meta SET value = '1' WHERE key = 'schema_version'", ()),
    )
    db.with_name(db.name + ".store-id").unlink()
    with SqliteEventStore(db) as opened:
        assert opened.verify() == []
        assert opened.head("c1").count == 3
        fill_more = opened.append("c1", "note", {"n": 4}, at=AT, expected_seq=4)
        assert opened.head("c1").hash == fill_more.hash
        assert opened.verify() == []
    meta = json.loads(db.with_name(db.name + ".store-id").read_text())
    assert meta["format"] == "hypotrack-store-marker"


def test_unknown_case_and_bad_printed_heads(store: SqliteEventStore) -> None:
    with pytest.raises(UnknownCase):
        store.verify("nope")
    with pytest.raises(UnknownCase):
        store.head("nope")
    for bad in ("c1", "c1:0:" + "a" * 64, "c1:3:xyz", ":3:" + "a" * 64):
        with pytest.raises(ValueError):
            ChainHead.parse(bad)
