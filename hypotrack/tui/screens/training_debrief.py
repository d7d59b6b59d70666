"""The debrief of a training run: what a trainer goes through with the trainee afterwards.

Both lines per explanation (the trainee's rating and the network's belief at every item, as
numbers with a level glyph, so it reads without colour), where the trainee questioned and
revised against the author's revision points, the flags that fired and at which item, the
learning points, the truth, and the scores — each explained in one plain sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from hypotrack.domain.wording import percent, percent_number, severity_glyph
from hypotrack.tui.actions import UserAction, bindings
from hypotrack.tui.errors import Guarded
from hypotrack.tui.widgets.render import NETWORK, WORKER, clip, severity

if TYPE_CHECKING:
    from hypotrack.domain import model as m
    from hypotrack.reasoning.training import FlagSeen

LEVELS = " ▁▂▃▄▅▆▇█"


class DebriefReady(Message):
    """The run's debrief was computed."""

    def __init__(self, debrief: Any) -> None:
        super().__init__()
        self.debrief = debrief


# --- text ---------------------------------------------------------------------------------


def hanging(prefix: str, text: str | Text, style: str = "") -> Table:
    """`prefix` then `text`, wrapped under itself rather than under the prefix."""
    grid = Table.grid(expand=True)
    grid.add_column(width=len(prefix), no_wrap=True)
    grid.add_column(ratio=1)
    body = text if isinstance(text, Text) else Text(" ".join(text.split()), style=style)
    grid.add_row(prefix, body)
    return grid


def teaching_title(info: Any) -> str:
    """The teaching case's title, from a run's (which ends with the trainee's name)."""
    title = info.title
    if info.trainee and title.endswith(f" — {info.trainee}"):
        title = title[: -len(f" — {info.trainee}")]
    return title.replace(" (teaching case)", "")


def level(p: float) -> str:
    """One block glyph for a probability: the line's shape without colour."""
    return LEVELS[min(8, max(0, round(p * 8)))]


