"""The judgements section: what was known at each judgement."""

from __future__ import annotations

import bisect

from hypotrack.domain import model as m
from hypotrack.domain.state import CaseState
from hypotrack.reasoning.timeline import Step
from hypotrack.report.sections.common import item_tuple, normalised
from hypotrack.report.values import JudgementThen


class OnFileAtJudgements:
    """A reader of the walk: at each judgement, the step (the network's belief and the flags
    then) and the items counted (live, retracted by then, ids retracted since the previous one).

    Counts, not lists: a list of every item on file at every judgement grows with items ×
    judgements (176 MB of HTML at 20,000 items).
    """

    def __init__(self) -> None:
        self.at_step: dict[int, tuple[Step, int, int, list[str]]] = {}
        self._recorded = self._retracted = 0
        self._retracted_since: list[str] = []

    def take(self, step: Step) -> None:
        event = step.event
        if isinstance(event, m.EvidenceRecorded):
            self._recorded += 1
        elif isinstance(event, m.EvidenceRetracted):
            self._retracted += 1
            self._retracted_since.append(event.id)
        elif isinstance(event, m.JudgementRecorded):
            live = self._recorded - self._retracted
            # Keyed by the judgement's position among the events (`JudgementState.step`).
            self.at_step[step.stop - 1] = (step, live, self._retracted, self._retracted_since)
            self._retracted_since = []

    def judgements(self, state: CaseState) -> list[JudgementThen]:
        """Each judgement with its ratings beside the network's then, and what was new."""
        out: list[JudgementThen] = []
        prev_step = -1
        for j in state.judgements:
            snap, on_file, retracted_by_then, retracted = self.at_step[j.step]
            ratings = normalised(j.ratings)
            rows = [(h, ratings.get(h), snap.p(h)) for h in snap.posterior]
            rows += [(h, v, None) for h, v in ratings.items() if h not in snap.posterior]
            # Items recorded since the previous judgement, live or since retracted (by
            # bisection: a scan of every item per judgement is quadratic).
            lo = bisect.bisect_right(state.item_steps, prev_step)
            hi = bisect.bisect_right(state.item_steps, j.step)
            out.append(
                JudgementThen(
                    id=j.id,
                    at=j.at,
                    who=j.who,
                    favoured=j.favoured,
                    note=j.spec.note,
                    rows=rows,
                    on_file=on_file,
                    retracted_by_then=retracted_by_then,
                    retracted=retracted,
                    new=[item_tuple(state, i.id) for i in state.item_order[lo:hi]],
                    flags=[(f.id, f.severity, f.acknowledged) for f in snap.flags or ()],
                )
            )
            prev_step = j.step
        return out
