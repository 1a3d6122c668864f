"""Limits of SPEC.md §5: the format's maxima, and a `Limits` object a reader may tighten.

Every limit is checked before the thing it bounds is allocated, sliced or parsed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Final

# Exact integers in JSON: every IEEE double implementation (JavaScript among them) reads these exactly.
MAX_SAFE_INTEGER: Final = 2**53 - 1
# The most elements a shape may describe, counting each zero dimension as 1 (SPEC.md §7.4): a non-empty
# tensor cannot hold more (its length is at most 2^53-1 bytes), and a zero-size one gets the same bound so
# that no reader or runtime ever multiplies dimensions that nothing in the file backs.
MAX_EXTENT: Final = MAX_SAFE_INTEGER
# Header JSON: ~250 bytes per tensor entry at the tensor limit is ~64 MiB; more is an attack, not a model.
MAX_HEADER_BYTES: Final = 64 * 1024 * 1024
# Deep enough for any real architecture or metadata; shallow enough that recursive parsers cannot be exhausted.
MAX_DEPTH: Final = 64
# Real names are under 200 bytes; 1 KiB leaves room for long hierarchical names without inviting abuse.
MAX_NAME_BYTES: Final = 1024
# Real networks use rank <= 6; 16 leaves room while bounding shape arithmetic.
MAX_RANK: Final = 16
# The largest published checkpoints have under 100k tensors per file.
MAX_TENSORS: Final = 262_144
# Metadata describes a model (configs are tens of KiB); bulk data belongs in tensors.
MAX_METADATA_BYTES: Final = 1024 * 1024
# A signature block holds a handful of signatures of a few hundred bytes each.
MAX_SIGNATURE_BLOCK_BYTES: Final = 1024 * 1024


def extent(shape: Iterable[int]) -> int:
    """The product of the dimensions with each 0 counted as 1 (1 for a scalar)."""
    return math.prod(dim or 1 for dim in shape)


def zero_size_extent_problem(shape: Iterable[int]) -> str | None:
    """SPEC.md §7.4: what is wrong when a zero-size shape's other dimensions multiply beyond MAX_EXTENT,
    else None. Non-empty shapes are bounded by their length instead (TENSOR_LENGTH), so they pass here."""
    dims = tuple(shape)
    if len(dims) < 2 or 0 not in dims or extent(dims) <= MAX_EXTENT:
        return None
    return (
        f"zero-size shape {list(dims)}: its non-zero dimensions multiply to {extent(dims)}, "
        f"beyond {MAX_EXTENT} (2^53-1), the most elements any tensor can have"
    )


@dataclass(frozen=True)
class Limits:
    """Limits a reader enforces. Defaults are the format maxima; a caller may lower any of them (for
    example a service accepting uploads), never raise them above the format maxima."""

    max_header_bytes: int = MAX_HEADER_BYTES
    max_depth: int = MAX_DEPTH
    max_name_bytes: int = MAX_NAME_BYTES
    max_rank: int = MAX_RANK
    max_tensors: int = MAX_TENSORS
    max_metadata_bytes: int = MAX_METADATA_BYTES

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise TypeError(f"Limits.{name} must be a non-negative int, got {value!r}")
            if value > _FORMAT_MAXIMA[name]:
                raise ValueError(
                    f"Limits.{name}={value} exceeds the format maximum {_FORMAT_MAXIMA[name]} (SPEC.md §5); "
                    "files beyond it are not modelfmt files"
                )

    def describe(self, name: str) -> str:
        """How to change the limit `name`, for error messages."""
        value = asdict(self)[name]
        maximum = _FORMAT_MAXIMA[name]
        if value >= maximum:
            return f"{value} is the format maximum (SPEC.md §5)"
        return f"the caller set Limits({name}={value}); the format allows up to {maximum}"


_FORMAT_MAXIMA: Final[dict[str, int]] = {
    "max_header_bytes": MAX_HEADER_BYTES,
    "max_depth": MAX_DEPTH,
    "max_name_bytes": MAX_NAME_BYTES,
    "max_rank": MAX_RANK,
    "max_tensors": MAX_TENSORS,
    "max_metadata_bytes": MAX_METADATA_BYTES,
}

DEFAULT_LIMITS: Final = Limits()
