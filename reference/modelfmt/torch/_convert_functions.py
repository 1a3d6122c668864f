"""Converters for the functions and tensor methods an fx trace records (call_function/call_method).

Tables map the traced callable (or method name) to a converter. The keys are objects of the exporting
process, never strings from a file.
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Final

import torch
import torch.nn.functional as F  # noqa: N812 - PyTorch's own convention

from ..graph._spec import FLOAT_DTYPES
from ._context import END, Context, Size, SymInt, TensorRef, Value, static_int
from ._dtypes import DTYPE_NAMES, TORCH_DTYPES

Args = tuple[object, ...]
Kwargs = Mapping[str, object]
Converter = Callable[[Context, str, Args, Kwargs], object]

_NOT_GIVEN: Final = object()


def arg(args: Args, kwargs: Kwargs, index: int, name: str, default: object = _NOT_GIVEN) -> object:
    if index < len(args):
        return args[index]
    if name in kwargs:
        return kwargs[name]
    if default is _NOT_GIVEN:
        raise TypeError(f"missing argument `{name}`")
    return default


def _is_tensor(value: object) -> bool:
    return isinstance(value, Value | TensorRef)


def _emit(ctx: Context, op: str, inputs: Sequence[str | None], hint: str, **attributes: object) -> Value:
    (name,) = ctx.builder.node(op, inputs, hint=hint, attributes=attributes or None)
    return Value(name)


# ---- elementwise arithmetic ------------------------------------------------------------------------

_PROMOTION: Final = ("bool", "int32", "int64", "float16", "bfloat16", "float32", "float64")


def _operand_dtype(ctx: Context, value: object) -> str | None:
    if _is_tensor(value):
        return ctx.builder.dtype(ctx.value(value))
    return None


def binary(op: str) -> Converter:
    def convert(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
        a, b = arg(args, kwargs, 0, "input"), arg(args, kwargs, 1, "other")
        if kwargs.get("alpha", 1) != 1:
            raise ctx.fail(f"{op} with alpha is not supported")
        dtypes = [d for d in (_operand_dtype(ctx, a), _operand_dtype(ctx, b)) if d is not None]
        if any(isinstance(x, Size | SymInt) for x in (a, b)):
            raise ctx.fail(f"{op} of a tensor and a dynamic size is not supported")
        dtype = max(dtypes, key=_PROMOTION.index)
        if any(isinstance(x, float) for x in (a, b)) and dtype not in FLOAT_DTYPES:
            dtype = "float32"  # PyTorch: an integer tensor and a Python float give the default float dtype
        if op == "Div" and dtype not in FLOAT_DTYPES:
            dtype = "float32"  # true division of integers
        operands = []
        for x in (a, b):
            if _is_tensor(x):
                operands.append(ctx.cast(ctx.value(x), dtype, hint))
            elif isinstance(x, int | float):
                operands.append(ctx.scalar(x, dtype, hint))
            else:
                raise ctx.fail(f"{op} operand must be a tensor or a number, got {type(x).__name__}")
        return _emit(ctx, op, operands, hint)

    return convert


def _matmul(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    a, b = ctx.value(arg(args, kwargs, 0, "input")), ctx.value(arg(args, kwargs, 1, "other"))
    return _emit(ctx, "MatMul", [a, b], hint)


# ---- activations ------------------------------------------------------------------------------------


def unary(op: str, **fixed: object) -> Converter:
    def convert(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
        return _emit(ctx, op, [ctx.value(arg(args, kwargs, 0, "input"))], hint, **fixed)

    return convert


def _gelu(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    approximate = arg(args, kwargs, 1, "approximate", "none")
    return _emit(ctx, "GELU", [ctx.value(args[0])], hint, approximate=approximate)


def _leaky_relu(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    slope = float(arg(args, kwargs, 1, "negative_slope", 0.01))  # type: ignore[arg-type]
    return _emit(ctx, "LeakyReLU", [ctx.value(args[0])], hint, negative_slope=slope)


def softmax(op: str) -> Converter:
    def convert(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
        dim = arg(args, kwargs, 1, "dim", None)
        if dim is None:
            raise ctx.fail(f"{op} needs an explicit dim")
        if kwargs.get("dtype") is not None:
            raise ctx.fail(f"{op} with dtype= is not supported")
        return _emit(ctx, op, [ctx.value(args[0])], hint, axis=static_int(ctx, dim, "dim"))

    return convert


def _dropout(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    p = float(arg(args, kwargs, 1, "p", 0.5))  # type: ignore[arg-type]
    return _emit(ctx, "Dropout", [ctx.value(args[0])], hint, p=p)


def _linear(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    x, weight, bias = args[0], arg(args, kwargs, 1, "weight"), arg(args, kwargs, 2, "bias", None)
    if not isinstance(weight, TensorRef) or not (bias is None or isinstance(bias, TensorRef)):
        raise ctx.fail("F.linear needs its weight and bias to be module parameters")
    out_features, in_features = ctx.builder.tensors[weight.name].shape
    parameters = {"weight": weight.name} | ({"bias": bias.name} if isinstance(bias, TensorRef) else {})
    (name,) = ctx.builder.node(
        "Linear",
        [ctx.value(x)],
        hint=hint,
        attributes={"in_features": in_features, "out_features": out_features},
        parameters=parameters,
    )
    return Value(name)


def _layer_norm(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    x, shape = args[0], arg(args, kwargs, 1, "normalized_shape")
    weight, bias = arg(args, kwargs, 2, "weight", None), arg(args, kwargs, 3, "bias", None)
    eps = float(arg(args, kwargs, 4, "eps", 1e-5))  # type: ignore[arg-type]
    parameters = {}
    for slot, ref in (("weight", weight), ("bias", bias)):
        if isinstance(ref, TensorRef):
            parameters[slot] = ref.name
        elif ref is not None:
            raise ctx.fail("F.layer_norm needs its weight and bias to be module parameters")
    dims = [static_int(ctx, d, "normalized_shape") for d in (shape if isinstance(shape, Sequence) else [shape])]
    (name,) = ctx.builder.node(
        "LayerNorm",
        [ctx.value(x)],
        hint=hint,
        attributes={"normalized_shape": dims, "eps": eps},
        parameters=parameters,
    )
    return Value(name)


# ---- shapes -----------------------------------------------------------------------------------------


def _shape_args(args: Args) -> list[object]:
    """view(2, 3), view((2, 3)) and view(torch.Size) all give [2, 3]."""
    if len(args) == 1 and isinstance(args[0], tuple | list | torch.Size):
        return list(args[0])
    return list(args)


def reshape_to(ctx: Context, value: str, target: Sequence[object], hint: str) -> Value:
    """Reshape `value` to sizes that may refer to dynamic input sizes (SPEC.md §10.5 Reshape)."""
    symbolic = ctx.builder.symbolic_shape(value)
    entries: list[int | None] = []
    for index, size in enumerate(target):
        if (
            isinstance(size, Size)
            and index < len(symbolic)
            and (
                (size.value == value and size.axis == index)
                or (isinstance(size.symbolic, str) and symbolic[index] == size.symbolic)
            )
        ):
            entries.append(0)  # copy the input's dimension
        elif isinstance(size, Size) and size.static is not None:
            entries.append(size.static)
        elif isinstance(size, int) and not isinstance(size, bool):
            if size == 0:
                raise ctx.fail("reshaping to a zero-size dimension is not supported")
            entries.append(size)
        elif isinstance(size, Size | SymInt):
            entries.append(None)  # dynamic: becomes -1 below
        else:
            raise ctx.fail(f"reshape size must be an int, got {type(size).__name__}")
    dynamic = [index for index, entry in enumerate(entries) if entry is None]
    if len(dynamic) > 1 or (dynamic and -1 in entries):
        raise ctx.fail("reshape with more than one dynamic size cannot be described; keep dynamic axes in place")
    shape = [-1 if entry is None else entry for entry in entries]
    return _emit(ctx, "Reshape", [value], hint, shape=shape)


def _view(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    value = ctx.value(args[0])
    target = _shape_args(args[1:]) if len(args) > 1 else _shape_args((kwargs.get("shape") or kwargs["size"],))
    return reshape_to(ctx, value, target, hint)


def _flatten(default_start: int) -> Converter:
    def convert(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
        start = static_int(ctx, arg(args, kwargs, 1, "start_dim", default_start), "start_dim")
        end = static_int(ctx, arg(args, kwargs, 2, "end_dim", -1), "end_dim")
        return _emit(ctx, "Flatten", [ctx.value(args[0])], hint, start_dim=start, end_dim=end)

    return convert


def _permute(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    value = ctx.value(args[0])
    dims = _shape_args(args[1:]) if len(args) > 1 else list(kwargs["dims"])  # type: ignore[call-overload]
    rank = ctx.builder.rank(value)
    perm = [static_int(ctx, d, "dims") % rank for d in dims]
    return _emit(ctx, "Transpose", [value], hint, perm=perm)


def _transpose(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    value = ctx.value(args[0])
    rank = ctx.builder.rank(value)
    a = static_int(ctx, arg(args, kwargs, 1, "dim0"), "dim0") % rank
    b = static_int(ctx, arg(args, kwargs, 2, "dim1"), "dim1") % rank
    perm = list(range(rank))
    perm[a], perm[b] = perm[b], perm[a]
    return _emit(ctx, "Transpose", [value], hint, perm=perm)


def _unsqueeze(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    dim = static_int(ctx, arg(args, kwargs, 1, "dim"), "dim")
    return _emit(ctx, "Unsqueeze", [ctx.value(args[0])], hint, axes=[dim])


def _squeeze(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    value = ctx.value(args[0])
    dim = arg(args, kwargs, 1, "dim", None)
    if dim is None:
        shape = ctx.builder.symbolic_shape(value)
        axes = [index for index, size in enumerate(shape) if size == 1]
        if any(not isinstance(size, int) for size in shape):
            raise ctx.fail("squeeze() without dim on a tensor with dynamic sizes is not supported")
    else:
        dims = dim if isinstance(dim, tuple | list) else [dim]
        shape = ctx.builder.symbolic_shape(value)
        axes = [static_int(ctx, d, "dim") for d in dims]
        axes = [axis for axis in axes if shape[axis] == 1 or not isinstance(shape[axis], int)]
    if not axes:
        return Value(value)
    return _emit(ctx, "Squeeze", [value], hint, axes=axes)


def _cat(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    tensors = arg(args, kwargs, 0, "tensors")
    dim = static_int(ctx, arg(args, kwargs, 1, "dim", 0), "dim")
    assert isinstance(tensors, Sequence)
    return _emit(ctx, "Concat", [ctx.value(t) for t in tensors], hint, axis=dim)


def _split_sizes(ctx: Context, value: str, axis: int, size_or_sizes: object, chunks: int | None) -> list[int]:
    total = ctx.builder.symbolic_shape(value)[axis]
    if not isinstance(total, int):
        raise ctx.fail("splitting a dynamic axis is not supported")
    if chunks is not None:
        size = -(-total // chunks)
        return [min(size, total - start) for start in range(0, total, size)] if total else [0]
    if isinstance(size_or_sizes, Sequence):
        return [static_int(ctx, s, "split_size") for s in size_or_sizes]
    size = static_int(ctx, size_or_sizes, "split_size")
    return [min(size, total - start) for start in range(0, total, size)]


def _emit_split(ctx: Context, value: str, axis: int, sizes: list[int], hint: str) -> object:
    names = ctx.builder.node("Split", [value], hint=hint, attributes={"axis": axis, "split": sizes}, outputs=len(sizes))
    return tuple(Value(name) for name in names)


def _split(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    value = ctx.value(args[0])
    axis = static_int(ctx, arg(args, kwargs, 2, "dim", 0), "dim") % ctx.builder.rank(value)
    sizes = _split_sizes(ctx, value, axis, arg(args, kwargs, 1, "split_size_or_sections"), None)
    return _emit_split(ctx, value, axis, sizes, hint)


def _chunk(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    value = ctx.value(args[0])
    axis = static_int(ctx, arg(args, kwargs, 2, "dim", 0), "dim") % ctx.builder.rank(value)
    chunks = static_int(ctx, arg(args, kwargs, 1, "chunks"), "chunks")
    return _emit_split(ctx, value, axis, _split_sizes(ctx, value, axis, None, chunks), hint)


def reduce(op: str) -> Converter:
    def convert(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
        value = ctx.value(args[0])
        dim = arg(args, kwargs, 1, "dim", None)
        keepdim = bool(arg(args, kwargs, 2, "keepdim", False))
        if kwargs.get("dtype") is not None:
            raise ctx.fail(f"{op} with dtype= is not supported")
        attributes: dict[str, object] = {"keepdims": keepdim}
        if dim is not None:
            dims = dim if isinstance(dim, tuple | list) else [dim]
            attributes["axes"] = [static_int(ctx, d, "dim") for d in dims]
        return _emit(ctx, op, [value], hint, **attributes)

    return convert


def _size(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    value = ctx.value(args[0])
    symbolic, concrete = ctx.builder.symbolic_shape(value), ctx.builder.concrete_shape(value)
    sizes = tuple(Size(value, axis, symbolic[axis], concrete[axis]) for axis in range(len(symbolic)))
    dim = arg(args, kwargs, 1, "dim", None)
    if dim is None:
        return sizes
    return sizes[static_int(ctx, dim, "dim")]


def _getattr(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    target, attribute = args[0], args[1]
    if _is_tensor(target):
        if attribute == "shape":
            return _size(ctx, hint, (target,), {})
        if attribute == "dtype":
            return TORCH_DTYPES[ctx.builder.dtype(ctx.value(target))]
        if attribute == "device":
            return torch.device("cpu")
        if attribute == "ndim":
            return ctx.builder.rank(ctx.value(target))
    raise ctx.fail(f"attribute {attribute!r} of a traced value is not supported")


def _dim(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    return ctx.builder.rank(ctx.value(args[0]))


def _arange(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    if len(args) != 1 or kwargs.get("dtype") not in (None, torch.int64):
        raise ctx.fail("torch.arange is supported as arange(n) with n a size of a traced tensor")
    end = args[0]
    if isinstance(end, Size):
        return _emit(ctx, "PositionIds", [end.value], hint, axis=end.axis, start=0)
    if isinstance(end, int) and not isinstance(end, bool):
        return Value(ctx.constant(torch.arange(end), hint))
    raise ctx.fail("torch.arange(n) needs n to be an int or a size of a traced tensor")


def _cast_to(dtype: torch.dtype | None) -> Converter:
    def convert(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
        value = ctx.value(args[0])
        target = dtype
        if target is None:  # .to(...) / .type(...)
            candidates = [*args[1:], kwargs.get("dtype")]
            target = next((c for c in candidates if isinstance(c, torch.dtype)), None)
            if target is None:
                if any(isinstance(c, Value | TensorRef) for c in candidates):
                    raise ctx.fail(".to(other_tensor) is not supported; pass a dtype")
                return Value(value)  # .to(device) and friends: nothing to do on CPU
        return Value(ctx.cast(value, DTYPE_NAMES[target], hint))

    return convert


def _identity(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    return Value(ctx.value(args[0]))


# ---- indexing --------------------------------------------------------------------------------------


def _index(ctx: Context, hint: str, value: str, index: object) -> object:
    """x[...] with ints, slices, None and Ellipsis -> Slice, Squeeze, Unsqueeze (SPEC.md §10.5)."""
    items = list(index) if isinstance(index, tuple) else [index]
    if any(_is_tensor(item) for item in items):
        if len(items) == 1:
            indices = ctx.value(items[0])
            return _emit(ctx, "Gather", [value, indices], hint, axis=0)
        raise ctx.fail("indexing with a tensor is supported only as x[indices]")
    rank = ctx.builder.rank(value)
    consumed = sum(1 for item in items if item is not None and item is not Ellipsis)
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at : at + 1] = [slice(None)] * (rank - consumed)
    starts: list[int] = []
    ends: list[int] = []
    steps: list[int] = []
    axes: list[int] = []
    squeeze: list[int] = []
    unsqueeze: list[int] = []
    axis = out = 0
    for item in items:
        if item is None:
            unsqueeze.append(out)
            out += 1
        elif isinstance(item, slice):
            if item != slice(None):
                step = 1 if item.step is None else static_int(ctx, item.step, "slice step")
                if step < 1:
                    raise ctx.fail("slices with a step below 1 are not supported")
                starts.append(0 if item.start is None else static_int(ctx, item.start, "slice start"))
                ends.append(END if item.stop is None else static_int(ctx, item.stop, "slice stop"))
                steps.append(step)
                axes.append(axis)
            axis += 1
            out += 1
        else:
            position = static_int(ctx, item, "index")
            starts.append(position)
            ends.append(END if position == -1 else position + 1)
            steps.append(1)
            axes.append(axis)
            squeeze.append(axis)
            axis += 1
    if axis > rank:
        raise ctx.fail(f"too many indices for a tensor of rank {rank}")
    if axes:
        value = _emit(ctx, "Slice", [value], hint, starts=starts, ends=ends, axes=axes, steps=steps).name
    if squeeze:
        value = _emit(ctx, "Squeeze", [value], f"{hint}.squeeze", axes=squeeze).name
    if unsqueeze:
        value = _emit(ctx, "Unsqueeze", [value], f"{hint}.unsqueeze", axes=unsqueeze).name
    return Value(value)


def _getitem(ctx: Context, hint: str, args: Args, kwargs: Kwargs) -> object:
    container, index = args[0], args[1]
    if _is_tensor(container):
        return _index(ctx, hint, ctx.value(container), index)
    if isinstance(container, tuple | list):
        if isinstance(index, int | slice):
            return container[index]
        raise ctx.fail(f"indexing a tuple with {type(index).__name__} is not supported")
    raise ctx.fail(f"indexing a {type(container).__name__} is not supported")


# ---- plain Python on sizes -------------------------------------------------------------------------


def python_value(ctx: Context, function: Callable[..., object], args: Args, kwargs: Kwargs) -> object:
    """Evaluate a call that involves no tensor: ints, sizes, tuples. Symbolic sizes make the result a
    SymInt (valid for the example inputs only; converters that need it fixed refuse it)."""
    symbolic = False

    def plain(item: object) -> object:
        nonlocal symbolic
        if isinstance(item, Size):
            if item.static is None:
                symbolic = True
            return item.concrete
        if isinstance(item, SymInt):
            symbolic = True
            return item.concrete
        if isinstance(item, tuple | list):
            return type(item)(plain(x) for x in item)
        return item

    if function in (operator.getitem, operator.add) and isinstance(args[0], tuple | list):
        return function(*args)  # tuple slicing and concatenation keep the Size objects
    result = function(*(plain(a) for a in args), **{k: plain(v) for k, v in kwargs.items()})
    if symbolic:
        if isinstance(result, int) and not isinstance(result, bool):
            return SymInt(result, getattr(function, "__name__", "expression"))
        raise ctx.fail(f"{getattr(function, '__name__', function)} on dynamic sizes is not supported")
    return result


FUNCTIONS: Final[Mapping[object, Converter]] = {
    operator.add: binary("Add"),
    operator.sub: binary("Sub"),
    operator.mul: binary("Mul"),
    operator.truediv: binary("Div"),
    operator.matmul: _matmul,
    operator.getitem: _getitem,
    torch.add: binary("Add"),
    torch.sub: binary("Sub"),
    torch.mul: binary("Mul"),
    torch.div: binary("Div"),
    torch.matmul: _matmul,
    torch.bmm: _matmul,
    torch.relu: unary("ReLU"),
    F.relu: unary("ReLU"),
    torch.tanh: unary("Tanh"),
    F.tanh: unary("Tanh"),
    torch.sigmoid: unary("Sigmoid"),
    F.sigmoid: unary("Sigmoid"),
    F.silu: unary("SiLU"),
    F.gelu: _gelu,
    F.leaky_relu: _leaky_relu,
    F.softmax: softmax("Softmax"),
    torch.softmax: softmax("Softmax"),
    F.log_softmax: softmax("LogSoftmax"),
    torch.log_softmax: softmax("LogSoftmax"),
    F.dropout: _dropout,
    F.linear: _linear,
    F.layer_norm: _layer_norm,
    torch.flatten: _flatten(0),
    torch.reshape: _view,
    torch.permute: _permute,
    torch.transpose: _transpose,
    torch.unsqueeze: _unsqueeze,
    torch.squeeze: _squeeze,
    torch.cat: _cat,
    torch.concat: _cat,
    torch.split: _split,
    torch.chunk: _chunk,
    torch.mean: reduce("ReduceMean"),
    torch.sum: reduce("ReduceSum"),
    torch.arange: _arange,
    builtins.getattr: _getattr,
}

METHODS: Final[Mapping[str, Converter]] = {
    "add": binary("Add"),
    "sub": binary("Sub"),
    "mul": binary("Mul"),
    "div": binary("Div"),
    "matmul": _matmul,
    "bmm": _matmul,
    "relu": unary("ReLU"),
    "tanh": unary("Tanh"),
    "sigmoid": unary("Sigmoid"),
    "softmax": softmax("Softmax"),
    "log_softmax": softmax("LogSoftmax"),
    "view": _view,
    "reshape": _view,
    "flatten": _flatten(0),
    "permute": _permute,
    "transpose": _transpose,
    "unsqueeze": _unsqueeze,
    "squeeze": _squeeze,
    "split": _split,
    "chunk": _chunk,
    "mean": reduce("ReduceMean"),
    "sum": reduce("ReduceSum"),
    "size": _size,
    "dim": _dim,
    "contiguous": _identity,
    "clone": _identity,
    "detach": _identity,
    "to": _cast_to(None),
    "type": _cast_to(None),
    "float": _cast_to(torch.float32),
    "double": _cast_to(torch.float64),
    "long": _cast_to(torch.int64),
    "int": _cast_to(torch.int32),
    "bool": _cast_to(torch.bool),
}

# Functions that only ever compute Python values from sizes (never tensors).
PYTHON_FUNCTIONS: Final = frozenset(
    {operator.floordiv, operator.mod, operator.neg, operator.pow, math.sqrt, builtins.int, builtins.len}
)
