"""Play (DESIGN §6a): one teaching-case item at a time, a rating per explanation after each.

The item is shown as the worker would have met it (its text, its source and that source's
reliability, when it happened and reached the worker, what came with it). The trainee rates
every live explanation in fast number fields (prefilled with their previous ratings; Tab moves,
↑/↓ ±5, Enter records) and the run stores itself as it goes. Coach mode (F2) shows the network's
belief beside each rating and the flags as they stand; by default both wait for the debrief.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, Static
from textual.worker import get_current_worker

from hypotrack.domain import wording
from hypotrack.domain.errors import FieldError
from hypotrack.domain.ratings import parse_ratings, preview_ratings
from hypotrack.domain.yardstick import describe
from hypotrack.tui.actions import UserAction, bindings
from hypotrack.tui.errors import Guarded
from hypotrack.tui.messages import BeliefsUpdated, FlagsRaised
from hypotrack.tui.widgets.beliefs import gap_text
from hypotrack.tui.widgets.render import NETWORK, WORKER, bar_with_pct, clip, severity
from hypotrack.tui.widgets.training import (
    RatingInput,
    SteadyFooter,
    format_rating,
)

if TYPE_CHECKING:
    from hypotrack.domain import model as m
    from hypotrack.domain.results import Flag

PLAY_ACTIONS: tuple[UserAction, ...] = (
    UserAction("record", "enter", "Record", "training: record my judgement and see the next item",
               "Record your ratings and favoured explanation; the next item follows",
               key_display="Enter"),
    UserAction("favour", "asterisk", "Favoured", "training: choose the favoured explanation",
               "Cycle the favoured explanation (★): the highest rated, then each in turn",
               key_display="*"),
    UserAction("toggle_coach", "f2", "Coach", "training: coach mode on or off",
               "Coach mode: the network's belief beside your ratings, and the flags, live",
               key_display="F2"),
    UserAction("leave", "escape", "Leave", "training: leave the run (it is stored)",
               "Leave the run: everything so far is stored; carry on later from the picker"),
)  # fmt: skip

PLAY_ABOUT = (
    "Rate every explanation after each item: any non-negative numbers (70, 20, 10 — they are "
    "scaled to 100 %); 0 rules one out. Tab / Shift+Tab move between the fields, ↑ / ↓ move a "
    "rating by 5 (Shift+↑ / Shift+↓ by 1), Enter records and shows the next item. The favoured "
    "explanation (★) is the highest rated unless you choose another with *. The fields take only "
    "numbers: letters are refused there. F2 turns coach mode on or off."
)

# Events that come with an item, and how play announces them.
_ANNOUNCE_SKIP_FIRST = {"hypothesis-added", "source-added"}


class TrainingScreen(Guarded, Screen[None]):
    """One run: the current item, a rating per explanation, the favoured one; coach mode."""

    CSS_PATH = "training.tcss"
    ACTIONS = PLAY_ACTIONS
    # Tab is a priority binding: it moves the focus before the next key is handed to a field, so
    # a trainee typing ahead ("60⇥20⇥") never has a digit land in the field just left. Enter is
    # not: it reaches the screen through the field (Input.Submitted), after any digit typed
    # before it, so a judgement never misses the last keystroke.
    BINDINGS = [
        *bindings(PLAY_ACTIONS),
        Binding("tab", "next_field(1)", "Next field", show=False, priority=True),
        Binding("shift+tab", "next_field(-1)", "Previous field", show=False, priority=True),
    ]
    HELP_ABOUT = PLAY_ABOUT

    def __init__(self, stored: Any, coach: bool = False) -> None:
        super().__init__()
        self.stored = stored
        self.coach = coach
        self.chosen: str | None = None  # the favoured explanation, when not the highest rated
        self.live: list[str] = []  # the explanations the rows show, in order
        self.shown: list[m.Event] = []  # what the last reveal brought
        self.posterior: dict[str, float] | None = None
        self._shown: dict[str, str] = {}  # what each one-line cell shows (see `put`)
        self.flags: list[Flag] | None = None

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="play"):
            yield Static(id="item")
            yield Static(id="came-with")
            yield Static(id="ratings-head")
            yield Vertical(id="ratings")
            yield Static(id="favoured")
            yield Static(id="coach-panel")
            yield Static(id="earlier")
        yield SteadyFooter()

    async def on_mount(self) -> None:
        run = self.stored.run
        teaching = run.teaching_events[0].case.title.replace(" (teaching case)", "")
        self.title = f"training — {teaching}"
        self.set_class(self.coach, "-coach")
        if not self.stored.awaiting_judgement and not run.finished:
            self.shown = self.stored.reveal()
        else:
            self.shown = self._last_reveal()
        await self.show_step()

    # --- the run as it stands ------------------------------------------------------------

    @property
    def state(self) -> Any:
        return self.stored.session.state

    def _previous_judgement(self) -> Any:
        return self.state.latest_judgement

    def carried_choice(self, live: list[str]) -> str | None:
        """A favoured explanation chosen against the ratings is carried to the next item; one
        that was simply the highest rated (or broke a tie) is not: ★ follows the ratings."""
        last = self._previous_judgement()
        if last is None or last.favoured not in live:
            return None
        top = max(last.ratings.values(), default=0.0)
        return last.favoured if last.ratings.get(last.favoured, 0.0) < top else None

    def _last_reveal(self) -> list[m.Event]:
        """The events since the last judgement (what the current item brought)."""
        events = self.stored.run.events
        out: list[m.Event] = []
        for event in reversed(events[1:]):
            if event.kind == "judgement":
                break
            out.append(event)
        return list(reversed(out))

    def _current_item(self) -> Any:
        items = [e for e in self.stored.run.events if e.kind == "evidence-recorded"]
        return items[-1] if items else None

    # --- drawing -------------------------------------------------------------------------

    async def show_step(self) -> None:
        """Draw the item just revealed and a row per live explanation, prefilled."""
        run = self.stored.run
        self.sub_title = f"{run.trainee} · item {run.items_shown} of {run.items_total}"
        self.query_one("#item", Static).update(self.item_text())
        self.query_one("#came-with", Static).update(self.came_with_text())
        self.query_one("#ratings-head", Static).update(
            Text.assemble(
                ("Your judgement now", "bold"),
                " — a number for each explanation (scaled to 100 %; 0 rules one out). "
                "Enter records it.",
            )
        )
        live = list(self.state.live_hypotheses)
        self.chosen = self.carried_choice(live)
        if live != self.live:
            await self.build_rows(live)
        else:
            self.prefill()
        self.query_one("#earlier", Static).update(self.earlier_text())
        self.posterior, self.flags = None, None  # the last reading is for the last step
        self.refresh_preview()
        self.show_coach()
        self.set_focus(self.query(RatingInput).first())
        self.query_one("#play", VerticalScroll).scroll_home(animate=False)
        if self.coach:
            self.reason()

    async def build_rows(self, live: list[str]) -> None:
        box = self.query_one("#ratings", Vertical)
        await box.remove_children()
        self._shown.clear()
        new = set(live) - set(self.live) if self.live else set()
        rows = []
        for h in live:
            label = Text(self.state.label(h))
            if self.state.hypotheses[h].spec.catch_all:
                label.append(" (catch-all)", style="italic")
            if h in new:
                label.append(" new", style="bold reverse")
            rows.append(
                Horizontal(
                    Static(" ", id=f"mark-{h}", classes="rating-mark"),
                    Static(label, classes="rating-label"),
                    RatingInput(h, id=f"rating-{h}", classes="rating-input"),
                    Static("", id=f"pct-{h}", classes="rating-pct"),
                    Static("", id=f"net-{h}", classes="rating-net"),
                    Static("", id=f"hint-{h}", classes="rating-hint"),
                    classes="rating-row",
                    id=f"row-{h}",
                )
            )
        await box.mount_all(rows)
        self.live = live
        self.prefill()

    def prefill(self) -> None:
        """Each field holds the trainee's previous rating (empty for a new explanation)."""
        last = self._previous_judgement()
        for field in self.query(RatingInput):
            value = ""
            if last is not None and field.hypothesis in last.ratings:
                value = format_rating(last.ratings[field.hypothesis] * 100)
            field.value = value
            field.select_all()  # typing replaces the previous rating; Tab selects it too
            self.unmark(field.hypothesis)

    def item_text(self) -> RenderableType:
        item = self._current_item()
        run = self.stored.run
        if item is None:
            return Text("No item yet.", style="dim")
        spec = item.evidence
        head = Text()
        head.append(f" Item {run.items_shown} of {run.items_total} ", style="bold reverse")
        head.append(f"  {spec.id}", style="dim")
        source = self.state.sources.get(spec.source)
        src = Text("Source: ")
        src.append(source.spec.label if source else spec.source, style="bold")
        if source is not None:
            r = source.reliability
            src.append(
                f" · reliability {r:.2f}"
                + (" (taken at face value)" if r >= 1 else " (may not be reliable)")
            )
        when = Text(
            f"Happened: {wording.observed(spec.observed)} · reached the worker {wording.moment(item.at)}"
        )
        parts: list[RenderableType] = [head, Text(spec.text), src, when]
        if spec.answers is not None:
            parts.append(Text(f"Answers enquiry {spec.answers.enquiry}: {spec.answers.result}"))
        return Group(*parts)

    def came_with_text(self) -> RenderableType:
        """What else arrived with this item: explanations added or retired, enquiries raised."""
        first = self.stored.run.items_shown == 1
        state = self.state
        lines: list[Text] = []
        for event in self.shown:
            kind = event.kind
            if kind == "evidence-recorded" or (first and kind in _ANNOUNCE_SKIP_FIRST):
                continue
            if kind == "hypothesis-added":
                lines.append(Text(f"+ New explanation to rate: {event.hypothesis.label}"))
            elif kind == "hypothesis-retired":
                lines.append(
                    Text(f"✗ Explanation retired: {state.label(event.id)} — {event.reason}")
                )
            elif kind == "hypothesis-relabelled":
                lines.append(Text(f"~ Explanation reworded: {event.label}"))
            elif kind == "source-added":
                lines.append(Text(f"+ New source: {event.source.label}"))
            elif kind == "reliability-changed":
                src = state.sources.get(event.source)
                label = src.spec.label if src else event.source
                reason = f" — {event.reason}" if event.reason else ""
                lines.append(
                    Text(f"~ {label}'s reliability is now {event.reliability:.2f}{reason}")
                )
            elif kind == "enquiry-raised":
                lines.append(Text(f"? Enquiry raised: {event.enquiry.text}"))
            elif kind == "evidence-amended":
                reason = f": {event.reason}" if event.reason else ""
                lines.append(Text(f"~ Item {event.id} amended{reason}"))
            elif kind == "evidence-retracted":
                reason = f": {event.reason}" if event.reason else ""
                lines.append(Text(f"✗ Item {event.id} retracted{reason}"))
        if not lines:
            return Text("")
        return Group(Text("With it:", style="bold"), *lines)

    def earlier_text(self) -> RenderableType:
        """The earlier items, newest first, one line each (the case as known so far)."""
        items = [e for e in self.stored.run.events if e.kind == "evidence-recorded"][:-1]
        if not items:
            return Text("")
        lines = [Text("Earlier items (newest first)", style="bold")]
        for k, e in reversed(list(enumerate(items, start=1))):
            spec = e.evidence
            src = self.state.sources.get(spec.source)
            line = Text(f"{k:>2}. ", style="dim")
            head = f"{wording.day(e.at)} · {src.spec.label if src else spec.source}: "
            line.append(head, style="bold")
            line.append(clip(spec.text, max(30, 106 - len(head))))  # one line at 120 columns
            if not self.state.items[spec.id].live:
                line.stylize("strike")
            lines.append(line)
        return Group(*lines)

    # --- the ratings ---------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        return {f.hypothesis: f.value for f in self.query(RatingInput)}

    def favoured_now(self, preview: dict[str, float | None]) -> tuple[str | None, bool]:
        """(the favoured explanation as the fields stand, whether it was chosen)."""
        if self.chosen is not None:
            return self.chosen, True
        rated = {h: p for h, p in preview.items() if p is not None}
        if not rated or max(rated.values()) <= 0:
            return None, False
        top = max(rated.values())
        best = [h for h, p in rated.items() if p == top]
        return (best[0] if len(best) == 1 else None), False

    def refresh_preview(self) -> None:
        shares = preview_ratings(self.values())
        favoured, chosen = self.favoured_now(shares)
        for h, p in shares.items():
            self.put(f"pct-{h}", "" if p is None else wording.percent_figure(p).rjust(5))
            self.put(f"mark-{h}", Text("★", style="bold") if h == favoured else Text(" "))
        line = Text()
        if favoured is None:
            line.append("★ Favoured: ", style="bold")
            line.append("none yet — rate the explanations, or press * to choose one")
        else:
            line.append("★ Favoured: ", style="bold")
            line.append(clip(self.state.label(favoured), 60), style="bold")
            line.append(
                "  (your choice; * for the next, back to the highest rated after the last)"
                if chosen
                else "  (the highest rated; * to choose another)",
                style="dim",
            )
        self.put("favoured", line, layout=True)
        self.show_network(shares)

    def put(self, ident: str, content: str | Text, layout: bool = False) -> None:
        """Update a Static only if what it shows changed. Each keystroke redraws the row
        percentages; skipping unchanged cells and the layout pass for the one-line cells
        (fixed size) roughly halves the cost of a key press."""
        key = content.markup if isinstance(content, Text) else content
        if self._shown.get(ident) == key:
            return
        self._shown[ident] = key
        layout = layout or ident.startswith("hint-")  # a hint wraps: its row may grow
        self.query_one(f"#{ident}", Static).update(content, layout=layout)

    def mark(self, h: str, message: str) -> None:
        field = self.query_one(f"#rating-{h}", RatingInput)
        field.add_class("-error")
        hint = self.query_one(f"#hint-{h}", Static)
        self.put(f"hint-{h}", Text(f"⚠ {message}", style="bold"))
        hint.add_class("-error")
        self.set_focus(field)

    def unmark(self, h: str) -> None:
        for field in self.query(f"#rating-{h}").results(RatingInput):
            field.remove_class("-error")
        for hint in self.query(f"#hint-{h}").results(Static):
            if hint.has_class("-error"):
                hint.remove_class("-error")
                self.put(f"hint-{h}", "")

    @on(Input.Changed, "RatingInput")
    def rating_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, RatingInput):
            self.unmark(event.input.hypothesis)
        self.refresh_preview()

    @on(RatingInput.Refused)
    def rating_refused(self, event: RatingInput.Refused) -> None:
        self.mark(event.field.hypothesis, "Numbers only, e.g. 70.")

    @on(Input.Submitted, "RatingInput")
    async def rating_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self.action_record()

    def read_judgement(self) -> tuple[dict[str, float], str]:
        """The ratings and favoured explanation, or FieldError naming the field to fix."""
        values = self.values()
        ratings = parse_ratings(values)
        if self.chosen is not None:
            if ratings.get(self.chosen, 0.0) <= 0:
                raise FieldError(
                    f"rating-{self.chosen}",
                    "Favoured but rated 0: rate it, or press *.",
                )
            return ratings, self.chosen
        top = max(ratings.values())
        best = [h for h, v in ratings.items() if v == top]
        if len(best) > 1:
            raise FieldError(f"rating-{best[0]}", "Tied highest: press * to choose one.")
        return ratings, best[0]

    # --- actions -------------------------------------------------------------------------

    async def action_record(self) -> None:
        """Store the judgement, then reveal the next item (or go to the debrief)."""
        from hypotrack.domain.state import EventRejected
        from hypotrack.store.base import StoreConflict, StoreError

        for h in self.live:
            self.unmark(h)
        try:
            ratings, favoured = self.read_judgement()
        except FieldError as exc:
            self.mark(exc.field.removeprefix("rating-"), exc.message)
            return
        try:
            self.stored.record(ratings, favoured)
        except (EventRejected, ValueError) as exc:
            self.notify(f"Not recorded: {exc}.", title="Judgement refused", severity="error")
            return
        except (StoreConflict, StoreError) as exc:
            self.stored.resync()
            self.notify(
                f"Not recorded: {exc}", title="Could not save", severity="error", timeout=10
            )
            return
        if self.stored.run.finished:
            self.finish()
            return
        try:
            self.shown = self.stored.reveal()
        except (StoreConflict, StoreError) as exc:
            self.notify(
                f"The next item could not be stored: {exc}. Press Enter to try again.",
                title="Could not save",
                severity="error",
                timeout=10,
            )
            return
        await self.show_step()

    def finish(self) -> None:
        from hypotrack.tui.screens.training_debrief import DebriefScreen

        self.notify(f"Run {self.stored.run_id} is complete and stored.", title="Debrief", timeout=4)
        run = self.stored.run
        self.app.switch_screen(DebriefScreen(list(run.events), items_total=run.items_total))

    def action_next_field(self, step: int) -> None:
        """Tab / Shift+Tab: the next or previous rating, round the list."""
        fields = list(self.query(RatingInput))
        if not fields:
            return
        k = fields.index(self.focused) if self.focused in fields else -step
        # set_focus at once (Widget.focus would wait a turn and let a typed-ahead key land here).
        self.set_focus(fields[(k + step) % len(fields)])

    def action_favour(self) -> None:
        """Cycle ★: the highest rated, then each explanation in turn, then back."""
        order = [None, *self.live]
        k = order.index(self.chosen) if self.chosen in order else 0
        self.chosen = order[(k + 1) % len(order)]
        for h in self.live:
            self.unmark(h)
        self.refresh_preview()

    def action_toggle_coach(self) -> None:
        self.coach = not self.coach
        self.set_class(self.coach, "-coach")
        self.show_coach()
        if self.coach:
            self.reason()
        else:
            self.refresh_preview()

    def action_leave(self) -> None:
        run = self.stored.run
        judged = sum(1 for e in run.events if e.kind == "judgement")
        self.notify(
            f"Run {run.case.id} is stored ({judged} of {run.items_total} items judged): pick "
            "it from the stored runs to carry on.",
            title="Run left",
        )
        self.app.pop_screen()

    # --- coach mode: the network and the flags -------------------------------------------

    @work(thread=True, exclusive=True, group="training-coach", exit_on_error=False)
    def reason(self) -> None:
        """The network's reading and the flags for the run as it stands (a thread worker)."""
        from hypotrack.reasoning.api import analyse, beliefs, flags

        events = list(self.stored.run.events)
        version = len(events)
        worker = get_current_worker()
        engine = analyse(events)
        if worker.is_cancelled:
            return
        self.post_message(BeliefsUpdated(version, engine, beliefs(engine)))
        raised = flags(engine)
        if not worker.is_cancelled:
            self.post_message(FlagsRaised(version, raised))

    def on_beliefs_updated(self, message: BeliefsUpdated) -> None:
        if message.version != len(self.stored.run.events):
            return
        self.posterior = {b.id: b.probability for b in message.beliefs.hypotheses}
        self.show_network(preview_ratings(self.values()))

    def on_flags_raised(self, message: FlagsRaised) -> None:
        if message.version != len(self.stored.run.events):
            return
        self.flags = message.flags
        self.show_coach()

    def show_network(self, preview: dict[str, float | None]) -> None:
        posterior = self.posterior if self.coach else None
        for h in self.live:
            hint = self.query_one(f"#hint-{h}", Static)
            if posterior is None:
                self.put(f"net-{h}", "")
                if not hint.has_class("-error"):
                    self.put(f"hint-{h}", "")
                continue
            p = posterior.get(h)
            bar = Text("net ", style=f"bold {NETWORK}")
            bar.append_text(bar_with_pct(p, 12, NETWORK))
            self.put(f"net-{h}", bar)
            if not hint.has_class("-error"):
                self.put(f"hint-{h}", gap_text(preview.get(h), p))

    def show_coach(self) -> None:
        panel = self.query_one("#coach-panel", Static)
        if not self.coach:
            panel.update("")
            return
        parts: list[RenderableType] = [
            Text.assemble(
                ("Coach mode", "bold reverse"),
                "  net: the network's belief given the items so far (",
                ("you", f"bold {WORKER}"),
                " vs ",
                ("net", f"bold {NETWORK}"),
                "; ▲ you higher, ▼ you lower). F2 hides it.",
            )
        ]
        item = self._current_item()
        if item is not None:
            likes = Text("This item is, under each explanation: ", style="dim")
            spec = item.evidence
            for h in self.live:
                if h in spec.likelihood:
                    entered = spec.entered.get(h)
                    shown = entered if isinstance(entered, str) else describe(spec.likelihood[h])
                    likes.append(f"{h} ", style="bold")
                    likes.append(f"{shown}  ")
            parts.append(likes)
        if self.flags is None:
            parts.append(Text("Flags: reading…", style="dim"))
        elif not self.flags:
            parts.append(Text("Flags: none as things stand."))
        else:
            parts.append(
                Text(
                    "Flags as things stand (your last judgement against the evidence):",
                    style="bold",
                )
            )
            for f in self.flags:
                line = severity(f.severity)
                line.append(f" {f.id}: ", style="bold")
                line.append(f.message)
                parts.append(line)
        panel.update(Group(*parts))
