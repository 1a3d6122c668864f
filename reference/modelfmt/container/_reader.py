"""Reading: `load_file`, `load`, `safe_open`, `read_header`.

Every size the file declares is checked against the file's real size before anything is allocated
or sliced (phases 1-4 of SPEC.md §13 need only the preamble, the header and the last 16 bytes).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import EllipsisType, TracebackType
from typing import Final, Generic, TypeVar

import numpy as np

from ..format import _json
from ..format._dtypes import DTYPES, SAFETENSORS_NAMES
from ..format._limits import DEFAULT_LIMITS, Limits
from ..signing._keys import TrustInput
from . import _digests
from ._header import Header
from ._opened import OpenedFile, cyclic_gc_paused
from ._tensors import TensorInfo
from ._trust import Verification, trusted_for_read

PathLike = str | os.PathLike[str]
Tensor = TypeVar("Tensor")
NUMPY_FRAMEWORKS: Final = ("numpy", "np")
TORCH_FRAMEWORKS: Final = ("pt", "torch")  # served by modelfmt.torch, through modelfmt.safe_open
# Where a file converted from safetensors keeps that file's `__metadata__` (convert/_carry.py documents the
# carried keys): `SafeOpen.metadata()` returns it as safetensors would.
SAFETENSORS_METADATA: Final = "safetensors_metadata"


class Metadata(Mapping[str, object]):
    """A file's metadata (SPEC.md §8): a read-only mapping of typed JSON values, and callable as
    safetensors' `metadata()` is: `f.metadata()` gives a str -> str dict (strings unchanged, other values
    in canonical JSON, a carried safetensors `__metadata__` map unfolded), or None when there is none."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = values

    def __getitem__(self, key: str) -> object:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Metadata({dict(self._values)!r})"

    def __call__(self) -> dict[str, str] | None:
        strings: dict[str, str] = {}
        for key, value in self._values.items():
            carried = value if key == SAFETENSORS_METADATA and isinstance(value, Mapping) else None
            if carried is not None and all(isinstance(item, str) for item in carried.values()):
                strings.update(carried)
            else:
                strings[key] = value if isinstance(value, str) else _json.canonical(value)
        return strings or None


class TensorSlice(Generic[Tensor]):
    """`get_slice(name)`, as safetensors' slice: `get_shape()`, `get_dtype()` (safetensors' dtype name,
    "F32"), and indexing with ints, slices and `...`. The tensor is read and verified whole, then cut."""

    def __init__(
        self, info: TensorInfo, read: Callable[[], np.ndarray], convert: Callable[[np.ndarray, str], Tensor]
    ) -> None:
        self._info, self._read, self._convert = info, read, convert

    def get_shape(self) -> list[int]:
        return list(self._info.shape)

    def get_dtype(self) -> str:
        return SAFETENSORS_NAMES[self._info.dtype]

    def __getitem__(self, key: int | slice | EllipsisType | tuple[int | slice | EllipsisType, ...]) -> Tensor:
        # A copy, so that a small slice does not keep the whole tensor alive.
        return self._convert(np.array(self._read()[key]), self._info.dtype)


def _unchanged(array: np.ndarray, dtype: str) -> np.ndarray:
    del dtype
    return array


def _arrays(header: Header, data: np.ndarray) -> dict[str, np.ndarray]:
    """Views of `data` (the data section) for every tensor: no copies."""
    with cyclic_gc_paused():
        return _views(header, data)


def _views(header: Header, data: np.ndarray) -> dict[str, np.ndarray]:
    return {
        info.name: np.ndarray(info.shape, DTYPES[info.dtype].numpy, buffer=data, offset=info.offset)
        for info in header.tensors
    }


def read_header(path: PathLike, *, limits: Limits = DEFAULT_LIMITS) -> Header:
    """The validated header of a file (phases 1-4); tensor bytes are not read."""
    with OpenedFile.open(path, limits, mapped=False) as opened:
        return opened.header


