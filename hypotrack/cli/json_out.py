"""The JSON documents the commands print with --json."""

from __future__ import annotations

import json
import math
import sys
from typing import Any
from zoneinfo import ZoneInfo

from hypotrack.cli.times import iso

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


def flag_json(f: Any, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": f.id,
        "severity": f.severity,
        "favoured": f.favoured,
        "rival": f.rival,
        "figure": f.figure,
        "figure_name": f.figure_name,
        "since": iso(f.since, tz) if f.since else None,
        "evidence": f.evidence,
        "message": f.message,
        "question": f.question,
        "acknowledged": f.acknowledged,
        "acknowledgement": f.acknowledgement,
        "earlier_acknowledgement": f.earlier_acknowledgement,
        "lapsed": f.lapsed,
    }


def diff_json(d: Any, tz: ZoneInfo) -> dict[str, Any]:
    def odds(log_odds: float | None) -> float | None:
        return math.exp(log_odds) if log_odds is not None else None

    def belief(b: Any) -> dict[str, Any]:
        return {
            "id": b.id,
            "label": b.label,
            "before": b.before,
            "after": b.after,
            "change": b.change,
            "log_odds_before": b.log_odds_before,
            "log_odds_after": b.log_odds_after,
            "log_odds_change": b.log_odds_change,
            "odds_change": odds(b.log_odds_change),
            "worker_before": b.worker_before,
            "worker_after": b.worker_after,
            "contributions": [
                {
                    "at": iso(c.at, tz),
                    "event": {"kind": c.kind, "id": c.subject},
                    "log_odds": c.log_odds,
                    "odds": odds(c.log_odds),
                }
                for c in b.contributions
            ],
            "movers": [
                {
                    "id": i.id,
                    "log_odds": i.log_odds,
                    "odds": odds(i.log_odds),
                    "log_lr_vs_favoured": i.log_lr_vs_favoured,
                    "lr_vs_favoured": odds(i.log_lr_vs_favoured),
                }
                for i in b.movers
            ],
        }

    return {
        "from": iso(d.start, tz),
        "to": iso(d.end, tz),
        "favoured": d.favoured,
        "favoured_by": d.favoured_by,
        "items": {
            "added": [
                {
                    "id": i.id,
                    "at": iso(i.at, tz),
                    "source": i.source,
                    "text": i.text,
                    "retracted": i.retracted,
                }
                for i in d.items_added
            ],
            "amended": [
                {
                    "id": i.id,
                    "at": iso(i.at, tz),
                    "before": i.before,
                    "after": i.after,
                    "reason": i.reason,
                }
                for i in d.items_amended
            ],
            "retracted": [
                {"id": i.id, "at": iso(i.at, tz), "reason": i.reason, "was_on_file": i.was_on_file}
                for i in d.items_retracted
            ],
        },
        "hypotheses": {
            "added": [
                {"id": h.id, "label": h.label, "at": iso(h.at, tz)} for h in d.hypotheses_added
            ],
            "retired": [
                {"id": h.id, "label": h.label, "at": iso(h.at, tz), "reason": h.reason}
                for h in d.hypotheses_retired
            ],
        },
        "reliability_changes": [
            {
                "source": r.source,
                "at": iso(r.at, tz),
                "before": r.before,
                "after": r.after,
                "reason": r.reason,
            }
            for r in d.reliability_changes
        ],
        "judgements": [
            {
                "id": j.id,
                "at": iso(j.at, tz),
                "who": j.who,
                "favoured": j.favoured,
                "ratings": j.ratings,
                "shares": j.shares,
                "note": j.note,
            }
            for j in d.judgements
        ],
        "notes": [
            {
                "id": n.id,
                "at": iso(n.at, tz),
                "who": n.who,
                "kind": n.kind,
                "text": n.text,
                "flag": n.flag,
                "pinned_at": iso(n.pinned_at, tz) if n.pinned_at else None,
            }
            for n in d.notes
        ],
        "flags": {
            "before": [flag_json(f, tz) for f in d.flags_before],
            "after": [flag_json(f, tz) for f in d.flags_after],
            "changes": [
                {
                    "change": c.change,
                    "at": iso(c.at, tz),
                    "event": {"kind": c.kind, "id": c.subject},
                    **flag_json(c.flag, tz),
                }
                for c in d.flag_changes
            ],
        },
        "beliefs": [belief(b) for b in d.beliefs],
    }
