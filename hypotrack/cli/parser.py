"""The argument parser: every command, its arguments and help.

`hypotrack --help` builds all of it, so it imports no command's code: each command's function
comes in through `commands`, by name.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

# A command: the parsed arguments in, the exit code out.
Command = Callable[[argparse.Namespace], int]
Commands = Mapping[str, Command]
if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

DESCRIPTION = "Keep competing explanations open; see when a favoured one stays fixed while the evidence moves."
STORE_HELP = "the store: a file or a postgresql:// URL"


# --- options more than one command takes ---------------------------------------------------


def add_command(
    sub: Subparsers,
    name: str,
    func: Command,
    help_text: str,
    *,
    store_metavar: str = "PATH|URL",
    store_help: str = STORE_HELP,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand that runs `func`, with its own `--store` (the one before the command name
    is the default: an absent `--store` here leaves it alone)."""
    p = sub.add_parser(name, help=help_text, description=description or help_text)
    p.add_argument("--store", metavar=store_metavar, default=argparse.SUPPRESS, help=store_help)
    p.set_defaults(func=func)
    return p


def add_json(p: argparse.ArgumentParser, help_text: str = "one JSON document on stdout") -> None:
    p.add_argument("--json", action="store_true", help=help_text)


def add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", metavar="PATH", help="write to a file instead of stdout")


def group_parser(
    sub: Subparsers,
    name: str,
    help_text: str,
    description: str,
    title: str,
) -> Subparsers:
    """A command that only groups others (`team`, `store`): on its own it prints its help."""
    group = sub.add_parser(name, help=help_text, description=description)
    group.set_defaults(func=lambda args: group.print_help() or 2)
    return group.add_subparsers(title=title, metavar="COMMAND")


# --- the commands, a group at a time --------------------------------------------------------


def _reading_commands(sub: Subparsers, commands: Commands) -> None:
    """`check`, and the commands that show what the reasoning says about one case."""
    p = add_command(sub, "check", commands["check"], "validate case files")
    p.add_argument("files", nargs="+", metavar="FILE")
    for name, help_text in (
        ("beliefs", "the network's belief in each explanation, and the worker's ratings"),
        ("flags", "flags as of a moment (default: the case's last event)"),
        ("next", "open enquiries ranked by what they would tell"),
    ):
        p = add_command(sub, name, commands[name], help_text)
        p.add_argument("case", metavar="FILE|CASE")
        p.add_argument(
            "--as-of", metavar="T", help="inclusive; ISO 8601, in the case's time zone unless given"
        )
        add_json(p)
    p = add_command(
        sub, "replay", commands["replay"], "every step: the event, both belief lines, flags"
    )
    p.add_argument("case", metavar="FILE|CASE")
    add_json(p)


def _store_commands(sub: Subparsers, commands: Commands) -> None:
    """Listing, importing, exporting and scaffolding cases."""
    add_json(add_command(sub, "cases", commands["cases"], "the cases in the store"))
    p = add_command(sub, "import", commands["import"], "import a case file into the store")
    p.add_argument("file", metavar="FILE")
    p = add_command(
        sub,
        "export",
        commands["export"],
        "export a case from the store (or a file) as yaml, html, md, bif or xmlbif",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--format", choices=["yaml", "html", "md", "bif", "xmlbif"], default="yaml")
    p.add_argument("--as-of", metavar="T", help="only what was known at T")
    add_output(p)
    p.add_argument("--force", action="store_true", help="with -o: replace a file that is there")
    p = add_command(sub, "new", commands["new"], "scaffold a case file from a template in models/")
    p.add_argument("--template", required=True, metavar="NAME")
    add_output(p)


def _diff_command(sub: Subparsers, commands: Commands) -> None:
    p = add_command(
        sub, "diff", commands["diff"], "what changed between two points of a case, and why"
    )
    p.add_argument("case", metavar="FILE|CASE")
    p.add_argument(
        "--from", dest="start", required=True, metavar="T1", help="the earlier point (inclusive)"
    )
    p.add_argument(
        "--to", dest="end", required=True, metavar="T2", help="the later point (inclusive)"
    )
    add_json(p)


def _train_command(sub: Subparsers, commands: Commands) -> None:
    p = add_command(
        sub,
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
    add_json(p, "with --summary: one JSON document on stdout")


def _verify_command(sub: Subparsers, commands: Commands) -> None:
    p = add_command(sub, "verify", commands["verify"], "check the event history's hash chain")
    p.add_argument("case", nargs="?", metavar="CASE")
    p.add_argument(
        "--head",
        metavar="CASE:N:HASH",
        help="also check a chain head printed earlier (at the end of a report or export)",
    )


def build_parser(commands: Commands) -> argparse.ArgumentParser:
    """The parser; `commands` gives each command's function by its name (`app`: no command)."""
    from hypotrack.cli.team import add_team_commands

    parser = argparse.ArgumentParser(prog="hypotrack", description=DESCRIPTION)
    parser.add_argument(
        "--store",
        metavar="PATH|URL",
        help="the store: a file, or a team store's postgresql:// URL (default: $HYPOTRACK_STORE, "
        "else $HYPOTRACK_HOME/hypotrack.db or your data folder)",
    )
    parser.set_defaults(func=commands["app"])
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    _reading_commands(sub, commands)
    _store_commands(sub, commands)
    _diff_command(sub, commands)
    _train_command(sub, commands)
    _verify_command(sub, commands)
    add_team_commands(sub)
    return parser
