"""The JSON documents the commands print with --json.

Each document is the result's own `model_dump`, its times written in the case's zone; only what
the JSON adds to a result (the event a change followed, odds beside log-odds) is declared here.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hypotrack.cli.times import iso

if TYPE_CHECKING:  # pydantic costs ~150 ms to import: not for `hypotrack --help`
    from pydantic import BaseModel

# JSON escapes C0 controls itself; DEL, the C1 controls (0x9b is CSI on some terminals) and bidi
# controls it leaves raw, so they are escaped too: the document means the same, and is safe to print.
_JSON_ESCAPES = {
    code: f"\\u{code:04x}"
    for code in [0x7F, *range(0x80, 0xA0), *(ord(c) for c in "\u061c\u200e\u200f")]
    + [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029]
}


def emit_json(doc: Any) -> None:
    # Serialised whole first: NaN or infinity is a bug to report, never half a document.
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    sys.stdout.write(text.translate(_JSON_ESCAPES) + "\n")


def zoned(value: Any, tz: ZoneInfo) -> Any:
    """`value` with every datetime in it written as ISO 8601 in the case's zone."""
    if isinstance(value, datetime):
        return iso(value, tz)
    if isinstance(value, dict):
        return {k: zoned(v, tz) for k, v in value.items()}
    if isinstance(value, list):
        return [zoned(v, tz) for v in value]
    return value


def dump(result: BaseModel, tz: ZoneInfo, **which: Any) -> dict[str, Any]:
    """A result's own dump (`include=`/`exclude=` as pydantic takes them), times zoned."""
    return zoned(result.model_dump(**which), tz)


def odds(log_odds: float | None) -> float | None:
    return math.exp(log_odds) if log_odds is not None else None


def with_odds(doc: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """`doc` with, after each log-odds field named in `names`, the odds it stands for."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        out[key] = value
        if key in names:
            out[names[key]] = odds(value)
    return out


def step_event(at: datetime, kind: str, subject: str | None, tz: ZoneInfo) -> dict[str, Any]:
    """When a timeline step happened and its event: `{"at": ..., "event": {"kind", "id"}}`."""
    return {"at": iso(at, tz), "event": {"kind": kind, "id": subject}}


def flag_json(flag: Any, tz: ZoneInfo) -> dict[str, Any]:
    """A flag as the JSON shows it: everything but its internal strength."""
    return dump(flag, tz, exclude={"strength"})


def belief_json(b: Any, tz: ZoneInfo) -> dict[str, Any]:
    """An explanation's change: its figures, each event's share and the items that moved it."""
    doc = with_odds(
        dump(b, tz, exclude={"contributions", "movers"}), {"log_odds_change": "odds_change"}
    )
    doc["contributions"] = [
        {
            **step_event(c.at, c.kind, c.subject, tz),
            "log_odds": c.log_odds,
            "odds": odds(c.log_odds),
        }
        for c in b.contributions
    ]
    doc["movers"] = [
        with_odds(i.model_dump(), {"log_odds": "odds", "log_lr_vs_favoured": "lr_vs_favoured"})
        for i in b.movers
    ]
    return doc


def diff_json(d: Any, tz: ZoneInfo) -> dict[str, Any]:
    """`diff --json`: the CaseDiff's own fields under the names the command line has used."""
    return {
        "from": iso(d.start, tz),
        "to": iso(d.end, tz),
        "favoured": d.favoured,
        "favoured_by": d.favoured_by,
        "items": {
            "added": [dump(i, tz) for i in d.items_added],
            "amended": [dump(i, tz) for i in d.items_amended],
            "retracted": [dump(i, tz) for i in d.items_retracted],
        },
        "hypotheses": {
            "added": [dump(h, tz, exclude={"reason"}) for h in d.hypotheses_added],
            "retired": [dump(h, tz) for h in d.hypotheses_retired],
        },
        "reliability_changes": [dump(r, tz) for r in d.reliability_changes],
        "judgements": [dump(j, tz) for j in d.judgements],
        "notes": [dump(n, tz) for n in d.notes],
        "flags": {
            "before": [flag_json(f, tz) for f in d.flags_before],
            "after": [flag_json(f, tz) for f in d.flags_after],
            "changes": [
                {
                    "change": c.change,
                    **step_event(c.at, c.kind, c.subject, tz),
                    **flag_json(c.flag, tz),
                }
                for c in d.flag_changes
            ],
        },
        "beliefs": [belief_json(b, tz) for b in d.beliefs],
    }
