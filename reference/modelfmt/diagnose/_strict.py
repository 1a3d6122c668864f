"""`check --strict`: SHOULD-level findings for a file that is valid (every MUST of SPEC.md holds) but is not
what a conforming writer or signer produces, or holds something tools should be careful with.

Each finding has a stable id (`FINDINGS`); the message is for people. Nothing here is an error code: a
file with findings is still valid for every reader.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from ..container._header import METADATA_TYPES, Header
from ..container._writer import encode_header
from ..format import _json
from ..format._limits import MAX_SAFE_INTEGER
from ..format._names import MISLEADING_IN_NAMES, MISLEADING_IN_TEXT
from ..graph._training import training_minor
from ..signing import _signatures
from ..signing._signatures import SignatureEntry

FINDINGS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "header-not-canonical": "the header is not in the canonical form every writer emits (§4.7, §14.1)",
        "number-not-writable": "a number whose canonical form a reader rejects: no writer could have written it (§4.7)",
        "extensions-empty": "an empty `extensions` object, which writers omit (§8.3)",
        "minor-version-not-lowest": "a minor version above the lowest that defines the features used (§15.5)",
        "metadata-key-variant": "a metadata key that looks like a recommended key but is spelled otherwise (§8.2)",
        "binding-role": "a graph binds a tensor of role `optimizer` (§9.8: parameter, buffer or other)",
        "running-statistics-role": "batch-norm running statistics bound to a tensor whose role is not `buffer` (§9.8)",
        "optimizer-slot-name": "an optimizer slot tensor not named `optimizer.<parameter>.<slot>` (§11.4)",
        "signature-block-not-canonical": "a signature block body not in the canonical form signers write (§12.2)",
        "signature-unknown-algorithm": "a signature this reader cannot verify: an algorithm it does not know (§12.9)",
        "display-unsafe-characters": "names or metadata hold controls, bidirectional or invisible characters (§17.16)",
    }
)

# Spellings people use for a recommended key (§8.2); compared after case folding and dropping - and _.
_VARIANTS: Final = {
    "author": "authors",
    "licence": "license",
    "tag": "tags",
    "modelname": "name",
    "desc": "description",
}
_RUNNING_STATISTICS: Final = frozenset({"running_mean", "running_var"})
_BATCH_NORM: Final = frozenset({"BatchNorm1d", "BatchNorm2d"})


@dataclass(frozen=True)
class Finding:
    id: str
    message: str

    def __post_init__(self) -> None:
        assert self.id in FINDINGS, self.id  # ids are stable: a new one is added to FINDINGS first

    def __str__(self) -> str:
        return f"{self.id}: {self.message}"


def findings(
    header: Header, raw_header: bytes, signature_body: bytes | None, signatures: Sequence[SignatureEntry]
) -> list[Finding]:
    """Every SHOULD-level finding for a file that passed every check, in a fixed order. `raw_header` and
    `signature_body` are the bytes as read, `signatures` the entries parsed from the body."""
    result: list[Finding] = []
    sections = {
        "metadata": header.metadata,
        "architecture": header.architecture,
        "training": header.training,
        "extensions": header.extensions,
    }
    if raw_header != encode_header(header.tensors, sections):
        result.append(
            Finding(
                "header-not-canonical",
                "header is not in canonical form (§4.7): a conforming writer would write other bytes for this value",
            )
        )
    for where, number in _numbers(sections):
        result.append(
            Finding(
                "number-not-writable",
                f"{where} is {number!r}, written {_json.format_number(number)} in canonical "
                "form: an integer beyond 2^53-1 that readers reject",
            )
        )
    if header.extensions is not None and not header.extensions:
        result.append(Finding("extensions-empty", "`extensions` is {}; a writer omits it"))
    needed = training_minor(header.training)  # §15.5; only `training` has features of 1.1
    if header.minor > needed:
        result.append(
            Finding("minor-version-not-lowest", f"the file says 1.{header.minor} but uses only 1.{needed} features")
        )
    result += _metadata_keys(header)
    result += _graph_roles(header)
    result += _slot_names(header)
    if signature_body is not None:
        result += _signature_block(signature_body, signatures)
    result += _display(header)
    return result


def _numbers(value: object, where: str = "header") -> Iterator[tuple[str, float]]:
    if isinstance(value, Mapping):
        for key, child in value.items():
            yield from _numbers(child, f"{where}.{key}" if where != "header" else key)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _numbers(child, f"{where}[{index}]")
    elif isinstance(value, float) and MAX_SAFE_INTEGER < abs(value) < 1e21:
        yield where, value


def _fold(key: str) -> str:
    return key.casefold().replace("-", "").replace("_", "")


def _metadata_keys(header: Header) -> list[Finding]:
    result = []
    recommended = {_fold(key): key for key in METADATA_TYPES}
    for key in header.metadata:
        if key in METADATA_TYPES:
            continue
        folded = _fold(key)
        meant = recommended.get(folded) or _VARIANTS.get(folded)
        if meant is not None and meant not in header.metadata:
            result.append(Finding("metadata-key-variant", f"metadata key {_json.show(key)} looks like `{meant}`"))
    return result


def _nodes(header: Header) -> list[Mapping[str, object]]:
    nodes = header.architecture.get("nodes", []) if header.architecture is not None else []
    return [node for node in nodes if isinstance(node, Mapping)] if isinstance(nodes, list) else []


def _graph_roles(header: Header) -> list[Finding]:
    result = []
    for node in _nodes(header):
        parameters = node.get("parameters", {})
        if not isinstance(parameters, Mapping):
            continue
        for slot, name in parameters.items():
            if not isinstance(name, str) or name not in header:
                continue
            role = header.tensor(name).role
            where = f"node {_json.show(str(node.get('name')))} binds {_json.show(name)} to `{slot}`"
            if role == "optimizer":
                result.append(Finding("binding-role", f"{where}, a tensor of role optimizer"))
            elif node.get("op") in _BATCH_NORM and slot in _RUNNING_STATISTICS and role != "buffer":
                result.append(Finding("running-statistics-role", f"{where}, a tensor of role {role}"))
    return result


def _slot_names(header: Header) -> list[Finding]:
    optimizer = header.training.get("optimizer") if header.training is not None else None
    state = optimizer.get("state") if isinstance(optimizer, Mapping) else None
    if not isinstance(state, Mapping):
        return []
    result = []
    for parameter, entry in state.items():
        slots = entry.get("slots", {}) if isinstance(entry, Mapping) else {}
        for slot, tensor in slots.items():
            expected = f"optimizer.{parameter}.{slot}"
            if tensor != expected:
                result.append(
                    Finding(
                        "optimizer-slot-name",
                        f"slot `{slot}` of {_json.show(parameter)} is {_json.show(str(tensor))}, "
                        f"not {_json.show(expected)}",
                    )
                )
    return result


def _signature_block(body: bytes, entries: Sequence[SignatureEntry]) -> list[Finding]:
    result = []
    canonical = _json.canonical({"signatures": [entry.as_json() for entry in entries]}).encode("utf-8")
    if body != canonical:
        result.append(Finding("signature-block-not-canonical", "the body bytes are not its canonical form"))
    for index, entry in enumerate(entries):
        if entry.algorithm not in _signatures.ALGORITHMS:
            unsupported = _signatures.unsupported_text(entry.algorithm)
            text = f"signature {index + 1} by key {entry.key_id[:16]}…: {unsupported}"
            result.append(Finding("signature-unknown-algorithm", text))
    return result


def _display(header: Header) -> list[Finding]:
    names = [info.name for info in header.tensors] + [str(node.get("name", "")) for node in _nodes(header)]
    unsafe = [name for name in names if MISLEADING_IN_NAMES.search(name)]
    unsafe += [text for text in _strings(header.metadata) if MISLEADING_IN_TEXT.search(text)]
    return [
        Finding(
            "display-unsafe-characters", f"{_json.show(text)} holds a control, bidirectional or invisible character"
        )
        for text in unsafe
    ]


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, child in value.items():
            yield key
            yield from _strings(child)
    elif isinstance(value, list):
        for child in value:
            yield from _strings(child)
    elif isinstance(value, str):
        yield value
