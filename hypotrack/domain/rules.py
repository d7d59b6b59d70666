"""The flags' rules: ids, thresholds and where each comes from — in one place.

The reasoning package computes the flags; this module only names them, so that the case
model (an acknowledgement names a flag) and the app can use them without importing `reasoning`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Every threshold compares with a relative tolerance (0.6 against 0.2 is a Bayes factor of 3,
# whatever the rounding of the logarithms).
REL_TOL = 1e-9
# Wherever the worker and the network are compared, a rating or probability below this counts
# as this: nobody writes a rating finer than 0.1 %, so 0.045 % and "0" are the same view.
FLOOR = 0.001

# Bayes-factor thresholds: Kass & Raftery 1995 ("positive" from 3, "strong" from 20).
AMBER_BF = 3.0
RED_BF = 20.0
# A red contrary-evidence flag must survive tempering: every likelihood (and ā) raised to
# this power (a worker's numbers are rough; a red flag must not hang on their precision).
TEMPER_POWER = 0.5
TEMPERED_MIN_BF = 3.0
# Contrary evidence: the worker moved less than this share of the evidence's log Bayes factor
# towards the rival (Munro 1996, 1999). Where the rival was not rated at both ends, a rating of
# the favoured explanation "has not fallen" unless it fell by more than RATING_TOLERANCE.
CONTRARY_SHARE = 0.5
RATING_TOLERANCE = 0.02
# The gap between the worker's and the network's view of F that makes a window's verdict
# worth raising (ln 3: a worker at 98.5 % where the network says 98.9 % has no gap).
GAP_MIN = math.log(3)
# Conservatism (Edwards 1968; Phillips & Edwards 1966): accuracy ratio under 0.5 once the
# network moved by at least ln 3 over at least 2 items.
CONSERVATISM_RATIO = 0.5
CONSERVATISM_MIN_MOVE = math.log(3)
CONSERVATISM_MIN_ITEMS = 2
# Over-reaction (Kahneman & Tversky 1973; Bar-Hillel 1980): a move of at least ln 3, more than
# twice as far as the network's.
OVER_REACTION_MIN_MOVE = math.log(3)
OVER_REACTION_FACTOR = 2.0
# One-sided scrutiny (Munro 1999; Lord, Ross & Lepper 1979).
ONE_SIDED_MIN_WINDOWS = 2
ONE_SIDED_MIN_MOVE = math.log(3)
ONE_SIDED_MIN_RATIO = 0.1
ONE_SIDED_READINESS = 2.0
ONE_SIDED_RELIABILITY_DROP = 0.2
# Non-diagnostic confidence (Heuer 1999; Reder, Duncan & Gray 1993).
NON_DIAGNOSTIC_LR = (0.5, 2.0)
NON_DIAGNOSTIC_WINDOW = 4
NON_DIAGNOSTIC_SHARE = 0.6
NON_DIAGNOSTIC_RISE = 0.10
NON_DIAGNOSTIC_ODDS = math.log(2)
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
# Ruled out early (Heuer; Graber et al. 2005): retired while its odds against F were ≥ 3.
RULED_OUT_ODDS = math.log(3)
# Wide gap (Munro 1999): the network's odds of the alternative ≥ 20 times the worker's.
WIDE_GAP = math.log(20)
# Stale review (supervision practice).
STALE_MIN_MOVE = math.log(3)
# An acknowledgement covers its flag until the flag's figure grows this many times.
ACK_GROWTH = 3.0


def at_least(value: float, threshold: float) -> bool:
    """value ≥ threshold, within the rules' relative tolerance."""
    return value >= threshold or math.isclose(value, threshold, rel_tol=REL_TOL, abs_tol=1e-12)


def below(value: float, threshold: float) -> bool:
    """value < threshold, and not merely by rounding."""
    return not at_least(value, threshold)


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
        "over-reaction",
        "A larger move than the evidence warrants",
        "Kahneman & Tversky 1973; Bar-Hillel 1980",
        "What moved you this far, and is it on the file? How common is this explanation in "
        "families like this one?",
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
        "ruled-out-early",
        "An explanation set aside while the evidence still favoured it",
        "Heuer 1999; Graber, Franklin & Gordon 2005",
        "What ruled it out? Would you set it aside on the evidence on file today?",
    ),
    Rule(
        "wide-gap",
        "A view far from what the file supports",
        "Munro 1999",
        "Is something you know missing from the file?",
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
