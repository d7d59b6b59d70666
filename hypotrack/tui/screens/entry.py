"""The forms with a field per explanation: an evidence item, a judgement, an enquiry, an answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select, Static

from hypotrack.domain import model as m
from hypotrack.domain import wording
from hypotrack.domain.errors import FieldError
from hypotrack.domain.ratings import parse_ratings, preview_ratings
from hypotrack.domain.state import ItemState, next_id, top_rated
from hypotrack.domain.yardstick import LikelihoodError, parse_likelihood, term_for
from hypotrack.tui import editing
from hypotrack.tui.screens.forms import SessionForm, choice
from hypotrack.tui.widgets.render import clip

TERMS_HINT = (
    "remote chance · highly unlikely · unlikely · realistic possibility · likely · "
    "highly likely · almost certain — or a number in (0, 1]"
)


def _likelihood_preview(text: str, below_one: bool = False) -> str:
    """What a likelihood field reads as; an enquiry's probabilities are in (0, 1), not (0, 1]."""
    if not text.strip():
        return ""
    interval = "(0, 1)" if below_one else "(0, 1]"
    try:
        p = parse_likelihood(text)
    except LikelihoodError:
        return f"not yet a term or a number in {interval}"
    if below_one and p >= 1.0:
        return "a check's answer is never certain: a number in (0, 1), e.g. 0.95"
    return f"= {p:.3g}  ({term_for(p)})"


class _PreviewsLikelihoods(SessionForm):
    """A form with one likelihood field per explanation, each showing what its entry reads as."""

    preview_prefix = "like-"
    below_one = False  # an enquiry's P(positive) is in (0, 1)

    def on_input_changed(self, event: Input.Changed) -> None:
        super().on_input_changed(event)
        name = event.input.id or ""
        if name.startswith(self.preview_prefix) and not event.input.has_class("-error"):
            preview = _likelihood_preview(event.value, self.below_one)
            self.query_one(f"#hint-{name}", Static).update(preview)


class EvidenceForm(_PreviewsLikelihoods):
    """An evidence item: what was seen or said, who said it, and how expected it is under each
    explanation."""

    form_title = "Add an evidence item"
    intro = (
        "For each explanation: how expected would this item be if that explanation were true? "
        f"Use a yardstick term ({TERMS_HINT}).\n"
        "Only the ratios between an item's likelihoods matter: 'likely' under one and "
        "'unlikely' under another says it is about twice as expected under the first. "
        "Leave an explanation blank to keep it neutral on this item. The catch-all must be "
        "rated: unrated, it cannot take up a surprise."
    )

    def compose_fields(self) -> ComposeResult:
        state = self.state
        yield from self.field(
            "text",
            "What was seen or said",
            Input(placeholder="One sentence, no names"),
            "",
        )
        sources = [
            (f"{clip(s.spec.label, 50)}  (reliability {s.reliability:g})", s.id)
            for s in state.sources.values()
        ]
        yield from self.field(
            "source",
            "Source",
            choice(sources, self.selected, "Choose a source"),
            "" if sources else "The case has no sources yet: press Esc, then s to add one.",
        )
        today = editing.now_in(editing.case_zone(state)).date().isoformat()
        recorded = editing.event_time(state)
        yield from self.field(
            "observed",
            "When it happened",
            Input(value=today),
            "A date (2026-03-08) or a date and time (2026-03-08 14:30); blank if not known. "
            f"Recorded: {wording.moment(recorded)}, when you save (that places it on "
            "the timeline; lists and flags name it by when it happened).",
        )
        catch_all = state.catch_all
        for h in state.live_hypotheses:
            label = clip(state.label(h), 80)
            if h == catch_all:
                label += "  (catch-all — required)"
            yield from self.field(
                f"like-{h}",
                f"If “{label}”",
                Input(placeholder="e.g. likely, unlikely or 0.3"),
                "",
            )

    def build(self) -> m.EvidenceRecorded:
        state = self.state
        text = editing.required_text("text", self.value("text"), "what was seen or said")
        if not state.sources:
            raise FieldError("source", "Add a source first (Esc, then s).")
        source = self.chosen("source", "who this came from")
        observed = editing.parse_observed(
            "observed", self.value("observed"), editing.case_zone(state)
        )
        likelihood: dict[str, float] = {}
        entered: dict[str, str | float] = {}
        catch_all = state.catch_all
        for h in state.live_hypotheses:
            raw = self.value(f"like-{h}")
            if not raw.strip():
                if h == catch_all:
                    raise FieldError(
                        f"like-{h}",
                        "Rate the catch-all too: how expected is this item if something not yet "
                        "thought of is going on? (e.g. realistic possibility, or 0.3)",
                    )
                continue
            likelihood[h] = editing.parse_likelihood_field(f"like-{h}", raw)
            entered[h] = editing.entered_value(raw)
        if not likelihood:
            first = state.live_hypotheses[0] if state.live_hypotheses else "text"
            raise FieldError(f"like-{first}", "Rate at least one explanation.")
        spec = m.EvidenceSpec(
            id=next_id("e", state.items),
            text=text,
            source=source,
            observed=observed,
            likelihood=likelihood,
            entered=entered,
        )
        return m.EvidenceRecorded(evidence=spec, **self.stamp())


