"""The case report at real sizes (issue: "an HTML report of a 20,000-item case is 176 MB").

    python benchmarks/report_size.py                 # 2,000 and 20,000 items
    python benchmarks/report_size.py --quick         # 500 items: a smoke run
    python benchmarks/report_size.py --items 5000    # one size

For each size, a child process builds the synthetic case of `benchmarks/generate.py` (12
explanations, 10 sources, one judgement per 10 items) and exports it as HTML and as Markdown the
way `hypotrack export` does (`report.export.export`, given the chain head as the store gives it).
It reports the wall and CPU time of each export (on a shared machine the CPU time is the
steadier), the size of the file, and the child's peak memory (its maximum resident set, which
includes the Python interpreter and the case's events: their figure is printed on its own line
for comparison). Targets at 20,000 items: HTML under 10 MB and under 5 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = 3
TARGET_MB = 10.0
TARGET_S = 5.0


def child(n_items: int, fmt: str) -> dict[str, float]:
    """Runs in its own process: one export of one size, measured."""
    from benchmarks.generate import generate_case, shape_for
    from hypotrack.report.export import export
    from hypotrack.store.case import chain_head

    events = generate_case(shape_for(n_items, SEED))
    # `hypotrack export` is given the chain head by the store; here it is computed beforehand,
    # untimed (0.5 s of CPU at 20,000 items).
    head = chain_head(events)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    began = time.perf_counter()
    cpu = time.process_time()
    text = "" if fmt == "none" else export(events, fmt, head=head)
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "events": len(events),
        "wall": wall,
        "cpu": cpu,
        "mb": len(text.encode("utf-8")) / 1e6,
        "peak_mb": peak,
        "base_mb": base,
    }


def measure(n_items: int, fmt: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n_items), fmt],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 items only: a smoke run")
    parser.add_argument("--items", type=int, action="append", help="a size to measure")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1])))
        return 0
    sizes = args.items or ([500] if args.quick else [2000, 20000])
    missed = False
    print(
        f"{'items':>6}  {'export':<8} {'wall':>8} {'cpu':>8} {'size':>10} {'peak memory':>12}  target"
    )
    for n in sizes:
        base = measure(n, "none")
        print(
            f"{n:>6}  {'(case)':<8} {'':>8} {'':>8} {'':>10} {base['peak_mb']:>9.0f} MB  "
            f"({base['events']:.0f} events: the interpreter and the case alone)"
        )
        for fmt in ("html", "md"):
            got = measure(n, fmt)
            verdict = ""
            if fmt == "html" and n == 20000:
                ok = got["mb"] < TARGET_MB and got["wall"] < TARGET_S
                missed |= not ok
                verdict = f"< 10 MB, < 5 s {'PASS' if ok else 'MISS'}"
            print(
                f"{n:>6}  {fmt:<8} {got['wall']:>7.2f}s {got['cpu']:>7.2f}s {got['mb']:>7.2f} MB "
                f"{got['peak_mb']:>9.0f} MB  {verdict}"
            )
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
