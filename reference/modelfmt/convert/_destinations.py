"""The formats a conversion writes. Each writer streams (one chunk in memory) and replaces the
destination atomically, so a failure at any point leaves no partial file (SPEC.md §14.4)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

from ..container._writer import StreamWriter, TensorSpec
from ..format._errors import ModelfmtError
from ._checked import checked_chunks
from ._errors import ConversionError
from ._numpy import write_npz
from ._safetensors import write_safetensors
from ._source import Source


def write_modelfmt(source: Source, destination: Path) -> list[str]:
    specs = [TensorSpec(tensor.name, tensor.dtype, tensor.shape, tensor.role) for tensor in source.tensors]
    try:
        # Validates everything (names, metadata limits, the architecture) before creating any file.
        writer = StreamWriter(
            destination,
            specs,
            metadata=source.metadata,
            architecture=source.architecture,
            training=source.training,
            extensions=source.extensions,
        )
    except ModelfmtError as exc:
        raise ConversionError(f"the converted model is not a valid modelfmt file: {exc.code}: {exc}") from None
    except (ValueError, TypeError) as exc:
        raise ConversionError(f"the converted model cannot be stored as modelfmt: {exc}") from None
    with writer:  # on any exception the writer aborts: the destination is left as it was
        for tensor in source.tensors:
            for chunk in checked_chunks(tensor):
                writer.write(chunk)
    return []


def _write_safetensors(source: Source, destination: Path) -> list[str]:
    write_safetensors(source, destination)
    return []


Writer = Callable[[Source, Path], list[str]]

DESTINATIONS: Final[Mapping[str, Writer]] = {
    "modelfmt": write_modelfmt,
    "safetensors": _write_safetensors,
    "npz": write_npz,
}
