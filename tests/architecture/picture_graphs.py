"""Graphs for the picture tests, built as `Graph` objects directly (the picture draws validated graphs; these
have the node counts, names and wiring of real networks, or the largest sizes a header may declare)."""

from __future__ import annotations

from collections.abc import Sequence

from modelfmt.format._limits import MAX_GRAPH_VALUES, MAX_NODES
from modelfmt.graph import Graph, Node, ValueDecl, ValueType

FLOAT = ValueType("float32", (1, 8))


class Builder:
    """Nodes appended in topological order; each returns the name of its first output."""

    def __init__(self, inputs: Sequence[str] = ("x",)) -> None:
        self.inputs = tuple(ValueDecl(name, "float32", (1, 8)) for name in inputs)
        self.nodes: list[Node] = []
        self.types: dict[str, ValueType] = {name: FLOAT for name in inputs}

    def __call__(
        self,
        op: str,
        name: str,
        inputs: Sequence[str],
        *,
        attributes: dict[str, object] | None = None,
        parameters: dict[str, str] | None = None,
        output: str | None = None,
    ) -> str:
        out = output if output is not None else name
        self.nodes.append(Node(len(self.nodes), name, op, tuple(inputs), (out,), attributes or {}, parameters or {}))
        self.types[out] = FLOAT
        return out

    def graph(self, outputs: Sequence[str]) -> Graph:
        return Graph(
            {"modelfmt.core": 1},
            self.inputs,
            tuple(ValueDecl(name, "float32", (1, 8)) for name in outputs),
            tuple(self.nodes),
            self.types,
        )


def resnet50() -> Graph:
    """torchvision's ResNet-50: stem, 3-4-6-3 bottlenecks (conv, bn, relu three times, a downsample in
    each stage's first block, the residual add), pooling and the classifier: 175 nodes."""
    g = Builder()
    x = g("Conv2d", "conv1", ["x"], parameters={"weight": "conv1.weight"})
    x = g("BatchNorm2d", "bn1", [x])
    x = g("ReLU", "relu", [x])
    x = g("MaxPool2d", "maxpool", [x])
    for stage, blocks in enumerate((3, 4, 6, 3), start=1):
        for block in range(blocks):
            at = f"layer{stage}.{block}"
            skip = x
            for conv in (1, 2, 3):
                x = g("Conv2d", f"{at}.conv{conv}", [x], parameters={"weight": f"{at}.conv{conv}.weight"})
                x = g("BatchNorm2d", f"{at}.bn{conv}", [x])
                if conv < 3:
                    x = g("ReLU", f"{at}.relu{conv}", [x])
            if block == 0:
                skip = g("Conv2d", f"{at}.downsample.0", [skip])
                skip = g("BatchNorm2d", f"{at}.downsample.1", [skip])
            x = g("Add", f"{at}.add", [x, skip])
            x = g("ReLU", f"{at}.relu", [x])
    x = g("GlobalAvgPool2d", "avgpool", [x])
    x = g("Flatten", "flatten", [x])
    x = g("Linear", "fc", [x], parameters={"weight": "fc.weight", "bias": "fc.bias"})
    return g.graph([x])


def bert(layers: int = 12) -> Graph:
    """A BERT encoder as `convert/_bert.py` describes it: embeddings, the mask, and 24 nodes a layer."""
    g = Builder(["input_ids", "token_type_ids", "attention_mask"])
    words = g("Embedding", "embeddings.word_embeddings", ["input_ids"])
    types = g("Embedding", "embeddings.token_type_embeddings", ["token_type_ids"])
    positions = g("PositionIds", "embeddings.position_ids", ["input_ids"])
    positions = g("Embedding", "embeddings.position_embeddings", [positions])
    x = g("Add", "embeddings.add_token_types", [words, types])
    x = g("Add", "embeddings.add_positions", [x, positions])
    x = g("LayerNorm", "embeddings.LayerNorm", [x])
    mask = g("Cast", "mask.cast", ["attention_mask"])
    mask = g("Unsqueeze", "mask.unsqueeze", [mask])
    one = g("Scalar", "mask.one", [])
    mask = g("Sub", "mask.invert", [one, mask])
    lowest = g("Scalar", "mask.lowest", [])
    mask = g("Mul", "mask.additive", [mask, lowest])
    scale = g("Scalar", "attention.scale", [])
    for layer in range(layers):
        at = f"encoder.layer.{layer}"
        heads = []
        for role in ("query", "key", "value"):
            value = g("Linear", f"{at}.attention.self.{role}", [x])
            value = g("Reshape", f"{at}.{role}.heads", [value])
            heads.append(g("Transpose", f"{at}.{role}.transpose", [value]))
        scores = g("MatMul", f"{at}.attention.scores", heads[:2])
        scores = g("Mul", f"{at}.attention.scaled", [scores, scale])
        scores = g("Add", f"{at}.attention.masked", [scores, mask])
        probs = g("Softmax", f"{at}.attention.probs", [scores])
        context = g("MatMul", f"{at}.attention.context", [probs, heads[2]])
        context = g("Transpose", f"{at}.attention.merge", [context])
        context = g("Reshape", f"{at}.attention.flat", [context])
        out = g("Linear", f"{at}.attention.output.dense", [context])
        out = g("Add", f"{at}.attention.output.residual", [out, x])
        x1 = g("LayerNorm", f"{at}.attention.output.LayerNorm", [out])
        hidden = g("Linear", f"{at}.intermediate.dense", [x1])
        hidden = g("GELU", f"{at}.intermediate.gelu", [hidden])
        out = g("Linear", f"{at}.output.dense", [hidden])
        out = g("Add", f"{at}.output.residual", [out, x1])
        x = g("LayerNorm", f"{at}.output.LayerNorm", [out])
    x = g("Identity", "last_hidden_state", [x])
    first = g("Gather", "pooler.gather", [x])
    pooled = g("Linear", "pooler.dense", [first])
    pooled = g("Tanh", "pooler_output", [pooled])
    return g.graph([x, pooled])


