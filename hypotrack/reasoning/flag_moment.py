"""The rules of DESIGN §4 that read the moment T itself: premature closure (the network at T,
the enquiries open at T), narrow hypotheses (the explanations open at T) and stale review (what
the items did since t). Each costs O(hypotheses) per step, plus the items new since the last
ask for the drivers of stale review. Mixed into the flags' book (`reasoning/flags.py`).
"""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING, Any

from hypotrack.domain import rules as R
from hypotrack.domain.state import ItemState, JudgementState
from hypotrack.domain.wording import day_words, percent, times
from hypotrack.reasoning.flag_terms import (
    MAX_ITEMS,
    Draft,
    Top,
    information_gain,
    lf,
    logit,
    quote,
    w,
)

if TYPE_CHECKING:
    from hypotrack.reasoning.flags import FlagBook

    _Base = FlagBook
else:
    _Base = object


class MomentRules(_Base):
    """The rules that read T, mixed into `FlagBook`."""

    # --- the rules that read T ---------------------------------------------------------------

    def premature_closure(self, t: JudgementState, f: str, at: int) -> Draft | None:
        rating = w(t, f) or 0.0
        k = bisect.bisect_right(self.closing_steps, at) - 1
        closing = k >= 0
        if R.below(rating, R.CLOSURE_RATING) and not closing:
            return None
        snap = self.history[at]
        p = snap.posterior
        valuable: tuple[float, Any] | None = None
        for q in self.state.enquiries.values():
            if q.step > at or (q.answered_step is not None and q.answered_step <= at):
                continue
            bits = information_gain(p, q)
            if R.at_least(bits, R.CLOSURE_ENQUIRY_BITS) and (
                valuable is None or bits > valuable[0]
            ):
                valuable = (bits, q)
        low = R.below(p[f], R.CLOSURE_NETWORK)
        if not low and valuable is None:
            return None
        certainty = (
            "A closing decision is recorded"
            if closing
            else f"You rate '{self.label(f)}' at {percent(rating)}"
        )
        parts = []
        if low:
            parts.append(f"the evidence on file gives it {percent(p[f])}")
        if valuable is not None:
            parts.append(f"{quote(valuable[1].spec.text)} could still change this")
        message = (
            f"{certainty}, while {' and '.join(parts)}. What would you need to see to change "
            "your mind, and has it been looked for?"
        )
        rivals = [h for h in p if h != f]
        rival = max(rivals, key=lambda h: p[h]) if rivals else None
        if low:
            figure, name = p[f], "network probability"
            strength = math.exp(max(logit(rating) - logit(p[f]), 0.0))
        else:
            figure, name = valuable[0], "information gain (bits)"
            strength = valuable[0] / R.CLOSURE_ENQUIRY_BITS
        items = self.top_since(-1, at, rival, f) if rival else []
        return Draft(
            "premature-closure",
            "amber",
            f,
            rival,
            figure,
            name,
            t.at,
            [i.id for i in items],
            message,
            strength=strength,
        )

    def narrow_hypotheses(self, t: JudgementState | None, f: str | None, at: int) -> Draft | None:
        snap = self.history[at]
        live = list(snap.log_post)
        # Nothing is weighed yet while the case is being set up (explanations added one by one
        # at its opening): the rule reads from the first item or judgement on.
        if (
            not live
            or (t is None and not self.state.item_steps)
            or (t is None and self.state.item_steps[0] > at)
        ):
            return None
        catch_all = next((h for h in live if self.state.hypotheses[h].spec.catch_all), None)
        reasons = []
        figure, name = float(len(live)), "open explanations"
        strength = 1.0
        items: list[ItemState] = []
        if len(live) < R.NARROW_MIN_LIVE:
            reasons.append(
                f"only {len(live)} explanation{'s are' if len(live) != 1 else ' is'} open"
            )
        if catch_all is None:
            reasons.append("there is no 'something we have not thought of' explanation")
        elif t is not None:
            given = w(t, catch_all) or 0.0
            if R.below(given, R.NARROW_CATCH_ALL_MIN):
                count, items = self.surprises.at.get(t.step, (0, []))
                if count:
                    figure, name = given, "catch-all rating"
                    strength = float(count)
                    reasons.append(
                        f"you rate '{self.label(catch_all)}' at {percent(given)} while "
                        f"{count} item{'s are' if count != 1 else ' is'} unlikely "
                        "under every listed explanation"
                    )
        if not reasons:
            return None
        message = (
            "Few explanations are being weighed: "
            + "; ".join(reasons)
            + ". What else could explain this? How might others describe what is going on?"
        )
        return Draft(
            "narrow-hypotheses",
            "amber",
            f,
            catch_all,
            figure,
            name,
            None,
            [i.id for i in items[:MAX_ITEMS]],
            message,
            strength=strength,
        )

    def stale_review(self, t: JudgementState | None, f: str | None, at: int) -> Draft | None:
        """Since t (or the case opening), how far the items moved the network's odds."""
        base_step = t.step if t is not None else -1
        k = bisect.bisect_right(self.evidence_steps, at) - 1
        if k < 0 or self.evidence_steps[k] <= base_step:
            return None
        moves = self.moves_since(t, at)
        if moves is None:
            return None
        toward, away, change, rival = stale_pair(moves, f)
        if R.below(abs(change), R.STALE_MIN_MOVE):
            return None
        n = self.count_on_file(base_step, at, at)
        items = self.top_since(base_step, at, toward, away)
        mostly = self.describe(items, at)
        since = (
            f"Since your review on {day_words(t.at, self.tz)}"
            if t is not None
            else "Since the case opened"
        )
        what = (
            f"the {n} item{'s' if n != 1 else ''} recorded" if n else "changes to the items on file"
        )
        message = (
            f"{since}, {what} moved the odds {times(math.exp(abs(change)))} towards "
            f"'{self.label(toward)}' and away from '{self.label(away)}'"
            + (f" — mostly {mostly}" if mostly else "")
            + ". Where do you stand now?"
        )
        return Draft(
            "stale-review",
            "amber",
            f,
            rival if f is not None else toward,
            math.exp(abs(change)),
            "odds change",
            t.at if t is not None else None,
            [i.id for i in items],
            message,
            strength=math.exp(abs(change)),
        )

    def moves_since(self, t: JudgementState | None, at: int) -> dict[str, float] | None:
        """Each live hypothesis's move in logit P since t (since the prior, with no judgement);
        None with fewer than two live, or when one was not live at t."""
        snap = self.history[at]
        live = list(snap.log_post)
        if len(live) < 2:
            return None
        now = {h: lf(snap.p(h)) for h in live}
        if t is None:
            total = sum(self.state.hypotheses[h].spec.prior for h in live)
            then = {h: lf(self.state.hypotheses[h].spec.prior / total) for h in live}
        else:
            key = (t.step, tuple(live))
            then = self.moves_from.get(key)
            if then is None:
                at_t = self.history[t.step]
                probs = self.probs(at_t, live)
                if probs is None:
                    # An explanation retired and re-read is impossible; stay quiet rather than
                    # guess.
                    return None
                then = {h: lf(v) for h, v in probs.items()}
                if all(h in at_t.log_post for h in live):
                    # The same at every step until the next judgement: worked out once.
                    self.moves_from[key] = then
        return {h: now[h] - then[h] for h in live}

    def top_since(self, base_step: int, at: int, toward: str, away: str) -> list[ItemState]:
        """The items since base_step that most favour `toward` over `away`, kept as items
        arrive so that asking at every step costs only the items new since the last ask.

        Since the opening (no judgement yet, or premature closure's reading of the whole
        file) the candidates are the items most for `toward` and most against `away`, kept
        per explanation as items are recorded, plus every item amended or back-rated: asking
        costs no scan of the file, and the strongest drivers are among them."""
        if base_step < 0:
            seen: set[str] = set()
            scored = []
            for item in [*self.leaders.candidates(toward, away), *self.changed]:
                if item.id in seen or item.step > at or not item.live_at(at):
                    continue
                seen.add(item.id)
                s = math.log(item.of_at(toward, at)) - math.log(item.of_at(away, at))
                if s > 1e-12:
                    scored.append((-s, item.step, item))
            scored.sort(key=lambda x: (x[0], x[1]))
            return [i for _, _, i in scored[:MAX_ITEMS]]
        key = (base_step, toward, away, 1.0)
        state = self.state
        hi = bisect.bisect_right(state.item_steps, at)
        top = self.tops.get(key)
        if top is None or top.version != self.item_version or hi < top.scanned:
            top = Top(version=self.item_version)
            if hi >= self.synced_items():
                self.tops[key] = top
        if top.scanned == 0:
            top.scanned = bisect.bisect_right(state.item_steps, base_step)
        if hi > top.scanned:
            for item in state.item_order[top.scanned : hi]:
                s = math.log(item.of_at(toward, at)) - math.log(item.of_at(away, at))
                if s > 1e-12:
                    top.items.append((-s, item.step, item))
            top.items.sort(key=lambda x: (x[0], x[1]))
            del top.items[MAX_ITEMS * 2 :]
            top.scanned = hi
        return [i for _, step, i in top.items if step <= at and i.live_at(at)][:MAX_ITEMS]


def stale_pair(d: dict[str, float], f: str | None) -> tuple[str, str, float, str]:
    """(toward, away, change, rival) for stale-review: against F, the rival whose odds moved
    most either way; with no F, the two live hypotheses that moved furthest apart."""
    if f is not None and f in d:
        rivals = [h for h in d if h != f]
        rival = max(rivals, key=lambda h: abs(d[h] - d[f]))
        change = d[rival] - d[f]
        toward, away = (rival, f) if change > 0 else (f, rival)
        return toward, away, change, rival
    toward = max(d, key=lambda h: d[h])
    away = min(d, key=lambda h: d[h])
    return toward, away, d[toward] - d[away], toward
