"""Writing: `save_file`, `save` and the streaming `StreamWriter` (SPEC.md §14).

All three produce the same bytes for the same input: the header is in canonical form, tensors follow
in the caller's order at the next 64-byte boundary, padding is zero. Because digests have a fixed
width and offsets follow from shapes, the header's length is known before any tensor byte is seen:
a writer reserves it, streams the data while hashing, then writes the header in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import operator
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, chain
from operator import attrgetter
from types import TracebackType
from typing import BinaryIO, Final, NamedTuple, SupportsIndex

import numpy as np

from ..format import _json
from ..format._dtypes import DTYPES, byte_lengths, dtype_of_array
from ..format._errors import ModelfmtError, error
from ..format._framing import PREAMBLE_SIZE, align, align_each, pack_preamble
from ..graph._training import training_minor
from . import _digests
from ._atomic import atomic_write
from ._header import validate_for_writer
from ._tensors import Columns, TensorInfo

_PLACEHOLDER_DIGEST: Final = "0" * 64
_ZEROS: Final = bytes(64)
# Small tensors are gathered into writes of about this size.
_WRITE_BATCH_BYTES: Final = 4 * 1024 * 1024
# Chunks at least this large are hashed on a helper thread while they are written (StreamWriter).
_OVERLAP_MIN_BYTES: Final = 256 * 1024
_IOV_MAX: Final = 1024  # POSIX guarantees at least 16; Linux allows 1024 buffers per writev


class TensorSpec(NamedTuple):
    """A tensor declared before its data: what a streaming writer needs to lay out the file. A writer
    refuses a spec the file could not hold with the error a reader would give such a file (a
    `FormatError`: DTYPE_UNKNOWN for an unknown dtype, ROLE_UNKNOWN, TENSOR_NAME, SHAPE_INVALID, ...)."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    role: str = "parameter"


_PLAIN_NAME: Final = re.compile(r"[ !#-\[\]-~]*")  # printable ASCII except `"` and `\`: written as is


def _encode_name(name: str) -> str:
    return f'"{name}"' if _PLAIN_NAME.fullmatch(name) else _json.canonical(name)


@dataclass(frozen=True)
class _HeaderTemplate:
    """The canonical header with a slot for each digest: built once, filled twice (placeholder, final)."""

    head: str
    row_prefixes: list[str]
    row_suffixes: list[str]
    tail: str

    def fill(self, digests: Sequence[str]) -> bytes:
        rows = [
            prefix + digest + suffix
            for prefix, digest, suffix in zip(self.row_prefixes, digests, self.row_suffixes, strict=True)
        ]
        return (self.head + ",".join(rows) + self.tail).encode("utf-8")


def header_template(infos: Iterable[TensorInfo], sections: Mapping[str, object]) -> _HeaderTemplate:
    """RFC 8785 canonical form. The tensor table, which may have 10^5 rows, is formatted directly."""
    prefixes: list[str] = []
    suffixes: list[str] = []
    for info in infos:
        prefixes.append(
            f'{{"dtype":"{info.dtype}","length":{info.length},"name":{_encode_name(info.name)},'
            f'"offset":{info.offset},"role":"{info.role}","sha256":"'
        )
        suffixes.append(f'","shape":[{",".join(map(str, info.shape))}]}}')
    parts = {key: _json.canonical(value) for key, value in sections.items() if value is not None}
    keys = sorted([*parts, "tensors"])  # ASCII keys: UTF-16 order is plain sorted()
    split = keys.index("tensors")
    head = "{" + "".join(f'"{key}":{parts[key]},' for key in keys[:split]) + '"tensors":['
    tail = "]" + "".join(f',"{key}":{parts[key]}' for key in keys[split + 1 :]) + "}"
    return _HeaderTemplate(head, prefixes, suffixes, tail)


def encode_header(infos: Sequence[TensorInfo], sections: Mapping[str, object]) -> bytes:
    """The canonical header of a table (with the digests it states) and its sections."""
    return header_template(infos, sections).fill([info.sha256 for info in infos])