def decoder(layers: int = 32) -> Graph:
    """A Llama-style decoder: RMS norms, rotary q/k, attention, a gated MLP, 21 nodes a layer."""
    g = Builder(["input_ids"])
    x = g("Embedding", "model.embed_tokens", ["input_ids"])
    positions = g("PositionIds", "model.positions", ["input_ids"])
    for layer in range(layers):
        at = f"model.layers.{layer}"
        h = g("RMSNorm", f"{at}.input_layernorm", [x])
        q = g("Linear", f"{at}.self_attn.q_proj", [h])
        k = g("Linear", f"{at}.self_attn.k_proj", [h])
        v = g("Linear", f"{at}.self_attn.v_proj", [h])
        q = g("Reshape", f"{at}.self_attn.q_heads", [q])
        k = g("Reshape", f"{at}.self_attn.k_heads", [k])
        v = g("Reshape", f"{at}.self_attn.v_heads", [v])
        q = g("RotaryEmbedding", f"{at}.self_attn.q_rotary", [q, positions])
        k = g("RotaryEmbedding", f"{at}.self_attn.k_rotary", [k, positions])
        a = g("ScaledDotProductAttention", f"{at}.self_attn.attention", [q, k, v])
        a = g("Reshape", f"{at}.self_attn.merge", [a])
        a = g("Linear", f"{at}.self_attn.o_proj", [a])
        x = g("Add", f"{at}.attn_residual", [x, a])
        h = g("RMSNorm", f"{at}.post_attention_layernorm", [x])
        gate = g("Linear", f"{at}.mlp.gate_proj", [h])
        gate = g("SiLU", f"{at}.mlp.act", [gate])
        up = g("Linear", f"{at}.mlp.up_proj", [h])
        h = g("Mul", f"{at}.mlp.gated", [gate, up])
        h = g("Linear", f"{at}.mlp.down_proj", [h])
        x = g("Add", f"{at}.mlp_residual", [x, h])
        x = g("Identity", f"{at}.out", [x])
    x = g("RMSNorm", "model.norm", [x])
    x = g("Linear", "lm_head", [x])
    return g.graph([x])


def largest(text: str, *, fan_in: int = 64) -> Graph:
    """The largest graph a header may declare, its strings long and made of `text`: 4096 inputs, 262144
    nodes in a chain that now and then also reads `fan_in` inputs, 4096 outputs. Only the nodes near
    either end (the ones a summary draws) get names of 1024 characters, to keep the test's memory small."""
    long = (text * 1024)[:1024]
    inputs = [f"{index}{long}" for index in range(MAX_GRAPH_VALUES)]
    g = Builder(inputs)
    previous = inputs[0]
    attributes: dict[str, object] = {"note": long * 64, "axes": list(range(256))}
    for index in range(MAX_NODES):
        name = f"{index}{long}" if min(index, MAX_NODES - 1 - index) < 300 else f"{index}{text}"
        sources = [previous, *inputs[index % 64 : index % 64 + fan_in]] if index % 1000 == 0 else [previous]
        previous = g("Concat", name, sources, attributes=attributes, output=f"v{name}")
    outputs = [previous, *(f"v{index}{long}" for index in range(1, MAX_GRAPH_VALUES))]
    g.types.update((name, FLOAT) for name in outputs)
    return g.graph(outputs)
