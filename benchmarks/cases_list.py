"""The list of cases with many stored cases (issue: "3 s with 200 stored cases").

    python benchmarks/cases_list.py            # 200 and 1,000 cases (about a minute to build)
    python benchmarks/cases_list.py --quick    # 50 cases: a smoke run

Stores the shipped worked examples and teaching cases over and over under new ids (real cases of
12 to 40 events each, with their flags), each as `hypotrack import` stores it (one transaction,
then its digest). Then measures, wall and CPU time in this process:

  - `case_rows` as it is now: every case's digest read from the store (target: under 300 ms at
    1,000 cases);
  - `case_rows` with no digest kept (a store written before digests, or by code that keeps
    none): every case is reasoned over, which is what the list did for every case before the
    store kept digests;
  - the app's start screen (headless), with digests kept: a refresh (F5) to a refilled list
    (target: under 300 ms at 1,000 cases), and the launch to a filled list (the app's own
    start-up included).

Each figure is printed with its target; the exit code is 0 unless --strict and a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypotrack.domain.casefile import load_case_file  # noqa: E402
from hypotrack.report.digest import case_rows, import_case  # noqa: E402
from hypotrack.resources import models_dir  # noqa: E402
from hypotrack.store.sqlite import SqliteEventStore  # noqa: E402

TARGET_S = 0.300


def templates() -> list[list[Any]]:
    """The shipped worked examples and teaching cases, as timelines."""
    paths = sorted((models_dir() / "examples").glob("worked-*.yaml"))
    paths += sorted((models_dir() / "teaching").glob("*.yaml"))
    return [load_case_file(p).events for p in paths]


def renamed(events: list[Any], case_id: str) -> list[Any]:
    """The same timeline under another case id."""
    opened = events[0]
    info = opened.case.model_copy(update={"id": case_id})
    return [opened.model_copy(update={"case": info}), *events[1:]]


def fill(store: SqliteEventStore, n: int, start: int, sources: list[list[Any]]) -> None:
    for i in range(start, n):
        import_case(store, renamed(sources[i % len(sources)], f"case-{i:05d}"))


def timed(fn: Any) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def without_digests(path: Path) -> None:
    """Forget every kept digest (as in a store written before digests were kept)."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM case_digests")
    conn.close()


def app_list_time(path: Path, n: int) -> tuple[float, float]:
    """The app's start screen (headless, 120×40) listing `n` cases, in seconds.

    Returns (launch to a filled list, refresh to a refilled list): the second is the list itself,
    without the app's own start-up.
    """
    import os

    os.environ["HYPOTRACK_HOME"] = str(path.parent)
    from hypotrack.tui.app import HypotrackApp
    from hypotrack.tui.screens import start

    shown: list[float] = []
    original = start.StartScreen.show_rows

    def show_rows(self: Any) -> None:
        original(self)
        shown.append(time.perf_counter())

    async def run() -> tuple[float, float]:
        began = time.perf_counter()
        app = HypotrackApp()
        async with app.run_test(size=(120, 40)) as pilot:
            while not shown:
                await pilot.pause(0.002)
            launch = shown[-1] - began
            await pilot.app.workers.wait_for_complete()
            await pilot.pause(0.2)
            count = len(shown)
            again = time.perf_counter()
            app.screen.action_refresh()
            while len(shown) == count:
                await pilot.pause(0.002)
            assert app.screen.query_one("#cases").row_count == n
            return launch, shown[-1] - again

    start.StartScreen.show_rows = show_rows  # type: ignore[method-assign]
    try:
        return asyncio.run(run())
    finally:
        start.StartScreen.show_rows = original  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 cases only: a smoke run")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    sizes = [50] if args.quick else [200, 1000]
    sources = templates()
    missed = False
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hypotrack.db"
        store = SqliteEventStore(path)
        built = 0
        events = 0
        print(f"{'cases':>6}  {'figure':<58} {'wall':>9} {'cpu':>9}  target")
        for n in sizes:
            t0 = time.perf_counter()
            fill(store, n, built, sources)
            built = n
            print(f"  (stored {n} cases in {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
            events = sum(c.events for c in store.cases())
            wall, cpu, rows = timed(lambda s=store: case_rows(s))
            assert len(rows) == n
            ok = wall < TARGET_S
            missed |= not ok and not args.quick
            print(
                f"{n:>6}  {'cases list, digests kept (now)':<58} {wall * 1000:>7.0f}ms "
                f"{cpu * 1000:>7.0f}ms  < 300 ms {'PASS' if ok else 'MISS'}"
            )
            store.close()
            launch, refresh = app_list_time(path, n)
            ok = refresh < TARGET_S
            missed |= not ok and not args.quick
            print(
                f"{n:>6}  {'app: refresh (F5) to a refilled list of cases':<58} "
                f"{refresh * 1000:>7.0f}ms {'':>9}  < 300 ms {'PASS' if ok else 'MISS'}"
            )
            print(f"{n:>6}  {'app: launch to a filled list of cases':<58} {launch * 1000:>7.0f}ms")
            without_digests(path)
            store = SqliteEventStore(path)
            wall, cpu, rows_cold = timed(lambda s=store: case_rows(s))
            assert rows_cold == rows, "a recomputed digest differs from the kept one"
            print(
                f"{n:>6}  {'cases list, no digest kept (every case reasoned over)':<58} "
                f"{wall * 1000:>7.0f}ms {cpu * 1000:>7.0f}ms  (as before digests)"
            )
        store.close()
        print(f"({events} events in the store; {len(sources)} source cases)")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
