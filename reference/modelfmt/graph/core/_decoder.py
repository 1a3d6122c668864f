"""modelfmt.core v2, SPEC.md §10.18: the layers of decoder-only transformers that version 1 lacks,
RMSNorm and RotaryEmbedding, defined as Hugging Face transformers computes them (Llama, Gemma)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from .. import _cost as cost
from .._examples import Example, tensor
from .._shapes import conflict, show, total
from .._spec import INDEX_DTYPES, Attr, InferContext, OpSpec, Port, Slot
from .._types import Dim, ValueType, ints_of

VERSION = 2
SECTION = "10.18"
F32 = "float32"
ROPE_SCALINGS = ("none", "linear", "llama3", "yarn")


# ---- RMSNorm -------------------------------------------------------------------------------------------


def _rms_norm_slots(attrs: Mapping[str, object]) -> Sequence[Slot]:
    return (Slot("weight", ints_of(attrs, "normalized_shape"), required=False, doc="normalized_shape, the scale"),)


def _infer_rms_norm(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_float(0)
    normalized = ctx.ints_attr("normalized_shape")
    shape = ctx.require_min_rank(0, len(normalized))
    for dim, expected in zip(shape[len(shape) - len(normalized) :], normalized, strict=True):
        if conflict(dim, expected):
            ctx.fail("GRAPH_SHAPE", f"input {show(shape)} does not end with normalized_shape {list(normalized)}")
    return [ValueType(dtype, shape)]


_RMS_NORM = OpSpec(
    "RMSNorm",
    "Y = X / sqrt(mean(X^2) + eps) * weight (or * (1 + weight)) over the trailing normalized_shape axes",
    (Port("X", "input", types="T"),),
    (Port("Y", "output"),),
    _infer_rms_norm,
    attributes=(
        Attr("normalized_shape", "ints", min_length=1, minimum=1),
        Attr("eps", "float", 1e-6, minimum=0.0),
        Attr("unit_offset", "bool", False, doc="scale by (1 + weight), as Gemma"),
    ),
    slots=_rms_norm_slots,
    section=SECTION,
    cost=cost.normalization(3, 6),
    since=VERSION,
    examples=(
        Example(
            "weight",
            (tensor(F32, [[3, 4], [1, 1]]),),
            (tensor(F32, [[0.8485281374238571, 2.2627416997969522], [1, 2]]),),
            {"normalized_shape": [2], "eps": 0},
            {"weight": tensor(F32, [1, 2])},
        ),
        Example(
            "unit-offset",
            (tensor(F32, [[3, 4]]),),
            (tensor(F32, [[0.8485281374238571, 0.8485281374238571]]),),
            {"normalized_shape": [2], "eps": 0, "unit_offset": True},
            {"weight": tensor(F32, [0, -0.25])},
        ),
        Example("plain-eps", (tensor(F32, [[0, 0]]),), (tensor(F32, [[0, 0]]),), {"normalized_shape": [2]}),
    ),
)


# ---- RotaryEmbedding -----------------------------------------------------------------------------------


def _check_rotary(attrs: Mapping[str, object]) -> str | None:
    rotary = attrs["rotary_dim"]
    if isinstance(rotary, int) and rotary % 2:
        return f"rotary_dim {rotary} is odd: rotation works on pairs"
    low, high = attrs["low_freq_factor"], attrs["high_freq_factor"]
    if attrs["scaling"] == "llama3" and isinstance(low, float) and isinstance(high, float) and not low < high:
        return f"low_freq_factor {low} is not below high_freq_factor {high}"
    fast, slow = attrs["beta_fast"], attrs["beta_slow"]
    if attrs["scaling"] == "yarn" and isinstance(fast, float) and isinstance(slow, float) and not 0 < slow < fast:
        return f"beta_slow {slow} is not between 0 and beta_fast {fast}"
    base, factor = attrs["base"], attrs["factor"]
    if attrs["scaling"] == "yarn" and not (isinstance(base, float) and base > 0 and base != 1 and factor != 0):
        return "yarn needs a base above 0 other than 1, and a factor above 0"
    return None


def _infer_rotary(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_float(0)
    ctx.require_dtype(1, INDEX_DTYPES, "position_ids")
    x = ctx.require_rank(0, 4)
    positions = ctx.require_rank(1, 2)
    batch, _heads, seq, head_dim = x
    if conflict(positions[0], batch) or conflict(positions[1], seq):
        ctx.fail("GRAPH_SHAPE", f"position_ids {show(positions)} is not [batch, seq] of X {show(x)}")
    rotary = ctx.attrs["rotary_dim"]
    if isinstance(rotary, int) and isinstance(head_dim, int) and rotary > head_dim:
        ctx.fail("GRAPH_SHAPE", f"rotary_dim {rotary} exceeds X's head size {head_dim}")
    if rotary is None and isinstance(head_dim, int) and head_dim % 2:
        ctx.fail("GRAPH_SHAPE", f"X's head size {head_dim} is odd: give an even rotary_dim")
    return [ValueType(dtype, x)]


def _rotary_cost(ctx: cost.CostContext) -> cost.NodeCost:
    """cos and sin tables per position (float32 and the dtype), the two halves and their products."""
    n, size = ctx.out_numel(), ctx.itemsize
    positions = ctx.numel(1)
    head_dim = ctx.shape(0)[3]
    table = positions * head_dim * (4 + size) * 4
    return cost.NodeCost(table + 6 * n * size, cost.CALL + 8 * n + 4 * positions * head_dim)


def _half_example() -> Example:
    # head_dim 4, base 1: inv_freq = [1, 1]; position 1 rotates by 1 radian, position 0 not at all.
    c, s = math.cos(1), math.sin(1)
    x = [[[[1, 2, 3, 4], [1, 2, 3, 4]]]]
    rotated = [1 * c - 3 * s, 2 * c - 4 * s, 3 * c + 1 * s, 4 * c + 2 * s]
    return Example(
        "half",
        (tensor(F32, x), tensor("int64", [[0, 1]])),
        (tensor(F32, [[[[1, 2, 3, 4], rotated]]]),),
        {"base": 1},
        tolerance=1e-6,
    )


def _interleaved_partial_example() -> Example:
    # rotary_dim 2 of head_dim 4: only the pair (x0, x1) turns, by position * 1 radian.
    c, s = math.cos(2), math.sin(2)
    return Example(
        "interleaved-partial",
        (tensor(F32, [[[[1, 2, 3, 4]]]]), tensor("int32", [[2]])),
        (tensor(F32, [[[[1 * c - 2 * s, 2 * c + 1 * s, 3, 4]]]]),),
        {"rotary_dim": 2, "interleaved": True},
        tolerance=1e-6,
    )


def _linear_example() -> Example:
    # factor 2 halves every frequency: position 2 turns by 1 radian.
    c, s = math.cos(1), math.sin(1)
    return Example(
        "linear",
        (tensor(F32, [[[[1, 0]]]]), tensor("int64", [[2]])),
        (tensor(F32, [[[[c, s]]]]),),
        {"scaling": "linear", "factor": 2},
        tolerance=1e-6,
    )


_ROTARY = OpSpec(
    "RotaryEmbedding",
    "Y = X with pairs of its first rotary_dim features rotated by position * inv_freq (RoPE)",
    (Port("X", "[batch, heads, seq, head_dim]", types="T"), Port("position_ids", "[batch, seq]", types="I")),
    (Port("Y", "output"),),
    _infer_rotary,
    attributes=(
        Attr("rotary_dim", "int", None, doc="features rotated; absent: head_dim", minimum=2),
        Attr("interleaved", "bool", False, doc="pairs (2i, 2i+1) as GPT-J; else (i, i + d/2) as Llama"),
        Attr("base", "float", 10000.0, minimum=0.0),
        Attr("scaling", "string", "none", choices=ROPE_SCALINGS),
        Attr("factor", "float", 1.0, minimum=0.0),
        Attr("low_freq_factor", "float", 1.0, minimum=0.0),
        Attr("high_freq_factor", "float", 4.0, minimum=0.0),
        Attr("original_max_position_embeddings", "int", 8192, minimum=1),
        Attr("beta_fast", "float", 32.0, doc="yarn: rotations where the ramp ends", minimum=0.0),
        Attr("beta_slow", "float", 1.0, doc="yarn: rotations where the ramp starts", minimum=0.0),
        Attr("truncate", "bool", True, doc="yarn: round the correction range outwards"),
        Attr("attention_factor", "float", None, doc="yarn: cos and sin scale; absent: 0.1 ln(factor) + 1", minimum=0.0),
    ),
    check=_check_rotary,
    section=SECTION,
    cost=_rotary_cost,
    since=VERSION,
    examples=(_half_example(), _interleaved_partial_example(), _linear_example()),
)

# ---- Attention -----------------------------------------------------------------------------------------

QUERY, KEY, VALUE, MASK, PAST_KEY, PAST_VALUE = range(6)


def _check_attention(attrs: Mapping[str, object]) -> str | None:
    if attrs["window"] is not None and not attrs["causal"]:
        return "window needs causal: a sliding window counts back from each query's position"
    return None


def _infer_attention(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_float(QUERY)
    for index in (KEY, VALUE, PAST_KEY, PAST_VALUE):
        if ctx.optional(index) is not None:
            ctx.require_same_dtype(index, dtype)
    if ctx.optional(MASK) is not None:
        ctx.require_dtype(MASK, ("bool", dtype), "mask")
    if (ctx.optional(PAST_KEY) is None) != (ctx.optional(PAST_VALUE) is None):
        ctx.fail("GRAPH_ARITY", "past_key and past_value must be given together or not at all")
    batch, heads, length, depth = ctx.require_rank(QUERY, 4)
    key_batch, kv_heads, source, key_depth = ctx.require_rank(KEY, 4)
    value_batch, value_heads, value_source, value_depth = ctx.require_rank(VALUE, 4)
    if conflict(key_batch, batch) or conflict(value_batch, batch):
        ctx.fail("GRAPH_SHAPE", "query, key and value have different batch sizes")
    if conflict(key_depth, depth):
        ctx.fail("GRAPH_SHAPE", f"key's head size {show([key_depth])} differs from query's {show([depth])}")
    if conflict(value_heads, kv_heads) or conflict(value_source, source):
        ctx.fail(
            "GRAPH_SHAPE",
            f"value {show(ctx.shape(VALUE))} does not match key {show(ctx.shape(KEY))} in heads and length",
        )
    if isinstance(heads, int) and isinstance(kv_heads, int) and (kv_heads == 0 or heads % kv_heads):
        ctx.fail("GRAPH_SHAPE", f"query's {heads} heads are not a multiple of key's {kv_heads}")
    total_source: Dim = source
    if ctx.optional(PAST_KEY) is not None:
        for index, last in ((PAST_KEY, key_depth), (PAST_VALUE, value_depth)):
            shape = ctx.require_rank(index, 4)
            if conflict(shape[0], batch) or conflict(shape[1], kv_heads) or conflict(shape[3], last):
                ctx.fail("GRAPH_SHAPE", f"{show(shape)} of input {index} is not [batch, key heads, past, head size]")
        if conflict(ctx.shape(PAST_KEY)[2], ctx.shape(PAST_VALUE)[2]):
            ctx.fail("GRAPH_SHAPE", "past_key and past_value have different lengths")
        total_source = total([ctx.shape(PAST_KEY)[2], source])
    if ctx.optional(MASK) is not None:
        mask = ctx.shape(MASK)
        full = (batch, heads, length, total_source)
        # The mask broadcasts to the logits without enlarging them: each of its sizes is 1 or the logits'.
        if len(mask) > 4 or any(
            size != 1 and conflict(size, want) for size, want in zip(reversed(mask), reversed(full), strict=False)
        ):
            ctx.fail("GRAPH_SHAPE", f"mask {show(mask)} does not broadcast to the logits {show(full)}")
    return [
        ValueType(dtype, (batch, heads, length, value_depth)),
        ValueType(dtype, (batch, kv_heads, total_source, key_depth)),
        ValueType(dtype, (batch, kv_heads, total_source, value_depth)),
    ]


def _attention_cost(ctx: cost.CostContext) -> cost.NodeCost:
    """The logits and their masked, exponentiated and normalised copies ([batch, heads, length, source]),
    the causal and window masks, and the concatenated keys and values."""
    batch, heads, length, depth = ctx.shape(QUERY)
    key, value = ctx.shape(KEY), ctx.shape(VALUE)
    past = ctx.shape(PAST_KEY)[2] if ctx.has_input(PAST_KEY) else 0
    source, value_depth = past + key[2], value[3]
    present_key, present_value = (*key[:2], source, key[3]), (*value[:2], source, value_depth)
    logits = batch * heads * length * source
    size = ctx.itemsize
    kv = (math.prod(present_key) + math.prod(present_value)) * size
    scratch = 5 * logits * size + 2 * length * source + kv
    work = cost.CALL + 10 * logits + cost.macs(logits * (depth + value_depth)) + kv // size
    return cost.NodeCost(scratch, work)


def _attention_example(name: str, attributes: Mapping[str, object], y: list[float], *, heads: int = 1) -> Example:
    # Keys 0 and ln 3 against queries 1: weights 1/4 and 3/4 over values 0 and 4, so 3; one key: 0.
    ln3 = math.log(3)
    q = [[[[1], [1]]] * heads]
    return Example(
        name,
        (tensor(F32, q), tensor(F32, [[[[0], [ln3]]]]), tensor(F32, [[[[0], [4]]]])),
        (tensor(F32, [[[[value] for value in y]] * heads]),),
        attributes,
    )


_ATTENTION = OpSpec(
    "Attention",
    "Y = softmax(scale * Q K^T (soft-capped, masked)) V with grouped key/value heads and an optional cache",
    (
        Port("query", "[batch, heads, length, head_dim]", types="T"),
        Port("key", "[batch, kv_heads, source, head_dim]", types="T"),
        Port("value", "[batch, kv_heads, source, value_dim]", types="T"),
        Port(
            "mask",
            "bool (true: attend) or additive, broadcast to [batch, heads, length, total]",
            optional=True,
            types="bool or T",
        ),
        Port("past_key", "[batch, kv_heads, past, head_dim]", optional=True, types="T"),
        Port("past_value", "[batch, kv_heads, past, value_dim]", optional=True, types="T"),
    ),
    (
        Port("Y", "[batch, heads, length, value_dim]"),
        Port("present_key", "past_key and key concatenated", optional=True),
        Port("present_value", "past_value and value concatenated", optional=True),
    ),
    _infer_attention,
    attributes=(
        Attr("scale", "float", None, doc="absent: 1 / sqrt(head_dim)"),
        Attr("causal", "bool", False),
        Attr("window", "int", None, doc="with causal: each query sees its window most recent keys", minimum=1),
        Attr("softcap", "float", None, doc="logits become softcap * tanh(logits / softcap)", minimum=0.0),
    ),
    check=_check_attention,
    section=SECTION,
    cost=_attention_cost,
    since=VERSION,
    examples=(
        _attention_example("plain", {"scale": 1}, [3, 3]),
        _attention_example("causal", {"scale": 1, "causal": True}, [0, 3]),
        _attention_example("window-1", {"scale": 1, "causal": True, "window": 1}, [0, 4]),
        _attention_example("grouped", {"scale": 1}, [3, 3], heads=2),
        Example(
            "cache",
            (
                tensor(F32, [[[[1]]]]),
                tensor(F32, [[[[math.log(3)]]]]),
                tensor(F32, [[[[4]]]]),
                None,
                tensor(F32, [[[[0]]]]),
                tensor(F32, [[[[0]]]]),
            ),
            (tensor(F32, [[[[3]]]]), tensor(F32, [[[[0], [math.log(3)]]]]), tensor(F32, [[[[0], [4]]]])),
            {"scale": 1, "causal": True},
        ),
        Example(
            "bool-mask",
            (
                tensor(F32, [[[[1], [1]]]]),
                tensor(F32, [[[[0], [math.log(3)]]]]),
                tensor(F32, [[[[0], [4]]]]),
                tensor("bool", [True, False]),
            ),
            (tensor(F32, [[[[0], [0]]]]),),
            {"scale": 1},
        ),
    ),
)

OPS: tuple[OpSpec, ...] = (_RMS_NORM, _ROTARY, _ATTENTION)
