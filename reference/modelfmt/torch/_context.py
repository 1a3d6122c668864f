"""What converters work with while exporting: the values an fx graph passes around, and helpers to
emit nodes for them."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..format._limits import MAX_SAFE_INTEGER
from ..graph._spec import FLOAT_DTYPES
from ..graph._types import Dim
from ._builder import ExportError, GraphBuilder
from ._dtypes import dtype_name, to_numpy

END: int = MAX_SAFE_INTEGER  # "to the end" in Slice


@dataclass(frozen=True)
class Value:
    """A graph value (a tensor computed by the graph)."""

    name: str


@dataclass(frozen=True)
class TensorRef:
    """A tensor of the tensor table reached through a module attribute (fx get_attr)."""

    name: str


@dataclass(frozen=True)
class Size:
    """One dimension of a graph value, as `x.size(i)` or `x.shape[i]` gives it."""

    value: str
    axis: int
    symbolic: Dim
    concrete: int

    @property
    def static(self) -> int | None:
        return self.symbolic if isinstance(self.symbolic, int) else None


@dataclass(frozen=True)
class SymInt:
    """An int computed from symbolic sizes: known for the example inputs only."""

    concrete: int
    text: str


@dataclass(frozen=True)
class Unusable:
    """A result the op set cannot express; an error only if something uses it."""

    reason: str


@dataclass
class Context:
    builder: GraphBuilder
    root: torch.nn.Module
    where: str = ""
    _materialized: dict[str, str] = field(default_factory=dict)

    def fail(self, message: str) -> ExportError:
        return ExportError(f"{self.where}: {message}" if self.where else message)

    # -- tensors --
    def param(self, qualname: str, attribute: str) -> str:
        """The tensor-table name of `qualname.attribute` (a parameter or buffer of the module)."""
        name = f"{qualname}.{attribute}" if qualname else attribute
        if name not in self.builder.tensors:
            raise self.fail(f"tensor `{name}` is not in the module's state_dict")
        return name

    def materialize(self, ref: TensorRef) -> str:
        """A Constant node for a tensor used as a value (once per tensor)."""
        if ref.name not in self._materialized:
            (value,) = self.builder.node("Constant", [], hint=ref.name, parameters={"value": ref.name})
            self._materialized[ref.name] = value
        return self._materialized[ref.name]

    def constant(self, tensor: torch.Tensor, hint: str) -> str:
        """A tensor computed at trace time, stored with role other and emitted as a Constant."""
        name = self.builder.fresh(f"{hint}.constant")
        self.builder.add_tensor(name, to_numpy(tensor), dtype_name(tensor.dtype), "other")
        return self.materialize(TensorRef(name))

    def scalar(self, number: float | int | bool, dtype: str, hint: str) -> str:
        if dtype not in (*FLOAT_DTYPES, "int32", "int64"):
            raise self.fail(f"a Python number combined with a {dtype} tensor is not supported")
        value: float | int = float(number) if dtype in FLOAT_DTYPES else int(number)
        (name,) = self.builder.node("Scalar", [], hint=f"{hint}.scalar", attributes={"value": value, "dtype": dtype})
        return name

    def value(self, arg: object, what: str = "argument") -> str:
        """The graph value an argument denotes, or an error naming what it was."""
        if isinstance(arg, Value):
            return arg.name
        if isinstance(arg, TensorRef):
            return self.materialize(arg)
        if isinstance(arg, Unusable):
            raise self.fail(arg.reason)
        raise self.fail(f"{what} must be a tensor, got {type(arg).__name__} {arg!r}")

    def cast(self, value: str, dtype: str, hint: str) -> str:
        if self.builder.dtype(value) == dtype:
            return value
        (name,) = self.builder.node("Cast", [value], hint=f"{hint}.cast", attributes={"to": dtype})
        return name


def static_int(ctx: Context, arg: object, what: str) -> int:
    """An int argument that must not depend on symbolic input sizes."""
    if isinstance(arg, bool):
        raise ctx.fail(f"{what} must be an int, got {arg!r}")
    if isinstance(arg, int):
        return arg
    if isinstance(arg, Size) and arg.static is not None:
        return arg.static
    if isinstance(arg, Size | SymInt):
        raise ctx.fail(f"{what} depends on a dynamic input size; modelfmt.core needs it fixed here")
    raise ctx.fail(f"{what} must be an int, got {type(arg).__name__}")


def concrete_int(arg: object) -> int | None:
    """The example-input value of an int-like argument."""
    if isinstance(arg, bool):
        return None
    if isinstance(arg, int):
        return arg
    if isinstance(arg, Size | SymInt):
        return arg.concrete
    return None
