"""What would change my mind (DESIGN §5): the value of each open enquiry.

Expected information gain (Lindley 1956) = H(P) − Σ_a P(a) H(P(·|a)), in bits; probability
gain (Nelson 2005) = Σ_a P(a) max_h P(h|a) − max_h P(h). An enquiry's answer is one more
item from a face-value source, so the posterior after an answer is the current posterior times
P(answer | h), renormalised.
"""

from __future__ import annotations

import math

from hypotrack.domain.results import ChangeMyMind, EnquiryValue, Outcome
from hypotrack.domain.state import CaseState, EnquiryState
from hypotrack.domain.wording import percent
from hypotrack.reasoning.engine import Engine


def entropy_bits(p: dict[str, float]) -> float:
    return -sum(v * math.log2(v) for v in p.values() if v > 0)


def _after(posterior: dict[str, float], like: dict[str, float]) -> tuple[float, dict[str, float]]:
    joint = {h: posterior[h] * like[h] for h in posterior}
    total = sum(joint.values())
    if total <= 0:
        return 0.0, dict(posterior)
    return total, {h: v / total for h, v in joint.items()}


def enquiry_value(
    state: CaseState, posterior: dict[str, float], enquiry: EnquiryState, favoured: str | None
) -> EnquiryValue:
    """Information gain, probability gain and both outcomes of one enquiry."""
    positive = {h: enquiry.positive(h) for h in posterior}
    negative = {h: 1.0 - p for h, p in positive.items()}
    prior_entropy = entropy_bits(posterior)
    best_now = max(posterior.values()) if posterior else 0.0
    outcomes = []
    gain = 0.0
    pgain = 0.0
    for answer, like in (("positive", positive), ("negative", negative)):
        p_answer, post = _after(posterior, like)
        gain += p_answer * (prior_entropy - entropy_bits(post))
        pgain += p_answer * max(post.values()) if post else 0.0
        outcomes.append(
            Outcome(
                answer=answer,
                probability=p_answer,
                favoured_after=post.get(favoured, 0.0) if favoured else 0.0,
                posterior=post,
            )
        )
    pgain -= best_now
    return EnquiryValue(
        id=enquiry.id,
        text=enquiry.spec.text,
        information_gain_bits=max(gain, 0.0),
        probability_gain=pgain,
        outcomes=outcomes,
        sentence=_sentence(state, enquiry, favoured, posterior, outcomes),
    )


def _sentence(
    state: CaseState,
    enquiry: EnquiryState,
    favoured: str | None,
    posterior: dict[str, float],
    outcomes: list[Outcome],
) -> str:
    if not favoured or favoured not in posterior:
        top = max(posterior, key=lambda h: posterior[h]) if posterior else None
        favoured = top
    if favoured is None:
        return "No explanations are open."
    label = state.label(favoured)
    now = percent(posterior[favoured])
    pos, neg = outcomes

    def moves(after: float) -> str:
        # Never "goes from under 1 % to under 1 %": a figure that reads the same stays.
        shown = percent(after)
        return (
            f"stays {'at ' if shown[0].isdigit() else ''}{shown}"
            if shown == now
            else f"goes to {shown}"
        )

    return (
        f"If the answer is positive ({percent(pos.probability)} likely), '{label}' "
        f"{moves(pos.favoured_after)} (now {now}); if negative, it {moves(neg.favoured_after)}."
    )


def ratio_to_even_odds(p: float) -> float | None:
    """The likelihood ratio (F : the rest) an item needs to bring F from p to 50 %."""
    if p <= 0.0 or p >= 1.0:
        return None
    ratio = (1.0 - p) / p
    # Beyond about 1e308 (p below 1e-308 after hundreds of strong items) the ratio is not a
    # number any item could supply: say nothing rather than print infinity.
    return ratio if math.isfinite(ratio) else None


def change_my_mind(engine: Engine) -> ChangeMyMind:
    """Open enquiries ranked by expected information gain, and what F would need."""
    state = engine.state
    posterior = engine.current.posterior if engine.history else {}
    judgement = state.latest_judgement
    favoured = judgement.favoured if judgement and judgement.favoured in posterior else None
    if favoured is None and posterior:
        favoured = max(posterior, key=lambda h: posterior[h])
    values = [enquiry_value(state, posterior, q, favoured) for q in state.open_enquiries]
    values.sort(key=lambda v: (-v.information_gain_bits, v.id))
    p = posterior.get(favoured) if favoured else None
    return ChangeMyMind(
        favoured=favoured,
        favoured_probability=p,
        ratio_to_even_odds=ratio_to_even_odds(p) if p is not None else None,
        enquiries=values,
    )
