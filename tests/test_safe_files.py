"""`export -o`: a new private file, whole or not at all, never redirected, bad paths refused."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from hypotrack import cli
from hypotrack.store import files
from hypotrack.store.files import FileRefused, write_private

EXAMPLE = "models/examples/case-format.yaml"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_new_file_is_private_and_whole(tmp_path: Path) -> None:
    out = write_private(tmp_path / "r.html", "<p>x</p>")
    assert out.read_text() == "<p>x</p>"
    assert out.stat().st_mode & 0o777 == 0o600
    assert leftovers(tmp_path) == []


def test_an_existing_file_is_refused_without_force(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text("old")
    with pytest.raises(FileRefused, match="--force"):
        write_private(target, "new")
    assert target.read_text() == "old"
    write_private(target, "new", force=True)
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o600
    assert leftovers(tmp_path) == []


def test_a_planted_symlink_cannot_redirect_the_file(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for name in ("r.html.part", ".r.html.part", "r.html"):
        (tmp_path / name).symlink_to(victim)
    with pytest.raises(FileRefused, match="exists already"):
        write_private(tmp_path / "r.html", "case text")
    # With --force the link itself is replaced, never what it points to.
    write_private(tmp_path / "r.html", "case text", force=True)
    assert victim.read_text() == "precious"
    assert not (tmp_path / "r.html").is_symlink()
    assert (tmp_path / "r.html").read_text() == "case text"


def test_a_full_disk_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int, data: bytes) -> None:
        os.write(fd, data[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_write_all", full)
    with pytest.raises(FileRefused, match="disk is full"):
        write_private(tmp_path / "r.html", "x" * 1000)
    assert list(tmp_path.iterdir()) == []


def test_bad_paths_are_exit_2_with_a_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path, words in (
        (tmp_path, "is a folder"),
        (tmp_path / "missing" / "r.html", "does not exist"),
    ):
        code = cli.main(["export", EXAMPLE, "--format", "md", "-o", str(path)])
        err = capsys.readouterr().err
        assert code == 2 and words in err, err
    target = tmp_path / "r.md"
    assert cli.main(["export", EXAMPLE, "--format", "md", "-o", str(target)]) == 0
    assert target.stat().st_mode & 0o777 == 0o600
    assert cli.main(["export", EXAMPLE, "--format", "md", "-o", str(target)]) == 2
    assert "--force" in capsys.readouterr().err
    assert cli.main(["export", EXAMPLE, "--format", "md", "-o", str(target), "--force"]) == 0
