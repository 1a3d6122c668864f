"""PyTorch checkpoints (`torch.save` files), read with `torch.load(weights_only=True)`, and only so.

This module is the one place in modelfmt that reads a pickle. A PyTorch checkpoint *is* a pickle, and
`weights_only=True` is PyTorch's restricted unpickler: it rebuilds tensors, plain containers and
numbers and refuses any other global. It is an allow-list inside a format designed to run code, and
such allow-lists have been bypassed (CVE-2025-32434, fixed in torch 2.6.0, which is why older torch is
refused here). Convert files from untrusted sources inside a sandbox: see the README's "Convert
existing models" section for a recipe. Nothing else in modelfmt imports pickle.

A checkpoint is a tree of dicts, lists and tuples. Tensors become modelfmt tensors named by their path
joined with dots (`model.encoder.weight`, `optimizer.state.0.exp_avg`); subtrees that hold no tensor
and only JSON values (numbers, strings, booleans, None) are kept in metadata under `pytorch_values`;
anything else is refused with the key that holds it.
"""

from __future__ import annotations

import math
import pickle  # only for the exception type torch.load raises on refused content
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import torch  # imported only when a PyTorch checkpoint is converted (see convert/_api.py)

from ._carry import PYTORCH_VALUES
from ._errors import ConversionError
from ._source import CHUNK_BYTES, Chunk, ChunkSource, Source, SourceTensor

# torch.load's weights_only check could be bypassed before this release (CVE-2025-32434).
MIN_TORCH: Final = (2, 6)
_JSON_SAFE_INTEGER: Final = 2**53 - 1
_ANSI: Final = re.compile(r"\x1b\[[0-9;]*m")

_DTYPES: Final[dict[torch.dtype, str]] = {
    torch.bool: "bool",
    torch.int8: "int8",
    torch.int16: "int16",
    torch.int32: "int32",
    torch.int64: "int64",
    torch.uint8: "uint8",
    torch.uint16: "uint16",
    torch.uint32: "uint32",
    torch.uint64: "uint64",
    torch.float16: "float16",
    torch.bfloat16: "bfloat16",
    torch.float32: "float32",
    torch.float64: "float64",
    torch.float8_e4m3fn: "float8_e4m3fn",
    torch.float8_e5m2: "float8_e5m2",
}


def _check_torch_version(where: str) -> None:
    version = tuple(int(part) for part in torch.__version__.split("+")[0].split(".")[:2])
    if version < MIN_TORCH:
        raise ConversionError(
            f"{where}: torch {torch.__version__} is too old to read checkpoints safely: its weights_only "
            "loader can be bypassed (CVE-2025-32434); use torch 2.6 or later"
        )


def open_pytorch(path: Path) -> Source:
    where = str(path)
    _check_torch_version(where)
    # mmap: tensor storages stay in the file and are paged in as they are copied, so memory stays
    # bounded by what is being copied. The legacy (pre-1.6, non-zip) format cannot be mapped.
    mappable = zipfile.is_zipfile(path)
    try:
        # The sanctioned pickle read (see the module docstring): weights_only=True, never False.
        loaded = torch.load(path, map_location="cpu", weights_only=True, mmap=mappable)
    except pickle.UnpicklingError as exc:
        raise ConversionError(
            f"{where}: refused by torch.load(weights_only=True): the checkpoint holds objects beyond tensors "
            f"and plain containers, which would run code to rebuild ({_refusal(str(exc))})"
        ) from None
    except Exception as exc:
        # Any other failure is damage torch reports with whatever its failing step raised (a zip or
        # pickle error, an IndexError from an empty mark stack, an AssertionError for a storage the
        # pickle never defined): the try holds nothing but torch.load, so the error is the file's.
        raise ConversionError(f"{where}: not a readable PyTorch checkpoint: {exc}") from None
    source = Source("pytorch", [])
    if not mappable:
        source.notes.append("legacy (non-zip) checkpoint: read into memory whole")
    tensors: dict[str, torch.Tensor] = {}
    values: dict[str, object] = {}
    _flatten(loaded, (), tensors, values, where)
    for name, tensor in tensors.items():
        _check_tensor(tensor, name, where)
        source.tensors.append(SourceTensor(name, _DTYPES[tensor.dtype], tuple(tensor.shape), _reader(tensor)))
    if values:
        source.metadata[PYTORCH_VALUES] = values
    return source