@dataclass(frozen=True)
class _Plan:
    infos: tuple[TensorInfo, ...]
    sections: Mapping[str, object]  # metadata, architecture, training, extensions as given
    minor: int  # the minor version to write (§15.5)

    @cached_property
    def _template(self) -> _HeaderTemplate:
        return header_template(self.infos, self.sections)

    def header_bytes(self, digests: Sequence[str] | None = None) -> bytes:
        return self._template.fill([_PLACEHOLDER_DIGEST] * len(self.infos) if digests is None else digests)


def _plan(
    specs: Iterable[TensorSpec],
    *,
    metadata: Mapping[str, object] | None,
    architecture: Mapping[str, object] | None,
    training: Mapping[str, object] | None,
    extensions: Mapping[str, object] | None,
) -> _Plan:
    sections: dict[str, object] = {
        "metadata": dict(metadata) if metadata is not None else {},
        "architecture": _plain(architecture),
        "training": _plain(training),
        "extensions": _plain(extensions) if extensions else None,  # §8.3: an empty one is omitted
    }
    # The writer holds itself to the reader's rules: whatever it writes, a reader accepts, and whatever it
    # refuses, a reader would reject with the same code. The header it would write is judged by the
    # reader's own validation, sections after a trip through JSON, as a reader will see them (tuples
    # become arrays, 1.0 becomes 1).
    # §15.5: the lowest minor version that defines every feature the file uses.
    minor = training_minor(training)
    infos = validate_for_writer(_table(specs), _json_round_trip(sections), minor)
    return _Plan(infos, sections, minor)


def _table(specs: Iterable[TensorSpec]) -> Columns:
    """The tensor table the writer would write: in the caller's order, each tensor at the next 64-byte
    boundary, digests not yet known. A value the file cannot hold is kept as given, for the reader's rules
    to name. Built column by column, as the reader judges it: a model may declare 10^5 tensors."""
    specs = list(specs)
    names, dtypes, shapes, roles = (list(map(field, specs)) for field in _SPEC_FIELDS)
    shapes = _shapes_as_given(shapes)
    lengths = _lengths(dtypes, shapes)
    # Each offset is aligned, so the next one is this one plus the aligned length: a running sum.
    offsets = list(accumulate(align_each(lengths[:-1]), initial=0)) if lengths else []
    digests = [_PLACEHOLDER_DIGEST] * len(specs)
    return Columns._make(
        [_strs_as_read(names), _strs_as_read(dtypes), shapes, offsets, lengths, digests, _strs_as_read(roles)]
    )


_SPEC_FIELDS: Final = (attrgetter("name"), attrgetter("dtype"), attrgetter("shape"), attrgetter("role"))


def _strs_as_read(values: list[object]) -> list[object]:
    if not set(map(type, values)) - {str}:
        return values
    return [str(value) if isinstance(value, str) else value for value in values]  # numpy.str_ is a str subclass


def _shapes_as_given(shapes: list[object]) -> list[object]:
    """Each shape as a tuple of its dimensions (numpy integers become ints), as a writer's table holds it;
    a shape that is not a sequence is kept as it is."""
    if not set(map(type, shapes)) - {tuple} and not set(map(type, chain.from_iterable(shapes))) - {int}:  # type: ignore[arg-type]
        return shapes  # the common case: numpy's own shapes
    return [_shape_as_given(shape) for shape in shapes]


def _shape_as_given(shape: object) -> object:
    if isinstance(shape, str | bytes | Mapping) or not isinstance(shape, Iterable):
        return shape  # not an array
    return tuple(_dim_as_read(dim) for dim in shape)


def _dim_as_read(dim: object) -> object:
    if type(dim) is int or isinstance(dim, bool | np.bool_) or not isinstance(dim, SupportsIndex):
        return dim  # an integer as it is, or something a reader would not take for one
    return operator.index(dim)  # numpy integers


def _lengths(dtypes: list[object], shapes: list[object]) -> list[int]:
    """Each tensor's byte length; 0 where the dtype or shape breaks a rule (which a reader checks before
    the length, so the length does not matter)."""
    known = not set(map(type, dtypes)) - {str} and set(dtypes) <= DTYPES.keys()
    arrays = not set(map(type, shapes)) - {tuple}
    dims: list[int] = list(chain.from_iterable(shapes)) if arrays else []  # type: ignore[arg-type]
    if known and arrays and not set(map(type, dims)) - {int} and min(dims, default=0) >= 0:
        return byte_lengths(dtypes, map(math.prod, shapes))  # type: ignore[arg-type]
    return [_length(dtype, shape) for dtype, shape in zip(dtypes, shapes, strict=True)]


