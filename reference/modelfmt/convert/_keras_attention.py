"""Keras MultiHeadAttention, written out in Linear, Reshape, Transpose, MatMul, Softmax (SPEC.md §10.12).

The op set's MultiHeadAttention packs one projection size for query, key and value; Keras's layer has
its own `key_dim`, `value_dim`, `output_shape` and input sizes, so it is described op by op, in Keras's
order of operations:

    Q = query @ Wq + bq, scaled by 1/sqrt(key_dim)      (Keras scales the query, not the scores)
    K = key @ Wk + bk;  V = value @ Wv + bv             (per head: [batch, heads, steps, dim])
    P = softmax(Q @ K^T + (1 - mask) * -1e9)            (Keras's masked softmax; no mask: no term)
    Y = concat_heads(P @ V) @ Wo + bo

The projection kernels `[in, heads, dim]` become Linear weights `[heads*dim, in]`, the output kernel
`[heads, value_dim, out]` one of `[out, heads*value_dim]`. `attention_mask` ([batch, T, S], true where
attention is allowed) is a call argument; `use_causal_mask` (a lower-triangular mask of the known T, S)
is a constant tensor; both together are combined by multiplication, Keras's logical and.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np

from ..format._dtypes import DTYPES
from ._graph import Attribute
from ._h5 import Variable
from ._keras_context import Layer, Value

_MASKED: Final = -1e9  # Keras's `_large_negative_number` for float32 and wider, added where the mask is 0
# The causal mask is a stored constant [1, T, S]: its size comes from the config's input shapes, so it is
# bounded before it is made (16 Mi elements, 64 MiB in float32: far beyond any causal attention a
# one-file model would hold, far below what a hostile shape could ask for).
MAX_CAUSAL_MASK_ELEMENTS: Final = 2**24
KEYWORDS: Final = frozenset({"attention_mask", "use_causal_mask", "training", "return_attention_scores"})
DOT_KEYWORDS: Final = frozenset({"use_causal_mask", "training", "return_attention_scores"})


def _projection(layer: Layer, x: Value, part: str, *, heads: int, dim: int, use_bias: bool) -> str:
    """x [N, steps, in] -> [N, heads, steps, dim]."""
    variables = layer.variables(2 if use_bias else 1, part)
    kernel = variables[0]
    features = x.shape[-1]
    assert isinstance(features, int)  # checked by the caller
    if kernel.shape != (features, heads, dim):
        raise layer.fail(f"{part} kernel shape {list(kernel.shape)} does not fit [{features}, {heads}, {dim}]")
    ctx, name = layer.ctx, f"{layer.name}.{part}"
    width = heads * dim
    parameters = {
        "weight": ctx.transformed(kernel, f"{name}.weight", (width, features), lambda k: k.reshape(features, -1).T)
    }
    if use_bias:
        bias = variables[1]
        parameters["bias"] = ctx.transformed(bias, f"{name}.bias", (width,), lambda b: b.reshape(-1))
    attributes: dict[str, Attribute] = {"in_features": features, "out_features": width}
    y = layer.g.node("Linear", [x.name], name, attributes=attributes, parameters=parameters)
    split = layer.node("Reshape", [y], f"{part}.heads", shape=[0, 0, heads, dim])
    return layer.node("Transpose", [split], f"{part}.by_head", perm=[0, 2, 1, 3])


def _output(layer: Layer, heads: int, value_dim: int, use_bias: bool) -> tuple[dict[str, str], int, list[int]]:
    variables = layer.variables(2 if use_bias else 1, "output_dense")
    kernel: Variable = variables[0]
    if len(kernel.shape) < 3 or kernel.shape[:2] != (heads, value_dim):
        raise layer.fail(f"output kernel shape {list(kernel.shape)} does not fit [{heads}, {value_dim}, ...]")
    out_shape = list(kernel.shape[2:])
    width, size = heads * value_dim, math.prod(out_shape)
    ctx, name = layer.ctx, f"{layer.name}.output_dense"
    parameters = {"weight": ctx.transformed(kernel, f"{name}.weight", (size, width), lambda k: k.reshape(width, -1).T)}
    if use_bias:
        parameters["bias"] = ctx.transformed(variables[1], f"{name}.bias", (size,), lambda b: b.reshape(-1))
    return parameters, size, out_shape


def _causal(layer: Layer, query: Value, key: Value, dtype: str) -> str:
    """A constant [1, T, S]: 1 where query step i may attend to key step j <= i, else 0."""
    steps, keys = query.shape[1], key.shape[1]
    if not isinstance(steps, int) or not isinstance(keys, int):
        raise layer.fail("use_causal_mask needs known query and key lengths (the mask is a constant)")
    if steps * keys > MAX_CAUSAL_MASK_ELEMENTS:
        raise layer.fail(
            f"use_causal_mask for {steps} x {keys} steps: the mask constant would exceed "
            f"{MAX_CAUSAL_MASK_ELEMENTS} elements"
        )
    name = f"{layer.name}.causal_mask"
    numpy_dtype = DTYPES[dtype].numpy
    triangle = layer.ctx.add_tensor(
        name, dtype, (1, steps, keys), lambda: np.tril(np.ones((1, steps, keys))).astype(numpy_dtype)
    )
    return layer.g.node("Constant", [], name, parameters={"value": triangle})


def _mask(layer: Layer, query: Value, key: Value, dtype: str) -> str | None:
    """The additive mask term [N or 1, 1, T, S], or None without a mask."""
    mask = layer.keywords.get("attention_mask")
    causal = layer.keywords.get("use_causal_mask", False)
    if not isinstance(causal, bool):
        raise layer.fail(f"`use_causal_mask` must be true or false, got {causal!r}")
    allowed: str | None = None
    if isinstance(mask, Value):
        if len(mask.shape) != 3:
            raise layer.fail(f"attention_mask of shape {list(mask.shape)}: only [batch, T, S] is supported")
        allowed = layer.node("Cast", [mask.name], "mask", to=dtype)
    elif mask is not None:
        raise layer.fail(f"attention_mask {mask!r} is not a tensor")
    if causal:
        constant = _causal(layer, query, key, dtype)
        allowed = constant if allowed is None else layer.node("Mul", [allowed, constant], "mask.and_causal")
    if allowed is None:
        return None
    one = layer.scalar(1.0, dtype, "mask.one")
    large = layer.scalar(_MASKED, dtype, "mask.large_negative")
    blocked = layer.node("Sub", [one, allowed], "mask.blocked")
    adder = layer.node("Mul", [blocked, large], "mask.adder")
    return layer.node("Unsqueeze", [adder], "mask.per_head", axes=[1])


def multi_head_attention(layer: Layer, inputs: Sequence[Value]) -> Value:
    if len(inputs) not in (2, 3):
        raise layer.fail(f"expected query, value and optionally key, got {len(inputs)} inputs")
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) == 3 else value
    for part in (query, value, key):
        if len(part.shape) != 3 or not isinstance(part.shape[-1], int):
            raise layer.fail(f"inputs must be [batch, steps, features] with known features, got {list(part.shape)}")
    if layer.keywords.get("return_attention_scores", False):
        raise layer.fail("return_attention_scores is not supported")
    axes = layer.config.get("attention_axes")
    if axes not in (None, [1], [-2]):
        raise layer.fail(f"attention over axes {axes!r} is not supported (only over the steps, axis 1)")
    heads, key_dim = layer.integer("num_heads"), layer.integer("key_dim")
    value_dim = layer.integer("value_dim", key_dim) if layer.config.get("value_dim") is not None else key_dim
    use_bias = layer.flag("use_bias", True)
    dtype = query.dtype
    q = _projection(layer, query, "query_dense", heads=heads, dim=key_dim, use_bias=use_bias)
    scale = layer.scalar(1.0 / math.sqrt(float(key_dim)), dtype, "scale")
    q = layer.node("Mul", [q, scale], "query_scaled")
    k = _projection(layer, key, "key_dense", heads=heads, dim=key_dim, use_bias=use_bias)
    v = _projection(layer, value, "value_dense", heads=heads, dim=value_dim, use_bias=use_bias)
    k_t = layer.node("Transpose", [k], "key_t", perm=[0, 1, 3, 2])
    scores = layer.node("MatMul", [q, k_t], "scores")
    adder = _mask(layer, query, key, dtype)
    if adder is not None:
        scores = layer.node("Add", [scores, adder], "scores_masked")
    weights = layer.node("Softmax", [scores], "weights", axis=-1)
    context = layer.node("MatMul", [weights, v], "context")
    by_step = layer.node("Transpose", [context], "context_by_step", perm=[0, 2, 1, 3])
    merged = layer.node("Reshape", [by_step], "context_merged", shape=[0, 0, heads * value_dim])
    parameters, size, out_shape = _output(layer, heads, value_dim, use_bias)
    attributes: dict[str, Attribute] = {"in_features": heads * value_dim, "out_features": size}
    y = layer.g.node("Linear", [merged], f"{layer.name}.output_dense", attributes=attributes, parameters=parameters)
    if len(out_shape) != 1:
        y = layer.node("Reshape", [y], "output_shape", shape=[0, 0, *out_shape])
    return Value(layer.node("Identity", [y]), dtype, (query.shape[0], query.shape[1], *out_shape))


def _weight_constant(layer: Layer, variable: Variable, suffix: str) -> str:
    name = f"{layer.name}.{suffix}"
    return layer.g.node("Constant", [], name, parameters={"value": layer.ctx.variable(variable, name)})


def dot_attention(layer: Layer, inputs: Sequence[Value]) -> Value:
    """Attention (Luong: `dot` scores, or `concat`) and AdditiveAttention (Bahdanau), Keras's formulas:

    dot:      scores = (Q @ K^T) * scale
    concat:   scores = concat_score_weight * sum(tanh(scale * (Q[:, :, None] + K[:, None])), -1)
    additive: scores = sum(scale * tanh(Q[:, :, None] + K[:, None]), -1)      (scale per feature)
    Y = softmax(scores - 1e9 where causally masked) @ V
    """
    if len(inputs) not in (2, 3):
        raise layer.fail(f"expected [query, value] or [query, value, key], got {len(inputs)} inputs")
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) == 3 else value
    if any(len(part.shape) != 3 for part in (query, value, key)):
        raise layer.fail("inputs must be [batch, steps, features]")
    if layer.keywords.get("return_attention_scores", False):
        raise layer.fail("return_attention_scores is not supported")
    additive = layer.kind == "AdditiveAttention"
    mode = "additive" if additive else layer.config.get("score_mode", "dot")
    if mode not in ("dot", "concat", "additive"):
        raise layer.fail(f"score_mode {mode!r} is not supported")
    use_scale = layer.flag("use_scale", additive)
    variables = layer.variables(int(use_scale) + (mode == "concat"))
    scale = _weight_constant(layer, variables[0], "scale") if use_scale else None
    dtype = query.dtype
    if mode == "dot":
        key_t = layer.node("Transpose", [key.name], "key_t", perm=[0, 2, 1])
        scores = layer.node("MatMul", [query.name, key_t], "scores")
        if scale is not None:
            scores = layer.node("Mul", [scores, scale], "scores_scaled")
    else:
        pairs = layer.node(
            "Add",
            [
                layer.node("Unsqueeze", [query.name], "query_rows", axes=[2]),
                layer.node("Unsqueeze", [key.name], "key_columns", axes=[1]),
            ],
            "pairs",
        )
        if mode == "concat" and scale is not None:
            pairs = layer.node("Mul", [scale, pairs], "pairs_scaled")
        scored = layer.node("Tanh", [pairs], "pairs_tanh")
        if mode == "additive" and scale is not None:
            scored = layer.node("Mul", [scale, scored], "pairs_weighted")
        scores = layer.node("ReduceSum", [scored], "scores", axes=[-1])
        if mode == "concat":
            weight = _weight_constant(layer, variables[-1], "concat_score_weight")
            scores = layer.node("Mul", [weight, scores], "scores_weighted")
    causal = layer.keywords.get("use_causal_mask", False)
    if not isinstance(causal, bool):
        raise layer.fail(f"`use_causal_mask` must be true or false, got {causal!r}")
    if causal:
        allowed = _causal(layer, query, key, dtype)
        blocked = layer.node("Sub", [layer.scalar(1.0, dtype, "mask.one"), allowed], "mask.blocked")
        large = layer.scalar(65504.0 if dtype == "float16" else 1e9, dtype, "mask.large")
        scores = layer.node("Sub", [scores, layer.node("Mul", [blocked, large], "mask.bias")], "scores_masked")
    weights = layer.node("Softmax", [scores], "weights", axis=-1)
    return Value(layer.node("MatMul", [weights, value.name]), dtype, (query.shape[0], query.shape[1], value.shape[2]))
