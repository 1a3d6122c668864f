"""safetensors' torch API over modelfmt files: `save_file`, `load_file`, `save`, `load`, `save_model`,
`load_model`, with the same signatures and results, so that migrating is a change of import.

What differs is stricter or safer, never different in result: every tensor is verified against its digest
before it is returned; non-contiguous tensors are packed instead of refused; tensors that share memory are
refused by `save_file` with safetensors' guidance, and stored once by `save_model`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType

import numpy as np
import torch
from torch import nn

from ..container._reader import TORCH_FRAMEWORKS, Metadata, SafeOpen, TensorSlice
from ..container._reader import load as _load_bytes
from ..container._reader import load_file as _load_file
from ..container._writer import save as _save_bytes
from ..container._writer import save_file as _save_file
from ..format._dtypes import dtype_of_numpy
from ..format._errors import ToolError
from ..format._limits import DEFAULT_LIMITS, Limits
from ..signing._keys import TrustInput
from ._dtypes import as_torch, to_numpy

PathLike = str | os.PathLike[str]
Device = str | int | torch.device

_SHARED_TENSORS_GUIDE = "https://huggingface.co/docs/safetensors/torch_shared_tensors"


class SharedTensorsError(ToolError, RuntimeError):
    """Tensors that share memory given to `save_file`, or a shared group `save_model` cannot store once.
    A RuntimeError, as safetensors raises, so that code catching that keeps working."""


def save_file(
    tensors: Mapping[str, torch.Tensor], filename: PathLike, metadata: Mapping[str, object] | None = None
) -> None:
    """Write `tensors` to `filename` atomically, as `safetensors.torch.save_file` does.

    Tensors on any device, requiring grad or not, contiguous or not, are stored by value. Tensors that share
    memory are refused (`SharedTensorsError`): stored twice they would load as two unrelated tensors; use
    `save_model` for a module with tied weights.
    """
    _save_file(_as_arrays(tensors), filename, metadata=metadata)


def save(tensors: Mapping[str, torch.Tensor], metadata: Mapping[str, object] | None = None) -> bytes:
    """The bytes `save_file` would write (`safetensors.torch.save`)."""
    return _save_bytes(_as_arrays(tensors), metadata=metadata)


def load_file(filename: PathLike, device: Device = "cpu", *, backend: str = "mmap") -> dict[str, torch.Tensor]:
    """Every tensor of `filename`, verified, on `device` (`safetensors.torch.load_file`). The tensors own
    their memory and are writable. `backend` is accepted for compatibility: the file is read once into
    private memory and verified there, whatever it says."""
    del backend
    return _to_tensors(_load_file(filename), device)


def load(data: bytes | bytearray | memoryview, device: Device = "cpu") -> dict[str, torch.Tensor]:
    """Every tensor of a file held in memory, verified (`safetensors.torch.load`)."""
    return _to_tensors(_load_bytes(data), device)


def save_model(
    model: nn.Module,
    filename: PathLike,
    metadata: Mapping[str, object] | None = None,
    force_contiguous: bool = True,
) -> None:
    """Write `model.state_dict()` with tied and shared tensors stored once (`safetensors.torch.save_model`).

    Of each group of state_dict entries over the same memory, the one name that covers the whole storage
    is kept (the first in sorted order when several do) and the others are recorded in the metadata as
    `{removed name: kept name}`, as safetensors records them; `load_model` re-ties them from the module's
    own structure. `force_contiguous` is accepted for compatibility: tensors are always stored packed.
    """
    del force_contiguous  # every tensor is stored packed (see the module docstring)
    state = model.state_dict()
    removed = _names_to_remove(state, preferred=())
    aliases: dict[str, object] = dict(metadata or {})
    for kept, names in removed.items():
        for name in names:
            aliases.setdefault(name, kept)
            del state[name]
    save_file(state, filename, metadata=aliases or None)


def load_model(
    model: nn.Module, filename: PathLike, strict: bool = True, device: Device = "cpu"
) -> tuple[set[str], list[str]]:
    """Load `filename` into `model` and return `(missing, unexpected)`, exactly as
    `safetensors.torch.load_model` does (a set of missing names, a list of unexpected ones).

    Names the module ties to a stored tensor (a shared `lm_head.weight`) are not missing; a tied name the
    file also stores is unexpected. As with safetensors, the matching tensors are loaded before a `strict`
    load raises RuntimeError naming every missing and unexpected key.
    """
    state = load_file(filename, device=device)
    tied = _names_to_remove(model.state_dict(), preferred=state.keys())
    result = model.load_state_dict(state, strict=False)
    missing = set(result.missing_keys)
    unexpected = list(result.unexpected_keys)
    for names in tied.values():
        for name in names:
            if name in missing:
                missing.remove(name)
            else:
                unexpected.append(name)
    if strict and (missing or unexpected):
        error = f"Error(s) in loading state_dict for {type(model).__name__}:"
        if missing:
            error += "\n    Missing key(s) in state_dict: " + ", ".join(f'"{name}"' for name in sorted(missing))
        if unexpected:
            error += "\n    Unexpected key(s) in state_dict: " + ", ".join(f'"{name}"' for name in sorted(unexpected))
        raise RuntimeError(error)
    return missing, unexpected


def _as_arrays(tensors: Mapping[str, torch.Tensor]) -> dict[str, np.ndarray]:
    # ValueError for what safetensors refuses with ValueError, so that callers' handlers keep working.
    if not isinstance(tensors, Mapping):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    for name, tensor in tensors.items():
        if not isinstance(tensor, torch.Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected torch.Tensor but received {type(tensor)}")
    sparse = [name for name, tensor in tensors.items() if tensor.layout != torch.strided]
    if sparse:
        raise ValueError(f"sparse tensors cannot be stored: {sparse}; make them dense with `.to_dense()` first")
    shared = _shared_groups(tensors)
    if shared:
        listing = ", ".join("[" + ", ".join(group) + "]" for group in shared)
        raise SharedTensorsError(
            "Some tensors share memory, this will lead to duplicate memory on disk and potential differences "
            f"when loading them again: {listing}.\nA potential way to correctly save your model is to use "
            f"`save_model`.\nMore information at {_SHARED_TENSORS_GUIDE}"
        )
    return {name: to_numpy(tensor) for name, tensor in tensors.items()}


@dataclass(frozen=True)
class _Extent:
    name: str
    start: int
    end: int
    covers_storage: bool


def _extents(tensors: Mapping[str, torch.Tensor]) -> dict[tuple[str, int], list[_Extent]]:
    """Tensors grouped by the storage they view, each with the bytes it spans."""
    by_storage: dict[tuple[str, int], list[_Extent]] = {}
    for name, tensor in tensors.items():
        if tensor.device.type == "meta" or tensor.numel() == 0:
            continue
        storage = tensor.untyped_storage()
        if storage.nbytes() == 0:
            continue
        size = tensor.element_size()
        # The byte span of a strided view: from its first element to its last (negative strides do not occur).
        last = sum((int(extent) - 1) * stride for extent, stride in zip(tensor.shape, tensor.stride(), strict=True))
        start = int(tensor.storage_offset()) * size
        end = start + (last + 1) * size
        whole = start == 0 and tensor.numel() * size == storage.nbytes()  # safetensors' "complete" tensor
        by_storage.setdefault((str(tensor.device), storage.data_ptr()), []).append(_Extent(name, start, end, whole))
    return by_storage


def _shared_groups(tensors: Mapping[str, torch.Tensor]) -> list[list[str]]:
    """Groups of names whose tensors overlap in memory (views of one storage that do not overlap, such as
    the halves of a split, are not shared)."""
    groups: list[list[str]] = []
    for extents in _extents(tensors).values():
        if len(extents) < 2:
            continue
        extents.sort(key=lambda extent: (extent.start, extent.end))
        group: list[str] = [extents[0].name]
        reach = extents[0].end
        for extent in extents[1:]:
            if extent.start < reach:
                group.append(extent.name)
            else:
                if len(group) > 1:
                    groups.append(sorted(group))
                group = [extent.name]
            reach = max(reach, extent.end)
        if len(group) > 1:
            groups.append(sorted(group))
    return sorted(groups)


def _names_to_remove(state: Mapping[str, torch.Tensor], preferred: Iterable[str]) -> dict[str, list[str]]:
    """For each shared group: the name kept (covering the whole storage; a preferred one if any, else the
    first in sorted order) -> the names dropped, as safetensors chooses them."""
    wanted = set(preferred)
    extents = {extent.name: extent for group in _extents(state).values() for extent in group}
    removals: dict[str, list[str]] = {}
    for group in _shared_groups(state):
        complete = sorted(name for name in group if extents[name].covers_storage)
        if not complete:
            raise SharedTensorsError(
                f"the tensors {group} share memory and none of them covers it all: storing one would lose the "
                f"others' values and storing all would duplicate memory ({_SHARED_TENSORS_GUIDE})"
            )
        kept = next((name for name in complete if name in wanted), complete[0])
        removals[kept] = [name for name in group if name != kept]
    return removals


def _to_tensors(arrays: Mapping[str, np.ndarray], device: Device) -> dict[str, torch.Tensor]:
    """Tensors over the arrays' memory (the reader's private buffer, writable: no second copy)."""
    on_cpu = torch.device(device).type == "cpu"
    tensors: dict[str, torch.Tensor] = {}
    for name, array in arrays.items():
        entry = dtype_of_numpy(array.dtype)
        if entry is None:  # the reader returns registry dtypes only
            raise TypeError(f"`{name}`: dtype {array.dtype} has no torch equivalent")
        tensor = as_torch(array, entry.name)
        tensors[name] = tensor if on_cpu else tensor.to(device)
    return tensors


class TorchSafeOpen:
    """`safe_open(path, framework="pt", device=...)`: safetensors' handle, giving torch tensors on `device`.

    A thin layer over the numpy `SafeOpen` (`.numpy`), which reads and verifies; see its docstring for the
    mapped and private modes. Tensors from private reads are used without a copy; views of a mapping are
    copied, as a torch tensor over read-only memory would be unsafe to write.
    """

    def __init__(self, handle: SafeOpen, device: Device) -> None:
        self.numpy = handle
        self.device = torch.device(device)

    def keys(self) -> list[str]:
        return self.numpy.keys()

    def offset_keys(self) -> list[str]:
        return self.numpy.offset_keys()

    @property
    def metadata(self) -> Metadata:
        return self.numpy.metadata

    def get_tensor(self, name: str) -> torch.Tensor:
        return self._tensor(self.numpy.get_tensor(name), self.numpy.tensor_info(name).dtype)

    def get_tensors(self) -> dict[str, torch.Tensor]:
        return {name: self.get_tensor(name) for name in self.numpy}

    def get_slice(self, name: str) -> TensorSlice[torch.Tensor]:
        return self.numpy.slice_as(name, self._tensor)

    def _tensor(self, array: np.ndarray, dtype: str) -> torch.Tensor:
        tensor = as_torch(array if array.flags.writeable else np.array(array), dtype)
        return tensor if self.device.type == "cpu" else tensor.to(self.device)

    def __iter__(self) -> Iterator[str]:
        return iter(self.numpy)

    def __contains__(self, name: object) -> bool:
        return name in self.numpy

    def __len__(self) -> int:
        return len(self.numpy)

    def close(self) -> None:
        self.numpy.close()

    def __enter__(self) -> TorchSafeOpen:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def safe_open(
    path: PathLike,
    framework: str = "pt",
    device: Device = "cpu",
    *,
    verify: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    trusted_keys: TrustInput | None = None,
    mmap: bool | None = None,
) -> TorchSafeOpen:
    """`safetensors.safe_open(path, framework="pt", device=...)` over a modelfmt file (see `TorchSafeOpen`)."""
    if framework not in TORCH_FRAMEWORKS:
        raise ValueError(f"modelfmt.torch.safe_open gives torch tensors: framework must be 'pt', not {framework!r}")
    handle = SafeOpen(path, verify=verify, limits=limits, trusted_keys=trusted_keys, mmap=mmap)
    return TorchSafeOpen(handle, device)
