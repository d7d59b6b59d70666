"""Messages the app's workers post back, named as facts about what happened."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from hypotrack.domain.results import Flag


class CasesListed(Message):
    """The store's cases were read (rows from `hypotrack.services.cases.case_list`)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__()
        self.rows = rows


class BeliefsUpdated(Message):
    """The network has read the case as it now stands.

    `version` is the case's event count when the work began: a result for an older version
    than the one on screen is dropped.
    """

    def __init__(self, version: int, engine: Any, beliefs: Any) -> None:
        super().__init__()
        self.version = version
        self.engine = engine
        self.beliefs = beliefs


class FlagsRaised(Message):
    """The flags as of the case's last event (possibly none)."""

    def __init__(self, version: int, flags: list[Flag]) -> None:
        super().__init__()
        self.version = version
        self.flags = flags


class EnquiriesRanked(Message):
    """Open enquiries ranked by what they would tell ("what would change my mind")."""

    def __init__(self, version: int, change: Any) -> None:
        super().__init__()
        self.version = version
        self.change = change


class CaseChangedElsewhere(Message):
    """Someone committed event `seq` on the case whose change tag is `tag` (a team store)."""

    def __init__(self, tag: str, seq: int) -> None:
        super().__init__()
        self.tag = tag
        self.seq = seq


class StoreReachable(Message):
    """The team store's change notices stopped (False) or came back (True)."""

    def __init__(self, reachable: bool) -> None:
        super().__init__()
        self.reachable = reachable


class SameFactFound(Message):
    """A new item reads like items already on file (their ids; DESIGN §3)."""

    def __init__(self, similar: list[str]) -> None:
        super().__init__()
        self.similar = similar
