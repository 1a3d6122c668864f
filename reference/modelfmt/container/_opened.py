"""One opened modelfmt file: phases 1-4 of SPEC.md §13 run once, and what they established kept.

Like `zipfile.ZipFile`, which reads the central directory once and members on demand, an `OpenedFile`
reads the preamble, the header and the end of the file once and keeps the preamble and header bytes
exactly as parsed, the validated `Header` (with the `Graph` and `TrainingState` its validation built),
the `Layout` and the parsed signature entries. Phase 5 (`verify_content`), the signatures
(`verify_signatures`) and tensor reads all work from what is kept, so nothing is parsed, validated or
located twice; and a trust check hashes the very bytes the parser saw, so a file that changes while it
is read cannot show one version to the parser and another to the verifier.

The bytes come from memory (a buffer, or a memory map of the file, whose data section is then a
zero-copy view) or from a file read with pread, whose data section `read_data` reads into a buffer of
its own while hashing what has arrived.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import mmap
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np

from ..format import _json
from ..format._errors import ModelfmtError, error
from ..format._framing import PREAMBLE_SIZE, SIGNATURE_TRAILER_SIZE, Layout, Preamble, locate_end, parse_preamble
from ..format._limits import DEFAULT_LIMITS, Limits
from ..signing import _signatures
from ..signing._keys import TrustedKeys
from ..signing._signatures import SignatureEntry, SignatureInfo
from . import _digests
from ._header import Header, validate
from ._sniff import SNIFF_BYTES, identify
from ._tensors import TensorInfo
from ._trust import Verification

PathLike = str | os.PathLike[str]
# `read_data` from a file reads the data section in pieces of this size, hashing each piece's tensors
# while it reads on.
_READ_CHUNK = 32 * 1024 * 1024


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
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


def aligned_empty(size: int) -> np.ndarray:
    """An uninitialised byte buffer starting at a 64-byte boundary, so that every tensor view is as aligned
    as in the file (§3.7): vector instructions and zero-copy hand-offs to other libraries rely on it."""
    raw = np.empty(size + 64, dtype=np.uint8)
    skip = -raw.ctypes.data % 64
    return raw[skip : skip + size]


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


# ---- where the bytes come from ----------------------------------------------------------------------------


class _Memory:
    """A complete file in memory: a caller's buffer, or a memory map this source owns."""

    def __init__(self, view: memoryview, mapping: mmap.mmap | None = None) -> None:
        self.view = view
        self.size = len(view)
        self._mapping = mapping

    def read(self, offset: int, count: int) -> bytes:
        """Exactly `count` bytes from `offset`, which phases 1-4 have checked against `size`."""
        return bytes(self.view[offset : offset + count])

    def close(self) -> None:
        if self._mapping is not None:  # a caller's buffer stays the caller's
            self.view.release()
            self._mapping.close()


class _File:
    """A file read with pread; its stream stays open until `close` (which closes it only if owned)."""

    def __init__(self, stream: BinaryIO, *, owned: bool) -> None:
        self._stream = stream
        self._fd = stream.fileno()
        self.size = os.fstat(self._fd).st_size
        self._owned = owned

    def read(self, offset: int, count: int) -> bytes:
        return _pread_all(self._fd, offset, count)

    def readinto(self, target: memoryview, offset: int) -> None:
        """Fill `target` from `offset` with preadv: no shared file position, so threads reading tensors of
        one private-mode `safe_open` at once each get their own bytes."""
        done = 0
        while done < len(target):
            count = os.preadv(self._fd, [target[done:]], offset + done)
            if not count:
                raise error("TRUNCATED", "file ended while it was being read", offset=offset + done)
            done += count

    def close(self) -> None:
        if self._owned:
            self._stream.close()


_Source = _Memory | _File


# ---- the opened file ----------------------------------------------------------------------------------------


