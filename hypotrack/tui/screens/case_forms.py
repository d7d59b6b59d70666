"""Forms on the start screen: a new case from a template, and importing a case file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input

from hypotrack.domain.errors import FieldError
from hypotrack.tui import editing
from hypotrack.tui.screens.forms import FormScreen, Submit, choice

if TYPE_CHECKING:
    from hypotrack.domain import model as m


def _first_problems(exc: Any, limit: int = 3) -> str:
    problems = getattr(exc, "problems", None) or [exc]
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit} more (run 'hypotrack check FILE').")
    return "\n".join(lines)


class NewCaseForm(FormScreen):
    """A new case: a template, a title and an id."""

    form_title = "New case from a template"
    intro = (
        "The template brings starting explanations (including the family's account and a "
        "catch-all), typical sources and first enquiries. Reword them in the workspace."
    )

    def __init__(
        self, templates: dict[str, Path], has_case: Callable[[str], bool], submit: Submit
    ) -> None:
        super().__init__(submit)
        self.templates = templates
        self.has_case = has_case
        self._auto_id = ""

    def compose_fields(self) -> ComposeResult:
        options = [(name, name) for name in self.templates]
        start = "generic" if "generic" in self.templates else None
        yield from self.field(
            "template", "Template", choice(options, start, "Choose a template"), ""
        )
        yield from self.field(
            "title",
            "Title",
            Input(placeholder="e.g. Bruising to a 7-month-old"),
            "Short and anonymous: a colleague should recognise it without names.",
        )
        yield from self.field(
            "case-id",
            "Case id",
            Input(placeholder="e.g. bruising-7-month-old"),
            "A short slug: lowercase letters, digits and hyphens. Made from the title unless "
            "you change it.",
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        """The id follows the title until the person types an id of their own."""
        super().on_input_changed(event)
        if event.input.id != "title":
            return
        case_id = self.query_one("#case-id", Input)
        if case_id.value in ("", self._auto_id):
            self._auto_id = editing.slugify(event.value, fallback="", max_len=40)
            case_id.value = self._auto_id

    def build(self) -> list[m.Event]:
        name = self.chosen("template", "a template")
        title = editing.required_text("title", self.value("title"), "a title")
        if len(title) > 500:
            raise FieldError("title", "Keep the title under 500 characters.")
        case_id = self.value("case-id").strip()
        if not case_id:
            raise FieldError("case-id", "Give the case an id (a short slug).")
        if not editing.valid_slug(case_id):
            raise FieldError(
                "case-id",
                "Use lowercase letters, digits, '-' or '_', starting with a letter or digit "
                "(at most 64).",
            )
        if self.has_case(case_id):
            raise FieldError("case-id", f"There is already a case '{case_id}': choose another id.")
        from hypotrack.domain.casefile import CaseFileError

        try:
            return editing.case_from_template(self.templates[name], case_id, title)
        except CaseFileError as exc:
            raise FieldError(
                "template", "This template does not load:\n" + _first_problems(exc)
            ) from None


class ImportForm(FormScreen):
    """A case file into the store."""

    form_title = "Import a case file"
    intro = (
        "A case file (YAML) exported from hypotrack or written by a trainer. The whole file is "
        "checked first: a file with any error imports nothing."
    )

    def compose_fields(self) -> ComposeResult:
        yield from self.field(
            "path",
            "File",
            Input(placeholder="e.g. ~/cases/bruising.yaml"),
            "A path on this computer; ~ is your home folder.",
        )

    def build(self) -> list[m.Event]:
        text = editing.required_text("path", self.value("path"), "the path of a case file")
        path = Path(text).expanduser()
        if not path.exists():
            raise FieldError("path", "There is no file at that path.")
        if path.is_dir():
            raise FieldError("path", "That is a folder: give the case file inside it.")
        from hypotrack.domain.casefile import CaseFileError, load_case_file

        try:
            return load_case_file(path).events
        except CaseFileError as exc:
            raise FieldError(
                "path", "This file cannot be imported:\n" + _first_problems(exc)
            ) from None


class NameForm(FormScreen):
    """The local user's name, asked once and kept in the embedded store."""

    form_title = "Your name"
    intro = (
        "hypotrack records who made each entry, so a supervisor can see who changed what. "
        "This name is kept in this store and asked only once."
    )

    def __init__(self, default: str, submit: Submit) -> None:
        super().__init__(submit)
        self.default = default

    def compose_fields(self) -> ComposeResult:
        yield from self.field(
            "name",
            "Name",
            Input(value=self.default),
            "As it should appear beside your entries (e.g. R. Hale, social worker).",
        )

    def build(self) -> str:
        name = editing.required_text("name", self.value("name"), "your name")
        if len(name) > 200:
            raise FieldError("name", "Keep it under 200 characters.")
        return name
