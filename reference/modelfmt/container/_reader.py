"""Reading: `load_file`, `load`, `safe_open`, `read_header`.

Every size the file declares is checked against the file's real size before anything is allocated
or sliced (phases 1-4 of SPEC.md §13 need only the preamble, the header and the last 16 bytes).
"""

from __future__ import annotations

import contextlib
import gc
import mmap
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np

from ..format import _json
from ..format._dtypes import DTYPES
from ..format._errors import error
from ..format._framing import PREAMBLE_SIZE, SIGNATURE_TRAILER_SIZE, Layout, locate_end, parse_preamble
from ..format._limits import DEFAULT_LIMITS, Limits
from ..signing import _signatures
from ..signing._keys import TrustInput
from . import _digests, _trust
from ._header import Header, validate
from ._tensors import TensorInfo
from ._trust import Verification

ReadAt = Callable[[int, int], bytes]
# load_file reads the data section in pieces of this size, hashing each piece's tensors while it reads on.
_READ_CHUNK = 32 * 1024 * 1024
PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Structure:
    """What phases 1-4 establish: a valid header and where the file ends."""

    header: Header
    layout: Layout
    signature_body: bytes | None


def read_structure(read_at: ReadAt, file_size: int, limits: Limits = DEFAULT_LIMITS) -> Structure:
    """Phases 1-4 of §13 through `read_at(offset, size)`, which returns exactly `size` bytes."""
    preamble = parse_preamble(read_at(0, min(PREAMBLE_SIZE, file_size)), file_size, limits)
    raw_header = read_at(PREAMBLE_SIZE, preamble.header_length)
    with _cyclic_gc_paused():
        header = validate(_json.parse(raw_header, base_offset=PREAMBLE_SIZE), preamble, limits)
    data_end = header.data_end
    tail = b""
    if file_size > data_end:
        tail_size = min(SIGNATURE_TRAILER_SIZE, file_size - data_end)
        tail = read_at(file_size - tail_size, tail_size)
    layout = locate_end(data_end, file_size, tail)
    body = None
    if layout.signature_body_offset is not None:
        body = read_at(layout.signature_body_offset, layout.signature_body_length)
        _signatures.parse_block(body, offset=data_end, minor=header.minor)  # §12.3, for every reader
    return Structure(header, layout, body)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a header's objects are built. They are acyclic JSON trees
    that reference counting frees, but each burst of allocation triggers collections that rescan all of
    them: for a table of 20,000 tensors that is about 30% of the time to open a file (measured)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _pread_all(fd: int, offset: int, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = os.pread(fd, remaining, offset + size - remaining)
        if not chunk:  # the file shrank while we read it
            raise error("TRUNCATED", "file ended while it was being read", offset=offset + size - remaining)
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _readinto_all(stream: BinaryIO, target: memoryview, offset: int) -> None:
    stream.seek(offset)
    done = 0
    while done < len(target):
        count = stream.readinto(target[done:])  # type: ignore[attr-defined]
        if not count:
            raise error("TRUNCATED", "file ended while it was being read", offset=offset + done)
        done += count


def _aligned_empty(size: int) -> np.ndarray:
    """An uninitialised byte buffer starting at a 64-byte boundary, so that every tensor view is as aligned
    as in the file (§3.7): vector instructions and zero-copy hand-offs to other libraries rely on it."""
    raw = np.empty(size + 64, dtype=np.uint8)
    skip = -raw.ctypes.data % 64
    return raw[skip : skip + size]


def _arrays(header: Header, data: np.ndarray) -> dict[str, np.ndarray]:
    """Views of `data` (the data section) for every tensor: no copies."""
    with _cyclic_gc_paused():
        return _views(header, data)


def _views(header: Header, data: np.ndarray) -> dict[str, np.ndarray]:
    return {
        info.name: np.ndarray(info.shape, DTYPES[info.dtype].numpy, buffer=data, offset=info.offset)
        for info in header.tensors
    }


def read_header(path: PathLike, *, limits: Limits = DEFAULT_LIMITS) -> Header:
    """The validated header of a file (phases 1-4); tensor bytes are not read."""
    with open(path, "rb") as stream:
        fd = stream.fileno()
        size = os.fstat(fd).st_size
        return read_structure(lambda offset, count: _pread_all(fd, offset, count), size, limits).header


def load_file(
    path: PathLike, *, verify: bool = True, limits: Limits = DEFAULT_LIMITS, trusted_keys: TrustInput | None = None
) -> dict[str, np.ndarray]:
    """Read every tensor of a file into memory.

    The data section is read once into one buffer and the arrays are views of it (writable, aligned).
    With `verify` (the default) every digest, padding byte and bool value is checked first, so a
    corrupt file raises instead of returning tensors.

    With `trusted_keys` (public keys, key files, directories of `.pub` files; see `verify_file`) the
    file must also carry a valid signature by one of them (SPEC.md §12.9), checked before the data is
    read; an unsigned, untrusted or tampered file raises `SignatureError` or `IntegrityError`.
    """
    gate = _trust.gate(trusted_keys, verify=verify)
    with open(path, "rb") as stream:
        fd = stream.fileno()
        size = os.fstat(fd).st_size

        def read_at(offset: int, count: int) -> bytes:
            return _pread_all(fd, offset, count)

        structure = read_structure(read_at if gate is None else gate.reader(read_at), size, limits)
        header = structure.header
        padding = b""
        if verify:
            padding_start = PREAMBLE_SIZE + header.header_length
            padding = _pread_all(fd, padding_start, header.data_start - padding_start)
        if gate is not None:  # signatures first: an untrusted file costs no data reads
            gate.check(header, structure.signature_body, padding)
        data = _aligned_empty(header.data_length)
        if not verify:
            _readinto_all(stream, data.data, header.data_start)
            _digests.check_bools(header, data.data)
            return _arrays(header, data)
        # Hash while reading: each chunk's completed tensors go to worker threads as the next is read.
        hasher = _digests.ArrivalHasher(data.data, header.tensors)
        try:
            for start in range(0, header.data_length, _READ_CHUNK):
                chunk = data.data[start : start + _READ_CHUNK]
                _readinto_all(stream, chunk, header.data_start + start)
                hasher.arrived(start + len(chunk))
            hasher.arrived(header.data_length)  # zero-size tensors, even in an empty data section
        finally:
            digests = hasher.finish()
    _digests.verify(header, data.data, padding, digests=digests)
    return _arrays(header, data)


def load(
    data: bytes | bytearray | memoryview, *, verify: bool = True, limits: Limits = DEFAULT_LIMITS
) -> dict[str, np.ndarray]:
    """Read every tensor from a complete file held in memory. The arrays own a copy of the data section."""
    view = memoryview(data).cast("B")
    size = len(view)

    def read_at(offset: int, count: int) -> bytes:
        return bytes(view[offset : offset + count])

    structure = read_structure(read_at, size, limits)
    header = structure.header
    section = np.frombuffer(view, dtype=np.uint8, count=header.data_length, offset=header.data_start).copy()
    if verify:
        padding = read_at(
            PREAMBLE_SIZE + header.header_length, header.data_start - PREAMBLE_SIZE - header.header_length
        )
        _digests.verify(header, section.data, padding)
    else:
        _digests.check_bools(header, section.data)
    return _arrays(header, section)


class SafeOpen:
    """A memory-mapped file: the header is validated at open, tensors are read on demand.

    `get_tensor` returns a read-only array over the mapping (no copy). With `verify` (the default) each
    tensor's digest, leading padding and bool values are checked the first time it is accessed.

    With `trusted_keys`, the signature (SPEC.md §12.9) and then every tensor are verified at open, so an
    unsigned, untrusted or tampered file raises before any tensor is available; `verification` names
    the key that signed.
    """

    def __init__(
        self,
        path: PathLike,
        *,
        verify: bool = True,
        limits: Limits = DEFAULT_LIMITS,
        trusted_keys: TrustInput | None = None,
    ) -> None:
        gate = _trust.gate(trusted_keys, verify=verify)  # key file errors before the model is opened
        self.verification: Verification | None = None
        self.path = Path(path)
        self._map: mmap.mmap | None = None
        self._view: memoryview | None = None
        self._data = memoryview(b"")
        self._verify = verify
        self._verified: set[int] = set()
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size < PREAMBLE_SIZE:
                # mmap cannot map an empty file; the preamble check gives the right error.
                read_structure(lambda offset, count: _pread_all(stream.fileno(), offset, count), size, limits)
            self._map = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            self._view = view = memoryview(self._map)

            def read_at(offset: int, count: int) -> bytes:
                return bytes(view[offset : offset + count])

            self._structure = read_structure(read_at if gate is None else gate.reader(read_at), size, limits)
            header = self._structure.header
            self._data = view[header.data_start : header.data_end]
            self._index = {info.name: index for index, info in enumerate(header.tensors)}
            if gate is not None:
                padding = bytes(view[PREAMBLE_SIZE + header.header_length : header.data_start])
                self.verification = gate.check(header, self._structure.signature_body, padding)
                self.verify_all()
            if verify:
                start = PREAMBLE_SIZE + header.header_length
                _digests._check_padding(bytes(view[start : header.data_start]), start)
        except BaseException:
            self.close()
            raise

    # -- the safetensors-compatible surface
    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __len__(self) -> int:
        return len(self._index)

    @property
    def header(self) -> Header:
        return self._structure.header

    @property
    def metadata(self) -> Mapping[str, object]:
        return self._structure.header.metadata

    @property
    def signature_body(self) -> bytes | None:
        return self._structure.signature_body

    def tensor_info(self, name: str) -> TensorInfo:
        return self._structure.header.tensor(name)

    def get_tensor(self, name: str) -> np.ndarray:
        index = self._index.get(name)
        if index is None:
            raise KeyError(f"no tensor named {name!r} in {self.path.name}")
        header = self._structure.header
        info = header.tensors[index]
        if index not in self._verified:
            if self._verify:
                _digests.verify_one(header, index, self._data)
            elif info.dtype == "bool":
                _digests.check_bool(header, info, self._data)
            self._verified.add(index)
        dtype = DTYPES[info.dtype].numpy
        if info.length == 0:
            empty = np.empty(info.shape, dtype=dtype)
            empty.flags.writeable = False
            return empty
        flat = np.frombuffer(self._data, dtype=np.uint8, count=info.length, offset=info.offset)
        return flat.view(dtype).reshape(info.shape)

    def verify_all(self, progress: _digests.Progress | None = None) -> None:
        """Check every tensor now (in parallel), as `load_file` does."""
        header = self._structure.header
        start = PREAMBLE_SIZE + header.header_length
        assert self._view is not None  # set in __init__, which raised otherwise
        padding = bytes(self._view[start : header.data_start])
        _digests.verify(header, self._data, padding, progress)
        self._verified.update(range(len(header.tensors)))

    def close(self) -> None:
        try:
            for view in (self._data, self._view):
                if view is not None:
                    view.release()
            if self._map is not None:
                self._map.close()
        except BufferError:
            pass  # arrays from get_tensor still use the mapping; it is unmapped when they are freed

    def __enter__(self) -> SafeOpen:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def safe_open(
    path: PathLike,
    framework: str = "numpy",
    *,
    verify: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    trusted_keys: TrustInput | None = None,
) -> SafeOpen:
    """Open a file for lazy, zero-copy access: `with safe_open(path) as f: f.get_tensor(name)`.

    `framework` exists for safetensors compatibility; only "numpy" ("np") is supported by the core.
    """
    if framework not in ("numpy", "np"):
        raise ValueError(f"framework {framework!r} is not supported; use 'numpy'")
    return SafeOpen(path, verify=verify, limits=limits, trusted_keys=trusted_keys)
