"""What the reasoning hands back: plain frozen values the app, the reports and the CLI show."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from hypotrack.domain.values import Value


class HypothesisBelief(Value):
    id: str
    label: str
    probability: float
    catch_all: bool = False
    # Earlier items not yet weighed against it (an explanation added mid-case, DESIGN §2).
    unweighed: int = 0


class SourceBelief(Value):
    id: str
    label: str
    prior: float
    reliability: float


class WorkerView(Value):
    judgement: str
    at: datetime
    # None: a tie at the top with none named (no favourite, DESIGN §2).
    favoured: str | None
    ratings: dict[str, float]
    who: str | None = None

    @property
    def shares(self) -> dict[str, float]:
        """The ratings normalised over the explanations rated."""
        total = sum(self.ratings.values())
        return {h: v / total for h, v in self.ratings.items()} if total > 0 else dict(self.ratings)


class Beliefs(Value):
    as_of: datetime
    hypotheses: list[HypothesisBelief]
    sources: list[SourceBelief]
    worker: WorkerView | None


class Flag(Value):
    id: str
    severity: Literal["amber", "red"]
    # None where no explanation is favoured (stale-review or narrow-hypotheses at a tie).
    favoured: str | None
    rival: str | None
    figure: float
    figure_name: str
    since: datetime | None
    evidence: list[str]
    message: str
    question: str
    # How far the evidence behind the flag has gone (a factor ≥ 1 for most rules): an
    # acknowledgement covers the flag until this grows 3× (DESIGN §4).
    strength: float = 1.0
    # Covered by an acknowledgement, with its reason.
    acknowledged: bool = False
    acknowledgement: str | None = None
    # An acknowledgement that lapsed (the flag turned red, changed rival or grew 3×): the flag
    # shows as new, with the earlier reason and why it lapsed beside it.
    earlier_acknowledgement: str | None = None
    lapsed: str | None = None


class Outcome(Value):
    answer: Literal["positive", "negative"]
    probability: float
    favoured_after: float
    posterior: dict[str, float]


class EnquiryValue(Value):
    id: str
    text: str
    information_gain_bits: float
    probability_gain: float
    outcomes: list[Outcome]
    sentence: str


class ChangeMyMind(Value):
    favoured: str | None
    favoured_probability: float | None
    # The likelihood ratio (favoured : the rest) one new item would need to bring it to even odds.
    ratio_to_even_odds: float | None
    enquiries: list[EnquiryValue]


class ReplayStep(Value):
    step: int
    at: datetime
    kind: str
    subject: str | None
    beliefs: dict[str, float]
    worker: dict[str, float] | None
    flags: list[str]
