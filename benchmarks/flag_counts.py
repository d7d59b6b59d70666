"""How many steps of each shipped case each flag fires at (replay with flags at every step).

`python benchmarks/flag_counts.py [--json]` prints a table: rule x case -> steps it fires at.
Run it from a checkout (the checkout's own `hypotrack` is imported).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypotrack.domain.casefile import load_case_file  # noqa: E402
from hypotrack.reasoning.engine import Engine  # noqa: E402
from hypotrack.reasoning.flags import compute_flags  # noqa: E402


def counts(path: Path) -> dict[str, int]:
    events = load_case_file(path).events
    engine = Engine()
    out: dict[str, int] = {}
    for event in events:
        engine.apply(event)
        for flag in compute_flags(engine):
            key = f"{flag.id} ({flag.severity})" if flag.severity == "red" else flag.id
            out[key] = out.get(key, 0) + 1
            out[flag.id + " *"] = out.get(flag.id + " *", 0) + 1
    out["steps"] = len(events)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    files = sorted((ROOT / "models" / "examples").glob("*.yaml")) + sorted(
        (ROOT / "models" / "teaching").glob("*.yaml")
    )
    table = {f.stem: counts(f) for f in files}
    if args.json:
        print(json.dumps(table, indent=1))
        return 0
    rules = sorted({k for c in table.values() for k in c if k.endswith(" *")})
    print("| rule | " + " | ".join(table) + " |")
    print("|---|" + "---|" * len(table))
    print("| steps | " + " | ".join(str(c["steps"]) for c in table.values()) + " |")
    for rule in rules:
        name = rule[:-2]
        cells = []
        for c in table.values():
            n = c.get(rule, 0)
            red = c.get(f"{name} (red)", 0)
            cells.append(f"{n} ({red} red)" if red else str(n))
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
