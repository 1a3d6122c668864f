"""Shape arithmetic for inference with symbolic dimensions (SPEC.md §10.1).

A dimension is an int (known), a str (a symbol bound by the graph inputs) or None (known only at run
time). Only definite contradictions are errors before run time: two different ints. Everything else is
checked again with concrete sizes when the runtime binds the inputs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ._spec import InferContext
from ._types import Dim, Shape


def conflict(a: Dim, b: Dim) -> bool:
    """True when two dimensions are certainly different."""
    return isinstance(a, int) and isinstance(b, int) and a != b


def show_dim(dim: Dim) -> str:
    return "?" if dim is None else str(dim)


def show(shape: Sequence[Dim] | None) -> str:
    if shape is None:
        return "[unknown]"
    return "[" + ", ".join(show_dim(dim) for dim in shape) + "]"


def normalize_axis(ctx: InferContext, axis: int, rank: int, what: str = "axis") -> int:
    """Map a possibly negative axis into 0..rank-1 or fail naming the node."""
    if not -rank <= axis < rank:
        ctx.fail("GRAPH_ATTRIBUTE_VALUE", f"{what} {axis} is out of range for rank {rank}")
    return axis % rank


def broadcast(ctx: InferContext, a: Shape, b: Shape) -> Shape:
    """numpy broadcasting of two shapes (right-aligned; a 1 stretches)."""
    rank = max(len(a), len(b))
    padded_a = (1,) * (rank - len(a)) + tuple(a)
    padded_b = (1,) * (rank - len(b)) + tuple(b)
    result: list[Dim] = []
    for x, y in zip(padded_a, padded_b, strict=True):
        if x == 1:
            result.append(y)
        elif y == 1:
            result.append(x)
        elif conflict(x, y):
            ctx.fail("GRAPH_SHAPE", f"shapes {show(a)} and {show(b)} do not broadcast")
        elif isinstance(x, int) or isinstance(y, int):
            # A symbol against a size k != 1: the symbol must be k or 1 at run time; either way k.
            result.append(x if isinstance(x, int) else y)
        else:
            result.append(x if x == y else None)
    return tuple(result)


def product(dims: Sequence[Dim]) -> Dim:
    """Product of known ints, or None when any dimension is not a known int."""
    if all(isinstance(dim, int) for dim in dims):
        return math.prod(dim for dim in dims if isinstance(dim, int))
    return None


def sliding_output(size: Dim, kernel: int, stride: int, padding: int, dilation: int, *, ceil_mode: bool = False) -> Dim:
    """Output length of a convolution or pooling window (PyTorch's formula, SPEC.md §10.1).

    Returns None for an unknown or symbolic input length, or a negative/zero int when the window
    does not fit (the caller reports it).
    """
    if not isinstance(size, int):
        return None
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if span < 0:
        return 0
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    # The last window must start inside the input or its left padding.
    if (out - 1) * stride >= size + padding:
        out -= 1
    return out
