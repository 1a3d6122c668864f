"""modelfmt.core v2, SPEC.md §10.14-10.15: elementwise math, comparisons, logic and Where.

The ops of a family that share everything but their function are written as one table each (`_UNARY`,
`_BINARY`, `_COMPARISONS`, `_LOGIC`): name, formula and examples per row, one inference and one cost rule
per table. The functions themselves live beside the kernels (`runtime/_kernels_elementwise.py`,
`torch/_kernels.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .. import _cost as cost
from .._examples import Example, Nested, tensor
from .._shapes import broadcast
from .._spec import ARITHMETIC_INT_DTYPES, FLOAT_DTYPES, VALUE_DTYPES, Attr, InferContext, OpSpec, Port
from .._types import ValueType

VERSION = 2  # the modelfmt.core version that introduced every op of this module
MATH = "10.14"
LOGIC = "10.15"
F32 = "float32"
NUMERIC_DTYPES = (*FLOAT_DTYPES, *ARITHMETIC_INT_DTYPES)

Y = (Port("Y", "output"),)


def _unary_infer(allowed: tuple[str, ...]) -> Callable[[InferContext], Sequence[ValueType]]:
    def infer(ctx: InferContext) -> Sequence[ValueType]:
        ctx.require_dtype(0, allowed)
        return [ctx.value(0)]

    return infer


def _binary_infer(allowed: tuple[str, ...], result: str | None) -> Callable[[InferContext], Sequence[ValueType]]:
    """Two inputs of one dtype from `allowed`, broadcast (§10.1); the result has `result` as its dtype, or
    the inputs' dtype when `result` is None."""

    def infer(ctx: InferContext) -> Sequence[ValueType]:
        dtype = ctx.require_dtype(0, allowed)
        ctx.require_same_dtype(1, dtype)
        return [ValueType(result or dtype, broadcast(ctx, ctx.shape(0), ctx.shape(1)))]

    return infer


def _f32(name: str, x: Nested, y: Nested, **attributes: object) -> Example:
    return Example(name, (tensor(F32, x),), (tensor(F32, y),), attributes)


def _pair(name: str, dtype: str, a: Nested, b: Nested, y: Nested, *, out: str = "") -> Example:
    """An example of a binary op: inputs A and B of `dtype`, the output Y of dtype `out` (default: `dtype`)."""
    return Example(name, (tensor(dtype, a), tensor(dtype, b)), (tensor(out or dtype, y),))


# ---- §10.14 elementwise math -------------------------------------------------------------------------

# (name, input type variable, formula, cost, examples)
_UNARY: tuple[tuple[str, str, str, cost.CostFunction, tuple[Example, ...]], ...] = (
    (
        "Neg",
        "N",
        "Y = -X",
        cost.elementwise(1),
        (
            _f32("float32", [1, -2.5, 0], [-1, 2.5, -0.0]),
            Example("int64", (tensor("int64", [3, -4]),), (tensor("int64", [-3, 4]),)),
        ),
    ),
    (
        "Abs",
        "N",
        "Y = |X|",
        cost.elementwise(1),
        (
            _f32("float32", [-1.5, 2, -0.0], [1.5, 2, 0]),
            Example("int32", (tensor("int32", [-3, 4]),), (tensor("int32", [3, 4]),)),
        ),
    ),
    ("Sqrt", "T", "Y = sqrt(X)", cost.elementwise(1), (_f32("exact", [0, 4, 2.25], [0, 2, 1.5]),)),
    (
        "Rsqrt",
        "T",
        "Y = 1 / sqrt(X)",
        cost.elementwise(2, scratch_copies=1),
        (_f32("exact", [4, 0.25, 1], [0.5, 2, 1]),),
    ),
    (
        "Exp",
        "T",
        "Y = exp(X)",
        cost.elementwise(1),
        (_f32("mixed", [0, 1, -1], [1, 2.718281828459045, 0.36787944117144233]),),
    ),
    (
        "Log",
        "T",
        "Y = log(X), the natural logarithm",
        cost.elementwise(1),
        (_f32("mixed", [1, 2, 0.5], [0, 0.6931471805599453, -0.6931471805599453]),),
    ),
    (
        "Sin",
        "T",
        "Y = sin(X)",
        cost.elementwise(1),
        (_f32("mixed", [0, 0.5, -0.5], [0, 0.479425538604203, -0.479425538604203]),),
    ),
    (
        "Cos",
        "T",
        "Y = cos(X)",
        cost.elementwise(1),
        (_f32("mixed", [0, 0.5, -0.5], [1, 0.8775825618903728, 0.8775825618903728]),),
    ),
    (
        "Erf",
        "T",
        "Y = erf(X)",
        cost.erf,
        (_f32("mixed", [0, 0.5, -1, 3], [0, 0.5204998778130465, -0.8427007929497149, 0.9999779095030014]),),
    ),
)

