"""Deterministic synthetic cases for the benchmark: a timeline of domain events.

`generate_case(CaseShape(...))` returns the events of a case (`hypotrack.domain.model`), in
timeline order, with strictly increasing UTC times. The same shape and seed always give the
same events. A case has:

- `n_hypotheses` explanations, one of them the catch-all, and one of them added midway (so
  it is neutral on every earlier item);
- `n_sources` sources, `n_uncertain` of them with a reliability drawn in 0.3-0.9 (about half
  of those change their reliability once during the case), the rest at face value;
- `n_items` evidence items spread over the sources. Likelihoods are yardstick midpoints or
  random numbers, a little higher on average under a hidden "true" explanation, so that the
  network drifts away from the one the worker anchors on. About a quarter of the items leave
  one to three explanations unrated (neutral);
- a few amendments and retractions of earlier items, and `n_enquiries` enquiries raised
  along the way, each answered later by an item whose likelihoods come from the enquiry;
- `n_judgements` judgements spread over the timeline, rating every live explanation: the
  worker mostly favours the same explanation (the anchor, never the hidden truth), their
  rating of it creeping up, with an occasional change of mind that does not last.

Run `python benchmarks/generate.py --items 50 > case.yaml` for a case file of one.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypotrack.domain import model as m  # noqa: E402
from hypotrack.domain.yardstick import TERMS  # noqa: E402

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MIDPOINTS: list[tuple[str, float]] = list(TERMS.items())


@dataclass(frozen=True)
class CaseShape:
    """What a synthetic case is made of; every count is exact unless marked otherwise."""

    n_items: int = 200
    n_hypotheses: int = 12  # the catch-all and the one added midway included
    n_sources: int = 10
    n_uncertain: int = 5
    n_judgements: int = 20
    n_enquiries: int = 2
    n_amendments: int | None = None  # default: max(2, n_items // 100)
    n_retractions: int | None = None  # default: max(2, n_items // 100)
    unrated_share: float = 0.25  # share of items that leave some explanations unrated
    lean: float = 0.35  # how strongly the evidence leans towards the hidden truth (0-1)
    seed: int = 1

    @property
    def amendments(self) -> int:
        return self.n_amendments if self.n_amendments is not None else max(2, self.n_items // 100)

    @property
    def retractions(self) -> int:
        if self.n_retractions is not None:
            return self.n_retractions
        return max(2, self.n_items // 100)


def shape_for(n_items: int, seed: int = 1) -> CaseShape:
    """The benchmark's standard mix scaled to a size: 12 explanations, 10 sources (5
    uncertain) and one judgement per 10 items."""
    return CaseShape(
        n_items=n_items,
        n_hypotheses=12,
        n_sources=10,
        n_uncertain=5,
        n_judgements=max(2, n_items // 10),
        seed=seed,
    )


class _Builder:
    def __init__(self, shape: CaseShape) -> None:
        if shape.n_hypotheses < 3:
            raise ValueError(
                "a case needs at least 3 explanations (one catch-all, one added later)"
            )
        if not 0 <= shape.n_uncertain <= shape.n_sources or shape.n_sources < 1:
            raise ValueError("n_uncertain must be between 0 and n_sources (at least 1 source)")
        if shape.n_items < 1:
            raise ValueError("a case needs at least one item")
        self.shape = shape
        self.rng = random.Random(shape.seed)
        self.now = START
        self.events: list[Any] = []
        # Explanations: h01.. are listed, "other" is the catch-all; the last listed one joins
        # midway. The worker anchors on h01; the evidence leans towards the hidden truth.
        self.listed = [f"h{k + 1:02d}" for k in range(shape.n_hypotheses - 1)]
        self.catch_all = "other"
        self.late = self.listed[-1]
        self.anchor = self.listed[0]
        self.truth = self.listed[1 + self.rng.randrange(len(self.listed) - 2)]
        self.live: list[str] = [h for h in self.listed if h != self.late] + [self.catch_all]
        self.sources = [f"s{k + 1:02d}" for k in range(shape.n_sources)]
        self.uncertain = self.sources[shape.n_sources - shape.n_uncertain :]
        self.recorded: list[str] = []  # item ids in order
        self.likelihood: dict[str, dict[str, float]] = {}
        self.retracted: set[str] = set()
        self.answering: set[str] = set()
        self.enquiry_p: dict[str, dict[str, float]] = {}
        self.n_judged = 0
        self.favoured_rating = 0.4

    # --- helpers --------------------------------------------------------------------------

    def tick(self, seconds: bool = False) -> datetime:
        """The next moment on the timeline: strictly later than the last one (a few minutes
        to a few hours later; a second later while the case is being set up)."""
        if seconds:
            self.now += timedelta(seconds=1)
        else:
            self.now += timedelta(minutes=self.rng.randint(5, 360))
        return self.now

    def emit(self, event: Any) -> None:
        self.events.append(event)

    def draw_likelihoods(self) -> tuple[dict[str, float], dict[str, str | float]]:
        """Likelihoods for the live explanations, some left unrated; and what was 'typed'."""
        rng = self.rng
        rated = list(self.live)
        if rng.random() < self.shape.unrated_share and len(rated) > 3:
            drop = rng.sample(rated, k=min(rng.randint(1, 3), len(rated) - 2))
            rated = [h for h in rated if h not in drop]
        probs: dict[str, float] = {}
        entered: dict[str, str | float] = {}
        for h in rated:
            # Half yardstick terms (taken at their midpoints), half numbers; under the hidden
            # truth, with probability `lean`, the larger of two draws.
            draws = 2 if h == self.truth and rng.random() < self.shape.lean else 1
            if rng.random() < 0.5:
                term, p = max((rng.choice(MIDPOINTS) for _ in range(draws)), key=lambda t: t[1])
                probs[h], entered[h] = p, term
            else:
                p = max(rng.uniform(0.02, 0.98) for _ in range(draws))
                if h == self.catch_all:
                    p = 0.2 + 0.4 * p  # the catch-all is rated vaguely
                p = round(p, 3)
                probs[h], entered[h] = p, p
        return probs, entered

    def pick_source(self) -> str:
        # Face-value sources report twice as often as uncertain ones.
        weights = [1.0 if s in self.uncertain else 2.0 for s in self.sources]
        return self.rng.choices(self.sources, weights=weights)[0]

    def live_items(self) -> list[str]:
        return [i for i in self.recorded if i not in self.retracted]

    # --- events ---------------------------------------------------------------------------

    def opening(self) -> None:
        shape = self.shape
        at = self.now
        self.emit(
            m.CaseOpened(
                at=at,
                case=m.CaseInfo(
                    id=f"bench-{shape.n_items}-{shape.seed}",
                    title=f"Synthetic benchmark case ({shape.n_items} items, seed {shape.seed})",
                    kind="training",
                    timezone="UTC",
                    opened=at,
                ),
            )
        )
        for h in self.live:
            self.add_hypothesis(h, setup=True)
        for s in self.sources:
            reliability = 1.0
            if s in self.uncertain:
                reliability = round(self.rng.uniform(0.3, 0.9), 2)
            self.emit(
                m.SourceAdded(
                    at=self.tick(seconds=True),
                    source=m.SourceSpec(id=s, label=f"Source {s}", reliability=reliability),
                )
            )

    def add_hypothesis(self, h: str, setup: bool = False) -> None:
        catch_all = h == self.catch_all
        label = "Something we have not thought of" if catch_all else f"Explanation {h}"
        self.emit(
            m.HypothesisAdded(
                at=self.tick(seconds=setup),
                hypothesis=m.HypothesisSpec(
                    id=h,
                    label=label,
                    prior=0.5 if catch_all else 1.0,
                    catch_all=catch_all,
                ),
            )
        )

    def record(self, item_id: str, enquiry: str | None = None) -> None:
        at = self.tick()
        answers = None
        if enquiry is not None:
            q = self.enquiry_p[enquiry]
            positive = self.rng.random() < q.get(self.truth, 0.5)
            answers = m.Answer(enquiry=enquiry, result="positive" if positive else "negative")
            probs = {h: (p if positive else 1.0 - p) for h, p in q.items()}
            entered: dict[str, str | float] = {}
            self.answering.add(item_id)
        else:
            probs, entered = self.draw_likelihoods()
        observed = (at - timedelta(days=self.rng.randint(0, 3))).date()
        self.emit(
            m.EvidenceRecorded(
                at=at,
                evidence=m.EvidenceSpec(
                    id=item_id,
                    text=f"Synthetic observation {item_id}",
                    source=self.pick_source(),
                    observed=observed,
                    likelihood=probs,
                    entered=entered,
                    answers=answers,
                ),
            )
        )
        self.recorded.append(item_id)
        self.likelihood[item_id] = probs

    def amend(self) -> None:
        candidates = [i for i in self.live_items() if i not in self.answering]
        if not candidates:
            return
        item = self.rng.choice(candidates)
        probs, entered = self.draw_likelihoods()
        self.likelihood[item] = probs
        self.emit(
            m.EvidenceAmended(
                at=self.tick(),
                id=item,
                likelihood=probs,
                entered=entered,
                reason="Re-read the report",
            )
        )

    def retract(self) -> None:
        candidates = self.live_items()
        if not candidates:
            return
        item = self.rng.choice(candidates)
        self.retracted.add(item)
        self.emit(m.EvidenceRetracted(at=self.tick(), id=item, reason="Recorded on the wrong case"))

    def raise_enquiry(self, q: str) -> None:
        probs = {h: round(self.rng.uniform(0.05, 0.95), 2) for h in self.live}
        self.enquiry_p[q] = probs
        self.emit(
            m.EnquiryRaised(
                at=self.tick(),
                enquiry=m.EnquirySpec(id=q, text=f"Synthetic enquiry {q}", likelihood=probs),
            )
        )

    def change_reliability(self, source: str) -> None:
        self.emit(
            m.ReliabilityChanged(
                at=self.tick(),
                source=source,
                reliability=round(self.rng.uniform(0.3, 0.9), 2),
                reason="New information about the source",
            )
        )

    def judge(self) -> None:
        rng = self.rng
        self.n_judged += 1
        # Mostly the anchor; now and then (about one review in eight) another explanation.
        favoured = self.anchor
        if self.n_judged > 1 and rng.random() < 0.125:
            favoured = rng.choice([h for h in self.live if h not in (self.anchor, self.catch_all)])
        # The anchor's rating creeps up; a change of mind is tentative.
        self.favoured_rating = min(0.85, self.favoured_rating + rng.uniform(-0.02, 0.04))
        top = self.favoured_rating if favoured == self.anchor else rng.uniform(0.3, 0.45)
        others = [h for h in self.live if h != favoured]
        raw = {h: rng.uniform(0.2, 1.0) for h in others}
        raw[self.catch_all] = rng.uniform(0.02, 0.2)
        scale = (1.0 - top) / sum(raw.values())
        ratings = {h: round(v * scale, 4) for h, v in raw.items()}
        ceiling = max(ratings.values())
        ratings[favoured] = round(max(top, ceiling + 0.01), 4)
        self.emit(
            m.JudgementRecorded(
                at=self.tick(),
                who="worker",
                judgement=m.JudgementSpec(
                    id=f"j{self.n_judged}",
                    ratings=ratings,
                    favoured=favoured,
                ),
            )
        )

    # --- the timeline ---------------------------------------------------------------------

    def build(self) -> list[Any]:
        shape = self.shape
        n = shape.n_items
        rng = self.rng
        self.opening()
        # Before item k is recorded, these happen (in this order).
        before: dict[int, list[tuple[str, Any]]] = {}

        def at(k: int, what: str, arg: Any = None) -> None:
            before.setdefault(max(0, min(n, k)), []).append((what, arg))

        at(n // 2, "hypothesis", self.late)
        for q in range(shape.n_enquiries):
            raised = int(n * (0.15 + 0.6 * q / max(1, shape.n_enquiries)))
            answered = raised + max(1, n // 10)
            at(raised, "enquiry", f"q{q + 1}")
            at(min(answered, n - 1), "answer", f"q{q + 1}")
        changing = self.uncertain[: (len(self.uncertain) + 1) // 2]
        for s in changing:
            at(rng.randint(n * 3 // 10, n * 8 // 10), "reliability", s)
        for _ in range(shape.amendments):
            at(rng.randint(max(1, n // 10), n), "amend")
        for _ in range(shape.retractions):
            at(rng.randint(max(1, n // 10), n), "retract")
        for k in range(shape.n_judgements):
            # Spread over the timeline; the first comes after the first few items.
            spot = (k + 0.5) * n / shape.n_judgements
            jitter = rng.uniform(-0.3, 0.3) * n / shape.n_judgements
            at(math.ceil(spot + jitter), "judge")

        pending: list[str] = []  # enquiries whose answer is the next item
        number = 0
        for k in range(n + 1):
            for what, arg in before.get(k, []):
                if what == "hypothesis":
                    self.live.insert(len(self.live) - 1, arg)
                    self.add_hypothesis(arg)
                elif what == "enquiry":
                    self.raise_enquiry(arg)
                elif what == "answer":
                    pending.append(arg)
                elif what == "reliability":
                    self.change_reliability(arg)
                elif what == "amend":
                    self.amend()
                elif what == "retract":
                    self.retract()
                elif what == "judge":
                    self.judge()
            if k < n:
                number += 1
                self.record(f"e{number:04d}", enquiry=pending.pop(0) if pending else None)
        return self.events


def generate_case(shape: CaseShape | None = None, **changes: Any) -> list[Any]:
    """The events of a synthetic case, in timeline order (strictly increasing UTC times).

    `generate_case(n_items=50, seed=3)` is short for `generate_case(CaseShape(n_items=50, seed=3))`.
    """
    if shape is None:
        shape = CaseShape(**changes)
    elif changes:
        raise TypeError("give a CaseShape or keyword arguments, not both")
    return _Builder(shape).build()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a synthetic case as a case file (YAML).")
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    from hypotrack.domain.casefile import events_to_yaml

    sys.stdout.write(events_to_yaml(generate_case(shape_for(args.items, args.seed))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
