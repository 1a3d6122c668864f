"""The dtype registry of SPEC.md §6, held as data.

Each entry maps a format name to its storage (block of `block_elements` elements in `block_bytes`
bytes, little-endian) and to the numpy dtype the reference implementation uses. All v1.0 types have
one element per block; sub-byte and block-quantized types fit the same table later.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import mul
from typing import Final

import ml_dtypes
import numpy as np


@dataclass(frozen=True)
class DType:
    name: str
    block_elements: int
    block_bytes: int
    numpy: np.dtype[np.generic]
    encoding: str

    def byte_length(self, element_count: int) -> int:
        """Exact byte length of `element_count` elements (Python ints never overflow)."""
        blocks = -(-element_count // self.block_elements)
        return blocks * self.block_bytes


def _le(spec: str | type) -> np.dtype[np.generic]:
    return np.dtype(spec).newbyteorder("<")


_ROWS: Final[tuple[DType, ...]] = (
    DType("bool", 1, 1, np.dtype(np.bool_), "0x00 false, 0x01 true; other values invalid"),
    DType("int8", 1, 1, np.dtype(np.int8), "two's complement"),
    DType("int16", 1, 2, _le(np.int16), "two's complement"),
    DType("int32", 1, 4, _le(np.int32), "two's complement"),
    DType("int64", 1, 8, _le(np.int64), "two's complement"),
    DType("uint8", 1, 1, np.dtype(np.uint8), "unsigned"),
    DType("uint16", 1, 2, _le(np.uint16), "unsigned"),
    DType("uint32", 1, 4, _le(np.uint32), "unsigned"),
    DType("uint64", 1, 8, _le(np.uint64), "unsigned"),
    DType("float16", 1, 2, _le(np.float16), "IEEE 754 binary16"),
    DType("bfloat16", 1, 2, np.dtype(ml_dtypes.bfloat16), "upper 16 bits of IEEE 754 binary32"),
    DType("float32", 1, 4, _le(np.float32), "IEEE 754 binary32"),
    DType("float64", 1, 8, _le(np.float64), "IEEE 754 binary64"),
    DType("float8_e4m3fn", 1, 1, np.dtype(ml_dtypes.float8_e4m3fn), "OCP FP8 E4M3, bias 7, no infinities"),
    DType("float8_e5m2", 1, 1, np.dtype(ml_dtypes.float8_e5m2), "OCP FP8 E5M2, bias 15, IEEE-like"),
)

DTYPES: Final[dict[str, DType]] = {row.name: row for row in _ROWS}

# Bytes per element of the dtypes stored one element per block (all of 1.0): their lengths are one multiplication.
_ELEMENT_BYTES: Final = {row.name: row.block_bytes for row in _ROWS if row.block_elements == 1}


def byte_lengths(names: Sequence[str], element_counts: Iterable[int]) -> list[int]:
    """`DTYPES[name].byte_length(count)` for each pair, as a table of 10^5 tensors needs it: one multiplication
    each, in C, while every dtype stores one element per block. Every name must be in the registry."""
    if len(_ELEMENT_BYTES) == len(DTYPES) or set(names) <= _ELEMENT_BYTES.keys():
        return list(map(mul, element_counts, map(_ELEMENT_BYTES.__getitem__, names)))
    return [DTYPES[name].byte_length(count) for name, count in zip(names, element_counts, strict=True)]

# numpy dtype -> registry entry, for writers. Keyed by the native-order dtype; big-endian input is
# byte-swapped by the writer before it is stored.
_BY_NUMPY: Final[dict[np.dtype[np.generic], DType]] = {row.numpy.newbyteorder("="): row for row in _ROWS}


def dtype_of_numpy(dtype: np.dtype[np.generic]) -> DType | None:
    """The registry entry for a numpy dtype of either byte order, or None. A structured or subarray
    dtype is never one, and neither is raw void: bfloat16 and float8 arrays are recognised only with
    their ml_dtypes types."""
    return _BY_NUMPY.get(dtype) or _BY_NUMPY.get(dtype.newbyteorder("="))


def dtype_of_array(array: np.ndarray) -> DType:
    """The registry entry for an array's dtype, or TypeError naming the supported ones."""
    entry = dtype_of_numpy(array.dtype)
    if entry is None:
        raise TypeError(f"dtype {array.dtype} has no modelfmt equivalent; supported: {', '.join(DTYPES)}")
    return entry