def entered_now(item: ItemState) -> dict[str, str]:
    """An item's likelihoods as the worker last typed them (after any amendment)."""
    last = item.amendments[-1] if item.amendments else None
    entered = last.entered if last is not None else item.spec.entered
    out = {}
    for h, p in item.likelihood.items():
        typed = entered.get(h)
        out[h] = typed if isinstance(typed, str) else f"{typed if typed is not None else p:g}"
    return out


class AmendItemForm(_PreviewsLikelihoods):
    """New likelihoods for an item, with a reason: the old ones stay on the record."""

    form_title = "Amend an item's likelihoods"
    intro = (
        "Rate the item again under each explanation (a yardstick term or a number in (0, 1]; "
        "blank keeps an explanation neutral). The new ratings count from now on; the old ones "
        "stay in the history, with your reason, for replay and reports."
    )

    def compose_fields(self) -> ComposeResult:
        state = self.state
        options = [(f"{i.id}  {clip(i.spec.text, 64)}", i.id) for i in state.live_items]
        yield from self.field("item", "Item", choice(options, self.selected, "Choose an item"), "")
        item = state.items.get(self.selected or "") or next(iter(state.live_items), None)
        now = entered_now(item) if item is not None else {}
        catch_all = state.catch_all
        for h in state.live_hypotheses:
            label = clip(state.label(h), 80)
            if h == catch_all:
                label += "  (catch-all — required)"
            yield from self.field(f"like-{h}", f"If “{label}”", Input(value=now.get(h, "")), "")
        yield from self.field(
            "reason",
            "Reason",
            Input(placeholder="e.g. The written report gives the pattern of the bruises"),
            "Why the ratings change (the same fact counted twice: rate this one neutral).",
        )

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "item" or not isinstance(event.value, str):
            return
        item = self.state.items.get(event.value)
        if item is None:
            return
        now = entered_now(item)
        for h in self.state.live_hypotheses:
            self.query_one(f"#like-{h}", Input).value = now.get(h, "")

    def build(self) -> m.EvidenceAmended:
        state = self.state
        ident = self.chosen("item", "the item to amend")
        item = state.items[ident]
        likelihood: dict[str, float] = {}
        entered: dict[str, str | float] = {}
        # Ratings under retired explanations stay as they were.
        for h, p in item.likelihood.items():
            if h not in state.live_hypotheses:
                likelihood[h] = p
                entered[h] = p
        catch_all = state.catch_all
        for h in state.live_hypotheses:
            raw = self.value(f"like-{h}")
            if not raw.strip():
                if h == catch_all:
                    raise FieldError(
                        f"like-{h}",
                        "Rate the catch-all too: unrated, it cannot take up a surprise.",
                    )
                continue
            likelihood[h] = editing.parse_likelihood_field(f"like-{h}", raw)
            entered[h] = editing.entered_value(raw)
        if not any(h in likelihood for h in state.live_hypotheses):
            raise FieldError(f"like-{state.live_hypotheses[0]}", "Rate at least one explanation.")
        if likelihood == item.likelihood:
            raise FieldError(
                f"like-{state.live_hypotheses[0]}",
                "These are the item's ratings as they stand: change one, or press Esc.",
            )
        reason = editing.required_text("reason", self.value("reason"), "a reason")
        return m.EvidenceAmended(
            id=ident, likelihood=likelihood, entered=entered, reason=reason, **self.stamp()
        )


