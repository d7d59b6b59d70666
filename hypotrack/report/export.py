"""`hypotrack export`: a case as of a moment, in one of the export formats (DESIGN §6, §9).

- `yaml`: the case file of the events at or before the moment (re-importable).
- `html`, `md`: the report for the case record (`content.gather` + a renderer).
- `bif`, `xmlbif`: the network as of the moment, for other Bayesian-network tools; the writer
  lives in `reasoning/` (the only package that imports pgmpy), so pgmpy is loaded only here.

Every format obeys `as_of` the same way: nothing recorded after it is looked at.

Every report ends with the chain head of the history it came from (`CASE:N:HASH`,
see `store.base.ChainHead`), so a printed report pins that history: `hypotrack verify --head`
checks the store still holds it. `hypotrack export` also prints the head on stderr for every
format (a case file and a BIF network have no place for it). Reports pass through `domain.text.terminal_safe` as a whole, so
no control character or bidi override from case text reaches the file, whatever a renderer missed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hypotrack.domain import model as m
from hypotrack.domain.timeline import BeforeOpened, Timeline

FORMATS = ("yaml", "html", "md", "bif", "xmlbif")


class ExportError(ValueError):
    """An export that cannot be made as asked; the message says why in the user's terms."""


def _known(events: list[m.Event], as_of: datetime | None) -> list[m.Event]:
    """The events on file at `as_of`; ExportError for a moment before the case was opened."""
    try:
        return list(Timeline.of(events).as_of(as_of))
    except BeforeOpened as exc:
        raise ExportError(str(exc)) from None


def export(
    events: list[m.Event], fmt: str, as_of: datetime | None = None, head: Any | None = None
) -> str:
    """The case as known at `as_of` (inclusive; default: all of it) in format `fmt`.

    `head` is the chain head of the whole history (a `ChainHead`): the store's, or, for a case
    file, what importing it would give; None computes the latter from `events`.

    Raises ExportError for an unknown format, a moment before the case was opened, or a
    network export of a case with no open explanation at that moment.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; formats: {', '.join(FORMATS)}")
    known = _known(events, as_of)
    if head is None:
        from hypotrack.store.case import chain_head

        head = chain_head(events)
    check = f"hypotrack verify --head {head}"
    if fmt == "yaml":
        from hypotrack.domain.casefile import events_to_yaml

        # The case file stays exactly the events (it must re-export byte for byte); the command
        # line prints the head beside it, on stderr.
        return events_to_yaml(known)
    if fmt in ("html", "md"):
        from html import escape

        from hypotrack.domain.text import terminal_safe
        from hypotrack.report.content import collector_paused, gather
        from hypotrack.report.html import render_html
        from hypotrack.report.markdown import render_markdown

        render = render_html if fmt == "html" else render_markdown
        with collector_paused():
            # The report's values are freed as soon as they are laid out, before the collector
            # resumes (it would visit every one of them).
            text = render(gather(known, as_of, belief_steps=fmt == "md"))
        if fmt == "html":
            footer = (
                f'<footer class="chain-head"><p>History: {head.count} events, chain head '
                f"<code>{escape(str(head))}</code>. Check the store still holds it: "
                f"<code>{escape(check)}</code></p></footer>\n"
            )
            at = text.rfind("</body>")
            text = text[:at] + footer + text[at:] if at >= 0 else text + footer
            return terminal_safe(text)
        text += (
            f"\nHistory: {head.count} events, chain head `{head}`. "
            f"Check the store still holds it: `{check}`\n"
        )
        return terminal_safe(text)
    from hypotrack.domain.state import fold

    if not fold(known).live_hypotheses:
        raise ExportError("no explanation is open at that moment: there is no network to export")
    from hypotrack.reasoning.bif import network_file

    return network_file(known, fmt, as_of)  # type: ignore[arg-type]
