"""A model folder whose members are opened without ever leaving it.

A folder's files may be symbolic links, and names read from its index or module list may try to climb
out of it; either could make a conversion copy a file from elsewhere (`~/.ssh/id_ed25519` as a
"config", `/etc/passwd` as a "shard") into its output. Every member is therefore reached through
`Folder`: the path is resolved, links included, and must stay inside the folder's own real path
(links that stay inside are followed); the resolved path is then opened one component at a time from
the folder's directory with `O_NOFOLLOW`, so a link swapped in after the check fails to open rather
than leading elsewhere; and only a regular file is read (a FIFO or a device is refused, opened
without blocking). Names from files go through `plain_name` first: no separators, no `..`.

A Hugging Face cache snapshot is a folder of links into a sibling `blobs/` directory: those leave the
folder and are refused; copy the snapshot with `cp -rL` (which follows the links) and convert the copy.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO, Final

from ._errors import OUTSIDE, ConversionError

# Plain file and directory names: what model folders use, and nothing a path could hide in.
_PLAIN_NAME: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}")
_READ: Final = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW


def plain_name(folder: Path, name: object, what: str) -> str:
    """`name` from an index or module list if it is a plain name inside the folder; refused otherwise."""
    if not isinstance(name, str) or not _PLAIN_NAME.fullmatch(name) or name.startswith(".."):
        raise ConversionError(f"{folder}: {what} {name!r} is not a plain file name inside the folder", code=OUTSIDE)
    return name


class Folder:
    """The directory `path`, given by the caller; its members are read only from inside it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._root = Path(os.path.realpath(path))

    def is_file(self, *parts: str) -> bool:
        """Whether the member is a regular file; ConversionError if it leads outside the folder."""
        return self._resolve(parts).is_file()

    def names(self) -> list[str]:
        """The names of the folder's entries (nothing is opened)."""
        return sorted(os.listdir(self._root))

    def open(self, *parts: str) -> BinaryIO:
        """The member `parts` (names inside the folder, then inside its subfolders), opened for reading."""
        relative = self._resolve(parts).relative_to(self._root).parts
        directory = os.open(self._root, _READ | os.O_DIRECTORY)
        try:
            for part in relative[:-1]:
                inner = os.open(part, _READ | os.O_DIRECTORY, dir_fd=directory)
                os.close(directory)
                directory = inner
            fd = os.open(relative[-1], _READ | os.O_NONBLOCK, dir_fd=directory)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # a link appeared after the check
                raise self._outside(parts, "changed into a link while it was opened") from None
            raise
        finally:
            os.close(directory)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ConversionError(f"{self._label(parts)}: not a regular file", code=OUTSIDE)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")

    def _resolve(self, parts: tuple[str, ...]) -> Path:
        """The member's real path (links resolved), refused unless it is inside the folder."""
        real = Path(os.path.realpath(self._root.joinpath(*parts)))
        if real == self._root or self._root not in real.parents:
            raise self._outside(parts, f"resolves to {real}, outside the folder")
        return real

    def _label(self, parts: tuple[str, ...]) -> str:
        return str(self.path.joinpath(*parts))

    def _outside(self, parts: tuple[str, ...], detail: str) -> ConversionError:
        return ConversionError(
            f"{self._label(parts)}: {detail}; a model folder is read only from inside itself (links that leave "
            "it, as in a Hugging Face cache snapshot, are refused: copy the folder with `cp -rL` and convert "
            "the copy)",
            code=OUTSIDE,
        )
