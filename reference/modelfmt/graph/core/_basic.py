"""modelfmt.core v1, SPEC.md §10.2-10.4: value sources, activations, elementwise arithmetic, MatMul."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import _cost as cost
from .._shapes import broadcast, conflict, normalize_axis, show
from .._spec import ARITHMETIC_INT_DTYPES, FLOAT_DTYPES, INTEGER_DTYPES, Attr, InferContext, OpSpec, Port, Slot
from .._types import Dim, ValueType

# Dtypes a graph value may have for Cast (float8 types are storage formats, not compute types in v1).
CASTABLE_DTYPES = ("bool", *INTEGER_DTYPES, *FLOAT_DTYPES)
SCALAR_DTYPES = (*FLOAT_DTYPES, "int32", "int64")

X = (Port("X", "input"),)
Y = (Port("Y", "output"),)


# ---- §10.2 value sources and type changes ------------------------------------------------------------


def _infer_identity(ctx: InferContext) -> Sequence[ValueType]:
    return [ctx.value(0)]


def _constant_slots(_attrs: Mapping[str, object]) -> Sequence[Slot]:
    return (Slot("value", None, dtype="any", doc="the tensor to output"),)


def _infer_constant(ctx: InferContext) -> Sequence[ValueType]:
    tensor = ctx.params["value"]
    return [ValueType(tensor.dtype, tuple(tensor.shape))]


def _check_scalar(attrs: Mapping[str, object]) -> str | None:
    value, dtype = attrs["value"], attrs["dtype"]
    if dtype in ("int32", "int64"):
        if not isinstance(value, int):
            return f"value {value!r} is not an integer, as dtype {dtype} requires"
        bits = 31 if dtype == "int32" else 63
        if not -(2**bits) <= value < 2**bits:
            return f"value {value} does not fit {dtype}"
    return None


def _infer_scalar(ctx: InferContext) -> Sequence[ValueType]:
    return [ValueType(ctx.str_attr("dtype"), ())]


def _infer_cast(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_dtype(0, CASTABLE_DTYPES)
    return [ValueType(ctx.str_attr("to"), ctx.shape(0))]


def _infer_position_ids(ctx: InferContext) -> Sequence[ValueType]:
    shape = ctx.require_min_rank(0, 1)
    axis = normalize_axis(ctx, ctx.int_attr("axis"), len(shape))
    return [ValueType("int64", (shape[axis],))]


# ---- §10.3 activations -----------------------------------------------------------------------------


def _infer_float_unary(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_float(0)
    return [ctx.value(0)]


def _infer_softmax(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_float(0)
    shape = ctx.require_min_rank(0, 1)
    normalize_axis(ctx, ctx.int_attr("axis"), len(shape))
    return [ctx.value(0)]


def _unary(name: str, summary: str, rule: cost.CostFunction, *attributes: Attr) -> OpSpec:
    return OpSpec(name, summary, X, Y, _infer_float_unary, attributes=attributes, section="10.3", cost=rule)


# ---- §10.4 arithmetic ------------------------------------------------------------------------------

AB = (Port("A", "left operand"), Port("B", "right operand"))


def _infer_add(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_dtype(0, (*FLOAT_DTYPES, *ARITHMETIC_INT_DTYPES))
    ctx.require_same_dtype(1, dtype)
    return [ValueType(dtype, broadcast(ctx, ctx.shape(0), ctx.shape(1)))]


def _infer_div(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_float(0)
    ctx.require_same_dtype(1, dtype)
    return [ValueType(dtype, broadcast(ctx, ctx.shape(0), ctx.shape(1)))]


def _infer_matmul(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_float(0)
    ctx.require_same_dtype(1, dtype)
    a, b = ctx.require_min_rank(0, 1), ctx.require_min_rank(1, 1)
    a_matrix = (1, *a) if len(a) == 1 else a
    b_matrix = (*b, 1) if len(b) == 1 else b
    if conflict(a_matrix[-1], b_matrix[-2]):
        ctx.fail("GRAPH_SHAPE", f"inner dimensions differ: {show(a)} @ {show(b)}")
    batch = broadcast(ctx, a_matrix[:-2], b_matrix[:-2])
    rows: tuple[Dim, ...] = () if len(a) == 1 else (a_matrix[-2],)
    cols: tuple[Dim, ...] = () if len(b) == 1 else (b_matrix[-1],)
    return [ValueType(dtype, (*batch, *rows, *cols))]


OPS: tuple[OpSpec, ...] = (
    OpSpec("Identity", "Y = X, any dtype", X, Y, _infer_identity, section="10.2", cost=cost.free),
    OpSpec(
        "Constant",
        "Y = the bound tensor",
        (),
        Y,
        _infer_constant,
        slots=_constant_slots,
        section="10.2",
        cost=cost.free,
    ),
    OpSpec(
        "Scalar",
        "Y = a rank-0 tensor holding `value`",
        (),
        Y,
        _infer_scalar,
        attributes=(
            Attr("value", "number", doc="the value, rounded to nearest-even in `dtype`"),
            Attr("dtype", "string", "float32", choices=SCALAR_DTYPES),
        ),
        check=_check_scalar,
        section="10.2",
        cost=cost.free,
    ),
    OpSpec(
        "Cast",
        "Y = X converted to dtype `to`",
        X,
        Y,
        _infer_cast,
        attributes=(Attr("to", "string", choices=CASTABLE_DTYPES),),
        section="10.2",
        cost=cost.elementwise(4),  # float to integer conversions check every element
    ),
    OpSpec(
        "PositionIds",
        "Y = [start, start+1, ..., start+n-1] as int64, n = X.shape[axis]",
        (Port("X", "any tensor; only its shape is used"),),
        Y,
        _infer_position_ids,
        attributes=(Attr("axis", "int"), Attr("start", "int", 0, minimum=0)),
        section="10.2",
        cost=cost.elementwise(1),
    ),
    _unary("ReLU", "Y = max(X, 0)", cost.elementwise(1)),
    _unary(
        "LeakyReLU",
        "Y = X if X > 0 else negative_slope * X",
        cost.elementwise(3, scratch_copies=1, flag_bytes=1),
        Attr("negative_slope", "float", 0.01),
    ),
    _unary("SiLU", "Y = X * sigmoid(X)", cost.elementwise(9, scratch_copies=5, flag_bytes=1)),
    _unary("Tanh", "Y = tanh(X)", cost.elementwise(1)),
    _unary("Sigmoid", "Y = 1 / (1 + exp(-X))", cost.elementwise(8, scratch_copies=5, flag_bytes=1)),
    _unary(
        "GELU",
        "Y = X * Phi(X) (erf form) or its tanh approximation",
        cost.gelu,
        Attr("approximate", "string", "none", choices=("none", "tanh")),
    ),
    OpSpec(
        "Softmax",
        "Y = exp(X - max) / sum(exp(X - max)) along axis",
        X,
        Y,
        _infer_softmax,
        attributes=(Attr("axis", "int"),),
        section="10.3",
        cost=cost.softmax,
    ),
    OpSpec(
        "LogSoftmax",
        "Y = X - max - log(sum(exp(X - max))) along axis",
        X,
        Y,
        _infer_softmax,
        attributes=(Attr("axis", "int"),),
        section="10.3",
        cost=cost.softmax,
    ),
    _unary("Dropout", "Y = X at inference", cost.free, Attr("p", "float", 0.5, minimum=0.0, maximum=1.0)),
    OpSpec("Add", "Y = A + B (broadcasting)", AB, Y, _infer_add, section="10.4", cost=cost.elementwise(1)),
    OpSpec("Sub", "Y = A - B (broadcasting)", AB, Y, _infer_add, section="10.4", cost=cost.elementwise(1)),
    OpSpec("Mul", "Y = A * B (broadcasting)", AB, Y, _infer_add, section="10.4", cost=cost.elementwise(1)),
    OpSpec("Div", "Y = A / B (broadcasting)", AB, Y, _infer_div, section="10.4", cost=cost.elementwise(1)),
    OpSpec("MatMul", "Y = A @ B (numpy matmul rules)", AB, Y, _infer_matmul, section="10.4", cost=cost.matmul),
)
