"""The team store's speed and soundness on a real PostgreSQL server (issue targets, not tests).

    scripts/pg-throwaway start /tmp/htpg          # prints the superuser's URL
    python benchmarks/team.py --pg 'postgresql://postgres@/postgres?host=/tmp/htpg&port=54329'

(``--pg`` defaults to $HYPOTRACK_TEST_PG.) The script makes a database of its own on that server,
runs `team init`, adds two people, and drops the database at the end. Figures:

  append    one event per transaction on loopback TCP (127.0.0.1, password sign-in), p50 and p95
            over 400 appends, beside SQLite's (a file in a temporary folder) in the same run;
  writers   20 writer processes x 200 events each: 15 on a case of their own, 5 on one shared
            case (they collide, re-read and retry). Checked: no event lost (every writer's 200
            are there), every chain gapless, `verify` clean; throughput in events per second;
  open      the app (headless, 120x40) opening a 1,000-item case, from `open_case` to the
            workspace drawn, median of 5, PostgreSQL beside SQLite (target: within 1.5x);
  replay    `hypotrack replay CASE --json` of that case, in-process, median of 3 (same target).

The exit code is 0 unless `--strict` and a check or target fails.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

AT = "2026-03-01T09:30:00"
RATIO_TARGET = 1.5


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _appends(store: Any, case_id: str, n: int) -> list[float]:
    store.append(case_id, "case-opened", {"case": {"title": "bench"}}, at=AT, expected_seq=1)
    times = []
    payload = {"note": {"text": "x" * 300}}
    for seq in range(2, n + 2):
        t0 = time.perf_counter()
        store.append(case_id, "note", payload, at=AT, expected_seq=seq)
        times.append(time.perf_counter() - t0)
    return times


def _writer(url: str, case_id: str, writer: int, count: int, start: Any, results: Any) -> None:
    from hypotrack.store.base import StoreConflict
    from hypotrack.store.open import open_store

    conflicts = 0
    with open_store(url) as store:
        start.wait(30)
        seen = len(store.events(case_id))
        done = 0
        while done < count:
            try:
                event = store.append(
                    case_id, "note", {"writer": writer, "i": done}, at=AT, expected_seq=seen + 1
                )
            except StoreConflict:
                conflicts += 1
                seen = len(store.events(case_id))
                continue
            seen = event.seq
            done += 1
    results.put((writer, conflicts))


def _writers(url: str, n_writers: int = 20, per_writer: int = 200, shared: int = 5) -> dict:
    from hypotrack.store.open import open_store

    cases = {w: (f"own-{w}" if w < n_writers - shared else "shared") for w in range(n_writers)}
    with open_store(url) as setup:
        for case_id in sorted(set(cases.values())):
            setup.append(
                case_id, "case-opened", {"case": {"title": case_id}}, at=AT, expected_seq=1
            )
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(url, cases[w], w, per_writer, start, results))
        for w in range(n_writers)
    ]
    for p in procs:
        p.start()
    time.sleep(1.0)  # every writer connected and waiting
    t0 = time.perf_counter()
    start.set()
    outcomes = dict(results.get(timeout=600) for _ in procs)
    elapsed = time.perf_counter() - t0
    for p in procs:
        p.join(timeout=60)
    with open_store(url) as check:
        problems = check.verify()
        lost = 0
        gapless = True
        for case_id in sorted(set(cases.values())):
            events = check.events(case_id)
            gapless &= [e.seq for e in events] == list(range(1, len(events) + 1))
            for w in [w for w, c in cases.items() if c == case_id]:
                got = {e.payload["i"] for e in events[1:] if e.payload.get("writer") == w}
                lost += per_writer - len(got)
    total = n_writers * per_writer
    return {
        "events": total,
        "seconds": elapsed,
        "per_second": total / elapsed,
        "lost": lost,
        "gapless": gapless,
        "verify_problems": len(problems),
        "conflicts_shared": sum(c for w, c in outcomes.items() if cases[w] == "shared"),
        "exit_codes": sorted({p.exitcode for p in procs}),
    }


def _replay_seconds(ref: str, case_id: str, trials: int = 3) -> float:
    from hypotrack.cli import main

    times = []
    for _ in range(trials):
        sink = io.StringIO()
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(sink):
            code = main(["replay", case_id, "--json", "--store", ref])
        times.append(time.perf_counter() - t0)
        assert code == 0
    return statistics.median(times)


def _open_seconds(store: Any, case_id: str, trials: int = 5) -> float:
    import asyncio

    from benchmarks.workspace import _measure

    result = asyncio.run(_measure(store, case_id, trials, False))
    return statistics.median(result["open"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("HYPOTRACK_TEST_PG"), help="a superuser URL")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()
    if not args.pg:
        print(
            "give --pg URL (a superuser on a throwaway server) or set HYPOTRACK_TEST_PG",
            file=sys.stderr,
        )
        return 2

    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    from benchmarks.generate import generate_case, shape_for
    from hypotrack.store.case import import_events
    from hypotrack.store.postgres import PostgresEventStore
    from hypotrack.store.sqlite import SqliteEventStore
    from hypotrack.store.team import add_person, init_store

    parts = conninfo_to_dict(args.pg)
    port = parts.get("port", "5432")
    suffix = secrets.token_hex(3)
    db, person = f"bench_{suffix}", f"bench_{suffix}"
    admin = psycopg.connect(args.pg, autocommit=True)
    admin.execute(f'CREATE DATABASE "{db}"')
    admin_db_url = args.pg.replace(f"/{parts.get('dbname', 'postgres')}?", f"/{db}?", 1)
    if admin_db_url == args.pg:
        admin_db_url = psycopg.conninfo.make_conninfo(args.pg, dbname=db)
    rows: list[tuple[str, str, str]] = []
    failed = False
    try:
        init_store(admin_db_url)
        password = secrets.token_urlsafe(12)
        add_person(admin_db_url, person, "worker", "bench", password=password)
        tcp = f"postgresql://{person}:{password}@127.0.0.1:{port}/{db}"
        print(f"server: PostgreSQL on 127.0.0.1:{port}; database {db}", file=sys.stderr)

        with tempfile.TemporaryDirectory() as tmp:
            # 1. one append
            with SqliteEventStore(Path(tmp) / "append.db") as lite:
                s_times = _appends(lite, "a", 400)
            with PostgresEventStore(tcp) as team:
                p_times = _appends(team, "a", 400)
            for name, times in (("SQLite", s_times), ("PostgreSQL", p_times)):
                rows.append(
                    (
                        f"append one event, {name}",
                        f"p50 {_pct(times, 0.5) * 1000:.2f} ms, p95 {_pct(times, 0.95) * 1000:.2f} ms",
                        "",
                    )
                )
            # 2. 20 writers
            print("20 writers x 200 events...", file=sys.stderr)
            w = _writers(tcp)
            ok = (
                w["lost"] == 0
                and w["gapless"]
                and w["verify_problems"] == 0
                and w["exit_codes"] == [0]
            )
            failed |= not ok
            rows.append(
                (
                    "20 writers x 200 events (5 on one case)",
                    f"{w['per_second']:.0f} events/s ({w['seconds']:.1f} s); lost {w['lost']}; "
                    f"gapless {w['gapless']}; verify problems {w['verify_problems']}; "
                    f"{w['conflicts_shared']} conflicts retried on the shared case",
                    "PASS" if ok else "FAIL",
                )
            )
            # 3. a 1,000-item case: open in the app, replay
            print(f"{args.items}-item case: open and replay...", file=sys.stderr)
            events = generate_case(shape_for(args.items, 3))
            case_id = events[0].case.id
            lite_path = Path(tmp) / "big.db"
            with SqliteEventStore(lite_path) as lite:
                import_events(lite, events)
            with PostgresEventStore(tcp) as team:
                import_events(team, events)
            os.environ["HYPOTRACK_USER"] = "bench"
            s_open = _open_seconds(SqliteEventStore(lite_path), case_id)
            p_open = _open_seconds(PostgresEventStore(tcp, purpose="open"), case_id)
            s_replay = _replay_seconds(str(lite_path), case_id)
            p_replay = _replay_seconds(tcp, case_id)
            for what, s, p in (
                ("open in the app", s_open, p_open),
                ("replay --json", s_replay, p_replay),
            ):
                ratio = p / s
                ok = ratio <= RATIO_TARGET
                failed |= not ok
                rows.append(
                    (
                        f"{args.items}-item case, {what}",
                        f"SQLite {s * 1000:.0f} ms, PostgreSQL {p * 1000:.0f} ms: {ratio:.2f}x",
                        f"{'PASS' if ok else 'MISS'} (target <= {RATIO_TARGET}x)",
                    )
                )
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.execute(f'DROP ROLE IF EXISTS "{person}"')
        admin.close()
    width = max(len(r[0]) for r in rows)
    for name, figure, verdict in rows:
        print(f"{name.ljust(width)}  {figure}  {verdict}".rstrip())
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    random.seed(3)
    sys.exit(main())
