"""Atomic replacement of a file: write a temporary file beside it, fsync, rename, fsync the directory.

A crash, a kill or a full disk leaves the previous file (or no file) under the destination name,
never a partial one. A killed process may leave its `.NAME.*.partial` temporary file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def _default_mode(destination: Path) -> int:
    """Keep an existing file's permissions; otherwise what open() would give (0o666 less the umask)."""
    try:
        return stat.S_IMODE(destination.stat().st_mode)
    except FileNotFoundError:
        pass
    umask = 0o022
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk (POSIX); Windows has no such call.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a file open for writing; on normal exit it replaces `path` atomically, else it vanishes."""
    destination = Path(path)
    directory = destination.parent
    mode = _default_mode(destination)
    if not directory.is_dir():  # else mkstemp's error would name a temporary file the caller never chose
        raise FileNotFoundError(
            errno.ENOENT, f"the folder to write {destination.name} into does not exist", str(directory)
        )
    fd, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".partial", dir=directory)
    try:
        with os.fdopen(fd, "w+b") as stream:
            os.fchmod(stream.fileno(), mode)
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, destination)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)
