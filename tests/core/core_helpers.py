"""Byte-level builders and API runners shared by the core tests.

The builders deliberately do not use the package: they write the preamble with `struct`, the header as
JSON text the test controls byte for byte, and compute offsets, lengths and digests with their own
arithmetic, so that a bug in the package's writer cannot hide the same bug in its reader.

The runners call each reading API on the same bytes and return the error code (or None for a valid
file). Anything other than a `ModelfmtError` propagates, so a test fails on any other exception.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import modelfmt
from modelfmt import Limits, ModelfmtError
from modelfmt.diagnose._check import check_file

MAGIC = b"\x89MFT\r\n\x1a\n"
END_MAGIC = b"\x89MFS\r\n\x1a\n"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
DEFAULT_LIMITS = Limits()

# Element sizes of the v1.0 registry, written out here rather than read from the package.
ELEMENT_BYTES: Mapping[str, int] = {
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


def align64(offset: int) -> int:
    return (offset + 63) // 64 * 64


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def preamble(
    header_length: int,
    *,
    magic: bytes = MAGIC,
    major: int = 1,
    minor: int = 0,
    reserved: bytes = b"\x00\x00\x00\x00",
) -> bytes:
    return magic + struct.pack("<HH", major, minor) + reserved + struct.pack("<Q", header_length)


def assemble(
    header: str | bytes,
    data: bytes = b"",
    *,
    padding: bytes | None = None,
    tail: bytes = b"",
    header_length: int | None = None,
    **preamble_fields: object,
) -> bytes:
    """Preamble + header + header padding + data section + tail, with zero padding unless given."""
    raw = header.encode("utf-8") if isinstance(header, str) else header
    if padding is None:
        padding = bytes(align64(24 + len(raw)) - 24 - len(raw))
    length = len(raw) if header_length is None else header_length
    return preamble(length, **preamble_fields) + raw + padding + data + tail  # type: ignore[arg-type]


def entry_json(  # noqa: PLR0917 - one positional argument per key of a tensor entry, in table order
    name: str,
    dtype: str,
    shape: list[int] | tuple[int, ...],
    offset: int,
    length: int,
    digest: str,
    role: str = "parameter",
) -> str:
    """One tensor entry as JSON text, keys in table order (not canonical order, on purpose)."""
    return (
        f'{{"name":{json.dumps(name, ensure_ascii=False)},"dtype":"{dtype}",'
        f'"shape":[{",".join(str(dim) for dim in shape)}],"offset":{offset},"length":{length},'
        f'"sha256":"{digest}","role":"{role}"}}'
    )


def header_json(entries: list[str], metadata: str = "{}", extra: str = "") -> str:
    """`extra` is inserted verbatim after the metadata member, e.g. `,"extensions":{...}`."""
    return f'{{"tensors":[{",".join(entries)}],"metadata":{metadata}{extra}}}'


@dataclass(frozen=True)
class Tensor:
    """A tensor for `file_of`: raw bytes plus what the header says about them."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    data: bytes
    role: str = "parameter"


def layout(tensors: list[Tensor]) -> tuple[list[tuple[Tensor, int]], bytes]:
    """Each tensor with its offset, and the data section (tensor bytes and zero gap bytes)."""
    placed: list[tuple[Tensor, int]] = []
    section = bytearray()
    for tensor in tensors:
        offset = align64(len(section))
        section += bytes(offset - len(section))
        placed.append((tensor, offset))
        section += tensor.data
    return placed, bytes(section)


def file_of(
    tensors: list[Tensor],
    *,
    metadata: str = "{}",
    extra: str = "",
    **assemble_fields: object,
) -> bytes:
    """A complete file, every length and digest computed here from the tensors' bytes."""
    placed, section = layout(tensors)
    entries = []
    for tensor, offset in placed:
        expected = math.prod(tensor.shape) * ELEMENT_BYTES[tensor.dtype]
        assert len(tensor.data) == expected, f"test bug: {tensor.name} has {len(tensor.data)} bytes, not {expected}"
        entries.append(
            entry_json(
                tensor.name, tensor.dtype, tensor.shape, offset, len(tensor.data), sha256(tensor.data), tensor.role
            )
        )
    return assemble(header_json(entries, metadata, extra), section, **assemble_fields)  # type: ignore[arg-type]


def header_region(data: bytes) -> tuple[int, int, int]:
    """(header start, header end, data start) of well-framed bytes, read with struct."""
    (length,) = struct.unpack_from("<Q", data, 16)
    return 24, 24 + length, align64(24 + length)


# A small valid file with several tensors, a bool, a zero-size tensor, a scalar and metadata: the subject
# of the truncation, corruption and fuzz tests. Built by hand, so it is independent of the writer.
SMALL_TENSORS = [
    Tensor("w", "float32", (2, 3), struct.pack("<6f", 1.0, -2.0, 0.5, -0.0, 3.25, 1e-40)),
    Tensor("mask", "bool", (5,), bytes([1, 0, 1, 1, 0]), role="buffer"),
    Tensor("empty", "int16", (0, 4), b""),
    Tensor("step", "int64", (), struct.pack("<q", -7), role="optimizer"),
    Tensor("h", "bfloat16", (3,), bytes.fromhex("803f00c0c07f")),
]
SMALL_METADATA = '{"name":"small","authors":["a","b"],"lr":0.001,"notes":{"x":[1,null,true]}}'


def small_file() -> bytes:
    return file_of(SMALL_TENSORS, metadata=SMALL_METADATA)


# ---- running the four reading APIs ----------------------------------------------------------------------


def code_of(action: Callable[[], object]) -> str | None:
    try:
        action()
    except ModelfmtError as exc:
        return exc.code
    return None


def _write(data: bytes, directory: Path) -> Path:
    path = directory / "subject.mf"
    path.write_bytes(data)
    return path


def _safe_open_all(path: Path, limits: Limits) -> None:
    with modelfmt.safe_open(path, limits=limits) as opened:
        for name in opened.offset_keys():  # the file's order: the first bad tensor is the one reported
            opened.get_tensor(name)


def _check(path: Path, limits: Limits) -> str | None:
    result = check_file(path, limits=limits)
    assert result.os_error is None, result.os_error
    assert (result.error is None) == result.valid
    return None if result.error is None else result.error.code


def codes_by_api(data: bytes, directory: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, str | None]:
    """The verdict of load, load_file, safe_open (every tensor read) and check_file on the same bytes."""
    path = _write(data, directory)
    return {
        "load": code_of(lambda: modelfmt.load(data, limits=limits)),
        "load_file": code_of(lambda: modelfmt.load_file(path, limits=limits)),
        "safe_open": code_of(lambda: _safe_open_all(path, limits)),
        "check_file": _check(path, limits),
    }


def agreed_code(data: bytes, directory: Path, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """The code all four APIs agree on; fails the test if they disagree."""
    codes = codes_by_api(data, directory, limits)
    assert len(set(codes.values())) == 1, f"the reading APIs disagree: {codes}"
    return codes["load"]


def error_from_load(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ModelfmtError:
    try:
        modelfmt.load(data, limits=limits)
    except ModelfmtError as exc:
        return exc
    raise AssertionError("load accepted the bytes")
