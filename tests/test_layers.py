"""DESIGN §8's layer rules, checked by import-linter against the contracts in pyproject.toml.

cli | tui over services over report over reasoning | store over domain; only reasoning imports
pgmpy and only tui imports textual. Imports inside functions count.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

import hypotrack

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"


def lint(config: Path = CONFIG) -> tuple[int, str]:
    """Run the contracts in this process: (exit code, report)."""
    from importlinter.cli import lint_imports

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    return code, out.getvalue()


def test_the_layer_contracts_hold() -> None:
    # The package the contracts read is this checkout's.
    assert Path(hypotrack.__file__).resolve().parent == ROOT / "hypotrack"
    code, report = lint()
    assert code == 0, report
    assert "Contracts: 3 kept, 0 broken." in report


def test_an_upward_import_breaks_the_contracts(tmp_path: Path) -> None:
    """The contracts catch a break: a copy of the package with domain reaching into cli and the
    store importing pgmpy fails both (in a process of its own: this one has imported the real
    package already)."""
    shutil.copytree(
        ROOT / "hypotrack", tmp_path / "hypotrack", ignore=shutil.ignore_patterns("*.pyc")
    )
    with (tmp_path / "hypotrack" / "domain" / "__init__.py").open("a") as f:
        f.write("\nimport hypotrack.cli  # noqa\n")
    with (tmp_path / "hypotrack" / "store" / "__init__.py").open("a") as f:
        f.write("\nimport pgmpy  # noqa\n")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1])\n"
            "from importlinter.cli import lint_imports\n"
            "sys.exit(lint_imports(config_filename=sys.argv[2], no_cache=True, no_logo=True))",
            str(tmp_path),
            str(CONFIG),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "hypotrack.domain is not allowed to import hypotrack.cli" in done.stdout
    assert "hypotrack.store is not allowed to import pgmpy" in done.stdout
