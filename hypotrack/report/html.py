"""The case report as one self-contained HTML file for the case record.

No scripts, no fonts, no images to fetch: the chart is inline SVG and the styles are inline,
so the file opens the same anywhere, years later, and prints on A4. Severity is never shown by
colour alone: every flag says its severity in words beside its glyph (‼ red, ! amber). All case
text passes through `html.escape`.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from importlib.resources import files

from hypotrack.domain.wording import figure_words, percent_figure, severity_words
from hypotrack.report.escape import e
from hypotrack.report.svg_chart import chart_svg
from hypotrack.report.values import JudgementThen, Report, TimelineEntry
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

# The styles, screen and print, as a package file (inlined into every report).
CSS = (files("hypotrack.report") / "report.css").read_text(encoding="utf-8")


# Beyond this many judgements, the judgements' section shows each one in brief.
COMPACT_JUDGEMENTS = 100
# A flag card lists this many driving items with their text (the rest by id), and one with
# up to SHORT_FLAG_ITEMS items is kept on one page when printed.
FLAG_ITEMS_LISTED = 12
SHORT_FLAG_ITEMS = 3


# --- the sections -------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _cell(hypothesis: str, words: str | None) -> str:
    """One likelihood, escaped (None: the id alone). A case repeats a few ids and terms on every
    item: escaped once each, a 20,000-item report saves some 400,000 calls of `e`."""
    return e(hypothesis) if words is None else f"{e(hypothesis)} {e(words)}"


def _likelihoods(entry: TimelineEntry) -> str:
    # Plain ids (no <code>): this line repeats on every item, and at 20,000 items every byte
    # here is 20 kB of the file.
    cells = [_cell(like.hypothesis, like.words) for like in entry.likelihoods if not like.neutral]
    neutral = [_cell(like.hypothesis, None) for like in entry.likelihoods if like.neutral]
    if neutral:
        cells.append(f'<span class="neutral">neutral on {", ".join(neutral)}</span>')
    if not cells:
        return ""
    body = " · ".join(cells)
    if entry.struck:
        body = f"<del>{body}</del>"
    elif entry.likelihoods_struck:
        body = f'<del>{body}</del> <span class="tag">replaced</span>'
    return f'<div class="lk">{body}</div>'


def _summary(r: Report) -> str:
    out = []
    fav = next((x for x in r.explanations if x.favoured), None)
    if fav is not None:
        out.append(
            f"<p>The worker's latest judgement (<code>{e(r.latest_judgement)}</code>) favours "
            f"<strong>{e(fav.label)}</strong> (<code>{e(fav.id)}</code>): the worker rates it "
            f"{percent_figure(fav.worker)}; the evidence as entered gives it {percent_figure(fav.network)}.</p>"
        )
    else:
        out.append("<p>No judgement has been recorded yet.</p>")
    out.append(f"<p>{e(counts_line(r))}</p>")
    if not r.explanations:
        out.append("<p>No explanation is on file yet.</p>")
        return "\n".join(out)
    out.append(
        '<table><thead><tr><th style="width:40%">Explanation</th><th class="num">Evidence (network)</th>'
        '<th class="num">Worker (latest)</th><th>Status</th></tr></thead><tbody>'
    )
    for x in r.explanations:
        status = []
        if x.favoured:
            status.append('<span class="favoured">◀ favoured by the worker</span>')
        if x.catch_all:
            status.append("catch-all")
        if x.added > r.start:
            status.append(f"added {e(r.when(x.added))}")
        if x.unweighed:
            n = x.unweighed
            status.append(f"not yet weighed against {n} earlier item{'s' if n != 1 else ''}")
        if x.retired is not None:
            why = f": {e(x.retired_reason)}" if x.retired_reason else ""
            status.append(f"<strong>retired</strong> {e(r.when(x.retired))}{why}")
        if x.prior != 1:
            status.append(f"prior weight {x.prior:g}")
        desc = f'<br><span class="muted">{e(x.description)}</span>' if x.description else ""
        out.append(
            f"<tr><td><code>{e(x.id)}</code> {e(x.label)}{desc}</td>"
            f'<td class="num">{percent_figure(x.network)}</td><td class="num">{percent_figure(x.worker)}</td>'
            f"<td>{'; '.join(status)}</td></tr>"
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def _chart(r: Report) -> str:
    if not r.series:
        return "<p>No explanation is on file yet: there is nothing to chart.</p>"
    out = [f"<figure>{chart_svg(r)}"]
    out.append(
        "<figcaption>Solid line: the belief the evidence gives each explanation (the network). "
        "Dashed line with dots: the worker's own rating at each judgement. ◆: a supervision "
        "note, decision or sign-off, at the moment it is about (one written later sits at the "
        "point it is pinned to). Only what was on "
        f"file at {e(r.when(r.as_of))} is drawn.</figcaption></figure>"
    )
    marks = [c for c in r.flag_history if c.number > 0]
    if marks:
        out.append(
            "<h3>Flags raised along the timeline</h3><table><thead><tr><th>#</th><th>When</th>"
            "<th>Flag</th><th>Severity</th><th>What</th><th>After</th></tr></thead><tbody>"
        )
        for c in r.flag_history:
            number = str(c.number) if c.number else ""
            out.append(
                f'<tr><td>{number}</td><td class="when">{e(r.when(c.at))}</td>'
                f"<td>{e(c.rule)}</td><td>{e(severity_words(c.severity))}</td>"
                f"<td>{e(c.change)}</td><td>{e(c.after)}</td></tr>"
            )
        out.append("</tbody></table>")
    return "\n".join(out)


def _flags(r: Report) -> str:
    if not r.flags:
        return f"<p>No flags as of {e(r.when(r.as_of))}.</p>"
    out = [
        f'<p class="lead">As of {e(r.when(r.as_of))}, {len(r.flags)} '
        f"flag{'s' if len(r.flags) != 1 else ''}:</p>"
    ]
    for shown in r.flags:
        f = shown.flag
        # A card that fits on a page stays whole when printed; a long one may run on, but its
        # head (title, sentence, figures) stays together.
        short = len(shown.items) <= SHORT_FLAG_ITEMS and len(f.message) < 700
        out.append(f'<article class="flag {e(f.severity)}{" short" if short else ""}">')
        out.append(
            f'<div class="head"><p><span class="sev">{e(severity_words(f.severity).upper())}'
            f"</span> · <strong>{e(shown.title)}</strong> <code>{e(f.id)}</code>"
            + (' · <span class="tag">acknowledged</span>' if f.acknowledged else "")
            + "</p>"
        )
        out.append(f"<p>{e(f.message)}</p>")
        facts = [e(figure_words(f.figure_name, f.figure))]
        if f.since is not None:
            facts.append(f"since {e(r.when(f.since))}")
        if f.favoured:
            facts.append(f"favoured: <code>{e(f.favoured)}</code>")
        if f.rival:
            facts.append(f"rival: <code>{e(f.rival)}</code>")
        out.append(f'<p class="remark">{" · ".join(facts)}</p></div>')
        if shown.items:
            # The strongest few: a flag driven by thousands of items lists them in the timeline.
            listed = shown.items[:FLAG_ITEMS_LISTED]
            out.append('<p class="lead">The items that drive it, strongest first:</p><ul>')
            for ident, source, text in listed:
                out.append(f"<li><code>{e(ident)}</code> {e(source)}: {e(text)}</li>")
            if len(shown.items) > len(listed):
                out.append(
                    f'<li class="remark">and {len(shown.items) - len(listed)} more: '
                    f"{e(', '.join(i for i, _, _ in shown.items[len(listed) :]))}</li>"
                )
            out.append("</ul>")
        out.append(
            f'<p class="question"><strong>Supervision question:</strong> {e(f.question)}</p>'
        )
        if f.acknowledged:
            out.append(
                f'<p class="ack"><strong>✓ Acknowledged by the worker.</strong> Reason: '
                f"{e(f.acknowledgement or '')}</p>"
            )
        elif f.earlier_acknowledgement:
            out.append(
                f'<p class="ack"><strong>New since the acknowledgement</strong> '
                f"({e(f.lapsed or '')}). Earlier reason: {e(f.earlier_acknowledgement)}</p>"
            )
        if shown.grounded_in:
            out.append(f'<p class="remark">Grounded in {e(shown.grounded_in)}.</p>')
        out.append("</article>")
    return "\n".join(out)


def _timeline(r: Report) -> str:
    out = [f'<p class="remark">{e(RATIOS_NOTE)} Struck-through text was retracted or replaced.</p>']
    out.append(
        '<table class="timeline"><thead><tr><th>When</th><th>What</th><th>Details</th></tr>'
        "</thead><tbody>"
    )
    for entry in r.timeline:
        what = e(entry.heading)
        if entry.struck and entry.kind == "evidence-recorded":
            what += ' <span class="tag">retracted</span>'
        if entry.who:
            what += f'<br><span class="remark">{e(entry.who)}</span>'
        parts = []
        if entry.text:
            text = e(entry.text)
            parts.append(f"<del>{text}</del>" if entry.struck else text)
        facts = []
        if entry.source:
            facts.append(f"source: {e(entry.source)}")
        if entry.observed:
            facts.append(f"observed {e(entry.observed)}")
        if facts:
            parts.append(f"<small>{' · '.join(facts)}</small>")
        likes = _likelihoods(entry)
        if likes:
            parts.append(likes)
        for remark in entry.remarks:
            parts.append(f'<div class="remark">{e(remark)}</div>')
        # An item's row can be linked to (#t-e4); the time cell is styled by its place.
        anchor = f' id="t-{e(entry.subject)}"' if entry.kind == "evidence-recorded" else ""
        out.append(
            f"<tr{anchor}><td>{e(r.when(entry.at))}</td><td>{what}</td>"
            f"<td>{''.join(parts)}</td></tr>"
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def _notes(r: Report) -> str:
    if not r.notes:
        return "<p>No supervision notes, decisions or sign-offs on file.</p>"
    out = [
        "<table><thead><tr><th>When</th><th>Kind</th><th>By</th><th>Note</th></tr></thead><tbody>"
    ]
    for n in r.notes:
        kind = e(n.kind_words)
        if n.flag:
            kind += f"<br><code>{e(n.flag)}</code>"
        if n.closes:
            kind += '<br><span class="tag">closes the case</span>'
        when = e(r.when(n.at))
        if n.pinned_at is not None:
            # Shown at the moment it is about, marked as written later (DESIGN §6).
            when = (
                f'{e(r.when(n.pinned_at))}<br><span class="remark">written on '
                f"{e(r.when(n.at))}</span>"
            )
        out.append(
            f'<tr><td class="when">{when}</td><td>{kind}</td><td>{e(n.who or "")}</td>'
            f"<td>{e(n.text)}</td></tr>"
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def _judgements(r: Report) -> str:
    if not r.judgements:
        return "<p>No judgement has been recorded.</p>"
    out = [
        "<p>At each judgement: the worker's ratings beside what the evidence on file then gave "
        "each explanation, the items on file then, and the flags as they stood.</p>"
    ]
    # A long case (hundreds of judgements, thousands of items) gets each judgement in a few
    # lines: its ratings on one line, and the new items by id (their text is in the timeline).
    # The full layout there would repeat every item's text and a table per judgement.
    compact = len(r.judgements) > COMPACT_JUDGEMENTS
    if compact:
        out.append(
            f'<p class="remark">{len(r.judgements)} judgements: each in brief, ratings as '
            "worker / evidence then; the items are in the timeline.</p>"
        )
    for j in r.judgements:
        out.append('<section class="judgement">')
        out.append(_judgement_head(r, j))
        out += _judgement_in_brief(j) if compact else _judgement_in_full(r, j)
        flags = (
            ", ".join(
                f"{e(severity_words(sev))} {e(rule)}" + (" (acknowledged)" if ack else "")
                for rule, sev, ack in j.flags
            )
            or "none"
        )
        out.append(f"<p><strong>Flags then:</strong> {flags}</p>")
        out.append("</section>")
    return "\n".join(out)


def _judgement_head(r: Report, j: JudgementThen) -> str:
    """The heading (kept with the ratings: the block closes after them) and the note."""
    who = f" · {e(j.who)}" if j.who else ""
    favours = f"favours <code>{e(j.favoured)}</code>" if j.favoured else e(NO_FAVOURITE)
    head = f'<div class="keep"><h3><code>{e(j.id)}</code> · {e(r.when(j.at))}{who} — {favours}</h3>'
    return head + (f"\n<blockquote>{e(j.note)}</blockquote>" if j.note else "")


def _judgement_in_brief(j: JudgementThen) -> list[str]:
    """The ratings on one line, worker / evidence then, and the new items by id."""
    ratings = " · ".join(
        f"{'◀ ' if h == j.favoured else ''}{e(h)} {percent_figure(worker)}/{percent_figure(network)}"
        for h, worker, network in j.rows
    )
    out = [f"<p>{ratings}</p></div>", f"<p><strong>On file then:</strong> {e(on_file_words(j))}"]
    if j.new:
        out.append(f"; new: {e(', '.join(ident for ident, _, _ in j.new))}")
    out.append("</p>")
    return out


def _judgement_in_full(r: Report, j: JudgementThen) -> list[str]:
    """A table of the ratings beside the evidence then, and the new items with their text."""
    out = [
        '<table><thead><tr><th>Explanation</th><th class="num">Worker</th>'
        '<th class="num">Evidence then (network)</th></tr></thead><tbody>'
    ]
    for h, worker, network in j.rows:
        mark = " ◀" if h == j.favoured else ""
        out.append(
            f"<tr><td><code>{e(h)}</code> {e(r.label(h))}{mark}</td>"
            f'<td class="num">{percent_figure(worker)}</td>'
            f'<td class="num">{percent_figure(network)}</td></tr>'
        )
    out.append("</tbody></table></div>")
    out.append(f"<p><strong>On file then:</strong> {e(on_file_words(j))}</p>")
    if j.new:
        out.append('<p class="lead"><strong>New since the previous judgement:</strong></p><ul>')
        retracted = set(j.retracted)
        for ident, source, text in j.new:
            body = f"{e(source)}: {e(text)}"
            out.append(
                f"<li><code>{e(ident)}</code> "
                f"{f'<del>{body}</del>' if ident in retracted else body}</li>"
            )
        out.append("</ul>")
    return out


def _sources(r: Report) -> str:
    if not r.sources and not r.enquiries:
        return "<p>No sources or enquiries on file.</p>"
    out = [
        '<table><thead><tr><th style="width:30%">Source</th><th class="num">Relied on (worker)</th>'
        '<th class="num">Reliable, given the evidence</th><th>Changes</th></tr></thead><tbody>'
    ]
    for s in r.sources:
        changes = "<br>".join(
            [f"{percent_figure(s.initial)} at first"] * bool(s.changes)
            + [
                f"{e(r.when(at))}: {percent_figure(v)}" + (f" — {e(why)}" if why else "")
                for at, v, why in s.changes
            ]
        )
        network = percent_figure(s.network) if s.reliability < 1 else "taken at face value"
        out.append(
            f"<tr><td><code>{e(s.id)}</code> {e(s.label)}</td>"
            f'<td class="num">{percent_figure(s.reliability)}</td><td class="num">{network}</td>'
            f"<td>{changes}</td></tr>"
        )
    out.append("</tbody></table>")
    if r.enquiries:
        out.append(
            "<h3>Enquiries</h3><table><thead><tr><th>Enquiry</th><th>Raised</th>"
            "<th>Status</th></tr></thead><tbody>"
        )
        for q in r.enquiries:
            if q.answered_by is not None:
                status = f"answered by <code>{e(q.answered_by)}</code>: {e(q.answer or '')}"
            elif q.value is not None:
                status = (
                    f"open · worth {q.value.information_gain_bits:.2f} bits<br>"
                    f'<span class="remark">{e(q.value.sentence)}</span>'
                )
            else:
                status = "open"
            out.append(
                f"<tr><td><code>{e(q.id)}</code> {e(q.text)}</td>"
                f'<td class="when">{e(r.when(q.raised))}</td><td>{status}</td></tr>'
            )
        out.append("</tbody></table>")
    return "\n".join(out)


def _method(r: Report) -> str:
    # The report's own sentences: escaped, apostrophes left as they are.
    return "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in method_paragraphs(r))


def render_html(r: Report) -> str:
    """The whole report as one HTML document."""
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
    scope = f"<strong>{e(lead)}</strong>{e(rest)}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Case report: {e(case.title)} — as known at {e(r.when(r.as_of))}</title>",
        f"<style>\n{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        '<p class="kicker">hypotrack case report</p>',
        f"<h1>{e(case.title)}</h1>",
        f'<p class="meta">Case <code>{e(case.id)}</code> · {e(case.kind)} · opened '
        f"{e(r.when(r.start))} · times in {e(case.timezone)}</p>",
        f'<div class="banner">{scope}</div>',
        "</header>",
        '<nav aria-label="Contents"><ol>',
        *(f'<li><a href="#{key}">{e(title)}</a></li>' for key, title in SECTIONS),
        "</ol></nav>",
        "<main>",
    ]
    for key, title in SECTIONS:
        out.append(f'<section id="{key}"><h2>{e(title)}</h2>\n{body[key]}\n</section>')
    out += [
        "</main>",
        # On paper the sentence is already in "How to read this report", just above.
        f'<footer><span class="screen-only">{e(NOT_A_VERDICT)} </span>Produced by hypotrack '
        f"from case <code>{e(case.id)}</code>, "
        f"as known at {e(r.when(r.as_of))}.</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)