def _items(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def delay_words(delay: int) -> str:
    if delay == 0:
        return "at the author's point"
    return f"{_items(abs(delay))} {'late' if delay > 0 else 'early'}"


AFTER_FINISH = "Shown when the run is finished (it would give the answer away)."
NO_REVISION_POINT = (
    "The case has no revision point: its author meant the view the evidence supports from the "
    "start to be held, so the measure is the Brier score, not a delay."
)


def progress_words(d: Any) -> str:
    """'4 of 11 items judged', the same count as the picker's list of runs."""
    total = "?" if d.items_total is None else str(d.items_total)
    return f"{len(d.steps)} of {total} items judged"


def score_rows(d: Any) -> list[tuple[str, str, str, str]]:
    """(score, you, network, what it means) for the scores table."""
    fixed = d.labels.get(d.fixed_view, d.fixed_view) if d.fixed_view else None
    rows: list[tuple[str, str, str, str]] = [brier_truth_row(d)]
    if d.brier_vs_network is not None:
        rows.append(
            (
                "Brier against the network",
                f"{d.brier_vs_network:.3f}",
                "",
                "How far your ratings were from the network's reading of the same evidence, "
                "averaged over the items: 0 means you moved exactly with it.",
            )
        )
    if d.mean_gap is not None and fixed:
        rows.append(
            (
                "Mean gap",
                f"{d.mean_gap * 100:.0f} points",
                "",
                f"On average your rating of your first favourite ('{clip(fixed, 40)}') was this "
                "far from the network's belief in it.",
            )
        )
    rows.append(revision_delay_row(d))
    return rows


def brier_truth_row(d: Any) -> tuple[str, str, str, str]:
    """The Brier score against the truth: only once the run is finished and the truth known."""
    if not d.finished:
        return ("Brier against the truth", "—", "—", AFTER_FINISH)
    if d.brier_trainee is not None:
        return (
            "Brier against the truth",
            f"{d.brier_trainee:.3f}",
            f"{d.brier_network:.3f}",
            "How far your ratings were from certainty in the explanation that turned out "
            "true, averaged over the items: 0 is certain and right, 2 certain and wrong; "
            "the network's score on the same items is beside yours.",
        )
    return (
        "Brier against the truth",
        "—",
        "—",
        "The case's author has not said which explanation turned out true.",
    )


def revision_delay_row(d: Any) -> tuple[str, str, str, str]:
    """Items between the author's revision point and the trainee's revision (finished runs)."""
    if not d.finished:
        return ("Revision delay", "—", "", AFTER_FINISH)
    if d.revision_delay is None:
        return ("Revision delay", "—", "", NO_REVISION_POINT)
    mark = next((mk for mk in d.revision_points if mk.expect == "revise"), None)
    mark = mark or (d.revision_points[0] if d.revision_points else None)
    if mark is not None and mark.trainee_index is None:
        meaning = (
            "You never changed your favoured explanation; that counts as every item from "
            f"the author's point (item {mark.author_index}) to the end."
        )
    else:
        meaning = (
            "How many items after the author's revision point you changed your favoured "
            "explanation (negative: before it)."
        )
    sign = "+" if d.revision_delay > 0 else ("−" if d.revision_delay < 0 else "")
    return ("Revision delay", f"{sign}{_items(abs(d.revision_delay))}", "", meaning)


def scores_table(d: Any) -> Table:
    table = Table(box=None, padding=(0, 2, 0, 0), expand=True, show_edge=False)
    table.add_column("Score", style="bold", no_wrap=True, width=26)
    table.add_column(Text("You", style=f"bold {WORKER}"), justify="right", no_wrap=True, width=10)
    table.add_column(
        Text("Network", style=f"bold {NETWORK}"), justify="right", no_wrap=True, width=8
    )
    table.add_column("What it means", ratio=1)
    for name, you, net, meaning in score_rows(d):
        table.add_row(name, you, net, Text(meaning, style="dim"))
    return table


def lines_table(d: Any) -> Table:
    """Items across, two rows per explanation (you, net): the two belief lines as numbers."""
    table = Table(box=None, padding=(0, 0, 0, 1), show_edge=False, header_style="bold")
    table.add_column("Explanation", no_wrap=True, width=24)
    table.add_column("", no_wrap=True, width=3)
    for s in d.steps:
        table.add_column(str(s.index), no_wrap=True, width=5)
    hypotheses = list(dict.fromkeys(h for s in d.steps for h in s.network))
    for h in hypotheses:
        you = []
        net = []
        for s in d.steps:
            w = s.worker.get(h)
            b = s.network.get(h)
            star = "★" if s.favoured == h else " "
            you.append(
                Text(f"{level(w)}{percent_number(w):>3}{star}", style=WORKER)
                if w is not None
                else Text("")
            )
            net.append(
                Text(f"{level(b)}{percent_number(b):>3} ", style=NETWORK)
                if b is not None
                else Text("")
            )
        table.add_row(Text(clip(h, 24), style="bold"), "you", *you)
        table.add_row("", "net", *net, end_section=True)
    author: dict[int, str] = {}
    trainee: dict[int, str] = {}
    for mk in d.revision_points:
        word = "ask" if mk.expect == "question" else "rev"
        author[mk.author_index] = f"◆{word}"
    if d.questioned_at is not None:
        trainee[d.questioned_at] = "●ask"
    if d.revised_at is not None:
        both = d.revised_at == d.questioned_at
        trainee[d.revised_at] = "●a+r" if both else "●rev"
    first_flag: dict[int, list[FlagSeen]] = {}
    position = {s.item: s.index for s in d.steps}
    for f in d.flags:
        first_flag.setdefault(position.get(f.first_item, 0), []).append(f)
    if d.finished:  # the author's points are part of the answer (§6a)
        table.add_row(
            Text("author's points", style="italic"),
            "",
            *(author.get(s.index, "") for s in d.steps),
        )
    table.add_row(
        Text("you questioned/revised", style="italic"),
        "",
        *(trainee.get(s.index, "") for s in d.steps),
    )
    table.add_row(
        Text("flags first fired", style="italic"),
        "",
        *(_flag_cell(first_flag.get(s.index, [])) for s in d.steps),
    )
    return table


def _flag_cell(flags: list[FlagSeen]) -> Text:
    if not flags:
        return Text("")
    red = any(f.severity == "red" for f in flags)
    text = severity("red" if red else "amber")
    return Text(f"{severity_glyph('red' if red else 'amber')}{len(flags)}", style=text.style)


LINES_LEGEND = (
    "Columns are the items in the order they were shown; numbers are percentages, with a block "
    "glyph for the level. you: your rating · net: the network's belief from the same items · "
    "★ your favoured at that item · ◆ the author's revision points (ask: should be questioned by "
    "now, rev: should be revised) · ● where you questioned (your first favourite fell 10 points "
    "below your first rating of it) and revised (you favoured another) · ! / ‼ how many flags first fired there "
    "(amber / red)."
)


def revision_text(d: Any) -> RenderableType:
    parts: list[RenderableType] = []
    fixed = d.labels.get(d.fixed_view, d.fixed_view) if d.fixed_view else None
    if fixed is None:
        return Text("No judgement was recorded.", style="dim")
    head = Text("Your first favourite (the fixed view to test): ")
    head.append(fixed, style="bold")
    parts.append(head)
    you = Text("You ")
    if d.questioned_at is None:
        you.append(
            "have not questioned it (it has not fallen 10 points below your first rating of it)"
            if not d.finished
            else "never questioned it (it never fell 10 points below your first rating of it)"
        )
    else:
        you.append(f"questioned it at item {d.questioned_at}")
    you.append(" and ")
    if d.revised_at is None and not d.finished:
        you.append("have not revised: so far it is still your favoured explanation.")
    elif d.revised_at is None:
        you.append("never revised: it stayed your favoured explanation to the end.")
    else:
        favoured = next(s.favoured for s in d.steps if s.index == d.revised_at)
        you.append(
            f"revised at item {d.revised_at}, to '{clip(d.labels.get(favoured, favoured), 60)}'."
        )
    parts.append(you)
    if not d.finished:
        parts.append(
            Text("The author's revision points are shown when the run is finished.", style="dim")
        )
    for mk in d.revision_points:
        line = Text("◆ ", style="bold")
        verb = "question" if mk.expect == "question" else "revise"
        line.append(
            f"The author expects you to {verb} after item {mk.author_index} ({mk.after})",
            style="bold",
        )
        if mk.trainee_index is None:
            line.append(f" — you did not: counted as {_items(mk.delay)} late.")
        else:
            line.append(f" — you did at item {mk.trainee_index}: {delay_words(mk.delay)}.")
        parts.append(line)
        if mk.why:
            parts.append(hanging("   ", mk.why, style="dim"))
    return Group(*parts)


def flags_text(d: Any) -> RenderableType:
    if not d.flags:
        if not d.finished:
            return Text(f"No flag has fired so far ({progress_words(d)}).")
        return Text("No flag fired during the run: your judgements kept pace with the evidence.")
    position = {s.item: s.index for s in d.steps}
    parts: list[RenderableType] = []
    for f in d.flags:
        line = severity(f.severity)
        line.append(f"  {f.id}", style="bold")
        line.append(f" — first at item {position.get(f.first_item, '?')} ({f.first_item})")
        if f.evidence:
            line.append(f"; driven by {', '.join(f.evidence)}")
        parts.append(line)
        parts.append(hanging("   ", f.message))
    return Group(*parts)


def learning_text(d: Any) -> RenderableType:
    if not d.finished:
        return Text("The learning points are shown when the run is finished.", style="dim")
    points = [hanging("• ", p) for p in d.learning_points]
    return Group(*points) if points else Text("The author gave no learning points.", style="dim")


def truth_text(d: Any) -> Text:
    if not d.finished:
        return Text(
            "Which explanation turned out true is shown when the run is finished.", style="dim"
        )
    if d.truth is None:
        return Text("The author has not said which explanation turned out true.", style="dim")
    text = Text("The explanation that turned out true: ")
    text.append(d.labels.get(d.truth, d.truth), style="bold")
    last = d.steps[-1] if d.steps else None
    if last is not None:
        text.append(
            f". At the last item you gave it {percent(last.worker.get(d.truth, 0.0))}, the "
            f"network {percent(last.network.get(d.truth, 0.0))}."
        )
    return text


# --- the screen ---------------------------------------------------------------------------

DEBRIEF_ACTIONS: tuple[UserAction, ...] = (
    UserAction("back", "escape", "Back", "training: back to the teaching cases",
               "Back to the teaching cases and the stored runs"),
    UserAction("replay", "r", "Replay", "training: replay this run step by step",
               "Replay the run like any case: both belief lines and the flags at every step"),
    UserAction("top", "home", "Top", "training: debrief from the top",
               "Scroll the debrief back to the top", show=False),
)  # fmt: skip

DEBRIEF_ABOUT = (
    "The debrief of one run. ↑ / ↓ / PgUp / PgDn scroll. Until the run is finished it shows only "
    "how far it has got: the answer, the learning points and the author's revision points wait "
    "for the end. The run is stored as a case of kind 'training': it can be replayed like any "
    "case; 'hypotrack export RUN --format html' (or md) prints it with this debrief, and "
    "'hypotrack train --summary' lists every run of every teaching case."
)


class DebriefScreen(Guarded, Screen[None]):
    """The debrief of one stored run (complete or not)."""

    CSS_PATH = "training_debrief.tcss"
    ACTIONS = DEBRIEF_ACTIONS
    BINDINGS = bindings(DEBRIEF_ACTIONS)
    HELP_ABOUT = DEBRIEF_ABOUT

    def __init__(self, events: list[m.Event], items_total: int | None = None) -> None:
        super().__init__()
        self.events = events
        self.items_total = items_total  # None: looked up from the teaching case
        self.debrief: Any = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="debrief"):
            yield Static("Reading the run…", id="debrief-head")
            yield Static("Scores", classes="section")
            yield Static(id="scores")
            yield Static("Your line and the network's", classes="section")
            yield Static(id="lines")
            yield Static(LINES_LEGEND, id="lines-legend")
            yield Static("Questioning and revising", classes="section")
            yield Static(id="revision")
            yield Static("Flags that fired", classes="section")
            yield Static(id="flags")
            yield Static("Learning points", classes="section")
            yield Static(id="learning")
            yield Static(id="truth")
        yield Footer()

    def on_mount(self) -> None:
        info = self.events[0].case
        self.title = f"debrief — {teaching_title(info)}"
        self.sub_title = clip(info.trainee or info.id, 60)
        self.query_one("#debrief", VerticalScroll).focus()
        self.compute()

    @work(thread=True, exclusive=True, group="training-debrief", exit_on_error=False)
    def compute(self) -> None:
        from hypotrack.reasoning.training import debrief
        from hypotrack.services.training import teaching_total

        total = self.items_total
        if total is None:
            total = teaching_total(self.events[0].case.based_on, getattr(self.app, "store", None))
        self.post_message(DebriefReady(debrief(self.events, total)))

    def on_debrief_ready(self, message: DebriefReady) -> None:
        d = self.debrief = message.debrief
        info = self.events[0].case
        head = Text()
        head.append(f"{d.trainee or 'Trainee'}", style=f"bold {WORKER}")
        head.append(f" on '{teaching_title(info)}'", style="bold")
        if d.finished:
            head.append(f"\nRun {d.run} of {d.based_on or '?'} · finished, {_items(len(d.steps))}")
        else:
            head.append(
                f"\nRun {d.run} of {d.based_on or '?'} · unfinished: {progress_words(d)}. "
                "The answer, the learning points and the author's revision points are shown "
                "when the run is finished."
            )
        self.query_one("#debrief-head", Static).update(head)
        self.query_one("#scores", Static).update(scores_table(d))
        self.query_one("#lines", Static).update(
            lines_table(d) if d.steps else Text("No judgement was recorded.", style="dim")
        )
        self.query_one("#revision", Static).update(revision_text(d))
        self.query_one("#flags", Static).update(flags_text(d))
        self.query_one("#learning", Static).update(learning_text(d))
        self.query_one("#truth", Static).update(truth_text(d))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_replay(self) -> None:
        from hypotrack.store.case import CaseSession
        from hypotrack.tui.screens.replay import ReplayScreen

        store = getattr(self.app, "store", None)
        if store is None:
            self.notify("Without a store there is nothing to replay.", title="No store")
            return
        self.app.push_screen(ReplayScreen(CaseSession(store, self.events[0].case.id)))

    def action_top(self) -> None:
        self.query_one("#debrief", VerticalScroll).scroll_home(animate=False)