class JudgementForm(SessionForm):
    """The worker's own view: a number per explanation, the favoured one, and a note."""

    form_title = "My judgement"
    intro = (
        "Your own view now: a number for each explanation "
        "(e.g. 70, 20, 10 — they are scaled to add up to 100 %). 0 rules one out. "
        "Enter moves to the next field."
    )

    def compose_fields(self) -> ComposeResult:
        state = self.state
        last = state.latest_judgement
        for h in state.live_hypotheses:
            name = f"rating-{h}"
            self._hints[name] = ""
            placeholder = ""
            if last is not None and h in last.ratings:
                placeholder = f"last {last.ratings[h] * 100:.0f}"
            label = clip(state.label(h), 60)
            if h == state.catch_all:
                label += " (catch-all)"
            with Horizontal(classes="rating-row", id=f"field-{name}"):
                yield Label(label, classes="rating-label")
                yield Input(placeholder=placeholder, id=name, classes="rating-input")
                yield Static("", id=f"hint-{name}", classes="hint rating-hint")
        yield from self.field("note", "Note (optional)", Input(), "Why you hold this view now.")
        options = [("the highest rated", "")] + self.hypothesis_options()
        yield from self.field(
            "favoured",
            "Favoured explanation",
            Select(options, value="", allow_blank=False),
            "The one you would act on; by default the highest rated.",
        )

    def _values(self) -> dict[str, str]:
        return {h: self.value(f"rating-{h}") for h in self.state.live_hypotheses}

    def on_input_changed(self, event: Input.Changed) -> None:
        super().on_input_changed(event)
        if not (event.input.id or "").startswith("rating-"):
            return
        preview = preview_ratings(self._values())
        for h, p in preview.items():
            hint = self.query_one(f"#hint-rating-{h}", Static)
            if not hint.has_class("-error"):
                hint.update("" if p is None else f"= {wording.percent_figure(p)}")

    def build(self) -> m.JudgementRecorded:
        ratings = parse_ratings(self._values())
        choice_value = self.query_one("#favoured", Select).value
        if isinstance(choice_value, str) and choice_value:
            favoured = choice_value
            if ratings.get(favoured, 0.0) <= 0:
                raise FieldError(
                    "favoured", "You rated that explanation 0: rate it, or favour another."
                )
        else:
            # A tie at the top with none chosen is an open mind: no favourite (DESIGN §2).
            favoured = top_rated(ratings)
        note = self.value("note").strip() or None
        spec = m.JudgementSpec(
            id=next_id("j", [j.id for j in self.state.judgements]),
            ratings=ratings,
            favoured=favoured,
            note=note,
        )
        return m.JudgementRecorded(judgement=spec, **self.stamp())


