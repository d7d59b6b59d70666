"""The belief lines: both lines per explanation for the chart, and as a table of moments."""

from __future__ import annotations

from datetime import datetime

from hypotrack.domain import model as m
from hypotrack.domain.state import CaseState
from hypotrack.reasoning.timeline import Step
from hypotrack.report.sections.common import normalised
from hypotrack.report.values import BeliefStep, ChartSeries
from hypotrack.report.words import after_words


class BeliefLines:
    """A reader of the walk: the network's line per explanation, and the belief steps.

    A line gets a point where the belief changed; several changes at one moment (the set-up at
    opening) leave the last one. The steps are one row per moment at which the network moved or
    the worker judged (the Markdown report's chart); changes at one moment are one row. With
    `with_steps=False` (the HTML report, which draws the lines instead) the steps stay empty.
    """

    def __init__(self, opened_at: datetime, *, with_steps: bool = True) -> None:
        self.opened_at = opened_at
        self.with_steps = with_steps
        self.network: dict[str, list[tuple[datetime, float]]] = {}
        self.steps: list[BeliefStep] = []
        self._posterior: object = None
        self._worker: dict[str, float] | None = None

    def take(self, step: Step) -> None:
        self._line_point(step)
        if self.with_steps:
            self._belief_step(step)

    def _line_point(self, step: Step) -> None:
        if step.posterior is self._posterior:
            return  # the walk shares the maps of a step that left the network as it was
        self._posterior = step.posterior
        at, network = step.at, self.network
        for h, p in step.posterior.items():
            line = network.get(h)
            if line is None:
                network[h] = [(at, p)]
                continue
            last_at, last_p = line[-1] if line else (None, None)
            if last_at == at:
                line[-1] = (at, p)
            elif not line or p != last_p:
                line.append((at, p))

    def _belief_step(self, step: Step) -> None:
        event = step.event
        if isinstance(event, m.JudgementRecorded):
            self._worker = normalised(event.judgement.ratings)
        elif not step.moved_network or event.kind == "source-added":
            return
        what = "case opened" if step.at == self.opened_at else after_words(event)
        row = BeliefStep(step.at, what, step.posterior, self._worker)
        if self.steps and self.steps[-1].at == step.at:
            prev = self.steps[-1]
            joined = prev.what if what == prev.what else f"{prev.what}; {what}"
            row = BeliefStep(step.at, joined, row.network, row.worker)
            self.steps[-1] = row
        else:
            self.steps.append(row)

    def series(self, state: CaseState) -> list[ChartSeries]:
        """Both lines per explanation: the network's, and the worker's at each judgement."""
        ratings = [(j.at, normalised(j.ratings)) for j in state.judgements]
        return [
            ChartSeries(
                hypothesis=h.id,
                label=h.label,
                network=self.network.get(h.id, []),
                worker=[
                    (at, rated.get(h.id))
                    for at, rated in ratings
                    if h.added <= at and (h.retired is None or at <= h.retired)
                ],
                added=h.added,
                retired=h.retired,
            )
            for h in state.hypotheses.values()
        ]
