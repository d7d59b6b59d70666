"""Reading the worker: the flags of DESIGN §4, as of a moment T.

Terms (DESIGN §4): t is the latest judgement at or before T; F its favoured explanation (none
for a tie at the top with none named); the rules that compare the worker with the evidence look
only at what was on file at t — the network's reading at t (`Engine.history[t]`) and the items
as they stood then — so their verdict is a function of t alone and is worked out once per
judgement. Only `stale-review`, `narrow-hypotheses` and `premature-closure` (and the
acknowledgements) depend on T itself, and each of those costs O(hypotheses) per step. A replay
that asks for the flags at every step is therefore linear in the number of events: `FlagBook`
keeps what it learnt at each event (which sources reported against which explanation, the
reliability changes, the retirements, each review-to-review window) and is kept on the engine
between calls. Work done once per judgement is proportional to the windows it reads (its
anchor period).

Every figure compares log-odds with probabilities and ratings floored at 0.001 (a rating of
"0" and the network's 0.045 % are the same view), so no figure is infinite and `math.exp`
never overflows: a Bayes factor read this way is at most 999² ≈ 10⁶. Thresholds and their
sources are in `hypotrack.domain.rules`.
"""

from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypotrack.domain import rules as R
from hypotrack.domain.results import Flag
from hypotrack.domain.state import CaseState, ItemState, JudgementState
from hypotrack.reasoning.engine import Engine, Snapshot

LN3 = math.log(3)
MAX_ITEMS = 20  # evidence ids a flag lists (largest log likelihood ratio first)
EVIDENCE_KINDS = frozenset(
    {"evidence-recorded", "evidence-amended", "evidence-retracted", "items-back-rated"}
)
# Rules that compare the worker with the evidence on file at t: any of them silences wide-gap.
COMPARING = frozenset(
    {
        "contrary-evidence",
        "conservatism",
        "over-reaction",
        "one-sided-scrutiny",
        "non-diagnostic-confidence",
        "premature-closure",
        "frozen-rating",
        "ruled-out-early",
    }
)
ORDER = {rule.id: k for k, rule in enumerate(R.RULES)}
SEVERITY = {"amber": 0, "red": 1}


def compute_flags(engine: Engine, as_of_step: int | None = None) -> list[Flag]:
    """The flags as of the engine's last event (or an earlier step of its history).

    Cheap to call after every `engine.apply`: the work done for earlier steps is kept on the
    engine, so a replay with flags at every step stays linear.
    """
    book = engine.memo.get("flags")
    if not isinstance(book, FlagBook) or book.engine is not engine:
        book = engine.memo["flags"] = FlagBook(engine)
    book.sync()
    if not engine.history:
        return []
    step = len(engine.history) - 1 if as_of_step is None else as_of_step
    return book.flags_at(step)


# --- reading numbers ------------------------------------------------------------------------


def lf(p: float) -> float:
    """ln p, floored at 0.001."""
    return math.log(max(p, R.FLOOR))


def logit(p: float) -> float:
    """logit p, with p kept within [0.001, 0.999]."""
    p = min(max(p, R.FLOOR), 1 - R.FLOOR)
    return math.log(p / (1 - p))


def w(j: JudgementState, h: str, other: JudgementState | None = None) -> float | None:
    """j's rating of h, normalised over the hypotheses rated in both j and `other`."""
    ratings = j.ratings
    if h not in ratings or (other is not None and h not in other.ratings):
        return None
    keys = ratings.keys() if other is None else ratings.keys() & other.ratings.keys()
    total = sum(ratings[k] for k in keys)
    return ratings[h] / total if total > 0 else 0.0


def omega(j: JudgementState, rival: str, f: str, other: JudgementState | None = None) -> float:
    """The worker's log-odds of rival against f at j (both rated), floored."""
    return lf(w(j, rival, other) or 0.0) - lf(w(j, f, other) or 0.0)


def pct(p: float) -> str:
    """A probability as a practitioner reads it: never "0 %" or "100 %" for what is not."""
    if p < 0.01:
        return "under 1 %"
    if p > 0.99:
        return "over 99 %"
    return f"{p * 100:.0f} %"


