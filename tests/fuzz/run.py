"""The long fuzz run, for a person at a machine: random seeds, a time budget, a tally.

    python -m tests.fuzz.run --minutes 15 [--kind structured|raw|both] [--out DIR]

Draws inputs from the strategies of `mutations.py` (not derandomized: each run explores new
inputs), runs each through `harness.exercise`, and prints every minute and at the end: inputs
tried, accepted (exit 0, invariant checked), refused (exit 2), and findings. Each finding is
written to DIR (default `tests/fuzz/findings/`) with the assertion beside it; once fixed, move
the input into `tests/fuzz/corpus/` as a kept regression file.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.harness import Outcomes, exercise
from tests.fuzz.mutations import raw_case_bytes, structured_case_texts
from tests.invariant import InvariantBroken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=15)
    parser.add_argument("--kind", choices=["structured", "raw", "both"], default="both")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "findings"))
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    out = Path(args.out)
    deadline = time.monotonic() + args.minutes * 60
    outcomes = Outcomes()
    findings: dict[str, str] = {}
    last_report = time.monotonic()
    rng = random.Random(args.seed)

    strategies = {
        "structured": structured_case_texts().map(lambda t: t.encode("utf-8")),
        "raw": raw_case_bytes(),
    }
    kinds = ["structured", "raw"] if args.kind == "both" else [args.kind]

    def report(final: bool = False) -> None:
        total = sum(outcomes.values())
        line = (
            f"{'done' if final else 'so far'}: {total} inputs, "
            f"{outcomes['accepted']} accepted (invariant held), {outcomes['refused']} refused "
            f"(exit 2), {outcomes['finding']} findings ({len(findings)} distinct)"
        )
        print(line, flush=True)

    def run_batch(kind: str) -> None:
        @settings(
            max_examples=50,
            database=None,
            deadline=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
            phases=[p for p in settings.default.phases if p.name in ("generate",)],
        )
        @given(st.data())
        def batch(data: st.DataObject) -> None:
            value = data.draw(strategies[kind])
            if time.monotonic() >= deadline:
                return
            try:
                exercise(value, outcomes, full=kind == "structured")
            except InvariantBroken as exc:
                outcomes["finding"] += 1
                key = re.sub(r"/\S*hypotrack-fuzz-[^/\s]+", "<tmp>", str(exc).splitlines()[0])[:120]
                if key not in findings:
                    findings[key] = str(exc)
                    out.mkdir(parents=True, exist_ok=True)
                    name = hashlib.sha256(value).hexdigest()[:12]
                    (out / f"{kind}-{name}.yaml").write_bytes(value)
                    (out / f"{kind}-{name}.txt").write_text(str(exc))
                    print(f"FINDING ({kind}-{name}): {key}", flush=True)

        batch()

    while time.monotonic() < deadline:
        run_batch(rng.choice(kinds))
        if time.monotonic() - last_report > 60:
            report()
            last_report = time.monotonic()
    report(final=True)
    for key in findings:
        print(" -", key)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
