"""The notes section: supervision notes, decisions and sign-offs, where each sits on the timeline."""

from __future__ import annotations

from hypotrack.domain.state import CaseState
from hypotrack.domain.wording import note_words
from hypotrack.report.values import Note


def notes(state: CaseState) -> list[Note]:
    """Every note, ordered by the moment it is about (a pinned note sits where it is pinned)."""
    out = [
        Note(
            id=n.spec.id,
            at=n.at,
            kind=n.spec.kind,
            kind_words=note_words(n.spec.kind),
            who=n.who,
            text=n.spec.text,
            flag=n.spec.flag,
            closes=n.spec.closes,
            pinned_at=getattr(n.spec, "pinned_at", None),
        )
        for n in state.notes
    ]
    out.sort(key=lambda n: n.pinned_at or n.at)
    return out
