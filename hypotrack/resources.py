"""Where the shipped case files (templates, examples, teaching cases, schema) live.

In a wheel they sit inside the package (`hypotrack/models`); in a source checkout (an
editable install) they are the repository's top-level `models/`.
"""

from __future__ import annotations

from pathlib import Path


def models_dir() -> Path:
    """The folder holding templates/, examples/, teaching/ and schema/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "models", here.parent / "models"):
        if (candidate / "templates").is_dir():
            return candidate
    return here.parent / "models"


def templates() -> dict[str, Path]:
    """Template name (file stem) to path."""
    return {p.stem: p for p in sorted((models_dir() / "templates").glob("*.yaml"))}


def teaching_cases() -> dict[str, Path]:
    """Teaching-case name (file stem) to path."""
    return {p.stem: p for p in sorted((models_dir() / "teaching").glob("*.yaml"))}


def demo_case() -> Path:
    """The worked example opened on first run."""
    return models_dir() / "examples" / "worked-bruising.yaml"