class EnquiryForm(_PreviewsLikelihoods):
    """A check not yet made, with how likely a positive answer is under each explanation."""

    form_title = "Raise an enquiry"
    preview_prefix = "p-"
    below_one = True
    intro = (
        "A check not yet made (ask the GP, a skeletal survey...). For each explanation: how "
        "likely is a positive answer if it were true? A term or a number in (0, 1), strictly "
        "between 0 and 1; blank keeps an explanation neutral. The app ranks open enquiries by how much "
        "their answer would tell you."
    )

    def compose_fields(self) -> ComposeResult:
        yield from self.field(
            "text",
            "The check, and what counts as a positive answer",
            Input(placeholder="e.g. Skeletal survey (further, unexplained injuries found)"),
            "",
        )
        for h in self.state.live_hypotheses:
            yield from self.field(
                f"p-{h}",
                f"P(positive) if “{clip(self.state.label(h), 70)}”",
                Input(placeholder="e.g. unlikely or 0.3"),
                "",
            )

    def build(self) -> m.EnquiryRaised:
        state = self.state
        text = editing.required_text("text", self.value("text"), "the check")
        probs: dict[str, float] = {}
        entered: dict[str, str | float] = {}
        for h in state.live_hypotheses:
            raw = self.value(f"p-{h}")
            if raw.strip():
                probs[h] = editing.parse_enquiry_probability(f"p-{h}", raw)
                entered[h] = editing.entered_value(raw)
        if not probs:
            raise FieldError(
                f"p-{state.live_hypotheses[0]}", "Give P(positive) for at least one explanation."
            )
        spec = m.EnquirySpec(
            id=next_id("q", state.enquiries), text=text, likelihood=probs, entered=entered
        )
        return m.EnquiryRaised(enquiry=spec, **self.stamp())


class AnswerEnquiryForm(SessionForm):
    """The answer to an enquiry becomes an evidence item with the enquiry's likelihoods."""

    form_title = "Answer an enquiry"
    first_focus = "#result"
    intro = (
        "The answer becomes an evidence item. Its likelihoods come from the enquiry: P(positive) "
        "for a positive answer, 1 − P(positive) for a negative one."
    )

    def compose_fields(self) -> ComposeResult:
        state = self.state
        options = [(f"{q.id}  {clip(q.spec.text, 64)}", q.id) for q in state.open_enquiries]
        yield from self.field(
            "enquiry", "Enquiry", choice(options, self.selected, "Choose an enquiry"), ""
        )
        yield from self.field(
            "result",
            "Answer",
            Select(
                [
                    ("positive — the check found it", "positive"),
                    ("negative — it did not", "negative"),
                ],
                prompt="Choose the answer",
            ),
            "",
        )
        yield from self.field(
            "text",
            "What was found (optional)",
            Input(),
            "Blank: the enquiry and its answer.",
        )
        sources = [(clip(s.spec.label, 60), s.id) for s in state.sources.values()]
        yield from self.field(
            "source",
            "Who answered",
            choice(sources, None, "Choose a source"),
            "" if sources else "The case has no sources yet: press Esc, then s to add one.",
        )
        today = editing.now_in(editing.case_zone(state)).date().isoformat()
        yield from self.field(
            "observed", "When", Input(value=today), "A date, or a date and time; blank if unknown."
        )

    def build(self) -> m.EvidenceRecorded:
        state = self.state
        enquiry_id = self.chosen("enquiry", "the enquiry answered")
        result = self.chosen("result", "positive or negative")
        enquiry = state.enquiries[enquiry_id]
        if not state.sources:
            raise FieldError("source", "Add a source first (Esc, then s).")
        source = self.chosen("source", "who gave the answer")
        observed = editing.parse_observed(
            "observed", self.value("observed"), editing.case_zone(state)
        )
        text = self.value("text").strip() or f"{enquiry.spec.text}: {result}"
        positive = result == "positive"
        likelihood = {h: (p if positive else 1.0 - p) for h, p in enquiry.spec.likelihood.items()}
        spec = m.EvidenceSpec(
            id=next_id("e", state.items),
            text=text,
            source=source,
            observed=observed,
            likelihood=likelihood,
            answers=m.Answer(enquiry=enquiry_id, result=result),  # type: ignore[arg-type]
        )
        return m.EvidenceRecorded(evidence=spec, **self.stamp())
