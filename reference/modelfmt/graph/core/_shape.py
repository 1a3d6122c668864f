"""modelfmt.core v1, SPEC.md §10.5-10.6: shape ops and reductions. They accept any castable dtype."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ...format._limits import MAX_RANK, MAX_SAFE_INTEGER
from .. import _cost as cost
from .._examples import Example, tensor
from .._shapes import conflict, known_dim, normalize_axis, product, show, total
from .._spec import ARITHMETIC_INT_DTYPES, FLOAT_DTYPES, INDEX_DTYPES, Attr, InferContext, OpSpec, Port
from .._types import Dim, ValueType
from ._basic import CASTABLE_DTYPES

X = (Port("X", "input", types="V"),)
Y = (Port("Y", "output"),)


def _axes(ctx: InferContext, axes: Sequence[int], rank: int, what: str = "axes") -> list[int]:
    normalized = [normalize_axis(ctx, axis, rank, what) for axis in axes]
    if len(set(normalized)) != len(normalized):
        ctx.fail("GRAPH_ATTRIBUTE_VALUE", f"{what} {list(axes)} name an axis twice")
    return normalized


def _infer_flatten(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_dtype(0, CASTABLE_DTYPES)
    shape = ctx.require_min_rank(0, 1)
    start = normalize_axis(ctx, ctx.int_attr("start_dim"), len(shape), "start_dim")
    end = normalize_axis(ctx, ctx.int_attr("end_dim"), len(shape), "end_dim")
    if start > end:
        ctx.fail("GRAPH_ATTRIBUTE_VALUE", f"start_dim {start} is after end_dim {end}")
    flat = (*shape[:start], product(shape[start : end + 1]), *shape[end + 1 :])
    return [ValueType(ctx.dtype(0), flat)]


def _monomial(dims: Sequence[Dim]) -> tuple[int, list[str], bool]:
    """A product of dimensions: the product of the ints, the symbols (sorted), whether one is unknown."""
    ints = math.prod(dim for dim in dims if isinstance(dim, int))
    symbols = sorted(dim for dim in dims if isinstance(dim, str))
    return ints, symbols, any(dim is None for dim in dims)


def _check_reshape(attrs: Mapping[str, object]) -> str | None:
    target = attrs["shape"]
    assert isinstance(target, tuple)
    if sum(1 for dim in target if dim == -1) > 1:
        return f"shape {list(target)} has more than one -1"
    return None


def _infer_reshape(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_dtype(0, CASTABLE_DTYPES)
    shape = ctx.shape(0)
    target = ctx.ints_attr("shape")
    if len(target) > MAX_RANK:
        ctx.fail("GRAPH_SHAPE", f"target rank {len(target)} exceeds {MAX_RANK}")
    out: list[Dim] = []
    for index, size in enumerate(target):
        if size == 0:
            if index >= len(shape):
                ctx.fail(
                    "GRAPH_SHAPE",
                    f"shape entry {index} copies an input dimension, but the input {show(shape)} has rank {len(shape)}",
                )
            out.append(shape[index])
        else:
            out.append(size)
    # SPEC.md §9.10: element counts over whole shapes. A symbol may be 0, so counts are compared, and a
    # -1 is an integer, only when every size is a known int; otherwise the -1 is the one symbol left
    # when the input's count is the other entries' count times that symbol, else unknown.
    in_ints, in_symbols, in_unknown = _monomial(shape)
    if -1 in target:
        minus = target.index(-1)
        out_ints, out_symbols, out_unknown = _monomial([dim for index, dim in enumerate(out) if index != minus])
        if not out_symbols and not out_unknown and out_ints == 0:
            ctx.fail("GRAPH_SHAPE", f"cannot reshape {show(shape)} to {list(target)}: the other sizes multiply to 0")
        inferred: Dim = None
        if not in_symbols and not in_unknown and not out_symbols and not out_unknown:
            if in_ints % out_ints:
                ctx.fail("GRAPH_SHAPE", f"cannot reshape {show(shape)} to {list(target)}")
            inferred = known_dim(in_ints // out_ints)
        elif not in_unknown and not out_unknown and in_ints == out_ints:
            rest = list(in_symbols)
            for symbol in out_symbols:
                if symbol not in rest:
                    break
                rest.remove(symbol)
            else:
                if len(rest) == 1:
                    inferred = rest[0]
        out[minus] = inferred
    else:
        out_ints, out_symbols, out_unknown = _monomial(out)
        exact = not (in_symbols or in_unknown or out_symbols or out_unknown)
        if exact and in_ints != out_ints:
            ctx.fail("GRAPH_SHAPE", f"cannot reshape {show(shape)} ({in_ints} elements) to {list(target)}")
    return [ValueType(ctx.dtype(0), tuple(out))]


def _infer_transpose(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_dtype(0, CASTABLE_DTYPES)
    shape = ctx.shape(0)
    perm = ctx.ints_attr("perm")
    if sorted(perm) != list(range(len(shape))):
        ctx.fail("GRAPH_ATTRIBUTE_VALUE", f"perm {list(perm)} is not a permutation of the {len(shape)} axes")
    return [ValueType(ctx.dtype(0), tuple(shape[axis] for axis in perm))]


def _infer_concat(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_dtype(0, CASTABLE_DTYPES)
    first = ctx.require_min_rank(0, 1)
    axis = normalize_axis(ctx, ctx.int_attr("axis"), len(first))
    sizes: list[Dim] = []
    for index in range(len(ctx.inputs)):
        ctx.require_same_dtype(index, dtype)
        shape = ctx.require_rank(index, len(first))
        for dim_index, (a, b) in enumerate(zip(first, shape, strict=True)):
            if dim_index != axis and conflict(a, b):
                ctx.fail("GRAPH_SHAPE", f"input {index} has shape {show(shape)}, incompatible with {show(first)}")
        sizes.append(shape[axis])
    joined = total(sizes)
    return [ValueType(dtype, (*first[:axis], joined, *first[axis + 1 :]))]


def _infer_split(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_dtype(0, CASTABLE_DTYPES)
    shape = ctx.require_min_rank(0, 1)
    axis = normalize_axis(ctx, ctx.int_attr("axis"), len(shape))
    split = ctx.ints_attr("split")
    if len(ctx.node.outputs) != len(split):
        ctx.fail("GRAPH_ARITY", f"split has {len(split)} parts but the node has {len(ctx.node.outputs)} outputs")
    if isinstance(shape[axis], int) and sum(split) != shape[axis]:
        ctx.fail("GRAPH_SHAPE", f"split {list(split)} sums to {sum(split)}, but axis {axis} has size {shape[axis]}")
    return [ValueType(dtype, (*shape[:axis], part, *shape[axis + 1 :])) for part in split]


def _check_slice(attrs: Mapping[str, object]) -> str | None:
    starts, ends, axes, steps = attrs["starts"], attrs["ends"], attrs["axes"], attrs["steps"]
    assert isinstance(starts, tuple) and isinstance(ends, tuple)
    if len(starts) != len(ends):
        return f"starts has {len(starts)} entries but ends has {len(ends)}"
    for name, value in (("axes", axes), ("steps", steps)):
        if value is not None and len(value) != len(starts):  # type: ignore[arg-type]
            return f"{name} has {len(value)} entries but starts has {len(starts)}"  # type: ignore[arg-type]
    return None


def slice_length(size: int, start: int, end: int, step: int) -> int:
    """Python slicing semantics: negative positions count from the end, then clamp."""
    return len(range(*slice(start, end, step).indices(size)))


def _infer_slice(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_dtype(0, CASTABLE_DTYPES)
    shape = ctx.require_min_rank(0, 1)
    starts, ends = ctx.ints_attr("starts"), ctx.ints_attr("ends")
    raw_axes = ctx.attrs["axes"]
    axes = _axes(ctx, raw_axes if isinstance(raw_axes, tuple) else tuple(range(len(starts))), len(shape))
    raw_steps = ctx.attrs["steps"]
    steps = raw_steps if isinstance(raw_steps, tuple) else (1,) * len(starts)
    out = list(shape)
    for axis, start, end, step in zip(axes, starts, ends, steps, strict=True):
        size = shape[axis]
        if isinstance(size, int):
            out[axis] = slice_length(size, start, end, step)
        elif start == 0 and step == 1 and end == MAX_SAFE_INTEGER:
            out[axis] = size  # the whole axis
        else:
            out[axis] = None
    return [ValueType(ctx.dtype(0), tuple(out))]


def _infer_gather(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_dtype(0, CASTABLE_DTYPES)
    data = ctx.require_min_rank(0, 1)
    ctx.require_dtype(1, INDEX_DTYPES, "input 1 (indices)")
    indices = ctx.shape(1)
    axis = normalize_axis(ctx, ctx.int_attr("axis"), len(data))
    out = (*data[:axis], *indices, *data[axis + 1 :])
    if len(out) > MAX_RANK:
        ctx.fail("GRAPH_SHAPE", f"result rank {len(out)} exceeds {MAX_RANK}")
    return [ValueType(dtype, out)]


def _infer_squeeze(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_dtype(0, CASTABLE_DTYPES)
    shape = ctx.shape(0)
    axes = _axes(ctx, ctx.ints_attr("axes"), len(shape))
    for axis in axes:
        if conflict(shape[axis], 1):
            ctx.fail("GRAPH_SHAPE", f"axis {axis} of {show(shape)} has size {shape[axis]}, not 1")
    return [ValueType(ctx.dtype(0), tuple(dim for index, dim in enumerate(shape) if index not in axes))]


def _infer_unsqueeze(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_dtype(0, CASTABLE_DTYPES)
    shape = ctx.shape(0)
    axes_attr = ctx.ints_attr("axes")
    rank = len(shape) + len(axes_attr)
    if rank > MAX_RANK:
        ctx.fail("GRAPH_SHAPE", f"result rank {rank} exceeds {MAX_RANK}")
    axes = set(_axes(ctx, axes_attr, rank))
    rest = iter(shape)
    return [ValueType(ctx.dtype(0), tuple(1 if index in axes else next(rest) for index in range(rank)))]


def _infer_reduce(ctx: InferContext, allowed: tuple[str, ...]) -> Sequence[ValueType]:
    dtype = ctx.require_dtype(0, allowed)
    shape = ctx.shape(0)
    raw = ctx.attrs["axes"]
    axes = set(_axes(ctx, raw, len(shape)) if isinstance(raw, tuple) else range(len(shape)))
    keep = ctx.bool_attr("keepdims")
    out = tuple(1 if index in axes else dim for index, dim in enumerate(shape) if keep or index not in axes)
    return [ValueType(dtype, out)]


def _infer_reduce_mean(ctx: InferContext) -> Sequence[ValueType]:
    return _infer_reduce(ctx, FLOAT_DTYPES)


def _infer_reduce_sum(ctx: InferContext) -> Sequence[ValueType]:
    return _infer_reduce(ctx, (*FLOAT_DTYPES, *ARITHMETIC_INT_DTYPES))


F32 = "float32"
_AXES_OPTIONAL = Attr("axes", "ints", None, doc="axes to reduce; absent: all", min_length=1)

OPS: tuple[OpSpec, ...] = (
    OpSpec(
        "Flatten",
        "Y = X with axes start_dim..end_dim merged into one",
        X,
        Y,
        _infer_flatten,
        attributes=(Attr("start_dim", "int", 1), Attr("end_dim", "int", -1)),
        section="10.5",
        cost=cost.copy,
        examples=(
            Example(
                "default",
                (tensor(F32, [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]),),
                (tensor(F32, [[0, 1, 2, 3], [4, 5, 6, 7]]),),
            ),
            Example(
                "leading-axes",
                (tensor(F32, [[[0], [1]], [[2], [3]]]),),
                (tensor(F32, [[0], [1], [2], [3]]),),
                {"start_dim": 0, "end_dim": 1},
            ),
        ),
    ),
    OpSpec(
        "Reshape",
        "Y = X with a new shape (0 copies an input dimension, -1 is inferred)",
        X,
        Y,
        _infer_reshape,
        attributes=(Attr("shape", "ints", minimum=-1, maximum=MAX_SAFE_INTEGER),),
        check=_check_reshape,
        section="10.5",
        cost=cost.copy,
        examples=(
            Example(
                "minus-one",
                (tensor(F32, [[0, 1, 2], [3, 4, 5]]),),
                (tensor(F32, [[0, 1], [2, 3], [4, 5]]),),
                {"shape": [3, -1]},
            ),
            Example(
                "copy-dim",
                (tensor("int64", [[0, 1, 2, 3]]),),
                (tensor("int64", [[[0, 1], [2, 3]]]),),
                {"shape": [0, 2, 2]},
            ),
        ),
    ),
    OpSpec(
        "Transpose",
        "Y = X with axes permuted: Y.shape[i] = X.shape[perm[i]]",
        X,
        Y,
        _infer_transpose,
        attributes=(Attr("perm", "ints"),),
        section="10.5",
        cost=cost.copy,
        examples=(
            Example(
                "matrix",
                (tensor(F32, [[1, 2, 3], [4, 5, 6]]),),
                (tensor(F32, [[1, 4], [2, 5], [3, 6]]),),
                {"perm": [1, 0]},
            ),
        ),
    ),
    OpSpec(
        "Concat",
        "Y = inputs joined along axis",
        (Port("inputs", "one or more tensors", variadic=True, types="V"),),
        Y,
        _infer_concat,
        attributes=(Attr("axis", "int"),),
        section="10.5",
        cost=cost.copy,
        examples=(
            Example(
                "rows",
                (
                    tensor(F32, [[1, 2]]),
                    tensor(F32, [[3, 4], [5, 6]]),
                ),
                (tensor(F32, [[1, 2], [3, 4], [5, 6]]),),
                {"axis": 0},
            ),
            Example(
                "negative-axis",
                (
                    tensor("int32", [[1], [2]]),
                    tensor("int32", [[3], [4]]),
                ),
                (tensor("int32", [[1, 3], [2, 4]]),),
                {"axis": -1},
            ),
        ),
    ),
    OpSpec(
        "Split",
        "outputs = X cut along axis into parts of the given sizes",
        X,
        (Port("outputs", "one per entry of split", variadic=True),),
        _infer_split,
        attributes=(Attr("axis", "int"), Attr("split", "ints", minimum=0, min_length=1)),
        section="10.5",
        cost=cost.copy,
        examples=(
            Example(
                "parts",
                (tensor(F32, [1, 2, 3, 4, 5]),),
                (
                    tensor(F32, [1, 2]),
                    tensor(F32, [3, 4, 5]),
                ),
                {"axis": 0, "split": [2, 3]},
            ),
        ),
    ),
    OpSpec(
        "Slice",
        "Y = X[start:end:step] along each given axis (Python slicing semantics)",
        X,
        Y,
        _infer_slice,
        attributes=(
            Attr("starts", "ints", min_length=1),
            Attr("ends", "ints", min_length=1),
            Attr("axes", "ints", None, doc="absent: 0, 1, ..., len(starts)-1"),
            Attr("steps", "ints", None, doc="absent: all 1", minimum=1),
        ),
        check=_check_slice,
        section="10.5",
        cost=cost.copy,
        examples=(
            Example(
                "step",
                (tensor(F32, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),),
                (tensor(F32, [1, 4, 7]),),
                {"starts": [1], "ends": [8], "steps": [3]},
            ),
            Example(
                "clamped-negative",
                (tensor(F32, [[0, 1, 2, 3], [4, 5, 6, 7]]),),
                (tensor(F32, [[2, 3], [6, 7]]),),
                {"starts": [-2], "ends": [100], "axes": [1]},
            ),
        ),
    ),
    OpSpec(
        "Gather",
        "Y = take(data, indices, axis)",
        (Port("data", "tensor to index", types="V"), Port("indices", "int32 or int64 tensor", types="I")),
        Y,
        _infer_gather,
        attributes=(Attr("axis", "int", 0),),
        section="10.5",
        cost=cost.indices(1),
        examples=(
            Example(
                "axis-1",
                (
                    tensor(F32, [[1, 2, 3], [4, 5, 6]]),
                    tensor("int64", [2, 0, -1]),
                ),
                (tensor(F32, [[3, 1, 3], [6, 4, 6]]),),
                {"axis": 1},
            ),
            Example(
                "scalar-index",
                (
                    tensor(F32, [[1, 2], [3, 4]]),
                    tensor("int32", 1),
                ),
                (tensor(F32, [3, 4]),),
            ),
            Example(
                "axis-0",
                (tensor(F32, [[1, 2], [3, 4], [5, 6]]), tensor("int64", [[2], [0]])),
                (tensor(F32, [[[5, 6]], [[1, 2]]]),),
            ),
        ),
    ),
    OpSpec(
        "Squeeze",
        "Y = X without the given axes of size 1",
        X,
        Y,
        _infer_squeeze,
        attributes=(Attr("axes", "ints", min_length=1),),
        section="10.5",
        cost=cost.copy,
        examples=(Example("two-axes", (tensor(F32, [[[1], [2]]]),), (tensor(F32, [1, 2]),), {"axes": [0, -1]}),),
    ),
    OpSpec(
        "Unsqueeze",
        "Y = X with axes of size 1 inserted at the given output positions",
        X,
        Y,
        _infer_unsqueeze,
        attributes=(Attr("axes", "ints", min_length=1),),
        section="10.5",
        cost=cost.copy,
        examples=(Example("front-and-back", (tensor(F32, [1, 2]),), (tensor(F32, [[[1], [2]]]),), {"axes": [0, 2]}),),
    ),
    OpSpec(
        "ReduceMean",
        "Y = mean of X over axes",
        (Port("X", "input", types="T"),),
        Y,
        _infer_reduce_mean,
        attributes=(_AXES_OPTIONAL, Attr("keepdims", "bool", False)),
        section="10.6",
        cost=cost.reduce,
        examples=(
            Example("rows", (tensor(F32, [[1, 2], [3, 4]]),), (tensor(F32, [1.5, 3.5]),), {"axes": [1]}),
            Example("all-kept", (tensor(F32, [[1, 2], [3, 4]]),), (tensor(F32, [[2.5]]),), {"keepdims": True}),
        ),
    ),
    OpSpec(
        "ReduceSum",
        "Y = sum of X over axes",
        (Port("X", "input", types="N"),),
        Y,
        _infer_reduce_sum,
        attributes=(_AXES_OPTIONAL, Attr("keepdims", "bool", False)),
        section="10.6",
        cost=cost.reduce,
        examples=(
            Example("int32-columns", (tensor("int32", [[1, 2], [3, 4]]),), (tensor("int32", [4, 6]),), {"axes": [0]}),
            Example("all", (tensor(F32, [[1, 2], [3, 4]]),), (tensor(F32, 10),)),
        ),
    ),
)
