"""modelfmt.core v1, SPEC.md §10.2-10.4: value sources, activations, elementwise arithmetic, MatMul."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import _cost as cost
from .._examples import Example, Nested, tensor
from .._shapes import broadcast, conflict, normalize_axis, show
from .._spec import ARITHMETIC_INT_DTYPES, FLOAT_DTYPES, VALUE_DTYPES, Attr, InferContext, OpSpec, Port, Slot
from .._types import Dim, ValueType

# Dtypes a graph value may have for Cast (float8 types are storage formats, not compute types in v1).
CASTABLE_DTYPES = VALUE_DTYPES
SCALAR_DTYPES = (*FLOAT_DTYPES, "int32", "int64")

X = (Port("X", "input", types="T"),)
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


def _unary(
    name: str, summary: str, rule: cost.CostFunction, *attributes: Attr, examples: tuple[Example, ...]
) -> OpSpec:
    return OpSpec(
        name, summary, X, Y, _infer_float_unary, attributes=attributes, section="10.3", cost=rule, examples=examples
    )


def _float_example(name: str, x: Nested, y: Nested, **attributes: object) -> Example:
    """A float32 example of an op with one input and one output."""
    return Example(name, (tensor("float32", x),), (tensor("float32", y),), attributes)


# ---- §10.4 arithmetic ------------------------------------------------------------------------------

AB = (Port("A", "left operand", types="T"), Port("B", "right operand", types="T"))
AB_N = (Port("A", "left operand", types="N"), Port("B", "right operand", types="N"))


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


F32 = "float32"

OPS: tuple[OpSpec, ...] = (
    OpSpec(
        "Identity",
        "Y = X, any dtype",
        (Port("X", "input", types="any"),),
        Y,
        _infer_identity,
        section="10.2",
        cost=cost.free,
        examples=(Example("int64", (tensor("int64", [1, -2, 3]),), (tensor("int64", [1, -2, 3]),)),),
    ),
    OpSpec(
        "Constant",
        "Y = the bound tensor",
        (),
        Y,
        _infer_constant,
        slots=_constant_slots,
        section="10.2",
        cost=cost.free,
        examples=(
            Example("matrix", (), (tensor(F32, [[1, 2], [3, 4]]),), params={"value": tensor(F32, [[1, 2], [3, 4]])}),
        ),
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
        examples=(
            Example("float32", (), (tensor(F32, 2.5),), {"value": 2.5}),
            Example("int64", (), (tensor("int64", -7),), {"value": -7, "dtype": "int64"}),
        ),
    ),
    OpSpec(
        "Cast",
        "Y = X converted to dtype `to`",
        (Port("X", "input", types="V"),),
        Y,
        _infer_cast,
        attributes=(Attr("to", "string", choices=CASTABLE_DTYPES),),
        section="10.2",
        cost=cost.elementwise(4),  # float to integer conversions check every element
        examples=(
            Example("truncate", (tensor(F32, [-2.75, 0, 2.75]),), (tensor("int32", [-2, 0, 2]),), {"to": "int32"}),
            Example("to-bool", (tensor(F32, [0, -2.5, 3]),), (tensor("bool", [False, True, True]),), {"to": "bool"}),
            Example("from-int", (tensor("int64", [[0, 1, 2]]),), (tensor(F32, [[0, 1, 2]]),), {"to": "float32"}),
        ),
    ),
    OpSpec(
        "PositionIds",
        "Y = [start, start+1, ..., start+n-1] as int64, n = X.shape[axis]",
        (Port("X", "any tensor; only its shape is used", types="any"),),
        Y,
        _infer_position_ids,
        attributes=(Attr("axis", "int"), Attr("start", "int", 0, minimum=0)),
        section="10.2",
        cost=cost.elementwise(1),
        examples=(
            Example(
                "start-3",
                (tensor("int64", [[0, 0, 0], [0, 0, 0]]),),
                (tensor("int64", [3, 4, 5]),),
                {"axis": 1, "start": 3},
            ),
        ),
    ),
    _unary(
        "ReLU",
        "Y = max(X, 0)",
        cost.elementwise(1),
        examples=(_float_example("mixed", [-1.5, 0, 2], [0, 0, 2]),),
    ),
    _unary(
        "LeakyReLU",
        "Y = X if X > 0 else negative_slope * X",
        cost.elementwise(3, scratch_copies=1, flag_bytes=1),
        Attr("negative_slope", "float", 0.01),
        examples=(
            _float_example("slope", [-2, 0, 3], [-0.5, 0, 3], negative_slope=0.25),
            _float_example("default", [-100, 1], [-1, 1]),
        ),
    ),
    _unary(
        "SiLU",
        "Y = X * sigmoid(X)",
        cost.elementwise(9, scratch_copies=5, flag_bytes=1),
        examples=(_float_example("mixed", [0, 1, -1], [0, 0.7310585786300049, -0.2689414213699951]),),
    ),
    _unary(
        "Tanh",
        "Y = tanh(X)",
        cost.elementwise(1),
        examples=(_float_example("mixed", [0, 0.5, -0.5], [0, 0.46211715726000974, -0.46211715726000974]),),
    ),
    _unary(
        "Sigmoid",
        "Y = 1 / (1 + exp(-X))",
        cost.elementwise(8, scratch_copies=5, flag_bytes=1),
        examples=(_float_example("mixed", [0, 2, -1000, 1000], [0.5, 0.8807970779778823, 0, 1]),),
    ),
    _unary(
        "GELU",
        "Y = X * Phi(X) (erf form) or its tanh approximation",
        cost.gelu,
        Attr("approximate", "string", "none", choices=("none", "tanh")),
        examples=(
            _float_example("erf", [0, 1, -1], [0, 0.8413447460685429, -0.15865525393145707]),
            _float_example("tanh", [0, 1], [0, 0.8411919906082768], approximate="tanh"),
        ),
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
        examples=(
            _float_example("last-axis", [[1, 1], [0, 1.0986122886681098]], [[0.5, 0.5], [0.25, 0.75]], axis=-1),
            _float_example("first-axis", [[5, 0], [5, 0]], [[0.5, 0.5], [0.5, 0.5]], axis=0),
        ),
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
        examples=(
            _float_example(
                "pair", [[1, 1], [100, 100]], [[-0.6931471805599453] * 2, [-0.6931471805599453] * 2], axis=1
            ),
        ),
    ),
    _unary(
        "Dropout",
        "Y = X at inference",
        cost.free,
        Attr("p", "float", 0.5, minimum=0.0, maximum=1.0),
        examples=(_float_example("inference", [1, -2, 3], [1, -2, 3], p=0.3),),
    ),
    OpSpec(
        "Add",
        "Y = A + B (broadcasting)",
        AB_N,
        Y,
        _infer_add,
        section="10.4",
        cost=cost.elementwise(1),
        examples=(
            Example(
                "broadcast", (tensor(F32, [[1], [2]]), tensor(F32, [10, 20])), (tensor(F32, [[11, 21], [12, 22]]),)
            ),
            Example("int64", (tensor("int64", [1, 2]), tensor("int64", 7)), (tensor("int64", [8, 9]),)),
        ),
    ),
    OpSpec(
        "Sub",
        "Y = A - B (broadcasting)",
        AB_N,
        Y,
        _infer_add,
        section="10.4",
        cost=cost.elementwise(1),
        examples=(Example("broadcast", (tensor(F32, [5, 3]), tensor(F32, [1])), (tensor(F32, [4, 2]),)),),
    ),
    OpSpec(
        "Mul",
        "Y = A * B (broadcasting)",
        AB_N,
        Y,
        _infer_add,
        section="10.4",
        cost=cost.elementwise(1),
        examples=(
            Example("broadcast", (tensor(F32, [2, 3]), tensor(F32, [[1], [2]])), (tensor(F32, [[2, 3], [4, 6]]),)),
        ),
    ),
    OpSpec(
        "Div",
        "Y = A / B (broadcasting)",
        AB,
        Y,
        _infer_div,
        section="10.4",
        cost=cost.elementwise(1),
        examples=(Example("exact", (tensor(F32, [1, 3]), tensor(F32, [2, 4])), (tensor(F32, [0.5, 0.75]),)),),
    ),
    OpSpec(
        "MatMul",
        "Y = A @ B (numpy matmul rules)",
        AB,
        Y,
        _infer_matmul,
        section="10.4",
        cost=cost.matmul,
        examples=(
            Example("matrix", (tensor(F32, [[1, 2], [3, 4]]), tensor(F32, [[5], [6]])), (tensor(F32, [[17], [39]]),)),
            Example("vector", (tensor(F32, [1, 2]), tensor(F32, [[1, 0], [0, 1]])), (tensor(F32, [1, 2]),)),
        ),
    ),
)
