"""Reading: `load_file`, `load`, `safe_open`, `read_header`.

Every size the file declares is checked against the file's real size before anything is allocated
or sliced (phases 1-4 of SPEC.md §13 need only the preamble, the header and the last 16 bytes).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType

import numpy as np

from ..format._dtypes import DTYPES
from ..format._limits import DEFAULT_LIMITS, Limits
from ..signing._keys import TrustInput
from . import _digests
from ._header import Header
from ._opened import OpenedFile, cyclic_gc_paused
from ._tensors import TensorInfo
from ._trust import Verification, trusted_for_read

PathLike = str | os.PathLike[str]


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
        trusted = trusted_for_read(trusted_keys, verify=verify)  # key file errors before the model is opened
        self.verification: Verification | None = None
        self.path = Path(path)
        self._verify = verify
        self._verified: set[int] = set()
        # The file after phases 1-4 (header, graph, training state, signature entries), for callers that
        # need more than the tensors: `modelfmt.run` and `modelfmt.torch` use its validated graph.
        self.opened = OpenedFile.open(path, limits, mapped=True)
        try:
            self._data = self.opened.data
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
        return list(self._index)

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
    def metadata(self) -> Mapping[str, object]:
        return self.opened.header.metadata

    @property
    def signature_body(self) -> bytes | None:
        return self.opened.signature_body

    def tensor_info(self, name: str) -> TensorInfo:
        return self.opened.header.tensor(name)

    def get_tensor(self, name: str) -> np.ndarray:
        index = self._index.get(name)
        if index is None:
            raise KeyError(f"no tensor named {name!r} in {self.path.name}")
        info = self.opened.header.tensors[index]
        if index not in self._verified:
            if self._verify:
                self.opened.verify_tensor(index)
            else:
                self.opened.check_bool_values(index)
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
        self.opened.verify_content(progress)
        self._verified.update(range(len(self.opened.header.tensors)))

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