def times(factor: float) -> str:
    """A ratio of odds as a practitioner would say it."""
    if not math.isfinite(factor) or factor >= 1e6:
        return "over a million times"
    if factor >= 100:
        return f"over {int(factor // 100) * 100} times"
    if factor >= 10:
        return f"about {factor:.0f} times"
    return f"about {factor:.1f} times".replace(".0 times", " times")


def day(at: date | datetime, tz: ZoneInfo) -> str:
    if isinstance(at, datetime):
        at = at.astimezone(tz) if at.tzinfo else at
    return f"{at.day} {at:%B}"


# --- what the book keeps --------------------------------------------------------------------


@dataclass
class Change:
    """A reliability change, with what its source had reported by then."""

    step: int
    source: str
    drop: float
    against: frozenset[str]
    for_: frozenset[str]


@dataclass
class Run:
    """Review-to-review windows within one run of judgements favouring the same explanation
    (the anchor period plus t), summed per class for one-sided scrutiny."""

    confirming: tuple[int, float, float] = (0, 0.0, 0.0)  # windows, Σ network, Σ worker
    disconfirming: tuple[int, float, float] = (0, 0.0, 0.0)
    disconfirming_windows: tuple[tuple[int, int], ...] = ()


@dataclass
class Draft:
    """A flag before acknowledgements are read."""

    id: str
    severity: str
    favoured: str | None
    rival: str | None
    figure: float
    figure_name: str
    since: datetime | None
    evidence: list[str]
    message: str
    strength: float = 1.0
    of_t: bool = False  # a rule of t: the same draft at every step until the next judgement


@dataclass
class Verdict:
    """The rules that compare the worker with the evidence, for one judgement t."""

    drafts: list[Draft]
    wide_gap: Draft | None = None


@dataclass
class Top:
    """The items since t that drive a pair's odds, kept as items arrive (stale-review)."""

    scanned: int = 0
    items: list[tuple[float, int, ItemState]] = field(default_factory=list)
    version: int = 0


