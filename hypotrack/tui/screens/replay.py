"""The supervisor's replay: a case's timeline event by event, as it was known at each step.

At each step the screen shows only what was on file then — items recorded later and
explanations added later are absent, not greyed out — with both belief lines (the network's
and the worker's), the flags as they stood, and the event in words. The view of a step is
built from the events up to it (`replay_model.step_view`, on the timeline walk), never from the case as it stands
now; the chart spans the whole timeline but draws nothing after the current step.

A supervisor can mark a point (A), move, and compare; and pin a supervision note or a
sign-off to the step on screen. The store is append-only and in time order, so the note is an
event dated now that refers to the step by `NoteSpec.pinned_at`; replay shows it at the step it
pins to (labelled as written later) and at its own time.

The screen is pushed with a `CaseSession` (or a store and the case's events) and dismissed
with True when it stored something, so the screen behind can refresh.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Input, Static, TextArea
from textual.worker import get_current_worker

from hypotrack.domain import model as m
from hypotrack.domain import wording
from hypotrack.domain.errors import FieldError
from hypotrack.domain.state import EventRejected, next_id
from hypotrack.domain.timeline import BeforeOpened, Timeline
from hypotrack.store.base import StoreConflict, StoreError
from hypotrack.store.case import CaseSession
from hypotrack.tui import editing
from hypotrack.tui import replay_model as rm
from hypotrack.tui.actions import UserAction, bindings
from hypotrack.tui.errors import Guarded
from hypotrack.tui.screens import replay_panels as panels
from hypotrack.tui.screens.forms import SessionForm, Submit
from hypotrack.tui.widgets.chart import BeliefChart
from hypotrack.tui.widgets.footer import AppFooter
from hypotrack.tui.widgets.render import clip

ACTIONS: tuple[UserAction, ...] = (
    UserAction("step(-1)", "left", "Back", "replay: step back",
               "Go back one event", show=False, key_display="←", ident="replay-back"),
    UserAction("step(1)", "right", "Step", "replay: step on",
               "Step through the timeline: → on one event, ← back one", key_display="← →", ident="replay-on"),
    UserAction("first", "home", "First", "replay: go to the first event",
               "Go to the first event (the case opening)", show=False, key_display="Home"),
    UserAction("last", "end", "Last", "replay: go to the last event",
               "Go to the last event (the case as it stands now)", show=False, key_display="End"),
    UserAction("go_to_date", "d", "Date", "replay: go to a date",
               "Go to a date (2026-02-04: how it stood at the end of that day) or a date and time",
               show=False),
    UserAction("next_flag", "n", "Flags", "replay: next change in the flags",
               "Next (n) or previous (N) change in the flags: a flag raised, turned red or closed",
               key_display="n N"),
    UserAction("previous_flag", "N", "Prev flag", "replay: previous change in the flags",
               "Go to the previous step where the flags changed", show=False),
    UserAction("next_judgement", "j", "Judgements", "replay: next judgement",
               "Next (j) or previous (J) judgement of the worker", key_display="j J"),
    UserAction("previous_judgement", "J", "Prev judgement", "replay: previous judgement",
               "Go to the worker's previous judgement", show=False),
    UserAction("mark", "a", "Mark A", "replay: mark this step as point A",
               "Mark this step as point A, to compare another step with it"),
    UserAction("compare", "c", "Compare", "replay: compare point A with this step",
               "Compare point A with this step: items added and retracted, each belief's "
               "change, and the items that moved it"),
    UserAction("pin_note('supervision')", "s", "Note", "replay: pin a supervision note here",
               "Write a supervision note pinned to this step", ident="replay-pin-note"),
    UserAction("pin_note('sign-off')", "o", "Sign-off", "replay: pin a sign-off here",
               "Sign off at this step (a sign-off note pinned to it)", ident="replay-sign-off",
               show=False),
    UserAction("scroll('#replay-left', 1)", "down", "Scroll", "replay: scroll the beliefs and flags",
               "Scroll the left pane (beliefs, pinned notes, flags) down (↑: up)", show=False,
               key_display="↓", ident="replay-scroll-down"),
    UserAction("scroll('#replay-left', -1)", "up", "Scroll up", "replay: scroll the flags up",
               "Scroll the left pane up", show=False, key_display="↑", ident="replay-scroll-up"),
    UserAction("page('#replay-file', 1)", "pagedown", "Page", "replay: page through what was on file",
               "Page down what was on file at this step (PgUp: up)", show=False,
               key_display="PgDn", ident="replay-page-down"),
    UserAction("page('#replay-file', -1)", "pageup", "Page up", "replay: page up what was on file",
               "Page up what was on file at this step", show=False, key_display="PgUp",
               ident="replay-page-up"),
    UserAction("close", "escape", "Close", "replay: close",
               "Close the replay and go back", show=False),
)  # fmt: skip

HELP_ABOUT = (
    "Replay shows the case as it was known at each step — nothing recorded later, so the "
    "worker is judged by what was on file then. The top line says which event the step is, "
    "in words; on the left, both belief lines (the network's and the worker's own rating) and "
    "the flags as they stood; on the right, the chart of both lines up to this step and what "
    "was on file. Notes pinned to a step were written later and are labelled so."
)


class ReplayFlagsRead(Message):
    """The flags after every step of the timeline were read (for the chart and n/N)."""

    def __init__(self, version: int, flags: list[rm.FlagReading]) -> None:
        super().__init__()
        self.version = version
        self.flags = flags


class Pane(VerticalScroll, can_focus=False):
    """A scrolling pane that never takes the focus, so ← → always step the replay."""


class PinNoteForm(SessionForm):
    """A supervision note or sign-off pinned to a step of the replay."""

    first_focus = "#note-text"

    def __init__(
        self, session: CaseSession, submit: Submit, kind: str, pinned_at: Any, where: str
    ) -> None:
        super().__init__(session, submit)
        self.kind = kind
        self.pinned_at = pinned_at
        self.form_title = (
            "Pin a supervision note" if kind == "supervision" else "Pin a sign-off"
        ) + f" to {where}"
        self.intro = (
            f"The note is pinned to {where}: replay shows it there, marked as written later. "
            "It is stored now, with today's date, and the case's history is not rewritten."
        )

    def compose_fields(self) -> ComposeResult:
        placeholder = (
            "e.g. Asked what else could explain the ear bruise; agreed to request the survey."
            if self.kind == "supervision"
            else "e.g. Supervision record and safety plan signed off."
        )
        area = TextArea(classes="note-text")
        area.styles.height = 6
        yield from self.field(
            "note-text", "Note" if self.kind == "supervision" else "Sign-off", area, placeholder
        )
        yield from self.field(
            "note-who", "Who", Input(value=editing.who()), "Your name as it should appear."
        )

    def build(self) -> m.NoteAdded:
        text = editing.required_text(
            "note-text", self.query_one("#note-text", TextArea).text, "the note"
        )
        who = editing.required_text("note-who", self.value("note-who"), "who is writing")
        if len(text) > 20_000:
            raise FieldError("note-text", "A note holds at most 20,000 characters.")
        taken = [n.spec.id for n in self.state.notes]
        note = m.NoteSpec(
            id=next_id("n", taken), kind=self.kind, text=text, pinned_at=self.pinned_at
        )
        return m.NoteAdded(note=note, at=editing.event_time(self.state), who=who)


class ReplayScreen(Guarded, Screen[bool]):
    """One case's timeline, step by step, with no hindsight."""

    CSS_PATH = "replay.tcss"
    # Nothing takes the focus on arrival (the date field is hidden): ← → must step the replay.
    AUTO_FOCUS = ""
    ACTIONS = ACTIONS
    BINDINGS = bindings(ACTIONS)
    HELP_ABOUT = HELP_ABOUT

    step: reactive[int] = reactive(0, init=False)

    def __init__(
        self,
        session: CaseSession | None = None,
        *,
        events: list[m.Event] | None = None,
        store: Any = None,
        start: int = 0,
    ) -> None:
        super().__init__()
        if session is None and store is not None and events:
            session = CaseSession(store, events[0].case.id)
        self.session = session
        self.events = Timeline(session.events if session is not None else events or [])
        if not self.events:
            raise ValueError("a replay needs a case with at least one event")
        self.zone = rm.zone_of(self.events)
        self.track = rm.read_track(self.events)
        self.version = len(self.events)
        self.view: rm.StepView | None = None
        self.point_a: int | None = None
        self.changed = False
        self.set_reactive(ReplayScreen.step, max(0, min(start, self.last_step)))

    @property
    def last_step(self) -> int:
        """The last step of the timeline (the set-up at opening is one step: fewer than events)."""
        return self.track.total - 1

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="replay-event")
        with Horizontal(id="replay-body"):
            with Pane(id="replay-left"):
                yield Static(id="replay-beliefs")
                yield Static(id="replay-pins")
                yield Static(id="replay-flags")
            with Vertical(id="replay-right"):
                yield BeliefChart(id="replay-chart")
                with Pane(id="replay-file"):
                    yield Static(id="replay-items")
        with Vertical(id="replay-date-box"):
            yield Input(
                placeholder="Go to: 2026-02-04 (end of that day) or 2026-02-04 14:30 · Enter · Esc",
                id="replay-date",
                disabled=True,
            )
            yield Static("", id="replay-date-hint")
        yield AppFooter()

    def on_mount(self) -> None:
        info = self.events[0].case
        self.title = clip(info.title, 80)  # case text: one line, controls shown
        self.sub_title = f"replay · {info.id} · as known at each step"
        self.show_step()
        self.read_flags(list(self.events), self.version)

    # --- reading the timeline -------------------------------------------------------------

    # A fixed description: the default is the repr of every event (~0.2 s at 1,000 items).
    @work(
        thread=True, exclusive=True, group="replay-flags", exit_on_error=False, description="flags"
    )
    def read_flags(self, events: list[m.Event], version: int) -> None:
        """The flags after every step, for the chart's marks and n/N (slow on long cases)."""
        worker = get_current_worker()
        flags = rm.read_flags(events, lambda: worker.is_cancelled)
        if flags is not None and not worker.is_cancelled:
            self.post_message(ReplayFlagsRead(version, flags))

    def on_replay_flags_read(self, message: ReplayFlagsRead) -> None:
        if message.version != self.version:
            return
        self.track.flags = message.flags
        self.show_chart()

    def timeline_changed(self) -> None:
        """The case gained an event (a pinned note): read it again, stay on the same step."""
        self.events = Timeline(self.session.events) if self.session else self.events
        self.track = rm.read_track(self.events)
        self.version = len(self.events)
        if self.step > self.last_step:
            self.set_reactive(ReplayScreen.step, self.last_step)
        self.show_step()
        self.read_flags(list(self.events), self.version)

    def followed(self, new_events: list[m.Event]) -> None:
        """Someone else recorded on this case (a team store): take it in; a replay standing on
        the last step moves on to the new last step, one looking back stays where it is."""
        from hypotrack.tui.screens.workspace import following_note

        at_end = self.step == self.last_step
        self.timeline_changed()
        if at_end:
            self.step = self.last_step
        self.notify(following_note(new_events), title="Recorded by someone else", markup=False)

    # --- drawing --------------------------------------------------------------------------

    def watch_step(self) -> None:
        self.show_step()

    def on_resize(self) -> None:
        """The panes' widths follow the window (the beliefs' bars fit the left pane)."""
        self.call_after_refresh(self.show_step)

    def show_step(self) -> None:
        view = rm.step_view(self.events, self.step, self.track.pinned, self.track.flags)
        self.view = view
        a_at = self.track.times[self.point_a] if self.point_a is not None else None
        self.query_one("#replay-event", Static).update(
            panels.event_panel(view, self.zone, self.point_a, a_at)
        )
        pane = self.query_one("#replay-beliefs", Static)
        width = pane.size.width or 52
        pane.update(panels.beliefs_panel(view, width=min(52, width)))
        self.query_one("#replay-flags", Static).update(panels.flags_panel(view))
        pins = self.query_one("#replay-pins", Static)
        pins.update(panels.pinned_panel(view))
        pins.display = bool(view.pinned_here)
        self.query_one("#replay-items", Static).update(panels.on_file_panel(view))
        self.show_chart()

    def show_chart(self) -> None:
        if self.view is not None:
            self.query_one(BeliefChart).show(panels.chart_data(self.track, self.view))

    # --- moving ---------------------------------------------------------------------------

    def go(self, k: int | None, none_left: str = "") -> None:
        if k is None:
            if none_left:
                self.notify(none_left, title="Replay")
            return
        self.step = max(0, min(k, self.last_step))

    def action_step(self, delta: int) -> None:
        k = self.step + delta
        if k < 0:
            self.notify("This is the first event: the case opening.", title="Replay")
        elif k > self.last_step:
            self.notify("This is the last event: the case as it stands now.", title="Replay")
        self.go(max(0, min(k, self.last_step)))

    def action_scroll(self, pane: str, lines: int) -> None:
        self.query_one(pane, Pane).scroll_relative(y=lines * 2, animate=False)

    def action_page(self, pane: str, pages: int) -> None:
        target = self.query_one(pane, Pane)
        target.scroll_relative(y=pages * max(1, target.size.height - 2), animate=False)

    def action_first(self) -> None:
        self.go(0)

    def action_last(self) -> None:
        self.go(self.last_step)

    def _flag_steps(self) -> list[int] | None:
        if self.track.flags is None:
            self.notify(
                "Still reading the flags along the timeline; try again in a moment.",
                title="Replay",
            )
            return None
        return self.track.flag_changes()

    def action_next_flag(self) -> None:
        steps = self._flag_steps()
        if steps is not None:
            self.go(rm.next_after(steps, self.step), "No later change in the flags.")

    def action_previous_flag(self) -> None:
        steps = self._flag_steps()
        if steps is not None:
            self.go(rm.last_before(steps, self.step), "No earlier change in the flags.")

    def action_next_judgement(self) -> None:
        self.go(rm.next_after(self.track.judgements, self.step), "No later judgement.")

    def action_previous_judgement(self) -> None:
        self.go(rm.last_before(self.track.judgements, self.step), "No earlier judgement.")

    # --- going to a date ------------------------------------------------------------------

    def action_go_to_date(self) -> None:
        box = self.query_one("#replay-date-box")
        box.display = True
        field = self.query_one("#replay-date", Input)
        field.disabled = False
        field.value = ""
        field.focus()

    def hide_date(self) -> None:
        self.query_one("#replay-date-box").display = False
        field = self.query_one("#replay-date", Input)
        field.remove_class("-error")
        field.disabled = True
        self.query_one("#replay-date-hint", Static).update("")
        self.set_focus(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "replay-date":
            return
        event.stop()
        field = event.input
        try:
            moment = rm.parse_moment(field.value, self.zone)
        except FieldError as exc:
            field.add_class("-error")
            self.query_one("#replay-date-hint", Static).update(exc.message)
            return
        try:
            self.events.check(moment)
        except BeforeOpened:
            field.add_class("-error")
            self.query_one("#replay-date-hint", Static).update(
                f"That is before the case was opened ({wording.moment(self.events[0].at, self.zone)})."
            )
            return
        k = self.track.step_at(moment) or 0
        self.hide_date()
        if k == self.last_step and moment > self.events[-1].at:
            self.notify(
                "That is after the last entry: this is the case as it stands now.", title="Replay"
            )
        self.go(k)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "replay-date" and event.input.has_class("-error"):
            event.input.remove_class("-error")
            self.query_one("#replay-date-hint", Static).update("")

    # --- comparing ------------------------------------------------------------------------

    def action_mark(self) -> None:
        self.point_a = self.step
        at = wording.day_time(self.track.times[self.step], self.zone)
        self.notify(
            f"Point A is step {self.step + 1} ({at}). Move to another step and press c.",
            title="Point A marked",
        )
        self.show_step()

    def action_compare(self) -> None:
        from hypotrack.reasoning.diff import DiffError, diff
        from hypotrack.tui.screens.replay_compare import CompareScreen, compare_body

        if self.point_a is None:
            self.notify(
                "Mark a point first (a), move to another step, then press c.",
                title="Nothing to compare",
            )
            return
        lo, hi = sorted((self.point_a, self.step))
        t1, t2 = self.track.times[lo], self.track.times[hi]
        if t1 == t2:
            self.notify(
                "Point A and this step were entered at the same moment: move to a "
                "later or earlier time.",
                title="Nothing to compare",
            )
            return
        try:
            # Only the events up to the later point: nothing after it reaches the comparison.
            result = diff(self.events.up_to_step(hi), t1, t2)
        except DiffError as exc:
            self.notify(str(exc), title="Cannot compare", severity="error")
            return
        a = rm.step_view(self.events, lo, self.track.pinned, self.track.flags)
        b = rm.step_view(self.events, hi, self.track.pinned, self.track.flags)
        title = f"Compare step {lo + 1} with step {hi + 1}"
        self.app.push_screen(CompareScreen(compare_body(result, a, b), title))

    # --- pinning notes --------------------------------------------------------------------

    def action_pin_note(self, kind: str) -> None:
        if self.session is None:
            self.notify(
                "This replay is of a file, not a stored case: import it to pin notes.",
                title="Cannot pin a note",
            )
            return
        view = self.view or rm.step_view(self.events, self.step)
        where = f"step {view.step + 1} ({wording.day_time(view.at, self.zone)})"
        self.app.push_screen(PinNoteForm(self.session, self.commit, kind, view.at, where))

    def commit(self, event: Any) -> str | None:
        """Store one event; None when stored, else why not (the form shows it and stays open)."""
        assert self.session is not None
        try:
            self.session.append(event)
        except EventRejected as exc:
            return f"Not saved: {exc}."
        except StoreConflict:
            self.session.reload()
            self.changed = True
            self.timeline_changed()
            self.notify(
                "Someone else changed this case. It has been reloaded; your note was not saved.",
                title="Case changed elsewhere",
                severity="error",
            )
            return "Not saved: the case changed elsewhere and was reloaded. Save again."
        except StoreError as exc:
            self.notify(str(exc), title="Could not save", severity="error", timeout=10)
            return "Not saved: the store refused the note (see the notice)."
        self.changed = True
        self.timeline_changed()
        self.keep_digest(list(self.session.events))
        note = event.note
        what = "Sign-off" if note.kind == "sign-off" else "Supervision note"
        self.notify(
            f"{what} {note.id} stored, pinned to step {self.step + 1}.", title="Note pinned"
        )
        return None

    @work(thread=True, exclusive=True, group="digest", exit_on_error=False)
    def keep_digest(self, events: list[m.Event]) -> None:
        """The case's digest for the list of cases, after a note (it may acknowledge a flag)."""
        from hypotrack.report.digest import keep_digest

        assert self.session is not None
        keep_digest(self.session.store, self.session.case_id, events)

    # --- leaving --------------------------------------------------------------------------

    def action_close(self) -> None:
        if self.query_one("#replay-date-box").display:
            self.hide_date()
            return
        self.dismiss(self.changed)
