"""The flags' rules: ids, thresholds and where each comes from — in one place.

The reasoning package computes the flags; this module only names them, so that the case
model (an acknowledgement names a flag) and the app can use them without loading numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Bayes-factor thresholds: Kass & Raftery 1995 ("positive" from 3, "strong" from 20).
AMBER_BF = 3.0
RED_BF = 20.0
# A red contrary-evidence flag must survive tempering: every likelihood raised to this power
# (a worker's numbers are rough; a red flag must not hang on their precision).
TEMPER_POWER = 0.5
TEMPERED_MIN_BF = 3.0
# A rating "has not fallen" unless it fell by more than this (rounding of quick entry).
RATING_TOLERANCE = 0.02
# Conservatism (Edwards 1968; Phillips & Edwards 1966): accuracy ratio under 0.5 once the
# network moved by at least ln 3 over at least 2 items.
CONSERVATISM_RATIO = 0.5
CONSERVATISM_MIN_MOVE = math.log(3)
CONSERVATISM_MIN_ITEMS = 2
# One-sided scrutiny (Munro 1999; Lord, Ross & Lepper 1979).
ONE_SIDED_READINESS = 2.0
ONE_SIDED_RELIABILITY_GAP = 0.2
# Non-diagnostic confidence (Heuer 1999; Reder, Duncan & Gray 1993).
NON_DIAGNOSTIC_LR = (0.5, 2.0)
NON_DIAGNOSTIC_WINDOW = 4
NON_DIAGNOSTIC_SHARE = 0.6
NON_DIAGNOSTIC_RISE = 0.10
# Narrow hypotheses (Heuer; Fischhoff, Slovic & Lichtenstein 1978; Mandel et al. 1994).
NARROW_MIN_LIVE = 3
NARROW_CATCH_ALL_MIN = 0.02
NARROW_SURPRISE = 0.1
# Premature closure (Graber, Franklin & Gordon 2005).
CLOSURE_RATING = 0.9
CLOSURE_NETWORK = 0.8
CLOSURE_ENQUIRY_BITS = 0.25
# Frozen rating (Ross, Lepper & Hubbard 1975).
FROZEN_MAX_MOVE = 0.05
FROZEN_ITEMS = 4
FROZEN_MIN_MOVE = math.log(10)
# Stale review (supervision practice).
STALE_MIN_MOVE = math.log(3)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    grounded_in: str
    question: str


RULES: tuple[Rule, ...] = (
    Rule(
        "contrary-evidence",
        "Evidence moving away from the favoured explanation",
        "Munro 1996, 1999; Kass & Raftery 1995",
        "Where is the hard evidence for this view, and does your first explanation still make sense?",
    ),
    Rule(
        "conservatism",
        "Revising less than the evidence warrants",
        "Edwards 1968; Phillips & Edwards 1966",
        "At what points have you changed your assessment, and by how much?",
    ),
    Rule(
        "one-sided-scrutiny",
        "Scrutinising disconfirming evidence harder than confirming",
        "Munro 1999; Lord, Ross & Lepper 1979",
        "Would you weigh this differently if it had come from another source?",
    ),
    Rule(
        "non-diagnostic-confidence",
        "Confidence rising on items every explanation predicts",
        "Heuer 1999; Reder, Duncan & Gray 1993",
        "Would these items look any different if your explanation were wrong?",
    ),
    Rule(
        "narrow-hypotheses",
        "Too few explanations kept open",
        "Heuer 1999; Fischhoff, Slovic & Lichtenstein 1978; Mandel, Lehman & Yuille 1994",
        "What else could explain this? How might others describe what is going on?",
    ),
    Rule(
        "premature-closure",
        "Certainty ahead of the evidence",
        "Graber, Franklin & Gordon 2005",
        "What would you need to see to change your mind, and has it been looked for?",
    ),
    Rule(
        "frozen-rating",
        "A rating that has not moved while the evidence has",
        "Ross, Lepper & Hubbard 1975",
        "What would have to happen for your rating to move?",
    ),
    Rule(
        "stale-review",
        "No judgement recorded since the evidence moved",
        "Supervision practice",
        "Has your view changed since the last items came in? Record it.",
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
FLAG_IDS: tuple[str, ...] = tuple(RULES_BY_ID)
