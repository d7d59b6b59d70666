"""How fast a case file is read: the strict loader against plain libyaml.

    python benchmarks/loader.py             # a 5,000-item case file (about 1.9 MB)
    python benchmarks/loader.py --items 500 --repeats 3

The file is the synthetic case of `benchmarks/generate.py` (seed 3) written as a case file.
Each figure is the best of `--repeats` runs (wall clock, `time.perf_counter`), the runs of the
different readers interleaved so that a busy machine slows them alike:

- plain libyaml: `yaml.load(text, Loader=yaml.CSafeLoader)`, which checks nothing (aliases,
  duplicate keys, merge keys, tags and YAML 1.1's yes/no booleans all pass);
- strict: `strict_yaml.parse_yaml`, the loader's YAML step with every refusal and every line
  kept (libyaml composes; one Python pass checks the tree and builds the data);
- strict, pure Python: the same with PyYAML's Python composer (what machines without libyaml
  run, and what the loader ran before);
- whole load: `load_case_text`, the YAML step plus the file model (pydantic) and the
  cross-checks that build the events (information).

Target: strict within 2x of plain libyaml. Exit 1 with `--strict` when it misses.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from benchmarks.generate import generate_case, shape_for  # noqa: E402
from hypotrack.domain.casefile import (  # noqa: E402
    events_to_yaml,
    load_case_text,
    strict_yaml,  # noqa: E402
)

TARGET = 2.0


def best(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Best wall time of each function over `repeats` interleaved rounds."""
    out = {name: float("inf") for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            out[name] = min(out[name], time.perf_counter() - start)
    return out


def python_only(text: str) -> Any:
    saved = strict_yaml.LIBYAML
    strict_yaml.LIBYAML = False
    try:
        return strict_yaml.parse_yaml(text, "bench.yaml")
    finally:
        strict_yaml.LIBYAML = saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    if not strict_yaml.LIBYAML:
        print("PyYAML was built without libyaml: nothing to compare.")
        return 0
    text = events_to_yaml(generate_case(shape_for(args.items, 3)))
    items = text.count("\n  recorded: ")
    # The strict reader and plain libyaml agree on the data.
    assert strict_yaml.parse_yaml(text, "bench.yaml")[0] == yaml.load(text, yaml.CSafeLoader)
    fns: dict[str, Callable[[], Any]] = {
        "plain": lambda: yaml.load(text, Loader=yaml.CSafeLoader),
        "strict": lambda: strict_yaml.parse_yaml(text, "bench.yaml"),
        "whole": lambda: load_case_text(text, "bench.yaml"),
    }
    t = best(fns, args.repeats)
    t.update(best({"python": lambda: python_only(text)}, max(1, args.repeats // 3)))
    ratio = t["strict"] / t["plain"]
    ok = ratio <= TARGET
    print(f"case file: {items:,} items, {len(text) / 1e6:.2f} MB, {text.count(chr(10)):,} lines")
    print(f"best of {args.repeats} (pure Python: best of {max(1, args.repeats // 3)})")
    print()
    rows = [
        ("plain yaml.load, CSafeLoader (checks nothing)", t["plain"], ""),
        ("strict loader, libyaml composer", t["strict"], f"{ratio:.2f}x plain"),
        (
            "strict loader, pure Python composer",
            t["python"],
            f"{t['python'] / t['plain']:.2f}x plain",
        ),
        (
            "whole load_case_text (YAML + model + checks)",
            t["whole"],
            f"{t['whole'] / t['plain']:.2f}x plain",
        ),
    ]
    for label, seconds, note in rows:
        print(f"  {label:<48} {seconds * 1e3:9.1f} ms  {note}")
    print()
    print(
        f"strict / plain = {ratio:.2f}x  (target <= {TARGET:.0f}x): {'PASS' if ok else 'MISS'}; "
        f"{t['python'] / t['strict']:.1f}x faster than the pure Python composer"
    )
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    raise SystemExit(main())