# (name, input type variable, formula, cost, examples)
_BINARY: tuple[tuple[str, str, str, cost.CostFunction, tuple[Example, ...]], ...] = (
    (
        "Pow",
        "T",
        "Y = A ^ B (broadcasting)",
        cost.elementwise(2),
        (
            _pair("exact", F32, [2, 4, 9], [3, 0.5, 0.5], [8, 2, 3]),
            _pair("broadcast", F32, [[1, 2], [3, 4]], 2, [[1, 4], [9, 16]]),
        ),
    ),
    (
        "Min",
        "N",
        "Y = min(A, B) (broadcasting; NaN propagates)",
        cost.elementwise(1),
        (
            _pair("broadcast", F32, [[1, 5]], [[3], [2]], [[1, 3], [1, 2]]),
            _pair("int64", "int64", [-7, 8], [0, 0], [-7, 0]),
        ),
    ),
    (
        "Max",
        "N",
        "Y = max(A, B) (broadcasting; NaN propagates)",
        cost.elementwise(1),
        (
            _pair("broadcast", F32, [[1, 5]], [[3], [2]], [[3, 5], [2, 5]]),
            _pair("int32", "int32", [-7, 8], [0, 0], [0, 8]),
        ),
    ),
)


def _check_clip(attrs: Mapping[str, object]) -> str | None:
    low, high = attrs["min"], attrs["max"]
    if isinstance(low, float) and isinstance(high, float) and low > high:
        return f"min {low} is greater than max {high}"
    return None


_CLIP = OpSpec(
    "Clip",
    "Y = min(max(X, min), max), each bound optional",
    (Port("X", "input", types="T"),),
    Y,
    _unary_infer(FLOAT_DTYPES),
    attributes=(
        Attr("min", "float", None, doc="the lower bound; absent: none"),
        Attr("max", "float", None, doc="the upper bound; absent: none"),
    ),
    check=_check_clip,
    section=MATH,
    cost=cost.elementwise(2, scratch_copies=1),
    since=VERSION,
    examples=(
        _f32("both", [-2, 0.5, 3], [-1, 0.5, 1], min=-1, max=1),
        _f32("max-only", [-2, 3], [-2, 0], max=0),
        _f32("min-only", [-2, 3], [-0.5, 3], min=-0.5),
    ),
)


# ---- §10.15 comparisons, logic and Where -------------------------------------------------------------

_A_LESS = [1, 2, 3]
# (name, formula, the result for A = [1, 2, 3] and B = 2)
_COMPARISONS: tuple[tuple[str, str, list[bool]], ...] = (
    ("Equal", "Y = (A == B)", [False, True, False]),
    ("Less", "Y = (A < B)", [True, False, False]),
    ("LessOrEqual", "Y = (A <= B)", [True, True, False]),
    ("Greater", "Y = (A > B)", [False, False, True]),
    ("GreaterOrEqual", "Y = (A >= B)", [False, True, True]),
)