def load_file(
    path: PathLike,
    *,
    verify: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    trusted_keys: TrustInput | None = None,
    mmap: bool = False,
) -> dict[str, np.ndarray]:
    """Read every tensor of a file into memory.

    The data section is read once into one buffer of the process's own memory and the arrays are
    views of it (writable, aligned). With `verify` (the default) every digest, padding byte and bool
    value is checked over that buffer before it is returned, so a corrupt file raises instead of
    returning tensors, and the arrays hold exactly the bytes that were checked: a later change to the
    file, or its truncation, cannot change them (SPEC.md §17.20.1).

    With `trusted_keys` (public keys, key files, directories of `.pub` files; see `verify_file`) the
    file must also carry a valid signature by one of them (SPEC.md §12.9), checked before the data is
    read; an unsigned, untrusted or tampered file raises `SignatureError` or `IntegrityError`.

    With `mmap=True` (as in `torch.load(mmap=True)`) the arrays are instead read-only views of a memory
    map of the file, verified once here: no copy, but they show whatever the file holds later, and a
    truncation of the file kills the process with SIGBUS when a view is touched (see `SafeOpen`).
    """
    if mmap:
        with SafeOpen(path, verify=verify, limits=limits, trusted_keys=trusted_keys, mmap=True) as handle:
            if verify and trusted_keys is None:  # with trusted keys, SafeOpen has verified every tensor
                handle.verify_all()
            return {name: handle.get_tensor(name) for name in handle}  # the views keep the mapping alive
    trusted = trusted_for_read(trusted_keys, verify=verify)  # key file errors before the model is opened
    with OpenedFile.open(path, limits, mapped=False) as opened:
        if trusted is not None:  # signatures first: an untrusted file costs no data reads
            opened.verify_signatures(trusted)
        data = opened.read_data(verify=verify)  # hashed while it is read
    return _arrays(opened.header, data)


def load(
    data: bytes | bytearray | memoryview, *, verify: bool = True, limits: Limits = DEFAULT_LIMITS
) -> dict[str, np.ndarray]:
    """Read every tensor from a complete file held in memory. The arrays own a copy of the data section."""
    with memoryview(data) as raw, raw.cast("B") as view, OpenedFile.from_view(view, limits) as opened:
        section = opened.read_data(verify=verify)
    return _arrays(opened.header, section)


