"""One valid vector per op of modelfmt.core v1 (SPEC.md §10): a one-node graph, its bindings to tiny
tensors, and declared outputs whose types were worked out by hand from §10 (a reader must infer the same)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .build import Tensor, f32, file_bytes, i64, model
from .graph import pattern
from .model import Vector, valid

Decl = tuple[str, str, list[Any]]


def _decl(items: Sequence[Decl]) -> list[dict[str, object]]:
    return [{"name": name, "dtype": dtype, "shape": list(shape)} for name, dtype, shape in items]


def op_file(
    op: str,
    inputs: Sequence[Decl],
    outputs: Sequence[Decl],
    *,
    node_inputs: Sequence[str | None] | None = None,
    node_outputs: Sequence[str | None] | None = None,
    attributes: Mapping[str, object] | None = None,
    parameters: Mapping[str, Tensor] | None = None,
    opset: int = 1,
) -> bytes:
    """A one-node graph; `opset` is the modelfmt.core version it declares (2 for the ops of version 2)."""
    node: dict[str, object] = {
        "name": op.lower(),
        "op": op,
        "inputs": list(node_inputs) if node_inputs is not None else [name for name, _, _ in inputs],
        "outputs": list(node_outputs) if node_outputs is not None else [name for name, _, _ in outputs],
    }
    if attributes:
        node["attributes"] = dict(attributes)
    tensors: dict[str, Tensor] = {}
    if parameters:
        node["parameters"] = {slot: tensor.name for slot, tensor in parameters.items()}
        for tensor in parameters.values():
            tensors.setdefault(tensor.name, tensor)
    arch = {"opset": {"modelfmt.core": opset}, "inputs": _decl(inputs), "outputs": _decl(outputs), "nodes": [node]}
    return file_bytes(model(list(tensors.values()), {}, architecture=arch))


def w32(name: str, shape: list[int], role: str = "parameter") -> Tensor:
    count = 1
    for dim in shape:
        count *= dim
    return Tensor(name, "float32", shape, f32(*pattern(count)), role)


F = "float32"


def _cases() -> list[tuple[str, str, bytes, dict[str, object] | None]]:
    """(op, what the vector shows, file, runtime expectation)."""
    embedding_runtime: dict[str, object] = {
        "inputs": {"ids": {"dtype": "int64", "shape": [2], "hex": i64(1, 10).hex()}},
        "error": "RUN_INDEX",
    }
    return [
        (
            "Identity",
            "a float8 value passes through (storage dtypes only reach Identity and Constant)",
            op_file("Identity", [("x", "float8_e4m3fn", [4])], [("y", "float8_e4m3fn", [4])]),
            None,
        ),
        (
            "Constant",
            "a bound int64 tensor as a value; a graph without inputs",
            op_file(
                "Constant",
                [],
                [("y", "int64", [2, 2])],
                parameters={"value": Tensor("c", "int64", [2, 2], i64(1, 2, 3, 4), "other")},
            ),
            None,
        ),
        (
            "Scalar",
            "a float64 scalar",
            op_file("Scalar", [], [("y", "float64", [])], attributes={"value": 0.125, "dtype": "float64"}),
            None,
        ),
        (
            "Cast",
            "int32 to float32",
            op_file("Cast", [("x", "int32", [3])], [("y", F, [3])], attributes={"to": "float32"}),
            None,
        ),
        (
            "PositionIds",
            "positions of axis 1 from 2",
            op_file(
                "PositionIds",
                [("ids", "int64", ["batch", "seq"])],
                [("y", "int64", ["seq"])],
                attributes={"axis": 1, "start": 2},
            ),
            None,
        ),
        ("ReLU", "a symbolic batch", op_file("ReLU", [("x", F, ["n", 4])], [("y", F, ["n", 4])]), None),
        (
            "LeakyReLU",
            "negative_slope 0.2",
            op_file("LeakyReLU", [("x", F, [3])], [("y", F, [3])], attributes={"negative_slope": 0.2}),
            None,
        ),
        ("SiLU", "float64", op_file("SiLU", [("x", "float64", [3])], [("y", "float64", [3])]), None),
        (
            "Tanh",
            "bfloat16 (validation only: no runtime needs to compute in it)",
            op_file("Tanh", [("x", "bfloat16", [2])], [("y", "bfloat16", [2])]),
            None,
        ),
        ("Sigmoid", "float16", op_file("Sigmoid", [("x", "float16", [2, 2])], [("y", "float16", [2, 2])]), None),
        (
            "GELU",
            "the tanh approximation",
            op_file("GELU", [("x", F, [4])], [("y", F, [4])], attributes={"approximate": "tanh"}),
            None,
        ),
        (
            "Softmax",
            "the last axis",
            op_file("Softmax", [("x", F, [2, 5])], [("y", F, [2, 5])], attributes={"axis": -1}),
            None,
        ),
        (
            "LogSoftmax",
            "axis 0",
            op_file("LogSoftmax", [("x", F, [2, 5])], [("y", F, [2, 5])], attributes={"axis": 0}),
            None,
        ),
        (
            "Dropout",
            "p given as the integer-form 0 (a float attribute accepts it)",
            op_file("Dropout", [("x", F, [3])], [("y", F, [3])], attributes={"p": 0}),
            None,
        ),
        (
            "Add",
            "broadcasting [3,1,5] and [4,1]",
            op_file("Add", [("a", F, [3, 1, 5]), ("b", F, [4, 1])], [("y", F, [3, 4, 5])]),
            None,
        ),
        (
            "Sub",
            "int64 and a rank-0 int64",
            op_file("Sub", [("a", "int64", [2]), ("b", "int64", [])], [("y", "int64", [2])]),
            None,
        ),
        ("Mul", "broadcasting a row", op_file("Mul", [("a", F, [2, 3]), ("b", F, [3])], [("y", F, [2, 3])]), None),
        (
            "Div",
            "float64, a size-1 axis stretches",
            op_file("Div", [("a", "float64", [2, 2]), ("b", "float64", [1])], [("y", "float64", [2, 2])]),
            None,
        ),
        (
            "MatMul",
            "batched, with broadcast batch axes",
            op_file("MatMul", [("a", F, [2, 1, 3, 4]), ("b", F, [5, 4, 6])], [("y", F, [2, 5, 3, 6])]),
            None,
        ),
        (
            "Flatten",
            "axes 1..2",
            op_file(
                "Flatten", [("x", F, [2, 3, 4, 5])], [("y", F, [2, 12, 5])], attributes={"start_dim": 1, "end_dim": 2}
            ),
            None,
        ),
        (
            "Reshape",
            "0 copies, -1 infers, a symbol is kept",
            op_file("Reshape", [("x", F, ["b", 6])], [("y", F, ["b", 2, 3])], attributes={"shape": [0, 2, -1]}),
            None,
        ),
        (
            "Transpose",
            "perm [2, 0, 1]",
            op_file("Transpose", [("x", F, [2, 3, 4])], [("y", F, [4, 2, 3])], attributes={"perm": [2, 0, 1]}),
            None,
        ),
        (
            "Concat",
            "along the last axis",
            op_file("Concat", [("a", F, [2, 3]), ("b", F, [2, 5])], [("y", F, [2, 8])], attributes={"axis": -1}),
            None,
        ),
        (
            "Split",
            "sizes 2, 0, 5",
            op_file(
                "Split",
                [("x", F, [7, 3])],
                [("p", F, [2, 3]), ("q", F, [0, 3]), ("r", F, [5, 3])],
                attributes={"axis": 0, "split": [2, 0, 5]},
            ),
            None,
        ),
        (
            "Slice",
            "steps, negative starts, ends past the size",
            op_file(
                "Slice",
                [("x", F, [6, 4])],
                [("y", F, [3, 3])],
                attributes={"starts": [1, -3], "ends": [100, 4], "axes": [0, 1], "steps": [2, 1]},
            ),
            None,
        ),
        (
            "Gather",
            "int64 indices along axis 1",
            op_file(
                "Gather", [("data", F, [4, 5]), ("indices", "int64", [2])], [("y", F, [4, 2])], attributes={"axis": 1}
            ),
            None,
        ),
        (
            "Squeeze",
            "negative and positive axes",
            op_file("Squeeze", [("x", F, [3, 1, 4, 1])], [("y", F, [3, 4])], attributes={"axes": [-1, 1]}),
            None,
        ),
        (
            "Unsqueeze",
            "two new axes",
            op_file("Unsqueeze", [("x", F, [3, 4])], [("y", F, [1, 3, 1, 4])], attributes={"axes": [0, 2]}),
            None,
        ),
        (
            "ReduceMean",
            "keepdims",
            op_file(
                "ReduceMean", [("x", F, [2, 3, 4])], [("y", F, [2, 1, 4])], attributes={"axes": [1], "keepdims": True}
            ),
            None,
        ),
        (
            "ReduceSum",
            "int32 over all axes",
            op_file("ReduceSum", [("x", "int32", [2, 3])], [("y", "int32", [])]),
            None,
        ),
        (
            "Linear",
            "weight and bias",
            op_file(
                "Linear",
                [("x", F, ["n", 4])],
                [("y", F, ["n", 3])],
                attributes={"in_features": 4, "out_features": 3},
                parameters={"weight": w32("fc.weight", [3, 4]), "bias": w32("fc.bias", [3])},
            ),
            None,
        ),
        (
            "Embedding",
            "padding_idx -1; an index of 10 is out of range at run time",
            op_file(
                "Embedding",
                [("ids", "int64", ["n"])],
                [("y", F, ["n", 3])],
                attributes={"num_embeddings": 10, "embedding_dim": 3, "padding_idx": -1},
                parameters={"weight": w32("emb.weight", [10, 3])},
            ),
            embedding_runtime,
        ),
        (
            "Conv1d",
            "two groups, padding 1",
            op_file(
                "Conv1d",
                [("x", F, [1, 2, 5])],
                [("y", F, [1, 4, 5])],
                attributes={"in_channels": 2, "out_channels": 4, "kernel_size": [3], "padding": [1], "groups": 2},
                parameters={"weight": w32("conv.weight", [4, 1, 3]), "bias": w32("conv.bias", [4])},
            ),
            None,
        ),
        (
            "Conv2d",
            "stride 2",
            op_file(
                "Conv2d",
                [("x", F, [1, 1, 4, 4])],
                [("y", F, [1, 2, 2, 2])],
                attributes={"in_channels": 1, "out_channels": 2, "kernel_size": [2, 2], "stride": [2, 2]},
                parameters={"weight": w32("conv.weight", [2, 1, 2, 2])},
            ),
            None,
        ),
        (
            "MaxPool2d",
            "ceil_mode, stride defaulting to the kernel",
            op_file(
                "MaxPool2d",
                [("x", F, [1, 1, 5, 5])],
                [("y", F, [1, 1, 3, 3])],
                attributes={"kernel_size": [2, 2], "ceil_mode": True},
            ),
            None,
        ),
        (
            "AvgPool2d",
            "padding without counting it",
            op_file(
                "AvgPool2d",
                [("x", F, [1, 2, 4, 4])],
                [("y", F, [1, 2, 4, 4])],
                attributes={"kernel_size": [3, 3], "stride": [1, 1], "padding": [1, 1], "count_include_pad": False},
            ),
            None,
        ),
        (
            "GlobalAveragePool",
            "rank 4",
            op_file("GlobalAveragePool", [("x", F, [2, 3, 4, 5])], [("y", F, [2, 3, 1, 1])]),
            None,
        ),
        (
            "BatchNorm1d",
            "all four slots",
            op_file(
                "BatchNorm1d",
                [("x", F, ["n", 3])],
                [("y", F, ["n", 3])],
                attributes={"num_features": 3, "eps": 0.001},
                parameters={
                    "weight": w32("bn.weight", [3]),
                    "bias": w32("bn.bias", [3]),
                    "running_mean": w32("bn.running_mean", [3], "buffer"),
                    "running_var": Tensor("bn.running_var", F, [3], f32(1, 2, 4), "buffer"),
                },
            ),
            None,
        ),
        (
            "BatchNorm2d",
            "running statistics only (weight and bias unbound together)",
            op_file(
                "BatchNorm2d",
                [("x", F, [1, 2, 3, 3])],
                [("y", F, [1, 2, 3, 3])],
                attributes={"num_features": 2},
                parameters={
                    "running_mean": w32("bn.running_mean", [2], "buffer"),
                    "running_var": Tensor("bn.running_var", F, [2], f32(1, 1), "buffer"),
                },
            ),
            None,
        ),
        (
            "LayerNorm",
            "two normalised axes, weight only",
            op_file(
                "LayerNorm",
                [("x", F, [2, 3, 4])],
                [("y", F, [2, 3, 4])],
                attributes={"normalized_shape": [3, 4]},
                parameters={"weight": w32("ln.weight", [3, 4])},
            ),
            None,
        ),
        (
            "RNN",
            "bidirectional, ReLU, all four biases bound together",
            op_file(
                "RNN",
                [("x", F, [5, 2, 3])],
                [("y", F, [5, 2, 8]), ("h_n", F, [2, 2, 4])],
                attributes={"input_size": 3, "hidden_size": 4, "bidirectional": True, "nonlinearity": "relu"},
                parameters={
                    "weight_ih_l0": w32("rnn.w_ih", [4, 3]),
                    "weight_hh_l0": w32("rnn.w_hh", [4, 4]),
                    "weight_ih_l0_reverse": w32("rnn.w_ih_r", [4, 3]),
                    "weight_hh_l0_reverse": w32("rnn.w_hh_r", [4, 4]),
                    "bias_ih_l0": w32("rnn.b_ih", [4]),
                    "bias_hh_l0": w32("rnn.b_hh", [4]),
                    "bias_ih_l0_reverse": w32("rnn.b_ih_r", [4]),
                    "bias_hh_l0_reverse": w32("rnn.b_hh_r", [4]),
                },
            ),
            None,
        ),
        (
            "LSTM",
            "two layers, batch_first, initial states, all three outputs",
            op_file(
                "LSTM",
                [("x", F, [1, 3, 2]), ("h0", F, [2, 1, 2]), ("c0", F, [2, 1, 2])],
                [("y", F, [1, 3, 2]), ("h_n", F, [2, 1, 2]), ("c_n", F, [2, 1, 2])],
                attributes={"input_size": 2, "hidden_size": 2, "num_layers": 2, "batch_first": True},
                parameters={
                    "weight_ih_l0": w32("lstm.w_ih0", [8, 2]),
                    "weight_hh_l0": w32("lstm.w_hh0", [8, 2]),
                    "weight_ih_l1": w32("lstm.w_ih1", [8, 2]),
                    "weight_hh_l1": w32("lstm.w_hh1", [8, 2]),
                },
            ),
            None,
        ),
        (
            "GRU",
            "the final state omitted from the outputs",
            op_file(
                "GRU",
                [("x", F, [3, 1, 2])],
                [("y", F, [3, 1, 2])],
                attributes={"input_size": 2, "hidden_size": 2},
                parameters={
                    "weight_ih_l0": w32("gru.w_ih", [6, 2]),
                    "weight_hh_l0": w32("gru.w_hh", [6, 2]),
                    "bias_ih_l0": w32("gru.b_ih", [6]),
                    "bias_hh_l0": w32("gru.b_hh", [6]),
                },
            ),
            None,
        ),
        (
            "MultiHeadAttention",
            "two heads, a bool key padding mask, attn_mask omitted",
            op_file(
                "MultiHeadAttention",
                [("q", F, [2, 1, 4]), ("k", F, [3, 1, 4]), ("v", F, [3, 1, 4]), ("pad", "bool", [1, 3])],
                [("y", F, [2, 1, 4])],
                attributes={"embed_dim": 4, "num_heads": 2},
                parameters={
                    "in_proj_weight": w32("mha.in_w", [12, 4]),
                    "in_proj_bias": w32("mha.in_b", [12]),
                    "out_proj_weight": w32("mha.out_w", [4, 4]),
                    "out_proj_bias": w32("mha.out_b", [4]),
                },
            ),
            None,
        ),
    ]


def vectors() -> list[Vector]:
    result = []
    for op, what, content, runtime in _cases():
        tags = (f"op:{op}",) + (("runtime:RUN_INDEX",) if runtime else ())
        result.append(
            valid(f"valid.op.{op.lower()}", content, f"{op}: {what}", ("9", "10"), tags=tags, runtime=runtime)
        )
    return result