class FlagBook:
    """What the flags need from each event, kept as the engine folds them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.synced = 0
        self.reliability: dict[str, float] = {}
        self.reported: dict[str, tuple[set[str], set[str]]] = {}  # source -> (against, for)
        self.source_items: dict[str, list[tuple[int, str, frozenset[str]]]] = {}
        self.changes: list[Change] = []
        self.change_steps: list[int] = []
        self.retirements: list[tuple[int, str]] = []
        self.retirement_steps: list[int] = []
        self.retracted: list[tuple[int, int]] = []  # (item step, retraction step)
        self.evidence_steps: list[int] = []
        self.judgement_steps: list[int] = []
        self.favourites: list[str | None] = []
        self.run_start: list[int] = []
        self.runs: list[Run] = []
        self.acks: dict[str, list[int]] = {}
        self.ack_text: dict[int, str] = {}
        self.closing_steps: list[int] = []
        self.verdicts: dict[int, Verdict] = {}
        self.raw_at: dict[int, list[Draft]] = {}
        self.item_version = 0
        self.tops: dict[tuple[int, str, str, float], Top] = {}
        self.changed: list[ItemState] = []  # items amended or back-rated
        self.surprise: tuple[tuple[str, ...], int, list[ItemState]] | None = None
        self.surprise_memo: tuple[Any, list[ItemState]] = (None, [])
        self.made: dict[int, tuple[Draft, int, Flag]] = {}  # id(draft) -> (draft, ack, flag)
        self.leaders = Leaders()
        self.retracted_item_steps: list[int] = []  # sorted

    def synced_items(self) -> int:
        """How many items the engine holds (a later ask never sees fewer)."""
        return len(self.state.item_order)

    @property
    def state(self) -> CaseState:
        return self.engine.state

    @property
    def history(self) -> list[Snapshot]:
        return self.engine.history

    @property
    def tz(self) -> ZoneInfo:
        info = self.state.info
        return ZoneInfo(info.timezone) if info else ZoneInfo("UTC")

    # --- keeping up with the engine --------------------------------------------------------

    def sync(self) -> None:
        history = self.history
        for snap in history[self.synced :]:
            handler = getattr(self, "_on_" + snap.event.kind.replace("-", "_"), None)
            if handler is not None:
                handler(snap)
            if snap.event.kind in EVIDENCE_KINDS:
                self.evidence_steps.append(snap.step)
                if snap.event.kind != "evidence-recorded":
                    self.item_version += 1
                if snap.event.kind == "evidence-amended":
                    self.changed.append(self.state.items[snap.event.id])
                elif snap.event.kind == "items-back-rated":
                    self.changed.extend(self.state.items[i] for i in snap.event.likelihood)
        self.synced = len(history)

    def _on_source_added(self, snap: Snapshot) -> None:
        source = snap.event.source
        self.reliability[source.id] = source.reliability

    def _on_reliability_changed(self, snap: Snapshot) -> None:
        e = snap.event
        old = self.reliability.get(e.source, 1.0)
        self.reliability[e.source] = e.reliability
        against, for_ = self.reported.get(e.source, (set(), set()))
        self.changes.append(
            Change(snap.step, e.source, old - e.reliability, frozenset(against), frozenset(for_))
        )
        self.change_steps.append(snap.step)

    def _on_evidence_recorded(self, snap: Snapshot) -> None:
        """Which explanations the item, at face value, lowers or raises logit P of."""
        item = self.state.items[snap.event.evidence.id]
        before = self.history[snap.step - 1].log_post
        likelihood, mean = item.versions[0][1], item.versions[0][2]  # as recorded
        rows = [(h, math.exp(v), likelihood.get(h, mean)) for h, v in before.items()]
        total = sum(p * like for _, p, like in rows)
        against: set[str] = set()
        for_: set[str] = set()
        for h, p, like in rows:
            rest = 1.0 - p
            if rest <= 0:
                continue
            # logit P(h) moves by ln L(h) − ln( Σ_{k≠h} P(k) L(k) / Σ_{k≠h} P(k) ).
            move = math.log(like) - math.log(max(total - p * like, 1e-300) / rest)
            if move < -1e-12:
                against.add(h)
            elif move > 1e-12:
                for_.add(h)
        sets = self.reported.setdefault(item.spec.source, (set(), set()))
        sets[0].update(against)
        sets[1].update(for_)
        self.source_items.setdefault(item.spec.source, []).append(
            (snap.step, item.id, frozenset(against))
        )
        self.leaders.add(item, likelihood, mean)

    def _on_evidence_retracted(self, snap: Snapshot) -> None:
        item = self.state.items[snap.event.id]
        self.retracted.append((item.step, snap.step))
        bisect.insort(self.retracted_item_steps, item.step)

    def _on_hypothesis_retired(self, snap: Snapshot) -> None:
        self.retirements.append((snap.step, snap.event.id))
        self.retirement_steps.append(snap.step)

    def _on_judgement(self, snap: Snapshot) -> None:
        state = self.state
        k = len(self.judgement_steps)
        j = state.judgements[k]
        f = j.favoured
        self.judgement_steps.append(snap.step)
        self.favourites.append(f)
        # Keep only the drivers kept since the opening (premature closure, no judgement).
        self.tops = {key: top for key, top in self.tops.items() if key[0] < 0}
        if k > 0 and f is not None and self.favourites[k - 1] == f:
            self.run_start.append(self.run_start[k - 1])
            prev_run = self.runs[k - 1]
            prev = state.judgements[k - 1]
            net = logit(self.history[snap.step].p(f)) - logit(self.history[prev.step].p(f))
            worker = logit(w(j, f, prev) or 0.0) - logit(w(prev, f, j) or 0.0)
            run = Run(prev_run.confirming, prev_run.disconfirming, prev_run.disconfirming_windows)
            if net > 1e-12:
                n, s_net, s_worker = run.confirming
                run.confirming = (n + 1, s_net + net, s_worker + worker)
            elif net < -1e-12:
                n, s_net, s_worker = run.disconfirming
                run.disconfirming = (n + 1, s_net + net, s_worker + worker)
                run.disconfirming_windows = (*run.disconfirming_windows, (prev.step, snap.step))
            self.runs.append(run)
        else:
            self.run_start.append(k)
            self.runs.append(Run())

    def _on_note(self, snap: Snapshot) -> None:
        note = snap.event.note
        if note.kind == "acknowledgement" and note.flag:
            self.acks.setdefault(note.flag, []).append(snap.step)
            self.ack_text[snap.step] = note.text
        if note.kind == "decision" and note.closes:
            self.closing_steps.append(snap.step)

    # --- reading the network -----------------------------------------------------------------

    def probs(
        self, snap: Snapshot, hyps: list[str], tempered: bool = False
    ) -> dict[str, float] | None:
        """P(h | u) at a snapshot for each h; an explanation added after u counts as there and
        neutral on every item before it (DESIGN §4). None if one was retired by then."""
        log_post = snap.log_tempered if tempered else snap.log_post
        norm = snap.log_norm_tempered if tempered else snap.log_norm
        extra: dict[str, float] = {}
        for h in hyps:
            if h in log_post:
                continue
            spec = self.state.hypotheses.get(h)
            if spec is None or spec.step <= snap.step:
                return None  # retired (or unknown) at u
            extra[h] = math.log(spec.spec.prior / snap.prior_total)
        if not extra:
            return {h: math.exp(log_post[h]) for h in hyps}
        whole = norm if log_post else -math.inf
        for v in extra.values():
            whole = _logaddexp(whole, v)
        return {
            h: math.exp(extra[h] - whole) if h in extra else math.exp(log_post[h] + norm - whole)
            for h in hyps
        }

    def beta(self, step: int, rival: str, f: str, tempered: bool = False) -> float | None:
        """The network's log-odds of rival against f at a step, floored."""
        p = self.probs(self.history[step], [rival, f], tempered)
        if p is None:
            return None
        return lf(p[rival]) - lf(p[f])

    # --- items -------------------------------------------------------------------------------

    def on_file(self, after_step: int, to_step: int, as_of: int) -> list[ItemState]:
        """Items recorded after one step up to another, on file at `as_of`."""
        state = self.state
        lo = bisect.bisect_right(state.item_steps, after_step)
        hi = bisect.bisect_right(state.item_steps, to_step)
        return [i for i in state.item_order[lo:hi] if i.live_at(as_of)]

    def count_on_file(self, after_step: int, to_step: int, as_of: int) -> int:
        if not self.retracted or self.retracted[-1][1] <= as_of:
            # Every retraction so far counts: a count by bisection.
            steps = self.retracted_item_steps
            gone = bisect.bisect_right(steps, to_step) - bisect.bisect_right(steps, after_step)
            return self.state.count_between(after_step, to_step) - gone
        gone = sum(1 for s, r in self.retracted if after_step < s <= to_step and r <= as_of)
        return self.state.count_between(after_step, to_step) - gone

    def last_on_file(self, n: int, at: int) -> list[ItemState]:
        """The last n items on file at a step, oldest first."""
        state = self.state
        out: list[ItemState] = []
        k = bisect.bisect_right(state.item_steps, at) - 1
        while k >= 0 and len(out) < n:
            item = state.item_order[k]
            if item.live_at(at):
                out.append(item)
            k -= 1
        out.reverse()
        return out

    def driving(
        self, items: list[ItemState], rival: str, f: str, at: int, sign: float = 1.0
    ) -> list[ItemState]:
        """Items that move the odds towards rival (sign −1: towards f), largest ratio first."""
        scored = []
        for i in items:
            s = sign * (math.log(i.of_at(rival, at)) - math.log(i.of_at(f, at)))
            if s > 1e-12:
                scored.append((-s, i.step, i))
        scored.sort(key=lambda x: (x[0], x[1]))
        return [i for _, _, i in scored[:MAX_ITEMS]]

    def describe(self, items: list[ItemState], at: int) -> str:
        """ "the report from Citizens Advice of 14 November (e5) and …", sources as typed."""
        parts = []
        for item in items[:2]:
            source = self.state.sources.get(item.spec.source)
            who = source.spec.label if source else item.spec.source
            when = (
                f"of {day(item.spec.observed, self.tz)}"
                if item.spec.observed is not None
                else f"recorded on {day(item.recorded, self.tz)}"
            )
            parts.append(f"the report from {who} {when} ({item.id})")
        return " and ".join(parts)

    def label(self, h: str | None) -> str:
        return self.state.label(h) if h else ""

    def rating_then_now(self, a: JudgementState, t: JudgementState, f: str) -> str:
        """ "is where it was then (70 %)" or "went from 70 % to 64 %", as entered."""
        before, after = w(a, f, t) or 0.0, w(t, f, a) or 0.0
        rescaled = a.ratings.keys() != t.ratings.keys()
        note = " (rescaled over the explanations rated both times)" if rescaled else ""
        if pct(before) == pct(after):
            return f"is where it was then ({pct(after)}){note}"
        return f"went from {pct(before)} to {pct(after)}{note}"

    # --- the flags as of T -------------------------------------------------------------------

    def latest_judgement(self, at: int) -> int | None:
        k = bisect.bisect_right(self.judgement_steps, at) - 1
        return k if k >= 0 else None

    def flags_at(self, at: int) -> list[Flag]:
        drafts = self.raw(at)
        return [self.acknowledge(d, at) for d in drafts]

    def raw(self, at: int) -> list[Draft]:
        """The flags as of step `at`, before acknowledgements."""
        state = self.state
        snap = self.history[at]
        k = self.latest_judgement(at)
        t = state.judgements[k] if k is not None else None
        f = t.favoured if t is not None else None
        if f is not None and f not in snap.log_post:
            f = None  # retired since t: the reading of t no longer applies
        out: list[Draft] = []
        wide = None
        if t is not None and f is not None:
            verdict = self.verdict(k)
            out.extend(verdict.drafts)
            closure = self.premature_closure(t, f, at)
            if closure is not None:
                out.append(closure)
            if verdict.wide_gap is not None and not any(d.id in COMPARING for d in out):
                wide = verdict.wide_gap
        narrow = self.narrow_hypotheses(t, f, at)
        if narrow is not None:
            out.append(narrow)
        if wide is not None:
            out.append(wide)
        stale = self.stale_review(t, f, at)
        if stale is not None:
            out.append(stale)
        out.sort(key=lambda d: ORDER[d.id])
        return out

    def acknowledge(self, d: Draft, at: int) -> Flag:
        """The flag with its acknowledgement: covered, lapsed (with the earlier reason), or none."""
        steps = self.acks.get(d.id, [])
        k = bisect.bisect_right(steps, at) - 1
        # A rule of t gives the same draft at every step until the next judgement: the same
        # flag, unless an acknowledgement came in between.
        if not d.of_t:
            return self._acknowledge(d, k, steps)
        made = self.made.get(id(d))
        if made is not None and made[0] is d and made[1] == k:
            return made[2]
        flag = self._acknowledge(d, k, steps)
        self.made[id(d)] = (d, k, flag)
        return flag

    def _acknowledge(self, d: Draft, k: int, steps: list[int]) -> Flag:
        acked = covered = False
        reason = lapsed = None
        if k >= 0:
            s = steps[k]
            reason = self.ack_text[s]
            if s not in self.raw_at:
                self.raw_at[s] = self.raw(s)
            stood = next((x for x in self.raw_at[s] if x.id == d.id), None)
            acked = True
            if stood is None:
                lapsed = "it was not raised when the acknowledgement was written"
            elif SEVERITY[d.severity] > SEVERITY[stood.severity]:
                lapsed = "it has turned red"
            elif d.rival != stood.rival:
                lapsed = (
                    f"it now concerns '{self.label(d.rival)}'" if d.rival else "its rival changed"
                )
            elif R.at_least(d.strength, R.ACK_GROWTH * stood.strength):
                lapsed = f"new items drove it {times(d.strength / stood.strength)} further"
            else:
                covered = True
        return Flag(
            id=d.id,
            severity=d.severity,
            favoured=d.favoured,
            rival=d.rival,
            figure=_finite(d.figure),
            figure_name=d.figure_name,
            since=d.since,
            evidence=list(d.evidence),
            message=d.message,
            question=R.RULES_BY_ID[d.id].question,
            strength=_finite(d.strength),
            acknowledged=covered,
            acknowledgement=reason if covered else None,
            earlier_acknowledgement=reason if acked and not covered else None,
            lapsed=lapsed,
        )

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
        ctx = _Ctx(self, k, t, f, snap, anchor, rivals, alternatives, gap)
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

    def contrary_evidence(self, c: _Ctx) -> Draft | None:
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
        if best is None:
            return None
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
            f"Since your review on {day(a.at, self.tz)}, the evidence on file is "
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

    def conservatism(self, c: _Ctx) -> Draft | None:
        if not c.anchor or R.below(c.gap, R.GAP_MIN):
            return None
        a, t, f = c.anchor[0], c.t, c.f
        if R.below(self.count_on_file(a.step, t.step, t.step), R.CONSERVATISM_MIN_ITEMS):
            return None
        for rival in c.alternatives:
            if rival not in a.ratings or rival not in t.ratings:
                continue
            before = self.beta(a.step, rival, f)
            if before is None:
                continue
            net = lf(c.p[rival]) - lf(c.p[f]) - before
            if R.below(abs(net), R.CONSERVATISM_MIN_MOVE):
                continue
            worker = omega(t, rival, f, a) - omega(a, rival, f, t)
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
                f"Between your reviews on {day(a.at, self.tz)} and {day(t.at, self.tz)}, the "
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

    def over_reaction(self, c: _Ctx) -> Draft | None:
        if c.k == 0 or R.below(c.gap, R.GAP_MIN):
            return None
        t, f = c.t, c.f
        a = self.state.judgements[c.k - 1]
        if f not in a.ratings:
            return None
        for rival in c.alternatives:
            if rival not in a.ratings or rival not in t.ratings:
                continue
            before = self.beta(a.step, rival, f)
            if before is None:
                continue
            net = lf(c.p[rival]) - lf(c.p[f]) - before
            worker = omega(t, rival, f, a) - omega(a, rival, f, t)
            if R.below(abs(worker), R.OVER_REACTION_MIN_MOVE) or net * worker <= 0:
                continue
            if R.at_least(R.OVER_REACTION_FACTOR * abs(net), abs(worker)):
                continue
            toward = rival if worker > 0 else f
            message = (
                f"Between your reviews on {day(a.at, self.tz)} and {day(t.at, self.tz)}, the "
                f"evidence on file moved the odds {times(math.exp(abs(net)))} towards "
                f"'{self.label(toward)}'; your ratings moved them {times(math.exp(abs(worker)))}"
                f" (you rate '{self.label(f)}' at {pct(w(t, f) or 0.0)}, the evidence gives "
                f"{pct(c.p[f])}). What moved you this far, and is it on the file?"
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

    def one_sided_scrutiny(self, c: _Ctx) -> Draft | None:
        return self._one_sided_revision(c) or self._one_sided_reliability(c)

    def _one_sided_revision(self, c: _Ctx) -> Draft | None:
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
        follow_d = f"about {pct(disc)} of the way" if disc > 0 else "not at all, or the other way"
        message = (
            f"Over the {n_c} review-to-review windows in which the evidence moved towards "
            f"'{self.label(f)}', your rating of it followed about {pct(min(conf, 1.0))} of the "
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

    def _one_sided_reliability(self, c: _Ctx) -> Draft | None:
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

    def non_diagnostic_confidence(self, c: _Ctx) -> Draft | None:
        t, f = c.t, c.f
        at = t.step
        last = self.last_on_file(R.NON_DIAGNOSTIC_WINDOW, at)
        if len(last) < R.NON_DIAGNOSTIC_WINDOW:
            return None
        k = bisect.bisect_left(self.judgement_steps, last[0].step) - 1
        if k < 0:
            return None
        base = self.state.judgements[k]
        if f not in base.ratings:
            return None
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
        if R.below(logit(w(t, f) or 0.0) - logit(c.p[f]), R.NON_DIAGNOSTIC_ODDS):
            return None
        message = (
            f"Since your review on {day(base.at, self.tz)}, {len(flats)} of the last {len(last)} "
            f"items are about as expected under every explanation (they cannot tell them apart); "
            f"the evidence on file gives '{self.label(f)}' {pct(c.p[f])}, and your rating of it "
            f"{self.rating_then_now(base, t, f)}. Would these items look any different if "
            f"'{self.label(f)}' were wrong?"
        )
        worker_odds = logit(w(t, f) or 0.0) - logit(c.p[f])
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

    def frozen_rating(self, c: _Ctx) -> Draft | None:
        if R.below(c.gap, R.GAP_MIN):
            return None
        t, f = c.t, c.f
        last = self.last_on_file(R.FROZEN_ITEMS, t.step)
        if len(last) < R.FROZEN_ITEMS:
            return None
        k = bisect.bisect_left(self.judgement_steps, last[0].step) - 1
        if k < 0:
            return None
        a = self.state.judgements[k]
        if f not in a.ratings:
            return None
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
            f"Over the {len(window)} items on file since your review on {day(a.at, self.tz)}, the "
            f"evidence moved the odds on '{self.label(f)}' {direction} {times(math.exp(abs(net)))}"
            f" (it now gives {pct(c.p[f])}); your rating of it {self.rating_then_now(a, t, f)}. "
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

    def ruled_out_early(self, c: _Ctx) -> Draft | None:
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
            f"When '{self.label(h)}' was set aside on {day(at, self.tz)}, the evidence on file "
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

    def wide_gap(self, c: _Ctx) -> Draft | None:
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
            f"The evidence on file gives '{self.label(rival)}' {pct(c.p[rival])} and "
            f"'{self.label(f)}' {pct(c.p[f])}; your ratings give them {pct(w(t, rival) or 0.0)} "
            f"and {pct(w(t, f) or 0.0)}: the evidence's odds for '{self.label(rival)}' are "
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
            bits = _information_gain(p, q)
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
            else f"You rate '{self.label(f)}' at {pct(rating)}"
        )
        parts = []
        if low:
            parts.append(f"the evidence on file gives it {pct(p[f])}")
        if valuable is not None:
            parts.append(f"{_quote(valuable[1].spec.text)} could still change this")
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
                listed = tuple(h for h in self.history[t.step].log_post if h != catch_all)
                items = self.surprising(listed, t.step)
                if items:
                    figure, name = given, "catch-all rating"
                    strength = float(len(items))
                    reasons.append(
                        f"you rate '{self.label(catch_all)}' at {pct(given)} while "
                        f"{len(items)} item{'s are' if len(items) != 1 else ' is'} unlikely "
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

    def surprising(self, listed: tuple[str, ...], at: int) -> list[ItemState]:
        """Items on file at `at` unlikely (< 0.1) under every listed explanation."""
        state = self.state

        def unlikely(item: ItemState) -> bool:
            return all(R.below(item.of_at(h, at), R.NARROW_SURPRISE) for h in listed)

        key = (listed, at, self.item_version)
        if self.surprise_memo[0] == key:
            return self.surprise_memo[1]
        if self.surprise is None or self.surprise[0] != listed:
            self.surprise = (listed, 0, [])
        _, scanned, found = self.surprise
        for item in state.item_order[scanned:]:
            if all(R.below(item.of_at(h, item.step), R.NARROW_SURPRISE) for h in listed):
                found.append(item)
        self.surprise = (listed, len(state.item_order), found)
        # Candidates: items surprising as recorded, and every item amended or back-rated since,
        # each re-read as it stood at `at`.
        seen: set[str] = set()
        out = []
        for i in [*found, *self.changed]:
            if i.id not in seen and i.step <= at and i.live_at(at) and unlikely(i):
                seen.add(i.id)
                out.append(i)
        out.sort(key=lambda i: i.step)
        self.surprise_memo = (key, out)
        return out

    def stale_review(self, t: JudgementState | None, f: str | None, at: int) -> Draft | None:
        """Since t (or the case opening), how far the items moved the network's odds."""
        base_step = t.step if t is not None else -1
        k = bisect.bisect_right(self.evidence_steps, at) - 1
        if k < 0 or self.evidence_steps[k] <= base_step:
            return None
        snap = self.history[at]
        live = list(snap.log_post)
        if len(live) < 2:
            return None
        now = {h: lf(snap.p(h)) for h in live}
        if t is None:
            total = sum(self.state.hypotheses[h].spec.prior for h in live)
            then = {h: lf(self.state.hypotheses[h].spec.prior / total) for h in live}
        else:
            probs = self.probs(self.history[t.step], live)
            if probs is None:
                # An explanation retired and re-read is impossible; stay quiet rather than guess.
                return None
            then = {h: lf(v) for h, v in probs.items()}
        d = {h: now[h] - then[h] for h in live}
        if f is not None and f in d:
            rivals = [h for h in live if h != f]
            rival = max(rivals, key=lambda h: abs(d[h] - d[f]))
            change = d[rival] - d[f]
            toward, away = (rival, f) if change > 0 else (f, rival)
        else:
            toward = max(live, key=lambda h: d[h])
            away = min(live, key=lambda h: d[h])
            change = d[toward] - d[away]
            rival = toward
        if R.below(abs(change), R.STALE_MIN_MOVE):
            return None
        n = self.count_on_file(base_step, at, at)
        items = self.top_since(base_step, at, toward, away)
        mostly = self.describe(items, at)
        since = (
            f"Since your review on {day(t.at, self.tz)}"
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


class Leaders:
    """Per explanation h, the items most for it and most against it (ln L(h) − ln ā as
    recorded), MAX_ITEMS of each, kept in bounded heaps as items are recorded."""

    def __init__(self) -> None:
        self.most_for: dict[str, list[tuple[float, int, str]]] = {}
        self.most_against: dict[str, list[tuple[float, int, str]]] = {}
        self.items: dict[str, ItemState] = {}

    def add(self, item: ItemState, likelihood: dict[str, float], mean: float) -> None:
        self.items[item.id] = item
        log_mean = math.log(mean)
        for h, p in likelihood.items():
            d = math.log(p) - log_mean
            for heaps, key in ((self.most_for, d), (self.most_against, -d)):
                heap = heaps.setdefault(h, [])
                entry = (key, -item.step, item.id)
                if len(heap) < MAX_ITEMS:
                    heapq.heappush(heap, entry)
                elif entry > heap[0]:
                    heapq.heapreplace(heap, entry)

    def candidates(self, toward: str, away: str) -> list[ItemState]:
        ids = [e[2] for e in self.most_for.get(toward, [])]
        ids += [e[2] for e in self.most_against.get(away, [])]
        return [self.items[i] for i in ids]


@dataclass
class _Ctx:
    """What every rule of one judgement t reads."""

    book: FlagBook
    k: int
    t: JudgementState
    f: str
    snap: Snapshot
    anchor: list[JudgementState]
    rivals: list[str]
    alternatives: list[str]
    gap: float

    @property
    def p(self) -> dict[str, float]:
        return self.snap.posterior


def _logaddexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    hi, lo = (a, b) if a > b else (b, a)
    return hi + math.log1p(math.exp(lo - hi))


def _finite(x: float) -> float:
    if math.isnan(x):
        return 0.0
    return max(min(x, 1e12), -1e12)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > 80:
        text = text[:77] + "…"
    return f"'{text}'"


def _information_gain(posterior: dict[str, float], q: Any) -> float:
    """Expected information gain of an enquiry, in bits (DESIGN §5)."""

    def entropy(p: dict[str, float]) -> float:
        return -sum(v * math.log2(v) for v in p.values() if v > 0)

    before = entropy(posterior)
    gain = 0.0
    for positive in (True, False):
        joint = {
            h: v * (q.positive(h) if positive else 1.0 - q.positive(h))
            for h, v in posterior.items()
        }
        total = sum(joint.values())
        if total > 0:
            gain += total * (before - entropy({h: v / total for h, v in joint.items()}))
    return max(gain, 0.0)
