"""The command line (DESIGN §9). With no subcommand it opens the app.

Exit codes: 0 ok, 2 bad input (a message on stderr naming the place), 1 anything else.
Heavy modules are imported inside each command: `hypotrack --help` and `hypotrack check`
load neither pgmpy nor textual.
"""

from __future__ import annotations

import argparse
import os
import sys

from hypotrack.cli import lookup
from hypotrack.cli.analyse import cmd_beliefs, cmd_flags, cmd_next, cmd_replay
from hypotrack.cli.cases import cmd_cases, cmd_check, cmd_export, cmd_import, cmd_new, cmd_verify
from hypotrack.cli.diff import cmd_diff
from hypotrack.cli.parser import Command, build_parser
from hypotrack.cli.terminal import SafeStream
from hypotrack.cli.train import cmd_train
from hypotrack.domain.errors import HypotrackError


def cmd_app(args: argparse.Namespace) -> int:
    from hypotrack.tui.app import run_app

    return run_app(store_path=args.store)


def commands() -> dict[str, Command]:
    """Each command's function by its name, read when the parser is built (so a test can
    replace one in this module)."""
    return {
        "app": cmd_app,
        "check": cmd_check,
        "beliefs": cmd_beliefs,
        "flags": cmd_flags,
        "next": cmd_next,
        "replay": cmd_replay,
        "cases": cmd_cases,
        "import": cmd_import,
        "export": cmd_export,
        "new": cmd_new,
        "diff": cmd_diff,
        "train": cmd_train,
        "verify": cmd_verify,
    }


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(commands())
    args = parser.parse_args(argv)
    if not hasattr(args, "store"):
        args.store = None
    lookup.PURPOSE = args.func.__name__.removeprefix("cmd_").replace("_", "-")
    real = sys.stdout, sys.stderr
    # An export piped to a file or a program is data and goes out byte for byte; on a terminal,
    # and for every other command, case text is made safe first.
    if args.func is not cmd_export or sys.stdout.isatty():
        sys.stdout = SafeStream(sys.stdout)  # type: ignore[assignment]
    sys.stderr = SafeStream(sys.stderr)  # type: ignore[assignment]
    try:
        return _run(args)
    finally:
        sys.stdout, sys.stderr = real


def _debug_report(exc: BaseException) -> None:
    """HYPOTRACK_DEBUG: the frames and exception types, never a message that may quote case text."""
    from hypotrack.domain.errors import failure_report

    print(failure_report(exc), end="", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or 0)
    except HypotrackError as exc:
        # Bad input, an unusable store (exit 2: the message says what to do) or a damaged one.
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a last resort: a readable line, the traceback only on request
        if os.environ.get("HYPOTRACK_DEBUG"):
            _debug_report(exc)
        print(
            f"hypotrack: unexpected error ({type(exc).__name__}); set HYPOTRACK_DEBUG=1 for details",
            file=sys.stderr,
        )
        return 1
