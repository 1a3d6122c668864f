"""Byte builders for vectors: tensors placed by the rules of SPEC.md §7.5, headers in canonical form or as
given text, preambles with any field value, signature blocks. Independent of the reference writer, so
that a vector can hold exactly the defect it is about.
"""

from __future__ import annotations

import copy
import hashlib
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from modelfmt.format import _json

MAGIC: Final = b"\x89MFT\r\n\x1a\n"
END_MAGIC: Final = b"\x89MFS\r\n\x1a\n"
EMPTY_SHA256: Final = hashlib.sha256(b"").hexdigest()
MAX_SAFE: Final = 2**53 - 1
BLOCK_BYTES: Final = {
    "bool": 1,
    "int8": 1,
    "int16": 2,
    "int32": 4,
    "int64": 8,
    "uint8": 1,
    "uint16": 2,
    "uint32": 4,
    "uint64": 8,
    "float16": 2,
    "bfloat16": 2,
    "float32": 4,
    "float64": 8,
    "float8_e4m3fn": 1,
    "float8_e5m2": 1,
}


def align64(value: int) -> int:
    return -(-value // 64) * 64


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(value: object) -> bytes:
    """RFC 8785 (SPEC.md §4.7), the reference encoder: what a conforming writer emits."""
    return _json.canonical(value).encode("utf-8")


@dataclass(frozen=True)
class Tensor:
    """A tensor to place: its bytes are given exactly (little-endian, as stored)."""

    name: str
    dtype: str
    shape: Sequence[int]
    data: bytes
    role: str = "parameter"

    @staticmethod
    def zeros(name: str, dtype: str, shape: Sequence[int], role: str = "parameter") -> Tensor:
        count = 1
        for dim in shape:
            count *= dim
        return Tensor(name, dtype, list(shape), bytes(count * BLOCK_BYTES[dtype]), role)


def f32(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def f64(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}d", *values)


def i64(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}q", *values)


@dataclass
class Model:
    """A header value (as Python data) and the data section it describes."""

    header: dict[str, Any]
    data: bytes
    minor: int = 0

    def copy(self) -> Model:
        return Model(copy.deepcopy(self.header), self.data, self.minor)


def model(
    tensors: Sequence[Tensor] = (),
    metadata: Mapping[str, object] | None = None,
    *,
    architecture: Mapping[str, object] | None = None,
    training: Mapping[str, object] | None = None,
    extensions: Mapping[str, object] | None = None,
    minor: int = 0,
) -> Model:
    """A valid model: entries and the data section placed by §7.5 (zero gaps), digests computed."""
    entries: list[dict[str, object]] = []
    data = bytearray()
    for tensor in tensors:
        offset = align64(len(data))
        data += bytes(offset - len(data)) + tensor.data
        entries.append(
            {
                "name": tensor.name,
                "dtype": tensor.dtype,
                "shape": list(tensor.shape),
                "offset": offset,
                "length": len(tensor.data),
                "sha256": sha256(tensor.data),
                "role": tensor.role,
            }
        )
    header: dict[str, Any] = {"tensors": entries, "metadata": dict(metadata or {})}
    for key, value in (("architecture", architecture), ("training", training), ("extensions", extensions)):
        if value is not None:
            header[key] = copy.deepcopy(dict(value))
    return Model(header, bytes(data), minor)


@dataclass(frozen=True)
class Preamble:
    """Every preamble field, so that any of them can be wrong."""

    magic: bytes = MAGIC
    major: int = 1
    minor: int = 0
    reserved: bytes = b"\x00\x00\x00\x00"
    header_length: int | None = None  # None: the true length

    def pack(self, true_length: int) -> bytes:
        length = true_length if self.header_length is None else self.header_length
        return self.magic + struct.pack("<HH", self.major, self.minor) + self.reserved + struct.pack("<Q", length)


@dataclass(frozen=True)
class Layout:
    """How to assemble a file: the header bytes, the data, and any deliberate damage."""

    header: bytes
    data: bytes
    preamble: Preamble = field(default_factory=Preamble)
    padding: bytes | None = None  # None: the zero padding of §3.3
    trailer: bytes = b""  # a signature block or trailing bytes

    def assemble(self) -> bytes:
        padding = bytes(-(24 + len(self.header)) % 64) if self.padding is None else self.padding
        return self.preamble.pack(len(self.header)) + self.header + padding + self.data + self.trailer


def file_bytes(
    m: Model, *, header_text: bytes | None = None, preamble: Preamble | None = None, trailer: bytes = b""
) -> bytes:
    """The file for a model: canonical header unless `header_text` is given."""
    header = canonical(m.header) if header_text is None else header_text
    return Layout(header, m.data, preamble or Preamble(minor=m.minor), trailer=trailer).assemble()


def edit_text(m: Model, *replacements: tuple[str, str]) -> bytes:
    """The canonical header text of `m` with exact substring replacements (each must occur once)."""
    text = canonical(m.header).decode("utf-8")
    for old, new in replacements:
        if text.count(old) != 1:
            raise AssertionError(f"{old!r} occurs {text.count(old)} times in {text[:200]}")
        text = text.replace(old, new)
    return text.encode("utf-8")


def mutated(m: Model, change: Callable[[dict[str, Any]], object]) -> Model:
    """A copy of `m` whose header value `change` edits in place."""
    result = m.copy()
    change(result.header)
    return result


def patch(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


def data_start(file: bytes) -> int:
    (length,) = struct.unpack_from("<Q", file, 16)
    return align64(24 + length)


def block(body: bytes, *, declared: int | None = None, end: bytes = END_MAGIC) -> bytes:
    """A signature block: body, u64 body length (or a wrong one), end magic (§3.5)."""
    return body + struct.pack("<Q", len(body) if declared is None else declared) + end


def body(*entries: Mapping[str, object]) -> bytes:
    return canonical({"signatures": list(entries)})
