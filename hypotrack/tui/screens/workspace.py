"""The workspace for one case: explanations on top, the views below, every action a key.

One path per user action: a key opens a form; the form builds one event; `commit` appends it
to the store (refused events leave the form open, nothing stored); the case is refolded at once
and the reasoning reruns in a thread worker, which posts `BeliefsUpdated`, `FlagsRaised` and
`EnquiriesRanked`. A newer run cancels a stale one (exclusive group), and a result for an older
version of the case than the one on screen is dropped.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Header,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from hypotrack.domain import model as m
from hypotrack.domain import wording
from hypotrack.domain.state import EventRejected, similar_texts
from hypotrack.domain.wording import percent_cell
from hypotrack.reasoning.explain import why_moved
from hypotrack.store.base import StoreConflict, StoreError
from hypotrack.store.case import CaseSession
from hypotrack.tui import editing
from hypotrack.tui.actions import UserAction, bindings
from hypotrack.tui.errors import Guarded
from hypotrack.tui.messages import BeliefsUpdated, EnquiriesRanked, FlagsRaised, SameFactFound
from hypotrack.tui.screens import entry, forms
from hypotrack.tui.widgets import panels
from hypotrack.tui.widgets.beliefs import ExplanationsTable
from hypotrack.tui.widgets.footer import AppFooter
from hypotrack.tui.widgets.matrix import LEGEND, EvidenceMatrix
from hypotrack.tui.widgets.render import clip, severity
from hypotrack.tui.widgets.tables import KeyedTable

if TYPE_CHECKING:
    from hypotrack.domain.results import Flag

VIEWS = (
    ("evidence", "1", "Evidence"),
    ("sources", "2", "Sources"),
    ("judgement", "3", "My judgement"),
    ("flags", "4", "Flags"),
    ("enquiries", "5", "What would change my mind"),
    ("why", "6", "Why did this move?"),
)
# The tabs' own labels: short, so that all six fit an 80-column terminal.
TABS = {
    "evidence": "1 Evidence",
    "sources": "2 Sources",
    "judgement": "3 Judgement",
    "flags": "4 Flags",
    "enquiries": "5 Change my mind",
    "why": "6 Why?",
}

ACTIONS: tuple[UserAction, ...] = (
    UserAction("add_hypothesis", "h", "Explanation", "case: add an explanation",
               "Add an explanation (hypothesis) to keep open"),
    UserAction("weigh_items", "b", "Weigh", "case: weigh earlier items against an explanation",
               "Rate the earlier items under an explanation added after them", show=False),
    UserAction("rename_hypothesis", "r", "Rename", "case: rename an explanation",
               "Reword the highlighted explanation", show=False),
    UserAction("retire_hypothesis", "t", "Retire", "case: retire an explanation",
               "Retire the highlighted explanation, with a reason (never deleted)", show=False),
    UserAction("add_source", "s", "Source", "case: add a source",
               "Add a source (who tells you things) and its reliability"),
    UserAction("rename_source", "R", "Rename source", "case: rename a source",
               "Rename the highlighted source (a template's placeholder, a typo); the old name "
               "stays in the history", show=False),
    UserAction("change_reliability", "l", "Reliability", "case: change a source's reliability",
               "Change the highlighted source's reliability, with a reason", show=False),
    UserAction("add_item", "e", "Item", "evidence: add an item",
               "Record an evidence item with its likelihood under each explanation"),
    UserAction("retract_item", "x", "Retract", "evidence: retract an item",
               "Retract the highlighted item, with a reason (it stays visible, struck through)",
               show=False),
    UserAction("amend_item", "m", "Amend", "evidence: amend an item's likelihoods",
               "Rate the highlighted item again, with a reason (the old ratings stay on record)",
               show=False),
    UserAction("why", "w", "Why?", "evidence: why did this move?",
               "Show how the highlighted item moved each belief", show=False),
    UserAction("judgement", "j", "Judgement", "case: record my judgement",
               "Record your own ratings, favoured explanation and a note"),
    UserAction("acknowledge", "k", "Acknowledge", "flags: acknowledge a flag",
               "Acknowledge the highlighted flag with your reason", show=False),
    UserAction("raise_enquiry", "n", "Enquiry", "enquiry: raise an enquiry",
               "Raise an enquiry: a check not yet made", show=False),
    UserAction("answer_enquiry", "a", "Answer", "enquiry: answer an enquiry",
               "Record the answer to the highlighted enquiry as evidence", show=False),
    *(
        UserAction(f"view('{name}')", key, title, f"view: {title.lower()}",
                   f"Show the {title} view", show=False, ident=f"view-{name}")
        for name, key, title in VIEWS
    ),
    UserAction("replay", "p", "Replay", "view: replay",
               "Replay the case step by step as it was known at each point (supervision)"),
    UserAction("close", "escape", "Cases", "case: close (back to the cases)",
               "Close the case and go back to the list of cases (everything is saved)",
               show=False),
)  # fmt: skip


def following_note(new_events: list[m.Event]) -> str:
    """One line on what others recorded: who, and which entries (ids and kinds, no free text)."""
    from hypotrack.tui.widgets.render import clip

    people = sorted({clip(e.who or "someone", 40) for e in new_events})
    what = ", ".join(
        f"{e.kind.replace('-', ' ')} {m.event_subject(e) or ''}".strip() for e in new_events[:4]
    )
    more = f" and {len(new_events) - 4} more" if len(new_events) > 4 else ""
    return f"{' and '.join(people)}: {what}{more}."


class WorkspaceScreen(Guarded, Screen[None]):
    """One open case."""

    CSS_PATH = "workspace.tcss"
    ACTIONS = ACTIONS
    BINDINGS = bindings(ACTIONS)
    HELP_ABOUT = (
        "Explanations are on top: the network's belief as a bar, your last rating beside it. "
        "Tab moves between the explanations and the view below; the keys act on the highlighted "
        "row. Everything you enter is saved at once."
    )

    def __init__(self, session: CaseSession) -> None:
        from hypotrack.tui.app import breakpoint_classes

        super().__init__()
        self.add_class(*breakpoint_classes(self.app))
        self.session = session
        self.version = 0
        self.engine: Any = None
        self.beliefs: Any = None
        self.flags: list[Flag] | None = None
        self.change: Any = None
        self.selected_item: str | None = None
        # What each table was last drawn from: a table is redrawn only when that changes.
        self._drawn: dict[str, Any] = {}

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="top"):
            yield ExplanationsTable(id="explanations")
            yield Static(id="status")
        with TabbedContent(id="views", initial="evidence"):
            with TabPane(TABS["evidence"], id="evidence"):
                yield EvidenceMatrix(id="matrix")
                yield Static(LEGEND, id="legend")
                yield Static(id="item-detail")
            with TabPane(TABS["sources"], id="sources"):
                yield KeyedTable(id="sources-table")
                yield Static(
                    "Reliability is your prior that a source's reports are reliable (1 = taken "
                    "at face value). The network's belief moves when a source's reports clash "
                    "with everyone else's: then all its reports count for less. "
                    "R renames the highlighted source; l changes its reliability, with a reason.",
                    classes="explain",
                )
            with TabPane(TABS["judgement"], id="judgement"):
                yield Static(id="judgement-summary")
                yield KeyedTable(id="judgements-table")
                yield Static("Notes", classes="section")
                yield KeyedTable(id="notes-table")
            with TabPane(TABS["flags"], id="flags"):
                yield KeyedTable(id="flags-table")
                with VerticalScroll(id="flag-pane"):
                    yield Static(id="flag-detail")
                    yield OptionList(id="flag-items")
            with TabPane(TABS["enquiries"], id="enquiries"):
                yield Static(id="even-odds")
                yield KeyedTable(id="enquiries-table")
                with VerticalScroll(id="enquiry-pane"):
                    yield Static(id="enquiry-detail")
            with TabPane(TABS["why"], id="why"):
                with VerticalScroll(id="why-pane"):
                    yield Static(id="why-detail")
        yield AppFooter()

    def on_mount(self) -> None:
        self.opened_version = len(self.session.events)
        info = self.session.state.info
        self.title = (
            clip(info.title, 80) if info else self.session.case_id
        )  # one line, controls shown
        self.sub_title = f"{self.session.case_id} · {info.kind if info else ''}"
        self._columns()
        self.case_changed()
        self.query_one("#explanations").focus()

    def _columns(self) -> None:
        self.query_one("#sources-table", KeyedTable).add_columns(
            "Id", "Source", "Your reliability", "Network's belief", "Items"
        )
        self.query_one("#judgements-table", KeyedTable).add_columns(
            "Id", "When", "By", "Favoured", "Ratings (%)", "Note"
        )
        self.query_one("#notes-table", KeyedTable).add_columns("When", "Kind", "Flag", "Text")
        self.query_one("#flags-table", KeyedTable).add_columns(
            "Severity", "Flag", "Rival", "Figure", "Since", "Items"
        )
        self.query_one("#enquiries-table", KeyedTable).add_columns(
            "#", "Id", "Enquiry", "Tells", "Bits", "If positive, ★", "If negative, ★"
        )

    # --- the case changed: refold now, reason in the background ---------------------------

    def case_changed(self) -> None:
        """Redraw what the case alone decides, and start the reasoning over."""
        self.version = len(self.session.events)
        self.show_state()
        # After the keys already waiting in the app's queue, then after the next paint: the
        # worker shares the interpreter (and its lock) with the screen, and the person's next key
        # should not wait for the network (a 1,000-item case: the key after a save took ~110 ms
        # when the worker started first, ~50 ms after it).
        self.app.call_later(
            self.call_after_refresh, self.reason, list(self.session.events), self.version
        )

    # A fixed description: Textual's default is the repr of the arguments, here every event of
    # the case (~0.2 s for 1,000 items, on the app's thread, at each save).
    @work(thread=True, exclusive=True, group="reasoning", exit_on_error=False, description="reason")
    def reason(self, events: list[m.Event], version: int) -> None:
        """The network, the flags and the enquiries for this version of the case."""
        from hypotrack.reasoning.api import analyse, beliefs, enquiries, flags

        worker = get_current_worker()
        engine = analyse(events)
        if worker.is_cancelled:
            return
        self.post_message(BeliefsUpdated(version, engine, beliefs(engine)))
        raised = flags(engine)
        if worker.is_cancelled:
            return
        self.post_message(FlagsRaised(version, raised))
        if version != self.opened_version:
            # The case changed here: keep its digest for the list of cases, from the flags just
            # computed (so the list never has to reason over the case again).
            from hypotrack.report.digest import keep_digest

            keep_digest(self.session.store, self.session.case_id, events, raised)
        ranked = enquiries(engine)
        if not worker.is_cancelled:
            self.post_message(EnquiriesRanked(version, ranked))

    def on_beliefs_updated(self, message: BeliefsUpdated) -> None:
        if message.version != self.version:
            return
        self.engine = message.engine
        self.beliefs = message.beliefs
        self.show_state()

    def on_flags_raised(self, message: FlagsRaised) -> None:
        if message.version != self.version:
            return
        self.flags = message.flags
        self.show_flags()
        self.show_status()

    def on_enquiries_ranked(self, message: EnquiriesRanked) -> None:
        if message.version != self.version:
            return
        self.change = message.change
        self.show_enquiries()

    # --- drawing --------------------------------------------------------------------------

    @property
    def state(self) -> Any:
        return self.session.state

    def _fresh(self) -> bool:
        """Whether the network's reading on hand is of the case as it now stands."""
        return self.engine is not None and self.engine.state.steps == self.version

    def posterior(self) -> dict[str, float] | None:
        if self.beliefs is None:
            return None
        return {b.id: b.probability for b in self.beliefs.hypotheses}

    def reliability(self) -> dict[str, float] | None:
        if self.beliefs is None:
            return None
        return {s.id: s.reliability for s in self.beliefs.sources}

    def favoured(self) -> tuple[str | None, bool]:
        return editing.favoured_of(self.state, self.posterior())

    def show_state(self) -> None:
        favoured, _ = self.favoured()
        posterior = self.posterior()
        self.query_one(ExplanationsTable).show(self.state, posterior, favoured)
        self.query_one(EvidenceMatrix).show(self.state, posterior, self.reliability(), favoured)
        self.show_status()
        self.show_item()
        self.show_sources()
        self.show_judgements()
        self.show_why()

    def show_status(self) -> None:
        favoured, owned = self.favoured()
        self._update(
            "status", panels.status_line(self.state, self.posterior(), favoured, owned, self.flags)
        )

    def show_item(self) -> None:
        self._update(
            "item-detail", panels.item_detail(self.state, self.selected_item, self.reliability())
        )

    def _update(self, static: str, content: Any) -> None:
        """Show `content` in a Static, unless it shows that already (each update re-lays out
        and redraws the widget: milliseconds a save would spend before the next key)."""
        if isinstance(content, Text):
            drawn_from = (content.plain, content.spans, content.style, content.justify)
            if not self._changed(f"#{static}", drawn_from):
                return
        else:
            self._drawn.pop(f"#{static}", None)
        self.query_one(f"#{static}", Static).update(content)

    def _changed(self, table: str, drawn_from: Any) -> bool:
        """Whether `table` must be redrawn (each redraw of a long table costs milliseconds)."""
        if self._drawn.get(table) == drawn_from:
            return False
        self._drawn[table] = drawn_from
        return True

    def show_sources(self) -> None:
        reliability = self.reliability() or {}
        counts = Counter(i.spec.source for i in self.state.items.values() if i.live)
        label_width = 28 if 0 < self.size.width < 100 else 50  # 80 columns: all columns show
        shown = [
            (s.id, s.spec.label, s.reliability, reliability.get(s.id), counts[s.id])
            for s in self.state.sources.values()
        ]
        if not self._changed("sources", (label_width, shown)):
            return
        table = self.query_one("#sources-table", KeyedTable)
        keep = table.selected_key()
        table.clear()
        for s in self.state.sources.values():
            items = counts[s.id]
            net = reliability.get(s.id)
            table.add_row(
                s.id,
                clip(s.spec.label, label_width),
                f"{s.reliability:.2f}",
                "—" if net is None else f"{net:.2f}",
                str(items),
                key=s.id,
            )
        table.select_key(keep)

    def show_judgements(self) -> None:
        j = self.state.latest_judgement
        drawn_from = (
            len(self.state.judgements),
            len(self.state.notes),
            j and self.state.label(j.favoured),
        )
        if not self._changed("judgements", drawn_from):
            return
        self.query_one("#judgement-summary", Static).update(panels.judgement_summary(self.state))
        table = self.query_one("#judgements-table", KeyedTable)
        table.clear()
        for j in reversed(self.state.judgements):
            table.add_row(
                j.id,
                wording.moment(j.at),
                clip(j.who or "", 12),
                clip(j.favoured or "(a tie)", 16),
                panels.ratings_text(j.ratings),
                clip(j.spec.note or "", 40),
                key=j.id,
            )
        notes = self.query_one("#notes-table", KeyedTable)
        notes.clear()
        for n in reversed(self.state.notes):
            notes.add_row(
                wording.moment(n.at),
                n.spec.kind,
                n.spec.flag or "",
                clip(n.spec.text, 70),
                key=n.spec.id,
            )

    def show_flags(self) -> None:
        table = self.query_one("#flags-table", KeyedTable)
        keep = table.selected_key()
        table.clear()
        for f in self.flags or []:
            table.add_row(
                severity(f.severity, f.acknowledged),
                f.id,
                clip(self.state.label(f.rival), 30) if f.rival else "",
                panels.figure_text(f),
                wording.day(f.since) if f.since else "",
                ", ".join(f.evidence[:5]) + ("…" if len(f.evidence) > 5 else ""),
                key=f.id,
            )
        if not table.select_key(keep) and table.row_count:
            table.move_cursor(row=0)
        n = len([f for f in self.flags or [] if not f.acknowledged])
        tab = self.query_one(TabbedContent).get_tab("flags")
        tab.label = Text(f"4 Flags ({n})" if n else "4 Flags")
        self.show_flag()

    def selected_flag(self) -> Any | None:
        key = self.query_one("#flags-table", KeyedTable).selected_key()
        return next((f for f in self.flags or [] if f.id == key), None)

    def show_flag(self) -> None:
        flag = self.selected_flag()
        self.query_one("#flag-detail", Static).update(panels.flag_detail(self.state, flag))
        items = self.query_one("#flag-items", OptionList)
        items.clear_options()
        items.display = bool(flag and flag.evidence)
        for ident in flag.evidence if flag else []:
            item = self.state.items.get(ident)
            text = clip(item.spec.text, 80) if item else ""
            when = wording.day(item.spec.observed or item.recorded) if item else ""
            items.add_option(Option(f"{ident}  {when:>6}  {text}", id=ident))

    def show_enquiries(self) -> None:
        self.query_one("#even-odds", Static).update(panels.enquiry_header(self.state, self.change))
        table = self.query_one("#enquiries-table", KeyedTable)
        keep = table.selected_key()
        table.clear()
        for rank, v in enumerate(self.change.enquiries if self.change else [], start=1):
            pos, neg = v.outcomes
            table.add_row(
                str(rank),
                v.id,
                clip(v.text, 44),
                panels.worth(v.information_gain_bits),
                f"{v.information_gain_bits:.2f}",
                percent_cell(pos.favoured_after),
                percent_cell(neg.favoured_after),
                key=v.id,
            )
        if not table.select_key(keep) and table.row_count:
            table.move_cursor(row=0)
        self.show_enquiry()

    def selected_enquiry(self) -> Any | None:
        key = self.query_one("#enquiries-table", KeyedTable).selected_key()
        return next(
            (v for v in (self.change.enquiries if self.change else []) if v.id == key), None
        )

    def show_enquiry(self) -> None:
        self.query_one("#enquiry-detail", Static).update(
            panels.enquiry_detail(self.state, self.selected_enquiry())
        )

    def show_why(self) -> None:
        movement = None
        if self._fresh() and self.selected_item:
            favoured, _ = self.favoured()
            movement = why_moved(self.engine, self.selected_item, favoured)
        self._update("why-detail", panels.why_detail(self.state, movement))

    # --- selection ------------------------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table_id = event.data_table.id
        key = event.row_key.value if event.row_key is not None else None
        if table_id == "matrix":
            self.selected_item = key
            self.show_item()
            self.show_why()
        elif table_id == "flags-table":
            self.show_flag()
        elif table_id == "enquiries-table":
            self.show_enquiry()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on an item: why did it move the beliefs?"""
        if event.data_table.id == "matrix":
            self.action_why()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A flag's driving item: show it in the evidence matrix."""
        if event.option_list.id != "flag-items":
            return
        self.action_view("evidence")
        matrix = self.query_one(EvidenceMatrix)
        if event.option.id and matrix.select_key(event.option.id):
            matrix.focus()

    # --- storing --------------------------------------------------------------------------

    def commit(self, event: Any) -> str | None:
        """Store one event; None when stored, else why not (the form shows it and stays open)."""
        on_file: list[tuple[str, str]] = []
        if isinstance(event, m.EvidenceRecorded):
            # The items on file before this one; compared with it after the next paint, in a
            # thread (a scan of 1,000 items would otherwise hold up the person's next key).
            on_file = [(i.id, i.spec.text) for i in self.state.items.values() if i.live]
        try:
            self.session.append(event)
        except EventRejected as exc:
            return f"Not saved: {exc}."
        except StoreConflict:
            self.session.reload()
            self.case_changed()
            self.notify(
                "Someone else changed this case. It has been reloaded; your entry was not saved.",
                title="Case changed elsewhere",
                severity="error",
            )
            return "Not saved: the case changed elsewhere and was reloaded. Check, then save again."
        except StoreError as exc:
            self.notify(str(exc), title="Could not save", severity="error", timeout=10)
            return "Not saved: the store refused the entry (see the notice)."
        self.case_changed()
        if on_file:
            self.call_after_refresh(self.check_same_fact, on_file, event.evidence.text)
        return None

    @work(thread=True, group="same-fact", exit_on_error=False, description="same fact")
    def check_same_fact(self, on_file: list[tuple[str, str]], text: str) -> None:
        similar = similar_texts(on_file, text)
        if similar:
            self.post_message(SameFactFound(similar))

    def on_same_fact_found(self, message: SameFactFound) -> None:
        # Two reports of one fact count as two independent items in the network (DESIGN §3).
        self.notify(
            f"It reads like {', '.join(message.similar)}. If both describe the same fact, the "
            "evidence now counts it twice: retract one (x), or amend this one (m) to rate it "
            "neutral.",
            title="Possibly the same fact twice",
            severity="warning",
            timeout=12,
        )

    def open_form(self, form: forms.FormScreen) -> None:
        self.app.push_screen(form)

    # --- actions --------------------------------------------------------------------------

    def highlighted_hypothesis(self) -> str | None:
        key = self.query_one(ExplanationsTable).selected_key()
        return key if key in self.state.live_hypotheses else None

    def action_add_hypothesis(self) -> None:
        known = set(self.state.hypotheses)

        def added(saved: bool | None) -> None:
            # Offer the earlier items to weigh against the new explanation (DESIGN §2).
            new = [h for h in self.state.hypotheses if h not in known]
            if saved and new and self.state.hypotheses[new[-1]].unweighed:
                self.open_form(forms.WeighItemsForm(self.session, self.commit, new[-1]))

        self.app.push_screen(forms.AddHypothesisForm(self.session, self.commit), added)

    def action_weigh_items(self) -> None:
        h = self.highlighted_hypothesis()
        pending = [x for x in self.state.live_hypotheses if self.state.hypotheses[x].unweighed]
        if h not in pending:
            h = pending[0] if pending else None
        if h is None:
            self.notify(
                "Every explanation is weighed against every earlier item.", title="Nothing to weigh"
            )
            return
        self.open_form(forms.WeighItemsForm(self.session, self.commit, h))

    def action_rename_hypothesis(self) -> None:
        if not self.state.live_hypotheses:
            self.notify(
                "There are no explanations yet: press h to add one.", title="Nothing to rename"
            )
            return
        self.open_form(
            forms.RenameHypothesisForm(self.session, self.commit, self.highlighted_hypothesis())
        )

    def action_retire_hypothesis(self) -> None:
        if not self.state.live_hypotheses:
            self.notify("There are no explanations yet.", title="Nothing to retire")
            return
        # The highlighted explanation is chosen only when the list has the focus: a cursor on a
        # row the person is not looking at must not decide what is retired.
        table = self.query_one(ExplanationsTable)
        shown = self.highlighted_hypothesis() if table.has_focus else None
        self.open_form(forms.RetireHypothesisForm(self.session, self.commit, shown))

    def action_add_source(self) -> None:
        self.open_form(forms.AddSourceForm(self.session, self.commit))

    def highlighted_source(self) -> str | None:
        return self.query_one("#sources-table", KeyedTable).selected_key()

    def action_rename_source(self) -> None:
        if not self.state.sources:
            self.notify("There are no sources yet: press s to add one.", title="Nothing to rename")
            return
        self.open_form(forms.RenameSourceForm(self.session, self.commit, self.highlighted_source()))

    def action_change_reliability(self) -> None:
        if not self.state.sources:
            self.notify("There are no sources yet: press s to add one.", title="No sources")
            return
        self.open_form(forms.ReliabilityForm(self.session, self.commit, self.highlighted_source()))

    def action_amend_item(self) -> None:
        if not self.state.live_items:
            self.notify("There are no items to amend.", title="Nothing to amend")
            return
        self.open_form(entry.AmendItemForm(self.session, self.commit, self.selected_item))

    def action_add_item(self) -> None:
        if not self.state.live_hypotheses:
            self.notify(
                "Add explanations first (h): an item is rated against them.",
                title="No explanations",
            )
            return
        source = self.query_one("#sources-table", KeyedTable).selected_key()
        self.open_form(entry.EvidenceForm(self.session, self.commit, source))

    def action_retract_item(self) -> None:
        if not self.state.live_items:
            self.notify("There are no items to retract.", title="Nothing to retract")
            return
        matrix = self.query_one(EvidenceMatrix)
        shown = self.selected_item if matrix.has_focus else None
        self.open_form(forms.RetractItemForm(self.session, self.commit, shown))

    def action_why(self) -> None:
        if self.selected_item is None:
            self.notify("Highlight an item in the Evidence view first.", title="No item selected")
        self.action_view("why")

    def action_judgement(self) -> None:
        if not self.state.live_hypotheses:
            self.notify("Add explanations first (h).", title="No explanations")
            return
        self.open_form(entry.JudgementForm(self.session, self.commit))

    def action_acknowledge(self) -> None:
        open_flags = [f for f in self.flags or [] if not f.acknowledged]
        if not open_flags:
            self.notify("There is no open flag to acknowledge.", title="No open flags")
            return
        flag = self.selected_flag()
        self.open_form(
            forms.AcknowledgeFlagForm(
                self.session, self.commit, open_flags, flag.id if flag else None
            )
        )

    def action_raise_enquiry(self) -> None:
        if not self.state.live_hypotheses:
            self.notify("Add explanations first (h).", title="No explanations")
            return
        self.open_form(entry.EnquiryForm(self.session, self.commit))

    def action_answer_enquiry(self) -> None:
        if not self.state.open_enquiries:
            self.notify("There are no open enquiries: press n to raise one.", title="No enquiries")
            return
        value = self.selected_enquiry()
        self.open_form(
            entry.AnswerEnquiryForm(self.session, self.commit, value.id if value else None)
        )

    def action_view(self, name: str) -> None:
        self.query_one(TabbedContent).active = name
        focus = {
            "evidence": "#matrix",
            "sources": "#sources-table",
            "judgement": "#judgements-table",
            "flags": "#flags-table",
            "enquiries": "#enquiries-table",
            "why": "#why-pane",
        }[name]
        self.query_one(focus).focus()

    def followed(self, new_events: list[m.Event]) -> None:
        """Someone else recorded on this case (a team store): show it at once, and say so."""
        self.case_changed()
        self.notify(following_note(new_events), title="Recorded by someone else", markup=False)

    def action_replay(self) -> None:
        """The replay of this case; a note pinned there is a new event, so refresh on return."""
        from hypotrack.tui.screens.replay import ReplayScreen

        def back(changed: bool | None) -> None:
            if changed:
                self.case_changed()

        self.app.push_screen(ReplayScreen(self.session), back)

    def action_close(self) -> None:
        self.dismiss(None)
