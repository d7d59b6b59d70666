"""The argument parser: every command, its arguments and help."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

from hypotrack.cli.team import add_team_commands

Command = Callable[[argparse.Namespace], int]


def build_parser(commands: Mapping[str, Command]) -> argparse.ArgumentParser:
    """The parser; `commands` gives each command's function by its name (`app`: no command)."""
    parser = argparse.ArgumentParser(
        prog="hypotrack",
        description="Keep competing explanations open; see when a favoured one stays fixed while the evidence moves.",
    )
    parser.add_argument(
        "--store",
        metavar="PATH|URL",
        help="the store: a file, or a team store's postgresql:// URL (default: $HYPOTRACK_STORE, "
        "else $HYPOTRACK_HOME/hypotrack.db or your data folder)",
    )
    parser.set_defaults(func=commands["app"])
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def add(name: str, func: Any, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--store",
            metavar="PATH|URL",
            default=argparse.SUPPRESS,
            help="the store: a file or a postgresql:// URL",
        )
        p.set_defaults(func=func)
        return p

    p = add("check", commands["check"], "validate case files")
    p.add_argument("files", nargs="+", metavar="FILE")
    for name, func, help_text in (
        (
            "beliefs",
            commands["beliefs"],
            "the network's belief in each explanation, and the worker's ratings",
        ),
        ("flags", commands["flags"], "flags as of a moment (default: the case's last event)"),
        ("next", commands["next"], "open enquiries ranked by what they would tell"),
    ):
        p = add(name, func, help_text)
        p.add_argument("case", metavar="FILE|CASE")
        p.add_argument(
            "--as-of", metavar="T", help="inclusive; ISO 8601, in the case's time zone unless given"
        )
        p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p = add("replay", commands["replay"], "every step: the event, both belief lines, flags")
    p.add_argument("case", metavar="FILE|CASE")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p = add("cases", commands["cases"], "the cases in the store")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p = add("import", commands["import"], "import a case file into the store")
    p.add_argument("file", metavar="FILE")
    p = add(
        "export",
        commands["export"],
        "export a case from the store (or a file) as yaml, html, md, bif or xmlbif",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--format", choices=["yaml", "html", "md", "bif", "xmlbif"], default="yaml")
    p.add_argument("--as-of", metavar="T", help="only what was known at T")
    p.add_argument("-o", "--output", metavar="PATH", help="write to a file instead of stdout")
    p.add_argument("--force", action="store_true", help="with -o: replace a file that is there")
    p = add("new", commands["new"], "scaffold a case file from a template in models/")
    p.add_argument("--template", required=True, metavar="NAME")
    p.add_argument("-o", "--output", metavar="PATH", help="write to a file instead of stdout")
    p = add("diff", commands["diff"], "what changed between two points of a case, and why")
    p.add_argument("case", metavar="FILE|CASE")
    p.add_argument(
        "--from", dest="start", required=True, metavar="T1", help="the earlier point (inclusive)"
    )
    p.add_argument(
        "--to", dest="end", required=True, metavar="T2", help="the later point (inclusive)"
    )
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p = add(
        "train",
        commands["train"],
        "training mode on a teaching case; --summary for a trainer's table of runs",
    )
    p.add_argument(
        "case",
        nargs="?",
        metavar="CASE",
        help="a teaching case (file stem in models/teaching or a case id)",
    )
    p.add_argument(
        "--summary",
        action="store_true",
        help="a trainer's table: every stored run (of CASE, or of every teaching case)",
    )
    p.add_argument(
        "--coach", action="store_true", help="show the network's beliefs and flags during play"
    )
    p.add_argument(
        "--json", action="store_true", help="with --summary: one JSON document on stdout"
    )
    p = add("verify", commands["verify"], "check the event history's hash chain")
    p.add_argument("case", nargs="?", metavar="CASE")
    p.add_argument(
        "--head",
        metavar="CASE:N:HASH",
        help="also check a chain head printed earlier (at the end of a report or export)",
    )
    add_team_commands(sub, add)
    return parser
