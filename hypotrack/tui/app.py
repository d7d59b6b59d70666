"""The full-screen app: a small shell that opens the store and moves between screens.

Start-up is kept light: Textual and the store load at once; the reasoning core loads with the
first case list (in a thread worker) and the workspace module when a case is opened; pgmpy is
never imported by the app (the reasoning core's fast path does not need it).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from textual.app import App

from hypotrack.tui import memory
from hypotrack.tui.actions import UserAction, bindings
from hypotrack.tui.commands import CaseCommands
from hypotrack.tui.errors import error_text
from hypotrack.tui.filters import TerminalSafeFilter
from hypotrack.tui.screens.start import StartScreen

if TYPE_CHECKING:
    from hypotrack.domain import model as m

APP_ACTIONS: tuple[UserAction, ...] = (
    UserAction("help", "question_mark,f1", "Help", "view: keys and help",
               "List the keys of this screen and of the app", key_display="?"),
    UserAction("command_palette", "ctrl+p", "Commands", "view: the command palette",
               "Find any action by name", show=False),
    UserAction("quit", "ctrl+q", "Quit", "app: quit",
               "Quit hypotrack (everything is already saved)", show=False),
)  # fmt: skip

# The keys of every form, for the help screen (the bindings live on FormScreen).
FORM_KEYS: tuple[UserAction, ...] = (
    UserAction("save", "ctrl+s", "Save", "", "Save the form (nothing is stored until then)"),
    UserAction("next", "enter", "Next", "", "Next field; on the last field, save"),
    UserAction("focus_next", "tab", "Next", "", "Next field or button (Shift+Tab: back)"),
    UserAction("cancel", "escape", "Cancel", "", "Close the form without storing anything"),
)  # fmt: skip


def breakpoint_classes(app: App[Any]) -> set[str]:
    """The app's breakpoint classes for the terminal's size now ('-wide', '-tall', ...).

    Textual adds them on a screen's first resize; a screen that takes them when it is built
    styles its widgets once instead of twice (about 10 ms of opening the workspace).
    """
    width, height = app.size
    classes: set[str] = set()
    for dimension, points in (
        (width, app.HORIZONTAL_BREAKPOINTS),
        (height, app.VERTICAL_BREAKPOINTS),
    ):
        for at, name in sorted(points or [], reverse=True):
            if dimension >= at:
                classes.add(name)
                break
    return classes


class HypotrackApp(App[int]):
    """hypotrack's terminal app."""

    TITLE = "hypotrack"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {CaseCommands}
    BINDINGS = [b for b in bindings(APP_ACTIONS) if b.action != "command_palette"]
    APP_ACTIONS = APP_ACTIONS
    # Each screen gets `-narrow` below 100 columns and `-short` below 32 rows (a laptop's 80×24),
    # which its .tcss uses to give the lists the room (and to resize with the window).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    def __init__(
        self,
        store_path: str | os.PathLike[str] | None = None,
        store: Any = None,
        training: str | None = None,
        coach: bool = False,
    ) -> None:
        super().__init__()
        self.coach = coach
        self.store: Any = store
        # `hypotrack train [CASE]`: "" opens the teaching-case picker, a name plays that case.
        self.training = training
        self.store_error: str | None = None
        if store is None:
            from hypotrack.store.base import StoreError
            from hypotrack.store.open import open_store

            try:
                self.store = open_store(None if store_path is None else str(store_path), "open")
            except StoreError as exc:
                self.store_error = str(exc)

        # The last guard: whatever a screen shows, no control character or bidi control from a
        # case reaches the terminal (screens show them visibly first, through `clip` and the
        # tables; this strips any that got past, keeping every line its laid-out width).
        self._filters.append(TerminalSafeFilter())

    def notify(self, message: str, *, markup: bool = False, **kwargs: Any) -> None:  # type: ignore[override]
        """A notification; its message is text, not markup (it can quote case text)."""
        super().notify(message, markup=markup, **kwargs)

    def on_mount(self) -> None:
        self._settle_recorder()
        self._start_following()
        if self.training is not None:
            from hypotrack.tui.screens.training import open_training

            open_training(self, self.training, coach=self.coach)
        else:
            self.push_screen(StartScreen())
        if self.store_error:
            self.notify(
                self.store_error, title="The store cannot be opened", severity="error", timeout=30
            )

    def _settle_recorder(self) -> None:
        """Who this person is in the store: a team store's signed-in person, or the embedded
        store's kept name, asked once (only on a terminal and without $HYPOTRACK_USER)."""
        import sys

        from hypotrack.tui import editing

        store = self.store
        if store is None:
            return
        kept = getattr(store, "user", None)
        editing.set_recorder(kept)
        if kept or getattr(store, "server_sets_who", False) or not hasattr(store, "set_user"):
            return
        if os.environ.get("HYPOTRACK_USER") or not sys.stdin.isatty():
            return
        from hypotrack.store.base import StoreError
        from hypotrack.tui.screens.case_forms import NameForm

        def keep(name: str) -> str | None:
            try:
                store.set_user(name)
            except (ValueError, StoreError) as exc:
                return str(exc)
            editing.set_recorder(name)
            return None

        self.call_after_refresh(lambda: self.push_screen(NameForm(editing.who(), keep)))

    def on_unmount(self) -> None:
        memory.reset()
        follower = getattr(self, "_follower", None)
        if follower is not None:
            follower.stop()
        if self.store is not None:
            self.store.close()

    # --- cases ----------------------------------------------------------------------------

    def open_case(self, case_id: str) -> None:
        """Load a case from the store and show its workspace."""
        from hypotrack.domain.state import EventRejected
        from hypotrack.store.base import StoreError
        from hypotrack.store.case import CaseSession
        from hypotrack.tui.screens.workspace import WorkspaceScreen

        memory.pause()
        try:
            session = CaseSession(self.store, case_id)
        except (StoreError, EventRejected, ValueError) as exc:
            memory.resume()
            self.notify(str(exc), title=f"Cannot open case {case_id}", severity="error", timeout=10)
            return
        self.mark_seen(session)
        # Closed (Esc), the case's objects can be collected again; see `tui/memory.py`.
        self.push_screen(
            WorkspaceScreen(session), lambda _: self.call_after_refresh(memory.release)
        )
        self.call_after_refresh(memory.settle)

    # --- following others' changes (a team store) -----------------------------------------

    def mark_seen(self, session: Any) -> None:
        """Remember that this person has seen the case as far as the session has read it."""
        mark = getattr(self.store, "mark_opened", None)
        if mark is None:
            return
        from hypotrack.store.base import StoreError

        try:
            mark(session.case_id, len(session.events))
        except StoreError:
            pass  # only the cases list's marks suffer; the failure shows on the next save

    def _start_following(self) -> None:
        """Listen for what others record (a team store): open workspaces and replays follow."""
        follow = getattr(self.store, "follow", None)
        if follow is None:
            return
        from hypotrack.tui.messages import CaseChangedElsewhere, StoreReachable

        self._follower = follow(
            lambda tag, seq: self.post_message(CaseChangedElsewhere(tag, seq)),
            lambda up: self.post_message(StoreReachable(up)),
        )

    def on_case_changed_elsewhere(self, message: Any) -> None:
        """Bring every open screen of that case up to date, and the cases list."""
        from hypotrack.store.base import StoreError
        from hypotrack.store.postgres import case_tag

        sessions: dict[int, Any] = {}
        for screen in self.screen_stack:
            session = getattr(screen, "session", None)
            if session is None or id(session) in sessions:
                continue
            if case_tag(session.case_id) == message.tag and message.seq > len(session.events):
                sessions[id(session)] = session
        news: dict[int, list[m.Event]] = {}
        for key, session in sessions.items():
            try:
                news[key] = session.catch_up()
            except StoreError as exc:
                self.notify(str(exc), title="Could not follow the case", severity="error")
                continue
            self.mark_seen(session)
        for screen in self.screen_stack:
            session = getattr(screen, "session", None)
            hook = getattr(screen, "followed", None)
            if session is not None and hook is not None and news.get(id(session)):
                hook(news[id(session)])
            refresh = getattr(screen, "cases_changed", None)
            if refresh is not None:
                refresh()

    def on_store_reachable(self, message: Any) -> None:
        if getattr(self, "_was_unreachable", False) and message.reachable:
            self.notify("The team store is back; changes by others show again.", title="Live")
        elif not message.reachable:
            self.notify(
                "Lost touch with the team store: what others record will not show until it is "
                "back. What you type is kept; saving may fail until then.",
                title="Live",
                severity="warning",
                timeout=10,
            )
        self._was_unreachable = not message.reachable

    # --- help and errors ------------------------------------------------------------------

    def action_help(self) -> None:
        from hypotrack.tui.screens.help import HelpScreen

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        sections = []
        actions = getattr(screen, "ACTIONS", None)
        if actions:
            sections.append((screen.title or "This screen", actions))
        sections.append(("In a form", FORM_KEYS))
        sections.append(("Everywhere", APP_ACTIONS))
        self.push_screen(HelpScreen(sections, getattr(screen, "HELP_ABOUT", "")))

    def show_unexpected(self, exc: BaseException) -> None:
        """The third tier: the full text in a modal; the app carries on."""
        from hypotrack.tui.screens.error import ErrorScreen

        self.log.error(error_text(exc))
        self.push_screen(ErrorScreen(f"Unexpected error: {type(exc).__name__}", error_text(exc)))


def run_app(store_path: str | None = None, training: str | None = None, coach: bool = False) -> int:
    """Run the app on the store (the CLI's default command); the exit code.

    `training` (from `hypotrack train [CASE]`) starts in training mode instead of the cases.
    """
    app = HypotrackApp(store_path=store_path, training=training, coach=coach)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
