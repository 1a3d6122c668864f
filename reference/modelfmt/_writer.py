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
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO, Final

import numpy as np

from . import _content, _json
from ._atomic import atomic_write
from ._dtypes import DTYPES, dtype_of_array
from ._framing import MINOR_VERSION, PREAMBLE_SIZE, Preamble, align, pack_preamble
from ._header import ROLES, TensorInfo, validate

_PLACEHOLDER_DIGEST: Final = "0" * 64
_ZEROS: Final = bytes(64)


@dataclass(frozen=True)
class TensorSpec:
    """A tensor declared before its data: what a streaming writer needs to lay out the file."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    role: str = "parameter"


@dataclass(frozen=True)
class _Plan:
    infos: tuple[TensorInfo, ...]
    sections: Mapping[str, object]  # metadata, architecture, training, extensions as given

    def header_bytes(self, digests: list[str] | None = None) -> bytes:
        return encode_header(self.infos, self.sections, digests)

    @property
    def data_length(self) -> int:
        return self.infos[-1].end if self.infos else 0


def encode_header(
    infos: Iterable[TensorInfo], sections: Mapping[str, object], digests: list[str] | None = None
) -> bytes:
    """The canonical (RFC 8785) header. The tensor table, which may have 10^5 rows, has a fast path."""
    rows: list[str] = []
    for index, info in enumerate(infos):
        digest = info.sha256 if digests is None else digests[index]
        rows.append(
            f'{{"dtype":"{info.dtype}","length":{info.length},"name":{_json.canonical(info.name)},'
            f'"offset":{info.offset},"role":"{info.role}","sha256":"{digest}",'
            f'"shape":[{",".join(map(str, info.shape))}]}}'
        )
    parts = {key: _json.canonical(value) for key, value in sections.items() if value is not None}
    parts["tensors"] = "[" + ",".join(rows) + "]"
    body = ",".join(f'"{key}":{parts[key]}' for key in sorted(parts))  # ASCII keys: UTF-16 order = sorted()
    return ("{" + body + "}").encode("utf-8")


def _plan(
    specs: Iterable[TensorSpec],
    *,
    metadata: Mapping[str, object] | None,
    architecture: Mapping[str, object] | None,
    training: Mapping[str, object] | None,
    extensions: Mapping[str, object] | None,
) -> _Plan:
    infos: list[TensorInfo] = []
    end = 0
    for spec in specs:
        if not isinstance(spec.name, str):
            raise TypeError(f"tensor names must be str, got {type(spec.name).__name__}")
        dtype = DTYPES.get(spec.dtype)
        if dtype is None:
            raise ValueError(f"unknown dtype {spec.dtype!r}; supported: {', '.join(DTYPES)}")
        if spec.role not in ROLES:
            raise ValueError(f"unknown role {spec.role!r} for tensor `{spec.name}`; roles are {', '.join(ROLES)}")
        shape = tuple(int(dim) for dim in spec.shape)
        offset = align(end)
        length = dtype.byte_length(math.prod(shape))
        infos.append(TensorInfo(spec.name, spec.dtype, shape, offset, length, _PLACEHOLDER_DIGEST, spec.role))
        end = offset + length
    sections: dict[str, object] = {
        "metadata": dict(metadata) if metadata is not None else {},
        "architecture": _plain(architecture),
        "training": _plain(training),
        "extensions": _plain(extensions),
    }
    plan = _Plan(tuple(infos), sections)
    # The writer holds itself to the reader's rules: whatever it writes, a reader accepts.
    header_json = plan.header_bytes()
    preamble = Preamble(1, MINOR_VERSION, len(header_json))
    validate(_json.parse(header_json, base_offset=PREAMBLE_SIZE), preamble)
    return plan


def _plain(section: Mapping[str, object] | None) -> object:
    return None if section is None else dict(section)


def _array_bytes(array: np.ndarray) -> memoryview:
    """The little-endian, C-order bytes of an array, copying only when the layout requires it."""
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
    stream.write(pack_preamble(len(placeholder)))
    stream.write(placeholder)
    header_end = PREAMBLE_SIZE + len(placeholder)
    stream.write(_ZEROS[: align(header_end) - header_end])
    # Hash on worker threads while this thread writes: both release the GIL.
    workers = _content.worker_count()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="modelfmt-hash") as pool:
        futures = [pool.submit(_content.sha256_hex, buffer) for buffer in buffers]
        end = 0
        for info, buffer in zip(plan.infos, buffers, strict=True):
            stream.write(_ZEROS[: info.offset - end])
            stream.write(buffer)
            end = info.end
        digests = [future.result() for future in futures]
    stream.seek(start + PREAMBLE_SIZE)
    stream.write(plan.header_bytes(digests))
    stream.seek(0, io.SEEK_END)


def save_file(
    tensors: Mapping[str, object],
    path: str | os.PathLike[str],
    *,
    metadata: Mapping[str, object] | None = None,
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
    *,
    metadata: Mapping[str, object] | None = None,
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
        self._context = atomic_write(path)
        self._stream = self._context.__enter__()
        self._closed = False
        try:
            placeholder = self._plan.header_bytes()
            self._stream.write(pack_preamble(len(placeholder)))
            self._stream.write(placeholder)
            header_end = PREAMBLE_SIZE + len(placeholder)
            self._stream.write(_ZEROS[: align(header_end) - header_end])
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
        if self._closed:
            raise ValueError("write to a closed StreamWriter")
        view = _array_bytes(data) if isinstance(data, np.ndarray) else memoryview(data).cast("B")  # type: ignore[arg-type]
        while len(view):
            info = self.current
            if info is None:
                raise ValueError(f"{len(view)} bytes more than the declared tensors hold")
            take = min(len(view), info.length - self._written)
            piece = view[:take]
            self._hash.update(piece)
            self._stream.write(piece)
            self._written += take
            view = view[take:]
            if self._written == info.length:
                self._next_tensor()

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
        """Finish the file. Raises ValueError (and writes nothing) if declared bytes are missing."""
        if self._closed:
            return
        info = self.current
        if info is not None:
            self.abort()
            raise ValueError(
                f"StreamWriter closed before all data was written: tensor `{info.name}` has "
                f"{self._written} of {info.length} bytes; nothing was written"
            )
        try:
            self._stream.seek(PREAMBLE_SIZE)
            self._stream.write(self._plan.header_bytes(self._digests))
            self._stream.seek(0, io.SEEK_END)
        except BaseException:
            self.abort()
            raise
        self._closed = True
        self._context.__exit__(None, None, None)

    def abort(self) -> None:
        """Discard everything written; the destination is left as it was."""
        if self._closed:
            return
        self._closed = True
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
