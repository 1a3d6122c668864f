"""modelfmt.core v2, SPEC.md §10.16-10.17: reductions and scans (ReduceMax, ReduceMin, ArgMax, CumSum) and
shape and fill ops (Expand, Tile, Pad, Range).

Every size these ops produce is a function of input shapes and attributes, never of input values, as in
version 1: shape inference states it before anything runs, and the runtime's budget (SPEC.md §9.11)
refuses a Range or Tile whose output no budget admits before allocating it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

from ...format._limits import MAX_RANK
from .. import _cost as cost
from .._examples import Example, tensor
from .._shapes import broadcast, known_dim, normalize_axis, product, show, total
from .._spec import ARITHMETIC_INT_DTYPES, FLOAT_DTYPES, VALUE_DTYPES, Attr, InferContext, OpSpec, Port
from .._types import Dim, ValueType
from ._shape import _axes

VERSION = 2
REDUCE = "10.16"
SHAPE = "10.17"
F32 = "float32"
NUMERIC_DTYPES = (*FLOAT_DTYPES, *ARITHMETIC_INT_DTYPES)
RANGE_DTYPES = ("int32", "int64", "float32", "float64")
FLOAT32_MAX = 3.4028234663852886e38

Y = (Port("Y", "output"),)


# ---- §10.16 reductions and scans ---------------------------------------------------------------------


def _infer_reduce(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_dtype(0, NUMERIC_DTYPES)
    shape = ctx.shape(0)
    raw = ctx.attrs["axes"]
    axes = set(_axes(ctx, raw, len(shape)) if isinstance(raw, tuple) else range(len(shape)))
    keep = ctx.bool_attr("keepdims")
    out = tuple(1 if index in axes else dim for index, dim in enumerate(shape) if keep or index not in axes)
    return [ValueType(dtype, out)]


def _infer_argmax(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_dtype(0, NUMERIC_DTYPES)
    shape = ctx.require_min_rank(0, 1)
    axis = normalize_axis(ctx, ctx.int_attr("axis"), len(shape))
    if shape[axis] == 0:
        ctx.fail("GRAPH_SHAPE", f"axis {axis} of {show(shape)} is empty: it has no largest element")
    keep = ctx.bool_attr("keepdims")
    out = tuple(1 if index == axis else dim for index, dim in enumerate(shape) if keep or index != axis)
    return [ValueType("int64", out)]


def _infer_cumsum(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_dtype(0, NUMERIC_DTYPES)
    shape = ctx.require_min_rank(0, 1)
    normalize_axis(ctx, ctx.int_attr("axis"), len(shape))
    return [ctx.value(0)]


_AXES = Attr("axes", "ints", None, doc="axes to reduce; absent: all", min_length=1)
_KEEPDIMS = Attr("keepdims", "bool", False)
X_N = (Port("X", "input", types="N"),)


def _reduction(name: str, summary: str, examples: tuple[Example, ...]) -> OpSpec:
    return OpSpec(
        name,
        summary,
        X_N,
        Y,
        _infer_reduce,
        attributes=(_AXES, _KEEPDIMS),
        section=REDUCE,
        cost=cost.reduce,
        since=VERSION,
        examples=examples,
    )


def _scan_cost(ctx: cost.CostContext) -> cost.NodeCost:
    """The running sum, and for `exclusive` the shifted copy and its zero row."""
    n = ctx.out_numel()
    return cost.NodeCost(2 * n * ctx.itemsize, cost.CALL + 3 * n)


# ---- §10.17 shape and fill ops -----------------------------------------------------------------------

X_V = (Port("X", "input", types="V"),)


def _infer_expand(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_dtype(0, VALUE_DTYPES)
    target = ctx.ints_attr("shape")
    if len(target) > MAX_RANK:
        ctx.fail("GRAPH_SHAPE", f"target rank {len(target)} exceeds {MAX_RANK}")
    return [ValueType(dtype, broadcast(ctx, ctx.shape(0), tuple(target)))]


def _infer_tile(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_dtype(0, VALUE_DTYPES)
    shape = ctx.shape(0)
    repeats = ctx.ints_attr("repeats")
    if len(repeats) != len(shape):
        ctx.fail("GRAPH_ATTRIBUTE_VALUE", f"repeats {list(repeats)} has {len(repeats)} items; X has rank {len(shape)}")
    return [ValueType(dtype, tuple(product([dim, count]) for dim, count in zip(shape, repeats, strict=True)))]


def _infer_pad(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_dtype(0, FLOAT_DTYPES)
    shape = ctx.shape(0)
    pads = ctx.ints_attr("pads")
    rank = len(shape)
    if len(pads) != 2 * rank:
        ctx.fail("GRAPH_ATTRIBUTE_VALUE", f"pads has {len(pads)} items; X has rank {rank}, so it needs {2 * rank}")
    mode = ctx.str_attr("mode")
    out: list[Dim] = []
    for axis, dim in enumerate(shape):
        before, after = pads[axis], pads[rank + axis]
        if isinstance(dim, int) and (before or after):
            if mode == "reflect" and max(before, after) >= dim:
                ctx.fail(
                    "GRAPH_SHAPE", f"reflect pads {before} and {after} of axis {axis} are not below its size {dim}"
                )
            if mode == "replicate" and dim == 0:
                ctx.fail("GRAPH_SHAPE", f"replicate cannot pad the empty axis {axis}")
        out.append(total([dim, before, after]))
    return [ValueType(dtype, tuple(out))]


def range_length(start: object, limit: object, delta: object) -> int:
    """SPEC.md §10.17.4: max(0, ceil((limit - start) / delta)), exactly, from the binary64 values the
    attributes denote (Fraction of a float is exact), so a length of 2^53 and more is still counted
    right."""
    assert isinstance(start, int | float) and isinstance(limit, int | float) and isinstance(delta, int | float)
    quotient = (Fraction(limit) - Fraction(start)) / Fraction(delta)
    return max(0, math.ceil(quotient))


def _check_range(attrs: Mapping[str, object]) -> str | None:
    dtype = attrs["dtype"]
    values = {name: attrs[name] for name in ("start", "limit", "delta")}
    for name, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            return f"{name} {value} is not finite"
        if dtype in ("int32", "int64"):
            if not isinstance(value, int):
                return f"{name} {value!r} is not an integer, as dtype {dtype} requires"
            bits = 31 if dtype == "int32" else 63
            if not -(2**bits) <= value < 2**bits:
                return f"{name} {value} does not fit {dtype}"
        elif dtype == "float32" and abs(value) > FLOAT32_MAX:  # type: ignore[arg-type]
            return f"{name} {value} is beyond the float32 range"
    if values["delta"] == 0:
        return "delta is 0: the range would never reach limit"
    return None


def _infer_range(ctx: InferContext) -> Sequence[ValueType]:
    attrs = ctx.attrs
    length = range_length(attrs["start"], attrs["limit"], attrs["delta"])
    # Beyond 2^53 - 1 no declaration can state the size: it is unknown (§9.10), and the runtime's budget
    # refuses it (§9.11) before anything is allocated.
    return [ValueType(ctx.str_attr("dtype"), (known_dim(length),))]


def _range_cost(ctx: cost.CostContext) -> cost.NodeCost:
    """arange in int64 or float64, then the product and the sum, then the cast."""
    n = ctx.out_numel()
    return cost.NodeCost(3 * 8 * n, cost.CALL + 4 * n)


def _pad_cost(ctx: cost.CostContext) -> cost.NodeCost:
    """numpy's pad copies into a new array; reflect and replicate read the borders again."""
    n = ctx.out_numel()
    return cost.NodeCost(n * ctx.itemsize, cost.CALL + 2 * n)


