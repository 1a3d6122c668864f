"""Every op of modelfmt.core (versions 1 and 2) against PyTorch's functional equivalent (SPEC.md §10).

Each case is a one-node graph: the numpy runtime (`modelfmt.run`) and `modelfmt.torch.build` must agree
with torch to a relative error of 1e-5 (float32) or 1e-10 (float64), and give exactly the dtype and
shape inference promised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from arch_helpers import declare, node, relative_error, with_inferred_outputs, write
from modelfmt.graph import CORE_OPS
from modelfmt.runtime._execute import KERNELS

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.interop
F = torch.nn.functional
import modelfmt.torch as mft  # noqa: E402 - after the torch check
from modelfmt.torch._kernels import KERNELS as TORCH_KERNELS  # noqa: E402

RNG = np.random.default_rng(1234)


def rand(*shape: int, dtype: str = "float32") -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype)


def t(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(array))


@dataclass
class Case:
    id: str
    op: str
    inputs: Mapping[str, np.ndarray]
    reference: Callable[..., object]  # torch tensors (inputs, then params by slot) -> tensor or tuple
    attributes: Mapping[str, object] = field(default_factory=dict)
    params: Mapping[str, np.ndarray] = field(default_factory=dict)
    outputs: int = 1
    input_order: Sequence[str | None] | None = None  # node inputs (None = absent optional)


def _cases() -> list[Case]:
    x4 = rand(2, 4, 9, 8)
    cases = [
        Case("identity", "Identity", {"x": rand(3, 4)}, lambda x: x),
        Case("identity-int", "Identity", {"x": np.arange(6, dtype=np.int64)}, lambda x: x),
        Case("dropout", "Dropout", {"x": rand(3, 4)}, lambda x: F.dropout(x, 0.3, training=False), {"p": 0.3}),
        Case("relu", "ReLU", {"x": rand(5, 6)}, F.relu),
        Case("leaky-relu", "LeakyReLU", {"x": rand(5, 6)}, lambda x: F.leaky_relu(x, 0.2), {"negative_slope": 0.2}),
        Case("silu", "SiLU", {"x": rand(5, 6) * 4}, F.silu),
        Case("tanh", "Tanh", {"x": rand(5, 6) * 3}, torch.tanh),
        Case("sigmoid", "Sigmoid", {"x": rand(5, 6) * 30}, torch.sigmoid),
        Case("gelu-erf", "GELU", {"x": rand(5, 6) * 3}, F.gelu),
        Case(
            "gelu-tanh", "GELU", {"x": rand(5, 6) * 3}, lambda x: F.gelu(x, approximate="tanh"), {"approximate": "tanh"}
        ),
        Case("gelu-float64", "GELU", {"x": rand(5, 6, dtype="float64") * 3}, F.gelu),
        Case("softmax", "Softmax", {"x": rand(3, 4, 5) * 5}, lambda x: F.softmax(x, 1), {"axis": 1}),
        Case("log-softmax", "LogSoftmax", {"x": rand(3, 7) * 5}, lambda x: F.log_softmax(x, -1), {"axis": -1}),
        Case("add-broadcast", "Add", {"a": rand(3, 1, 5), "b": rand(4, 1)}, torch.add),
        Case("add-int64", "Add", {"a": np.arange(6, dtype=np.int64), "b": np.array(7, np.int64)}, torch.add),
        Case("sub", "Sub", {"a": rand(3, 5), "b": rand(5)}, torch.sub),
        Case("mul", "Mul", {"a": rand(2, 3, 5), "b": rand(1, 3, 1)}, torch.mul),
        Case("div", "Div", {"a": rand(3, 5), "b": rand(3, 5) + 3}, torch.div),
        Case("matmul-batched", "MatMul", {"a": rand(2, 1, 3, 4), "b": rand(5, 4, 6)}, torch.matmul),
        Case("matmul-vector", "MatMul", {"a": rand(4), "b": rand(2, 4, 3)}, torch.matmul),
        Case(
            "matmul-float64", "MatMul", {"a": rand(3, 4, dtype="float64"), "b": rand(4, dtype="float64")}, torch.matmul
        ),
        Case("flatten", "Flatten", {"x": x4}, lambda x: torch.flatten(x, 1), {}),
        Case("flatten-range", "Flatten", {"x": x4}, lambda x: torch.flatten(x, 1, 2), {"start_dim": 1, "end_dim": 2}),
        Case("reshape", "Reshape", {"x": x4}, lambda x: x.reshape(2, 4, 3, -1), {"shape": [0, 0, 3, -1]}),
        Case("transpose", "Transpose", {"x": x4}, lambda x: x.permute(0, 2, 3, 1), {"perm": [0, 2, 3, 1]}),
        Case(
            "concat",
            "Concat",
            {"a": rand(2, 3), "b": rand(2, 5), "c": rand(2, 1)},
            lambda *xs: torch.cat(xs, 1),
            {"axis": -1},
        ),
        Case(
            "split",
            "Split",
            {"x": rand(7, 3)},
            lambda x: torch.split(x, [2, 0, 5]),
            {"axis": 0, "split": [2, 0, 5]},
            outputs=3,
        ),
        Case(
            "slice",
            "Slice",
            {"x": x4},
            lambda x: x[:, 1:-1, ::3, -5:100],
            {"starts": [1, 0, -5], "ends": [-1, 2**53 - 1, 100], "axes": [1, 2, 3], "steps": [1, 3, 1]},
        ),
        Case("slice-defaults", "Slice", {"x": rand(6, 4)}, lambda x: x[2:4], {"starts": [2], "ends": [4]}),
        Case(
            "gather",
            "Gather",
            {"data": rand(4, 5, 3), "indices": np.array([[0, -1], [4, 2]], np.int64)},
            lambda d, i: d[:, torch.remainder(i, 5)],
            {"axis": 1},
        ),
        Case(
            "gather-scalar",
            "Gather",
            {"data": rand(4, 5), "indices": np.array(0, np.int32)},
            lambda d, i: d[:, 0],
            {"axis": 1},
        ),
        Case("squeeze", "Squeeze", {"x": rand(3, 1, 4, 1)}, lambda x: x.squeeze((1, 3)), {"axes": [-1, 1]}),
        Case("unsqueeze", "Unsqueeze", {"x": rand(3, 4)}, lambda x: x[None, :, None, :], {"axes": [0, 2]}),
        Case(
            "reduce-mean",
            "ReduceMean",
            {"x": x4},
            lambda x: x.mean((1, 3), keepdim=True),
            {"axes": [1, -1], "keepdims": True},
        ),
        Case("reduce-mean-all", "ReduceMean", {"x": rand(3, 4)}, lambda x: x.mean(), {}),
        Case("reduce-sum", "ReduceSum", {"x": x4}, lambda x: x.sum(2), {"axes": [2]}),
        Case(
            "reduce-sum-int",
            "ReduceSum",
            {"x": np.arange(12, dtype=np.int32).reshape(3, 4)},
            lambda x: x.sum(0, dtype=torch.int32),
            {"axes": [0]},
        ),
        Case("cast", "Cast", {"x": np.array([[0, 1, 2]], np.int64)}, lambda x: x.to(torch.float32), {"to": "float32"}),
        Case(
            "cast-bool",
            "Cast",
            {"x": np.array([0.0, -2.5, 3.0], np.float32)},
            lambda x: x.to(torch.bool),
            {"to": "bool"},
        ),
        Case(
            "cast-truncate",
            "Cast",
            {"x": np.array([-2.7, 2.7], np.float64)},
            lambda x: x.to(torch.int32),
            {"to": "int32"},
        ),
        Case(
            "position-ids",
            "PositionIds",
            {"x": np.zeros((2, 7), np.int64)},
            lambda x: torch.arange(3, 10),
            {"axis": 1, "start": 3},
        ),
        Case(
            "scalar",
            "Scalar",
            {},
            lambda: torch.tensor(-3.4028234663852886e38, dtype=torch.float32),
            {"value": -3.4028234663852886e38},
        ),
        Case("scalar-int", "Scalar", {}, lambda: torch.tensor(7, dtype=torch.int64), {"value": 7, "dtype": "int64"}),
        Case("constant", "Constant", {}, lambda value: value, params={"value": rand(2, 3)}),
        Case(
            "linear",
            "Linear",
            {"x": rand(2, 3, 6)},
            F.linear,
            {"in_features": 6, "out_features": 4},
            {"weight": rand(4, 6), "bias": rand(4)},
        ),
        Case(
            "linear-no-bias",
            "Linear",
            {"x": rand(6)},
            F.linear,
            {"in_features": 6, "out_features": 2},
            {"weight": rand(2, 6)},
        ),
        Case(
            "linear-float64",
            "Linear",
            {"x": rand(5, 6, dtype="float64")},
            F.linear,
            {"in_features": 6, "out_features": 3},
            {"weight": rand(3, 6, dtype="float64"), "bias": rand(3, dtype="float64")},
        ),
        Case(
            "embedding",
            "Embedding",
            {"i": np.array([[1, 0, 9], [3, 3, 2]], np.int64)},
            F.embedding,
            {"num_embeddings": 10, "embedding_dim": 4, "padding_idx": 0},
            {"weight": rand(10, 4)},
        ),
        Case(
            "conv1d",
            "Conv1d",
            {"x": rand(2, 4, 17)},
            lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=3, dilation=2, groups=2),
            {
                "in_channels": 4,
                "out_channels": 6,
                "kernel_size": [3],
                "stride": [2],
                "padding": [3],
                "dilation": [2],
                "groups": 2,
            },
            {"weight": rand(6, 2, 3), "bias": rand(6)},
        ),
        Case(
            "conv2d",
            "Conv2d",
            {"x": rand(2, 3, 11, 9)},
            lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2)),
            {"in_channels": 3, "out_channels": 5, "kernel_size": [3, 4], "stride": [2, 1], "padding": [1, 2]},
            {"weight": rand(5, 3, 3, 4), "bias": rand(5)},
        ),
        Case(
            "conv2d-depthwise-dilated",
            "Conv2d",
            {"x": rand(1, 4, 10, 10, dtype="float64")},
            lambda x, w: F.conv2d(x, w, None, dilation=2, groups=4, padding=2),
            {
                "in_channels": 4,
                "out_channels": 8,
                "kernel_size": [3, 3],
                "dilation": [2, 2],
                "groups": 4,
                "padding": [2, 2],
            },
            {"weight": rand(8, 1, 3, 3, dtype="float64")},
        ),
        Case(
            "maxpool",
            "MaxPool2d",
            {"x": x4},
            lambda x: F.max_pool2d(x, 3, 2, 1),
            {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1]},
        ),
        Case(
            "maxpool-ceil-dilated",
            "MaxPool2d",
            {"x": rand(2, 3, 10, 11)},
            lambda x: F.max_pool2d(x, (2, 3), (2, 2), (1, 1), (2, 1), ceil_mode=True),
            {"kernel_size": [2, 3], "stride": [2, 2], "padding": [1, 1], "dilation": [2, 1], "ceil_mode": True},
        ),
        Case("maxpool-default-stride", "MaxPool2d", {"x": x4}, lambda x: F.max_pool2d(x, 2), {"kernel_size": [2, 2]}),
        Case(
            "avgpool",
            "AvgPool2d",
            {"x": x4},
            lambda x: F.avg_pool2d(x, 3, 2, 1),
            {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1]},
        ),
        Case(
            "avgpool-exclude-pad-ceil",
            "AvgPool2d",
            {"x": rand(2, 3, 10, 11)},
            lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
            {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1], "ceil_mode": True, "count_include_pad": False},
        ),
        Case(
            "avgpool-include-pad-ceil",
            "AvgPool2d",
            {"x": rand(1, 2, 7, 6)},
            lambda x: F.avg_pool2d(x, 2, 2, 1, ceil_mode=True),
            {"kernel_size": [2, 2], "padding": [1, 1], "ceil_mode": True},
        ),
        Case("global-average-pool", "GlobalAveragePool", {"x": x4}, lambda x: F.adaptive_avg_pool2d(x, 1)),
        Case(
            "batchnorm1d",
            "BatchNorm1d",
            {"x": rand(5, 3, 4)},
            lambda x, w, b, m, v: F.batch_norm(x, m, v, w, b, False, eps=1e-3),
            {"num_features": 3, "eps": 1e-3},
            {"weight": rand(3), "bias": rand(3), "running_mean": rand(3), "running_var": np.abs(rand(3)) + 0.5},
        ),
        Case(
            "batchnorm1d-no-affine",
            "BatchNorm1d",
            {"x": rand(5, 3)},
            lambda x, m, v: F.batch_norm(x, m, v, training=False),
            {"num_features": 3},
            {"running_mean": rand(3), "running_var": np.abs(rand(3)) + 0.5},
        ),
        Case(
            "batchnorm2d",
            "BatchNorm2d",
            {"x": x4},
            lambda x, w, b, m, v: F.batch_norm(x, m, v, w, b, False),
            {"num_features": 4},
            {"weight": rand(4), "bias": rand(4), "running_mean": rand(4), "running_var": np.abs(rand(4)) + 0.5},
        ),
        Case(
            "layernorm",
            "LayerNorm",
            {"x": rand(2, 3, 4, 5) * 3 + 1},
            lambda x, w, b: F.layer_norm(x, (4, 5), w, b, 1e-6),
            {"normalized_shape": [4, 5], "eps": 1e-6},
            {"weight": rand(4, 5), "bias": rand(4, 5)},
        ),
        Case(
            "layernorm-plain",
            "LayerNorm",
            {"x": rand(2, 6)},
            lambda x: F.layer_norm(x, (6,)),
            {"normalized_shape": [6]},
        ),
    ]
    return cases + _recurrent_cases() + _attention_cases()


def _recurrent_params(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {name: tensor.detach().numpy().copy() for name, tensor in module.named_parameters()}


def _recurrent_cases() -> list[Case]:
    cases = []
    torch.manual_seed(7)
    configs = [
        ("rnn-tanh", torch.nn.RNN(5, 4), {}),
        (
            "rnn-relu-2layer-bidirectional",
            torch.nn.RNN(5, 4, 2, nonlinearity="relu", bidirectional=True),
            {"nonlinearity": "relu"},
        ),
        ("lstm", torch.nn.LSTM(5, 4), {}),
        ("lstm-2layer-bidirectional-batch-first", torch.nn.LSTM(5, 4, 2, batch_first=True, bidirectional=True), {}),
        ("lstm-no-bias", torch.nn.LSTM(5, 3, bias=False), {}),
        ("gru", torch.nn.GRU(5, 4), {}),
        ("gru-2layer-bidirectional", torch.nn.GRU(5, 4, 2, bidirectional=True), {}),
        ("gru-float64-batch-first", torch.nn.GRU(5, 4, batch_first=True).double(), {}),
    ]
    for case_id, module, extra in configs:
        module.eval()
        op = type(module).__name__
        dtype = "float64" if "float64" in case_id else "float32"
        batch_first = module.batch_first
        x = rand(2, 6, 5, dtype=dtype) if batch_first else rand(6, 2, 5, dtype=dtype)
        attributes = {
            "input_size": 5,
            "hidden_size": module.hidden_size,
            "num_layers": module.num_layers,
            "bidirectional": module.bidirectional,
            "batch_first": batch_first,
            **extra,
        }
        params = _recurrent_params(module)
        count = module.num_layers * (2 if module.bidirectional else 1)
        inputs: dict[str, np.ndarray] = {"x": x}
        order: list[str | None] = ["x"]
        if case_id in ("lstm", "gru"):  # with explicit initial states
            inputs["h0"] = rand(count, 2, module.hidden_size)
            order.append("h0")
            if op == "LSTM":
                inputs["c0"] = rand(count, 2, module.hidden_size)
                order.append("c0")

        def reference(
            *tensors: torch.Tensor, module: torch.nn.Module = module, op: str = op, n: int = len(order)
        ) -> object:
            states = tensors[1:n]
            with torch.no_grad():
                if not states:
                    y, h = module(tensors[0])
                elif op == "LSTM":
                    y, h = module(tensors[0], (states[0], states[1]))
                else:
                    y, h = module(tensors[0], states[0])
            return (y, *h) if op == "LSTM" else (y, h)

        outputs = 3 if op == "LSTM" else 2
        cases.append(Case(case_id, op, inputs, reference, attributes, params, outputs, order))
    return cases


def _attention_cases() -> list[Case]:
    cases = []
    torch.manual_seed(3)
    for case_id, batch_first, masks in (
        ("mha", False, ()),
        ("mha-batch-first-padding-mask", True, ("key_padding_mask",)),
        ("mha-both-masks-float", False, ("key_padding_mask", "attn_mask")),
    ):
        module = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first).eval()
        params = {
            "in_proj_weight": module.in_proj_weight.detach().numpy().copy(),
            "in_proj_bias": module.in_proj_bias.detach().numpy().copy(),
            "out_proj_weight": module.out_proj.weight.detach().numpy().copy(),
            "out_proj_bias": module.out_proj.bias.detach().numpy().copy(),
        }
        shape_q, shape_kv = ((2, 3, 8), (2, 5, 8)) if batch_first else ((3, 2, 8), (5, 2, 8))
        inputs: dict[str, np.ndarray] = {"q": rand(*shape_q), "k": rand(*shape_kv), "v": rand(*shape_kv)}
        order: list[str | None] = ["q", "k", "v"]
        if "key_padding_mask" in masks:
            padding = np.zeros((2, 5), bool)
            padding[1, 3:] = True
            inputs["padding"] = (
                padding if case_id.endswith("padding-mask") else np.where(padding, -1e9, 0).astype(np.float32)
            )
            order.append("padding")
        if "attn_mask" in masks:
            inputs["mask"] = rand(3, 5)
            order.append("mask")

        def reference(
            *tensors: torch.Tensor, module: torch.nn.Module = module, masks: tuple[str, ...] = masks
        ) -> object:
            kwargs = dict(zip(masks, tensors[3 : 3 + len(masks)], strict=True))
            with torch.no_grad():
                return module(tensors[0], tensors[1], tensors[2], need_weights=False, **kwargs)[0]

        attributes = {"embed_dim": 8, "num_heads": 2, "batch_first": batch_first}
        cases.append(Case(case_id, "MultiHeadAttention", inputs, reference, attributes, params, 1, order))
    return cases + _version_2_cases() + _decoder_cases() + _decoder_attention_cases()


def _bottom_right(length: int, total: int, window: int | None = None) -> torch.Tensor:
    """Which keys each query sees when the queries are the last positions (SPEC.md §10.18.3 step 4)."""
    positions = torch.arange(total - length, total)[:, None]
    keys = torch.arange(total)[None, :]
    visible = keys <= positions
    return visible & (keys > positions - window) if window is not None else visible


def _gemma_softcap(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Gemma 2's eager attention with logit soft-capping 30 and a causal mask, grouped heads repeated."""
    k, v = k.repeat_interleave(2, dim=1), v.repeat_interleave(2, dim=1)
    logits = q @ k.transpose(-1, -2) * 0.25
    logits = 30.0 * torch.tanh(logits / 30.0)
    logits = logits.masked_fill(~_bottom_right(q.shape[2], k.shape[2]), -torch.inf)
    return torch.softmax(logits, -1) @ v


