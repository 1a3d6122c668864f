"""`convert(src, dst)`: detect the source by content, read it, write the destination by streaming."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ._destinations import DESTINATIONS
from ._detect import detect
from ._errors import ConversionError
from ._hf_models import BUILDERS
from ._huggingface import open_folder
from ._keras import open_keras
from ._modelfmt import open_modelfmt
from ._numpy import open_npy, open_npz
from ._safetensors import open_safetensors
from ._source import Source
from ._zipguard import DEFAULT_MAX_RATIO


@dataclass(frozen=True)
class ConversionReport:
    source_format: str
    destination_format: str
    tensors: int
    data_bytes: int
    architecture: bool  # whether the destination describes the architecture
    notes: tuple[str, ...]  # what was not carried, or was decided for the caller


def _open(kind: str, path: Path, *, name: str | None, weights_only: bool, max_compression_ratio: int) -> Source:
    # Chosen from the closed set of detected kinds: file content never names a module or a function.
    if kind == "modelfmt":
        return open_modelfmt(path)
    if kind == "safetensors":
        return open_safetensors(path)
    if kind == "npy":
        return open_npy(path, name=name or path.stem or "array")
    if kind == "npz":
        return open_npz(path, max_compression_ratio=max_compression_ratio)
    if kind == "pytorch":
        return _open_pytorch(path, max_compression_ratio=max_compression_ratio)
    if kind == "huggingface":
        return open_folder(path, builders=BUILDERS, weights_only=weights_only)
    if kind == "keras":
        return open_keras(path, weights_only=weights_only, max_compression_ratio=max_compression_ratio)
    raise AssertionError(f"unhandled source kind {kind}")


def _open_pytorch(path: Path, *, max_compression_ratio: int) -> Source:
    try:
        # Imported here, not at the top: torch is optional and takes seconds to import.
        from ._pytorch import open_pytorch  # noqa: PLC0415
    except ImportError as exc:
        if exc.name != "torch":
            raise
        raise ConversionError(f"{path}: reading a PyTorch checkpoint needs torch (pip install torch)") from None
    return open_pytorch(path, max_compression_ratio=max_compression_ratio)


def convert(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    /,
    *,
    to: str | None = None,
    name: str | None = None,
    weights_only: bool = False,
    max_compression_ratio: int = DEFAULT_MAX_RATIO,
) -> ConversionReport:
    """Convert the model at `src` (a file, or a Hugging Face model folder) into `dst`.

    The source format is recognised from the content: modelfmt, safetensors, numpy .npy/.npz, PyTorch
    checkpoints, Hugging Face folders, Keras 3 archives. `to` picks the destination format: "modelfmt"
    (the default), "safetensors" (the default when the source is modelfmt) or "npz". `name` names the
    tensor of a single .npy (default: the file's stem). `weights_only` skips building an architecture
    from a Hugging Face or Keras config. `max_compression_ratio` bounds how far a zip source may
    expand (zip bombs). The destination is written atomically: on any error no file is left there.

    Raises ConversionError when the source cannot be converted, naming the cause; OSError passes through.
    """
    source_path, destination = Path(src), Path(dst)
    if to is not None and to not in DESTINATIONS:
        raise ValueError(f"unknown destination format {to!r}; choose one of {', '.join(DESTINATIONS)}")
    if max_compression_ratio < 1:
        raise ValueError(f"max_compression_ratio must be at least 1, got {max_compression_ratio}")
    kind = detect(source_path)
    target = to or ("safetensors" if kind == "modelfmt" else "modelfmt")
    if destination.is_dir():
        raise ConversionError(f"{destination}: the destination is a directory; give a file name")
    if destination.exists() and os.path.samefile(source_path, destination):
        raise ConversionError(f"{destination}: the destination is the source file")
    with _open(
        kind, source_path, name=name, weights_only=weights_only, max_compression_ratio=max_compression_ratio
    ) as source:
        notes = [*source.notes, *DESTINATIONS[target](source, destination)]
        return ConversionReport(
            source_format=kind,
            destination_format=target,
            tensors=len(source.tensors),
            data_bytes=sum(tensor.length for tensor in source.tensors),
            architecture=source.architecture is not None and target in ("modelfmt", "safetensors"),
            notes=tuple(notes),
        )
