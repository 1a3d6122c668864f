"""Bounds on a checkpoint's pickle, checked before torch reads it.

torch's `weights_only` unpickler builds every object the pickle describes, in Python: one opcode byte
(`}`, an empty dict) becomes about 80 bytes of memory, so a 16 MiB pickle of nothing else holds 1.3 GB
and takes half a minute to load. A state dict needs about 30 opcodes per tensor, so a pickle is refused
beyond `MAX_PICKLE_OPCODES` opcodes or `MAX_PICKLE_BYTES` bytes, which no convertible checkpoint
reaches. Two functions the unpickler allows would turn a small number in the file into resident memory
and are refused wherever the pickle names them: `bytearray(n)` (n zero bytes; modelfmt cannot store a
bytearray anyway) and `_rebuild_device_tensor_from_cpu_tensor` (a dtype conversion, which copies a
broadcast view into memory at its full size; a CPU checkpoint never needs it).

Opcodes are read with `pickletools.genops`, a disassembler: it reads each opcode and its argument and
never builds an object or calls anything.

A zip checkpoint (torch >= 1.6) is first bounded like every zip source (`_zipguard`), since torch
inflates a compressed `data.pkl` whole; then each `data.pkl` is scanned. A legacy checkpoint is a
sequence of pickles (magic number, protocol, system information, the object tree, storage keys)
followed by raw storage bytes; the pickles are scanned from the file's start.
"""

from __future__ import annotations

import io
import pickletools
import zipfile
from pathlib import Path
from typing import Final

from ..format._limits import MAX_TENSORS
from ._errors import EXPANSION, ConversionError
from ._zipguard import DAMAGED_ENTRY, check_archive

# 16 opcodes per tensor at the tensor limit: about 140k tensors of a state dict (the largest published
# checkpoints hold under 100k), and at most ~330 MB of objects for a pickle of nothing but containers.
MAX_PICKLE_OPCODES: Final = 16 * MAX_TENSORS
# A state dict at the tensor limit is about 30 MiB of pickle; strings beyond that are not metadata.
MAX_PICKLE_BYTES: Final = 64 * 1024 * 1024
# The pickles at the start of a legacy (pre-zip) checkpoint, in order.
_LEGACY_PICKLES: Final = 5
_ALLOCATING: Final[dict[str, str]] = {
    "builtins bytearray": "bytearray(n) allocates n bytes",
    "torch._utils _rebuild_device_tensor_from_cpu_tensor": "a dtype conversion copies a view at its full size",
    "torch._utils _rebuild_device_tensor_from_numpy": "a dtype conversion copies a view at its full size",
}


def check_zip_checkpoint(path: Path, *, where: str, max_ratio: int) -> None:
    """Bound a zip checkpoint's entries and scan its pickle, before torch opens it."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(archive, path.stat().st_size, where=where, max_ratio=max_ratio)
            opcodes = 0
            for info in archive.infolist():
                if info.filename.rsplit("/", 1)[-1] != "data.pkl":
                    continue
                if info.file_size > MAX_PICKLE_BYTES:
                    raise _too_large(where, f"`{info.filename}` is {info.file_size} bytes")
                opcodes = _scan(io.BytesIO(archive.read(info)), opcodes, 1, where)
    except (*DAMAGED_ENTRY, ValueError) as exc:
        raise ConversionError(f"{where}: not a readable PyTorch checkpoint: {exc}") from None


def check_legacy_checkpoint(path: Path, *, where: str) -> None:
    """Scan the pickles at the start of a legacy checkpoint, before torch opens it."""
    with open(path, "rb") as file:
        head = io.BytesIO(file.read(MAX_PICKLE_BYTES + 1))
    try:
        _scan(head, 0, _LEGACY_PICKLES, where)
    except ValueError as exc:
        if head.tell() > MAX_PICKLE_BYTES:  # the scan ran into the end of what was read
            raise _too_large(where, f"its pickles run past byte {MAX_PICKLE_BYTES}") from None
        raise ConversionError(f"{where}: not a readable PyTorch checkpoint: {exc}") from None


def _scan(stream: io.BytesIO, opcodes: int, pickles: int, where: str) -> int:
    """Count the opcodes of `pickles` consecutive pickles read from `stream`, on top of `opcodes` already
    counted; refuse allocating calls and too many opcodes. ValueError when malformed."""
    for _ in range(pickles):
        for opcode, argument, _position in pickletools.genops(stream):
            opcodes += 1
            if opcodes > MAX_PICKLE_OPCODES:
                raise _too_large(where, f"its pickle has more than {MAX_PICKLE_OPCODES} opcodes")
            if opcode.name in ("GLOBAL", "INST") and isinstance(argument, str):
                name = argument.replace("__builtin__ ", "builtins ", 1)
                if name in _ALLOCATING:
                    raise ConversionError(
                        f"{where}: the checkpoint calls {name.replace(' ', '.')}, refused before loading: "
                        f"{_ALLOCATING[name]} from a number in the file",
                        code=EXPANSION,
                    )
    return opcodes


def _too_large(where: str, what: str) -> ConversionError:
    return ConversionError(
        f"{where}: {what}; a checkpoint's pickle holds its structure, not its data, and is refused beyond "
        f"{MAX_PICKLE_OPCODES} opcodes or {MAX_PICKLE_BYTES} bytes (the objects it builds would exhaust memory)",
        code=EXPANSION,
    )
