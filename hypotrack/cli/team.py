"""The team store's commands: `team init|add|allocate`, `store copy --to`, `access-log`.

Kept apart from the core commands so they stay readable; they share the same helpers and exit
codes (0 ok, 2 bad input, 1 anything else).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, Any

from hypotrack.cli.errors import BadInput
from hypotrack.cli.json_out import emit_json
from hypotrack.cli.lookup import open_store
from hypotrack.cli.parser import add_command, add_json, group_parser
from hypotrack.cli.tables import table

if TYPE_CHECKING:
    from hypotrack.cli.parser import Subparsers


def _team_url(args: argparse.Namespace) -> str:
    """The team store's URL: --store or $HYPOTRACK_STORE; a file is bad input here."""
    from hypotrack.store.open import store_ref
    from hypotrack.store.postgres import is_url

    ref = store_ref(args.store)
    if not is_url(ref):
        raise BadInput(
            "team commands work on a team store: give --store postgresql://USER@HOST:PORT/DATABASE "
            "or set HYPOTRACK_STORE"
        )
    return str(ref)


def _admin(call: Any, *args: Any) -> Any:
    """Run an administration call; a refusal or a failed connection is one sentence."""
    try:
        return call(*args)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def cmd_team_init(args: argparse.Namespace) -> int:
    from hypotrack.store.postgres import describe_url
    from hypotrack.store.team import init_store

    url = _team_url(args)
    applied = _admin(init_store, url)
    where = describe_url(url)
    if applied:
        print(f"Set up {where} (schema {max(applied)}).")
    else:
        print(f"{where} is up to date; nothing to do.")
    return 0


def _read_password(name: str) -> str:
    """A new person's password: asked twice on a terminal, else one line from stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("Again: ") != first:
            raise BadInput("the two passwords differ; nothing was changed")
    else:
        first = sys.stdin.readline().rstrip("\n")
    if not first:
        raise BadInput("an empty password; nothing was changed")
    return first


def cmd_team_add(args: argparse.Namespace) -> int:
    from hypotrack.store.team import add_person

    url = _team_url(args)
    password = _read_password(args.name) if args.password else None
    new = _admin(add_person, url, args.name, args.role, args.team, password)
    verb = "Added" if new else "Updated"
    print(f"{verb} {args.name}: {args.role} in team {args.team}.")
    return 0


def cmd_team_allocate(args: argparse.Namespace) -> int:
    from hypotrack.store.team import allocate

    url = _team_url(args)
    _admin(allocate, url, args.case, args.name)
    print(f"Allocated case {args.case} to {args.name}.")
    return 0


def cmd_access_log(args: argparse.Namespace) -> int:
    from hypotrack.store.team import access_log

    _team_url(args)
    store = open_store(args.store)
    try:
        entries = _admin(access_log, store, args.case)
    finally:
        store.close()
    if args.json:
        emit_json(
            {
                "entries": [
                    {
                        "at": e.at,
                        "who": e.who,
                        "case": e.case_id,
                        "action": e.action,
                        "outcome": e.outcome,
                    }
                    for e in entries
                ]
            }
        )
        return 0
    if not entries:
        print("No reads logged" + (f" for case {args.case}." if args.case else "."))
        return 0
    print(
        table(
            [[e.at[:19], e.who, e.case_id, e.action, e.outcome] for e in entries],
            ["when (UTC)", "who", "case", "how", "outcome"],
        )
    )
    return 0


def cmd_store_copy(args: argparse.Namespace) -> int:
    from hypotrack.store.base import StoreError
    from hypotrack.store.copy import copy_cases
    from hypotrack.store.open import open_store as open_any

    source = open_store(args.store)
    try:
        try:
            target = open_any(args.to, purpose="copy")
        except StoreError as exc:
            exc.args = (f"--to: {exc}",)
            raise
        try:
            report = copy_cases(source, target, args.case or None)
        finally:
            target.close()
    finally:
        source.close()
    for line in report.lines:
        print(line)
    print(
        f"Copied {report.copied} case{'s' if report.copied != 1 else ''}"
        f" ({report.events} events); {report.skipped} already there; "
        f"{len(report.problems)} not copied."
    )
    for problem in report.problems:
        print(problem, file=sys.stderr)
    return 1 if report.problems else 0


TEAM_DOC = (
    "Set up a team store on PostgreSQL and its people. Every command signs in as the URL's user: "
    "`init` needs the database's owner, `add` a role that may create roles."
)
TEAM_STORE = "the team store's postgresql:// URL (default: $HYPOTRACK_STORE)"


def add_team_commands(sub: Subparsers) -> None:
    """Register the team store's commands on the main parser's subcommands."""
    team = group_parser(
        sub, "team", "set up a team store and its people (PostgreSQL)", TEAM_DOC, "team commands"
    )
    add_command(
        team,
        "init",
        cmd_team_init,
        "create or upgrade the team store's schema, roles and policies (idempotent)",
        store_metavar="URL",
        store_help=TEAM_STORE,
    )
    p = add_command(
        team,
        "add",
        cmd_team_add,
        "add a person (a login role) with a role and a team",
        store_metavar="URL",
        store_help=TEAM_STORE,
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--role", required=True, choices=["worker", "supervisor", "trainer", "admin"])
    p.add_argument("--team", required=True, metavar="T")
    p.add_argument(
        "--password",
        action="store_true",
        help="set the person's password (asked twice; or one line on stdin)",
    )
    p = add_command(
        team,
        "allocate",
        cmd_team_allocate,
        "let a person see and work on a case",
        store_metavar="URL",
        store_help=TEAM_STORE,
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("name", metavar="NAME")
    _store_copy_command(sub)
    p = add_command(
        sub, "access-log", cmd_access_log, "who read which case, when (team store; admins)"
    )
    p.add_argument("case", nargs="?", metavar="CASE")
    add_json(p)


def _store_copy_command(sub: Subparsers) -> None:
    store = group_parser(
        sub, "store", "move cases between stores", "move cases between stores", "store commands"
    )
    p = add_command(
        store,
        "copy",
        cmd_store_copy,
        "copy the cases of this store into another, history and hash chain intact",
        store_help="the source store",
        description="copy the cases of this store (--store) into another (--to), history and "
        "hash chain intact; cases already there are left alone",
    )
    p.add_argument("--to", required=True, metavar="PATH|URL", help="the store to copy into")
    p.add_argument("case", nargs="*", metavar="CASE", help="only these cases (default: all)")