def _length(dtype_name: object, shape: object) -> int:
    dtype = DTYPES.get(dtype_name) if isinstance(dtype_name, str) else None
    if dtype is None or not isinstance(shape, tuple) or not all(type(dim) is int and dim >= 0 for dim in shape):
        return 0
    return dtype.byte_length(math.prod(shape))


def _json_round_trip(sections: Mapping[str, object]) -> dict[str, object]:
    present = {key: value for key, value in sections.items() if value is not None}
    parsed = _json.parse(_json.canonical(present, writing=True).encode("utf-8"), base_offset=0)
    assert isinstance(parsed, dict)
    return parsed


def _plain(section: Mapping[str, object] | None) -> object:
    return None if section is None else dict(section)


def _array_bytes(array: np.ndarray) -> memoryview:
    """The little-endian, C-order bytes of an array, copying only when the layout requires it."""
    # The common case, quickest. isbuiltin == 1: a native-order numpy type that the buffer protocol can
    # export (ml_dtypes types have isbuiltin 2, and float8_e5m2 even has kind "f").
    if array.flags.c_contiguous and array.size and array.dtype.kind in "fiu" and array.dtype.isbuiltin == 1:
        return array.data.cast("B")
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    array = np.ascontiguousarray(array)
    flat = array.reshape(-1).view(np.uint8)
    if array.dtype == np.bool_ and flat.size and int(flat.max()) > 1:
        flat = (flat != 0).view(np.uint8)  # numpy bools built from raw bytes may hold 2..255
    return flat.data


def _as_array(value: object, name: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"tensor `{name}` is not numeric data ({type(value).__name__})")
    return array


def _prepare(
    tensors: Mapping[str, object], roles: Mapping[str, str] | None
) -> tuple[list[TensorSpec], list[memoryview]]:
    if not isinstance(tensors, Mapping):
        raise TypeError(f"tensors must be a mapping of name to array, got {type(tensors).__name__}")
    roles = roles or {}
    unknown = set(roles) - set(tensors)
    if unknown:
        raise ValueError(f"roles given for tensors that are not saved: {sorted(unknown)}")
    specs: list[TensorSpec] = []
    buffers: list[memoryview] = []
    for name, value in tensors.items():
        array = _as_array(value, str(name))
        specs.append(TensorSpec(name, dtype_of_array(array).name, array.shape, roles.get(name, "parameter")))
        buffers.append(_array_bytes(array))
    return specs, buffers


def _write_all(
    stream: BinaryIO,
    tensors: Mapping[str, object],
    *,
    roles: Mapping[str, str] | None,
    metadata: Mapping[str, object] | None,
    architecture: Mapping[str, object] | None,
    training: Mapping[str, object] | None,
    extensions: Mapping[str, object] | None,
) -> None:
    specs, buffers = _prepare(tensors, roles)
    plan = _plan(specs, metadata=metadata, architecture=architecture, training=training, extensions=extensions)
    placeholder = plan.header_bytes()
    start = stream.tell()
    stream.write(pack_preamble(len(placeholder), minor=plan.minor))
    stream.write(placeholder)
    header_end = PREAMBLE_SIZE + len(placeholder)
    stream.write(_ZEROS[: align(header_end) - header_end])
    # Worker threads hash while this thread writes: both release the GIL.
    hasher = _digests.Hasher(buffers)
    try:
        _write_data(stream, plan.infos, buffers)
    finally:
        digests = hasher.finish()
    stream.seek(start + PREAMBLE_SIZE)
    stream.write(plan.header_bytes(digests))
    stream.seek(0, io.SEEK_END)


