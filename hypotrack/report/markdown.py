"""The case report in Markdown: the same sections and figures as the HTML, as text.

For case-management systems that take text, and for reading in a terminal or a diff. The
chart becomes a table of both belief lines at every moment the network moved or the worker
judged. Case text is made inert with backslashes: Markdown's own punctuation, and `<` and `&`
where they could start an HTML tag or entity (Markdown renderers pass raw HTML through), so that
a note cannot turn into markup, a link, a table cell break or a heading, and the file still reads
as plain text (no `&amp;`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from hypotrack.domain.wording import figure_words, percent_figure, severity_words
from hypotrack.report.values import Report, TimelineEntry
from hypotrack.report.words import (
    NO_FAVOURITE,
    NOT_A_VERDICT,
    RATIOS_NOTE,
    SECTIONS,
    counts_line,
    method_paragraphs,
    on_file_words,
    scope_words,
)

# Punctuation that means something anywhere in a line. Parentheses and '!' need no escape
# once '[' and ']' are escaped (no link can form). A backslash makes any ASCII punctuation
# literal (CommonMark), so '<' and '&' are escaped that way, and only where they could start a
# tag or an entity: the file is read as plain text too, and "Kass &amp; Raftery" reads badly.
_PUNCT = re.compile(r"([\\`*_\[\]|~]|<(?=[A-Za-z/!?])|&(?=#?\w+;))")
# ... and what means something only at the start of a line: a heading, a list, a quote.
_LEADING = re.compile(r"^(\s*)((?:#|[-+]|\d+[.)])(?=\s|$)|>)")


def md(text: object) -> str:
    """Case text as inert Markdown on one line."""
    s = " ".join(str(text).split())
    s = _PUNCT.sub(r"\\\1", s)
    return _LEADING.sub(lambda m_: m_.group(1) + m_.group(2)[:-1] + "\\" + m_.group(2)[-1], s)


def code(ident: object) -> str:
    """An id in backticks (ids are slugs: no backticks inside)."""
    return f"`{str(ident).replace('`', '')}`"


def _table(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    right = right or set()
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|")
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _summary(r: Report) -> str:
    out = []
    fav = next((x for x in r.explanations if x.favoured), None)
    if fav is not None:
        out.append(
            f"The worker's latest judgement ({code(r.latest_judgement)}) favours "
            f"**{md(fav.label)}** ({code(fav.id)}): the worker rates it {percent_figure(fav.worker)}; "
            f"the evidence as entered gives it {percent_figure(fav.network)}."
        )
    else:
        out.append("No judgement has been recorded yet.")
    out.append(md(counts_line(r)))
    if not r.explanations:
        out.append("No explanation is on file yet.")
        return "\n\n".join(out)
    rows = []
    for x in r.explanations:
        status = []
        if x.favoured:
            status.append("**◀ favoured by the worker**")
        if x.catch_all:
            status.append("catch-all")
        if x.added > r.start:
            status.append(f"added {r.when(x.added)}")
        if x.unweighed:
            n = x.unweighed
            status.append(f"not yet weighed against {n} earlier item{'s' if n != 1 else ''}")
        if x.retired is not None:
            why = f": {md(x.retired_reason)}" if x.retired_reason else ""
            status.append(f"**retired** {r.when(x.retired)}{why}")
        if x.prior != 1:
            status.append(f"prior weight {x.prior:g}")
        rows.append(
            [
                f"{code(x.id)} {md(x.label)}",
                percent_figure(x.network),
                percent_figure(x.worker),
                "; ".join(status),
            ]
        )
    out.append(
        _table(["Explanation", "Evidence (network)", "Worker (latest)", "Status"], rows, {1, 2})
    )
    return "\n\n".join(out)


def _chart(r: Report) -> str:
    if not r.series:
        return "No explanation is on file yet: there is nothing to chart."
    hyps = [s.hypothesis for s in r.series]
    out = [
        "Both belief lines at every moment the network moved or the worker judged: each cell is "
        "*evidence (network) / worker*. Only what was on file at "
        f"{r.when(r.as_of)} is shown."
    ]
    rows = []
    for step in r.steps:
        cells = []
        for h in hyps:
            if h not in step.network:
                cells.append("")
                continue
            cell = percent_figure(step.network[h])
            if step.worker is not None and h in step.worker:
                cell += f" / {percent_figure(step.worker[h])}"
            cells.append(cell)
        rows.append([r.when(step.at), md(step.what), *cells])
    out.append(_table(["When", "What", *(code(h) for h in hyps)], rows))
    if r.flag_history:
        out.append("### Flags raised along the timeline")
        out.append(
            _table(
                ["#", "When", "Flag", "Severity", "What", "After"],
                [
                    [
                        str(c.number) if c.number else "",
                        r.when(c.at),
                        code(c.rule),
                        severity_words(c.severity),
                        c.change,
                        md(c.after),
                    ]
                    for c in r.flag_history
                ],
            )
        )
    return "\n\n".join(out)


def _flags(r: Report) -> str:
    if not r.flags:
        return f"No flags as of {r.when(r.as_of)}."
    out = [f"As of {r.when(r.as_of)}, {len(r.flags)} flag{'s' if len(r.flags) != 1 else ''}:"]
    for shown in r.flags:
        f = shown.flag
        ack = " · acknowledged" if f.acknowledged else ""
        out.append(
            f"### {severity_words(f.severity).upper()} · {md(shown.title)} ({code(f.id)}){ack}"
        )
        out.append(md(f.message))
        facts = [md(figure_words(f.figure_name, f.figure))]
        if f.since is not None:
            facts.append(f"since {r.when(f.since)}")
        if f.favoured:
            facts.append(f"favoured: {code(f.favoured)}")
        if f.rival:
            facts.append(f"rival: {code(f.rival)}")
        out.append(" · ".join(facts))
        if shown.items:
            out.append(
                "The items that drive it, strongest first:\n\n"
                + "\n".join(
                    f"- {code(ident)} {md(source)}: {md(text)}"
                    for ident, source, text in shown.items
                )
            )
        out.append(f"**Supervision question:** *{md(f.question)}*")
        if f.acknowledged:
            out.append(f"**✓ Acknowledged by the worker.** Reason: {md(f.acknowledgement or '')}")
        elif f.earlier_acknowledgement:
            out.append(
                f"**New since the acknowledgement** ({md(f.lapsed or '')}). "
                f"Earlier reason: {md(f.earlier_acknowledgement)}"
            )
        if shown.grounded_in:
            out.append(f"Grounded in {md(shown.grounded_in)}.")
    return "\n\n".join(out)


@lru_cache(maxsize=4096)
def _cell(hypothesis: str, words: str | None) -> str:
    """One likelihood, made inert (None: the id alone, plain). A case repeats a few ids and terms
    on every item: made inert once each, a 20,000-item report saves some 400,000 calls of `md`."""
    return md(hypothesis) if words is None else f"{code(hypothesis)} {md(words)}"


def _likelihoods(entry: TimelineEntry) -> str:
    cells = [_cell(like.hypothesis, like.words) for like in entry.likelihoods if not like.neutral]
    neutral = [_cell(like.hypothesis, None) for like in entry.likelihoods if like.neutral]
    if neutral:
        cells.append(f"*neutral on {', '.join(neutral)}*")
    if not cells:
        return ""
    body = " · ".join(cells)
    if entry.struck:
        return f"~~{body}~~"
    return f"~~{body}~~ (replaced)" if entry.likelihoods_struck else body


def _timeline(r: Report) -> str:
    rows = []
    for entry in r.timeline:
        what = md(entry.heading)
        if entry.struck and entry.kind == "evidence-recorded":
            what += " **RETRACTED**"
        if entry.who:
            what += f"<br>{md(entry.who)}"
        parts = []
        if entry.text:
            parts.append(f"~~{md(entry.text)}~~" if entry.struck else md(entry.text))
        facts = []
        if entry.source:
            facts.append(f"source: {md(entry.source)}")
        if entry.observed:
            facts.append(f"observed {entry.observed}")
        if facts:
            parts.append(" · ".join(facts))
        likes = _likelihoods(entry)
        if likes:
            parts.append(likes)
        parts += [md(remark) for remark in entry.remarks]
        rows.append([r.when(entry.at), what, "<br>".join(parts)])
    return "\n\n".join(
        [
            f"{md(RATIOS_NOTE)} Struck-through text was retracted or replaced.",
            _table(["When", "What", "Details"], rows),
        ]
    )


def _notes(r: Report) -> str:
    if not r.notes:
        return "No supervision notes, decisions or sign-offs on file."
    rows = []
    for n in r.notes:
        kind = md(n.kind_words)
        if n.flag:
            kind += f" {code(n.flag)}"
        if n.closes:
            kind += " (closes the case)"
        when = r.when(n.at)
        if n.pinned_at is not None:
            # Shown at the moment it is about, marked as written later (DESIGN §6).
            when = f"{r.when(n.pinned_at)} (written on {r.when(n.at)})"
        rows.append([when, kind, md(n.who or ""), md(n.text)])
    return _table(["When", "Kind", "By", "Note"], rows)


def _judgements(r: Report) -> str:
    if not r.judgements:
        return "No judgement has been recorded."
    out = [
        "At each judgement: the worker's ratings beside what the evidence on file then gave each "
        "explanation, the items on file then, and the flags as they stood."
    ]
    for j in r.judgements:
        who = f" · {md(j.who)}" if j.who else ""
        out.append(
            f"### {code(j.id)} · {r.when(j.at)}{who} — "
            + (f"favours {code(j.favoured)}" if j.favoured else NO_FAVOURITE)
        )
        if j.note:
            out.append(f"> {md(j.note)}")
        out.append(
            _table(
                ["Explanation", "Worker", "Evidence then (network)"],
                [
                    [
                        f"{code(h)} {md(r.label(h))}" + (" ◀" if h == j.favoured else ""),
                        percent_figure(worker),
                        percent_figure(network),
                    ]
                    for h, worker, network in j.rows
                ],
                {1, 2},
            )
        )
        out.append(f"**On file then:** {md(on_file_words(j))}")
        retracted = set(j.retracted)
        if j.new:
            out.append(
                "**New since the previous judgement:**\n\n"
                + "\n".join(
                    f"- {code(ident)} "
                    + (
                        f"~~{md(source)}: {md(text)}~~"
                        if ident in retracted
                        else f"{md(source)}: {md(text)}"
                    )
                    for ident, source, text in j.new
                )
            )
        flags = (
            ", ".join(
                f"{severity_words(sev)} {code(rule)}" + (" (acknowledged)" if ack else "")
                for rule, sev, ack in j.flags
            )
            or "none"
        )
        out.append(f"**Flags then:** {flags}")
    return "\n\n".join(out)


def _sources(r: Report) -> str:
    if not r.sources and not r.enquiries:
        return "No sources or enquiries on file."
    rows = []
    for s in r.sources:
        changes = "<br>".join(
            [f"{percent_figure(s.initial)} at first"] * bool(s.changes)
            + [
                f"{r.when(at)}: {percent_figure(v)}" + (f" — {md(why)}" if why else "")
                for at, v, why in s.changes
            ]
        )
        network = percent_figure(s.network) if s.reliability < 1 else "taken at face value"
        rows.append(
            [f"{code(s.id)} {md(s.label)}", percent_figure(s.reliability), network, changes]
        )
    out = [
        _table(
            ["Source", "Relied on (worker)", "Reliable, given the evidence", "Changes"],
            rows,
            {1, 2},
        )
    ]
    if r.enquiries:
        out.append("### Enquiries")
        rows = []
        for q in r.enquiries:
            if q.answered_by is not None:
                status = f"answered by {code(q.answered_by)}: {q.answer or ''}"
            elif q.value is not None:
                status = f"open · worth {q.value.information_gain_bits:.2f} bits<br>{md(q.value.sentence)}"
            else:
                status = "open"
            rows.append([f"{code(q.id)} {md(q.text)}", r.when(q.raised), status])
        out.append(_table(["Enquiry", "Raised", "Status"], rows))
    return "\n\n".join(out)


def _method(r: Report) -> str:
    return "\n\n".join(md(p) for p in method_paragraphs(r))


def render_markdown(r: Report) -> str:
    """The whole report as one Markdown document."""
    case = r.case
    body = {
        "summary": _summary(r),
        "chart": _chart(r),
        "flags": _flags(r),
        "timeline": _timeline(r),
        "notes": _notes(r),
        "judgements": _judgements(r),
        "sources": _sources(r),
        "method": _method(r),
    }
    lead, rest = scope_words(r)
    scope = f"**{lead}**{rest}"
    out = [
        f"# {md(case.title)}",
        f"*hypotrack case report* · case {code(case.id)} · {case.kind} · opened "
        f"{r.when(r.start)} · times in {case.timezone}",
        f"> {scope}",
    ]
    for key, title in SECTIONS:
        out.append(f"## {title}")
        out.append(body[key])
    out.append(f"---\n\n*{md(NOT_A_VERDICT)}*")
    return "\n\n".join(out) + "\n"
