"""The sentence-transformers head: pooling of token embeddings, then optional L2 normalisation.

Mean pooling follows sentence-transformers: the sum of the token embeddings where the attention mask is
1, divided by the number of such tokens clamped below at 1e-9. The op set has no Max or Clamp, so the
clamp is written as adding a constant too small to change any count >= 1 in the dtype (1e-9 in float32
and narrower, 1e-17 in float64): counts of 1 or more are unchanged, and an all-padding row gives
0 / eps = 0 exactly as the clamp does.

L2 normalisation (`torch.nn.functional.normalize`, `x / max(||x||, 1e-12)`) needs a square root, which
the op set has only inside LayerNorm. It is written with that: for `v = [x, -x]` (mean exactly 0,
biased variance `sum(x^2) / E`), `LayerNorm(v, eps)` is `v / sqrt(sum(x^2) / E + eps)`; its first half
times `1 / sqrt(E)` is `x / sqrt(sum(x^2) + E * eps)`. With `E * eps = 1e-24` this is `x / ||x||` for
every vector whose norm exceeds about 1e-10, and 0 for the zero vector, as torch gives. The node names
say what the composition computes. A dedicated op would be clearer (reported as an op-set gap).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

from ._errors import ConversionError
from ._graph import GraphBuilder

_MODES: Final = (
    "pooling_mode_cls_token",
    "pooling_mode_mean_tokens",
    "pooling_mode_max_tokens",
    "pooling_mode_mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens",
    "pooling_mode_lasttoken",
)
_SUPPORTED: Final = ("pooling_mode_cls_token", "pooling_mode_mean_tokens")
_NORM_EPS_TOTAL: Final = 1e-24  # E * eps: below the square of torch's 1e-12 norm floor


def _mode(pooling: Mapping[str, object]) -> str:
    chosen = [mode for mode in _MODES if pooling.get(mode) is True]
    if len(chosen) != 1:
        raise ConversionError(
            f"sentence-transformers pooling: exactly one pooling mode is supported, the config enables "
            f"{', '.join(chosen) or 'none'}"
        )
    if chosen[0] not in _SUPPORTED:
        raise ConversionError(
            f"sentence-transformers pooling: {chosen[0]} is not supported (the op set has no max reduction or "
            "square root); supported: cls token, mean tokens"
        )
    return chosen[0]


def add_sentence_head(
    g: GraphBuilder, head: Mapping[str, object], tokens: str, attention_mask: str, *, dtype: str, hidden: int
) -> None:
    modules = head.get("modules")
    pooling = head.get("pooling")
    assert isinstance(modules, list)
    if "Pooling" not in modules:
        if "Normalize" in modules:
            raise ConversionError("sentence-transformers: Normalize without Pooling is not supported")
        return
    assert isinstance(pooling, Mapping)
    dimension = pooling.get("word_embedding_dimension", hidden)
    if dimension != hidden:
        raise ConversionError(
            f"sentence-transformers pooling: word_embedding_dimension {dimension} differs from hidden_size {hidden}"
        )
    if _mode(pooling) == "pooling_mode_cls_token":
        zero = g.node("Scalar", [], "pooling.first", attributes={"value": 0, "dtype": "int64"})
        embedding = g.node("Gather", [tokens, zero], "pooling.cls", attributes={"axis": 1})
    else:
        mask = g.node("Cast", [attention_mask], "pooling.mask", attributes={"to": dtype})
        mask = g.node("Unsqueeze", [mask], "pooling.mask.expand", attributes={"axes": [2]})
        masked = g.node("Mul", [tokens, mask], "pooling.masked")
        summed = g.node("ReduceSum", [masked], "pooling.sum", attributes={"axes": [1]})
        counts = g.node("ReduceSum", [mask], "pooling.count", attributes={"axes": [1]})
        floor = 1e-17 if dtype == "float64" else 1e-9
        tiny = g.node("Scalar", [], "pooling.count.floor", attributes={"value": floor, "dtype": dtype})
        counts = g.node("Add", [counts, tiny], "pooling.count.clamped")
        embedding = g.node("Div", [summed, counts], "pooling.mean")
    if "Normalize" in modules:
        embedding = _l2_normalize(g, embedding, dtype=dtype, hidden=hidden)
    g.output(g.node("Identity", [embedding], "sentence_embedding"))


def _l2_normalize(g: GraphBuilder, x: str, *, dtype: str, hidden: int) -> str:
    minus_one = g.node("Scalar", [], "normalize.l2.minus_one", attributes={"value": -1.0, "dtype": dtype})
    negated = g.node("Mul", [x, minus_one], "normalize.l2.negate")
    mirrored = g.node("Concat", [x, negated], "normalize.l2.mirror", attributes={"axis": -1})
    scaled = g.node(
        "LayerNorm",
        [mirrored],
        "normalize.l2.rsqrt_mean_square",
        attributes={"normalized_shape": [2 * hidden], "eps": _NORM_EPS_TOTAL / hidden},
    )
    half = g.node(
        "Slice", [scaled], "normalize.l2.first_half", attributes={"starts": [0], "ends": [hidden], "axes": [-1]}
    )
    factor = g.node("Scalar", [], "normalize.l2.factor", attributes={"value": 1 / math.sqrt(hidden), "dtype": dtype})
    return g.node("Mul", [half, factor], "normalize.l2")
