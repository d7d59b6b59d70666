"""The sources and enquiries section."""

from __future__ import annotations

from hypotrack.domain.results import EnquiryValue
from hypotrack.domain.state import CaseState
from hypotrack.reasoning.timeline import Step
from hypotrack.report.values import EnquiryRow, SourceRow


def sources(state: CaseState, now: Step) -> list[SourceRow]:
    """Each source: the worker's reliance at first and now, and the network's reading now."""
    return [
        SourceRow(
            id=s.id,
            label=s.spec.label,
            initial=s.spec.reliability,
            reliability=s.reliability,
            network=now.reliability.get(s.id, s.reliability),
            changes=[(c.at, c.reliability, c.reason) for c in s.changes],
        )
        for s in state.sources.values()
    ]


def enquiries(state: CaseState, values: dict[str, EnquiryValue]) -> list[EnquiryRow]:
    """Each enquiry: answered (by which item, with what) or open (with what it is worth)."""
    rows = []
    for q in state.enquiries.values():
        answer = None
        if q.answered_by is not None:
            answering = state.items.get(q.answered_by)
            answer = answering.spec.answers.result if answering and answering.spec.answers else None
        rows.append(
            EnquiryRow(
                id=q.id,
                text=q.spec.text,
                raised=q.raised,
                answered_by=q.answered_by,
                answer=answer,
                value=values.get(q.id),
            )
        )
    return rows
