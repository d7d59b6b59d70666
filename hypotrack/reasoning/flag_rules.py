"""The rules of DESIGN §4 of one judgement t, as methods of the flags' book (`reasoning/flags.py`).

The rules that compare the worker with the evidence on file at t, the latest judgement: each
reads only the network as it stood at t and the items as they stood then, so its verdict is
worked out once per judgement (the rules that read T itself are in `flag_moment.py`).
Thresholds and their sources are in `hypotrack.domain.rules`.
"""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING

from hypotrack.domain import rules as R
from hypotrack.domain.state import ItemState, JudgementState
from hypotrack.domain.wording import day_words, percent, times
from hypotrack.reasoning.flag_terms import (
    MAX_ITEMS,
    Ctx,
    Draft,
    Verdict,
    lf,
    logit,
    omega,
    w,
)

if TYPE_CHECKING:
    from hypotrack.reasoning.flags import FlagBook

    _Base = FlagBook
else:
    _Base = object


class Rules(_Base):
    """The rules of one judgement t, mixed into `FlagBook` (which holds what they read)."""

    # --- the rules of one judgement t --------------------------------------------------------

    def verdict(self, k: int) -> Verdict:
        found = self.verdicts.get(k)
        if found is None:
            found = self.verdicts[k] = self._verdict(k)
        return found

    def _verdict(self, k: int) -> Verdict:
        state = self.state
        t = state.judgements[k]
        f = t.favoured
        assert f is not None
        snap = self.history[t.step]
        anchor = state.judgements[self.run_start[k] : k]
        rivals = [h for h in snap.log_post if h != f]
        p = snap.posterior
        top = max((p[h] for h in rivals), default=0.0)
        alternatives = [h for h in rivals if math.isclose(p[h], top, rel_tol=R.REL_TOL)]
        gap = abs(logit(w(t, f) or 0.0) - logit(p[f]))
        ctx = Ctx(self, k, t, f, snap, anchor, rivals, alternatives, gap)
        drafts = [
            d
            for d in (
                self.contrary_evidence(ctx),
                self.conservatism(ctx),
                self.over_reaction(ctx),
                self.one_sided_scrutiny(ctx),
                self.non_diagnostic_confidence(ctx),
                self.frozen_rating(ctx),
                self.ruled_out_early(ctx),
            )
            if d is not None
        ]
        wide = self.wide_gap(ctx)
        for d in [*drafts, wide]:
            if d is not None:
                d.of_t = True
        return Verdict(drafts, wide)

    def contrary_window(self, c: Ctx) -> tuple[float, JudgementState, str, float] | None:
        """(Δβ, a, R, Δω) of the window and rival with the largest Δβ that meet the rule, if any:
        Δβ ≥ ln 3 and the worker moved less than half as far (R unrated at a or t: w(F) has not
        fallen by more than the tolerance)."""
        t, f = c.t, c.f
        beta_t = {r: lf(c.p[r]) - lf(c.p[f]) for r in c.rivals}
        best: tuple[float, JudgementState, str, float] | None = None
        for a in c.anchor:
            pa = self.probs(self.history[a.step], [*c.rivals, f])
            if pa is None:  # a rival live at t cannot have been retired at a
                continue
            for r in c.rivals:
                change = beta_t[r] - (lf(pa[r]) - lf(pa[f]))
                if R.below(change, math.log(R.AMBER_BF)):
                    continue
                moved = 0.0
                if r in a.ratings and r in t.ratings:
                    moved = omega(t, r, f, a) - omega(a, r, f, t)
                    if not R.below(moved, R.CONTRARY_SHARE * change):
                        continue
                elif R.below(w(t, f, a) or 0.0, (w(a, f, t) or 0.0) - R.RATING_TOLERANCE):
                    continue
                if best is None or change > best[0]:
                    best = (change, a, r, moved)
        return best

    def contrary_evidence(self, c: Ctx) -> Draft | None:
        best = self.contrary_window(c)
        if best is None:
            return None
        t, f = c.t, c.f
        change, a, rival, moved = best
        bf = math.exp(change)
        tempered_t = self.beta(t.step, rival, f, tempered=True)
        tempered_a = self.beta(a.step, rival, f, tempered=True)
        tempered = (
            tempered_t - tempered_a if tempered_t is not None and tempered_a is not None else 0.0
        )
        red = R.at_least(change, math.log(R.RED_BF)) and R.at_least(
            tempered, math.log(R.TEMPERED_MIN_BF)
        )
        items = self.driving(self.on_file(a.step, t.step, t.step), rival, f, t.step)
        mostly = self.describe(items, t.step)
        message = (
            f"Since your review on {day_words(a.at, self.tz)}, the evidence on file is "
            f"{times(bf)} more expected if '{self.label(rival)}' than if '{self.label(f)}'"
            + (f" — mostly {mostly}" if mostly else "")
            + f". Your rating of '{self.label(f)}' {self.rating_then_now(a, t, f)}."
        )
        if not red and R.at_least(change, math.log(R.RED_BF)):
            message += (
                " (Amber, not red: with every likelihood softened the shift is small, so it "
                "hangs on their precision.)"
            )
        message += f" Does '{self.label(f)}' still explain what is on file?"
        return Draft(
            "contrary-evidence",
            "red" if red else "amber",
            f,
            rival,
            bf,
            "Bayes factor",
            a.at,
            [i.id for i in items],
            message,
            # How far the evidence outran the worker: grows with new items against f, and
            # when the worker raises f (an acknowledgement made at 70 % lapses at 95 %).
            strength=math.exp(change - min(moved, 0.5 * change)),
        )

    def window(self, a, t, f: str, rival: str, p) -> tuple[float, float] | None:
        """(Δβ, Δω) of `rival` against `f` from judgement a to t: the network's log Bayes factor
        and the worker's move. None unless both are rated at both ends (DESIGN §4: conservatism
        and over-reaction are quiet otherwise) and the network's reading at a is known."""
        if rival not in a.ratings or rival not in t.ratings:
            return None
        before = self.beta(a.step, rival, f)
        if before is None:
            return None
        net = lf(p[rival]) - lf(p[f]) - before
        return net, omega(t, rival, f, a) - omega(a, rival, f, t)

    def conservatism(self, c: Ctx) -> Draft | None:
        if not c.anchor or R.below(c.gap, R.GAP_MIN):
            return None
        a, t, f = c.anchor[0], c.t, c.f
        if R.below(self.count_on_file(a.step, t.step, t.step), R.CONSERVATISM_MIN_ITEMS):
            return None
        for rival in c.alternatives:
            moves = self.window(a, t, f, rival, c.p)
            if moves is None:
                continue
            net, worker = moves
            if R.below(abs(net), R.CONSERVATISM_MIN_MOVE):
                continue
            ratio = worker / net + 0.0
            if not R.below(ratio, R.CONSERVATISM_RATIO):
                continue
            red = R.below(ratio, 0.0)
            toward, away = (rival, f) if net > 0 else (f, rival)
            items = self.driving(
                self.on_file(a.step, t.step, t.step), rival, f, t.step, 1.0 if net > 0 else -1.0
            )
            mostly = self.describe(items, t.step)
            if red:
                how = "your ratings moved the other way"
            elif abs(worker) < 0.005:
                how = "your ratings of the two kept the same odds"
            else:
                how = f"your ratings moved {times(math.exp(abs(worker)))} the same way"
            message = (
                f"Between your reviews on {day_words(a.at, self.tz)} and {day_words(t.at, self.tz)}, the "
                f"evidence on file shifted the odds {times(math.exp(abs(net)))} towards "
                f"'{self.label(toward)}' and away from '{self.label(away)}'"
                + (f" — mostly {mostly}" if mostly else "")
                + f"; {how}. What would it take for your view of the two to move as far?"
            )
            return Draft(
                "conservatism",
                "red" if red else "amber",
                f,
                rival,
                ratio,
                "accuracy ratio",
                a.at,
                [i.id for i in items],
                message,
                strength=math.exp(abs(net)),
            )
        return None

    def over_reaction(self, c: Ctx) -> Draft | None:
        if c.k == 0 or R.below(c.gap, R.GAP_MIN):
            return None
        t, f = c.t, c.f
        a = self.state.judgements[c.k - 1]
        if f not in a.ratings:
            return None
        for rival in c.alternatives:
            moves = self.window(a, t, f, rival, c.p)
            if moves is None:
                continue
            net, worker = moves
            if R.below(abs(worker), R.OVER_REACTION_MIN_MOVE) or net * worker <= 0:
                continue
            if R.at_least(R.OVER_REACTION_FACTOR * abs(net), abs(worker)):
                continue
            toward = rival if worker > 0 else f
            message = (
                f"Between your reviews on {day_words(a.at, self.tz)} and {day_words(t.at, self.tz)}, the "
                f"evidence on file moved the odds {times(math.exp(abs(net)))} towards "
                f"'{self.label(toward)}'; your ratings moved them {times(math.exp(abs(worker)))}"
                f" (you rate '{self.label(f)}' at {percent(w(t, f) or 0.0)}, the evidence gives "
                f"{percent(c.p[f])}). What moved you this far, and is it on the file?"
            )
            ratio = abs(worker) / abs(net)
            return Draft(
                "over-reaction",
                "amber",
                f,
                rival,
                ratio,
                "times as far as the evidence (log-odds)",
                a.at,
                [],
                message,
                strength=math.exp(abs(worker) - abs(net)),
            )
        return None

    def one_sided_scrutiny(self, c: Ctx) -> Draft | None:
        return self._one_sided_revision(c) or self._one_sided_reliability(c)

    def _one_sided_revision(self, c: Ctx) -> Draft | None:
        run = self.runs[c.k]
        n_c, net_c, work_c = run.confirming
        n_d, net_d, work_d = run.disconfirming
        if n_c < R.ONE_SIDED_MIN_WINDOWS or n_d < R.ONE_SIDED_MIN_WINDOWS:
            return None
        if R.below(net_c, R.ONE_SIDED_MIN_MOVE) or R.below(-net_d, R.ONE_SIDED_MIN_MOVE):
            return None
        conf, disc = work_c / net_c, work_d / net_d
        if R.below(conf, R.ONE_SIDED_MIN_RATIO):
            return None
        if R.below(conf, R.ONE_SIDED_READINESS * disc):
            return None
        f = c.f
        ratio = min(conf / disc, 99.0) if disc > 0.01 else 99.0
        items: list[ItemState] = []
        for lo, hi in run.disconfirming_windows:
            items.extend(self.on_file(lo, hi, c.t.step))
        scored = sorted(
            items,
            key=lambda i: (
                -max(
                    (math.log(i.of_at(r, c.t.step) / i.of_at(f, c.t.step)) for r in c.rivals),
                    default=0.0,
                )
            ),
        )[:MAX_ITEMS]
        follow_d = (
            f"about {percent(disc)} of the way" if disc > 0 else "not at all, or the other way"
        )
        message = (
            f"Over the {n_c} review-to-review windows in which the evidence moved towards "
            f"'{self.label(f)}', your rating of it followed about {percent(min(conf, 1.0))} of the "
            f"way; over the {n_d} in which it moved away, {follow_d}. Would the items against "
            f"'{self.label(f)}' weigh more if they had come from elsewhere?"
        )
        return Draft(
            "one-sided-scrutiny",
            "amber",
            f,
            None,
            ratio,
            "readiness ratio",
            self.state.judgements[self.run_start[c.k]].at,
            [i.id for i in scored],
            message,
            strength=ratio,
        )

    def _one_sided_reliability(self, c: Ctx) -> Draft | None:
        if not c.anchor:
            return None
        start, end = c.anchor[0].step, c.t.step
        lo = bisect.bisect_right(self.change_steps, start)
        hi = bisect.bisect_right(self.change_steps, end)
        changes = self.changes[lo:hi]
        f = c.f
        if any(ch.drop > 1e-12 and f in ch.for_ for ch in changes):
            return None
        hits = [
            ch
            for ch in changes
            if f in ch.against and R.at_least(ch.drop, R.ONE_SIDED_RELIABILITY_DROP)
        ]
        if not hits:
            return None
        ch = max(hits, key=lambda x: x.drop)
        items = [
            self.state.items[ident]
            for s, ident, against in self.source_items.get(ch.source, [])
            if s < ch.step and f in against
        ][:MAX_ITEMS]
        source = self.state.sources[ch.source]
        message = (
            f"After the report from {source.spec.label} that counted against "
            f"'{self.label(f)}'"
            + (f" ({', '.join(i.id for i in items[:3])})" if items else "")
            + f", its reliability was lowered by {ch.drop:.2f}; no source whose reports "
            f"supported '{self.label(f)}' was lowered. Would you weigh this report differently "
            "if it had supported your view?"
        )
        return Draft(
            "one-sided-scrutiny",
            "amber",
            f,
            None,
            ch.drop,
            "reliability lowered by",
            self.history[ch.step].at,
            [i.id for i in items],
            message,
            strength=ch.drop / R.ONE_SIDED_RELIABILITY_DROP,
        )

    def non_diagnostic_confidence(self, c: Ctx) -> Draft | None:
        t, f = c.t, c.f
        at = t.step
        window = self.window_of_last(R.NON_DIAGNOSTIC_WINDOW, at, f)
        if window is None:
            return None
        last, base = window
        lo_lr, hi_lr = R.NON_DIAGNOSTIC_LR

        def flat(item: ItemState) -> bool:
            lf_ = item.of_at(f, at)
            for r in c.rivals:
                ratio = item.of_at(r, at) / lf_
                if R.below(ratio, lo_lr) or R.below(hi_lr, ratio):
                    return False
            return True

        flats = [i for i in last if flat(i)]
        if R.below(len(flats) / len(last), R.NON_DIAGNOSTIC_SHARE):
            return None
        rise = (w(t, f, base) or 0.0) - (w(base, f, t) or 0.0)
        net_rise = c.p[f] - self.history[base.step].p(f)
        if rise <= 0 or R.below(rise - net_rise, R.NON_DIAGNOSTIC_RISE):
            return None
        worker_odds = logit(w(t, f) or 0.0) - logit(c.p[f])
        if R.below(worker_odds, R.NON_DIAGNOSTIC_ODDS):
            return None
        message = (
            f"Since your review on {day_words(base.at, self.tz)}, {len(flats)} of the last {len(last)} "
            f"items are about as expected under every explanation (they cannot tell them apart); "
            f"the evidence on file gives '{self.label(f)}' {percent(c.p[f])}, and your rating of it "
            f"{self.rating_then_now(base, t, f)}. Would these items look any different if "
            f"'{self.label(f)}' were wrong?"
        )
        return Draft(
            "non-diagnostic-confidence",
            "amber",
            f,
            None,
            rise,
            "rise in rating",
            base.at,
            [i.id for i in flats],
            message,
            strength=math.exp(worker_odds),
        )

    def frozen_rating(self, c: Ctx) -> Draft | None:
        if R.below(c.gap, R.GAP_MIN):
            return None
        t, f = c.t, c.f
        found = self.window_of_last(R.FROZEN_ITEMS, t.step, f)
        if found is None:
            return None
        a = found[1]
        move = abs((w(t, f, a) or 0.0) - (w(a, f, t) or 0.0))
        if not R.below(move, R.FROZEN_MAX_MOVE):
            return None
        net = logit(c.p[f]) - logit(self.history[a.step].p(f))
        if R.below(abs(net), R.FROZEN_MIN_MOVE):
            return None
        window = self.on_file(a.step, t.step, t.step)
        sign = -1.0 if net < 0 else 1.0
        scored = sorted(
            window,
            key=lambda i: (
                -max(
                    (
                        -sign * (math.log(i.of_at(r, t.step)) - math.log(i.of_at(f, t.step)))
                        for r in c.rivals
                    ),
                    default=0.0,
                )
            ),
        )[:MAX_ITEMS]
        direction = "up" if net > 0 else "down"
        message = (
            f"Over the {len(window)} items on file since your review on {day_words(a.at, self.tz)}, the "
            f"evidence moved the odds on '{self.label(f)}' {direction} {times(math.exp(abs(net)))}"
            f" (it now gives {percent(c.p[f])}); your rating of it {self.rating_then_now(a, t, f)}. "
            "What would have to happen for your rating to move?"
        )
        return Draft(
            "frozen-rating",
            "amber",
            f,
            None,
            math.exp(abs(net)),
            "odds change",
            a.at,
            [i.id for i in scored],
            message,
            strength=math.exp(abs(net)),
        )

    def ruled_out_early(self, c: Ctx) -> Draft | None:
        if not c.anchor:
            return None
        f = c.f
        lo = bisect.bisect_right(self.retirement_steps, c.anchor[0].step)
        hi = bisect.bisect_right(self.retirement_steps, c.t.step)
        best: tuple[float, int, str] | None = None
        for step, h in self.retirements[lo:hi]:
            odds = self.beta(step - 1, h, f)
            if odds is not None and R.at_least(odds, R.RULED_OUT_ODDS):
                if best is None or odds > best[0]:
                    best = (odds, step, h)
        if best is None:
            return None
        odds, step, h = best
        at = self.history[step].at
        message = (
            f"When '{self.label(h)}' was set aside on {day_words(at, self.tz)}, the evidence on file "
            f"made it {times(math.exp(odds))} as likely as '{self.label(f)}'. What ruled it out, "
            "and is that on the file?"
        )
        return Draft(
            "ruled-out-early",
            "amber",
            f,
            h,
            math.exp(odds),
            "odds against the favoured at retirement",
            at,
            [],
            message,
            strength=math.exp(odds),
        )

    def wide_gap(self, c: Ctx) -> Draft | None:
        t, f = c.t, c.f
        best: tuple[float, str] | None = None
        for rival in c.alternatives:
            if rival not in t.ratings or not c.p[rival] > c.p[f]:
                continue
            excess = lf(c.p[rival]) - lf(c.p[f]) - omega(t, rival, f)
            if R.at_least(excess, R.WIDE_GAP) and (best is None or excess > best[0]):
                best = (excess, rival)
        if best is None:
            return None
        excess, rival = best
        message = (
            f"The evidence on file gives '{self.label(rival)}' {percent(c.p[rival])} and "
            f"'{self.label(f)}' {percent(c.p[f])}; your ratings give them {percent(w(t, rival) or 0.0)} "
            f"and {percent(w(t, f) or 0.0)}: the evidence's odds for '{self.label(rival)}' are "
            f"{times(math.exp(excess))} yours. Is something you know missing from the file?"
        )
        return Draft(
            "wide-gap",
            "amber",
            f,
            rival,
            math.exp(excess),
            "odds ratio (evidence to worker)",
            t.at,
            [],
            message,
            strength=math.exp(excess),
        )