def _write_data(stream: BinaryIO, infos: Sequence[TensorInfo], buffers: Sequence[memoryview]) -> None:
    """Tensor bytes and the zero gaps between them, with few system calls: a write call costs more than
    the bytes of a small tensor, so small tensors are gathered (os.writev, no copy) before writing."""
    try:
        fd = stream.fileno()
    except (OSError, AttributeError):  # an in-memory stream: `save`
        fd = -1
    pending: list[bytes | memoryview] = []
    pending_bytes = 0

    def flush() -> None:
        nonlocal pending, pending_bytes
        if fd < 0:
            stream.write(b"".join(pending))
        else:
            stream.flush()
            for start in range(0, len(pending), _IOV_MAX):
                _writev_all(fd, pending[start : start + _IOV_MAX])
        pending, pending_bytes = [], 0

    end = 0
    for info, buffer in zip(infos, buffers, strict=True):
        if info.offset > end:
            pending.append(_ZEROS[: info.offset - end])
        if len(buffer):
            pending.append(buffer)
        pending_bytes += len(buffer)
        if pending_bytes >= _WRITE_BATCH_BYTES or len(pending) >= 4 * _IOV_MAX:
            flush()
        end = info.end
    flush()


def _writev_all(fd: int, buffers: list[bytes | memoryview]) -> None:
    """os.writev may write less than asked (signals, pipes): resume where it stopped."""
    total = sum(len(buffer) for buffer in buffers)
    written = os.writev(fd, buffers)
    while written < total:
        remaining: list[bytes | memoryview] = []
        skip = written
        for buffer in buffers:
            if skip >= len(buffer):
                skip -= len(buffer)
                continue
            remaining.append(memoryview(buffer)[skip:])
            skip = 0
        buffers, total = remaining, total - written
        written = os.writev(fd, buffers)


def save_file(
    tensors: Mapping[str, object],
    path: str | os.PathLike[str],
    metadata: Mapping[str, object] | None = None,  # positional too, as in safetensors' save_file
    *,
    roles: Mapping[str, str] | None = None,
    architecture: Mapping[str, object] | None = None,
    training: Mapping[str, object] | None = None,
    extensions: Mapping[str, object] | None = None,
) -> None:
    """Write `tensors` (name -> array, in this order) to `path`, atomically.

    `roles` maps names to parameter (default), buffer, optimizer or other. A failure at any point
    leaves the previous file at `path` untouched.
    """
    with atomic_write(path) as stream:
        _write_all(
            stream,
            tensors,
            roles=roles,
            metadata=metadata,
            architecture=architecture,
            training=training,
            extensions=extensions,
        )


def save(
    tensors: Mapping[str, object],
    metadata: Mapping[str, object] | None = None,
    *,
    roles: Mapping[str, str] | None = None,
    architecture: Mapping[str, object] | None = None,
    training: Mapping[str, object] | None = None,
    extensions: Mapping[str, object] | None = None,
) -> bytes:
    """The bytes `save_file` would write."""
    stream = io.BytesIO()
    _write_all(
        stream,
        tensors,
        roles=roles,
        metadata=metadata,
        architecture=architecture,
        training=training,
        extensions=extensions,
    )
    return stream.getvalue()


