"""The team store on a real PostgreSQL server: who sees what, who wrote what, the access log,
copying between stores, and faults (a wrong URL, a refused password, a server that goes away).

Every access attempt the tests make, and the outcome they require, is listed in ACCESS_ATTEMPTS at
the bottom of this file's docstring-free helpers; `test_access_matrix` walks it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hypotrack.cli import main
from hypotrack.store.base import StoreError, UnknownCase
from hypotrack.store.case import import_events
from hypotrack.store.postgres import AccessRefused, PostgresEventStore
from hypotrack.store.sqlite import SqliteEventStore
from hypotrack.store.team import access_log, add_person, allocate, init_store
from tests.pgserver import TeamDb

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "models/examples/worked-bruising.yaml"
AT = "2024-03-01T09:30:00"


def opened(case_id: str, kind: str = "live") -> dict[str, Any]:
    return {"case": {"id": case_id, "title": f"Case {case_id}", "kind": kind}}


def start_case(db: TeamDb, person: str, case_id: str, kind: str = "live") -> None:
    with db.store(person) as store:
        store.append(case_id, "case-opened", opened(case_id, kind), at=AT, expected_seq=1)
        store.append(case_id, "note", {"text": "first visit"}, at=AT, expected_seq=2)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def log_lines(db: TeamDb, case_id: str | None = None) -> list[tuple[str, str, str, str]]:
    """The access log as (who, case, how, outcome), read by the admin."""
    with db.store("ada") as admin:
        return [
            (e.who.removeprefix(db.server.prefix), e.case_id, e.action, e.outcome)
            for e in access_log(admin, case_id)
        ]


# -- set-up ----------------------------------------------------------------------------------


def test_init_is_idempotent_and_versioned(team_db: TeamDb) -> None:
    admin = team_db.url(None)
    assert init_store(admin) == []  # the template was set up by the same code
    with team_db.admin() as conn:
        versions = conn.execute("SELECT version FROM hypotrack.migrations ORDER BY 1").fetchall()
    assert versions == [(1,), (2,)]
    assert add_person(admin, team_db.server.role("alice"), "worker", "north") is False
    with pytest.raises(ValueError, match="cannot be a person's name"):
        add_person(admin, "Robert'); DROP TABLE x;--", "worker", "north")
    with pytest.raises(ValueError, match="--role"):
        add_person(admin, "someone", "boss", "north")


def test_an_older_store_is_named_and_upgraded_in_place(
    pg_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hypotrack.store.team as team
    from hypotrack.store.pg_schema import MIGRATIONS

    name = f"{pg_server.prefix}old"
    with pg_server.admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    pg_server.databases.append(name)
    url = pg_server.url(None, name)
    monkeypatch.setattr(team, "MIGRATIONS", {1: MIGRATIONS[1]})
    assert init_store(url) == [1]
    monkeypatch.undo()
    with pytest.raises(StoreError, match="needs upgrading"):
        PostgresEventStore(url)
    assert init_store(url) == [2]
    assert init_store(url) == []
    PostgresEventStore(url).close()


def test_a_store_that_is_not_set_up_is_named(pg_server: Any) -> None:
    with pg_server.admin() as conn:
        conn.execute(f'CREATE DATABASE "{pg_server.prefix}bare"')
    pg_server.databases.append(f"{pg_server.prefix}bare")
    with pytest.raises(StoreError, match="team init"):
        PostgresEventStore(pg_server.url(None, f"{pg_server.prefix}bare"))


# -- who ---------------------------------------------------------------------------------------


def test_who_is_the_signed_in_person_and_cannot_be_forged(team_db: TeamDb) -> None:
    start_case(team_db, "alice", "c1")
    with team_db.store("alice") as alice:
        forged = alice.append("c1", "note", {"x": 1}, at=AT, who="sue", expected_seq=3)
        assert forged.who == team_db.server.role("alice")
        assert alice.verify("c1") == []
    # Raw SQL, bypassing the class: the trigger still stamps who and the hash.
    import psycopg

    with psycopg.connect(team_db.url("alice"), autocommit=True) as raw:
        raw.execute(
            "INSERT INTO hypotrack.events (case_id, seq, at, who, kind, payload, prev_hash, hash,"
            " written, recorded_by) VALUES ('c1', 4, %s, 'sue', 'note', '{}', 'x', 'y', 'z',"
            " session_user)",
            (AT,),
        )
        who, recorded_by = raw.execute(
            "SELECT who, recorded_by FROM hypotrack.events WHERE case_id = 'c1' AND seq = 4"
        ).fetchone()
    assert who == recorded_by == team_db.server.role("alice")
    with team_db.store("alice") as alice:
        assert alice.verify() == []


def test_an_import_keeps_the_files_authors_and_names_the_importer(team_db: TeamDb) -> None:
    from hypotrack.domain.casefile import load_case_file

    loaded = load_case_file(EXAMPLE)
    with team_db.store("alice") as alice:
        import_events(alice, loaded.events)
        stored = alice.events(loaded.case.id)
    by_file = {e.who for e in loaded.events if e.who}
    assert by_file and by_file <= {e.who for e in stored}
    # Entries the file does not attribute are the importer's.
    assert team_db.server.role("alice") in {e.who for e in stored}
    with team_db.admin() as conn:
        recorders = conn.execute("SELECT DISTINCT recorded_by FROM hypotrack.events").fetchall()
    assert recorders == [(team_db.server.role("alice"),)]


# -- who sees what -----------------------------------------------------------------------------


def test_visibility_by_role_and_team(team_db: TeamDb) -> None:
    start_case(team_db, "alice", "north-1")
    start_case(team_db, "bob", "south-1")
    start_case(team_db, "alice", "teach-1", kind="teaching")

    def seen(person: str) -> list[str]:
        with team_db.store(person) as store:
            return [c.case_id for c in store.cases()]

    assert seen("alice") == ["north-1", "teach-1"]
    assert seen("amir") == []  # same team, a worker: only their own or allocated cases
    assert seen("bob") == ["south-1"]
    assert seen("sue") == ["north-1", "teach-1"]  # north's supervisor
    assert seen("sam") == ["south-1"]
    assert seen("tess") == ["teach-1"]  # a trainer: teaching cases and training runs only
    assert seen("ada") == []  # an admin reads the access log, not the cases
    allocate(team_db.url("sue"), "north-1", team_db.server.role("amir"))
    assert seen("amir") == ["north-1"]
    with pytest.raises(AccessRefused):
        allocate(team_db.url("bob"), "north-1", team_db.server.role("bob"))
    assert seen("bob") == ["south-1"]


def test_worker_of_one_team_cannot_read_another_teams_case(
    team_db: TeamDb, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bob (south) tries alice's north case by id, by SQL and by export: all refused and logged."""
    import psycopg

    start_case(team_db, "alice", "north-1")
    # 1. By id, through the store.
    with team_db.store("bob", purpose="open") as bob:
        with pytest.raises(UnknownCase):
            bob.events("north-1")
        assert not bob.has_case("north-1")
        # ... and by writing to it.
        with pytest.raises(UnknownCase):
            bob.append("north-1", "note", {}, at=AT, expected_seq=3)
    # 2. By SQL, with bob's own credentials.
    with psycopg.connect(team_db.url("bob"), autocommit=True) as raw:
        assert (
            raw.execute("SELECT * FROM hypotrack.events WHERE case_id = 'north-1'").fetchall() == []
        )
        assert raw.execute("SELECT count(*) FROM hypotrack.events").fetchone() == (0,)
        assert raw.execute("SELECT * FROM hypotrack.cases").fetchall() == []
        for statement in (
            "UPDATE hypotrack.events SET payload = '{}'",
            "DELETE FROM hypotrack.events",
            "INSERT INTO hypotrack.cases (case_id, owner, kind) VALUES ('x', 'me', 'live')",
            "INSERT INTO hypotrack.allocations (case_id, person) VALUES ('north-1', current_user)",
            "DELETE FROM hypotrack.access_log",
            "SET ROLE " + team_db.server.role("sue"),
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                raw.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            raw.execute(
                "INSERT INTO hypotrack.events (case_id, seq, at, kind, payload, prev_hash, hash,"
                " written, recorded_by) VALUES ('north-1', 3, 'x', 'note', '{}', '', '', '',"
                " session_user)"
            )
    # 3. By export, on the command line.
    code, out, err = cli(
        capsys, "export", "north-1", "--format", "yaml", "--store", team_db.url("bob")
    )
    assert code == 2 and out == ""
    assert "north-1" in err and "Traceback" not in err and "logged" in err
    log = log_lines(team_db, "north-1")
    assert ("bob", "north-1", "open", "refused") in log
    assert ("bob", "north-1", "sql", "refused") in log
    assert ("bob", "north-1", "export", "refused") in log
    assert not any(who == "bob" and outcome == "read" for who, _, _, outcome in log)


def test_reads_are_logged_and_only_admins_read_the_log(
    team_db: TeamDb, capsys: pytest.CaptureFixture[str]
) -> None:
    from hypotrack.domain.casefile import load_case_file

    with team_db.store("alice") as alice:
        import_events(alice, load_case_file(EXAMPLE).events)
    case_id = load_case_file(EXAMPLE).case.id
    assert cli(capsys, "beliefs", case_id, "--store", team_db.url("sue"))[0] == 0
    code, out, _ = cli(capsys, "export", case_id, "--store", team_db.url("sue"))
    assert code == 0 and case_id in out
    code, out, err = cli(capsys, "access-log", "--store", team_db.url("sue"))
    assert code == 2 and "only an admin" in err
    code, out, _ = cli(capsys, "access-log", case_id, "--json", "--store", team_db.url("ada"))
    assert code == 0
    import json

    entries = json.loads(out)["entries"]
    assert {"at", "who", "case", "action", "outcome"} <= set(entries[0])
    assert [(e["action"], e["outcome"]) for e in entries if e["who"].endswith("sue")] == [
        ("beliefs", "read"),
        ("export", "read"),
    ]
    # Append-only, even for the server's owner.
    import psycopg

    with team_db.admin() as conn:
        for statement in ("DELETE FROM hypotrack.access_log", "TRUNCATE hypotrack.events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


# -- copying -----------------------------------------------------------------------------------


def test_store_copy_keeps_history_and_chain(
    team_db: TeamDb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hypotrack.domain.casefile import load_case_file

    local = tmp_path / "local.db"
    with SqliteEventStore(local) as store:
        import_events(store, load_case_file(EXAMPLE).events)
        store.append("scratch", "case-opened", opened("scratch"), at=AT, who=None, expected_seq=1)
        before = {c.case_id: store.events(c.case_id) for c in store.cases()}
    url = team_db.url("alice")
    code, out, err = cli(capsys, "store", "copy", "--store", str(local), "--to", url)
    assert code == 0, err
    assert "Copied 2 cases" in out
    with team_db.store("alice") as team:
        assert team.verify() == []
        for case_id, events in before.items():
            assert [(e.seq, e.hash, e.who, e.payload) for e in team.events(case_id)] == [
                (e.seq, e.hash, e.who, e.payload) for e in events
            ]
    # Again: nothing to do. And back the other way, into a fresh file: still verifies.
    code, out, _ = cli(capsys, "store", "copy", "--store", str(local), "--to", url)
    assert code == 0 and "2 already there" in out
    back = tmp_path / "back.db"
    code, out, _ = cli(capsys, "store", "copy", "--store", url, "--to", str(back))
    assert code == 0 and "Copied 2 cases" in out
    code, out, _ = cli(capsys, "verify", "--store", str(back))
    assert code == 0 and "2 cases" in out


# -- faults ------------------------------------------------------------------------------------


def test_bad_urls_and_passwords_are_one_sentence(
    team_db: TeamDb, capsys: pytest.CaptureFixture[str]
) -> None:
    port = team_db.server.parts.get("port", "5432")
    cases = {
        team_db.url("alice", tcp=True, password="s3cr3t-guess"): "refused the sign-in",
        f"postgresql://nobody@127.0.0.1:{port}/{team_db.name}": "refused the sign-in",
        f"postgresql://x@127.0.0.1:1/{team_db.name}": "no server is answering",
        team_db.server.url("alice", "no_such_db", tcp=True): "does not exist",
        "postgresql://x@[bad": "not valid",
    }
    for url, expected in cases.items():
        code, out, err = cli(capsys, "cases", "--store", url)
        assert code == 2, (url, err)
        assert expected in err and "Traceback" not in err and err.count("\n") == 1
        assert "s3cr3t" not in err  # never the password
    code, out, err = cli(capsys, "cases", "--store", team_db.url("alice", tcp=True))
    assert code == 0, err


def test_a_dropped_connection_is_one_sentence_and_the_store_recovers(team_db: TeamDb) -> None:
    start_case(team_db, "alice", "c1")
    with team_db.store("alice") as alice:
        with team_db.admin() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (team_db.server.role("alice"),),
            )
        with pytest.raises(StoreError, match="connection .* was lost") as caught:
            alice.append("c1", "note", {}, at=AT, expected_seq=3)
        assert "\n" not in str(caught.value)
        # The next call reconnects; nothing was half-written.
        assert len(alice.events("c1")) == 2
        alice.append("c1", "note", {}, at=AT, expected_seq=3)
        assert alice.verify() == []


@pytest.mark.skipif(os.name != "posix", reason="a private cluster needs POSIX")
def test_a_server_that_stops_mid_session(tmp_path: Path, pg_server: Any) -> None:
    """A private cluster, stopped under an open store: one sentence; started again: carries on."""
    script = ROOT / "scripts/pg-throwaway"
    if shutil.which("runuser") is None and os.geteuid() == 0:
        pytest.skip("runuser is needed to run PostgreSQL as an unprivileged user")
    where = Path("/tmp") / f"ht-stop-{os.getpid()}"
    port = str(56000 + os.getpid() % 3000)
    try:
        admin = subprocess.run(
            [str(script), "start", str(where), port], capture_output=True, text=True, timeout=120
        )
        assert admin.returncode == 0, admin.stderr
        url = admin.stdout.strip()
        init_store(url)
        with PostgresEventStore(url) as store:
            store.append("c1", "case-opened", opened("c1"), at=AT, expected_seq=1)
            subprocess.run([str(script), "stop", str(where)], check=True, timeout=60)
            with pytest.raises(StoreError) as caught:
                store.append("c1", "note", {}, at=AT, expected_seq=2)
            message = str(caught.value)
            assert "\n" not in message and ("lost" in message or "cannot reach" in message)
            subprocess.run(
                [str(script), "start", str(where), port],
                check=True,
                timeout=120,
                capture_output=True,
            )
            store.append("c1", "note", {}, at=AT, expected_seq=2)
            assert [e.seq for e in store.events("c1")] == [1, 2]
    finally:
        subprocess.run([str(script), "stop", str(where)], timeout=60, capture_output=True)
        shutil.rmtree(where, ignore_errors=True)


def test_cli_mid_session_failures_exit_1_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A StoreError that is not about the URL (here: a closed store) is exit 1, one line."""
    from hypotrack import cli as command_line
    from hypotrack.store.base import StoreError

    def boom(args: Any) -> int:
        raise StoreError("could not read case 'c1': the connection was lost")

    monkeypatch.setattr(command_line, "cmd_cases", boom)
    code, _, err = cli(capsys, "cases")
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err


# -- by: in case files -------------------------------------------------------------------------

BY_CASE = """\
format: 1
case: {id: by-case, title: Who did what, opened: 2026-03-01T09:00, by: R. Hale}
hypotheses:
  - {id: a, label: One, by: R. Hale}
  - {id: b, label: Two, added: 2026-03-02T09:00, by: M. Osei,
     retired: {at: 2026-03-05T09:00, by: M. Osei, reason: ruled out}}
  - {id: c, label: Something else, catch_all: true}
sources:
  - id: neighbour
    label: Neighbour
    by: R. Hale
    reliability_changes:
      - {at: 2026-03-04T09:00, by: M. Osei, reliability: 0.5, reason: grudge}
evidence:
  - id: e1
    text: Heard shouting
    source: neighbour
    recorded: 2026-03-03T09:00
    by: J. Park
    likelihood: {a: likely, b: unlikely, c: 0.5}
    amended:
      - {at: 2026-03-04T10:00, by: M. Osei, likelihood: {a: 0.6, b: 0.3, c: 0.5}}
    retracted: {at: 2026-03-06T09:00, by: J. Park, reason: wrong flat}
enquiries:
  - {id: q1, text: Ask the GP, raised: 2026-03-03T10:00, by: J. Park,
     likelihood: {a: 0.5, b: 0.2, c: 0.4}}
judgements:
  - {at: 2026-03-03T11:00, by: R. Hale, ratings: {a: 2, b: 1, c: 1}}
"""


def test_by_is_kept_on_every_dated_entry_through_import_and_export(tmp_path: Path) -> None:
    from hypotrack.domain.casefile import events_to_yaml, load_case_text

    loaded = load_case_text(BY_CASE, "by.yaml")
    authors = [(e.kind, e.who) for e in loaded.events]
    assert None not in {who for kind, who in authors if kind != "hypothesis-added"}
    with SqliteEventStore(tmp_path / "s.db") as store:
        import_events(store, loaded.events)
        from hypotrack.store.case import load_case_events

        back = load_case_events(store, "by-case")
    exported = events_to_yaml(back)
    again = load_case_text(exported, "exported.yaml")
    # The one entry the file leaves unattributed is the importer's.
    from hypotrack.store.case import login_name

    assert [(e.kind, e.who) for e in again.events] == [
        (kind, who or login_name()) for kind, who in authors
    ]
    assert "by: M. Osei" in exported and "by: J. Park" in exported
