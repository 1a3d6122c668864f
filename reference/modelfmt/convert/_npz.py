"""npz archives written by modelfmt (`convert --to npz`, `run --output`): member names that are never paths.

An `.npz` is a zip with one `NAME.npy` member per array, and zip members are extracted as paths: a
tensor or output named `../../../../x` or `/etc/x` would become a member that `unzip` writes outside
its directory. Names are opaque labels in modelfmt (SPEC.md §7.3, §9.4) and may hold any of `/`, `\\`,
`:` and `..`, so every name is percent-encoded on its way into a member name: `%`, `/`, `\\`, `:` and
control characters become `%XX` (upper-case hex of the code point). The result has no separator, so
it cannot be absolute, carry a drive letter or climb with `..`. A name whose part before its first
`.` is a Windows device name (`CON`, `nul.weight`, `COM1`: Windows opens the device whatever the
extension) has its first character encoded too (`%43ON`). The encoding is one-to-one (a `%` of the
name is always `%25`, so every other `%XX` is an escape), and reading an npz decodes exactly these
escapes, so names survive a round trip.

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
# Windows opens these devices for any file named so, whatever the extension and case.
_DEVICES: Final = frozenset(
    {
        "CON",
        "PRN",
        "AUX",
        "NUL",
        "CONIN$",
        "CONOUT$",
        *(f"{port}{n}" for port in ("COM", "LPT") for n in "0123456789¹²³"),
    }
)
_LEADING: Final = re.compile("%([0-9A-F]{2})")
SUFFIX: Final = ".npy"


def _is_device(encoded: str) -> bool:
    return encoded.partition(".")[0].rstrip(" ").upper() in _DEVICES


def member_name(name: str) -> str:
    """The npz member holding the array `name`: a plain file name whatever the name holds."""
    encoded = name.translate(_ENCODE)
    if _is_device(encoded):
        encoded = f"%{ord(encoded[0]):02X}{encoded[1:]}"  # device names start with an ASCII letter
    return encoded + SUFFIX


def array_name(member: str) -> str:
    """The array name of the npz member `member` (which ends with `.npy`): `member_name` undone."""
    encoded = member[: -len(SUFFIX)]
    leading = _LEADING.match(encoded)
    if leading is not None and _is_device(chr(int(leading.group(1), 16)) + encoded[3:]):
        encoded = chr(int(leading.group(1), 16)) + encoded[3:]
    return _ESCAPE.sub(lambda match: _DECODE[match.group(0)], encoded)


def write_arrays(destination: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write `arrays` as an uncompressed `.npz` (numpy.savez's layout), replacing `destination` atomically."""
    with (
        atomic_write(destination) as stream,
        zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED, allowZip64=True) as archive,
    ):
        for name, array in arrays.items():
            with archive.open(member_name(name), "w", force_zip64=True) as member:
                npy_format.write_array(member, np.asanyarray(array), allow_pickle=False)
