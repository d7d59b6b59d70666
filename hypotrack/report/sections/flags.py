"""The flags section: the flags standing at the report's moment, and their history."""

from __future__ import annotations

from hypotrack.domain.rules import RULES_BY_ID
from hypotrack.domain.state import CaseState
from hypotrack.reasoning.timeline import Step
from hypotrack.report.sections.common import item_tuple
from hypotrack.report.values import FlagChange, ShownFlag
from hypotrack.report.words import CHANGE_WORDS, after_words


def shown_flags(state: CaseState, now: Step) -> list[ShownFlag]:
    """The flags as they stand at the report's moment, with their rule and driving items."""
    labels = {h.id: h.label for h in state.hypotheses.values()}
    return [
        ShownFlag(
            flag=f,
            title=RULES_BY_ID[f.id].title if f.id in RULES_BY_ID else f.id,
            grounded_in=RULES_BY_ID[f.id].grounded_in if f.id in RULES_BY_ID else "",
            items=[item_tuple(state, i) for i in f.evidence if i in state.items],
            labels=dict(labels),
        )
        for f in now.flags or ()
    ]


class FlagHistory:
    """A reader of the walk: its flag transitions, step by step, in words.

    Raisings, escalations and lapsed acknowledgements (the flag shows as new) are numbered for
    the chart's markers.
    """

    def __init__(self) -> None:
        self.changes: list[FlagChange] = []
        self._number = 0

    def take(self, step: Step) -> None:
        if not step.transitions:
            return
        after = after_words(step.event)
        for t in step.transitions:
            numbered = t.kind in ("raised", "escalated", "lapsed")
            if numbered:
                self._number += 1
            self.changes.append(
                FlagChange(
                    step.at,
                    self._number if numbered else 0,
                    t.rule,
                    t.severity,
                    CHANGE_WORDS[t.kind].format(severity=t.severity),
                    after,
                )
            )
