"""Export: a timeline of events as a case file (the dict, and its YAML text)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypotrack.domain import model as m
from hypotrack.domain import times
from hypotrack.domain.casefile.models import FORMAT_VERSION
from hypotrack.domain.casefile.strict_yaml import dump_yaml


def _local(at: datetime, tz: ZoneInfo) -> datetime:
    """A time in the case's zone, written without the zone (the file's convention), or with
    its offset when that local time happens twice (the hour the clocks go back)."""
    local = at.astimezone(tz)
    if times.is_ambiguous(local):
        return times.fixed(local)
    return local.replace(tzinfo=None)


def _by(event: Any, entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` with ``by:`` after its ``at:`` when the event names who made it."""
    if not event.who:
        return entry
    at, *rest = entry.items()
    return dict([at, ("by", event.who), *rest])


def _entered_or(
    probs: dict[str, float], entered: dict[str, Any], order: dict[str, Any]
) -> dict[str, Any]:
    """What the worker entered (else the probabilities), in the order of the explanations.

    The store keeps payloads with sorted keys; ordering by the explanations makes the export
    the same whether the events come from a file or from the store.
    """
    values = entered or probs
    rank = {h: i for i, h in enumerate(order)}
    return {h: values[h] for h in sorted(values, key=lambda h: (rank.get(h, len(rank)), h))}


def events_to_case_dict(events: list[m.Event]) -> dict[str, Any]:
    """The case-file form (a dict ready for YAML) of a timeline of events.

    Everything round-trips: a renamed explanation or source keeps its first label, with each
    later wording under `relabelled:` (when, by whom).
    """
    opened = next(e for e in events if isinstance(e, m.CaseOpened))
    sections = _Sections(opened)
    for e in events:
        sections.add(e)
    return sections.case_dict()


def _case_entry(opened: m.CaseOpened, tz: ZoneInfo) -> dict[str, Any]:
    """The `case:` section."""
    case: dict[str, Any] = {
        "id": opened.case.id,
        "title": opened.case.title,
        "kind": opened.case.kind,
        "timezone": opened.case.timezone,
        "opened": _local(opened.at, tz),
    }
    if opened.who:
        case["by"] = opened.who
    if opened.case.based_on is not None:
        case["based_on"] = opened.case.based_on
    if opened.case.trainee is not None:
        case["trainee"] = opened.case.trainee
    return case


