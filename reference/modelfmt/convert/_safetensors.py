"""safetensors files: a strict reader and a streaming writer.

The header is parsed here rather than with the `safetensors` library because the file is untrusted
input and the conversion needs more than the library gives: the header goes through modelfmt's own
strict JSON parser (duplicate keys are refused: a safetensors audit found them resolved silently,
TOB-SFTN-7), every offset is checked against the file's size before anything is read, every failure names
its cause and tensor, tensor bytes are streamed with `pread` in bounded chunks whatever the dtype
(the library's numpy view has no bfloat16 or float8), and the core conversion path needs no extra
package. The rules are those of the safetensors format: an 8-byte little-endian header length, a JSON
object of tensor entries `{"dtype", "shape", "data_offsets"}` and an optional `__metadata__` of
strings, then a data section that the entries cover exactly, with no holes, overlaps or trailing bytes.

The writer produces what `safetensors.numpy.save_file` produces for the same tensors in the same order:
compact JSON, `__metadata__` first, entries in data order, header padded with spaces to 8 bytes.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, Final

from ..container._atomic import atomic_write
from ..container._tensors import check_name
from ..format._dtypes import DTYPES, SAFETENSORS_NAMES
from ..format._errors import ModelfmtError
from ._carry import pack_for_safetensors, string_map, unpack_from_safetensors
from ._checked import checked_chunks
from ._errors import ConversionError
from ._jsonfile import parse_json
from ._source import Chunk, Source, SourceTensor, file_chunks

# safetensors refuses headers above 100 MB (its HeaderTooLarge); a larger one is not a safetensors file.
MAX_HEADER_BYTES: Final = 100_000_000
_LENGTH: Final = struct.Struct("<Q")
_ENTRY_KEYS: Final = frozenset({"dtype", "shape", "data_offsets"})

# safetensors dtype -> modelfmt dtype (format/_dtypes.py holds the one table).
TO_MODELFMT: Final[Mapping[str, str]] = {theirs: mine for mine, theirs in SAFETENSORS_NAMES.items()}
FROM_MODELFMT: Final[Mapping[str, str]] = {mine: theirs for theirs, mine in TO_MODELFMT.items()}
# safetensors dtypes with no modelfmt v1.0 equivalent, named in the error rather than called unknown.
NOT_CARRIED: Final[Mapping[str, str]] = {
    "F8_E4M3FNUZ": "float8 e4m3 'fnuz' (one NaN, no negative zero)",
    "F8_E5M2FNUZ": "float8 e5m2 'fnuz' (one NaN, no negative zero)",
    "F8_E8M0": "float8 e8m0 (MX block scales)",
    "F6_E2M3": "6-bit float e2m3",
    "F6_E3M2": "6-bit float e3m2",
    "F4": "4-bit float e2m1",
    "C64": "complex64",
}


def _fail(where: str, message: str) -> ConversionError:
    return ConversionError(f"{where}: {message}")


def _entry(name: str, entry: object, where: str) -> tuple[str, tuple[int, ...], int, int]:
    """(modelfmt dtype, shape, begin, end) of one header entry, every field checked."""
    label = f"tensor `{name}`"
    if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise _fail(where, f"{label}: an entry has exactly the keys data_offsets, dtype, shape; got {keys}")
    dtype = entry["dtype"]
    if not isinstance(dtype, str) or dtype not in TO_MODELFMT:
        if isinstance(dtype, str) and dtype in NOT_CARRIED:
            raise _fail(
                where,
                f"{label}: safetensors dtype {dtype} ({NOT_CARRIED[dtype]}) has no modelfmt equivalent; "
                f"modelfmt 1.0 stores {', '.join(DTYPES)}",
            )
        raise _fail(where, f"{label}: unknown safetensors dtype {dtype!r}")
    shape = entry["shape"]
    if not isinstance(shape, list) or not all(type(dim) is int and dim >= 0 for dim in shape):
        raise _fail(where, f"{label}: shape must be a list of non-negative integers, got {shape!r}")
    offsets = entry["data_offsets"]
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(type(value) is int for value in offsets)
        or not 0 <= offsets[0] <= offsets[1]
    ):
        raise _fail(where, f"{label}: data_offsets must be [begin, end] with 0 <= begin <= end, got {offsets!r}")
    mine = TO_MODELFMT[dtype]
    expected = DTYPES[mine].byte_length(math.prod(shape))  # exact: Python integers do not overflow
    begin, end = offsets
    if end - begin != expected:
        raise _fail(
            where,
            f"{label}: data_offsets [{begin}, {end}] hold {end - begin} bytes; dtype {dtype} and shape "
            f"{shape} need {expected}",
        )
    return mine, tuple(shape), begin, end


def read_safetensors_header(fd: int, size: int, where: str) -> tuple[int, dict[str, object]]:
    """(data section start, parsed header object) of an open safetensors file, or ConversionError."""
    if size < _LENGTH.size:
        raise _fail(where, f"truncated safetensors file: {size} bytes, shorter than the 8-byte header length")
    (header_length,) = _LENGTH.unpack(os.pread(fd, _LENGTH.size, 0))
    if header_length > MAX_HEADER_BYTES:
        raise _fail(
            where,
            f"safetensors header length {header_length} exceeds the format's limit of {MAX_HEADER_BYTES} bytes "
            "(not a safetensors file, or a damaged one)",
        )
    if _LENGTH.size + header_length > size:
        raise _fail(
            where,
            f"truncated safetensors file: the header needs {header_length} bytes after the length field, "
            f"only {size - _LENGTH.size} follow (partial download?)",
        )
    raw = b"".join(file_chunks(fd, _LENGTH.size, header_length, what=where))
    parsed = parse_json(raw, f"{where}: the safetensors header", base_offset=_LENGTH.size)
    if not isinstance(parsed, dict):
        raise _fail(where, f"the safetensors header must be a JSON object, got {type(parsed).__name__}")
    return _LENGTH.size + header_length, parsed


def open_safetensors(path: Path) -> Source:
    return open_safetensors_file(open(path, "rb"), str(path))  # the source owns the file and closes it


def open_safetensors_file(stream: BinaryIO, where: str) -> Source:
    """A safetensors source reading the open file `stream`, which it owns (closed with the source)."""
    source = Source("safetensors", [])
    source.resources.callback(stream.close)
    try:
        _fill(source, stream.fileno(), where)
    except BaseException:
        source.close()
        raise
    return source


def _fill(source: Source, fd: int, where: str) -> None:
    size = os.fstat(fd).st_size
    data_start, parsed = read_safetensors_header(fd, size, where)
    dunder: dict[str, str] | None = None
    if "__metadata__" in parsed:
        dunder = string_map(parsed.pop("__metadata__"))
        if dunder is None:
            raise _fail(where, "`__metadata__` must be an object of strings to strings")
    entries = []
    # Each entry's parsed object is released as soon as its row is made, so that the parsed header and
    # the rows are never both held in full (a 40 MB header; SPEC.md §17.19).
    for index, name in enumerate(list(parsed)):
        entry = parsed.pop(name)
        try:
            check_name(name, f"tensor {index}")
        except ModelfmtError as exc:
            raise _fail(where, f"tensor name {name!r} cannot be a modelfmt name: {exc}") from None
        entries.append((name, *_entry(name, entry, where), index))
    del parsed
    # Data order, header order among equal offsets: the order the bytes are read and written in.
    entries.sort(key=lambda row: (row[3], row[4], row[5]))
    data_length = size - data_start
    position = 0
    for name, _dtype, _shape, begin, end, _index in entries:
        if begin < position:
            raise _fail(where, f"tensor `{name}`: data_offsets start at {begin}, inside the previous tensor (overlap)")
        if begin > position:
            raise _fail(where, f"tensor `{name}`: data_offsets start at {begin}, leaving a hole at {position}")
        position = end
    if position > data_length:
        raise _fail(
            where,
            f"truncated safetensors file: the header describes {position} bytes of data, the file holds "
            f"{data_length} (partial download?)",
        )
    if position < data_length:
        raise _fail(where, f"{data_length - position} bytes follow the last tensor's data (trailing bytes)")
    names = {row[0] for row in entries}
    metadata, sections, roles = unpack_from_safetensors(dunder, names, where=where)
    source.metadata = metadata
    source.architecture = sections.get("architecture")
    source.training = sections.get("training")
    source.extensions = sections.get("extensions")
    for name, dtype, shape, begin, end, _index in entries:
        source.tensors.append(
            SourceTensor(
                name,
                dtype,
                shape,
                _Reader(fd, data_start + begin, end - begin, where, name),
                roles.get(name, "parameter"),
            )
        )


class _Reader:
    """The chunk source of one tensor: a few slots rather than a closure and its message, built per tensor
    (262144 of them for a large header)."""

    __slots__ = ("fd", "length", "name", "offset", "where")

    def __init__(self, fd: int, offset: int, length: int, where: str, name: str) -> None:
        self.fd, self.offset, self.length, self.where, self.name = fd, offset, length, where, name

    def __call__(self) -> Iterator[Chunk]:
        return file_chunks(self.fd, self.offset, self.length, what=f"{self.where}: tensor `{self.name}`")


# ---- writing ---------------------------------------------------------------------------------------------


def _header_bytes(source: Source) -> bytes:
    header: dict[str, object] = {}
    roles = {tensor.name: tensor.role for tensor in source.tensors if tensor.role != "parameter"}
    sections = {"architecture": source.architecture, "training": source.training, "extensions": source.extensions}
    dunder = pack_for_safetensors(source.metadata, sections, roles)
    if dunder is not None:
        header["__metadata__"] = dunder
    position = 0
    for tensor in source.tensors:
        dtype = FROM_MODELFMT.get(tensor.dtype)
        if dtype is None:
            raise ConversionError(f"tensor `{tensor.name}`: dtype {tensor.dtype} has no safetensors equivalent")
        if tensor.name == "__metadata__":
            raise ConversionError("a tensor named `__metadata__` cannot be stored in safetensors (a reserved key)")
        end = position + tensor.length
        header[tensor.name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [position, end]}
        position = end
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    if len(text) > MAX_HEADER_BYTES:
        raise ConversionError(
            f"the safetensors header would be {len(text)} bytes, above the format's limit of {MAX_HEADER_BYTES}"
        )
    return text + b" " * (-len(text) % 8)  # as the safetensors library pads: data starts 8-aligned


def write_safetensors(source: Source, destination: Path) -> None:
    """Write `source` as a safetensors file, atomically: bytes are streamed, memory stays bounded."""
    header = _header_bytes(source)  # every refusal happens before a file is created
    with atomic_write(destination) as stream:
        stream.write(_LENGTH.pack(len(header)))
        stream.write(header)
        for tensor in source.tensors:
            for chunk in checked_chunks(tensor):
                stream.write(chunk)