def _decoder_attention_cases() -> list[Case]:
    """SPEC.md §10.18.3 against torch's scaled_dot_product_attention (and Gemma's eager soft-capping)."""
    sdpa = F.scaled_dot_product_attention
    q, k, v = rand(2, 4, 5, 8), rand(2, 4, 5, 8), rand(2, 4, 5, 6)
    k2, v2 = rand(2, 2, 5, 8), rand(2, 2, 5, 6)
    bool_mask = rand(2, 1, 5, 5) > -0.5
    bool_mask[..., 0] = True  # no query without a key
    additive = rand(2, 4, 1, 5)
    step_q, step_k, step_v = rand(2, 4, 2, 8), rand(2, 2, 2, 8), rand(2, 2, 2, 6)
    past_k, past_v = rand(2, 2, 3, 8), rand(2, 2, 3, 6)

    def cached(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, pk: torch.Tensor, pv: torch.Tensor) -> object:
        keys, values = torch.cat([pk, k], 2), torch.cat([pv, v], 2)
        mask = _bottom_right(q.shape[2], keys.shape[2], window=3)
        return sdpa(q, keys, values, attn_mask=mask, enable_gqa=True), keys, values

    cache_order = ["q", "k", "v", None, "pk", "pv"]
    cache_inputs = {"q": step_q, "k": step_k, "v": step_v, "pk": past_k, "pv": past_v}
    return [
        Case("attention", "Attention", {"q": q, "k": k, "v": v}, sdpa),
        Case("attention-gqa", "Attention", {"q": q, "k": k2, "v": v2}, lambda *t: sdpa(*t, enable_gqa=True)),
        Case(
            "attention-mqa-causal",
            "Attention",
            {"q": q, "k": k2[:, :1].copy(), "v": v2[:, :1].copy()},
            lambda *t: sdpa(*t, is_causal=True, enable_gqa=True),
            {"causal": True},
        ),
        Case(
            "attention-bool-mask",
            "Attention",
            {"q": q, "k": k, "v": v, "m": bool_mask},
            lambda q, k, v, m: sdpa(q, k, v, attn_mask=m),
        ),
        Case(
            "attention-additive-scale",
            "Attention",
            {"q": q, "k": k, "v": v, "m": additive},
            lambda q, k, v, m: sdpa(q, k, v, attn_mask=m, scale=0.3),
            {"scale": 0.3},
        ),
        Case(
            "attention-cache-window",
            "Attention",
            cache_inputs,
            cached,
            {"causal": True, "window": 3},
            outputs=3,
            input_order=cache_order,
        ),
        Case(
            "attention-softcap",
            "Attention",
            {"q": q, "k": k2, "v": v2},
            _gemma_softcap,
            {"causal": True, "softcap": 30.0, "scale": 0.25},
        ),
    ]


