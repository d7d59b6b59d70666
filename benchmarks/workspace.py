"""The workspace's speed at a real size (issue targets, not timed tests).

    python benchmarks/workspace.py               # a 1,000-item case, 5 trials of each figure
    python benchmarks/workspace.py --items 200   # another size
    python benchmarks/workspace.py --profile     # also a cProfile of one open and one save

Runs the real app headless (Textual's `run_test`, 120×40) on a store in a temporary folder
holding one synthetic case from `benchmarks/generate.py` (seed 3). Figures:

  open   from `app.open_case(id)` to the workspace drawn with the case's items (target < 300 ms),
         and on to the network's beliefs drawn (the reasoning runs in a thread worker);
  save   from Ctrl+S on a filled evidence form to the next key handled in the workspace
         (target < 100 ms), and on to the beliefs, flags and enquiries of the new state drawn.

Each figure is the median of the trials (wall clock, `time.perf_counter`). The exit code is 0
unless `--strict` and a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate_case, shape_for  # noqa: E402

SEED = 3
SORT = os.environ.get("BENCH_SORT", "cumulative")
OPEN_TARGET = 0.300
SAVE_TARGET = 0.100


def _store(folder: Path, n_items: int) -> tuple[Any, str]:
    from hypotrack.store.case import import_events
    from hypotrack.store.sqlite import SqliteEventStore

    events = generate_case(shape_for(n_items, SEED))
    store = SqliteEventStore(folder / "bench.db")
    import_events(store, events)
    return store, events[0].case.id


async def _settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _until(pilot: Any, done: Any, limit: float = 60.0) -> None:
    start = time.perf_counter()
    while not done():
        if time.perf_counter() - start > limit:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(0.002)
    await pilot.pause()


async def _measure(store: Any, case_id: str, trials: int, profile: bool) -> dict[str, list[float]]:
    from textual import events

    from hypotrack.tui.app import HypotrackApp
    from hypotrack.tui.screens.entry import EvidenceForm
    from hypotrack.tui.screens.workspace import WorkspaceScreen
    from hypotrack.tui.widgets.beliefs import ExplanationsTable

    out: dict[str, list[float]] = {
        k: [] for k in ("open", "open_beliefs", "save", "save_all", "open_cpu", "save_cpu")
    }
    marks: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def mark(name: str) -> None:
        marks.setdefault(name, time.perf_counter())
        cpu.setdefault(name, time.thread_time())

    app = HypotrackApp(store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        for trial in range(trials):
            marks.clear()
            cpu.clear()
            prof = cProfile.Profile(time.thread_time) if profile and trial == trials - 1 else None
            # Open: the first paint of the workspace, then the beliefs drawn.
            if prof:
                prof.enable()
            t0, c0 = time.perf_counter(), time.thread_time()
            app.open_case(case_id)
            screen = app.screen
            assert isinstance(screen, WorkspaceScreen)
            screen.call_after_refresh(mark, "drawn")
            await _until(pilot, lambda: "drawn" in marks)
            await _until(pilot, lambda s=screen: s.beliefs is not None and s._fresh())
            screen.call_after_refresh(mark, "beliefs")
            await _until(pilot, lambda: "beliefs" in marks)
            if prof:
                prof.disable()
                _print_profile(prof, "open")
            out["open"].append(marks["drawn"] - t0)
            out["open_cpu"].append(cpu["drawn"] - c0)
            out["open_beliefs"].append(marks["beliefs"] - t0)
            await _settle(pilot)

            # Save: one item through the form, then the next key (↓ on the explanations).
            await pilot.press("e")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, EvidenceForm)
            form.query_one("#text").value = f"A new report number {trial} about the child's day"
            for h in screen.state.live_hypotheses:
                form.query_one(f"#like-{h}").value = "likely"
            await pilot.pause()
            table = screen.query_one(ExplanationsTable)
            down = table.action_cursor_down

            def moved(down: Any = down) -> None:
                mark("key")
                down()

            table.action_cursor_down = moved  # type: ignore[method-assign]
            version = screen.version
            prof = cProfile.Profile(time.thread_time) if profile and trial == trials - 1 else None
            if prof:
                prof.enable()
            t0, c0 = time.perf_counter(), time.thread_time()
            app.post_message(events.Key("ctrl+s", None))
            app.post_message(events.Key("down", None))
            await _until(pilot, lambda: "key" in marks)
            await _until(pilot, lambda s=screen: s.change is not None and s._fresh())
            await app.workers.wait_for_complete()
            screen.call_after_refresh(mark, "all")
            await _until(pilot, lambda: "all" in marks)
            if prof:
                prof.disable()
                _print_profile(prof, "save")
            assert app.screen is screen and screen.version == version + 1
            out["save"].append(marks["key"] - t0)
            out["save_cpu"].append(cpu["key"] - c0)
            out["save_all"].append(marks["all"] - t0)
            del table.action_cursor_down
            await pilot.press("escape")
            await _settle(pilot)
    return out


def _print_profile(prof: cProfile.Profile, what: str) -> None:
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats(SORT).print_stats(
        int(os.environ.get("BENCH_LINES", "25"))
    )
    print(f"--- profile: {what} ---\n{buf.getvalue()}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The workspace's open and save times.")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        store, case_id = _store(Path(folder), args.items)
        try:
            out = asyncio.run(_measure(store, case_id, args.trials, args.profile))
        finally:
            store.close()
    med = {k: statistics.median(v) for k, v in out.items()}
    rows = [
        ("open: workspace drawn", med["open"], OPEN_TARGET),
        ("  (the app's own thread's CPU time)", med["open_cpu"], None),
        ("open: beliefs drawn", med["open_beliefs"], None),
        ("save an item: next key handled", med["save"], SAVE_TARGET),
        ("  (the app's own thread's CPU time)", med["save_cpu"], None),
        ("save an item: beliefs, flags, enquiries drawn", med["save_all"], None),
    ]
    load = os.getloadavg()[0]
    print(
        f"workspace, {args.items}-item case (seed {SEED}), median of {args.trials}, 120x40, "
        f"{os.cpu_count()} cores, load average {load:.1f} at the end"
    )
    missed = False
    for label, value, target in rows:
        verdict = ""
        if target is not None:
            ok = value < target
            missed |= not ok
            verdict = f"target < {target * 1000:.0f} ms  {'PASS' if ok else 'MISS'}"
        print(f"  {label:<48} {value * 1000:8.0f} ms  {verdict}")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
