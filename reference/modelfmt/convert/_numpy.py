"""numpy `.npy` and `.npz` files: read without pickle, and `.npz` written as a stream.

Headers are read with `numpy.lib.format`'s own header functions (bounded by its `max_header_size`),
which never unpickle; object, structured and other non-numeric dtypes are refused before any data is
read, so `allow_pickle` is never even reachable. A `.npz` is opened as a zip, bounded by `_zipguard`
first, and each entry is parsed the same way, its declared size checked against its header. Member
names are array names encoded so that none is a path (`_npz.py`), and decoded when read.

Fortran-ordered arrays are reordered into C order: a `.npy` file is memory-mapped and copied a block
of rows at a time; a compressed `.npz` entry has no random access, so such an entry is read whole
(memory: that one tensor).
"""

from __future__ import annotations

import math
import os
import tokenize
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Final

import numpy as np
from numpy.lib import format as npy_format

from ..container._atomic import atomic_write
from ..format._dtypes import DTYPES, dtype_of_numpy
from ._checked import checked_chunks
from ._errors import ConversionError
from ._npz import array_name, member_name
from ._source import CHUNK_BYTES, Chunk, ChunkSource, Source, SourceTensor, array_chunks, file_chunks
from ._zipguard import DAMAGED_ENTRY, check_archive

# The modelfmt dtypes a .npy header can name. bfloat16 and float8 arrays saved by numpy lose their type
# (ml_dtypes types, user-defined in numpy's terms, are written as raw void, '<V2'), so they cannot be
# recognised when read and are refused when written.
_TO_NUMPY: Final[Mapping[str, np.dtype[np.generic]]] = {
    name: entry.numpy for name, entry in DTYPES.items() if not entry.from_ml_dtypes
}


class _Array:
    """What an npy header declares."""

    def __init__(self, shape: tuple[int, ...], fortran: bool, dtype: np.dtype[np.generic], header_bytes: int) -> None:
        self.shape, self.fortran, self.dtype, self.header_bytes = shape, fortran, dtype, header_bytes

    @property
    def data_bytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def _modelfmt_dtype(dtype: np.dtype[np.generic], what: str) -> str:
    if dtype.hasobject:
        raise ConversionError(f"{what}: an object array (dtype {dtype}) holds Python objects, not numbers; refused")
    if dtype.fields is not None or dtype.subdtype is not None:
        raise ConversionError(f"{what}: structured dtype {dtype} is not a tensor dtype")
    entry = dtype_of_numpy(dtype)
    if entry is None:
        hint = (
            " (bfloat16 and float8 lose their type in .npy; use safetensors or modelfmt)" if dtype.kind == "V" else ""
        )
        raise ConversionError(f"{what}: numpy dtype {dtype.str} has no modelfmt equivalent{hint}")
    return entry.name


def _read_header(stream: IO[bytes], what: str) -> _Array:
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = npy_format.read_array_header_2_0(stream)
        else:  # 3.0 exists only for non-ASCII field names of structured dtypes
            raise ConversionError(f"{what}: npy format version {version[0]}.{version[1]} is not supported")
    # ValueError: numpy's error for a bad magic, a short read or a malformed header. A header that is no
    # Python literal is re-read as a Python 2 one by the tokenizer, whose own errors numpy lets through;
    # a literal with keys of two types (b'shape' beside 'descr') fails numpy's sorted() with TypeError, and
    # a deeply nested one fails literal_eval with RecursionError.
    except (ValueError, SyntaxError, tokenize.TokenError, TypeError, RecursionError) as exc:
        raise ConversionError(f"{what}: not a valid npy header: {exc}") from None
    _modelfmt_dtype(dtype, what)
    return _Array(tuple(shape), bool(fortran), dtype, stream.tell())


# ---- .npy -----------------------------------------------------------------------------------------------


def open_npy(path: Path, *, name: str) -> Source:
    where = str(path)
    stream = open(path, "rb")  # noqa: SIM115 -- owned by the Source, closed by Source.close()
    source = Source("npy", [])
    source.resources.callback(stream.close)
    try:
        array = _read_header(stream, where)
        size = os.fstat(stream.fileno()).st_size
        end = array.header_bytes + array.data_bytes
        if size < end:
            raise ConversionError(
                f"{where}: truncated npy file: shape {list(array.shape)} of {array.dtype.str} needs {end} bytes, "
                f"the file has {size} (partial download?)"
            )
        if size > end:
            raise ConversionError(f"{where}: {size - end} bytes follow the array data (trailing bytes)")
        dtype = _modelfmt_dtype(array.dtype, where)
        source.tensors.append(SourceTensor(name, dtype, array.shape, _npy_reader(stream, array, where)))
    except BaseException:
        source.close()
        raise
    return source


