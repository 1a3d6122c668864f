"""Reading the weights file of a Keras archive (HDF5) without letting it reach outside itself.

HDF5 can point elsewhere: external links open other files, external storage keeps a dataset's bytes in
other files, virtual datasets map other files' data. Each is refused. Groups and datasets are reached
one name at a time through hard links only, names are plain labels (no `/`), and the declared size
of every dataset is bounded against the file's size before it is read (an HDF5 dataset can be
compressed, or be nothing but a fill value, and so expand without limit).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from ..format._dtypes import dtype_of_numpy
from ..format._limits import MAX_RANK, MAX_TENSORS
from ._errors import OUTSIDE, STRUCTURE, ConversionError
from ._walk import WalkBudget
from ._zipguard import RATIO_FLOOR_BYTES

_NAME: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}")
_MAX_DEPTH: Final = 32


@dataclass(frozen=True)
class Variable:
    """A checked dataset, not yet read."""

    label: str  # its path in the file, for messages and weights-only names
    dtype: str  # modelfmt dtype
    shape: tuple[int, ...]
    dataset: object


class WeightsFile:
    """An open HDF5 weights file with a budget: the sum of datasets read may not exceed `budget` bytes."""

    def __init__(self, file: Path | io.RawIOBase, size: int, *, where: str, max_ratio: int) -> None:
        """`file`: a path, or a seekable binary file object (a stored zip entry read in place)."""
        try:
            # Imported here: h5py is optional (the `keras` extra) and slow to import.
            import h5py  # type: ignore[import-untyped]  # noqa: PLC0415
        except ImportError:
            raise ConversionError(f"{where}: reading a Keras archive needs h5py (pip install h5py)") from None
        self._h5py = h5py
        self.where = where
        try:
            self._file = h5py.File(file, "r")
        except OSError as exc:
            raise ConversionError(f"{where}: the weights file is not valid HDF5: {exc}") from None
        self._budget = max(RATIO_FLOOR_BYTES, size * max_ratio)

    def close(self) -> None:
        self._file.close()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """h5py reports a damaged file (a bad object header, a truncated B-tree) as the builtin exception
        of each HDF5 error class; every read of the file goes through here to become ConversionError."""
        try:
            yield
        except (KeyError, OSError, RuntimeError, ValueError, TypeError) as exc:
            raise ConversionError(f"{self.where}: the weights file is damaged: {exc}") from None

    def names(self, group: object) -> list[str]:
        """The names of the entries of `group`."""
        assert isinstance(group, self._h5py.Group)
        with self._reading():
            return list(group)

    def child(self, group: object, name: str, what: str) -> object | None:
        """The object `name` inside `group` reached through a hard link, or None if absent."""
        if not _NAME.fullmatch(name) or name in (".", ".."):
            raise ConversionError(f"{self.where}: {what} {name!r} is not a plain name")
        h5py = self._h5py
        assert isinstance(group, h5py.Group)
        with self._reading():
            link = group.get(name, getlink=True)
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            raise ConversionError(
                f"{self.where}: {what} {name!r} is a {type(link).__name__}; links to elsewhere are refused",
                code=OUTSIDE,
            )
        with self._reading():
            found: object = group[name]
        return found

    def group(self, *path: str) -> object | None:
        node: object = self._file
        for part in path:
            if not isinstance(node, self._h5py.Group):
                return None
            found = self.child(node, part, "entry")
            if found is None:
                return None
            node = found
        return node

    def variables(self, *path: str) -> list[Variable]:
        """The datasets `vars/0`, `vars/1`, ... under `path` (Keras 3's layout), checked, not read."""
        group = self.group(*path, "vars")
        if group is None:
            return []
        assert isinstance(group, self._h5py.Group)
        found: list[Variable] = []
        while (dataset := self.child(group, str(len(found)), "variable")) is not None:
            found.append(self.check(dataset, "/".join((*path, "vars", str(len(found))))))
        if len(found) != len(self.names(group)):
            raise ConversionError(f"{self.where}: `{'/'.join(path)}/vars` holds entries other than 0..{len(found) - 1}")
        return found

    def check(self, dataset: object, label: str) -> Variable:
        if not isinstance(dataset, self._h5py.Dataset):
            raise ConversionError(f"{self.where}: `{label}` is not a dataset")
        with self._reading():
            elsewhere = dataset.is_virtual or dataset.external
            dtype, ndim, shape = dataset.dtype, dataset.ndim, dataset.shape
        if elsewhere:
            raise ConversionError(f"{self.where}: `{label}` keeps its data in other files; refused")
        entry = dtype_of_numpy(dtype)  # HDF5 element types of either byte order; h5py returns native arrays
        if entry is None or dtype.fields is not None:
            raise ConversionError(f"{self.where}: `{label}` has dtype {dtype}, which is not a tensor dtype")
        if ndim > MAX_RANK:
            raise ConversionError(f"{self.where}: `{label}` has rank {ndim}; at most {MAX_RANK}")
        size = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if size > self._budget:
            raise ConversionError(
                f"{self.where}: `{label}` declares {size} bytes, more than the weights file can hold "
                "(a compression bomb?); raise max_compression_ratio if the file is trusted"
            )
        self._budget -= size
        return Variable(label, entry.name, tuple(shape), dataset)

    def load(self, variable: Variable) -> np.ndarray:
        """The dataset's elements, little-endian (one tensor in memory)."""
        assert isinstance(variable.dataset, self._h5py.Dataset)
        with self._reading():
            array = np.asarray(variable.dataset[()])
        if array.shape != variable.shape:
            raise ConversionError(f"{self.where}: `{variable.label}` changed while it was read")
        return array.astype(array.dtype.newbyteorder("<")) if array.dtype.byteorder == ">" else array

    def datasets(self) -> Iterator[Variable]:
        """Every dataset, depth first in name order: the weights-only conversion.

        HDF5 hard links can put one group into several parents (or into itself), so that a walk by path
        would take exponential time; each object is therefore visited once, known by its address in the
        file, and a second link to it is refused. Every link visited counts against a `WalkBudget`."""
        count = 0
        budget = WalkBudget(self.where, separator="/")
        first_seen: dict[int, str] = {self._address(self._file): "/"}  # object address -> its first path

        def walk(group: object, path: tuple[str, ...]) -> Iterator[Variable]:
            nonlocal count
            assert isinstance(group, self._h5py.Group)
            if len(path) > _MAX_DEPTH:
                raise ConversionError(f"{self.where}: groups nest deeper than {_MAX_DEPTH}", code=STRUCTURE)
            for name in sorted(self.names(group), key=_natural):
                budget.step((*path, name))
                label = "/".join((*path, name))
                child = self.child(group, name, "entry")
                address = self._address(child)
                if address in first_seen:
                    raise ConversionError(
                        f"{self.where}: `{label}` links to `{first_seen[address]}` again; an HDF5 object linked "
                        "from several places (or a group inside itself) is refused",
                        code=STRUCTURE,
                    )
                first_seen[address] = label
                if isinstance(child, self._h5py.Group):
                    yield from walk(child, (*path, name))
                else:
                    count += 1
                    if count > MAX_TENSORS:
                        raise ConversionError(f"{self.where}: more than {MAX_TENSORS} datasets", code=STRUCTURE)
                    yield self.check(child, label)

        yield from walk(self._file, ())

    def _address(self, node: object) -> int:
        """Where the object's header is in the file: the same object, whichever link reached it."""
        address: int = self._h5py.h5o.get_info(node.id).addr  # type: ignore[attr-defined]
        return address


def _natural(name: str) -> tuple[int, str]:
    """`vars/10` after `vars/9`: numeric names in numeric order, then the rest by name. Only names that
    can be plain names are numbers here (`int` refuses other digits and overlong strings)."""
    return (int(name), "") if name.isascii() and name.isdigit() and len(name) <= 255 else (1 << 62, name)