OPS: tuple[OpSpec, ...] = (
    _reduction(
        "ReduceMax",
        "Y = the largest element of X over axes",
        (
            Example("rows", (tensor(F32, [[1, 5], [-3, 4]]),), (tensor(F32, [5, 4]),), {"axes": [1]}),
            Example(
                "int64-kept",
                (tensor("int64", [[1, 5], [-3, 4]]),),
                (tensor("int64", [[1, 5]]),),
                {"axes": [0], "keepdims": True},
            ),
            Example(
                "int64-empty", (tensor("int64", [[], []]),), (tensor("int64", [-(2**63), -(2**63)]),), {"axes": [1]}
            ),
        ),
    ),
    _reduction(
        "ReduceMin",
        "Y = the smallest element of X over axes",
        (
            Example("all", (tensor(F32, [[1, 5], [-3, 4]]),), (tensor(F32, -3),)),
            Example(
                "int32-empty",
                (tensor("int32", [[], []]),),
                (tensor("int32", [2147483647, 2147483647]),),
                {"axes": [-1]},
            ),
        ),
    ),
    OpSpec(
        "ArgMax",
        "Y = the index of the first largest element of X along axis, int64",
        X_N,
        Y,
        _infer_argmax,
        attributes=(Attr("axis", "int"), _KEEPDIMS),
        section=REDUCE,
        cost=cost.reduce,
        since=VERSION,
        examples=(
            Example("ties-first", (tensor(F32, [[1, 7, 7], [9, 0, 9]]),), (tensor("int64", [1, 0]),), {"axis": 1}),
            Example(
                "kept",
                (tensor("int32", [[1, 7], [9, 0]]),),
                (tensor("int64", [[1, 0]]),),
                {"axis": 0, "keepdims": True},
            ),
        ),
    ),
    OpSpec(
        "CumSum",
        "Y = running sums of X along axis (optionally exclusive and from the end)",
        X_N,
        Y,
        _infer_cumsum,
        attributes=(Attr("axis", "int"), Attr("exclusive", "bool", False), Attr("reverse", "bool", False)),
        section=REDUCE,
        cost=_scan_cost,
        since=VERSION,
        examples=(
            Example(
                "inclusive",
                (tensor(F32, [[1, 2, 3], [4, 5, 6]]),),
                (tensor(F32, [[1, 3, 6], [4, 9, 15]]),),
                {"axis": 1},
            ),
            Example(
                "exclusive",
                (tensor("int64", [1, 2, 3]),),
                (tensor("int64", [0, 1, 3]),),
                {"axis": 0, "exclusive": True},
            ),
            Example(
                "reverse", (tensor("int32", [1, 2, 3]),), (tensor("int32", [6, 5, 3]),), {"axis": -1, "reverse": True}
            ),
            Example(
                "reverse-exclusive",
                (tensor(F32, [1, 2, 3]),),
                (tensor(F32, [5, 3, 0]),),
                {"axis": 0, "exclusive": True, "reverse": True},
            ),
        ),
    ),
    OpSpec(
        "Expand",
        "Y = X broadcast with shape (numpy rules), copied",
        X_V,
        Y,
        _infer_expand,
        attributes=(Attr("shape", "ints", doc="the shape to broadcast X with", minimum=0),),
        section=SHAPE,
        cost=cost.copy,
        since=VERSION,
        examples=(
            Example("rows", (tensor(F32, [[1], [2]]),), (tensor(F32, [[1, 1, 1], [2, 2, 2]]),), {"shape": [2, 3]}),
            Example(
                "both-ways", (tensor("int64", [[1], [2]]),), (tensor("int64", [[[1], [2]]] * 2),), {"shape": [2, 1, 1]}
            ),
        ),
    ),
    OpSpec(
        "Tile",
        "Y = X repeated repeats[i] times along each axis i",
        X_V,
        Y,
        _infer_tile,
        attributes=(Attr("repeats", "ints", doc="one count per axis of X", minimum=0),),
        section=SHAPE,
        cost=cost.copy,
        since=VERSION,
        examples=(
            Example(
                "matrix", (tensor(F32, [[1, 2]]),), (tensor(F32, [[1, 2, 1, 2], [1, 2, 1, 2]]),), {"repeats": [2, 2]}
            ),
            Example("zero", (tensor("bool", [True]),), (tensor("bool", []),), {"repeats": [0]}),
        ),
    ),
    OpSpec(
        "Pad",
        "Y = X padded on each side of each axis (constant, reflect or replicate)",
        (Port("X", "input", types="T"),),
        Y,
        _infer_pad,
        attributes=(
            Attr("pads", "ints", doc="the counts before each axis, then after each axis", minimum=0),
            Attr("mode", "string", "constant", choices=("constant", "reflect", "replicate")),
            Attr("value", "float", 0.0, doc="the padding value of mode constant"),
        ),
        section=SHAPE,
        cost=_pad_cost,
        since=VERSION,
        examples=(
            Example(
                "constant",
                (tensor(F32, [[1, 2]]),),
                (tensor(F32, [[9, 9, 9, 9], [9, 1, 2, 9], [9, 9, 9, 9]]),),
                {"pads": [1, 1, 1, 1], "value": 9},
            ),
            Example(
                "reflect",
                (tensor(F32, [1, 2, 3]),),
                (tensor(F32, [3, 2, 1, 2, 3, 2]),),
                {"pads": [2, 1], "mode": "reflect"},
            ),
            Example(
                "replicate",
                (tensor(F32, [1, 2, 3]),),
                (tensor(F32, [1, 1, 2, 3, 3, 3]),),
                {"pads": [1, 2], "mode": "replicate"},
            ),
        ),
    ),
    OpSpec(
        "Range",
        "Y = [start, start + delta, ...] up to limit (excluded), of dtype",
        (),
        Y,
        _infer_range,
        attributes=(
            Attr("start", "number"),
            Attr("limit", "number"),
            Attr("delta", "number", 1),
            Attr("dtype", "string", "int64", choices=RANGE_DTYPES),
        ),
        check=_check_range,
        section=SHAPE,
        cost=_range_cost,
        since=VERSION,
        examples=(
            Example("int64", (), (tensor("int64", [2, 5, 8]),), {"start": 2, "limit": 10, "delta": 3}),
            Example("down", (), (tensor("int32", [3, 2, 1]),), {"start": 3, "limit": 0, "delta": -1, "dtype": "int32"}),
            Example("empty", (), (tensor("int64", []),), {"start": 5, "limit": 0}),
            Example(
                "float32",
                (),
                (tensor(F32, [0, 0.25, 0.5, 0.75]),),
                {"start": 0, "limit": 1, "delta": 0.25, "dtype": F32},
            ),
        ),
    ),
)