def _npy_reader(stream: IO[bytes], array: _Array, where: str) -> ChunkSource:
    def chunks() -> Iterator[Chunk]:
        if not array.fortran and array.dtype.byteorder != ">":
            return file_chunks(stream.fileno(), array.header_bytes, array.data_bytes, what=where)
        if array.data_bytes == 0:
            return iter(())
        mapped = np.memmap(
            stream,
            dtype=array.dtype,
            mode="r",
            offset=array.header_bytes,
            shape=array.shape,
            order="F" if array.fortran else "C",
        )
        return array_chunks(mapped)

    return chunks


# ---- .npz -----------------------------------------------------------------------------------------------


def open_npz(path: Path, *, max_compression_ratio: int) -> Source:
    where = str(path)
    archive = zipfile.ZipFile(path)
    source = Source("npz", [])
    source.resources.callback(archive.close)
    try:
        check_archive(archive, path.stat().st_size, where=where, max_ratio=max_compression_ratio)
        for info in archive.infolist():
            if not info.filename.endswith(".npy") or info.is_dir():
                raise ConversionError(f"{where}: entry {info.filename!r} is not an .npy array")
            name = array_name(info.filename)
            what = f"{where}: array `{name}`"
            with archive.open(info) as member:
                array = _read_header(member, what)
            if info.file_size != array.header_bytes + array.data_bytes:
                raise ConversionError(
                    f"{what}: the archive declares {info.file_size} bytes, the npy header implies "
                    f"{array.header_bytes + array.data_bytes}"
                )
            dtype = _modelfmt_dtype(array.dtype, what)
            source.tensors.append(SourceTensor(name, dtype, array.shape, _npz_reader(archive, info, array, what)))
    except DAMAGED_ENTRY as exc:
        source.close()
        raise ConversionError(f"{where}: damaged zip archive: {exc}") from None
    except BaseException:
        source.close()
        raise
    return source


def _npz_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo, array: _Array, what: str) -> ChunkSource:
    def chunks() -> Iterator[Chunk]:
        try:
            with archive.open(info) as member:
                member.read(array.header_bytes)
                if array.fortran:
                    data = _read_exactly(member, array.data_bytes, what)
                    flat = np.frombuffer(data, dtype=array.dtype)
                    yield from array_chunks(flat.reshape(array.shape[::-1]).T)
                else:
                    remaining = array.data_bytes
                    while remaining:
                        chunk = _read_exactly(member, min(CHUNK_BYTES, remaining), what)
                        remaining -= len(chunk)
                        yield _little_endian_bytes(chunk, array.dtype)
                if member.read(1):  # also makes zipfile check the entry's CRC-32
                    raise ConversionError(f"{what}: the entry holds more bytes than its header declares")
        except DAMAGED_ENTRY as exc:
            raise ConversionError(f"{what}: damaged archive entry: {exc}") from None

    return chunks


def _read_exactly(member: IO[bytes], count: int, what: str) -> bytes:
    data = member.read(count)
    if len(data) != count:
        raise ConversionError(f"{what}: the entry ended early: expected {count} more bytes, got {len(data)}")
    return data


def _little_endian_bytes(chunk: bytes, dtype: np.dtype[np.generic]) -> Chunk:
    if dtype.byteorder != ">":
        return chunk
    return np.frombuffer(chunk, dtype=dtype).astype(dtype.newbyteorder("<")).tobytes()


# ---- writing .npz ---------------------------------------------------------------------------------------


def write_npz(source: Source, destination: Path) -> list[str]:
    """Write every tensor as an uncompressed `.npz` entry, streamed. Returns what could not be carried."""
    headers = []
    for tensor in source.tensors:
        dtype = _TO_NUMPY.get(tensor.dtype)
        if dtype is None:
            raise ConversionError(
                f"tensor `{tensor.name}`: dtype {tensor.dtype} has no .npy equivalent (numpy has no native "
                "bfloat16 or float8); convert to safetensors or keep modelfmt"
            )
        fields = {"descr": npy_format.dtype_to_descr(dtype), "fortran_order": False, "shape": tensor.shape}
        headers.append((tensor, fields))
    dropped = [
        section
        for section, value in (
            ("metadata", source.metadata),
            ("architecture", source.architecture),
            ("training", source.training),
            ("extensions", source.extensions),
        )
        if value
    ]
    if any(tensor.role != "parameter" for tensor in source.tensors):
        dropped.append("roles")
    with atomic_write(destination) as stream, zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as archive:
        for tensor, fields in headers:
            with archive.open(member_name(tensor.name), "w", force_zip64=True) as member:
                # Version 1.0 headers hold up to 65535 bytes: ample for rank <= 16 (SPEC.md §5).
                npy_format.write_array_header_1_0(member, fields)
                for chunk in checked_chunks(tensor):
                    member.write(chunk)
    return [f"npz has no place for the {', '.join(dropped)}: not carried"] if dropped else []
