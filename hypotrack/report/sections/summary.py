"""The summary: each explanation now, and the case counted in one line."""

from __future__ import annotations

from hypotrack.domain.state import CaseState
from hypotrack.reasoning.timeline import Step
from hypotrack.report.sections.common import normalised
from hypotrack.report.values import Explanation, ShownFlag


def explanations(state: CaseState, now: Step) -> list[Explanation]:
    """Every explanation, live or retired, with the network's and the worker's belief now."""
    latest = state.latest_judgement
    worker_now = normalised(latest.ratings) if latest else {}
    return [
        Explanation(
            id=h.id,
            label=h.label,
            description=h.description,
            catch_all=h.spec.catch_all,
            prior=h.spec.prior,
            added=h.added,
            retired=h.retired,
            retired_reason=h.retired_reason,
            network=now.p(h.id) if h.live else None,
            worker=worker_now.get(h.id),
            favoured=latest is not None and latest.favoured == h.id,
            unweighed=len(h.unweighed) if h.live else 0,
        )
        for h in state.hypotheses.values()
    ]


def counts(state: CaseState, flags: list[ShownFlag]) -> dict[str, int]:
    """Items, sources, judgements, notes, open enquiries and flags by severity."""
    return {
        "items": len(state.live_items),
        "retracted": sum(1 for i in state.items.values() if not i.live),
        "sources": len(state.sources),
        "judgements": len(state.judgements),
        "notes": len(state.notes),
        "open_enquiries": len(state.open_enquiries),
        "red": sum(1 for f in flags if f.flag.severity == "red"),
        "amber": sum(1 for f in flags if f.flag.severity == "amber"),
    }
