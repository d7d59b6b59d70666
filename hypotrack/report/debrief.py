"""A training run's debrief in the case report (DESIGN §6a): `hypotrack export RUN --format html|md`.

The debrief is built once as plain blocks (paragraphs, tables, lists) and rendered by the
Markdown and HTML writers, so both say the same. An unfinished run's debrief says only how far
the run has got: the `Debrief` it is given already holds no truth, learning points, author's
revision points or scores against the truth (`reasoning/training.py`), and this module adds
none. Case text (labels, flag sentences, learning points) is escaped by each writer.
"""

from __future__ import annotations

from html import escape
from typing import Any

from hypotrack.domain.wording import percent_figure
from hypotrack.report.markdown import md

Block = tuple[str, Any]  # ("p", text) | ("table", (header, rows)) | ("list", items)

AFTER_FINISH = (
    "The run is unfinished: which explanation turned out true, the learning points, the "
    "author's revision points and the scores against the truth are shown when it is finished."
)


def _num(x: float | None, fmt: str = "{:.3f}") -> str:
    return "—" if x is None else fmt.format(x)


def _items(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def blocks(d: Any) -> list[Block]:
    """The debrief of run `d` (a `reasoning.training.Debrief`) as plain blocks."""
    total = "?" if d.items_total is None else str(d.items_total)
    status = "finished" if d.finished else f"unfinished: {len(d.steps)} of {total} items judged"
    out: list[Block] = [
        (
            "p",
            f"Trainee {d.trainee or '?'} · run {d.run} of teaching case {d.based_on or '?'} · "
            f"{status}.",
        )
    ]
    if not d.finished:
        out.append(("p", AFTER_FINISH))
    if d.fixed_view is None:
        out.append(("p", "No judgement was recorded."))
        return out
    out.append(("p", _fixed_view(d)))
    out.append(("table", (["score", "trainee", "network"], _scores(d))))
    out.append(("table", _steps(d)))
    if d.finished:
        out += _revision_points(d)
    out += _flags(d)
    if d.finished:
        if d.truth is not None:
            out.append(
                ("p", f"The explanation that turned out true: {d.labels.get(d.truth, d.truth)}.")
            )
        if d.learning_points:
            out.append(("p", "Learning points:"))
            out.append(("list", list(d.learning_points)))
    return out


def _fixed_view(d: Any) -> str:
    """The trainee's first favourite, and whether (and when) they questioned and revised it."""
    fixed = d.fixed_view
    q = (
        f"questioned it at item {d.questioned_at}"
        if d.questioned_at is not None
        else ("never questioned it" if d.finished else "has not questioned it so far")
    )
    r = (
        f"revised at item {d.revised_at}"
        if d.revised_at is not None
        else ("never revised" if d.finished else "has not revised so far")
    )
    return (
        f"First favourite (the fixed view to test): {fixed} ({d.labels.get(fixed, fixed)}). "
        f"The trainee {q} (questioning: a rating 10 points below their first rating of it) "
        f"and {r} (revising: favouring another explanation)."
    )


def _scores(d: Any) -> list[list[str]]:
    """The scores' rows: against the truth (finished runs only) and against the network."""
    scores = []
    if d.finished and d.brier_trainee is not None:
        scores.append(["Brier against the truth", _num(d.brier_trainee), _num(d.brier_network)])
    scores.append(["Brier against the network", _num(d.brier_vs_network), ""])
    scores.append(
        [
            "Mean gap in the first favourite",
            _num(d.mean_gap and d.mean_gap * 100, "{:.0f} points"),
            "",
        ]
    )
    if d.finished:
        scores.append(
            ["Revision delay", "—" if d.revision_delay is None else f"{d.revision_delay:+d}", ""]
        )
    return scores


def _steps(d: Any) -> tuple[list[str], list[list[str]]]:
    """A row per item: the favourite, the trainee's and the network's belief in the first
    favourite (and, once finished, in the truth), and the flags."""
    fixed = d.fixed_view
    shown = [fixed] + ([d.truth] if d.finished and d.truth and d.truth != fixed else [])
    header = ["item", "favoured"]
    for h in shown:
        header += [f"trainee: {h}", f"network: {h}"]
    header.append("flags")
    rows = []
    for s in d.steps:
        row = [f"{s.index} ({s.item})", s.favoured]
        for h in shown:
            row += [percent_figure(s.worker.get(h)), percent_figure(s.network.get(h))]
        row.append(", ".join(s.flags) or "—")
        rows.append(row)
    return header, rows


def _revision_points(d: Any) -> list[Block]:
    """Each of the author's revision points beside what the trainee did (finished runs)."""
    out: list[Block] = []
    for mk in d.revision_points:
        verb = "question" if mk.expect == "question" else "revise"
        did = (
            f"the trainee did not: {_items(mk.delay)} counted as late"
            if mk.trainee_index is None
            else f"the trainee did at item {mk.trainee_index} ({mk.delay:+d})"
        )
        why = f" {mk.why}" if mk.why else ""
        out.append(
            (
                "p",
                f"The author expects the trainee to {verb} after item {mk.author_index} "
                f"({mk.after}); {did}.{why}",
            )
        )
    if not d.revision_points:
        out.append(
            (
                "p",
                "The case has no revision point: its author meant the view the evidence "
                "supports from the start to be held.",
            )
        )
    return out


def _flags(d: Any) -> list[Block]:
    """The flags that fired, each at the item where it first did."""
    position = {s.item: s.index for s in d.steps}
    if d.flags:
        return [
            ("p", "Flags that fired (first at which item):"),
            (
                "list",
                [
                    f"{f.id} ({f.severity}), first at item {position.get(f.first_item, '?')}: "
                    f"{f.message}"
                    for f in d.flags
                ],
            ),
        ]
    return [("p", "No flag fired during the run." if d.finished else "No flag has fired so far.")]


def debrief_markdown(d: Any) -> str:
    """The debrief section's body in Markdown (case text made inert by `md`)."""
    parts = []
    for kind, body in blocks(d):
        if kind == "p":
            parts.append(md(body))
        elif kind == "list":
            parts.append("\n".join(f"- {md(x)}" for x in body))
        else:
            header, rows = body
            lines = ["| " + " | ".join(md(c) for c in header) + " |"]
            lines.append("|" + "---|" * len(header))
            lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
            parts.append("\n".join(lines))
    return "\n\n".join(parts)


def debrief_html(d: Any) -> str:
    """The debrief section's body in HTML (all text escaped)."""

    def e(x: object) -> str:
        return escape(" ".join(str(x).split()), quote=True)

    parts = []
    for kind, body in blocks(d):
        if kind == "p":
            parts.append(f"<p>{e(body)}</p>")
        elif kind == "list":
            parts.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in body) + "</ul>")
        else:
            header, rows = body
            head = "".join(f"<th>{e(c)}</th>" for c in header)
            trs = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{trs}</tbody></table>")
    return "\n".join(parts)


def with_debrief(text: str, fmt: str, d: Any) -> str:
    """A rendered report with the debrief as its last section (before the closing line)."""
    if fmt == "md":
        head, sep, tail = text.rpartition("\n\n---\n\n")
        section = f"## Training debrief\n\n{debrief_markdown(d)}"
        if not sep:
            return text.rstrip("\n") + "\n\n" + section + "\n"
        return f"{head}\n\n{section}{sep}{tail}"
    head, sep, tail = text.rpartition("</main>")
    if not sep:
        return text
    section = f'<section id="debrief"><h2>Training debrief</h2>\n{debrief_html(d)}\n</section>\n'
    head = head.replace(
        "</ol></nav>", '<li><a href="#debrief">Training debrief</a></li></ol></nav>', 1
    )
    return f"{head}{section}{sep}{tail}"
