"""npz archives written by modelfmt (`convert --to npz`, `run --output`): member names that are never paths.

An `.npz` is a zip with one `NAME.npy` member per array, and zip members are extracted as paths: a
tensor or output named `../../../../x` or `/etc/x` would become a member that `unzip` writes outside
its directory. Names are opaque labels in modelfmt (SPEC.md §7.3, §9.4) and may hold any of `/`, `\\`,
`:` and `..`, so every name is percent-encoded on its way into a member name: `%`, `/`, `\\`, `:` and
control characters become `%XX` (upper-case hex of the code point). The result has no separator, so
it cannot be absolute, carry a drive letter or climb with `..`; the encoding is one-to-one, and
reading an npz decodes exactly these escapes, so names survive a round trip.

`write_arrays` writes in-memory arrays (the outputs of a run) as `numpy.savez` would, but with encoded
names and without keyword arguments, so that no name can collide with one of savez's parameters
(`file`, `allow_pickle`), and atomically.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import numpy as np
from numpy.lib import format as npy_format

from ..container._atomic import atomic_write

_ESCAPED: Final = "%/\\:" + "".join(chr(code) for code in (*range(0x20), *range(0x7F, 0xA0)))
_ENCODE: Final = {ord(char): f"%{ord(char):02X}" for char in _ESCAPED}
_DECODE: Final = {f"%{ord(char):02X}": char for char in _ESCAPED}
_ESCAPE: Final = re.compile("|".join(re.escape(escape) for escape in _DECODE))
SUFFIX: Final = ".npy"


def member_name(name: str) -> str:
    """The npz member holding the array `name`: a plain file name whatever the name holds."""
    return name.translate(_ENCODE) + SUFFIX


def array_name(member: str) -> str:
    """The array name of the npz member `member` (which ends with `.npy`): `member_name` undone."""
    return _ESCAPE.sub(lambda match: _DECODE[match.group(0)], member[: -len(SUFFIX)])


def write_arrays(destination: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write `arrays` as an uncompressed `.npz` (numpy.savez's layout), replacing `destination` atomically."""
    with (
        atomic_write(destination) as stream,
        zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED, allowZip64=True) as archive,
    ):
        for name, array in arrays.items():
            with archive.open(member_name(name), "w", force_zip64=True) as member:
                npy_format.write_array(member, np.asanyarray(array), allow_pickle=False)
