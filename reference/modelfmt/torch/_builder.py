"""Building an architecture node by node while exporting, checked as it grows.

Every emitted node goes through the same validator as a file being read (SPEC.md §9.10), twice: with
symbolic shapes (what the file will declare) and with the example inputs' concrete shapes (what the
exporter needs to resolve sizes). A mistake in a converter therefore fails at export, naming the node.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..format._errors import ToolError
from ..graph._registry import CORE_DOMAIN, CORE_VERSION, lowest_version
from ..graph._types import DeclaredDim, Dim, ValueType
from ..graph._validate import _NodeWalker


class ExportError(ToolError, ValueError):
    """The module cannot be described with modelfmt.core: the message names what and where."""


@dataclass(frozen=True)
class TableEntry:
    """A row of the tensor table being built (satisfies the validator's TensorEntry protocol)."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    role: str


def _identifier(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", text) or "v"


class GraphBuilder:
    def __init__(self) -> None:
        self.nodes: list[dict[str, object]] = []
        self.inputs: list[dict[str, object]] = []
        self.tensors: dict[str, TableEntry] = {}
        self.arrays: dict[str, np.ndarray] = {}
        self.symbolic: dict[str, ValueType] = {}
        self.concrete: dict[str, ValueType] = {}
        opset = {CORE_DOMAIN: CORE_VERSION}
        self._symbolic_walker = _NodeWalker(opset, self.tensors, self.symbolic)
        self._concrete_walker = _NodeWalker(opset, self.tensors, self.concrete)
        self._names: set[str] = set()

    # -- names --
    def fresh(self, hint: str) -> str:
        """A value or node name not used yet, derived from `hint`."""
        base = _identifier(hint)
        name, counter = base, 1
        while name in self._names:
            counter += 1
            name = f"{base}_{counter}"
        self._names.add(name)
        return name

    # -- graph inputs and tensors --
    def add_input(self, hint: str, dtype: str, symbolic: Sequence[DeclaredDim], concrete: Sequence[int]) -> str:
        name = self.fresh(hint)
        self.inputs.append({"name": name, "dtype": dtype, "shape": list(symbolic)})
        self.symbolic[name] = ValueType(dtype, tuple(symbolic))
        self.concrete[name] = ValueType(dtype, tuple(concrete))
        return name

    def add_tensor(self, name: str, array: np.ndarray, dtype: str, role: str) -> str:
        if name in self.tensors:
            return name
        self.tensors[name] = TableEntry(name, dtype, tuple(array.shape), role)
        self.arrays[name] = array
        return name

    # -- nodes --
    def node(
        self,
        op: str,
        inputs: Sequence[str | None],
        *,
        hint: str,
        attributes: Mapping[str, object] | None = None,
        parameters: Mapping[str, str] | None = None,
        outputs: int = 1,
    ) -> list[str]:
        """Emit one node and return its output value names."""
        name = self.fresh(hint)
        output_names = [name if index == 0 else self.fresh(f"{name}.out{index}") for index in range(outputs)]
        raw: dict[str, object] = {
            "name": name,
            "op": op,
            "inputs": list(inputs),
            "outputs": output_names,
        }
        if attributes:
            raw["attributes"] = {
                key: list(value) if isinstance(value, tuple) else value for key, value in attributes.items()
            }
        if parameters:
            raw["parameters"] = dict(parameters)
        index = len(self.nodes)
        self._symbolic_walker.visit(index, raw)
        self._concrete_walker.visit(index, raw)
        self.nodes.append(raw)
        return output_names

    def symbolic_shape(self, value: str) -> tuple[Dim, ...]:
        shape = self.symbolic[value].shape
        assert shape is not None
        return shape

    def concrete_shape(self, value: str) -> tuple[int, ...]:
        shape = self.concrete[value].shape
        assert shape is not None
        return tuple(dim for dim in shape if isinstance(dim, int))

    def dtype(self, value: str) -> str:
        dtype = self.symbolic[value].dtype
        assert dtype is not None
        return dtype

    def rank(self, value: str) -> int:
        return len(self.symbolic_shape(value))

    # -- the result --
    def rename(self, old: str, new: str) -> None:
        """Give a node output a new value name (used to name graph outputs)."""
        for raw in self.nodes:
            for key in ("inputs", "outputs"):
                values = raw[key]
                assert isinstance(values, list)
                raw[key] = [new if value == old else value for value in values]
        self.symbolic[new] = self.symbolic.pop(old)
        self.concrete[new] = self.concrete.pop(old)
        self._names.add(new)

    def is_node_output(self, value: str) -> bool:
        return any(value in raw["outputs"] for raw in self.nodes)  # type: ignore[operator]

    def architecture(self, outputs: Sequence[tuple[str, Sequence[DeclaredDim]]]) -> dict[str, object]:
        return {
            "opset": {CORE_DOMAIN: lowest_version(str(raw["op"]) for raw in self.nodes)},
            "inputs": self.inputs,
            "outputs": [{"name": name, "dtype": self.dtype(name), "shape": list(shape)} for name, shape in outputs],
            "nodes": self.nodes,
        }
