"""What executing one node costs, from concrete shapes alone (SPEC.md §9.11, the reference cost model).

The rules an op's definition (`graph/core/`) names as its `cost`: the bytes a kernel allocates besides
its outputs (`scratch`, at most, at one time), its work in work units, and the largest extent of any array
it builds, views included (numpy refuses an array, even an empty one, whose dimensions multiply beyond
what an index can hold). The figures follow the reference numpy kernels (`runtime/_kernels_*.py`) and
bound what they allocate; the PyTorch build uses them too, as a bound on kernels that allocate no more.

Work units: one per element a kernel reads or writes in an element-wise pass, one per 8 multiply-adds of
a matrix product or convolution (those run several times faster per operation than element-wise passes),
ERF_ELEMENT per element of erf (the exact GELU and Erf), CALL for every kernel
call and STEP for every step of a loop the kernel runs in sequence (a recurrent time step), so that a loop
over zero-size steps still costs what its steps cost. Everything is an exact Python integer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from ..format._dtypes import DTYPES
from ..format._limits import extent
from ._types import Node, TensorEntry, TypedAttributes, ValueType

# The fixed cost of a kernel call or of one step of a sequential loop: numpy's per-call overhead is a few
# microseconds, the time of some thousands of element operations.
CALL: Final = 1024
# A recurrent time step runs a dozen or more numpy calls (an LSTM step, with its sigmoids, about 30).
STEP: Final = 16 * CALL
# Multiply-adds per work unit in matrix products and convolutions.
MACS_PER_UNIT: Final = 8
# Work units per element of erf (runtime/_erf.py): Cody's rational functions, two exponentials and the
# selection of the interval, some forty element-wise operations on a part of the array each.
ERF_ELEMENT: Final = 32
# Bytes per element of erf's temporaries: the float64 copy and the result, the interval masks, and up to
# ten float64 temporaries of one interval's elements at a time.
ERF_ELEMENT_BYTES: Final = 104


@dataclass(frozen=True)
class NodeCost:
    scratch: int  # bytes allocated besides the outputs, at most, at one time
    work: int  # work units
    extent: int = 0  # the largest extent of an array the kernel builds (views included), outputs aside


def macs(count: int) -> int:
    """Work units of `count` multiply-adds."""
    return -(-count // MACS_PER_UNIT)


class CostContext(TypedAttributes):
    """A node with the concrete types of its inputs and outputs and its bound tensors."""

    def __init__(
        self,
        node: Node,
        inputs: Sequence[ValueType | None],
        outputs: Sequence[ValueType | None],
        params: Mapping[str, TensorEntry],
    ) -> None:
        self.node = node
        self.attrs = node.attributes
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)
        self.params = params

    def attribute_values(self) -> Mapping[str, object]:
        return self.attrs

    def shape(self, index: int = 0) -> tuple[int, ...]:
        value = self.inputs[index] if index < len(self.inputs) else None
        return _sizes(value)

    def has_input(self, index: int) -> bool:
        return index < len(self.inputs) and self.inputs[index] is not None

    def numel(self, index: int = 0) -> int:
        return math.prod(self.shape(index))

    def out_shape(self, index: int = 0) -> tuple[int, ...]:
        value = self.outputs[index] if index < len(self.outputs) else None
        return _sizes(value)

    def out_numel(self, index: int = 0) -> int:
        return math.prod(self.out_shape(index))

    @property
    def itemsize(self) -> int:
        """Bytes per element of the node's computing type (its first input's dtype, else its output's)."""
        for value in (*self.inputs, *self.outputs):
            if value is not None and value.dtype is not None:
                return DTYPES[value.dtype].block_bytes
        return 8


def _sizes(value: ValueType | None) -> tuple[int, ...]:
    if value is None or value.shape is None:
        return ()
    assert all(isinstance(dim, int) for dim in value.shape), "sizes are checked before costs are computed"
    return tuple(dim for dim in value.shape if isinstance(dim, int))


CostFunction = Callable[[CostContext], NodeCost]


def free(_ctx: CostContext) -> NodeCost:
    return NodeCost(0, CALL)


def elementwise(work_per_element: int, scratch_copies: int = 0, flag_bytes: int = 0) -> CostFunction:
    """An element-wise kernel over its output: `scratch_copies` temporaries of the output's size, plus
    `flag_bytes` per element (boolean masks)."""

    def cost(ctx: CostContext) -> NodeCost:
        n = ctx.out_numel()
        return NodeCost(n * (scratch_copies * ctx.itemsize + flag_bytes), CALL + work_per_element * n)

    return cost


def gelu(ctx: CostContext) -> NodeCost:
    n, size = ctx.out_numel(), ctx.itemsize
    if ctx.str_attr("approximate") == "tanh":
        return NodeCost(4 * n * size, CALL + 8 * n)
    return NodeCost(n * (ERF_ELEMENT_BYTES + 3 * size), CALL + (ERF_ELEMENT + 6) * n)


def erf(ctx: CostContext) -> NodeCost:
    """erf over the whole array (runtime/_erf.py), rounded to the dtype."""
    n, size = ctx.out_numel(), ctx.itemsize
    return NodeCost(n * (ERF_ELEMENT_BYTES + size), CALL + ERF_ELEMENT * n)


