"""One valid vector per dtype (SPEC.md §6): the values where implementations go wrong (signed zero, NaN
payloads, subnormals, infinities, extreme integers), compared as raw little-endian bytes (§6.4)."""

from __future__ import annotations

import struct

from .build import BLOCK_BYTES, Tensor, file_bytes, model
from .model import Vector, valid


def _words(fmt: str, *bits: int) -> bytes:
    return b"".join(struct.pack(fmt, value) for value in bits)


# Bit patterns (as unsigned integers, stored little-endian) and what they are.
SPECIAL: dict[str, tuple[bytes, str]] = {
    "bool": (b"\x00\x01\x01\x00", "false, true"),
    "int8": (_words("<b", 0, 1, -1, 127, -128), "0, 1, -1, max, min"),
    "int16": (_words("<h", 0, 1, -1, 32767, -32768, 0x0102), "0, 1, -1, max, min, 0x0102"),
    "int32": (_words("<i", 0, 1, -1, 2**31 - 1, -(2**31), 0x01020304), "0, 1, -1, max, min, 0x01020304"),
    "int64": (_words("<q", 0, -1, 2**63 - 1, -(2**63), 0x0102030405060708), "0, -1, max, min, 0x0102030405060708"),
    "uint8": (_words("<B", 0, 1, 128, 255), "0, 1, 128, max"),
    "uint16": (_words("<H", 0, 1, 0x8000, 0xFFFF, 0x0102), "0, 1, 2^15, max, 0x0102"),
    "uint32": (_words("<I", 0, 1, 2**31, 2**32 - 1, 0x01020304), "0, 1, 2^31, max, 0x01020304"),
    "uint64": (_words("<Q", 0, 2**63, 2**64 - 1, 0x0102030405060708), "0, 2^63, max, 0x0102030405060708"),
    "float16": (
        _words(
            "<H",
            0x0000,
            0x8000,
            0x3C00,
            0xBC00,
            0x0001,
            0x03FF,
            0x0400,
            0x7BFF,
            0x7C00,
            0xFC00,
            0x7E00,
            0x7C01,
            0xFE00,
            0x7FFF,
        ),
        "+0, -0, 1, -1, min subnormal, max subnormal, min normal, max (65504), +inf, -inf, quiet NaN, signalling "
        "NaN with payload 1, negative NaN, NaN with all payload bits",
    ),
    "bfloat16": (
        _words(
            "<H", 0x0000, 0x8000, 0x3F80, 0xBF80, 0x0001, 0x007F, 0x0080, 0x7F7F, 0x7F80, 0xFF80, 0x7FC0, 0x7F81, 0xFFC1
        ),
        "+0, -0, 1, -1, min subnormal, max subnormal, min normal, max, +inf, -inf, quiet NaN, signalling NaN, "
        "negative NaN with payload",
    ),
    "float32": (
        _words(
            "<I",
            0x00000000,
            0x80000000,
            0x3F800000,
            0x00000001,
            0x007FFFFF,
            0x00800000,
            0x7F7FFFFF,
            0x7F800000,
            0xFF800000,
            0x7FC00000,
            0x7F800001,
            0xFFC12345,
            0x7FFFFFFF,
        ),
        "+0, -0, 1, min subnormal, max subnormal, min normal, max, +inf, -inf, quiet NaN, signalling NaN, "
        "negative NaN with payload, NaN with all payload bits",
    ),
    "float64": (
        _words(
            "<Q",
            0,
            0x8000000000000000,
            0x3FF0000000000000,
            0x0000000000000001,
            0x7FF0000000000000,
            0x7FF0000000000001,
            0xFFF8DEADBEEF0001,
            0x7FEFFFFFFFFFFFFF,
        ),
        "+0, -0, 1, min subnormal, +inf, signalling NaN, negative NaN with payload, max",
    ),
    "float8_e4m3fn": (
        bytes([0x00, 0x80, 0x38, 0x01, 0x07, 0x08, 0x7E, 0xFE, 0x7F, 0xFF]),
        "+0, -0, 1, min subnormal, max subnormal, min normal, 448, -448, NaN, negative NaN (no infinities)",
    ),
    "float8_e5m2": (
        bytes([0x00, 0x80, 0x3C, 0x01, 0x03, 0x04, 0x7B, 0x7C, 0xFC, 0x7D, 0x7E, 0x7F, 0xFD]),
        "+0, -0, 1, min subnormal, max subnormal, min normal, 57344, +inf, -inf, three NaNs, negative NaN",
    ),
}


def _pattern(count: int, dtype: str) -> bytes:
    if dtype == "bool":
        return bytes((index * 7 // 3) % 2 for index in range(count))
    return bytes((index * 37 + 11) % 256 for index in range(count))


def vectors() -> list[Vector]:
    result = []
    for dtype, (values, what) in SPECIAL.items():
        size = BLOCK_BYTES[dtype]
        count = len(values) // size
        big_shape = [3, 5, 7]
        tensors = [
            Tensor("values", dtype, [count], values),
            Tensor("scalar", dtype, [], values[size : 2 * size]),
            Tensor("matrix", dtype, big_shape, _pattern(105 * size, dtype)),
            Tensor("empty", dtype, [2, 0, 3], b""),
        ]
        result.append(
            valid(
                f"valid.dtype.{dtype}",
                file_bytes(model(tensors, {})),
                f"{dtype}: {what}; a scalar, a [3, 5, 7] tensor over 64 bytes, and a zero-size tensor",
                ("6.1", "6.3", "6.4", "7.4"),
                tags=(f"dtype:{dtype}", "pitfall:17.12"),
            )
        )
    one_each = [Tensor(f"t.{dtype}", dtype, [], SPECIAL[dtype][0][: BLOCK_BYTES[dtype]]) for dtype in SPECIAL]
    result.append(
        valid(
            "valid.dtype.all-scalars",
            file_bytes(model(one_each, {})),
            "one rank-0 tensor of every dtype, each at its own 64-byte boundary",
            ("6.1", "7.5", "7.8"),
            tags=tuple(f"dtype:{dtype}" for dtype in SPECIAL),
        )
    )
    return result
