"""Helpers for the architecture tests: one-node graphs, files, comparisons."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path

import modelfmt
import numpy as np
from modelfmt.format import _json
from modelfmt.graph._registry import lowest_version
from modelfmt.graph._types import TensorEntry, ValueType
from modelfmt.graph._validate import _NodeWalker


def opset_of(nodes: Sequence[Mapping[str, object]]) -> dict[str, int]:
    """The opset a graph of these nodes declares: the lowest modelfmt.core version defining their ops."""
    return {"modelfmt.core": lowest_version(str(raw["op"]) for raw in nodes)}


def node(
    name: str,
    op: str,
    inputs: Sequence[str | None],
    outputs: Sequence[str | None],
    *,
    attributes: Mapping[str, object] | None = None,
    parameters: Mapping[str, str] | None = None,
) -> dict[str, object]:
    result: dict[str, object] = {"name": name, "op": op, "inputs": list(inputs), "outputs": list(outputs)}
    if attributes is not None:
        result["attributes"] = dict(attributes)
    if parameters is not None:
        result["parameters"] = dict(parameters)
    return result


def declare(name: str, array_or_dtype: np.ndarray | str, shape: Sequence[int | str] | None = None) -> dict[str, object]:
    if isinstance(array_or_dtype, np.ndarray):
        return {"name": name, "dtype": str(array_or_dtype.dtype), "shape": list(array_or_dtype.shape)}
    assert shape is not None
    return {"name": name, "dtype": array_or_dtype, "shape": list(shape)}


def table(tensors: Mapping[str, np.ndarray], roles: Mapping[str, str] | None = None) -> dict[str, TensorEntry]:
    roles = roles or {}
    return {
        name: modelfmt.TensorInfo(
            name, str(array.dtype), tuple(array.shape), 0, 0, "0" * 64, roles.get(name, "parameter")
        )
        for name, array in tensors.items()
    }


def with_inferred_outputs(
    inputs: list[dict[str, object]],
    nodes: list[dict[str, object]],
    outputs: Sequence[str],
    tensors: Mapping[str, np.ndarray],
) -> dict[str, object]:
    """An architecture whose outputs are declared with the types the validator infers for them."""
    types = {
        str(decl["name"]): ValueType(str(decl["dtype"]), tuple(decl["shape"]))  # type: ignore[arg-type]
        for decl in inputs
    }
    walker = _NodeWalker(opset_of(nodes), table(tensors), types)
    for index, raw in enumerate(nodes):
        walker.visit(index, raw)
    declared = []
    for name in outputs:
        value = types[name]
        assert value.shape is not None and value.dtype is not None
        declared.append({"name": name, "dtype": value.dtype, "shape": list(value.shape)})
    return {"opset": opset_of(nodes), "inputs": inputs, "outputs": declared, "nodes": nodes}


def write(
    path: Path,
    architecture: Mapping[str, object] | None,
    tensors: Mapping[str, np.ndarray],
    roles: Mapping[str, str] | None = None,
    training: Mapping[str, object] | None = None,
) -> Path:
    modelfmt.save_file(dict(tensors), path, architecture=architecture, roles=roles, training=training)
    return path


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """max |actual - expected| / max |expected|: the norm-wise relative error the issue's 1e-5 bound means."""
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if expected.size == 0:
        return 0.0
    actual64, expected64 = actual.astype(np.float64), expected.astype(np.float64)
    both_nan = np.isnan(actual64) & np.isnan(expected64)
    assert np.array_equal(np.isnan(actual64), np.isnan(expected64)), "NaN positions differ"
    difference = np.abs(np.where(both_nan, 0, actual64 - expected64)).max()
    scale = np.abs(np.where(np.isnan(expected64), 0, expected64)).max()
    return float(difference / scale) if scale else float(difference)


def raw_file(tensors: Mapping[str, np.ndarray], sections: Mapping[str, object]) -> bytes:
    """A file built without the writer's validation, so that invalid architectures can be read back."""
    entries = []
    data = bytearray()
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array).tobytes()
        offset = -(-len(data) // 64) * 64
        data += bytes(offset - len(data)) + raw
        entries.append(
            {
                "name": name,
                "dtype": str(array.dtype),
                "shape": list(array.shape),
                "offset": offset,
                "length": len(raw),
                "sha256": hashlib.sha256(raw).hexdigest(),
                "role": "parameter",
            }
        )
    header = _json.canonical({"tensors": entries, "metadata": {}, **sections}).encode("utf-8")
    preamble = b"\x89MFT\r\n\x1a\n" + struct.pack("<HHIQ", 1, 0, 0, len(header))
    padding = bytes(-(24 + len(header)) % 64)
    return preamble + header + padding + bytes(data)
