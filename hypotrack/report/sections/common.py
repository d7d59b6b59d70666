"""Small readings of the folded case shared by several sections."""

from __future__ import annotations

from hypotrack.domain.state import CaseState


def normalised(ratings: dict[str, float]) -> dict[str, float]:
    """A judgement's ratings scaled to sum to 1 over the explanations rated."""
    total = sum(ratings.values())
    return {h: v / total for h, v in ratings.items()} if total > 0 else dict(ratings)


def source_label(state: CaseState, source_id: str) -> str:
    s = state.sources.get(source_id)
    return s.spec.label if s else source_id


def item_tuple(state: CaseState, item_id: str) -> tuple[str, str, str]:
    """An item as the report lists it: (id, source label, text)."""
    item = state.items[item_id]
    return item.id, source_label(state, item.spec.source), item.spec.text
