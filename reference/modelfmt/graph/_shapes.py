"""Shape arithmetic for inference with symbolic dimensions (SPEC.md §10.1).

A dimension is an int (known), a str (a symbol bound by the graph inputs) or None (known only at run
time). Only definite contradictions are errors before run time: two different ints. Everything else is
checked again with concrete sizes when the runtime binds the inputs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..format._limits import MAX_SAFE_INTEGER
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
    """numpy broadcasting of two shapes (right-aligned; a 1 stretches). SPEC.md §9.10: `1` with `d` is
    `d`, equal dimensions are themselves, anything else that is not certainly wrong is unknown (a symbol
    against 5 may be 1 at run time, giving 5, or 5)."""
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
        else:
            result.append(x if x == y else None)
    return tuple(result)


def known_dim(value: int) -> Dim:
    """An inferred size: beyond 2^53-1 no declaration can state it, and it is unknown (SPEC.md §9.10)."""
    return value if value <= MAX_SAFE_INTEGER else None


def product(dims: Sequence[Dim]) -> Dim:
    """SPEC.md §9.10: the product of known ints; the symbol for one symbol times 1s; otherwise unknown."""
    symbols = [dim for dim in dims if not isinstance(dim, int)]
    ints = math.prod(dim for dim in dims if isinstance(dim, int))
    if not symbols:
        return known_dim(ints)
    if len(symbols) == 1 and symbols[0] is not None and ints == 1:
        return symbols[0]
    return None


def total(dims: Sequence[Dim]) -> Dim:
    """SPEC.md §9.10: the sum of known ints; the symbol for one symbol plus 0s; otherwise unknown."""
    symbols = [dim for dim in dims if not isinstance(dim, int)]
    ints = sum(dim for dim in dims if isinstance(dim, int))
    if not symbols:
        return known_dim(ints)
    if len(symbols) == 1 and symbols[0] is not None and ints == 0:
        return symbols[0]
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
        return known_dim(span // stride + 1)
    out = -(-span // stride) + 1
    # The last window must start inside the input or its left padding.
    if (out - 1) * stride >= size + padding:
        out -= 1
    return known_dim(out)
