"""The dtype registry of SPEC.md §6, held as data.

Each entry maps a format name to its storage (block of `block_elements` elements in `block_bytes`
bytes, little-endian) and to the numpy dtype the reference implementation uses. All v1.0 types have
one element per block; sub-byte and block-quantized types fit the same table later.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import mul
from typing import Final

import numpy as np

# ml_dtypes takes longer to import than numpy itself (its extension registers a dozen types), and most files
# hold no bfloat16 or float8 tensor: it is imported when one of its types is first needed, so that
# `modelfmt check small.mf` does not pay for it.
_ML_DTYPES: Final = "ml_dtypes"


@dataclass(frozen=True)
class DType:
    name: str
    block_elements: int
    block_bytes: int
    # A little-endian numpy type string ("<f4"), or the name of an ml_dtypes type ("bfloat16") when
    # `from_ml_dtypes`: such a type exists in numpy only once ml_dtypes is imported.
    numpy_type: str
    encoding: str
    from_ml_dtypes: bool = False

    @cached_property
    def numpy(self) -> np.dtype[np.generic]:
        """The numpy dtype the reference implementation uses for this type (imports ml_dtypes if it must)."""
        if self.from_ml_dtypes:
            return _ml_dtypes_types()[self.numpy_type]
        return np.dtype(self.numpy_type)

    def byte_length(self, element_count: int) -> int:
        """Exact byte length of `element_count` elements (Python ints never overflow)."""
        blocks = -(-element_count // self.block_elements)
        return blocks * self.block_bytes


def _ml_dtypes_types() -> dict[str, np.dtype[np.generic]]:
    import ml_dtypes  # noqa: PLC0415  (see _ML_DTYPES)

    return {
        "bfloat16": np.dtype(ml_dtypes.bfloat16),
        "float8_e4m3fn": np.dtype(ml_dtypes.float8_e4m3fn),
        "float8_e5m2": np.dtype(ml_dtypes.float8_e5m2),
    }


_ROWS: Final[tuple[DType, ...]] = (
    DType("bool", 1, 1, "|b1", "0x00 false, 0x01 true; other values invalid"),
    DType("int8", 1, 1, "|i1", "two's complement"),
    DType("int16", 1, 2, "<i2", "two's complement"),
    DType("int32", 1, 4, "<i4", "two's complement"),
    DType("int64", 1, 8, "<i8", "two's complement"),
    DType("uint8", 1, 1, "|u1", "unsigned"),
    DType("uint16", 1, 2, "<u2", "unsigned"),
    DType("uint32", 1, 4, "<u4", "unsigned"),
    DType("uint64", 1, 8, "<u8", "unsigned"),
    DType("float16", 1, 2, "<f2", "IEEE 754 binary16"),
    DType("bfloat16", 1, 2, "bfloat16", "upper 16 bits of IEEE 754 binary32", from_ml_dtypes=True),
    DType("float32", 1, 4, "<f4", "IEEE 754 binary32"),
    DType("float64", 1, 8, "<f8", "IEEE 754 binary64"),
    DType("float8_e4m3fn", 1, 1, "float8_e4m3fn", "OCP FP8 E4M3, bias 7, no infinities", from_ml_dtypes=True),
    DType("float8_e5m2", 1, 1, "float8_e5m2", "OCP FP8 E5M2, bias 15, IEEE-like", from_ml_dtypes=True),
)

DTYPES: Final[dict[str, DType]] = {row.name: row for row in _ROWS}

# The names safetensors gives the same types (its header's "dtype"; `get_slice(...).get_dtype()`). Both store
# little-endian bytes, so a tensor's bytes are the same in either format.
SAFETENSORS_NAMES: Final[dict[str, str]] = {
    "bool": "BOOL",
    "uint8": "U8",
    "int8": "I8",
    "int16": "I16",
    "uint16": "U16",
    "int32": "I32",
    "uint32": "U32",
    "int64": "I64",
    "uint64": "U64",
    "float16": "F16",
    "bfloat16": "BF16",
    "float32": "F32",
    "float64": "F64",
    "float8_e4m3fn": "F8_E4M3",
    "float8_e5m2": "F8_E5M2",
}

# Bytes per element of the dtypes stored one element per block (all of 1.0): their lengths are one multiplication.
_ELEMENT_BYTES: Final = {row.name: row.block_bytes for row in _ROWS if row.block_elements == 1}


def byte_lengths(names: Sequence[str], element_counts: Iterable[int]) -> list[int]:
    """`DTYPES[name].byte_length(count)` for each pair, as a table of 10^5 tensors needs it: one multiplication
    each, in C, while every dtype stores one element per block. Every name must be in the registry."""
    if len(_ELEMENT_BYTES) == len(DTYPES) or set(names) <= _ELEMENT_BYTES.keys():
        return list(map(mul, element_counts, map(_ELEMENT_BYTES.__getitem__, names)))
    return [DTYPES[name].byte_length(count) for name, count in zip(names, element_counts, strict=True)]

# numpy dtype -> registry entry, for writers. Keyed by the native-order dtype; big-endian input is
# byte-swapped by the writer before it is stored. The ml_dtypes rows join once ml_dtypes is imported:
# an array of one of its types cannot exist before.
_BY_NUMPY: Final[dict[np.dtype[np.generic], DType]] = {
    row.numpy.newbyteorder("="): row for row in _ROWS if not row.from_ml_dtypes
}


def dtype_of_numpy(dtype: np.dtype[np.generic]) -> DType | None:
    """The registry entry for a numpy dtype of either byte order, or None. A structured or subarray
    dtype is never one, and neither is raw void: bfloat16 and float8 arrays are recognised only with
    their ml_dtypes types."""
    if _ML_DTYPES in sys.modules and len(_BY_NUMPY) < len(_ROWS):
        _BY_NUMPY.update((row.numpy.newbyteorder("="), row) for row in _ROWS if row.from_ml_dtypes)
    return _BY_NUMPY.get(dtype) or _BY_NUMPY.get(dtype.newbyteorder("="))


def dtype_of_array(array: np.ndarray) -> DType:
    """The registry entry for an array's dtype, or TypeError naming the supported ones."""
    entry = dtype_of_numpy(array.dtype)
    if entry is None:
        raise TypeError(f"dtype {array.dtype} has no modelfmt equivalent; supported: {', '.join(DTYPES)}")
    return entry
