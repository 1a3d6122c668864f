"""Bytes and offsets of SPEC.md §3: the preamble, alignment, and where the file must end.

No JSON and no I/O here: functions take the bytes they need and the file size, and raise the
error of the first rule that fails.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from operator import add, and_
from typing import Final

from ._errors import error
from ._limits import DEFAULT_LIMITS, MAX_SIGNATURE_BLOCK_BYTES, Limits

# PNG's trick: a high-bit byte catches 7-bit transfers, CR LF catches newline conversion in either
# direction, 0x1A stops `type` on DOS, the final LF catches LF -> CR LF conversion.
MAGIC: Final = b"\x89MFT\r\n\x1a\n"
SIGNATURE_END_MAGIC: Final = b"\x89MFS\r\n\x1a\n"
MAJOR_VERSION: Final = 1
MINOR_VERSION: Final = 1  # the highest minor this implementation reads; a writer writes the lowest it needs (§15.5)

ALIGNMENT: Final = 64
PREAMBLE: Final = struct.Struct("<8sHHIQ")  # magic, major, minor, reserved, header length
PREAMBLE_SIZE: Final = PREAMBLE.size  # 24
SIGNATURE_TRAILER: Final = struct.Struct("<Q8s")  # body length, end magic
SIGNATURE_TRAILER_SIZE: Final = SIGNATURE_TRAILER.size  # 16


def align(offset: int) -> int:
    """The smallest multiple of 64 that is >= offset."""
    return -(-offset // ALIGNMENT) * ALIGNMENT


def align_each(offsets: Iterable[int]) -> Iterator[int]:
    """`align` of each offset, computed in C for a table of 10^5 tensors: (offset + 63) & -64, which is the
    same for every integer."""
    return map(and_, map(add, offsets, repeat(ALIGNMENT - 1)), repeat(-ALIGNMENT))


@dataclass(frozen=True)
class Preamble:
    major: int
    minor: int
    header_length: int

    @property
    def header_end(self) -> int:
        return PREAMBLE_SIZE + self.header_length

    @property
    def data_start(self) -> int:
        return align(self.header_end)


def pack_preamble(header_length: int, *, minor: int = 0) -> bytes:
    """The preamble of a file of version 1.`minor` (by default 1.0: a file that uses only 1.0 features)."""
    return PREAMBLE.pack(MAGIC, MAJOR_VERSION, minor, 0, header_length)


def parse_preamble(prefix: bytes, file_size: int, limits: Limits = DEFAULT_LIMITS) -> Preamble:
    """Phase 1 of §13. `prefix` holds the file's first min(24, file_size) bytes."""
    if len(prefix) < len(MAGIC):
        if MAGIC.startswith(prefix):
            raise error(
                "TRUNCATED",
                f"file is {file_size} bytes; a modelfmt file is at least {PREAMBLE_SIZE} bytes",
                offset=file_size,
            )
        raise error("BAD_MAGIC", "not a modelfmt file: the first bytes are not the modelfmt magic", offset=0)
    if prefix[: len(MAGIC)] != MAGIC:
        raise error("BAD_MAGIC", "not a modelfmt file: the first bytes are not the modelfmt magic", offset=0)
    if len(prefix) < PREAMBLE_SIZE:
        raise error(
            "TRUNCATED",
            f"file is {file_size} bytes; the preamble alone is {PREAMBLE_SIZE}",
            offset=file_size,
        )
    _, major, minor, reserved, header_length = PREAMBLE.unpack_from(prefix)
    if major != MAJOR_VERSION:
        raise error(
            "UNSUPPORTED_VERSION",
            f"modelfmt major version {major}.{minor}: this reader reads major version {MAJOR_VERSION}",
            offset=8,
            hint="a newer modelfmt release may read it" if major > MAJOR_VERSION else None,
        )
    if reserved != 0:
        raise error("RESERVED_NOT_ZERO", f"reserved preamble bytes are {reserved:#010x}, expected 0", offset=12)
    if header_length > limits.max_header_bytes:
        raise error(
            "HEADER_TOO_LARGE",
            f"header length {header_length} exceeds the limit {limits.max_header_bytes} "
            f"({limits.describe('max_header_bytes')})",
            offset=16,
        )
    if PREAMBLE_SIZE + header_length > file_size:
        raise error(
            "TRUNCATED",
            f"file is truncated: the header needs {PREAMBLE_SIZE + header_length} bytes, the file has {file_size}",
            offset=file_size,
            hint="an incomplete download or copy; fetch the file again",
        )
    return Preamble(major, minor, header_length)


@dataclass(frozen=True)
class Layout:
    """Where the data section ends and the signature block (if any) lies."""

    data_end: int
    file_size: int
    signature_body_offset: int | None
    signature_body_length: int

    @property
    def signed(self) -> bool:
        return self.signature_body_offset is not None


def locate_end(data_end: int, file_size: int, tail: bytes) -> Layout:
    """Phase 4 of §13: the file must end at `data_end` or with one well-formed signature block.

    `tail` holds the file's last min(16, file_size - data_end) bytes (only read when the file is longer).
    """
    if file_size < data_end:
        raise error(
            "TRUNCATED",
            f"file is truncated: the header describes {data_end} bytes, the file has {file_size}",
            offset=file_size,
            hint="an incomplete download or copy; fetch the file again",
        )
    extra = file_size - data_end
    if extra == 0:
        return Layout(data_end, file_size, None, 0)
    if extra < SIGNATURE_TRAILER_SIZE or tail[-len(SIGNATURE_END_MAGIC) :] != SIGNATURE_END_MAGIC:
        raise error(
            "TRAILING_BYTES",
            f"{extra} bytes follow the data section and are not a signature block",
            offset=data_end,
        )
    body_length, _ = SIGNATURE_TRAILER.unpack(tail[-SIGNATURE_TRAILER_SIZE:])
    if body_length != extra - SIGNATURE_TRAILER_SIZE:
        raise error(
            "SIGNATURE_BLOCK",
            f"signature block declares a body of {body_length} bytes, the file has "
            f"{extra - SIGNATURE_TRAILER_SIZE} between the data section and the trailer",
            offset=file_size - SIGNATURE_TRAILER_SIZE,
        )
    if body_length > MAX_SIGNATURE_BLOCK_BYTES:
        raise error(
            "SIGNATURE_BLOCK",
            f"signature block body is {body_length} bytes, above the limit {MAX_SIGNATURE_BLOCK_BYTES}",
            offset=data_end,
        )
    return Layout(data_end, file_size, data_end, body_length)
