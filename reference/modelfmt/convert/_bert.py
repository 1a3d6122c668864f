"""BERT-class encoders as a modelfmt.core graph, built declaratively from a Hugging Face config.json.

The graph follows SPEC.md §10.12 (BERT-class encoder) and transformers' `BertModel` at inference:
embeddings (word + token type, then position) and LayerNorm; per layer, self-attention from separate
query/key/value Linear layers with an additive mask, then the feed-forward block, each followed by a
residual Add and LayerNorm; the pooler (first token, Linear, Tanh) when the weights have one. Parameter
bindings use the checkpoint's own tensor names, so the converted file's tensors are the checkpoint's,
bit for bit.

Model types (a closed table, `BUILDERS`):
- `bert`: exact.
- `roberta`, `xlm-roberta`, `camembert`: the same encoder with position ids starting at
  `pad_token_id + 1`. transformers numbers positions by counting non-padding tokens (a cumulative sum
  of `input_ids != pad_token_id`), which the op set cannot express (no CumSum or comparison op); the
  graph numbers positions `pad_token_id + 1 + i`. The two agree for every token when the input holds no
  padding token, and at every non-padding position of right-padded input (padding positions are masked
  out of attention and ignored by mean pooling, so sentence embeddings agree too). Left padding differs.

A sentence-transformers head (pooling, then optionally L2 normalisation) is appended when the folder
declares one; see `_pooling.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..format._dtypes import DTYPES
from ._errors import ConversionError
from ._graph import GraphBuilder
from ._pooling import add_sentence_head
from ._source import SourceTensor

# transformers' `hidden_act` names -> (op, attributes). Looked up in this table, never resolved.
_ACTIVATIONS: Final[Mapping[str, tuple[str, dict[str, str]]]] = {
    "gelu": ("GELU", {}),
    "gelu_new": ("GELU", {"approximate": "tanh"}),
    "gelu_pytorch_tanh": ("GELU", {"approximate": "tanh"}),
    "relu": ("ReLU", {}),
    "silu": ("SiLU", {}),
    "swish": ("SiLU", {}),
    "tanh": ("Tanh", {}),
}
_WORD_EMBEDDINGS: Final = "embeddings.word_embeddings.weight"
_FLOAT_DTYPES: Final = ("float16", "bfloat16", "float32", "float64")


class _Config:
    """Typed reads of config.json keys; a missing or mistyped key names itself in the error."""

    def __init__(self, config: Mapping[str, object], where: str) -> None:
        self._config, self._where = config, where

    def integer(self, key: str, default: int | None = None, minimum: int = 1) -> int:
        value = self._config.get(key, default)
        if type(value) is not int or value < minimum:
            raise ConversionError(f"{self._where}: `{key}` must be an integer >= {minimum}, got {value!r}")
        return value

    def number(self, key: str, default: float) -> float:
        value = self._config.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise ConversionError(f"{self._where}: `{key}` must be a non-negative number, got {value!r}")
        return float(value)

    def string(self, key: str, default: str) -> str:
        value = self._config.get(key, default)
        if not isinstance(value, str):
            raise ConversionError(f"{self._where}: `{key}` must be a string, got {value!r}")
        return value

    def flag(self, key: str) -> bool:
        value = self._config.get(key, False)
        if not isinstance(value, bool):
            raise ConversionError(f"{self._where}: `{key}` must be true or false, got {value!r}")
        return value


def _prefix(tensors: Mapping[str, SourceTensor], where: str) -> str:
    """'' for BertModel checkpoints, 'bert.' (or 'roberta.') for task models wrapping the encoder."""
    found = [name[: -len(_WORD_EMBEDDINGS)] for name in tensors if name.endswith(_WORD_EMBEDDINGS)]
    if len(found) != 1 or (found[0] and not found[0].endswith(".")):
        raise ConversionError(
            f"{where}: expected exactly one `*{_WORD_EMBEDDINGS}` tensor, found {len(found)}: cannot locate the encoder"
        )
    return found[0]


def build_encoder(
    config: Mapping[str, object],
    head: Mapping[str, object] | None,
    tensors: Mapping[str, SourceTensor],
    *,
    position_offset: bool,
) -> dict[str, object]:
    where = "config.json"
    cfg = _Config(config, where)
    model_type = cfg.string("model_type", "bert")
    if cfg.string("position_embedding_type", "absolute") != "absolute":
        raise ConversionError(
            f"{where}: position_embedding_type {config.get('position_embedding_type')!r} is not supported "
            "(only absolute position embeddings are expressed)"
        )
    if cfg.flag("is_decoder") or cfg.flag("add_cross_attention"):
        raise ConversionError(f"{where}: decoder configurations (is_decoder, add_cross_attention) are not supported")
    activation = cfg.string("hidden_act", "gelu")
    if activation not in _ACTIVATIONS:
        raise ConversionError(
            f"{where}: hidden_act {activation!r} is not supported; supported: {', '.join(sorted(_ACTIVATIONS))}"
        )
    hidden = cfg.integer("hidden_size")
    layers = cfg.integer("num_hidden_layers")
    heads = cfg.integer("num_attention_heads")
    intermediate = cfg.integer("intermediate_size")
    vocab = cfg.integer("vocab_size")
    positions = cfg.integer("max_position_embeddings")
    types = cfg.integer("type_vocab_size", 2)
    eps = cfg.number("layer_norm_eps", 1e-12)
    if hidden % heads:
        raise ConversionError(f"{where}: hidden_size {hidden} is not divisible by num_attention_heads {heads}")
    head_size = hidden // heads
    start = cfg.integer("pad_token_id", 1, minimum=0) + 1 if position_offset else 0

    p = _prefix(tensors, where)
    dtype = tensors[p + _WORD_EMBEDDINGS].dtype
    if dtype not in _FLOAT_DTYPES:
        raise ConversionError(f"{where}: word embeddings have dtype {dtype}; expected a floating dtype")

    def param(name: str) -> str:
        for candidate in (
            p + name,
            p + name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"),
        ):
            if candidate in tensors:
                return candidate
        raise ConversionError(f"{where}: the weights have no tensor `{p + name}`, which {model_type} requires")

    def layer_norm(x: str, prefix: str, name: str) -> str:
        return g.node(
            "LayerNorm",
            [x],
            name,
            attributes={"normalized_shape": [hidden], "eps": eps},
            parameters={"weight": param(f"{prefix}.LayerNorm.weight"), "bias": param(f"{prefix}.LayerNorm.bias")},
        )

    def linear(x: str, prefix: str, name: str, in_features: int, out_features: int) -> str:
        return g.node(
            "Linear",
            [x],
            name,
            attributes={"in_features": in_features, "out_features": out_features},
            parameters={"weight": param(f"{prefix}.weight"), "bias": param(f"{prefix}.bias")},
        )

    g = GraphBuilder(f"{model_type} encoder")
    dims = ["batch", "sequence"]
    input_ids = g.input("input_ids", "int64", dims)
    attention_mask = g.input("attention_mask", "int64", dims)
    token_type_ids = g.input("token_type_ids", "int64", dims)

    # Embeddings: (word + token type) + position, as transformers adds them.
    def embedding(indices: str, name: str, count: int) -> str:
        return g.node(
            "Embedding",
            [indices],
            f"embeddings.{name}",
            attributes={"num_embeddings": count, "embedding_dim": hidden},
            parameters={"weight": param(f"embeddings.{name}.weight")},
        )

    words = embedding(input_ids, "word_embeddings", vocab)
    token_types = embedding(token_type_ids, "token_type_embeddings", types)
    position_ids = g.node("PositionIds", [input_ids], "embeddings.position_ids", attributes={"axis": 1, "start": start})
    position_ids = g.node("Unsqueeze", [position_ids], "embeddings.position_ids.batch", attributes={"axes": [0]})
    positions_out = embedding(position_ids, "position_embeddings", positions)
    x = g.node("Add", [words, token_types], "embeddings.add_token_types")
    x = g.node("Add", [x, positions_out], "embeddings.add_positions")
    x = layer_norm(x, "embeddings", "embeddings.LayerNorm")

    # Additive attention mask [batch, 1, 1, sequence]: 0 where attended, the most negative finite value
    # of the dtype where masked (transformers' eager attention).
    mask = g.node("Cast", [attention_mask], "mask.cast", attributes={"to": dtype})
    mask = g.node("Unsqueeze", [mask], "mask.unsqueeze", attributes={"axes": [1, 2]})
    one = g.node("Scalar", [], "mask.one", attributes={"value": 1.0, "dtype": dtype})
    mask = g.node("Sub", [one, mask], "mask.invert")
    lowest = g.node("Scalar", [], "mask.lowest", attributes={"value": _lowest(dtype), "dtype": dtype})
    mask = g.node("Mul", [mask, lowest], "mask.additive")
    scale = g.node("Scalar", [], "attention.scale", attributes={"value": head_size**-0.5, "dtype": dtype})

    for index in range(layers):
        at = f"encoder.layer.{index}"

        def heads_of(value: str, role: str, perm: list[int], at: str = at) -> str:
            split = g.node("Reshape", [value], f"{at}.{role}.heads", attributes={"shape": [0, 0, heads, head_size]})
            return g.node("Transpose", [split], f"{at}.{role}.transpose", attributes={"perm": perm})

        query = linear(x, f"{at}.attention.self.query", f"{at}.attention.self.query", hidden, hidden)
        key = linear(x, f"{at}.attention.self.key", f"{at}.attention.self.key", hidden, hidden)
        value = linear(x, f"{at}.attention.self.value", f"{at}.attention.self.value", hidden, hidden)
        q = heads_of(query, "query", [0, 2, 1, 3])  # [batch, heads, sequence, head_size]
        k = heads_of(key, "key", [0, 2, 3, 1])  # [batch, heads, head_size, sequence]
        v = heads_of(value, "value", [0, 2, 1, 3])
        scores = g.node("MatMul", [q, k], f"{at}.attention.scores")
        scores = g.node("Mul", [scores, scale], f"{at}.attention.scaled")
        scores = g.node("Add", [scores, mask], f"{at}.attention.masked")
        probs = g.node("Softmax", [scores], f"{at}.attention.probs", attributes={"axis": -1})
        context = g.node("MatMul", [probs, v], f"{at}.attention.context")
        context = g.node("Transpose", [context], f"{at}.attention.merge", attributes={"perm": [0, 2, 1, 3]})
        context = g.node("Reshape", [context], f"{at}.attention.flat", attributes={"shape": [0, 0, hidden]})
        out = linear(context, f"{at}.attention.output.dense", f"{at}.attention.output.dense", hidden, hidden)
        out = g.node("Add", [out, x], f"{at}.attention.output.residual")
        x1 = layer_norm(out, f"{at}.attention.output", f"{at}.attention.output.LayerNorm")
        inner = linear(x1, f"{at}.intermediate.dense", f"{at}.intermediate.dense", hidden, intermediate)
        op, attributes = _ACTIVATIONS[activation]
        inner = g.node(op, [inner], f"{at}.intermediate.activation", attributes=attributes)
        out = linear(inner, f"{at}.output.dense", f"{at}.output.dense", intermediate, hidden)
        out = g.node("Add", [out, x1], f"{at}.output.residual")
        x = layer_norm(out, f"{at}.output", f"{at}.output.LayerNorm")

    last_hidden_state = g.node("Identity", [x], "last_hidden_state")
    g.output(last_hidden_state)
    if p + "pooler.dense.weight" in tensors:
        zero = g.node("Scalar", [], "pooler.first", attributes={"value": 0, "dtype": "int64"})
        first = g.node("Gather", [last_hidden_state, zero], "pooler.gather", attributes={"axis": 1})
        pooled = linear(first, "pooler.dense", "pooler.dense", hidden, hidden)
        g.output(g.node("Tanh", [pooled], "pooler_output"))
    if head is not None:
        add_sentence_head(g, head, last_hidden_state, attention_mask, dtype=dtype, hidden=hidden)
    return g.build(tensors)


def _lowest(dtype: str) -> float:
    import ml_dtypes  # noqa: PLC0415  (imported on first use: format/_dtypes.py says why)

    return float(ml_dtypes.finfo(DTYPES[dtype].numpy).min)  # type: ignore[no-untyped-call]


def build_bert(
    config: Mapping[str, object], head: Mapping[str, object] | None, tensors: Mapping[str, SourceTensor]
) -> dict[str, object]:
    return build_encoder(config, head, tensors, position_offset=False)


def build_roberta(
    config: Mapping[str, object], head: Mapping[str, object] | None, tensors: Mapping[str, SourceTensor]
) -> dict[str, object]:
    return build_encoder(config, head, tensors, position_offset=True)
