"""Folding a timeline of events into the case's state at a moment.

`CaseState.apply` checks each event against the state so far (an item needs a known source,
a retirement needs a live hypothesis...) and raises `EventRejected` with a message a person
can act on; the app relies on that to refuse a bad entry before anything is stored.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hypotrack.domain import model as m


class EventRejected(ValueError):
    """An event that does not fit the case as it stands."""


@dataclass
class HypothesisState:
    spec: m.HypothesisSpec
    added: datetime
    label: str
    description: str | None
    retired: datetime | None = None
    retired_reason: str | None = None
    step: int = 0
    retired_step: int | None = None
    # Earlier live items not yet weighed against this explanation (added mid-case, DESIGN §2):
    # neither back-rated nor marked neutral on purpose.
    unweighed: set[str] = field(default_factory=set)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def live(self) -> bool:
        return self.retired is None

    def live_at(self, step: int) -> bool:
        return self.step <= step and (self.retired_step is None or self.retired_step > step)


@dataclass
class SourceState:
    """A source as it stands: `spec` carries its current label (renames are in `relabels`)."""

    spec: m.SourceSpec
    reliability: float
    changes: list[m.ReliabilityChanged] = field(default_factory=list)
    relabels: list[m.SourceRelabelled] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def label(self) -> str:
        return self.spec.label


@dataclass
class ItemState:
    """An evidence item as it stands: its likelihoods after any amendment, its retraction."""

    spec: m.EvidenceSpec
    recorded: datetime
    step: int
    likelihood: dict[str, float]
    amendments: list[m.EvidenceAmended] = field(default_factory=list)
    retracted: datetime | None = None
    retracted_reason: str | None = None
    retracted_step: int | None = None
    # Explanations added later for which the worker marked this item neutral on purpose.
    neutral: set[str] = field(default_factory=set)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def live(self) -> bool:
        return self.retracted is None

    def live_at(self, step: int) -> bool:
        """On file at a step: recorded by then and not yet retracted."""
        return self.step <= step and (self.retracted_step is None or self.retracted_step > step)

    @property
    def mean(self) -> float:
        """ā: the mean of the likelihoods as entered; unrated hypotheses get it (neutral)."""
        return self._mean

    def __post_init__(self) -> None:
        # (from step, likelihoods, ā): the versions of the item, for "as it stood at step k".
        self.versions: list[tuple[int, dict[str, float], float]] = []
        self.set_likelihood(self.likelihood, self.step)

    def set_likelihood(self, likelihood: dict[str, float], step: int | None = None) -> None:
        """A new version of the likelihoods (an amendment): ā is their mean."""
        self.likelihood = dict(likelihood)
        # Cached: `of` runs for every item and rival at every step of a replay's flags.
        self._mean = sum(self.likelihood.values()) / len(self.likelihood)
        self.versions.append((self.step if step is None else step, self.likelihood, self._mean))

    def back_rate(self, hypothesis: str, value: float, step: int) -> None:
        """A rating under an explanation added later; ā stays as entered (DESIGN §2)."""
        self.likelihood = {**self.likelihood, hypothesis: value}
        self.versions.append((step, self.likelihood, self._mean))

    def of(self, hypothesis: str) -> float:
        """L(item | hypothesis), the neutral mean where the hypothesis was not rated."""
        value = self.likelihood.get(hypothesis)
        return self._mean if value is None else value

    def version_at(self, step: int) -> tuple[dict[str, float], float]:
        """The likelihoods and ā as they stood at a step (the first version if before it)."""
        found = self.versions[0]
        for version in self.versions[1:]:
            if version[0] > step:
                break
            found = version
        return found[1], found[2]

    def of_at(self, hypothesis: str, step: int) -> float:
        """L(item | hypothesis) as the item stood at a step."""
        if len(self.versions) == 1:
            return self.of(hypothesis)
        likelihood, mean = self.version_at(step)
        return likelihood.get(hypothesis, mean)


@dataclass
class EnquiryState:
    spec: m.EnquirySpec
    raised: datetime
    answered_by: str | None = None
    step: int = 0
    answered_step: int | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    def positive(self, hypothesis: str) -> float:
        """P(positive answer | hypothesis); neutral (the mean) where not given."""
        probs = self.spec.likelihood
        return probs.get(hypothesis, sum(probs.values()) / len(probs))


@dataclass
class JudgementState:
    spec: m.JudgementSpec
    at: datetime
    step: int
    who: str | None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def favoured(self) -> str | None:
        """The explanation favoured: the one named, else the single highest rating; None for a
        tie at the top with none named (an open mind is not an anchor)."""
        return self._favoured

    def __post_init__(self) -> None:
        self._favoured = self.spec.favoured or top_rated(self.spec.ratings)

    @property
    def ratings(self) -> dict[str, float]:
        return self.spec.ratings


def top_rated(ratings: dict[str, float]) -> str | None:
    """The single highest-rated explanation; None when two or more share the top (a tie)."""
    if not ratings:
        return None
    top = max(ratings.values())
    best = [h for h, v in ratings.items() if v == top]
    return best[0] if len(best) == 1 else None


@dataclass
class NoteState:
    spec: m.NoteSpec
    at: datetime
    step: int
    who: str | None


@dataclass
class CaseState:
    """The case as known after some prefix of its timeline."""

    info: m.CaseInfo | None = None
    teaching: m.Teaching | None = None
    hypotheses: dict[str, HypothesisState] = field(default_factory=dict)
    sources: dict[str, SourceState] = field(default_factory=dict)
    items: dict[str, ItemState] = field(default_factory=dict)
    enquiries: dict[str, EnquiryState] = field(default_factory=dict)
    judgements: list[JudgementState] = field(default_factory=list)
    notes: list[NoteState] = field(default_factory=list)
    steps: int = 0
    last_at: datetime | None = None
    # Items in the order recorded, and the step of each, for windows by bisection.
    item_order: list[ItemState] = field(default_factory=list)
    item_steps: list[int] = field(default_factory=list)
    judgement_ids: set[str] = field(default_factory=set)
    note_ids: set[str] = field(default_factory=set)

    # --- views ----------------------------------------------------------------------------

    @property
    def live_hypotheses(self) -> list[str]:
        return [h.id for h in self.hypotheses.values() if h.live]

    @property
    def live_items(self) -> list[ItemState]:
        return [i for i in self.items.values() if i.live]

    def count_between(self, after_step: int, to_step: int) -> int:
        """How many items were recorded in the window (live or since retracted)."""
        return bisect.bisect_right(self.item_steps, to_step) - bisect.bisect_right(
            self.item_steps, after_step
        )

    @property
    def open_enquiries(self) -> list[EnquiryState]:
        return [q for q in self.enquiries.values() if q.answered_by is None]

    @property
    def catch_all(self) -> str | None:
        for h in self.hypotheses.values():
            if h.live and h.spec.catch_all:
                return h.id
        return None

    @property
    def latest_judgement(self) -> JudgementState | None:
        return self.judgements[-1] if self.judgements else None

    def label(self, hypothesis: str) -> str:
        h = self.hypotheses.get(hypothesis)
        return h.label if h else hypothesis

    # --- folding --------------------------------------------------------------------------

    def apply(self, event: Any) -> None:
        """Fold one event in; raise EventRejected (state unchanged) if it does not fit."""
        handler = getattr(self, "_on_" + event.kind.replace("-", "_"))
        if self.info is None and not isinstance(event, m.CaseOpened):
            raise EventRejected("the case has not been opened")
        if self.last_at is not None and event.at < self.last_at:
            raise EventRejected("events must be added in time order")
        handler(event)
        self.last_at = event.at
        self.steps += 1

    def _on_case_opened(self, e: m.CaseOpened) -> None:
        if self.info is not None:
            raise EventRejected("the case is already open")
        self.info = e.case
        self.teaching = e.teaching

    def _on_hypothesis_added(self, e: m.HypothesisAdded) -> None:
        h = e.hypothesis
        if h.id in self.hypotheses:
            raise EventRejected(f"there is already an explanation with id '{h.id}'")
        if h.catch_all and self.catch_all is not None:
            raise EventRejected("the case already has a catch-all explanation")
        # Items already on file are neutral on it until weighed (DESIGN §2).
        pending = {i.id for i in self.items.values() if i.live} if self.items else set()
        self.hypotheses[h.id] = HypothesisState(
            spec=h,
            added=e.at,
            label=h.label,
            description=h.description,
            step=self.steps,
            unweighed=pending,
        )

    def _live_hypothesis(self, ident: str) -> HypothesisState:
        h = self.hypotheses.get(ident)
        if h is None:
            raise EventRejected(f"no explanation with id '{ident}'")
        if not h.live:
            raise EventRejected(f"explanation '{ident}' is retired")
        return h

    def _on_hypothesis_retired(self, e: m.HypothesisRetired) -> None:
        h = self._live_hypothesis(e.id)
        h.retired = e.at
        h.retired_reason = e.reason
        h.retired_step = self.steps

    def _on_hypothesis_relabelled(self, e: m.HypothesisRelabelled) -> None:
        h = self._live_hypothesis(e.id)
        h.label = e.label
        if e.description is not None:
            h.description = e.description

    def _on_source_added(self, e: m.SourceAdded) -> None:
        if e.source.id in self.sources:
            raise EventRejected(f"there is already a source with id '{e.source.id}'")
        self.sources[e.source.id] = SourceState(spec=e.source, reliability=e.source.reliability)

    def _on_source_relabelled(self, e: m.SourceRelabelled) -> None:
        s = self.sources.get(e.source)
        if s is None:
            raise EventRejected(f"no source with id '{e.source}'")
        s.spec = s.spec.model_copy(update={"label": e.label})
        s.relabels.append(e)

    def _on_reliability_changed(self, e: m.ReliabilityChanged) -> None:
        s = self.sources.get(e.source)
        if s is None:
            raise EventRejected(f"no source with id '{e.source}'")
        s.reliability = e.reliability
        s.changes.append(e)

    def _check_likelihood(self, probs: dict[str, float]) -> None:
        if not probs:
            raise EventRejected("give a likelihood for at least one explanation")
        for h, p in probs.items():
            if h not in self.hypotheses:
                raise EventRejected(f"no explanation with id '{h}'")
            if not 0.0 < p <= 1.0:
                raise EventRejected(f"the likelihood under '{h}' must be in (0, 1]")

    def _on_evidence_recorded(self, e: m.EvidenceRecorded) -> None:
        ev = e.evidence
        if ev.id in self.items:
            raise EventRejected(f"there is already an item with id '{ev.id}'")
        if ev.source not in self.sources:
            raise EventRejected(f"no source with id '{ev.source}'")
        self._check_likelihood(ev.likelihood)
        if ev.answers is not None:
            q = self.enquiries.get(ev.answers.enquiry)
            if q is None:
                raise EventRejected(f"no enquiry with id '{ev.answers.enquiry}'")
            if q.answered_by is not None:
                raise EventRejected(f"enquiry '{q.id}' is already answered")
            q.answered_by = ev.id
            q.answered_step = self.steps
        item = ItemState(spec=ev, recorded=e.at, step=self.steps, likelihood=dict(ev.likelihood))
        self.items[ev.id] = item
        self.item_order.append(item)
        self.item_steps.append(item.step)

    def _live_item(self, ident: str) -> ItemState:
        item = self.items.get(ident)
        if item is None:
            raise EventRejected(f"no evidence item with id '{ident}'")
        if not item.live:
            raise EventRejected(f"item '{ident}' is retracted")
        return item

    def _on_evidence_amended(self, e: m.EvidenceAmended) -> None:
        item = self._live_item(e.id)
        self._check_likelihood(e.likelihood)
        item.set_likelihood(e.likelihood, self.steps)
        item.amendments.append(e)
        for h in e.likelihood:
            self.hypotheses[h].unweighed.discard(item.id)

    def _on_items_back_rated(self, e: m.EvidenceBackRated) -> None:
        h = self._live_hypothesis(e.hypothesis)
        for ident in [*e.likelihood, *e.neutral]:
            item = self._live_item(ident)
            if item.step >= h.step:
                raise EventRejected(
                    f"item '{ident}' was recorded after explanation '{h.id}' was added: "
                    "amend its likelihoods instead"
                )
        for ident, p in e.likelihood.items():
            if not 0.0 < p <= 1.0:
                raise EventRejected(f"the likelihood of '{ident}' must be in (0, 1]")
        for ident, p in e.likelihood.items():
            self.items[ident].back_rate(h.id, p, self.steps)
            h.unweighed.discard(ident)
        for ident in e.neutral:
            self.items[ident].neutral.add(h.id)
            h.unweighed.discard(ident)

    def _on_evidence_retracted(self, e: m.EvidenceRetracted) -> None:
        item = self._live_item(e.id)
        item.retracted = e.at
        item.retracted_reason = e.reason
        item.retracted_step = self.steps
        for h in self.hypotheses.values():
            h.unweighed.discard(item.id)

    def _on_enquiry_raised(self, e: m.EnquiryRaised) -> None:
        q = e.enquiry
        if q.id in self.enquiries:
            raise EventRejected(f"there is already an enquiry with id '{q.id}'")
        if not q.likelihood:
            raise EventRejected("give P(positive answer) for at least one explanation")
        for h, p in q.likelihood.items():
            if h not in self.hypotheses:
                raise EventRejected(f"no explanation with id '{h}'")
            if not 0.0 < p < 1.0:
                raise EventRejected(f"P(positive answer | {h}) must be strictly between 0 and 1")
        self.enquiries[q.id] = EnquiryState(spec=q, raised=e.at, step=self.steps)

    def _on_judgement(self, e: m.JudgementRecorded) -> None:
        j = e.judgement
        # A set of ids, not a scan of the judgements: folding stays linear in the events.
        if j.id in self.judgement_ids:
            raise EventRejected(f"there is already a judgement with id '{j.id}'")
        for h, v in j.ratings.items():
            self._live_hypothesis(h)
            if v < 0:
                raise EventRejected("ratings are not negative")
        if sum(j.ratings.values()) <= 0:
            raise EventRejected("the ratings are all zero")
        if j.favoured is not None and j.favoured not in j.ratings:
            raise EventRejected("the favoured explanation must be one of those rated")
        # Ratings in the order of the explanations (the store keeps JSON with sorted keys, so
        # they would come back alphabetical after reopening).
        ordered = {h: j.ratings[h] for h in self.hypotheses if h in j.ratings}
        if list(ordered) != list(j.ratings):
            j = j.model_copy(update={"ratings": ordered})
        self.judgements.append(JudgementState(spec=j, at=e.at, step=self.steps, who=e.who))
        self.judgement_ids.add(j.id)

    def _on_note(self, e: m.NoteAdded) -> None:
        if e.note.id in self.note_ids:
            raise EventRejected(f"there is already a note with id '{e.note.id}'")
        self.notes.append(NoteState(spec=e.note, at=e.at, step=self.steps, who=e.who))
        self.note_ids.add(e.note.id)


def fold(events: Iterable[m.Event], as_of: datetime | None = None) -> CaseState:
    """The state after every event at or before `as_of` (all of them when None)."""
    state = CaseState()
    for event in events:
        if as_of is not None and event.at > as_of:
            break
        state.apply(event)
    return state


def next_id(prefix: str, taken: set[str] | list[str]) -> str:
    """The first free id of the form prefix1, prefix2, ..."""
    taken = set(taken)
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def similar_items(state: CaseState, text: str, threshold: float = 0.75) -> list[str]:
    """Live items whose text closely matches `text` (DESIGN §3: two reports of one fact count
    as independent items, so the app warns before the same fact is entered twice).

    The one similarity check of the project: difflib's ratio of the texts, lower-cased with
    whitespace collapsed. Its two cheap upper bounds (from the lengths, then from the letters)
    rule out most items before the full comparison: a full scan of 1,000 items took ~55 ms,
    the bounded one a few.
    """
    live = ((item.id, item.spec.text) for item in state.items.values() if item.live)
    return similar_texts(live, text, threshold)


def similar_texts(
    items: Iterable[tuple[str, str]], text: str, threshold: float = 0.75
) -> list[str]:
    """The ids of the (id, text) pairs whose text closely matches `text` (see `similar_items`;
    the pairs can be taken from a state on one thread and compared on another)."""
    import difflib

    wanted = _comparable(text)
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(wanted)
    out = []
    for ident, other in items:
        matcher.set_seq1(_comparable(other))
        if (
            matcher.real_quick_ratio() >= threshold
            and matcher.quick_ratio() >= threshold
            and matcher.ratio() >= threshold
        ):
            out.append(ident)
    return out


def _comparable(text: str) -> str:
    return " ".join(text.lower().split())