def _explained(exc: ModelfmtError, path: PathLike) -> ModelfmtError:
    """`exc`, or for a file that is not modelfmt at all (BAD_MAGIC, or TRUNCATED shorter than a preamble) the
    same error naming what the file is instead (a git-lfs pointer, an HTML page, a safetensors file...), as
    `check` names it (SPEC.md §13.7)."""
    if exc.code not in ("BAD_MAGIC", "TRUNCATED"):
        return exc
    with contextlib.suppress(OSError), open(path, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        if exc.code == "TRUNCATED" and size >= PREAMBLE_SIZE:
            return exc
        finding = identify(stream.read(SNIFF_BYTES), size, Path(os.fsdecode(path)))
        if finding is not None:
            explained = type(exc)(exc.code, f"{exc}: {finding.description}", hint=exc.hint)
            explained.offset = exc.offset  # already in the message, which it extends
            return explained
    return exc


class OpenedFile:
    """A structurally valid file (phases 1-4 of §13 passed) and what those phases established.

    Build one with `open`, `from_stream` or `from_view`, and `close` it (or use `with`). Nothing here is
    checked again: phase 5 and the signatures are separate steps, which the caller orders.
    """

    preamble: Preamble
    preamble_bytes: bytes  # [0, 24) as parsed
    header_bytes: bytes  # [24, 24 + L) as parsed
    header: Header
    layout: Layout
    signature_body: bytes | None  # the block body (§12.2), None for an unsigned file
    signatures: tuple[SignatureEntry, ...]  # its entries, parsed once (§12.3); empty for an unsigned file

    def __init__(self, source: _Source, limits: Limits) -> None:
        """Phases 1-4 over `source`; prefer the constructors below, which close the source on failure."""
        self._source = source
        self._data: memoryview | None = None
        self._padding: bytes | None = None
        self._prefix_digest: bytes | None = None
        size = source.size
        # (1) the preamble
        self.preamble_bytes = source.read(0, min(PREAMBLE_SIZE, size))
        self.preamble = parse_preamble(self.preamble_bytes, size, limits)
        # (2)-(3) the header: strict JSON, then every structural rule, the graph and training state included
        self.header_bytes = source.read(PREAMBLE_SIZE, self.preamble.header_length)
        with cyclic_gc_paused():
            self.header = validate(_json.parse(self.header_bytes, base_offset=PREAMBLE_SIZE), self.preamble, limits)
        # (4) the end of the file: exactly at the data section, or after one well-formed signature block
        data_end = self.header.data_end
        tail = b""
        if size > data_end:
            tail_size = min(SIGNATURE_TRAILER_SIZE, size - data_end)
            tail = source.read(size - tail_size, tail_size)
        self.layout = locate_end(data_end, size, tail)
        self.signature_body = None
        self.signatures = ()
        if self.layout.signature_body_offset is not None:
            self.signature_body = source.read(self.layout.signature_body_offset, self.layout.signature_body_length)
            # §12.3, for every reader, whether or not it checks signatures
            self.signatures = _signatures.parse_block(self.signature_body, offset=data_end, minor=self.header.minor)

    @classmethod
    def _over(cls, source: _Source, limits: Limits) -> OpenedFile:
        try:
            return cls(source, limits)
        except BaseException:
            source.close()
            raise

    @classmethod
    def from_view(cls, view: memoryview, limits: Limits = DEFAULT_LIMITS) -> OpenedFile:
        """A complete file held in memory (a byte-format view, which stays the caller's)."""
        return cls._over(_Memory(view), limits)

    @classmethod
    def from_stream(cls, stream: BinaryIO, limits: Limits = DEFAULT_LIMITS, *, mapped: bool) -> OpenedFile:
        """The file open as `stream`, which stays the caller's. `mapped`: memory-map it (the stream may be
        closed as soon as this returns; `data` is then zero-copy); else read it with pread through the
        stream, which must stay open while this object is used."""
        if not mapped:
            return cls._over(_File(stream, owned=False), limits)
        fd = stream.fileno()
        size = os.fstat(fd).st_size
        if size < PREAMBLE_SIZE:  # mmap cannot map an empty file; these bytes give the right error
            return cls._over(_Memory(memoryview(_pread_all(fd, 0, size))), limits)
        mapping = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        return cls._over(_Memory(memoryview(mapping), mapping), limits)

    @classmethod
    def open(cls, path: PathLike, limits: Limits = DEFAULT_LIMITS, *, mapped: bool) -> OpenedFile:
        """The file at `path`, memory-mapped or read with pread (see `from_stream`). A file that is not
        modelfmt at all gets the real cause as its error's hint, as `check` names it (SPEC.md §13.7)."""
        try:
            if mapped:
                with open(path, "rb") as stream:
                    return cls.from_stream(stream, limits, mapped=True)
            with contextlib.ExitStack() as on_failure:
                stream = on_failure.enter_context(open(path, "rb"))
                opened = cls._over(_File(stream, owned=True), limits)
                on_failure.pop_all()  # from here the stream is the opened file's, closed by `close`
                return opened
        except ModelfmtError as exc:
            raise _explained(exc, path) from None

    # -- phase 5 and the signatures, from what phases 1-4 read

    @property
    def padding(self) -> bytes:
        """The header padding, bytes [24 + L, D), read once: the zero check and the prefix digest see the
        same bytes."""
        if self._padding is None:
            start = self.preamble.header_end
            self._padding = self._source.read(start, self.header.data_start - start)
        return self._padding

    def check_padding(self) -> None:
        """The header padding is zero (the first check of phase 5)."""
        _digests.check_padding(self.padding, self.preamble.header_end)

    def prefix_digest(self) -> bytes:
        """SHA-256 of [0, D) (§12.5) from the bytes that were parsed, not from a second read."""
        if self._prefix_digest is None:
            digest = hashlib.sha256()
            for part in (self.preamble_bytes, self.header_bytes, self.padding):
                digest.update(part)
            self._prefix_digest = digest.digest()
        return self._prefix_digest

    def verify_signatures(self, trusted: TrustedKeys) -> Verification:
        """Steps 2-6 of §12.9: a valid signature by one of `trusted`, or SignatureError. The tensors are
        not checked here: a caller trusts the file only after `verify_content` (or `read_data`) too."""
        # (2) SHA-256 of [0, D), from the bytes that were parsed; (3)-(6) the entries parsed at open
        verdict = _signatures.verify(self.signatures, self.prefix_digest(), trusted, offset=self.header.data_end)
        return Verification(verdict.key_id, verdict.algorithm, verdict.attributes, verdict.signatures, self.header)

    def signature_statuses(self, trusted: TrustedKeys | None) -> tuple[SignatureInfo, ...]:
        """Every signature's status, for display (§12.9 step 4); "unchecked" for all without `trusted`."""
        if not self.signatures:
            return ()
        if trusted is None:
            return _signatures.evaluate(self.signatures, b"", None)
        return _signatures.evaluate(self.signatures, self.prefix_digest(), trusted)

    @property
    def data(self) -> memoryview:
        """The data section [D, E): a view of the mapping or buffer, or (for a file read with pread) its
        bytes read once into memory. Nothing in it is checked until phase 5."""
        if self._data is None:
            header = self.header
            if isinstance(self._source, _Memory):
                self._data = self._source.view[header.data_start : header.data_end]
            else:
                section = aligned_empty(header.data_length)
                self._source.readinto(section.data, header.data_start)
                self._data = section.data
        return self._data

    def verify_content(self, progress: _digests.Progress | None = None) -> None:
        """Phase 5 for the whole file: padding, gaps, every tensor digest (in parallel), bool values."""
        _digests.verify(self.header, self.data, self.padding, progress)

    def verify_tensor(self, index: int) -> None:
        """Phase 5 for one tensor: its leading gap, its digest, its bool values."""
        _digests.verify_one(self.header, index, self.data)

    def check_bool_values(self, index: int) -> None:
        """BOOL_VALUE for one tensor, if it is a bool tensor: checked even when digests are not (§7.9)."""
        info = self.header.tensors[index]
        if info.dtype == "bool":
            _digests.check_bool(self.header, info, self.data)

    def read_tensor(self, index: int, *, verify: bool) -> memoryview:
        """One tensor's bytes read into a new buffer of its own (64-byte aligned, writable), checked by
        phase 5 for that tensor with `verify` (its leading gap, digest and bool values), else its bool
        values only. What is checked is the copy that is returned, so a file changed or truncated since it
        was opened gives a coded error (DIGEST_MISMATCH, TRUNCATED), never other bytes or a signal."""
        header = self.header
        info = header.tensors[index]
        previous_end = header.tensors[index - 1].end if index else 0
        gap = memoryview(self._source.read(header.data_start + previous_end, info.offset - previous_end))
        values = aligned_empty(info.length).data
        if isinstance(self._source, _File):
            self._source.readinto(values, header.data_start + info.offset)
        else:  # a buffer in memory: copied, so that the caller's bytes are the checked bytes
            values[:] = self._source.view[header.data_start + info.offset : header.data_start + info.end]
        if verify:
            _digests.verify_tensor_bytes(header, index, gap, values)
        elif info.dtype == "bool":
            _digests.check_bool_values(info, values, header.data_start + info.offset)
        return values

    def tensor_bytes(self, info: TensorInfo) -> memoryview:
        """The stored bytes of one tensor of this file's table, unchecked."""
        return self.data[info.offset : info.end]

    def read_data(self, *, verify: bool) -> np.ndarray:
        """The data section in a new buffer of its own (aligned to 64 bytes, writable), checked by phase 5
        with `verify`, else only its bool values (numpy's behaviour for other bool bytes is unspecified,
        SPEC.md §7.9, and the check costs little). What is checked is the copy that is returned."""
        header = self.header
        data = aligned_empty(header.data_length)
        digests = None
        if not isinstance(self._source, _File):
            data[:] = np.frombuffer(self.data, dtype=np.uint8)
        elif verify:
            digests = self._read_hashing(self._source, data)
        else:
            self._source.readinto(data.data, header.data_start)
        if verify:
            _digests.verify(header, data.data, self.padding, digests=digests)
        else:
            _digests.check_bools(header, data.data)
        return data

    def _read_hashing(self, source: _File, data: np.ndarray) -> list[str]:
        """Read the data section into `data`, hashing on worker threads each tensor a piece completes while
        the next piece is read (reading and hashing each release the GIL)."""
        header = self.header
        hasher = _digests.ArrivalHasher(data.data, header.tensors)
        try:
            for start in range(0, header.data_length, _READ_CHUNK):
                chunk = data.data[start : start + _READ_CHUNK]
                source.readinto(chunk, header.data_start + start)
                hasher.arrived(start + len(chunk))
            hasher.arrived(header.data_length)  # zero-size tensors, even in an empty data section
        finally:
            digests = hasher.finish()
        return digests

    # -- lifetime

    def close(self) -> None:
        """Release the file. A mapping that arrays still use is unmapped when the last of them is freed."""
        with contextlib.suppress(BufferError):
            if self._data is not None:
                self._data.release()
        with contextlib.suppress(BufferError):
            self._source.close()

    def __enter__(self) -> OpenedFile:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
