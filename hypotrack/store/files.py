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
from contextlib import suppress
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
    folder = out.parent
    if out.name in ("", ".", "..") or out.is_dir():
        raise FileRefused(f"{out} is a folder; give a file name, e.g. {out / 'report.html'}")
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise FileRefused(f"the folder {folder} {what}; create it first, or choose another path")
    if not force and (out.exists() or out.is_symlink()):
        raise FileRefused(
            f"{out} exists already; add --force to replace it, or choose another name"
        )
    data = text.encode("utf-8")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        raise FileRefused(f"cannot write in {folder}: {_reason(exc)}") from None
    tmp = Path(tmp_name)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if force:
            os.replace(tmp, out)
        else:
            try:
                os.link(tmp, out)  # fails if anything holds the name: no clobbering in a race
            except FileExistsError:
                raise FileRefused(
                    f"{out} exists already; add --force to replace it, or choose another name"
                ) from None
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                    raise
                # A file system without hard links: the check above is the best there is.
                if out.exists() or out.is_symlink():
                    raise FileRefused(
                        f"{out} exists already; add --force to replace it, or choose another name"
                    ) from None
                os.replace(tmp, out)
            else:
                tmp.unlink()
        with suppress(OSError):  # the rename is durable once the folder is synced
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except FileRefused:
        with suppress(OSError):
            tmp.unlink()
        raise
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink()
        raise FileRefused(f"could not write {out}: {_reason(exc)}; nothing was written") from None
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise
    return out
