"""PyTorch checkpoints (`torch.save` files), read with `torch.load(weights_only=True)`, and only so.

This module is the one place in modelfmt that reads a pickle. A PyTorch checkpoint *is* a pickle, and
`weights_only=True` is PyTorch's restricted unpickler: it rebuilds tensors, plain containers and
numbers and refuses any other global. It is an allow-list inside a format designed to run code, and
such allow-lists have been bypassed (CVE-2025-32434, fixed in torch 2.6.0, which is why older torch is
refused here). Convert files from untrusted sources inside a sandbox: see the README's "Convert
existing models" section for a recipe. Nothing else in modelfmt imports pickle.

A checkpoint is a tree of dicts, lists and tuples, flattened by `_pytorch_tree.py`: tensors become
modelfmt tensors named by their dotted path, plain values are kept in metadata under `pytorch_values`.
A training checkpoint (`{"model": ..., "optimizer": ..., "epoch": ...}`) becomes a resumable file
instead (`_pytorch_training.py`).

A small checkpoint can describe a lot: before torch reads it, its pickle is bounded (`_pytorch_pickle.py`);
while it is walked, the object graph is (`_pytorch_tree.py`); and before any tensor is read, their sizes
are: views larger than their storage (a stride-0 `expand` of one element to 10^9) and storages under
many names make the tensors larger than the file, so together they may hold at most
`MAX_EXPANSION_FACTOR` times the file's size plus `EXPANSION_ALLOWANCE_BYTES` (tied weights and
broadcast buffers fit easily). Tensors are copied out a block of rows at a time, so memory stays near
one chunk whatever their layout.
"""

from __future__ import annotations

import pickle  # only for the exception type torch.load raises on refused content
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

import torch  # imported only when a PyTorch checkpoint is converted (see convert/_api.py)

from ._carry import PYTORCH_VALUES
from ._errors import EXPANSION, ConversionError
from ._pytorch_pickle import check_legacy_checkpoint, check_zip_checkpoint
from ._pytorch_training import TrainingPlan, plan_training
from ._pytorch_tree import flatten
from ._source import CHUNK_BYTES, Chunk, ChunkSource, Source, SourceTensor

# torch.load's weights_only check could be bypassed before this release (CVE-2025-32434).
MIN_TORCH: Final = (2, 6)
# Tied weights put one storage under two names (an embedding and an output layer); a checkpoint whose
# tensors hold four times its size is not sharing, it is expanding.
MAX_EXPANSION_FACTOR: Final = 4
# Room for small broadcast views (a scalar expanded to a vector) in any checkpoint, however small.
EXPANSION_ALLOWANCE_BYTES: Final = 16 * 1024 * 1024
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


def open_pytorch(path: Path, *, max_compression_ratio: int) -> Source:
    where = str(path)
    _check_torch_version(where)
    # mmap: tensor storages stay in the file and are paged in as they are copied, so memory stays
    # bounded by what is being copied. The legacy (pre-1.6, non-zip) format cannot be mapped.
    mappable = zipfile.is_zipfile(path)
    size = path.stat().st_size
    if mappable:
        check_zip_checkpoint(path, where=where, max_ratio=max_compression_ratio)
    else:
        check_legacy_checkpoint(path, where=where)
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
    except MemoryError:
        raise ConversionError(f"{where}: not a readable PyTorch checkpoint: out of memory while loading") from None
    source = Source("pytorch", [])
    if not mappable:
        source.notes.append("legacy (non-zip) checkpoint: read into memory whole")
    # The bounded walk first (every tensor, every container), then the checks on every tensor, whatever
    # the checkpoint turns out to be.
    tensors, _ = flatten(loaded, where, json_values=False)
    for name, tensor in tensors.items():
        _check_tensor(tensor, name, where)
    _check_expansion(tensors, size, where)
    plan = plan_training(loaded, where)
    if isinstance(plan, TrainingPlan):  # a training checkpoint: resumable (SPEC.md §11)
        for name, (tensor, role) in plan.tensors.items():
            source.tensors.append(SourceTensor(name, _DTYPES[tensor.dtype], tuple(tensor.shape), _reader(tensor), role))
        source.training = plan.training
        source.notes.extend(plan.notes)
        return source
    if plan is not None:
        source.notes.append(f"not converted as a resumable training checkpoint: {plan}")
    tensors, values = flatten(loaded, where)
    for name, tensor in tensors.items():
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


def _check_expansion(tensors: Mapping[str, torch.Tensor], file_size: int, where: str) -> None:
    """Refuse tensors that together hold more than the file can justify, before any is read."""
    total = 0
    widest: tuple[int, str] | None = None  # (bytes beyond its storage, name) of the view that grows most
    for name, tensor in tensors.items():
        length = tensor.numel() * tensor.element_size()
        total += length
        beyond = length - tensor.untyped_storage().nbytes()
        if beyond > 0 and (widest is None or beyond > widest[0]):
            widest = (beyond, name)
    allowed = MAX_EXPANSION_FACTOR * file_size + EXPANSION_ALLOWANCE_BYTES
    if total <= allowed:
        return
    if widest is not None:
        view = tensors[widest[1]]
        cause = (
            f"tensor `{widest[1]}` is a view of {view.untyped_storage().nbytes()} bytes of storage as "
            f"{view.numel() * view.element_size()} bytes (shape {list(view.shape)}, strides {list(view.stride())})"
        )
    else:
        cause = "the same storages appear under many names"
    raise ConversionError(
        f"{where}: the tensors would hold {total} bytes, from a file of {file_size} bytes: {cause}; at most "
        f"{MAX_EXPANSION_FACTOR} times the file's size plus {EXPANSION_ALLOWANCE_BYTES} bytes are converted "
        "(views larger than their storage and storages under many names expand a checkpoint)",
        code=EXPANSION,
    )


def _reader(tensor: torch.Tensor) -> ChunkSource:
    def chunks() -> Iterator[Chunk]:
        if tensor.numel() == 0:
            return
        data = tensor.detach()
        if data.is_contiguous():
            flat = data.reshape(-1).view(torch.uint8).numpy()
            for start in range(0, flat.size, CHUNK_BYTES):
                yield flat[start : start + CHUNK_BYTES].data
            return
        # Other views (a transpose, a strided slice, a broadcast) are copied a block of leading-axis
        # rows at a time, so memory stays near one chunk rather than one tensor.
        row_bytes = max(1, tensor.numel() * tensor.element_size() // data.shape[0])
        rows = max(1, CHUNK_BYTES // row_bytes)
        for start in range(0, data.shape[0], rows):
            yield data[start : start + rows].contiguous().reshape(-1).view(torch.uint8).numpy().data

    return chunks
