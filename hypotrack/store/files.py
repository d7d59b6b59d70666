"""Writing a file that holds case text: private from its first byte, whole or not at all.

An export is created in the target folder under an unpredictable name (``mkstemp``: ``O_EXCL``,
mode 0600, so a file or symlink planted there in advance cannot be opened in its place), written,
fsynced, and only then given its name. Without ``force`` the name is taken with a hard link, which
fails if anything (a file, a symlink, even a dangling one) already holds it, so there is no moment
between "it does not exist" and "write it" for anyone to slip a file in. On any failure the
temporary file is removed: nothing is left behind.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from hypotrack.domain.errors import BadInputError

__all__ = ["FileRefused", "write_private"]


class FileRefused(BadInputError):
    """The file could not be written where asked; the message says why and what to do."""


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full; free some space and try again"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied; choose a folder you can write to"
    if exc.errno == errno.EROFS:
        return "the file system is read-only; choose another folder"
    return exc.strerror or type(exc).__name__


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte (os.write may write fewer than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_private(path: str | os.PathLike[str], text: str, *, force: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path``, mode 0600, atomically.

    Args:
        path: The file to write. Its folder must exist.
        text: What to write.
        force: Replace a file (or symlink: the link itself, never what it points to) that is there.

    Returns:
        The path written.

    Raises:
        FileRefused: The path is a folder, its folder is missing, it exists and ``force`` is not
            given, or the write failed (a full disk, say); nothing was left behind.
    """
    out = Path(path)
    _check_target(out, force=force)
    tmp = _private_copy(out, text.encode("utf-8"))
    with _removed_on_failure(tmp, out):
        _give_name(tmp, out, force=force)
        _sync_folder(out.parent)
    return out


@contextmanager
def _removed_on_failure(tmp: Path, out: Path) -> Iterator[None]:
    """Remove ``tmp`` if the block fails; a failed write says that nothing was written."""
    try:
        yield
    except BaseException as exc:
        with suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise FileRefused(
                f"could not write {out}: {_reason(exc)}; nothing was written"
            ) from None
        raise


def _exists_already(out: Path) -> FileRefused:
    return FileRefused(f"{out} exists already; add --force to replace it, or choose another name")


def _check_target(out: Path, *, force: bool) -> None:
    """Refuse a folder, a missing folder, or (without ``force``) a name already taken."""
    folder = out.parent
    if out.name in ("", ".", "..") or out.is_dir():
        raise FileRefused(f"{out} is a folder; give a file name, e.g. {out / 'report.html'}")
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise FileRefused(f"the folder {folder} {what}; create it first, or choose another path")
    if not force and (out.exists() or out.is_symlink()):
        raise _exists_already(out)


def _private_copy(out: Path, data: bytes) -> Path:
    """``data`` in a new file beside ``out`` under an unpredictable name (0600), fsynced.

    The file is removed again if writing it fails.
    """
    folder = out.parent
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        raise FileRefused(f"cannot write in {folder}: {_reason(exc)}") from None
    tmp = Path(tmp_name)
    with _removed_on_failure(tmp, out):
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    return tmp


def _give_name(tmp: Path, out: Path, *, force: bool) -> None:
    """Rename the written file to ``out``: replacing what is there with ``force``, else only
    if the name is free at that very moment (a hard link fails if anything holds it)."""
    if force:
        os.replace(tmp, out)
        return
    try:
        os.link(tmp, out)  # fails if anything holds the name: no clobbering in a race
    except FileExistsError:
        raise _exists_already(out) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # A file system without hard links: the check above is the best there is.
        if out.exists() or out.is_symlink():
            raise _exists_already(out) from None
        os.replace(tmp, out)
    else:
        tmp.unlink()


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every file system can sync a folder)."""
    with suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