class StreamWriter:
    """Write a model larger than memory: declare every tensor first, then stream its bytes in order.

        specs = [TensorSpec("w", "float32", (1024, 1024)), ...]
        with StreamWriter("model.mf", specs, metadata={"name": "big"}) as writer:
            for chunk in chunks_of_w:          # any bytes-like objects, or numpy arrays
                writer.write(chunk)
            ...

    Bytes are the concatenation of all tensors' raw little-endian C-order bytes, in declared order,
    without padding (the writer inserts it). Peak memory is the largest chunk, not the model.
    The file appears at `path` only when every declared byte was written and the context exits cleanly.
    Bytes a file must not hold are refused with the reader's code, before they reach `path`: more or
    fewer bytes than declared (TENSOR_LENGTH), a bool byte other than 0x00 or 0x01 (BOOL_VALUE).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        tensors: Iterable[TensorSpec],
        *,
        metadata: Mapping[str, object] | None = None,
        architecture: Mapping[str, object] | None = None,
        training: Mapping[str, object] | None = None,
        extensions: Mapping[str, object] | None = None,
    ) -> None:
        self._plan = _plan(
            list(tensors), metadata=metadata, architecture=architecture, training=training, extensions=extensions
        )
        self._digests: list[str] = []
        self._index = 0
        self._written = 0  # bytes of the current tensor
        self._hash = hashlib.sha256()
        self._hash_thread: ThreadPoolExecutor | None = None
        self._context = atomic_write(path)
        self._stream = self._context.__enter__()
        self._closed = False
        try:
            placeholder = self._plan.header_bytes()
            self._stream.write(pack_preamble(len(placeholder), minor=self._plan.minor))
            self._stream.write(placeholder)
            header_end = PREAMBLE_SIZE + len(placeholder)
            self._data_start = align(header_end)
            self._stream.write(_ZEROS[: self._data_start - header_end])
            self._finish_empty_tensors()
        except BaseException:
            self.abort()
            raise

    @property
    def header(self) -> tuple[TensorInfo, ...]:
        return self._plan.infos

    @property
    def current(self) -> TensorInfo | None:
        """The tensor the next bytes belong to (None when all are written)."""
        infos = self._plan.infos
        return infos[self._index] if self._index < len(infos) else None

    def write(self, data: object) -> None:
        """Append bytes (any bytes-like object, or a numpy array) to the declared tensors. Bytes the file
        must not hold abort the writer and raise the reader's error: nothing reaches `path`."""
        if self._closed:
            raise ValueError("write to a closed StreamWriter")
        view = _array_bytes(data) if isinstance(data, np.ndarray) else memoryview(data).cast("B")  # type: ignore[arg-type]
        try:
            while len(view):
                info = self.current
                if info is None:
                    raise error("TENSOR_LENGTH", f"{len(view)} bytes more than the declared tensors hold")
                take = min(len(view), info.length - self._written)
                piece = view[:take]
                if info.dtype == "bool":  # §7.9, checked before the bytes are hashed or written
                    _digests.check_bool_values(info, piece, self._data_start + info.offset + self._written)
                self._hash_and_write(piece)
                self._written += take
                view = view[take:]
                if self._written == info.length:
                    self._next_tensor()
        except ModelfmtError:
            self.abort()
            raise

    def _hash_and_write(self, piece: memoryview) -> None:
        """Hash on a helper thread while this one writes: both release the GIL, so a large chunk costs
        the longer of the two instead of their sum. The hash is complete before this returns, because
        the caller may reuse its buffer as soon as `write` returns."""
        if len(piece) < _OVERLAP_MIN_BYTES:
            self._hash.update(piece)
            self._stream.write(piece)
            return
        if self._hash_thread is None:
            self._hash_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="modelfmt-hash")
        hashed = self._hash_thread.submit(self._hash.update, piece)
        try:
            self._stream.write(piece)
        finally:
            hashed.result()

    def _next_tensor(self) -> None:
        self._digests.append(self._hash.hexdigest())
        self._hash = hashlib.sha256()
        self._written = 0
        self._index += 1
        self._finish_empty_tensors()

    def _finish_empty_tensors(self) -> None:
        """Write the padding before the current tensor, and complete zero-size tensors at once."""
        infos = self._plan.infos
        while self._index < len(infos) and self._written == 0:
            info = infos[self._index]
            previous_end = infos[self._index - 1].end if self._index else 0
            self._stream.write(_ZEROS[: info.offset - previous_end])
            if info.length:
                return
            self._digests.append(self._hash.hexdigest())
            self._index += 1

    def close(self) -> None:
        """Finish the file. Raises TENSOR_LENGTH (and writes nothing) if declared bytes are missing."""
        if self._closed:
            return
        info = self.current
        if info is not None:
            self.abort()
            raise error(
                "TENSOR_LENGTH",
                f"StreamWriter closed before all data was written: tensor `{info.name}` has "
                f"{self._written} of {info.length} bytes; nothing was written",
                tensor=info.name,
            )
        try:
            self._stream.seek(PREAMBLE_SIZE)
            self._stream.write(self._plan.header_bytes(self._digests))
            self._stream.seek(0, io.SEEK_END)
        except BaseException:
            self.abort()
            raise
        self._closed = True
        self._stop_hash_thread()
        self._context.__exit__(None, None, None)

    def _stop_hash_thread(self) -> None:
        if self._hash_thread is not None:
            self._hash_thread.shutdown()
            self._hash_thread = None

    def abort(self) -> None:
        """Discard everything written; the destination is left as it was."""
        if self._closed:
            return
        self._closed = True
        self._stop_hash_thread()
        error = ValueError("StreamWriter aborted")
        with contextlib.suppress(ValueError):  # the context re-raises what it is told about
            self._context.__exit__(ValueError, error, None)

    def __enter__(self) -> StreamWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
