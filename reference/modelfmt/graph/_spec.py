"""How an op of the closed vocabulary is described: ports, attributes, parameter slots, inference, cost,
the op-set version that introduced it, and examples.

An `OpSpec` is data plus a shape-inference function and a cost rule. The definitions live in
`graph/core/`, one module per family; the registry (`_registry.py`) maps op names to specs with a plain
dict; nothing is ever looked up by attribute access or import from file content.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Final, NoReturn

from ..format._dtypes import DTYPES
from ..format._errors import Code, error
from ._cost import CostFunction
from ._examples import Example
from ._types import Node, Shape, TensorEntry, TypedAttributes, ValueType

FLOAT_DTYPES: Final = ("float16", "bfloat16", "float32", "float64")
INDEX_DTYPES: Final = ("int32", "int64")
INTEGER_DTYPES: Final = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
# Dtypes the arithmetic ops (Add, Sub, Mul) accept besides floats.
ARITHMETIC_INT_DTYPES: Final = ("int32", "int64")
# V of SPEC.md §10.1: every dtype a computed value may have (the float8 dtypes are storage formats).
VALUE_DTYPES: Final = ("bool", *INTEGER_DTYPES, *FLOAT_DTYPES)

TYPE_VARIABLES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "T": FLOAT_DTYPES,
        "N": (*FLOAT_DTYPES, *ARITHMETIC_INT_DTYPES),
        "I": INDEX_DTYPES,
        "V": VALUE_DTYPES,
        "any": tuple(DTYPES),
        "bool or T": ("bool", *FLOAT_DTYPES),  # a mask: bool, or the dtype of the op's T
        "bool": ("bool",),  # a condition or an operand of a logical op (version 2)
    }
)
"""The type variables of SPEC.md §10.1 a port's `types` names. Input ports of one op that name the same
variable have one dtype (a difference is GRAPH_DTYPE)."""


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final = _Required()
"""Default marker: the attribute has no default and MUST be given."""

ATTRIBUTE_KINDS: Final = ("int", "float", "bool", "string", "ints", "number")

DefaultValue = object  # a JSON-ready value, REQUIRED, None (optional, absent) or DerivedDefault


@dataclass(frozen=True)
class DerivedDefault:
    """A default computed from other attributes (e.g. MaxPool2d's stride defaults to kernel_size)."""

    describe: str
    compute: Callable[[Mapping[str, object]], object]


@dataclass(frozen=True)
class Attr:
    """One attribute: its JSON kind, default and range. `None` as default means optional without value."""

    name: str
    kind: str
    default: DefaultValue = REQUIRED
    doc: str = ""
    minimum: float | None = None  # for int/float, and each element of ints
    maximum: float | None = None
    choices: tuple[str, ...] | None = None  # for string
    length: int | None = None  # exact length, for ints
    min_length: int = 0  # for ints
    # The modelfmt.core version that added the attribute to its op (§9.3 lets a version add optional
    # attributes whose default keeps the earlier behaviour). A graph declaring an earlier version may not
    # give it, and gets its default, so inference and kernels always see every attribute.
    since: int = 1

    def __post_init__(self) -> None:
        assert self.kind in ATTRIBUTE_KINDS, self.kind


@dataclass(frozen=True)
class Port:
    """A positional input or output of an op."""

    name: str
    doc: str = ""
    optional: bool = False
    variadic: bool = False  # only the last port; one or more values
    since: int = 1  # the modelfmt.core version that added the port (an optional one, §9.3)
    # The dtypes of an input, a key of TYPE_VARIABLES. Declarative: the op's `infer` enforces them, and
    # tests/architecture/test_arch_examples.py checks that it accepts exactly these.
    types: str = ""


@dataclass(frozen=True)
class Slot:
    """A parameter slot: bound by name to a tensor of the tensor table.

    `dtype` says which dtypes the tensor may have: "T" (the node's floating type, the dtype of its first
    input), "float" (any floating dtype) or "any".
    """

    name: str
    shape: tuple[int, ...] | None  # None: any shape
    required: bool = True
    dtype: str = "T"
    doc: str = ""


SlotRule = Callable[[Mapping[str, object]], Sequence[Slot]]


class InferContext(TypedAttributes):
    """What an op's inference function sees: the node, its completed attributes, its input types and its
    bound tensors. `fail` raises the error naming the node."""

    def __init__(
        self,
        node: Node,
        inputs: Sequence[ValueType | None],
        params: Mapping[str, TensorEntry],
    ) -> None:
        self.node = node
        self.attrs = node.attributes
        self.inputs = tuple(inputs)
        self.params = params

    def attribute_values(self) -> Mapping[str, object]:
        return self.attrs

    def fail(self, code: Code, message: str) -> NoReturn:
        raise error(code, f"{self.node.describe()}: {message}")

    # -- inputs --
    def value(self, index: int) -> ValueType:
        value = self.inputs[index] if index < len(self.inputs) else None
        assert value is not None, "required input checked by the validator"
        return value

    def optional(self, index: int) -> ValueType | None:
        return self.inputs[index] if index < len(self.inputs) else None

    def shape(self, index: int) -> Shape:
        shape = self.value(index).shape
        assert shape is not None, "unknown inputs never reach inference"
        return shape

    def dtype(self, index: int) -> str:
        dtype = self.value(index).dtype
        assert dtype is not None, "unknown inputs never reach inference"
        return dtype

    def port_name(self, index: int) -> str:
        return f"input {index}"

    def require_dtype(self, index: int, allowed: Sequence[str], what: str = "") -> str:
        dtype = self.dtype(index)
        if dtype not in allowed:
            name = what or self.port_name(index)
            self.fail("GRAPH_DTYPE", f"{name} has dtype {dtype}; expected one of {', '.join(allowed)}")
        return dtype

    def require_float(self, index: int) -> str:
        return self.require_dtype(index, FLOAT_DTYPES)

    def require_same_dtype(self, index: int, dtype: str) -> None:
        actual = self.dtype(index)
        if actual != dtype:
            self.fail("GRAPH_DTYPE", f"{self.port_name(index)} has dtype {actual}; expected {dtype} like input 0")

    def require_rank(self, index: int, *ranks: int) -> Shape:
        shape = self.shape(index)
        if len(shape) not in ranks:
            expected = " or ".join(str(rank) for rank in ranks)
            self.fail("GRAPH_SHAPE", f"{self.port_name(index)} has rank {len(shape)}; expected {expected}")
        return shape

    def require_min_rank(self, index: int, minimum: int) -> Shape:
        shape = self.shape(index)
        if len(shape) < minimum:
            self.fail("GRAPH_SHAPE", f"{self.port_name(index)} has rank {len(shape)}; expected at least {minimum}")
        return shape


InferFunction = Callable[[InferContext], Sequence[ValueType]]
AttributeCheck = Callable[[Mapping[str, object]], "str | None"]


def no_slots(_attrs: Mapping[str, object]) -> Sequence[Slot]:
    return ()


@dataclass(frozen=True)
class OpSpec:
    """An op of modelfmt.core: the data SPEC.md §10 tabulates, its shape inference, its cost rule (§9.11,
    the reference cost model), the version of modelfmt.core that introduced it (§9.3: a graph declaring a
    lower version does not know the op) and examples that every runtime must reproduce."""

    name: str
    summary: str
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    infer: InferFunction
    attributes: tuple[Attr, ...] = ()
    slots: SlotRule = no_slots
    # Slots that are bound all together or not at all (e.g. all biases of an LSTM).
    slot_groups: Callable[[Mapping[str, object]], Sequence[tuple[str, ...]]] = field(default=lambda _a: ())
    # Cross-attribute constraints: returns a message when violated (reported as GRAPH_ATTRIBUTE_VALUE).
    check: AttributeCheck | None = None
    section: str = ""
    cost: CostFunction = field(kw_only=True)
    since: int = field(default=1, kw_only=True)
    examples: tuple[Example, ...] = field(default=(), kw_only=True)

    @property
    def attribute_map(self) -> dict[str, Attr]:
        return {attr.name: attr for attr in self.attributes}

    def input_range(self) -> tuple[int, int | None]:
        """(minimum, maximum) number of inputs; maximum None when the last port is variadic."""
        return _port_range(self.inputs)

    def output_range(self) -> tuple[int, int | None]:
        return _port_range(self.outputs)

    def at_version(self, version: int) -> OpSpec:
        """The op as a graph declaring modelfmt.core `version` knows it: without the ports a later version
        added (the same object when there are none). Attributes are judged by version when they are
        completed (`complete_attributes`), since a later one still gets its default."""
        inputs = tuple(port for port in self.inputs if port.since <= version)
        outputs = tuple(port for port in self.outputs if port.since <= version)
        if (inputs, outputs) == (self.inputs, self.outputs):
            return self
        return replace(self, inputs=inputs, outputs=outputs)


def _port_range(ports: tuple[Port, ...]) -> tuple[int, int | None]:
    minimum = sum(1 for port in ports if not port.optional)
    if ports and ports[-1].variadic:
        return minimum, None
    return minimum, len(ports)
