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


def events_to_case_dict(events: list[Any]) -> dict[str, Any]:
    """The case-file form (a dict ready for YAML) of a timeline of events.

    Everything round-trips: a renamed explanation or source keeps its first label, with each
    later wording under `relabelled:` (when, by whom).
    """
    opened = next(e for e in events if isinstance(e, m.CaseOpened))
    tz = ZoneInfo(opened.case.timezone)
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
    hyps: dict[str, dict[str, Any]] = {}
    sources: dict[str, dict[str, Any]] = {}
    evidence: dict[str, dict[str, Any]] = {}
    enquiries: dict[str, dict[str, Any]] = {}
    judgements: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for e in events:
        if isinstance(e, m.HypothesisAdded):
            h = e.hypothesis
            entry: dict[str, Any] = {"id": h.id, "label": h.label}
            if h.description is not None:
                entry["description"] = h.description
            if h.prior != 1.0:
                entry["prior"] = h.prior
            if h.catch_all:
                entry["catch_all"] = True
            if e.at != opened.at:
                entry["added"] = _local(e.at, tz)
            if e.who:
                entry["by"] = e.who
            hyps[h.id] = entry
        elif isinstance(e, m.HypothesisRetired):
            hyps[e.id]["retired"] = _by(e, {"at": _local(e.at, tz), "reason": e.reason})
        elif isinstance(e, m.HypothesisRelabelled):
            relabel: dict[str, Any] = {"at": _local(e.at, tz)}
            if e.who is not None:
                relabel["by"] = e.who
            relabel["label"] = e.label
            if e.description is not None:
                relabel["description"] = e.description
            hyps[e.id].setdefault("relabelled", []).append(relabel)
        elif isinstance(e, m.SourceRelabelled):
            relabel = {"at": _local(e.at, tz)}
            if e.who is not None:
                relabel["by"] = e.who
            relabel["label"] = e.label
            sources[e.source].setdefault("relabelled", []).append(relabel)
        elif isinstance(e, m.SourceAdded):
            s = e.source
            sources[s.id] = {"id": s.id, "label": s.label}
            if s.reliability != 1.0:
                sources[s.id]["reliability"] = s.reliability
            if e.at != opened.at:
                sources[s.id]["added"] = _local(e.at, tz)
            if e.who:
                sources[s.id]["by"] = e.who
        elif isinstance(e, m.ReliabilityChanged):
            change: dict[str, Any] = {"at": _local(e.at, tz)}
            if e.who is not None:
                change["by"] = e.who
            change["reliability"] = e.reliability
            if e.reason is not None:
                change["reason"] = e.reason
            sources[e.source].setdefault("reliability_changes", []).append(change)
        elif isinstance(e, m.EvidenceRecorded):
            ev = e.evidence
            item: dict[str, Any] = {"id": ev.id, "text": ev.text, "source": ev.source}
            if ev.observed is not None:
                observed = ev.observed
                if isinstance(observed, datetime) and observed.tzinfo is not None:
                    observed = _local(observed, tz)
                item["observed"] = observed
            item["recorded"] = _local(e.at, tz)
            if e.who:
                item["by"] = e.who
            if ev.answers is not None:
                item["answers"] = {"enquiry": ev.answers.enquiry, "result": ev.answers.result}
            else:
                item["likelihood"] = _entered_or(ev.likelihood, ev.entered, hyps)
            evidence[ev.id] = item
        elif isinstance(e, m.EvidenceAmended):
            amendment: dict[str, Any] = {"at": _local(e.at, tz)}
            if e.who is not None:
                amendment["by"] = e.who
            amendment["likelihood"] = _entered_or(e.likelihood, e.entered, hyps)
            if e.reason is not None:
                amendment["reason"] = e.reason
            evidence[e.id].setdefault("amended", []).append(amendment)
        elif isinstance(e, m.EvidenceBackRated):
            # Written into the item's likelihoods: it takes effect when the explanation is added.
            for ident, p in e.likelihood.items():
                evidence[ident].setdefault("likelihood", {})[e.hypothesis] = e.entered.get(ident, p)
            for ident in e.neutral:
                evidence[ident].setdefault("likelihood", {})[e.hypothesis] = "neutral"
        elif isinstance(e, m.EvidenceRetracted):
            retracted: dict[str, Any] = _by(e, {"at": _local(e.at, tz)})
            if e.reason is not None:
                retracted["reason"] = e.reason
            evidence[e.id]["retracted"] = retracted
        elif isinstance(e, m.EnquiryRaised):
            q = e.enquiry
            enquiries[q.id] = {
                "id": q.id,
                "text": q.text,
                "raised": _local(e.at, tz),
            }
            if e.who:
                enquiries[q.id]["by"] = e.who
            enquiries[q.id]["likelihood"] = _entered_or(q.likelihood, q.entered, hyps)
        elif isinstance(e, m.JudgementRecorded):
            j = e.judgement
            entry = {"id": j.id, "at": _local(e.at, tz)}
            if e.who is not None:
                entry["by"] = e.who
            entry["ratings"] = _entered_or(j.ratings, j.entered, hyps)
            if j.favoured is not None:
                entry["favoured"] = j.favoured
            if j.note is not None:
                entry["note"] = j.note
            judgements.append(entry)
        elif isinstance(e, m.NoteAdded):
            n = e.note
            entry = {"id": n.id, "at": _local(e.at, tz)}
            if e.who is not None:
                entry["by"] = e.who
            entry["kind"] = n.kind
            if n.flag:
                entry["flag"] = n.flag
            if n.closes is not None:
                entry["closes"] = n.closes
            if n.pinned_at is not None:
                entry["pinned_at"] = _local(n.pinned_at, tz)
            entry["text"] = n.text
            notes.append(entry)
    out: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "case": case,
        "hypotheses": list(hyps.values()),
    }
    out["sources"] = list(sources.values())
    out["evidence"] = list(evidence.values())
    out["enquiries"] = list(enquiries.values())
    out["judgements"] = judgements
    out["notes"] = notes
    if opened.teaching is not None:
        out["teaching"] = opened.teaching.model_dump(mode="json", exclude_none=True)
    return out


def events_to_yaml(events: list[Any]) -> str:
    """A case file (YAML text) for a timeline of events."""
    return dump_yaml(events_to_case_dict(events))