_P, _Q = [True, True, False, False], [True, False, True, False]
# (name, formula, the result for A = _P and B = _Q)
_LOGIC: tuple[tuple[str, str, list[bool]], ...] = (
    ("And", "Y = A and B", [True, False, False, False]),
    ("Or", "Y = A or B", [True, True, True, False]),
    ("Xor", "Y = A xor B", [False, True, True, False]),
)


def _infer_where(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_dtype(0, ("bool",), "condition")
    dtype = ctx.require_dtype(1, VALUE_DTYPES, "X")
    if ctx.dtype(2) != dtype:
        ctx.fail("GRAPH_DTYPE", f"Y has dtype {ctx.dtype(2)}; expected {dtype} like X")
    shape = broadcast(ctx, broadcast(ctx, ctx.shape(0), ctx.shape(1)), ctx.shape(2))
    return [ValueType(dtype, shape)]


_WHERE = OpSpec(
    "Where",
    "Y = X where condition else Y (broadcasting the three)",
    (
        Port("condition", "bool", types="bool"),
        Port("X", "taken where true", types="V"),
        Port("Y", "taken where false", types="V"),
    ),
    (Port("Z", "output"),),
    _infer_where,
    section=LOGIC,
    cost=cost.elementwise(1),
    since=VERSION,
    examples=(
        Example(
            "broadcast",
            (tensor("bool", [[True], [False]]), tensor(F32, [1, 2]), tensor(F32, [10, 20])),
            (tensor(F32, [[1, 2], [10, 20]]),),
        ),
        Example(
            "int64",
            (tensor("bool", [True, False]), tensor("int64", [1, 2]), tensor("int64", 0)),
            (tensor("int64", [1, 0]),),
        ),
    ),
)


def _ops() -> tuple[OpSpec, ...]:
    ops: list[OpSpec] = []
    for name, types, formula, rule, examples in _UNARY:
        allowed = FLOAT_DTYPES if types == "T" else NUMERIC_DTYPES
        port = (Port("X", "input", types=types),)
        ops.append(
            OpSpec(
                name, formula, port, Y, _unary_infer(allowed), section=MATH, cost=rule, since=VERSION, examples=examples
            )
        )
    for name, types, formula, rule, examples in _BINARY:
        allowed = FLOAT_DTYPES if types == "T" else NUMERIC_DTYPES
        ports = (Port("A", "left operand", types=types), Port("B", "right operand", types=types))
        infer = _binary_infer(allowed, None)
        ops.append(OpSpec(name, formula, ports, Y, infer, section=MATH, cost=rule, since=VERSION, examples=examples))
    ops.append(_CLIP)
    numeric = (Port("A", "left operand", types="N"), Port("B", "right operand", types="N"))
    for name, formula, result in _COMPARISONS:
        example = _pair("broadcast", F32, _A_LESS, 2, result, out="bool")
        infer = _binary_infer(NUMERIC_DTYPES, "bool")
        rule = cost.elementwise(1)
        ops.append(
            OpSpec(name, formula, numeric, Y, infer, section=LOGIC, cost=rule, since=VERSION, examples=(example,))
        )
    logical = (Port("A", "left operand", types="bool"), Port("B", "right operand", types="bool"))
    for name, formula, result in _LOGIC:
        example = _pair("table", "bool", _P, _Q, result)
        infer = _binary_infer(("bool",), None)
        rule = cost.elementwise(1)
        ops.append(
            OpSpec(name, formula, logical, Y, infer, section=LOGIC, cost=rule, since=VERSION, examples=(example,))
        )
    not_example = Example("table", (tensor("bool", [True, False]),), (tensor("bool", [False, True]),))
    ops.append(
        OpSpec(
            "Not",
            "Y = not X",
            (Port("X", "input", types="bool"),),
            Y,
            _unary_infer(("bool",)),
            section=LOGIC,
            cost=cost.elementwise(1),
            since=VERSION,
            examples=(not_example,),
        )
    )
    ops.append(_WHERE)
    return tuple(ops)


OPS: tuple[OpSpec, ...] = _ops()