def softmax(ctx: CostContext) -> NodeCost:
    shape, n, size = ctx.shape(), ctx.numel(), ctx.itemsize
    along = shape[ctx.int_attr("axis") % len(shape)]
    rows = n // along if along else 0
    return NodeCost(3 * n * size + 2 * rows * size, CALL + 5 * n)


def copy(ctx: CostContext) -> NodeCost:
    """Reshaping and selecting kernels: at most one copy of what they touch."""
    return NodeCost(0, CALL + max(ctx.numel(), sum(ctx.out_numel(i) for i in range(len(ctx.outputs)))))


def matmul(ctx: CostContext) -> NodeCost:
    a, b = ctx.shape(0), ctx.shape(1)
    n = ctx.out_numel()
    inner = a[-1]
    # numpy copies operands that are not contiguous before calling BLAS.
    copies = (math.prod(a) + math.prod(b)) * ctx.itemsize
    return NodeCost(copies, CALL + n + macs(n * inner))


def indices(position: int) -> CostFunction:
    """Gather and Embedding: a range check and an int64 copy of the indices (input `position`), then the
    take."""

    def cost(ctx: CostContext) -> NodeCost:
        count = ctx.numel(position)
        return NodeCost(11 * count, CALL + ctx.out_numel() + 3 * count)

    return cost


def reduce(ctx: CostContext) -> NodeCost:
    return NodeCost(2 * ctx.out_numel() * ctx.itemsize, CALL + ctx.numel())


def linear(ctx: CostContext) -> NodeCost:
    n = ctx.out_numel()
    return NodeCost((ctx.numel() + n) * ctx.itemsize, CALL + 2 * n + macs(n * ctx.int_attr("in_features")))


@dataclass(frozen=True)
class _Window:
    """One spatial axis of a sliding window, as the kernels pad and view it."""

    size: int
    out: int
    kernel: int
    stride: int
    padding: int
    dilation: int

    @property
    def span(self) -> int:
        return self.dilation * (self.kernel - 1) + 1

    @property
    def padded(self) -> int:
        """The padded length, with the extra right padding ceil_mode's last window needs."""
        needed = (self.out - 1) * self.stride + self.span
        return max(self.size + 2 * self.padding, needed)

    @property
    def positions(self) -> int:
        """Window positions in numpy's sliding view before the stride is applied."""
        return self.padded - self.span + 1


def _windows(ctx: CostContext, dilation: Sequence[int]) -> list[_Window]:
    spatial = ctx.shape()[2:]
    kernel, stride, padding = ctx.ints_attr("kernel_size"), ctx.ints_attr("stride"), ctx.ints_attr("padding")
    out = ctx.out_shape()[2:]
    return [_Window(*values) for values in zip(spatial, out, kernel, stride, padding, dilation, strict=True)]


def _window_view(batch: int, channels: int, windows: Sequence[_Window]) -> tuple[int, int, int]:
    """(padded elements, elements gathered by the windows, extent of numpy's window view)."""
    padded = batch * channels * math.prod(w.padded for w in windows)
    gathered = batch * channels * math.prod(w.out * w.kernel for w in windows)
    view = extent((batch, channels, *(w.positions for w in windows), *(w.span for w in windows)))
    return padded, gathered, view


def conv(ctx: CostContext) -> NodeCost:
    batch, channels = ctx.shape()[:2]
    windows = _windows(ctx, ctx.ints_attr("dilation"))
    padded, gathered, view = _window_view(batch, channels, windows)
    n, size = ctx.out_numel(), ctx.itemsize
    per_output = (channels // ctx.int_attr("groups")) * math.prod(w.kernel for w in windows)
    # The padded copy, the gathered windows (copied once by the reshape and once more by einsum), the
    # product and the bias sum.
    scratch = (padded + 2 * gathered + 2 * n) * size
    return NodeCost(scratch, CALL + padded + 2 * gathered + 2 * n + macs(n * per_output), view)


def pool(ctx: CostContext) -> NodeCost:
    batch, channels = ctx.shape()[:2]
    average = ctx.node.op == "AvgPool2d"
    windows = _windows(ctx, (1, 1) if average else ctx.ints_attr("dilation"))
    padded, gathered, view = _window_view(batch, channels, windows)
    n, size = ctx.out_numel(), ctx.itemsize
    if not average:  # numpy's maximum over strided window axes is several times slower than a sum
        return NodeCost(padded * size, CALL + padded + 4 * gathered, view)
    # The divisor is built per output position, whatever the batch: positions along each axis (a few
    # int64 temporaries), their outer product in int64 and in the input's dtype.
    positions = math.prod(w.out for w in windows)
    divisor = positions * (8 + size) + 48 * sum(w.out for w in windows)
    scratch = (padded + 2 * n) * size + divisor
    return NodeCost(scratch, CALL + padded + gathered + 2 * positions + n, view)


def normalization(copies: int, work_per_element: int) -> CostFunction:
    """BatchNorm and LayerNorm: a few temporaries of the input's size, and per-row statistics."""

    def cost(ctx: CostContext) -> NodeCost:
        n, size = ctx.numel(), ctx.itemsize
        normalized = ctx.attrs.get("normalized_shape")
        rows = n // math.prod(normalized) if isinstance(normalized, tuple) and math.prod(normalized) else 0
        return NodeCost((copies * n + 3 * rows) * size, CALL + work_per_element * n)

    return cost
