"""Reading the worker: the eight flags of DESIGN §4, as of the engine's last event.

Every figure compares the worker's own judgements with the network's readings at the same
moments (`Engine.history` holds the reading after every event), so a flag can always name the
window it speaks of and the items that drive it. Thresholds and their sources are in
`hypotrack.domain.rules`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from hypotrack.domain import rules as R
from hypotrack.domain.results import Flag
from hypotrack.domain.state import CaseState, ItemState, JudgementState
from hypotrack.reasoning.engine import Engine, Snapshot
from hypotrack.reasoning.whatif import enquiry_value

EPS = 0.001  # a rating of 0 is read as 0.1 % so that log-odds stay finite


def compute_flags(engine: Engine) -> list[Flag]:
    """The flags as of the engine's last event (none before the worker's first judgement)."""
    return _Reader(engine).flags()


def w(j: JudgementState, h: str, other: JudgementState | None = None) -> float:
    """j's rating of h, normalised over the hypotheses rated in both j and `other`."""
    ratings = j.ratings
    if h not in ratings:
        return 0.0
    keys = ratings.keys() if other is None else ratings.keys() & other.ratings.keys()
    total = sum(ratings[k] for k in keys)
    return ratings[h] / total if total > 0 else 0.0


def logit(p: float) -> float:
    p = min(max(p, EPS), 1 - EPS)
    return math.log(p / (1 - p))


