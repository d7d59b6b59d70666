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

Here: `compute_flags`, the book (what each event teaches the rules) and the acknowledgements.
The rules of one judgement t are in `flag_rules.py`, those that read T in `flag_moment.py`, and
the numbers, words and small values they share in `flag_terms.py`.
"""

from __future__ import annotations

import bisect
import math
from zoneinfo import ZoneInfo

from hypotrack.domain import rules as R
from hypotrack.domain.results import Flag
from hypotrack.domain.state import CaseState, ItemState, JudgementState
from hypotrack.domain.wording import day_words, percent, times
from hypotrack.reasoning.engine import Engine, Snapshot
from hypotrack.reasoning.flag_moment import MomentRules
from hypotrack.reasoning.flag_rules import Rules
from hypotrack.reasoning.flag_terms import (
    MAX_ITEMS,
    Change,
    Draft,
    Leaders,
    Run,
    Surprises,
    Top,
    Verdict,
    finite,
    lf,
    logaddexp_,
    logit,
    w,
)

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


class FlagBook(Rules, MomentRules):
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
        self.surprises = Surprises()
        self.made: dict[int, tuple[Draft, int, Flag]] = {}  # id(draft) -> (draft, ack, flag)
        self.leaders = Leaders()
        self.retracted_item_steps: list[int] = []  # sorted
        # stale-review's ln P at t, by (t's step, the live explanations).
        self.moves_from: dict[tuple[int, tuple[str, ...]], dict[str, float]] = {}

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
            self.surprises.follow(self.state, snap)
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
            whole = logaddexp_(whole, v)
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

    def window_of_last(
        self, n: int, at: int, f: str
    ) -> tuple[list[ItemState], JudgementState] | None:
        """The last n items on file at a step and the judgement made before the first of them,
        or None when there are fewer than n items, no judgement before them, or it left f unrated
        (non-diagnostic-confidence and frozen-rating both read this window)."""
        last = self.last_on_file(n, at)
        if len(last) < n:
            return None
        k = bisect.bisect_left(self.judgement_steps, last[0].step) - 1
        if k < 0:
            return None
        before = self.state.judgements[k]
        return None if f not in before.ratings else (last, before)

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
                f"of {day_words(item.spec.observed, self.tz)}"
                if item.spec.observed is not None
                else f"recorded on {day_words(item.recorded, self.tz)}"
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
        if percent(before) == percent(after):
            return f"is where it was then ({percent(after)}){note}"
        return f"went from {percent(before)} to {percent(after)}{note}"

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
            figure=finite(d.figure),
            figure_name=d.figure_name,
            since=d.since,
            evidence=list(d.evidence),
            message=d.message,
            question=R.RULES_BY_ID[d.id].question,
            strength=finite(d.strength),
            acknowledged=covered,
            acknowledgement=reason if covered else None,
            earlier_acknowledgement=reason if acked and not covered else None,
            lapsed=lapsed,
        )