def _refusal(message: str) -> str:
    """What torch's weights_only loader refused (its message also suggests weights_only=False: not repeated)."""
    for line in message.splitlines():
        _, found, rest = line.partition("WeightsUnpickler error:")
        if found:
            return rest.split(" was not an allowed global")[0].strip()[:300]
    return _ANSI.sub("", message).strip().splitlines()[-1][:300] if message.strip() else "no detail"


def _key(path: tuple[str, ...]) -> str:
    return ".".join(path) if path else "(the whole checkpoint)"


def _contains_tensor(value: object) -> bool:
    if isinstance(value, torch.Tensor):
        return True
    if isinstance(value, dict):
        return any(_contains_tensor(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_tensor(item) for item in value)
    return False


def _flatten(
    value: object, path: tuple[str, ...], tensors: dict[str, torch.Tensor], values: dict[str, object], where: str
) -> None:
    if isinstance(value, torch.Tensor):
        name = _key(path) if path else "tensor"
        if name in tensors:
            raise ConversionError(f"{where}: two tensors flatten to the name `{name}`")
        tensors[name] = value
        return
    if not _contains_tensor(value):
        if not path:
            raise ConversionError(f"{where}: the checkpoint holds no tensors")
        values[_key(path)] = _json_value(value, path, where)
        return
    if isinstance(value, dict):
        items: Iterator[tuple[object, object]] = iter(value.items())
    else:
        assert isinstance(value, list | tuple)
        items = iter(enumerate(value))
    for key, item in items:
        if isinstance(key, bool) or not isinstance(key, str | int):
            raise ConversionError(
                f"{where}: key {key!r} under `{_key(path)}` is a {type(key).__name__}; only str and int keys "
                "become tensor names"
            )
        _flatten(item, (*path, str(key)), tensors, values, where)


def _json_value(value: object, path: tuple[str, ...], where: str) -> object:
    """A tensor-free subtree as JSON, or ConversionError naming the key of the first value JSON cannot hold."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if abs(value) > _JSON_SAFE_INTEGER:
            raise ConversionError(f"{where}: `{_key(path)}` = {value} is beyond the exact integers of JSON (2^53-1)")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConversionError(f"{where}: `{_key(path)}` = {value}: JSON metadata cannot hold NaN or infinity")
        if _JSON_SAFE_INTEGER < abs(value) < 1e21:  # canonical form would write integer digits (SPEC.md §4.7)
            raise ConversionError(
                f"{where}: `{_key(path)}` = {value!r}: a float between 2^53 and 1e21 cannot be stored in a "
                "modelfmt header"
            )
        return value
    if isinstance(value, list | tuple):
        return [_json_value(item, (*path, str(index)), where) for index, item in enumerate(value)]
    if isinstance(value, dict):
        result: dict[str, object] = {}
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise ConversionError(f"{where}: key {key!r} under `{_key(path)}` is not a str or int")
            result[str(key)] = _json_value(item, (*path, str(key)), where)
        return result
    raise ConversionError(
        f"{where}: `{_key(path)}` is a {type(value).__module__}.{type(value).__qualname__}, which modelfmt "
        "cannot store (tensors become tensors; numbers, strings and lists of them become metadata)"
    )


def _check_tensor(tensor: torch.Tensor, name: str, where: str) -> None:
    label = f"{where}: tensor `{name}`"
    if tensor.layout != torch.strided:
        raise ConversionError(f"{label}: {tensor.layout} tensors are not supported; convert it to dense first")
    if tensor.is_quantized:
        raise ConversionError(f"{label}: quantized tensors ({tensor.dtype}) have no modelfmt equivalent")
    if tensor.dtype not in _DTYPES:
        raise ConversionError(f"{label}: torch dtype {tensor.dtype} has no modelfmt equivalent")
    if tensor.device.type != "cpu":
        raise ConversionError(f"{label}: on device {tensor.device}, expected cpu")


def _reader(tensor: torch.Tensor) -> ChunkSource:
    def chunks() -> Iterator[Chunk]:
        if tensor.numel() == 0:
            return
        # Non-contiguous views (a slice of a shared storage) are copied once: one tensor in memory.
        flat = tensor.detach().contiguous().reshape(-1).view(torch.uint8).numpy()
        for start in range(0, flat.size, CHUNK_BYTES):
            yield flat[start : start + CHUNK_BYTES].data

    return chunks
