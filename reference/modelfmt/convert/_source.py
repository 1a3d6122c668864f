"""What every reader of another format produces: tensors declared up front, bytes streamed on demand.

A `Source` lists each tensor's name, dtype (a modelfmt registry name), shape and role before any data
is read, which is exactly what the streaming writers need to lay out their header. Each tensor's bytes
(little-endian, C order) arrive later from `chunks()`, a piece at a time, so converting holds one chunk
in memory (one tensor at most, for layouts that must be reordered), never the whole model.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from ..format._dtypes import DTYPES
from ._errors import ConversionError

# Large enough that the per-chunk cost of a system call and a Python loop turn is negligible next to
# copying and hashing 16 MiB, small enough that a few chunks in flight are harmless in memory.
CHUNK_BYTES: Final = 16 * 1024 * 1024

Chunk = bytes | bytearray | memoryview
ChunkSource = Callable[[], Iterator[Chunk]]


@dataclass(frozen=True)
class SourceTensor:
    name: str
    dtype: str  # a name of the modelfmt dtype registry (SPEC.md §6)
    shape: tuple[int, ...]
    chunks: ChunkSource  # the tensor's bytes, little-endian and C order, in pieces of any size
    role: str = "parameter"

    @property
    def length(self) -> int:
        return DTYPES[self.dtype].byte_length(math.prod(self.shape))


@dataclass
class Source:
    """A model read from another format. `close()` releases the files the chunk sources read from."""

    format: str
    tensors: list[SourceTensor]
    metadata: dict[str, object] = field(default_factory=dict)
    architecture: dict[str, object] | None = None
    training: dict[str, object] | None = None
    extensions: dict[str, object] | None = None
    notes: list[str] = field(default_factory=list)  # what a person should know: dropped data, heuristics
    resources: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def close(self) -> None:
        self.resources.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def file_chunks(fd: int, offset: int, length: int, *, what: str) -> Iterator[bytes]:
    """`length` bytes of an open file from `offset`, a chunk at a time (pread: no shared file position)."""
    position, end = offset, offset + length
    while position < end:
        chunk = os.pread(fd, min(CHUNK_BYTES, end - position), position)
        if not chunk:
            raise ConversionError(f"{what}: the file ended at byte {position}, expected {end - position} more bytes")
        position += len(chunk)
        yield chunk


def array_chunks(array: np.ndarray) -> Iterator[Chunk]:
    """The little-endian C-order bytes of an array (possibly memory-mapped, strided or big-endian).

    Contiguous little-endian arrays are sliced without copying; any other layout is copied a block of
    leading-axis rows at a time, so memory stays near `CHUNK_BYTES` whatever the array's size.
    """
    if array.size == 0:
        return
    little = array.dtype.byteorder != ">"
    if little and array.flags.c_contiguous:
        flat = array.reshape(-1).view(np.uint8)
        for start in range(0, flat.size, CHUNK_BYTES):
            yield flat[start : start + CHUNK_BYTES].data
        return
    if array.ndim == 0:
        yield _little_endian(np.ascontiguousarray(array)).tobytes()
        return
    row_bytes = max(1, array.nbytes // array.shape[0])
    rows = max(1, CHUNK_BYTES // row_bytes)
    for start in range(0, array.shape[0], rows):
        block = _little_endian(np.ascontiguousarray(array[start : start + rows]))
        yield block.reshape(-1).view(np.uint8).data


def _little_endian(array: np.ndarray) -> np.ndarray:
    return array.astype(array.dtype.newbyteorder("<")) if array.dtype.byteorder == ">" else array