def day(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return f"{local.day} {local:%B}"


def times(bf: float) -> str:
    """A Bayes factor as a practitioner would say it."""
    if bf >= 100:
        return f"over {int(bf // 100) * 100} times"
    if bf >= 10:
        return f"about {bf:.0f} times"
    return f"about {bf:.1f} times".replace(".0 times", " times")


class ItemIndex:
    """Live items sorted into classes, kept up to date event by event.

    A replay asks the same question of every item at every step; this keeps the answers and
    revisits only the items an event touched, so a replay's flags stay linear. A new key (the
    favoured explanation or the set of rivals changed) rebuilds it from the state.
    """

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.synced = 0
        self.label: dict[str, str] = {}
        # class -> source -> item ids in the order recorded
        self.members: dict[str, dict[str, dict[str, ItemState]]] = {}

    def _add(self, item: ItemState, classify: Callable[[ItemState], str | None]) -> None:
        label = classify(item)
        if label is not None:
            self.label[item.id] = label
            self.members.setdefault(label, {}).setdefault(item.spec.source, {})[item.id] = item

    def _remove(self, item: ItemState) -> None:
        label = self.label.pop(item.id, None)
        if label is not None:
            del self.members[label][item.spec.source][item.id]

    def sync(self, engine: Engine, key: tuple, classify: Callable[[ItemState], str | None]) -> None:
        state = engine.state
        if key != self.key:
            self.key, self.label, self.members = key, {}, {}
            for item in state.item_order:
                if item.live:
                    self._add(item, classify)
            self.synced = len(engine.history)
            return
        for snap in engine.history[self.synced :]:
            event = snap.event
            if event.kind == "evidence-recorded":
                self._add(state.items[event.evidence.id], classify)
            elif event.kind == "evidence-amended":
                item = state.items[event.id]
                self._remove(item)
                if item.live:
                    self._add(item, classify)
            elif event.kind == "evidence-retracted":
                self._remove(state.items[event.id])
        self.synced = len(engine.history)

    def items(self, label: str) -> list[ItemState]:
        found = [
            i for by_source in self.members.get(label, {}).values() for i in by_source.values()
        ]
        return sorted(found, key=lambda i: i.step)

    def mean_reliability(self, label: str, sources: dict) -> float | None:
        """The mean reliability of the sources of the items in a class (None if empty)."""
        count = total = 0.0
        for source, members in self.members.get(label, {}).items():
            count += len(members)
            total += len(members) * sources[source].reliability
        return total / count if count else None

    def by_reliability(self, label: str, sources: dict) -> list[ItemState]:
        """The items of a class, least reliable source first."""
        groups = sorted(
            self.members.get(label, {}).items(), key=lambda kv: sources[kv[0]].reliability
        )
        return [i for _, members in groups for i in members.values()]


class _Reader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.state: CaseState = engine.state
        self.history = engine.history
        self.now: Snapshot = engine.current
        self.tz = ZoneInfo(self.state.info.timezone) if self.state.info else ZoneInfo("UTC")

    # --- helpers --------------------------------------------------------------------------

    def label(self, h: str) -> str:
        return self.state.label(h)

    def odds_change(
        self, a: int, b: int, rival: str, favoured: str, tempered: bool = False
    ) -> float | None:
        """ln of the change in the network's odds of rival against favoured from step a to b."""
        sa, sb = self.history[a], self.history[b]
        la = sa.log_tempered if tempered else sa.log_post
        lb = sb.log_tempered if tempered else sb.log_post
        if rival not in la or favoured not in la or rival not in lb or favoured not in lb:
            return None
        return (lb[rival] - lb[favoured]) - (la[rival] - la[favoured])

    def logit_change(self, a: int, b: int, h: str) -> float | None:
        pa, pb = self.history[a].p(h), self.history[b].p(h)
        if h not in self.history[a].log_post or h not in self.history[b].log_post:
            return None
        return logit(pb) - logit(pa)

    def items_between(self, after_step: int, to_step: int) -> list[ItemState]:
        """Live items recorded after one step, up to another (inclusive)."""
        return self.state.items_between(after_step, to_step)

    def index(
        self, name: str, key: tuple, classify: Callable[[ItemState], str | None]
    ) -> ItemIndex:
        """An incrementally kept classification of the live items, cached on the engine."""
        memo = self.engine.memo
        found = memo.get(name)
        if found is None:
            found = memo[name] = ItemIndex()
        found.sync(self.engine, key, classify)
        return found

    def lr(self, item: ItemState, rival: str, favoured: str) -> float:
        """ln L(item | rival) / L(item | favoured)."""
        return math.log(item.of(rival)) - math.log(item.of(favoured))

    def driving(
        self, items: Iterable[ItemState], rival: str, favoured: str, sign: float = 1.0
    ) -> list[ItemState]:
        """Items that favour the rival over the favoured, largest log likelihood ratio first."""
        scored = [(sign * self.lr(i, rival, favoured), i) for i in items]
        scored = [(s, i) for s, i in scored if s > 1e-12]
        scored.sort(key=lambda pair: -pair[0])
        return [i for _, i in scored]

    def describe_items(self, items: list[ItemState]) -> str:
        parts = []
        for item in items[:2]:
            source = self.state.sources.get(item.spec.source)
            who = source.spec.label if source else item.spec.source
            # "the registered childminder's report", but "the GP's report".
            if len(who) > 1 and who[0].isupper() and who[1].islower():
                who = who[0].lower() + who[1:]
            parts.append(f"the {who}'s report of {day(item.recorded, self.tz)} ({item.id})")
        if not parts:
            return ""
        return " and ".join(parts)

    def acknowledged(self, rule: str, since: datetime | None) -> str | None:
        for note in reversed(self.state.notes):
            if note.spec.kind == "acknowledgement" and note.spec.flag == rule:
                if since is None or note.at >= since:
                    return note.spec.text
        return None

    def make(
        self,
        rule: str,
        severity: str,
        favoured: str,
        rival: str | None,
        figure: float,
        figure_name: str,
        since: datetime | None,
        items: list[ItemState],
        message: str,
    ) -> Flag:
        reason = self.acknowledged(rule, since)
        return Flag(
            id=rule,
            severity=severity,
            favoured=favoured,
            rival=rival,
            figure=figure,
            figure_name=figure_name,
            since=since,
            evidence=[i.id for i in items],
            message=message,
            question=R.RULES_BY_ID[rule].question,
            acknowledged=reason is not None,
            acknowledgement=reason,
        )

    # --- the rules ------------------------------------------------------------------------

    def flags(self) -> list[Flag]:
        latest = self.state.latest_judgement
        if latest is None or not self.history:
            return []
        favoured = latest.favoured
        if favoured not in self.now.log_post:
            return []
        anchor = self.anchor_period(favoured)
        out: list[Flag] = []
        for rule in (
            self.contrary_evidence,
            self.conservatism,
            self.one_sided_scrutiny,
            self.non_diagnostic_confidence,
            self.narrow_hypotheses,
            self.premature_closure,
            self.frozen_rating,
            self.stale_review,
        ):
            flag = rule(favoured, latest, anchor)
            if flag is not None:
                out.append(flag)
        return out

    def anchor_period(self, favoured: str) -> list[JudgementState]:
        """The judgements since which `favoured` has been favoured without a break, oldest first."""
        period = []
        for j in reversed(self.state.judgements):
            if j.favoured != favoured:
                break
            period.append(j)
        period.reverse()
        return period

    def _readiness(
        self, prev: JudgementState, cur: JudgementState, f: str
    ) -> tuple[float, float] | None:
        """How far the worker followed the network on f between two judgements."""
        if self.state.count_between(prev.step, cur.step) == 0:
            return None
        if not self.items_between(prev.step, cur.step):
            return None
        net = self.logit_change(prev.step, cur.step, f)
        if net is None or abs(net) < 0.1:
            return None
        worker = logit(w(cur, f, prev)) - logit(w(prev, f, cur))
        return worker / net, net

    def contrary_evidence(
        self, f: str, latest: JudgementState, anchor: list[JudgementState]
    ) -> Flag | None:
        t = self.now.step
        best: tuple[float, JudgementState, str] | None = None
        for a in anchor:
            if w(latest, f, a) < w(a, f, latest) - R.RATING_TOLERANCE:
                continue
            for rival in self.now.log_post:
                if rival == f:
                    continue
                change = self.odds_change(a.step, t, rival, f)
                if change is not None and (best is None or change > best[0]):
                    best = (change, a, rival)
        if best is None:
            return None
        log_bf, a, rival = best
        bf = math.exp(log_bf)
        if bf < R.AMBER_BF:
            return None
        tempered = self.odds_change(a.step, t, rival, f, tempered=True) or 0.0
        severity = "red" if bf >= R.RED_BF and math.exp(tempered) >= R.TEMPERED_MIN_BF else "amber"
        items = self.driving(self.items_between(a.step, t), rival, f)
        mostly = self.describe_items(items)
        message = (
            f"Since your review on {day(a.at, self.tz)}, the evidence is {times(bf)} more expected "
            f"if '{self.label(rival)}' than if '{self.label(f)}'"
            + (f" — mostly {mostly}" if mostly else "")
            + f". Your rating of '{self.label(f)}' has not moved."
        )
        if severity == "amber" and bf >= R.RED_BF:
            message += " (Amber, not red: with the likelihoods softened the shift is small, so it hangs on their precision.)"
        return self.make(
            "contrary-evidence", severity, f, rival, bf, "Bayes factor", a.at, items, message
        )

    def baseline(
        self, latest: JudgementState, anchor: list[JudgementState]
    ) -> JudgementState | None:
        if len(anchor) >= 2:
            return anchor[0]
        earlier = [j for j in self.state.judgements if j.step < latest.step]
        return earlier[-1] if earlier else None

    def conservatism(
        self, f: str, latest: JudgementState, anchor: list[JudgementState]
    ) -> Flag | None:
        a = self.baseline(latest, anchor)
        if a is None or f not in a.ratings:
            return None
        window = self.items_between(a.step, latest.step)
        if len(window) < R.CONSERVATISM_MIN_ITEMS:
            return None

        # Worker and network are read on the same scale: probabilities below EPS count as EPS,
        # since a rating cannot say "0.01 %" and a 0 would make the log-odds infinite.
        def clipped(p: float, q: float) -> float:
            return math.log(max(p, EPS)) - math.log(max(q, EPS))

        before, after = self.history[a.step], self.history[latest.step]
        best: tuple[float, str] | None = None
        for rival in after.log_post:
            if rival == f or rival not in a.ratings or rival not in latest.ratings:
                continue
            if rival not in before.log_post or f not in before.log_post:
                continue
            change = clipped(after.p(rival), after.p(f)) - clipped(before.p(rival), before.p(f))
            if best is None or abs(change) > abs(best[0]):
                best = (change, rival)
        if best is None or abs(best[0]) < R.CONSERVATISM_MIN_MOVE:
            return None
        net, rival = best
        worker = clipped(latest.ratings[rival], latest.ratings[f]) - clipped(
            a.ratings[rival], a.ratings[f]
        )
        # + 0.0 turns a -0.0 (no move at all) into 0.0, so it reads as amber, not "the other way".
        ratio = worker / net + 0.0
        if ratio >= R.CONSERVATISM_RATIO:
            return None
        severity = "red" if ratio < 0 else "amber"
        toward = rival if net > 0 else f
        away = f if net > 0 else rival
        items = self.driving(window, rival, f, sign=1.0 if net > 0 else -1.0)
        if ratio < 0:
            how = "your ratings moved the other way"
        else:
            how = f"your ratings moved about {ratio * 100:.0f} % as far as the evidence warrants"
        message = (
            f"Between your reviews on {day(a.at, self.tz)} and {day(latest.at, self.tz)}, the evidence "
            f"shifted the odds {times(math.exp(abs(net)))} towards '{self.label(toward)}' and away "
            f"from '{self.label(away)}'; {how}."
        )
        return self.make(
            "conservatism", severity, f, rival, ratio, "accuracy ratio", a.at, items, message
        )

    def one_sided_scrutiny(
        self, f: str, latest: JudgementState, anchor: list[JudgementState]
    ) -> Flag | None:
        judgements = self.state.judgements
        confirming: list[float] = []
        disconfirming: list[float] = []
        disc_windows: list[tuple[int, int]] = []
        pairs = self.engine.memo.setdefault("one-sided-pairs", {})
        for prev, cur in zip(judgements, judgements[1:], strict=False):
            if f not in prev.ratings or f not in cur.ratings:
                continue
            # The network's readings at two judgements never change; only a later retraction
            # can empty the window between them, so the retraction count is part of the key.
            key = (prev.id, cur.id, f, self.state.retractions)
            if key not in pairs:
                pairs[key] = self._readiness(prev, cur, f)
            readiness = pairs[key]
            if readiness is None:
                continue
            value, net = readiness
            (confirming if net > 0 else disconfirming).append(value)
            if net < 0:
                disc_windows.append((prev.step, cur.step))
        rivals = [h for h in self.now.log_post if h != f]
        if confirming and disconfirming:
            c = sum(confirming) / len(confirming)
            d = sum(disconfirming) / len(disconfirming)
            if c >= 0.1 and c >= R.ONE_SIDED_READINESS * max(d, 0.0):
                ratio = min(c / d, 99.0) if d > 0 else 99.0
                disc_items = [i for a, b in disc_windows for i in self.items_between(a, b)]
                items = sorted(
                    disc_items,
                    key=lambda i: -max((self.lr(i, r, f) for r in rivals), default=0.0),
                )
                message = (
                    f"You have moved towards '{self.label(f)}' on the items that support it about "
                    f"{ratio:.0f} times as readily as away from it on the items that count against it."
                    if d > 0
                    else f"You have moved towards '{self.label(f)}' on the items that support it, "
                    "but not away from it on the items that count against it."
                )
                return self.make(
                    "one-sided-scrutiny",
                    "amber",
                    f,
                    None,
                    ratio,
                    "readiness ratio",
                    None,
                    items,
                    message,
                )

        # The second reading: the sources of disconfirming items rated less reliable.
        def bearing(item: ItemState) -> str | None:
            ratios = [item.of(r) / item.of(f) for r in rivals]
            if any(x > 2.0 for x in ratios):
                return "against"
            if any(x < 0.5 for x in ratios):
                return "for"
            return None

        idx = self.index("bearing", (f, tuple(rivals)), bearing)
        sources = self.state.sources
        mean_for = idx.mean_reliability("for", sources)
        mean_against = idx.mean_reliability("against", sources)
        if mean_for is not None and mean_against is not None:
            gap = mean_for - mean_against
            if gap >= R.ONE_SIDED_RELIABILITY_GAP - 1e-12:
                items = idx.by_reliability("against", sources)
                message = (
                    f"The sources of the items that count against '{self.label(f)}' are rated on "
                    f"average {gap:.2f} less reliable than the sources of the items that support it."
                )
                return self.make(
                    "one-sided-scrutiny",
                    "amber",
                    f,
                    None,
                    gap,
                    "reliability gap",
                    None,
                    items,
                    message,
                )
        return None

    def non_diagnostic_confidence(
        self, f: str, latest: JudgementState, anchor: list[JudgementState]
    ) -> Flag | None:
        last: list[ItemState] = []
        for item in reversed(self.state.items.values()):
            if item.live:
                last.append(item)
                if len(last) == R.NON_DIAGNOSTIC_WINDOW:
                    break
        if len(last) < R.NON_DIAGNOSTIC_WINDOW:
            return None
        last.reverse()
        first_step = last[0].step
        if latest.step <= first_step:
            return None
        before = [j for j in self.state.judgements if j.step < first_step and f in j.ratings]
        if not before:
            return None
        base = before[-1]
        rise = w(latest, f, base) - w(base, f, latest)
        if rise < R.NON_DIAGNOSTIC_RISE - 1e-12:
            return None
        lo, hi = R.NON_DIAGNOSTIC_LR
        rivals = [h for h in self.now.log_post if h != f]
        # A rise that a diagnostic item for f explains (one among the four) is not confidence
        # built on non-diagnostic items.
        for i in last:
            ratios = [i.of(f) / i.of(r) for r in rivals]
            if ratios and min(ratios) >= 1.0 and max(ratios) > hi:
                return None
        flat = [i for i in last if all(lo <= i.of(r) / i.of(f) <= hi for r in rivals)]
        if len(flat) < math.ceil(R.NON_DIAGNOSTIC_SHARE * R.NON_DIAGNOSTIC_WINDOW - 1e-9):
            return None
        message = (
            f"Your rating of '{self.label(f)}' rose by {rise * 100:.0f} points since "
            f"{day(base.at, self.tz)}, but {len(flat)} of the last {len(last)} items are about as "
            "expected under every explanation: they cannot tell the explanations apart."
        )
        return self.make(
            "non-diagnostic-confidence",
            "amber",
            f,
            None,
            rise,
            "rise in rating",
            base.at,
            flat,
            message,
        )

    def narrow_hypotheses(
        self, f: str, latest: JudgementState, anchor: list[JudgementState]
    ) -> Flag | None:
        live = list(self.now.log_post)
        catch_all = self.state.catch_all
        reasons = []
        figure = float(len(live))
        items: list[ItemState] = []
        if len(live) < R.NARROW_MIN_LIVE:
            reasons.append(
                f"only {len(live)} explanation{'s are' if len(live) != 1 else ' is'} open"
            )
        if catch_all is None:
            reasons.append("there is no 'something we have not thought of' explanation")
        else:
            given = w(latest, catch_all)
            listed = [h for h in live if h != catch_all]
            surprising: list[ItemState] = []
            if given < R.NARROW_CATCH_ALL_MIN and listed:

                def surprise(item: ItemState) -> str | None:
                    return (
                        "surprise" if all(item.of(h) < R.NARROW_SURPRISE for h in listed) else None
                    )

                surprising = self.index("surprise", tuple(listed), surprise).items("surprise")
            if given < R.NARROW_CATCH_ALL_MIN and surprising:
                items = surprising
                figure = given
                reasons.append(
                    f"you give '{self.label(catch_all)}' {given * 100:.0f} % although "
                    f"{len(surprising)} item{'s are' if len(surprising) != 1 else ' is'} unlikely under every listed explanation"
                )
        if not reasons:
            return None
        message = "Few explanations are being weighed: " + "; ".join(reasons) + "."
        return self.make(
            "narrow-hypotheses",
            "amber",
            f,
            catch_all,
            figure,
            "open explanations" if figure >= 1 else "catch-all rating",
            None,
            items,
            message,
        )

    def premature_closure(
        self, f: str, latest: JudgementState, anchor: list[JudgementState]
    ) -> Flag | None:
        rating = w(latest, f)
        closing = next(
            (n for n in reversed(self.state.notes) if n.spec.kind == "decision" and n.spec.closes),
            None,
        )
        if rating < R.CLOSURE_RATING and closing is None:
            return None
        p = self.now.p(f)
        posterior = self.now.posterior
        valuable = None
        for q in self.state.open_enquiries:
            value = enquiry_value(self.state, posterior, q, f)
            if value.information_gain_bits >= R.CLOSURE_ENQUIRY_BITS and (
                valuable is None or value.information_gain_bits > valuable[0]
            ):
                valuable = (value.information_gain_bits, q.id)
        if p >= R.CLOSURE_NETWORK and valuable is None:
            return None
        rivals = [h for h in posterior if h != f]
        rival = max(rivals, key=lambda h: posterior[h]) if rivals else None
        items = self.driving(self.state.live_items, rival, f) if rival else []
        certainty = (
            "a closing decision is recorded"
            if closing is not None
            else f"you rate '{self.label(f)}' at {rating * 100:.0f} %"
        )
        if p < R.CLOSURE_NETWORK:
            why = f"the evidence gives it {p * 100:.0f} %"
            figure, name = p, "network probability"
        else:
            why = ""
            figure, name = valuable[0], "information gain (bits)"
        if valuable is not None:
            enquiry = f"enquiry {valuable[1]} is still open and worth {valuable[0]:.2f} bits"
            why = f"{why} and {enquiry}" if why else enquiry
        message = f"Certainty ahead of the evidence: {certainty}, while {why}."
        return self.make(
            "premature-closure", "amber", f, rival, figure, name, latest.at, items, message
        )

    def frozen_rating(
        self, f: str, latest: JudgementState, anchor: list[JudgementState]
    ) -> Flag | None:
        earlier = [j for j in self.state.judgements if j.step < latest.step and f in j.ratings]
        a = None
        for j in reversed(earlier):
            if len(self.items_between(j.step, latest.step)) >= R.FROZEN_ITEMS:
                a = j
                break
        if a is None:
            return None
        move = abs(w(latest, f, a) - w(a, f, latest))
        if move >= R.FROZEN_MAX_MOVE:
            return None
        net = self.logit_change(a.step, latest.step, f)
        if net is None or abs(net) < R.FROZEN_MIN_MOVE:
            return None
        window = self.items_between(a.step, latest.step)
        rivals = [h for h in self.history[latest.step].log_post if h != f]
        items = sorted(
            window,
            key=lambda i: -max((abs(self.lr(i, r, f)) for r in rivals), default=0.0),
        )
        direction = "up" if net > 0 else "down"
        message = (
            f"Over the {len(window)} items between your reviews on {day(a.at, self.tz)} and "
            f"{day(latest.at, self.tz)}, the evidence moved the odds on '{self.label(f)}' "
            f"{direction} {times(math.exp(abs(net)))}; your rating moved {move * 100:.0f} points."
        )
        return self.make(
            "frozen-rating",
            "amber",
            f,
            None,
            math.exp(abs(net)),
            "odds change",
            a.at,
            items,
            message,
        )

    def stale_review(
        self, f: str, latest: JudgementState, anchor: list[JudgementState]
    ) -> Flag | None:
        t = self.now.step
        after = self.items_between(latest.step, t)
        if not after:
            return None
        best: tuple[float, str] | None = None
        for rival in self.now.log_post:
            if rival == f:
                continue
            change = self.odds_change(latest.step, t, rival, f)
            if change is not None and (best is None or abs(change) > abs(best[0])):
                best = (change, rival)
        if best is None or abs(best[0]) < R.STALE_MIN_MOVE:
            return None
        change, rival = best
        items = self.driving(after, rival, f, sign=1.0 if change > 0 else -1.0)
        toward = rival if change > 0 else f
        message = (
            f"No judgement recorded since {day(latest.at, self.tz)}; the {len(after)} item"
            f"{'s' if len(after) != 1 else ''} since then shifted the odds {times(math.exp(abs(change)))} "
            f"towards '{self.label(toward)}'. Record where you stand now."
        )
        return self.make(
            "stale-review",
            "amber",
            f,
            rival,
            math.exp(abs(change)),
            "odds change",
            latest.at,
            items,
            message,
        )
