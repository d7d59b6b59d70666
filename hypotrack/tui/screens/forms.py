"""Modal forms: the first tier of errors lives here.

A form reads its fields, builds one event (or, on the start screen, a case to create) and hands
it to a `submit` callback owned by the screen behind it. Input a person can fix is refused at
the field: the field gets the `-error` class and the hint under it says how to fix it, and
nothing is stored. If the store refuses (the case changed elsewhere), the form stays open with
what was typed, so nothing is lost either.

The simple workspace forms are here; the item, judgement and enquiry forms are in `entry.py`,
the new-case and import forms in `case_forms.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from hypotrack.domain import model as m
from hypotrack.domain.errors import FieldError
from hypotrack.domain.state import next_id
from hypotrack.store.case import CaseSession
from hypotrack.tui import editing
from hypotrack.tui.errors import Guarded
from hypotrack.tui.widgets.render import clip

if TYPE_CHECKING:
    from hypotrack.domain.results import Flag

#: Called with what the form built; returns None when it was stored, or why it was not.
Submit = Callable[[Any], "str | None"]


class FormScreen(Guarded, ModalScreen[bool]):
    """Fields with a hint under each, Save (Ctrl+S) and Cancel (Esc).

    Subclasses give `form_title`, optionally `intro`, and implement `compose_fields` and
    `build` (which raises `FieldError` for input a person can fix).
    """

    CSS_PATH = "forms.tcss"
    # Tab is a priority binding that moves the focus at once: Widget.focus waits a turn, and a
    # person typing ahead ("likely⇥unlikely") would have the next word land in the field left.
    BINDINGS = [
        # A modal screen does not pass keys to the app's bindings: quit is bound here too.
        Binding("ctrl+q", "app.quit", "Quit", show=False, priority=True, id="form-quit"),
        Binding("escape", "cancel", "Cancel", id="form-cancel"),
        Binding("ctrl+s", "save", "Save", id="form-save"),
        Binding("tab", "step_focus(1)", "Next field", show=False, priority=True, id="form-next"),
        Binding(
            "shift+tab",
            "step_focus(-1)",
            "Previous field",
            show=False,
            priority=True,
            id="form-back",
        ),
    ]
    form_title = "Form"
    intro = ""
    first_focus: str | None = None

    def __init__(self, submit: Submit) -> None:
        super().__init__()
        self.submit = submit
        self._hints: dict[str, str] = {}
        self._typed_at_open: tuple[str, ...] = ()
        self._discard_asked = False

    def action_step_focus(self, step: int) -> None:
        """Tab / Shift+Tab: the next or previous field or button, round the form."""
        chain = self.focus_chain
        if not chain:
            return
        k = chain.index(self.focused) if self.focused in chain else (-1 if step > 0 else 0)
        self.set_focus(chain[(k + step) % len(chain)])

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(self.form_title, id="form-title")
            with VerticalScroll(id="form-body"):
                if self.intro:
                    yield Static(self.intro, id="form-intro")
                yield from self.compose_fields()
            yield Static("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button("Save  Ctrl+S", variant="primary", id="save")
                yield Button("Cancel  Esc", id="cancel")

    def compose_fields(self) -> ComposeResult:
        yield from ()

    def field(self, name: str, label: str, widget: Widget, hint: str = "") -> ComposeResult:
        """A labelled field with its hint line; `widget.id` becomes `name`."""
        widget.id = name
        self._hints[name] = hint
        with Vertical(classes="field", id=f"field-{name}"):
            # Labels and hints can quote case text: shown as text, never read as markup.
            yield Label(Text(label), classes="field-label")
            yield widget
            yield Static(Text(hint), id=f"hint-{name}", classes="hint")

    def on_mount(self) -> None:
        """Focus `first_focus`, else the first text field (choices start on a sensible value)."""
        self._typed_at_open = self._typed()
        selector = self.first_focus or "Input"
        found = self.query(selector) or self.query("Select, Checkbox")
        if found:
            found.first().focus()

    # --- marking fields -------------------------------------------------------------------

    def mark(self, name: str, message: str) -> None:
        """Mark a field as wrong and say how to put it right."""
        widget = self.query_one(f"#{name}")
        widget.add_class("-error")
        hint = self.query_one(f"#hint-{name}", Static)
        hint.update(Text(message))
        hint.add_class("-error")
        widget.focus()
        widget.scroll_visible()

    def unmark(self, name: str) -> None:
        for widget in self.query(f"#{name}"):
            widget.remove_class("-error")
        for hint in self.query(f"#hint-{name}").results(Static):
            hint.update(self._hints.get(name, ""))
            hint.remove_class("-error")

    def unmark_all(self) -> None:
        # Only the fields marked wrong: restyling every field of a long form costs ~30 ms.
        for widget in self.query(".-error"):
            if widget.id and widget.id in self._hints:
                self.unmark(widget.id)
        self.query_one("#form-error", Static).update("")

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._discard_asked:
            self._discard_asked = False
            self.query_one("#form-error", Static).update("")
        if event.input.id and event.input.has_class("-error"):
            self.unmark(event.input.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; on the last one it saves."""
        event.stop()
        inputs = list(self.query(Input))
        if inputs and event.input is inputs[-1]:
            self.action_save()
        else:
            self.focus_next()

    # --- saving ---------------------------------------------------------------------------

    def build(self) -> Any:
        raise NotImplementedError

    def action_save(self) -> None:
        self.unmark_all()
        try:
            built = self.build()
        except FieldError as exc:
            self.mark(exc.field, exc.message)
            return
        try:
            problem = self.submit(built)
        except Exception as exc:  # a bug: the third tier, and the form stays usable
            self.app.show_unexpected(exc)  # type: ignore[attr-defined]
            return
        if problem:
            self.query_one("#form-error", Static).update(problem)
            return
        self.after_save()
        self.dismiss(True)

    def after_save(self) -> None:
        """Anything to say once the entry is stored (a warning, not a refusal)."""

    def _typed(self) -> tuple[str, ...]:
        typed = [i.value for i in self.query(Input)]
        return tuple(typed + [t.text for t in self.query(TextArea)])

    def action_cancel(self) -> None:
        """Esc: close; if something was typed, ask first (a second Esc discards it)."""
        if self._typed() != self._typed_at_open and not self._discard_asked:
            self._discard_asked = True
            self.query_one("#form-error", Static).update(
                "Nothing is saved yet. Esc again closes the form and discards what you typed; "
                "Ctrl+S saves it."
            )
            return
        self.dismiss(False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "cancel":
            self.action_cancel()

    # --- helpers --------------------------------------------------------------------------

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def chosen(self, name: str, what: str) -> str:
        value = self.query_one(f"#{name}", Select).value
        if value is Select.NULL or value is None:
            raise FieldError(name, f"Choose {what}.")
        return str(value)


def choice(options: Iterable[tuple[str, str]], selected: str | None, prompt: str) -> Select[str]:
    """A Select of (label, value), starting on `selected` (or the first option)."""
    options = list(options)
    values = [v for _, v in options]
    start = selected if selected in values else (values[0] if values else Select.NULL)
    shown = [(Text(label), value) for label, value in options]  # case text, never markup
    return Select(shown, value=start, allow_blank=not options, prompt=prompt)


class SessionForm(FormScreen):
    """A form about an open case: it reads the case as it stands when it saves."""

    def __init__(self, session: CaseSession, submit: Submit, selected: str | None = None) -> None:
        super().__init__(submit)
        self.session = session
        self.selected = selected

    @property
    def state(self) -> Any:
        return self.session.state

    def stamp(self) -> dict[str, Any]:
        """`at` and `who` for a new event."""
        return {"at": editing.event_time(self.state), "who": editing.who()}

    def hypothesis_options(self) -> list[tuple[str, str]]:
        return [(clip(self.state.label(h), 70), h) for h in self.state.live_hypotheses]


# --- explanations -------------------------------------------------------------------------


class AddHypothesisForm(SessionForm):
    form_title = "Add an explanation"
    intro = (
        "An explanation is one account of what is happening for this child. Keep several open, "
        "including the family's own account and one for something not yet thought of."
    )

    def compose_fields(self) -> ComposeResult:
        yield from self.field(
            "label",
            "Explanation",
            Input(placeholder="e.g. Accidental injury while cruising"),
            "In words a colleague would recognise; no names.",
        )
        yield from self.field(
            "description", "Description (optional)", Input(), "What this explanation means here."
        )
        yield from self.field(
            "prior",
            "Prior weight (optional)",
            Input(placeholder="1"),
            "Relative weight before any evidence: 1 = as likely as the others. Change it only "
            "with a reason.",
        )
        if self.state.catch_all is None:
            yield from self.field(
                "catch-all",
                "",
                Checkbox("This is the catch-all: something we have not thought of"),
                "The case has no catch-all yet.",
            )

    def build(self) -> m.HypothesisAdded:
        label = editing.required_text("label", self.value("label"), "the explanation in words")
        description = self.value("description").strip() or None
        prior = editing.parse_prior("prior", self.value("prior"))
        catch_all = bool(self.query("#catch-all") and self.query_one("#catch-all", Checkbox).value)
        ident = editing.slugify(label, self.state.hypotheses, fallback="h")
        spec = m.HypothesisSpec(
            id=ident, label=label, description=description, prior=prior, catch_all=catch_all
        )
        return m.HypothesisAdded(hypothesis=spec, **self.stamp())


class WeighItemsForm(SessionForm):
    """Earlier items weighed against an explanation added after them (DESIGN §2).

    Neutral is a placeholder, not a judgement: until each earlier item is rated or marked
    neutral on purpose, the explanation shows "not yet weighed against N earlier items". One
    field per item; an empty field skips the item for now.
    """

    form_title = "Weigh the earlier items against the new explanation"

    def __init__(self, session: CaseSession, submit: Submit, hypothesis: str) -> None:
        super().__init__(session, submit, hypothesis)
        self.hypothesis = hypothesis
        h = self.state.hypotheses[hypothesis]
        self.items = sorted((self.state.items[i] for i in h.unweighed), key=lambda item: item.step)
        self.intro = (
            f"How expected would each earlier item be if '{clip(h.label, 60)}' were true? A "
            "yardstick term (unlikely, likely…) or a number in (0, 1]; only its ratio to the "
            "item's other ratings matters. Leave a field empty to skip the item for now, or type "
            "neutral to leave it neutral on purpose. Until then the explanation can look better "
            "than it is only because nothing was weighed against it."
        )

    def compose_fields(self) -> ComposeResult:
        for item in self.items:
            source = self.state.sources.get(item.spec.source)
            who = source.spec.label if source else item.spec.source
            others = " · ".join(
                f"{clip(self.state.label(h), 20)} {item.spec.entered.get(h, f'{p:g}')}"
                for h, p in item.likelihood.items()
            )
            yield from self.field(
                f"item-{item.id}",
                clip(f"{item.id} ({who}): {item.spec.text}", 100),
                Input(placeholder="skip"),
                clip(f"Rated: {others}", 120),
            )

    def build(self) -> m.EvidenceBackRated:
        likelihood: dict[str, float] = {}
        entered: dict[str, str | float] = {}
        neutral: list[str] = []
        for item in self.items:
            name = f"item-{item.id}"
            typed = self.value(name).strip()
            if not typed:
                continue
            if " ".join(typed.lower().split()) == "neutral":
                neutral.append(item.id)
                continue
            likelihood[item.id] = editing.parse_likelihood_field(name, typed)
            entered[item.id] = editing.entered_value(typed)
        if not likelihood and not neutral:
            first = f"item-{self.items[0].id}" if self.items else "form-error"
            raise FieldError(
                first, "Rate at least one item (or type neutral), or press Esc to skip them all."
            )
        return m.EvidenceBackRated(
            hypothesis=self.hypothesis,
            likelihood=likelihood,
            entered=entered,
            neutral=neutral,
            **self.stamp(),
        )


class RenameHypothesisForm(SessionForm):
    form_title = "Rename an explanation"
    intro = "The explanation keeps its place in the record; only its wording changes."

    def compose_fields(self) -> ComposeResult:
        yield from self.field(
            "hypothesis",
            "Explanation",
            choice(self.hypothesis_options(), self.selected, "Choose an explanation"),
        )
        current = self.state.label(self.selected) if self.selected else ""
        yield from self.field("label", "New wording", Input(value=current), "No names.")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "hypothesis" and isinstance(event.value, str):
            self.query_one("#label", Input).value = self.state.label(event.value)

    def build(self) -> m.HypothesisRelabelled:
        h = self.chosen("hypothesis", "the explanation to rename")
        label = editing.required_text("label", self.value("label"), "the new wording")
        if label == self.state.label(h):
            raise FieldError("label", "That is the current wording: change it, or press Esc.")
        return m.HypothesisRelabelled(id=h, label=label, **self.stamp())


class RetireHypothesisForm(SessionForm):
    form_title = "Retire an explanation"
    intro = (
        "A retired explanation leaves the reckoning from now on but stays on the record, with "
        "your reason. Nothing is deleted."
    )

    def __init__(self, session: CaseSession, submit: Submit, selected: str | None = None) -> None:
        super().__init__(session, submit, selected)
        self._catch_all_warned = False

    def compose_fields(self) -> ComposeResult:
        # Only the explanation highlighted on screen is chosen for the person: none otherwise.
        options = self.hypothesis_options()
        start = self.selected if self.selected in [v for _, v in options] else Select.NULL
        yield from self.field(
            "hypothesis",
            "Explanation",
            Select(options, value=start, prompt="Choose an explanation"),
        )
        yield from self.field(
            "reason",
            "Reason",
            Input(placeholder="e.g. Clotting screen normal; haematologist sees no disorder"),
            "Why it no longer needs to be kept open.",
        )

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "hypothesis":
            self._catch_all_warned = False
            self.unmark("hypothesis")

    def build(self) -> m.HypothesisRetired:
        h = self.chosen("hypothesis", "the explanation to retire")
        if len(self.state.live_hypotheses) <= 2:
            raise FieldError(
                "hypothesis",
                "Keep at least two explanations open: add another before retiring this one.",
            )
        reason = editing.required_text("reason", self.value("reason"), "a reason")
        if h == self.state.catch_all and not self._catch_all_warned:
            self._catch_all_warned = True
            raise FieldError(
                "hypothesis",
                "This is the catch-all: retiring it removes the net for surprises (an item that "
                "fits none of the explanations will go unnoticed). Ctrl+S again to retire it "
                "anyway, or choose another.",
            )
        return m.HypothesisRetired(id=h, reason=reason, **self.stamp())


# --- sources ------------------------------------------------------------------------------


class AddSourceForm(SessionForm):
    form_title = "Add a source"
    intro = "Who tells you things: a school, the health visitor, a parent, an anonymous caller."

    def compose_fields(self) -> ComposeResult:
        yield from self.field(
            "label", "Source", Input(placeholder="e.g. Nursery key worker"), "No names."
        )
        yield from self.field(
            "reliability",
            "Reliability (0–1)",
            Input(value="1"),
            "Your prior that this source's reports are reliable: 1 = taken at face value. If "
            "you lower it, say why in the case notes.",
        )

    def build(self) -> m.SourceAdded:
        label = editing.required_text("label", self.value("label"), "the source in words")
        reliability = editing.parse_reliability("reliability", self.value("reliability"))
        ident = editing.slugify(label, self.state.sources, fallback="source")
        spec = m.SourceSpec(id=ident, label=label, reliability=reliability)
        return m.SourceAdded(source=spec, **self.stamp())


class _SourceForm(SessionForm):
    """A form about one existing source, chosen at the top (the highlighted one to start)."""

    def source_field(self) -> ComposeResult:
        options = [
            (f"{clip(s.spec.label, 60)}  (reliability {s.reliability:g})", s.id)
            for s in self.state.sources.values()
        ]
        yield from self.field(
            "source", "Source", choice(options, self.selected, "Choose a source"), ""
        )

    def current(self) -> Any:
        value = self.query_one("#source", Select).value
        return self.state.sources.get(value) if isinstance(value, str) else None

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "source":
            self.fill()

    def fill(self) -> None:
        """Put the chosen source's current value in the field below it."""


class RenameSourceForm(_SourceForm):
    form_title = "Rename a source"
    intro = (
        "The source keeps its place in the record and its items; only its name changes "
        "(a template's placeholder replaced, a typo put right). The old name stays in the history."
    )

    def compose_fields(self) -> ComposeResult:
        yield from self.source_field()
        s = self.state.sources.get(self.selected or "")
        yield from self.field(
            "label", "New name", Input(value=s.spec.label if s else ""), "No names of people."
        )

    def fill(self) -> None:
        s = self.current()
        if s is not None:
            self.query_one("#label", Input).value = s.spec.label

    def build(self) -> m.SourceRelabelled:
        source = self.chosen("source", "the source to rename")
        label = editing.required_text("label", self.value("label"), "the new name")
        if label == self.state.sources[source].spec.label:
            raise FieldError("label", "That is the current name: change it, or press Esc.")
        return m.SourceRelabelled(source=source, label=label, **self.stamp())


class ReliabilityForm(_SourceForm):
    form_title = "Change a source's reliability"
    intro = (
        "Your prior that this source's reports are reliable, from now on (1 = taken at face "
        "value). The change and your reason stay on the record: replay and reports show who "
        "changed it, when and why."
    )

    def compose_fields(self) -> ComposeResult:
        yield from self.source_field()
        s = self.state.sources.get(self.selected or "")
        yield from self.field(
            "reliability",
            "New reliability (0–1)",
            Input(value=f"{s.reliability:g}" if s else ""),
            "1 = taken at face value, 0 = its reports tell nothing.",
        )
        yield from self.field(
            "reason",
            "Reason",
            Input(placeholder="e.g. Two earlier calls about this family were unfounded"),
            "Why you now weigh this source differently.",
        )

    def fill(self) -> None:
        s = self.current()
        if s is not None:
            self.query_one("#reliability", Input).value = f"{s.reliability:g}"

    def build(self) -> m.ReliabilityChanged:
        source = self.chosen("source", "the source")
        text = self.value("reliability")
        if not text.strip():
            raise FieldError("reliability", "Give the new reliability, a number from 0 to 1.")
        reliability = editing.parse_reliability("reliability", text)
        if reliability == self.state.sources[source].reliability:
            raise FieldError("reliability", "That is the current reliability: change it, or Esc.")
        reason = editing.required_text("reason", self.value("reason"), "a reason")
        return m.ReliabilityChanged(
            source=source, reliability=reliability, reason=reason, **self.stamp()
        )


# --- evidence -----------------------------------------------------------------------------


class RetractItemForm(SessionForm):
    form_title = "Retract an item"
    intro = (
        "A retracted item leaves the reckoning from now on. It stays visible, struck through, "
        "with your reason; the record of what was known when is kept."
    )

    def compose_fields(self) -> ComposeResult:
        options = [
            (f"{i.id}  {clip(i.spec.text, 64)}", i.id) for i in self.state.items.values() if i.live
        ]
        start = self.selected if self.selected in [v for _, v in options] else Select.NULL
        item = Select(options, value=start, prompt="Choose an item")
        yield from self.field("item", "Item", item, "")
        yield from self.field(
            "reason",
            "Reason",
            Input(placeholder="e.g. Recorded against the wrong child"),
            "Why it should no longer count.",
        )

    def build(self) -> m.EvidenceRetracted:
        item = self.chosen("item", "the item to retract")
        reason = editing.required_text("reason", self.value("reason"), "a reason")
        return m.EvidenceRetracted(id=item, reason=reason, **self.stamp())


# --- flags --------------------------------------------------------------------------------


class AcknowledgeFlagForm(SessionForm):
    form_title = "Acknowledge a flag"
    intro = (
        "Acknowledging keeps the flag listed, marked acknowledged, with your reason; your "
        "supervisor sees the reason in replay."
    )

    def __init__(
        self, session: CaseSession, submit: Submit, flags: list[Flag], selected: str | None = None
    ) -> None:
        super().__init__(session, submit, selected)
        self.flags = flags

    def compose_fields(self) -> ComposeResult:
        options = [(f"{f.severity}: {f.id}", f.id) for f in self.flags if not f.acknowledged]
        yield from self.field("flag", "Flag", choice(options, self.selected, "Choose a flag"), "")
        yield from self.field(
            "reason",
            "Your reason",
            Input(placeholder="e.g. I want the skeletal survey before I change my view"),
            "Why you hold your view despite the flag.",
        )

    def build(self) -> m.NoteAdded:
        flag = self.chosen("flag", "the flag to acknowledge")
        reason = editing.required_text("reason", self.value("reason"), "your reason")
        taken = [n.spec.id for n in self.state.notes]
        note = m.NoteSpec(id=next_id("n", taken), kind="acknowledgement", text=reason, flag=flag)
        return m.NoteAdded(note=note, **self.stamp())