def _llama_rms_norm(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """transformers' LlamaRMSNorm.forward, as Llama code writes it."""
    h = x.to(torch.float32)
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + 1e-6)
    return weight * h.to(x.dtype)


def _llama_rotary(parameters: dict[str, object], head_dim: int) -> Callable[..., object]:
    """transformers' LlamaRotaryEmbedding and apply_rotary_pos_emb (half rotation) with its own rope
    parameters, on the first `rotary` features (Llama with a partial rotary factor)."""
    from transformers import LlamaConfig  # noqa: PLC0415 - transformers only where it is the reference
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb  # noqa: PLC0415 - transformers only where it is the reference

    rotary = int(parameters.pop("rotary", head_dim))  # type: ignore[call-overload]
    # Llama's rotary embedding covers its whole head: a head of `rotary` features gives the frequencies
    # of a partial rotation (GPT-NeoX's rotary_pct).
    config = LlamaConfig(
        hidden_size=rotary * 2,
        num_attention_heads=2,
        head_dim=rotary,
        max_position_embeddings=16384,
        rope_parameters=parameters,
    )
    embedding = LlamaRotaryEmbedding(config)

    def reference(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        cos, sin = embedding(x, positions)
        turned, _ = apply_rotary_pos_emb(x[..., :rotary], x[..., :rotary], cos, sin)
        return torch.cat([turned, x[..., rotary:]], dim=-1)

    return reference


def _gptj_rotary(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """GPT-J's interleaved rotation of the first 4 features, written out."""
    inverse = 1.0 / (10000 ** (torch.arange(0, 4, 2, dtype=torch.int64).float() / 4))
    angles = positions.float()[:, :, None] * inverse
    cos, sin = torch.cos(angles)[:, None], torch.sin(angles)[:, None]
    even, odd = x[..., 0:4:2], x[..., 1:4:2]
    turned = torch.stack((even * cos - odd * sin, odd * cos + even * sin), dim=-1).flatten(-2)
    return torch.cat([turned, x[..., 4:]], dim=-1)


def _decoder_cases() -> list[Case]:
    """SPEC.md §10.18 against transformers' Llama code (RMSNorm, rotary embedding and its rope
    parameters) and GPT-J's interleaved rotation."""
    x = rand(2, 3, 5, 8)
    positions = np.array([[0, 1, 2, 3, 4], [7, 3, 11, 0, 15]], np.int64)
    llama3 = {
        "rope_type": "llama3",
        "rope_theta": 500000.0,
        "factor": 8.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192,
    }
    llama3_attributes = {"base": 500000.0, "scaling": "llama3", "factor": 8.0}
    weight = rand(8) + 1
    return [
        Case("rms-norm", "RMSNorm", {"x": x}, _llama_rms_norm, {"normalized_shape": [8]}, {"weight": weight}),
        Case(
            "rms-norm-unit-offset",
            "RMSNorm",
            {"x": x},
            lambda t, w: _llama_rms_norm(t, 1 + w),
            {"normalized_shape": [8], "unit_offset": True},
            {"weight": weight},
        ),
        Case(
            "rotary",
            "RotaryEmbedding",
            {"x": x, "p": positions},
            _llama_rotary({"rope_type": "default", "rope_theta": 10000.0}, 8),
        ),
        Case(
            "rotary-linear",
            "RotaryEmbedding",
            {"x": x, "p": positions},
            _llama_rotary({"rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0}, 8),
            {"scaling": "linear", "factor": 4.0},
        ),
        Case(
            "rotary-llama3",
            "RotaryEmbedding",
            {"x": rand(2, 3, 5, 128), "p": positions * 4},
            _llama_rotary(dict(llama3), 128),
            llama3_attributes,
        ),
        Case(
            "rotary-yarn",
            "RotaryEmbedding",
            {"x": rand(2, 3, 5, 64), "p": positions * 9},
            _llama_rotary(
                {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 2048},
                64,
            ),
            {"scaling": "yarn", "factor": 4.0, "original_max_position_embeddings": 2048},
        ),
        Case(
            "rotary-partial",
            "RotaryEmbedding",
            {"x": x, "p": positions.astype(np.int32)},
            _llama_rotary({"rope_type": "default", "rope_theta": 10000.0, "rotary": 4}, 8),
            {"rotary_dim": 4},
        ),
        Case(
            "rotary-interleaved",
            "RotaryEmbedding",
            {"x": x, "p": positions},
            _gptj_rotary,
            {"rotary_dim": 4, "interleaved": True},
        ),
    ]


def _version_2_cases() -> list[Case]:
    """The ops of modelfmt.core version 2 (SPEC.md §10.14-10.15)."""
    positive = np.abs(rand(4, 5)) + 0.1
    ints = RNG.integers(-50, 50, (3, 4)).astype(np.int64)
    a, b = rand(3, 1, 5), rand(4, 1)
    flags, other = rand(3, 4) > 0, rand(4) > 0
    return [
        Case("neg", "Neg", {"x": rand(3, 4)}, torch.neg),
        Case("neg-int64", "Neg", {"x": ints}, torch.neg),
        Case("abs", "Abs", {"x": rand(3, 4)}, torch.abs),
        Case("abs-int32", "Abs", {"x": ints.astype(np.int32)}, torch.abs),
        Case("sqrt", "Sqrt", {"x": positive}, torch.sqrt),
        Case("rsqrt", "Rsqrt", {"x": positive}, torch.rsqrt),
        Case("exp", "Exp", {"x": rand(4, 5) * 3}, torch.exp),
        Case("log", "Log", {"x": positive}, torch.log),
        Case("log-float64", "Log", {"x": positive.astype(np.float64)}, torch.log),
        Case("sin", "Sin", {"x": rand(4, 5) * 4}, torch.sin),
        Case("cos", "Cos", {"x": rand(4, 5) * 4}, torch.cos),
        Case("erf", "Erf", {"x": rand(4, 5) * 2}, torch.erf),
        Case("erf-float64", "Erf", {"x": rand(4, 5, dtype="float64") * 2}, torch.erf),
        Case("pow", "Pow", {"a": positive, "b": rand(5)}, torch.pow),
        Case("min", "Min", {"a": a, "b": b}, torch.minimum),
        Case("max", "Max", {"a": a, "b": b}, torch.maximum),
        Case("max-int64", "Max", {"a": ints, "b": ints.T[:1].T.copy()}, torch.maximum),
        Case("clip", "Clip", {"x": rand(4, 5) * 3}, lambda x: torch.clamp(x, -1.5, 2.0), {"min": -1.5, "max": 2.0}),
        Case("clip-relu6", "Clip", {"x": rand(4, 5) * 8}, F.relu6, {"min": 0, "max": 6}),
        Case("equal", "Equal", {"a": ints, "b": ints[:, :1].copy()}, torch.eq),
        Case("less", "Less", {"a": a, "b": b}, torch.lt),
        Case("less-or-equal", "LessOrEqual", {"a": ints, "b": np.array(0, np.int64)}, torch.le),
        Case("greater", "Greater", {"a": a, "b": b}, torch.gt),
        Case("greater-or-equal", "GreaterOrEqual", {"a": a, "b": a[:1].copy()}, torch.ge),
        Case("and", "And", {"a": flags, "b": other}, torch.logical_and),
        Case("or", "Or", {"a": flags, "b": other}, torch.logical_or),
        Case("xor", "Xor", {"a": flags, "b": other}, torch.logical_xor),
        Case("not", "Not", {"x": flags}, torch.logical_not),
        Case("where", "Where", {"c": flags, "x": rand(3, 4), "y": rand(4)}, torch.where),
        Case("where-int64", "Where", {"c": other, "x": ints, "y": np.array(-1, np.int64)}, torch.where),
        *_version_2_tensor_cases(ints),
    ]


def _version_2_tensor_cases(ints: np.ndarray) -> list[Case]:
    """SPEC.md §10.16-10.17 against torch's own functions."""
    x = rand(3, 4, 5)
    ties = np.array([[1, 3, 3, 0], [2, 2, 1, 2], [0, 0, 0, 0]], np.float32)

    def exclusive_reverse(t: torch.Tensor) -> torch.Tensor:
        sums = torch.flip(torch.cumsum(torch.flip(t, (1,)), 1), (1,))
        return sums - t

    return [
        Case("reduce-max", "ReduceMax", {"x": x}, lambda t: torch.amax(t, (0, 2)), {"axes": [0, -1]}),
        Case("reduce-max-all", "ReduceMax", {"x": ints}, torch.max),
        Case(
            "reduce-min-kept",
            "ReduceMin",
            {"x": x},
            lambda t: torch.amin(t, 1, keepdim=True),
            {"axes": [1], "keepdims": True},
        ),
        Case("argmax", "ArgMax", {"x": x}, lambda t: torch.argmax(t, 1), {"axis": 1}),
        Case(
            "argmax-ties",
            "ArgMax",
            {"x": ties},
            lambda t: torch.argmax(t, 1, keepdim=True),
            {"axis": -1, "keepdims": True},
        ),
        Case("cumsum", "CumSum", {"x": x}, lambda t: torch.cumsum(t, 2), {"axis": 2}),
        Case("cumsum-int64", "CumSum", {"x": ints}, lambda t: torch.cumsum(t, 0), {"axis": 0}),
        Case(
            "cumsum-exclusive-reverse",
            "CumSum",
            {"x": ints},
            exclusive_reverse,
            {"axis": 1, "exclusive": True, "reverse": True},
        ),
        Case("expand", "Expand", {"x": rand(3, 1)}, lambda t: t.expand(2, 3, 4), {"shape": [2, 3, 4]}),
        Case("tile", "Tile", {"x": x}, lambda t: t.repeat(2, 1, 3), {"repeats": [2, 1, 3]}),
        Case(
            "pad-constant",
            "Pad",
            {"x": x},
            lambda t: F.pad(t, (1, 2, 0, 0, 3, 1), value=0.5),
            {"pads": [3, 0, 1, 1, 0, 2], "value": 0.5},
        ),
        Case(
            "pad-reflect",
            "Pad",
            {"x": x},
            lambda t: F.pad(t, (2, 3), mode="reflect"),
            {"pads": [0, 0, 2, 0, 0, 3], "mode": "reflect"},
        ),
        Case(
            "pad-replicate",
            "Pad",
            {"x": x},
            lambda t: F.pad(t, (0, 2, 1, 0), mode="replicate"),
            {"pads": [0, 1, 0, 0, 0, 2], "mode": "replicate"},
        ),
        Case("range", "Range", {}, lambda: torch.arange(-3, 17, 4), {"start": -3, "limit": 17, "delta": 4}),
        Case(
            "range-float64",
            "Range",
            {},
            lambda: torch.arange(0.5, -1, -0.125, dtype=torch.float64),
            {"start": 0.5, "limit": -1, "delta": -0.125, "dtype": "float64"},
        ),
    ]


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_op_matches_torch(case: Case, tmp_path: Path) -> None:
    order = list(case.input_order) if case.input_order is not None else list(case.inputs)
    declared = [declare(name, array) for name, array in case.inputs.items()]
    tensors = {f"p.{slot}": array for slot, array in case.params.items()}
    outputs = [f"y{index}" for index in range(case.outputs)]
    parameters = {slot: f"p.{slot}" for slot in case.params}
    the_node = node("n", case.op, order, outputs, attributes=dict(case.attributes), parameters=parameters or None)
    architecture = with_inferred_outputs(declared, [the_node], outputs, tensors)
    path = write(tmp_path / "op.mft", architecture, tensors)

    expected = case.reference(*(t(a) for a in case.inputs.values()), *(t(a) for a in case.params.values()))
    expected_list = [e.numpy() for e in (expected if isinstance(expected, tuple | list) else [expected])]
    got = modelfmt.run(path, dict(case.inputs))
    built = mft.build(path)
    with torch.no_grad():
        from_torch = built(**{name: t(array) for name, array in case.inputs.items()})
    from_torch_list = list(from_torch) if isinstance(from_torch, tuple) else [from_torch]

    declared_outputs = {decl["name"]: decl for decl in architecture["outputs"]}  # type: ignore[union-attr]
    for name, reference, built_value in zip(outputs, expected_list, from_torch_list, strict=True):
        actual = got[name]
        assert str(actual.dtype) == declared_outputs[name]["dtype"]
        assert list(actual.shape) == declared_outputs[name]["shape"] == list(reference.shape)
        tolerance = 1e-10 if actual.dtype == np.float64 else 1e-5
        if actual.dtype.kind in "biu":
            np.testing.assert_array_equal(actual, reference)
            np.testing.assert_array_equal(built_value.detach().numpy(), reference)
        else:
            assert relative_error(actual, reference) <= tolerance, case.id
            assert relative_error(built_value.detach().numpy(), reference) <= tolerance, case.id


def test_every_core_op_has_a_kernel_and_a_case() -> None:
    assert set(KERNELS) == set(CORE_OPS) == set(TORCH_KERNELS)
    assert {case.op for case in CASES} == set(CORE_OPS)


@pytest.mark.parametrize("scaling", ["default", "linear", "llama3", "yarn"])
def test_rotary_frequencies_are_transformers_rope_parameters(scaling: str) -> None:
    """SPEC.md §10.18.2's inv_freq against transformers' own rope functions, to one float32 rounding
    (numpy's and torch's float32 powers may differ in the last bit)."""
    from modelfmt.runtime._kernels_decoder import attention_factor as rope_attention_factor  # noqa: PLC0415
    from modelfmt.runtime._kernels_decoder import inverse_frequencies  # noqa: PLC0415 - transformers only where it is the reference
    from transformers import LlamaConfig  # noqa: PLC0415 - transformers only where it is the reference
    from transformers import modeling_rope_utils as rope  # noqa: PLC0415 - transformers only where it is the reference

    parameters: dict[str, object] = {"rope_type": scaling, "rope_theta": 500000.0, "factor": 8.0}
    if scaling == "llama3":
        parameters.update(low_freq_factor=1.0, high_freq_factor=4.0, original_max_position_embeddings=8192)
    if scaling == "yarn":
        parameters.update(original_max_position_embeddings=8192)
    config = LlamaConfig(
        hidden_size=256, num_attention_heads=2, max_position_embeddings=16384, rope_parameters=parameters
    )
    compute = {
        "default": lambda: mft_rope_default(config),
        "linear": lambda: rope._compute_linear_scaling_rope_parameters(config, "cpu"),
        "llama3": lambda: rope._compute_llama3_parameters(config, "cpu"),
        "yarn": lambda: rope._compute_yarn_parameters(config, "cpu"),
    }[scaling]
    expected, attention_factor = compute()
    attributes = {
        "base": 500000.0,
        "scaling": "none" if scaling == "default" else scaling,
        "factor": 8.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192,
        "beta_fast": 32.0,
        "beta_slow": 1.0,
        "truncate": True,
        "attention_factor": None,
    }
    got = inverse_frequencies(attributes, 128)
    assert attention_factor == pytest.approx(rope_attention_factor(attributes), rel=1e-15)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected.numpy(), rtol=2**-22, atol=0)  # one float32 ulp


def mft_rope_default(config: object) -> tuple[torch.Tensor, float]:
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding  # noqa: PLC0415 - transformers only where it is the reference

    result: tuple[torch.Tensor, float] = LlamaRotaryEmbedding.compute_default_rope_parameters(config)
    return result