class _Sections:
    """The sections of a case file, filled one event at a time: one handler per event kind
    (as `CaseState.apply`), each writing its event where the file keeps it."""

    def __init__(self, opened: m.CaseOpened) -> None:
        self.opened = opened
        self.tz = ZoneInfo(opened.case.timezone)
        self.hyps: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, dict[str, Any]] = {}
        self.evidence: dict[str, dict[str, Any]] = {}
        self.enquiries: dict[str, dict[str, Any]] = {}
        self.judgements: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []

    def local(self, at: datetime) -> datetime:
        return _local(at, self.tz)

    def add(self, e: Any) -> None:
        """Write one event into its section (the case-opened event is the `case:` section)."""
        handler = getattr(self, "_on_" + e.kind.replace("-", "_"), None)
        if handler is not None:
            handler(e)

    def case_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "case": _case_entry(self.opened, self.tz),
            "hypotheses": list(self.hyps.values()),
        }
        out["sources"] = list(self.sources.values())
        out["evidence"] = list(self.evidence.values())
        out["enquiries"] = list(self.enquiries.values())
        out["judgements"] = self.judgements
        out["notes"] = self.notes
        if self.opened.teaching is not None:
            out["teaching"] = self.opened.teaching.model_dump(mode="json", exclude_none=True)
        return out

    def _on_hypothesis_added(self, e: m.HypothesisAdded) -> None:
        h = e.hypothesis
        entry: dict[str, Any] = {"id": h.id, "label": h.label}
        if h.description is not None:
            entry["description"] = h.description
        if h.prior != 1.0:
            entry["prior"] = h.prior
        if h.catch_all:
            entry["catch_all"] = True
        if e.at != self.opened.at:
            entry["added"] = self.local(e.at)
        if e.who:
            entry["by"] = e.who
        self.hyps[h.id] = entry

    def _on_hypothesis_retired(self, e: m.HypothesisRetired) -> None:
        self.hyps[e.id]["retired"] = _by(e, {"at": self.local(e.at), "reason": e.reason})

    def _on_hypothesis_relabelled(self, e: m.HypothesisRelabelled) -> None:
        relabel: dict[str, Any] = {"at": self.local(e.at)}
        if e.who is not None:
            relabel["by"] = e.who
        relabel["label"] = e.label
        if e.description is not None:
            relabel["description"] = e.description
        self.hyps[e.id].setdefault("relabelled", []).append(relabel)

    def _on_source_relabelled(self, e: m.SourceRelabelled) -> None:
        relabel: dict[str, Any] = {"at": self.local(e.at)}
        if e.who is not None:
            relabel["by"] = e.who
        relabel["label"] = e.label
        self.sources[e.source].setdefault("relabelled", []).append(relabel)

    def _on_source_added(self, e: m.SourceAdded) -> None:
        s = e.source
        entry: dict[str, Any] = {"id": s.id, "label": s.label}
        if s.reliability != 1.0:
            entry["reliability"] = s.reliability
        if e.at != self.opened.at:
            entry["added"] = self.local(e.at)
        if e.who:
            entry["by"] = e.who
        self.sources[s.id] = entry

    def _on_reliability_changed(self, e: m.ReliabilityChanged) -> None:
        change: dict[str, Any] = {"at": self.local(e.at)}
        if e.who is not None:
            change["by"] = e.who
        change["reliability"] = e.reliability
        if e.reason is not None:
            change["reason"] = e.reason
        self.sources[e.source].setdefault("reliability_changes", []).append(change)

    def _on_evidence_recorded(self, e: m.EvidenceRecorded) -> None:
        ev = e.evidence
        item: dict[str, Any] = {"id": ev.id, "text": ev.text, "source": ev.source}
        if ev.observed is not None:
            observed = ev.observed
            if isinstance(observed, datetime) and observed.tzinfo is not None:
                observed = self.local(observed)
            item["observed"] = observed
        item["recorded"] = self.local(e.at)
        if e.who:
            item["by"] = e.who
        if ev.answers is not None:
            item["answers"] = {"enquiry": ev.answers.enquiry, "result": ev.answers.result}
        else:
            item["likelihood"] = _entered_or(ev.likelihood, ev.entered, self.hyps)
        self.evidence[ev.id] = item

    def _on_evidence_amended(self, e: m.EvidenceAmended) -> None:
        amendment: dict[str, Any] = {"at": self.local(e.at)}
        if e.who is not None:
            amendment["by"] = e.who
        amendment["likelihood"] = _entered_or(e.likelihood, e.entered, self.hyps)
        if e.reason is not None:
            amendment["reason"] = e.reason
        self.evidence[e.id].setdefault("amended", []).append(amendment)

    def _on_items_back_rated(self, e: m.EvidenceBackRated) -> None:
        # Written into the item's likelihoods: it takes effect when the explanation is added.
        for ident, p in e.likelihood.items():
            self.evidence[ident].setdefault("likelihood", {})[e.hypothesis] = e.entered.get(
                ident, p
            )
        for ident in e.neutral:
            self.evidence[ident].setdefault("likelihood", {})[e.hypothesis] = "neutral"

    def _on_evidence_retracted(self, e: m.EvidenceRetracted) -> None:
        retracted: dict[str, Any] = _by(e, {"at": self.local(e.at)})
        if e.reason is not None:
            retracted["reason"] = e.reason
        self.evidence[e.id]["retracted"] = retracted

    def _on_enquiry_raised(self, e: m.EnquiryRaised) -> None:
        q = e.enquiry
        entry: dict[str, Any] = {"id": q.id, "text": q.text, "raised": self.local(e.at)}
        if e.who:
            entry["by"] = e.who
        entry["likelihood"] = _entered_or(q.likelihood, q.entered, self.hyps)
        self.enquiries[q.id] = entry

    def _on_judgement(self, e: m.JudgementRecorded) -> None:
        j = e.judgement
        entry: dict[str, Any] = {"id": j.id, "at": self.local(e.at)}
        if e.who is not None:
            entry["by"] = e.who
        entry["ratings"] = _entered_or(j.ratings, j.entered, self.hyps)
        if j.favoured is not None:
            entry["favoured"] = j.favoured
        if j.note is not None:
            entry["note"] = j.note
        self.judgements.append(entry)

    def _on_note(self, e: m.NoteAdded) -> None:
        n = e.note
        entry: dict[str, Any] = {"id": n.id, "at": self.local(e.at)}
        if e.who is not None:
            entry["by"] = e.who
        entry["kind"] = n.kind
        if n.flag:
            entry["flag"] = n.flag
        if n.closes is not None:
            entry["closes"] = n.closes
        if n.pinned_at is not None:
            entry["pinned_at"] = self.local(n.pinned_at)
        entry["text"] = n.text
        self.notes.append(entry)


def events_to_yaml(events: list[m.Event]) -> str:
    """A case file (YAML text) for a timeline of events."""
    return dump_yaml(events_to_case_dict(events))