class SafeOpen:
    """An opened file: the header is validated at open, tensors are read on demand.

    Two modes, chosen by `mmap`:

    - **Mapped** (`mmap=True`, the default without `trusted_keys`): `get_tensor` returns a read-only
      array over a memory map of the file (no copy). With `verify` each tensor's digest, leading padding
      and bool values are checked the first time it is accessed, over the mapped bytes *at that
      moment*. A mapping shows the file as it is on disk, so verification covers the file as it was when
      checked, not the file afterwards: if another process overwrites the file in place, arrays already
      returned and later calls of `get_tensor` silently show the new bytes, and if it truncates the file,
      touching a mapped page past the new end kills the process with SIGBUS (SPEC.md §17.20.1). Use it for
      files nobody else writes (writers that replace files by rename, §14.4, are safe).
    - **Private** (`mmap=False`, the default with `trusted_keys`): each `get_tensor` reads the tensor's
      bytes with `pread` into a new buffer of the process's own and, with `verify`, checks its digest,
      leading padding and bool values over that very buffer before returning a writable array of it.
      What is returned is what was verified: a later change to the file cannot change it, a change
      before the read raises `IntegrityError` (DIGEST_MISMATCH), and a truncation raises
      `FormatError` (TRUNCATED), never a signal. Each call reads and hashes the tensor again.

    With `trusted_keys`, the signature (SPEC.md §12.9) and then every tensor are verified at open, so an
    unsigned, untrusted or tampered file raises before any tensor is available; `verification` names
    the key that signed. Private mode is then the default because a signature is a statement about
    bytes: only in private mode do the arrays returned carry it.
    """

    def __init__(
        self,
        path: PathLike,
        *,
        verify: bool = True,
        limits: Limits = DEFAULT_LIMITS,
        trusted_keys: TrustInput | None = None,
        mmap: bool | None = None,
    ) -> None:
        trusted = trusted_for_read(trusted_keys, verify=verify)  # key file errors before the model is opened
        self.verification: Verification | None = None
        self.path = Path(path)
        self._verify = verify
        self._verified: set[int] = set()
        self.mapped = trusted is None if mmap is None else mmap
        # The file after phases 1-4 (header, graph, training state, signature entries), for callers that
        # need more than the tensors: `modelfmt.run` and `modelfmt.torch` use its validated graph.
        self.opened = OpenedFile.open(path, limits, mapped=self.mapped)
        try:
            self._index = {info.name: index for index, info in enumerate(self.opened.header.tensors)}
            if trusted is not None:
                self.verification = self.opened.verify_signatures(trusted)
                self.verify_all()
            elif verify:
                self.opened.check_padding()
        except BaseException:
            self.close()
            raise

    # -- the safetensors-compatible surface
    def keys(self) -> list[str]:
        """Tensor names in sorted order, as safetensors gives them (iteration gives the file's order)."""
        return sorted(self._index)

    def offset_keys(self) -> list[str]:
        """Tensor names in the order of their bytes in the file."""
        tensors = self.opened.header.tensors
        return [info.name for info in sorted(tensors, key=lambda info: info.offset)]

    def get_tensors(self) -> dict[str, np.ndarray]:
        """Every tensor, in the file's order, as `get_tensor` returns each."""
        return {name: self.get_tensor(name) for name in self._index}

    def get_slice(self, name: str) -> TensorSlice[np.ndarray]:
        """A lazily read tensor: `get_shape()`, `get_dtype()`, and `f.get_slice(name)[0:2, ...]`."""
        return self.slice_as(name, _unchanged)

    def slice_as(self, name: str, convert: Callable[[np.ndarray, str], Tensor]) -> TensorSlice[Tensor]:
        """`get_slice` whose pieces `convert` turns into another framework's tensors (`modelfmt.torch`)."""
        return TensorSlice(self.tensor_info(name), lambda: self.get_tensor(name), convert)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __len__(self) -> int:
        return len(self._index)

    @property
    def header(self) -> Header:
        return self.opened.header

    @property
    def metadata(self) -> Metadata:
        """The typed metadata (`f.metadata["key"]`); call it for safetensors' str -> str form (`f.metadata()`)."""
        return Metadata(self.opened.header.metadata)

    @property
    def signature_body(self) -> bytes | None:
        return self.opened.signature_body

    def tensor_info(self, name: str) -> TensorInfo:
        return self.opened.header.tensor(name)

    def get_tensor(self, name: str) -> np.ndarray:
        """The tensor `name`, verified (see the class docstring for the two modes)."""
        index = self._index.get(name)
        if index is None:
            raise KeyError(f"no tensor named {name!r} in {self.path.name}")
        info = self.opened.header.tensors[index]
        dtype = DTYPES[info.dtype].numpy
        if not self.mapped:  # read and checked anew: the caller's copy is the checked copy
            values = self.opened.read_tensor(index, verify=self._verify)
            return np.frombuffer(values, dtype=np.uint8).view(dtype).reshape(info.shape)
        if index not in self._verified:
            if self._verify:
                self.opened.verify_tensor(index)
            else:
                self.opened.check_bool_values(index)
            self._verified.add(index)
        if info.length == 0:
            empty = np.empty(info.shape, dtype=dtype)
            empty.flags.writeable = False
            return empty
        flat = np.frombuffer(self.opened.data, dtype=np.uint8, count=info.length, offset=info.offset)
        return flat.view(dtype).reshape(info.shape)

    def verify_all(self, progress: _digests.Progress | None = None) -> None:
        """Check every tensor now, as `load_file` does: in parallel over the mapping, or in private mode
        by reading each tensor into memory in turn (one tensor at a time, so memory stays bounded)."""
        if self.mapped:
            self.opened.verify_content(progress)
            self._verified.update(range(len(self.opened.header.tensors)))
            return
        self.opened.check_padding()
        for index, info in enumerate(self.opened.header.tensors):
            self.opened.read_tensor(index, verify=True)
            if progress is not None:
                progress(info.length)

    def close(self) -> None:
        """Release the mapping; arrays from get_tensor keep it alive until they are freed."""
        self.opened.close()

    def __enter__(self) -> SafeOpen:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def safe_open(
    path: PathLike,
    framework: str = "numpy",
    device: str = "cpu",
    *,
    verify: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    trusted_keys: TrustInput | None = None,
    mmap: bool | None = None,
) -> SafeOpen:
    """Open a file for lazy access: `with safe_open(path) as f: f.get_tensor(name)`.

    `mmap=True` (the default without `trusted_keys`) gives zero-copy views of a memory map, verified when
    first read but changing if the file changes afterwards; `mmap=False` (the default with
    `trusted_keys`) reads each tensor into private memory and verifies those very bytes, so later changes
    to the file cannot alter what was returned and a truncated file is a coded error, never SIGBUS. See
    `SafeOpen` and SPEC.md §17.20.1. `framework` and `device` are safetensors' arguments: numpy arrays
    live on the CPU; `modelfmt.safe_open(path, framework="pt", device=...)` gives torch tensors.
    """
    if framework not in NUMPY_FRAMEWORKS:
        raise ValueError(
            f"framework {framework!r} is not supported here; use 'numpy' (or 'pt' through modelfmt.safe_open "
            "with torch installed)"
        )
    if device != "cpu":
        raise ValueError(f"numpy arrays live on the CPU; device {device!r} needs framework='pt'")
    return SafeOpen(path, verify=verify, limits=limits, trusted_keys=trusted_keys, mmap=mmap)
