"""The architecture data model (SPEC.md §9): values, nodes and the validated graph.

Everything here is immutable and built only by the validator, so code holding a `Graph` can rely on
every rule of §9 having been checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

# A dimension during shape inference: an int is a known size, a str is a symbolic size bound by the
# graph inputs at run time, None is a size that only becomes known at run time.
Dim = int | str | None
Shape = tuple[Dim, ...]
# A dimension as declared in the file: never unknown.
DeclaredDim = int | str

# Attribute values after validation: what JSON can carry for the attribute kinds of §9.7.
AttributeValue = int | float | bool | str | tuple[int, ...] | None


class TensorEntry(Protocol):
    """What the validator needs from a tensor-table row (the core's TensorInfo satisfies it)."""

    @property
    def name(self) -> str: ...
    @property
    def dtype(self) -> str: ...
    @property
    def shape(self) -> tuple[int, ...]: ...
    @property
    def role(self) -> str: ...


@dataclass(frozen=True, slots=True)  # slots: one per value of a graph of up to 262144 nodes
class ValueType:
    """The dtype and shape of a graph value as far as they are known before run time."""

    dtype: str | None  # None: produced by an extension op
    shape: Shape | None  # None: rank unknown (produced by an extension op)

    @property
    def known(self) -> bool:
        return self.dtype is not None and self.shape is not None


@dataclass(frozen=True)
class ValueDecl:
    """A graph input or output: a named value with a declared dtype and shape."""

    name: str
    dtype: str
    shape: tuple[DeclaredDim, ...]

    def as_type(self) -> ValueType:
        return ValueType(self.dtype, tuple(self.shape))


def int_of(attributes: Mapping[str, object], name: str) -> int:
    """An int attribute of completed attributes (validation checked its type: a wrong one is a bug here)."""
    value = attributes[name]
    assert isinstance(value, int)
    return value


def ints_of(attributes: Mapping[str, object], name: str) -> tuple[int, ...]:
    """An ints attribute of completed attributes, as a tuple."""
    value = attributes[name]
    assert isinstance(value, tuple)
    return value


class TypedAttributes:
    """Typed reads of a node's completed attributes, shared by inference and the kernels: validation has
    checked every type already, so a wrong one here is a bug in this package, hence the assertions."""

    __slots__ = ()  # Node has slots: a graph may hold 262144 of them

    def attribute_values(self) -> Mapping[str, object]:
        raise NotImplementedError

    def int_attr(self, name: str) -> int:
        return int_of(self.attribute_values(), name)

    def float_attr(self, name: str) -> float:
        value = self.attribute_values()[name]
        assert isinstance(value, float)
        return value

    def bool_attr(self, name: str) -> bool:
        value = self.attribute_values()[name]
        assert isinstance(value, bool)
        return value

    def str_attr(self, name: str) -> str:
        value = self.attribute_values()[name]
        assert isinstance(value, str)
        return value

    def ints_attr(self, name: str) -> tuple[int, ...]:
        return ints_of(self.attribute_values(), name)


@dataclass(frozen=True, slots=True)  # slots: a graph may hold 262144 of them
class Node(TypedAttributes):
    """One node, its attributes completed with the op's defaults (core ops only), with typed reads of
    them (`int_attr`, `ints_attr`, ...) for inference and the kernels of every runtime."""

    index: int
    name: str
    op: str
    inputs: tuple[str | None, ...]
    outputs: tuple[str | None, ...]
    attributes: Mapping[str, object]
    parameters: Mapping[str, str]  # slot -> tensor name
    is_extension: bool = False

    def attribute_values(self) -> Mapping[str, object]:
        return self.attributes

    def describe(self) -> str:
        """How error messages name the node."""
        return f"node `{self.name}` (#{self.index}, {self.op})"


@dataclass(frozen=True)
class Graph:
    """A validated architecture: every value defined once, nodes in topological order, every core op's
    attributes, bindings, dtypes and shapes checked, and the inferred type of every value."""

    opset: Mapping[str, int]
    inputs: tuple[ValueDecl, ...]
    outputs: tuple[ValueDecl, ...]
    nodes: tuple[Node, ...]
    value_types: Mapping[str, ValueType]

    @property
    def extension_nodes(self) -> tuple[Node, ...]:
        return tuple(node for node in self.nodes if node.is_extension)

    def bound_tensors(self) -> tuple[str, ...]:
        """Tensor names bound by any node, in first-use order, each once."""
        seen: dict[str, None] = {}
        for node in self.nodes:
            for tensor in node.parameters.values():
                seen.setdefault(tensor)
        return tuple(seen)
