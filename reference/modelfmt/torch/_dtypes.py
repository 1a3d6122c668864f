"""Conversions between torch tensors and the numpy arrays modelfmt stores, bit-exact for every dtype."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import numpy as np
import torch

from ..format._dtypes import DTYPES

TORCH_DTYPES: Final[Mapping[str, torch.dtype]] = MappingProxyType(
    {
        "bool": torch.bool,
        "int8": torch.int8,
        "int16": torch.int16,
        "int32": torch.int32,
        "int64": torch.int64,
        "uint8": torch.uint8,
        "uint16": torch.uint16,
        "uint32": torch.uint32,
        "uint64": torch.uint64,
        "float16": torch.float16,
        "bfloat16": torch.bfloat16,
        "float32": torch.float32,
        "float64": torch.float64,
        "float8_e4m3fn": torch.float8_e4m3fn,
        "float8_e5m2": torch.float8_e5m2,
    }
)
DTYPE_NAMES: Final[Mapping[torch.dtype, str]] = MappingProxyType({v: k for k, v in TORCH_DTYPES.items()})
# Dtypes numpy has no native type for: moved through an unsigned integer view of the same width.
_VIA_BITS: Final[Mapping[torch.dtype, tuple[torch.dtype, np.dtype[np.generic]]]] = MappingProxyType(
    {
        torch.bfloat16: (torch.uint16, np.dtype(np.uint16)),
        torch.float8_e4m3fn: (torch.uint8, np.dtype(np.uint8)),
        torch.float8_e5m2: (torch.uint8, np.dtype(np.uint8)),
    }
)


def dtype_name(dtype: torch.dtype) -> str:
    name = DTYPE_NAMES.get(dtype)
    if name is None:
        raise TypeError(f"torch dtype {dtype} has no modelfmt equivalent")
    return name


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A C-contiguous numpy copy of `tensor` with the modelfmt registry dtype (bits preserved)."""
    tensor = tensor.detach().cpu().contiguous()
    name = dtype_name(tensor.dtype)
    via = _VIA_BITS.get(tensor.dtype)
    if via is not None:
        bits = tensor.view(via[0]).numpy().copy()
        return bits.view(DTYPES[name].numpy)
    return tensor.numpy().copy()


def to_torch(array: np.ndarray, name: str) -> torch.Tensor:
    """A torch tensor (own memory, writable) with the bits of a modelfmt array of dtype `name`."""
    target = TORCH_DTYPES[name]
    via = _VIA_BITS.get(target)
    if via is not None:
        bits = np.ascontiguousarray(array).view(via[1])
        return torch.from_numpy(bits.copy()).view(target)
    return torch.from_numpy(np.array(array, copy=True))


def as_torch(array: np.ndarray, name: str) -> torch.Tensor:
    """A torch tensor over the memory of a writable array of modelfmt dtype `name` (no copy)."""
    target = TORCH_DTYPES[name]
    via = _VIA_BITS.get(target)
    if via is not None:
        return torch.from_numpy(array.view(via[1])).view(target)
    return torch.from_numpy(array)
