"""modelfmt.core v1, SPEC.md §10.11: multi-head attention with PyTorch's packed projection layout."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...format._limits import extent
from .._cost import CALL, CostContext, NodeCost, macs
from .._examples import Example, tensor
from .._shapes import conflict, show
from .._spec import Attr, InferContext, OpSpec, Port, Slot
from .._types import Dim, ValueType, int_of


def _slots(attrs: Mapping[str, object]) -> Sequence[Slot]:
    embed = int_of(attrs, "embed_dim")
    return (
        Slot("in_proj_weight", (3 * embed, embed), doc="[3E, E]: rows 0..E-1 query, E..2E-1 key, 2E..3E-1 value"),
        Slot("in_proj_bias", (3 * embed,), required=False, doc="[3E]"),
        Slot("out_proj_weight", (embed, embed), doc="[E, E]"),
        Slot("out_proj_bias", (embed,), required=False, doc="[E]"),
    )


def _check(attrs: Mapping[str, object]) -> str | None:
    embed, heads = int_of(attrs, "embed_dim"), int_of(attrs, "num_heads")
    if embed % heads:
        return f"embed_dim {embed} is not divisible by num_heads {heads}"
    return None


def _infer(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_float(0)
    embed = ctx.int_attr("embed_dim")
    batch_first = ctx.bool_attr("batch_first")
    shapes = []
    for index in range(3):
        ctx.require_same_dtype(index, dtype)
        shape = ctx.require_rank(index, 3)
        if conflict(shape[2], embed):
            ctx.fail("GRAPH_SHAPE", f"input {index} {show(shape)} does not end with embed_dim {embed}")
        shapes.append(shape)
    query, key, value = shapes

    def batch_and_length(shape: Sequence[Dim]) -> tuple[Dim, Dim]:
        return (shape[0], shape[1]) if batch_first else (shape[1], shape[0])

    batch, target = batch_and_length(query)
    key_batch, source = batch_and_length(key)
    value_batch, value_source = batch_and_length(value)
    if conflict(batch, key_batch) or conflict(batch, value_batch) or conflict(source, value_source):
        ctx.fail("GRAPH_SHAPE", f"query {show(query)}, key {show(key)} and value {show(value)} do not agree")
    mask = ctx.optional(3)
    if mask is not None:
        ctx.require_dtype(3, ("bool", dtype), "key_padding_mask")
        shape = ctx.require_rank(3, 2)
        if conflict(shape[0], batch) or conflict(shape[1], source):
            ctx.fail("GRAPH_SHAPE", f"key_padding_mask {show(shape)} is not [batch, source length]")
    bias = ctx.optional(4)
    if bias is not None:
        ctx.require_dtype(4, ("bool", dtype), "attn_mask")
        shape = ctx.require_rank(4, 2, 3)
        if conflict(shape[-1], source) or conflict(shape[-2], target):
            ctx.fail("GRAPH_SHAPE", f"attn_mask {show(shape)} is not [target length, source length]")
        if len(shape) == 3 and isinstance(batch, int) and conflict(shape[0], batch * ctx.int_attr("num_heads")):
            ctx.fail("GRAPH_SHAPE", f"attn_mask {show(shape)} is not [batch * num_heads, target, source]")
    return [ValueType(dtype, query)]


def _cost(ctx: CostContext) -> NodeCost:
    batch_first = ctx.bool_attr("batch_first")
    query, key = ctx.shape(0), ctx.shape(1)
    batch, target = (query[0], query[1]) if batch_first else (query[1], query[0])
    source = key[1] if batch_first else key[0]
    embed, heads = ctx.int_attr("embed_dim"), ctx.int_attr("num_heads")
    head_dim = embed // heads
    size = ctx.itemsize
    queries, keys = batch * target * embed, batch * source * embed
    scores = batch * heads * target * source
    masks = sum(ctx.numel(index) for index in (3, 4) if ctx.has_input(index))
    scratch = size * (
        4 * scores  # the scores, scaled or masked, and softmax's shifted, exponentiated and normalised copies
        + masks  # boolean masks turned into additive ones
        + 3 * (queries + 2 * keys)  # projections of query, key and value, their bias sums and input copies
        + 5 * queries  # the context, its reshaped copy, the output projection and its bias sum
        + keys  # a contiguous copy of the values
    )
    work = (
        CALL
        + macs((queries + 2 * keys) * embed)
        + 3 * (queries + 2 * keys)
        + 2 * macs(scores * head_dim)
        + 8 * scores
        + macs(queries * embed)
        + 4 * queries
    )
    widest = extent((batch, heads, target, source))
    return NodeCost(scratch, work, widest)


F32 = "float32"
_IDENTITY_PROJECTIONS = {
    "in_proj_weight": tensor(F32, [[1, 0], [0, 1], [1, 0], [0, 1], [1, 0], [0, 1]]),
    "out_proj_weight": tensor(F32, [[1, 0], [0, 1]]),
}

OPS: tuple[OpSpec, ...] = (
    OpSpec(
        "MultiHeadAttention",
        "softmax(Q K^T / sqrt(E/heads) + masks) V per head, then the output projection",
        (
            Port("query", "[L, N, E], or [N, L, E] when batch_first", types="T"),
            Port("key", "[S, N, E], or [N, S, E] when batch_first", types="T"),
            Port("value", "[S, N, E], or [N, S, E] when batch_first", types="T"),
            Port(
                "key_padding_mask",
                "[N, S]; bool: true = ignore that key; float: added",
                optional=True,
                types="bool or T",
            ),
            Port(
                "attn_mask",
                "[L, S] or [N*heads, L, S]; bool: true = not allowed; float: added",
                optional=True,
                types="bool or T",
            ),
        ),
        (Port("Y", "[L, N, E], or [N, L, E] when batch_first"),),
        _infer,
        attributes=(
            Attr("embed_dim", "int", minimum=1),
            Attr("num_heads", "int", minimum=1),
            Attr("batch_first", "bool", False),
            Attr(
                "dropout",
                "float",
                0.0,
                minimum=0.0,
                maximum=1.0,
                doc="on attention weights in training; none at inference",
            ),
        ),
        slots=_slots,
        slot_groups=lambda _attrs: (("in_proj_bias", "out_proj_bias"),),
        check=_check,
        section="10.11",
        cost=_cost,
        examples=(
            Example(
                "uniform-weights",  # equal keys: the mean of the values
                (tensor(F32, [[[1, 0]]]), tensor(F32, [[[0, 0]], [[0, 0]]]), tensor(F32, [[[1, 2]], [[3, 4]]])),
                (tensor(F32, [[[2, 3]]]),),
                {"embed_dim": 2, "num_heads": 1},
                _IDENTITY_PROJECTIONS,
            ),
            Example(
                "padding-mask",  # the second key is ignored: the first value
                (
                    tensor(F32, [[[1, 0]]]),
                    tensor(F32, [[[0, 0]], [[0, 0]]]),
                    tensor(F32, [[[1, 2]], [[3, 4]]]),
                    tensor("bool", [[False, True]]),
                ),
                (tensor(F32, [[[1, 2]]]),),
                {"embed_dim": 2, "num_heads": 1},
                _IDENTITY_PROJECTIONS,
            ),
            Example(
                "batch-first-additive-mask",  # the mask leaves only the first key
                (
                    tensor(F32, [[[1, 0]]]),
                    tensor(F32, [[[0, 0], [0, 0]]]),
                    tensor(F32, [[[1, 2], [3, 4]]]),
                    None,
                    tensor(F32, [[0, -1e9]]),
                ),
                (tensor(F32, [[[1, 2]]]),),
                {"embed_dim": 2, "num_heads": 1, "batch_first": True},
                _IDENTITY_PROJECTIONS,
            ),
        ),
    ),
)
