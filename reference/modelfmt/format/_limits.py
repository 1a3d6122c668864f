"""Limits of SPEC.md §5 and §9.12: every maximum of the format in one table (`LIMIT_TABLE`), and a
`Limits` object a reader may tighten.

Each limit is a module constant (other modules import it from here) and a row of `LIMIT_TABLE` that says
which error code a value beyond it raises, which SPEC.md section checks it and why the number is what it
is. tests/test_spec_limits.py compares the rows with the tables of SPEC.md §5 and §9.12 and with the prose
that states the rest. Every limit is checked before the thing it bounds is allocated, sliced or parsed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Final

from ._errors import Code

# -- the header and the tensor table (§3, §4, §7, §8); `Limits` may lower the first six of these
MAX_SAFE_INTEGER: Final = 2**53 - 1
MAX_EXTENT: Final = MAX_SAFE_INTEGER
MAX_HEADER_BYTES: Final = 64 * 1024 * 1024
MAX_DEPTH: Final = 64
MAX_NAME_BYTES: Final = 1024
MAX_RANK: Final = 16
MAX_TENSORS: Final = 262_144
MAX_METADATA_BYTES: Final = 1024 * 1024
# -- the signature block (§3.6, §12)
MAX_SIGNATURE_BLOCK_BYTES: Final = 1024 * 1024
MAX_SIGNATURES: Final = 64
MAX_ATTRIBUTES: Final = 16  # signed attributes of one signature entry
MAX_ATTRIBUTE_KEY_BYTES: Final = 128
MAX_ATTRIBUTE_VALUE_BYTES: Final = 1024
MAX_PUBLIC_KEY_BYTES: Final = 4096
MAX_ALGORITHM_NAME_CHARS: Final = 64
MAX_UNKNOWN_SIGNATURE_BYTES: Final = 65536
MAX_UNKNOWN_SIGNATURES: Final = 4  # entries of algorithms other than those of 1.0, per block
# -- the architecture (§9, §10)
MAX_NODES: Final = 262_144
MAX_GRAPH_VALUES: Final = 4096  # graph inputs, and graph outputs
MAX_NODE_VALUES: Final = 4096  # inputs, and outputs, of one node
MAX_SYMBOL_CHARS: Final = 64
MAX_ATTRIBUTE_ITEMS: Final = 4096  # items of one `ints` node attribute
MAX_LAYERS: Final = 1024  # `num_layers` of RNN, LSTM and GRU


@dataclass(frozen=True)
class LimitRow:
    """One maximum as SPEC.md states it: a value beyond `value` is reported as `code`.

    A constant that SPEC.md bounds with two codes (the rank of a tensor and of an inferred graph value)
    has a row per code. `labels` are the first cells of its rows in the tables of SPEC.md §5 and §9.12;
    a limit with no label is stated only in the prose of `section`."""

    name: str  # the module constant that holds `value`
    value: int
    code: Code
    section: str  # the SPEC.md section whose check reports `code`
    labels: tuple[str, ...]
    why: str


LIMIT_TABLE: Final[tuple[LimitRow, ...]] = (
    LimitRow(
        name="MAX_HEADER_BYTES",
        value=MAX_HEADER_BYTES,
        code="HEADER_TOO_LARGE",
        section="3.1",
        labels=("header length `L`",),
        why="~250 bytes per tensor entry at the tensor limit is ~64 MiB; more is an attack, not a model",
    ),
    LimitRow(
        name="MAX_DEPTH",
        value=MAX_DEPTH,
        code="HEADER_DEPTH",
        section="4.5",
        labels=("nesting depth",),
        why="deeper than any metadata or architecture needs; shallow enough that recursive parsers cannot be exhausted",
    ),
    LimitRow(
        name="MAX_EXTENT",
        value=MAX_EXTENT,
        code="SHAPE_INVALID",
        section="7.4",
        labels=("zero-size extent",),
        why="a non-empty tensor cannot describe more elements (its length is at most 2^53-1 bytes); a zero-size "
        "one gets the same bound so that nothing ever multiplies dimensions no data backs",
    ),
    LimitRow(
        name="MAX_SAFE_INTEGER",
        value=MAX_SAFE_INTEGER,
        code="HEADER_NUMBER",
        section="4.4",
        labels=("integer magnitude", "dimension"),
        why="the largest integer every IEEE-double JSON parser (JavaScript's among them) reads exactly; as a "
        "byte offset it is 8 PiB",
    ),
    LimitRow(
        name="MAX_NAME_BYTES",
        value=MAX_NAME_BYTES,
        code="TENSOR_NAME",
        section="7.3",
        labels=("tensor name",),
        why="real names are under 200 bytes; 1 KiB leaves room for long hierarchical names without inviting abuse",
    ),
    LimitRow(
        name="MAX_RANK",
        value=MAX_RANK,
        code="SHAPE_INVALID",
        section="7.4",
        labels=("rank", "rank of a declared or inferred value"),
        why="real networks use rank <= 6; 16 leaves room while bounding shape arithmetic",
    ),
    LimitRow(
        name="MAX_TENSORS",
        value=MAX_TENSORS,
        code="TENSOR_COUNT",
        section="7.1",
        labels=("tensor count",),
        why="the largest published checkpoints have under 100k tensors per file",
    ),
    LimitRow(
        name="MAX_METADATA_BYTES",
        value=MAX_METADATA_BYTES,
        code="METADATA_TOO_LARGE",
        section="8.1",
        labels=("metadata size (canonical form)",),
        why="metadata describes a model (configs are tens of KiB); bulk data belongs in tensors",
    ),
    LimitRow(
        name="MAX_SIGNATURE_BLOCK_BYTES",
        value=MAX_SIGNATURE_BLOCK_BYTES,
        code="SIGNATURE_BLOCK",
        section="3.6",
        labels=("signature block body `B`",),
        why="a signature block holds a handful of signatures of a few hundred bytes each",
    ),
    LimitRow(
        name="MAX_SIGNATURES",
        value=MAX_SIGNATURES,
        code="SIGNATURE_BLOCK",
        section="12.3",
        labels=("signatures per block",),
        why="a handful of signers is normal (publisher, organisation, auditor); 64 bounds verification work at "
        "64 public-key operations, far below anything an attacker could use",
    ),
    LimitRow(
        name="MAX_ATTRIBUTES",
        value=MAX_ATTRIBUTES,
        code="SIGNATURE_BLOCK",
        section="12.4",
        labels=("attributes per signature",),
        why="attributes are a few short claims (who, when, why); bulk data belongs in the header's metadata",
    ),
    LimitRow(
        name="MAX_ATTRIBUTE_KEY_BYTES",
        value=MAX_ATTRIBUTE_KEY_BYTES,
        code="SIGNATURE_BLOCK",
        section="12.4",
        labels=(),
        why="a reverse-DNS name such as `org.example.build-id`, not a document",
    ),
    LimitRow(
        name="MAX_ATTRIBUTE_VALUE_BYTES",
        value=MAX_ATTRIBUTE_VALUE_BYTES,
        code="SIGNATURE_BLOCK",
        section="12.4",
        labels=("signature attribute value",),
        why="a name or a comment, not a document",
    ),
    LimitRow(
        name="MAX_PUBLIC_KEY_BYTES",
        value=MAX_PUBLIC_KEY_BYTES,
        code="SIGNATURE_BLOCK",
        section="12.3",
        labels=("embedded public key",),
        why="the DER of a 1.0 key is 44 (Ed25519) or 91 (P-256) bytes; 4096 leaves room for post-quantum keys "
        "(ML-DSA-87: 2614 bytes)",
    ),
    LimitRow(
        name="MAX_ALGORITHM_NAME_CHARS",
        value=MAX_ALGORITHM_NAME_CHARS,
        code="SIGNATURE_BLOCK",
        section="12.3",
        labels=(),
        why="algorithm names are short identifiers; 64 characters leave room for any parameter set in a name",
    ),
    LimitRow(
        name="MAX_UNKNOWN_SIGNATURE_BYTES",
        value=MAX_UNKNOWN_SIGNATURE_BYTES,
        code="SIGNATURE_BLOCK",
        section="12.3",
        labels=("signature of an algorithm not in the registry",),
        why="room for post-quantum signatures (ML-DSA-87: 4627 bytes, SLH-DSA: up to 49856; FIPS 204 and 205)",
    ),
    LimitRow(
        name="MAX_UNKNOWN_SIGNATURES",
        value=MAX_UNKNOWN_SIGNATURES,
        code="SIGNATURE_BLOCK",
        section="12.3",
        labels=("entries of algorithms other than ed25519 and ecdsa-p256-sha256",),
        why="nobody can check such an entry and anyone can add one to a signed file; 4 leave room for a "
        "post-quantum signature next to each of a few signers' classical ones",
    ),
    LimitRow(
        name="MAX_NODES",
        value=MAX_NODES,
        code="GRAPH_LIMIT",
        section="9.12",
        labels=("graph nodes", "nodes"),
        why="published networks have at most tens of thousands of nodes even when every op is spelled out",
    ),
    LimitRow(
        name="MAX_GRAPH_VALUES",
        value=MAX_GRAPH_VALUES,
        code="GRAPH_LIMIT",
        section="9.12",
        labels=("graph inputs; graph outputs (each)",),
        why="real models have a handful of inputs and outputs; the bound keeps validation linear",
    ),
    LimitRow(
        name="MAX_NODE_VALUES",
        value=MAX_NODE_VALUES,
        code="GRAPH_LIMIT",
        section="9.12",
        labels=("entries of one node's `inputs`; of its `outputs` (each)",),
        why="no op takes or gives more than a few values (Concat and Split a few dozen)",
    ),
    LimitRow(
        name="MAX_ATTRIBUTE_ITEMS",
        value=MAX_ATTRIBUTE_ITEMS,
        code="GRAPH_LIMIT",
        section="9.12",
        labels=("items of one `ints` attribute",),
        why="real graphs need at most a few dozen items (split sizes, shapes)",
    ),
    LimitRow(
        name="MAX_RANK",
        value=MAX_RANK,
        code="GRAPH_SHAPE",
        section="9.10",
        labels=("rank of a declared or inferred value",),
        why="an inferred value obeys the rank limit of the tensors and declared values it comes from",
    ),
    LimitRow(
        name="MAX_SYMBOL_CHARS",
        value=MAX_SYMBOL_CHARS,
        code="GRAPH_NAME",
        section="9.4",
        labels=("symbolic dimension name",),
        why="symbolic dimensions are short identifiers such as `batch` or `seq_len`",
    ),
    LimitRow(
        name="MAX_NAME_BYTES",
        value=MAX_NAME_BYTES,
        code="GRAPH_NAME",
        section="9.4",
        labels=("node and value names",),
        why="node and value names follow the tensor name rule (§7.3)",
    ),
    LimitRow(
        name="MAX_LAYERS",
        value=MAX_LAYERS,
        code="GRAPH_ATTRIBUTE_VALUE",
        section="10.10",
        labels=("recurrent `num_layers`",),
        why="deeper recurrent stacks do not exist; the bound keeps slot lists small",
    ),
)


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
