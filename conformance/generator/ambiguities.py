"""Vectors that pin the answers SPEC.md gives where a third implementation, written from the text alone,
could have disagreed with the reference (found by differential fuzzing). One vector per pattern; each is
tagged `spec-answer:NAME`."""

from __future__ import annotations

from typing import Any

from .build import Tensor, f32
from .graph import graph_file, node
from .model import Vector, invalid, valid, write
from .training import adam, training_file

F = "float32"


def _tag(name: str) -> tuple[str, ...]:
    return (f"spec-answer:{name}",)


def _w(name: str, shape: list[int]) -> Tensor:
    count = 1
    for dim in shape:
        count *= dim
    return Tensor(name, F, shape, f32(*([0.25] * count)))


def _graph(
    inputs: list[tuple[str, str, list[Any]]],
    outputs: list[tuple[str, str, list[Any]]],
    nodes: list[dict[str, Any]],
    tensors: list[Tensor] | None = None,
    *,
    extension: bool = False,
) -> bytes:
    opset: dict[str, object] = {"modelfmt.core": 1}
    if extension:
        opset["com.example"] = 1
    arch = {
        "opset": opset,
        "inputs": [{"name": n, "dtype": d, "shape": s} for n, d, s in inputs],
        "outputs": [{"name": n, "dtype": d, "shape": s} for n, d, s in outputs],
        "nodes": nodes,
    }
    return graph_file(arch, tensors if tensors is not None else [])


def _lstm() -> list[Vector]:
    tensors = [_w("lstm.w", [12, 4]), _w("lstm.u", [12, 3])]
    params = {"weight_ih_l0": "lstm.w", "weight_hh_l0": "lstm.u"}
    attrs = {"input_size": 4, "hidden_size": 3}

    def lstm(x: str) -> dict[str, Any]:
        return node("lstm", "LSTM", [x, "h0", None], ["y"], attributes=attrs, parameters=params)

    inputs = [("x", F, [2, 1, 4]), ("h0", F, [1, 1, 3])]
    return [
        valid(
            "valid.graph.lstm-h0-without-c0-after-extension-op",
            _graph(
                inputs,
                [("y", F, [2, 1, 3])],
                [node("pre", "com.example.Identity", ["x"], ["xe"]), lstm("xe")],
                tensors,
                extension=True,
            ),
            "the H0/C0 rule is a type rule (step 10 of §9.10), not an arity rule (step 6): X comes from an "
            "extension node, so LSTM's type rules, this one included, are not applied at validation",
            ("9.10", "10.10.2"),
            tags=_tag("lstm-h0-c0"),
        ),
    ]


def _rank_zero() -> list[Vector]:
    scalar = [("x", F, [])]
    cases = {
        "split-rank-0": (node("s", "Split", ["x"], ["y"], attributes={"axis": 0, "split": [1]}), "10.5.5"),
        "slice-rank-0": (node("s", "Slice", ["x"], ["y"], attributes={"starts": [0], "ends": [1]}), "10.5.6"),
        "logsoftmax-rank-0": (node("s", "LogSoftmax", ["x"], ["y"], attributes={"axis": 0}), "10.3.8"),
    }
    return [
        invalid(
            f"invalid.graph.{name}",
            _graph(scalar, [("y", F, [])], [op]),
            "GRAPH_SHAPE",
            "the input has rank >= 1: a stated input rank is GRAPH_SHAPE, checked before the axis rules",
            ("9.10", "10.1", section),
            tags=_tag("rank-0-input"),
        )
        for name, (op, section) in cases.items()
    ]


def _attribute_or_input() -> list[Vector]:
    flatten = node("f", "Flatten", ["xe"], ["y"], attributes={"start_dim": 2, "end_dim": 1})
    embedding = node(
        "e",
        "Embedding",
        ["nowhere"],
        ["y"],
        attributes={"num_embeddings": 3, "embedding_dim": 2, "padding_idx": 3},
        parameters={"weight": "emb.w"},
    )
    return [
        valid(
            "valid.graph.flatten-start-after-end-after-extension-op",
            _graph(
                [("x", F, [2, 3, 4])],
                [("y", F, [2, 3, 4])],
                [node("pre", "com.example.Identity", ["x"], ["xe"]), flatten],
                extension=True,
            ),
            "Flatten's start_dim <= end_dim is compared after both are normalised with the input's rank: a "
            "type rule (step 10 of §9.10), not applied to an input of unknown rank",
            ("9.10", "10.5.1"),
            tags=_tag("attribute-or-input"),
        ),
        invalid(
            "invalid.graph.flatten-start-after-end",
            _graph(
                [("x", F, [2, 3, 4])],
                [("y", F, [2, 3, 4])],
                [node("f", "Flatten", ["x"], ["y"], attributes={"start_dim": 2, "end_dim": 1})],
            ),
            "GRAPH_ATTRIBUTE_VALUE",
            "start_dim 2 after end_dim 1 (both normalised with rank 3)",
            ("9.10", "10.5.1"),
            tags=_tag("attribute-or-input"),
        ),
        invalid(
            "invalid.graph.embedding-padding-idx-before-inputs",
            _graph([("x", "int64", [2])], [("y", F, [2, 2])], [embedding], [_w("emb.w", [3, 2])]),
            "GRAPH_ATTRIBUTE_VALUE",
            "padding_idx against num_embeddings is a cross-attribute rule (step 7 of §9.10), reported before "
            "the undefined input (step 8)",
            ("9.10", "10.4"),
            tags=_tag("attribute-or-input"),
        ),
        invalid(
            "invalid.graph.concat-ranks-differ",
            _graph(
                [("a", F, [2, 3]), ("b", F, [2, 3, 1])],
                [("y", F, [4, 3])],
                [node("cat", "Concat", ["a", "b"], ["y"], attributes={"axis": 0})],
            ),
            "GRAPH_SHAPE",
            "Concat's inputs have the first input's rank (GRAPH_SHAPE)",
            ("10.5.4",),
            tags=_tag("concat-ranks"),
        ),
        invalid(
            "invalid.graph.input-shape-rank-before-item-types",
            _graph([("x", F, [1] * 16 + ["@1.5@"])], [("x", F, [1] * 16)], []),
            "SHAPE_INVALID",
            "a declared shape: array, then its rank (at most 16, SHAPE_INVALID as in §7.4), then each item's type",
            ("9.5", "9.10"),
            tags=_tag("declaration-rank"),
        ),
    ]


def _training() -> list[Vector]:
    def change(edit: Any) -> bytes:
        training = adam()
        edit(training["optimizer"])
        return training_file(training)

    def type_and_groups(opt: dict[str, Any]) -> None:
        opt["type"] = "Bogus"
        opt["groups"] = 5

    def hyper_and_state(opt: dict[str, Any]) -> None:
        opt["groups"][0]["hyperparameters"]["lr"] = -1
        opt["state"] = []

    def parameter_names(opt: dict[str, Any]) -> None:
        opt["groups"][0]["parameters"] = ["nowhere", 1]

    def state_entry(opt: dict[str, Any]) -> None:
        opt["groups"][0]["parameters"] = ["fc.weight"]
        opt["state"]["fc.bias"] = 5

    def slot_value(opt: dict[str, Any]) -> None:
        opt["state"]["fc.weight"]["slots"]["bogus"] = 5

    def negative_step(opt: dict[str, Any]) -> None:
        opt["state"]["fc.weight"]["step"] = -1

    def reserved_type(opt: dict[str, Any]) -> None:
        opt["type"] = "modelfmt.core.Lion"
        opt["groups"][0]["hyperparameters"] = {"lr": 0.0001}

    cases = [
        (
            "type-before-groups-type",
            type_and_groups,
            "TRAINING_OPTIMIZER",
            "`type` (§11.2) is checked before `groups` is visited: the JSON type of `groups` is not checked first",
        ),
        (
            "hyperparameters-before-state-type",
            hyper_and_state,
            "TRAINING_HYPERPARAMETER",
            "every group is checked before `state` is visited: the JSON type of `state` is not checked first",
        ),
        (
            "parameter-name-before-next-name-type",
            parameter_names,
            "TRAINING_TENSOR_MISSING",
            "each parameter name: its JSON type then its rules, one name at a time (not every name's type first)",
        ),
        (
            "state-parameter-in-group-before-entry-type",
            state_entry,
            "TRAINING_PARAMETER",
            "each state entry: the parameter is in a group (step 1 of §11.4) before the entry's JSON type",
        ),
        (
            "slot-name-before-value-type",
            slot_value,
            "TRAINING_SLOT",
            "each slot: the name is one of the type's slots before its value's JSON type",
        ),
        (
            "state-step-negative",
            negative_step,
            "HEADER_TYPE",
            "a per-parameter `step` outside 0..2^53-1 is HEADER_TYPE, as the top-level `step`",
        ),
        (
            "optimizer-type-reserved-prefix",
            reserved_type,
            "TRAINING_OPTIMIZER",
            "`modelfmt.` is reserved: modelfmt.core.Lion is not an extension optimizer type",
        ),
    ]
    return [
        invalid(
            f"invalid.training.{name}", change(edit), code, description, ("11.4", "11.8"), tags=_tag("training-order")
        )
        for name, edit, code, description in cases
    ]


def _writer() -> list[Vector]:
    tensor = {"name": "w", "dtype": "float32", "shape": [2], "role": "parameter", "hex": "0000803f"}
    big = {"name": "w", "dtype": "uint8", "shape": [9007199254740992, 0], "role": "parameter", "hex": ""}
    return [
        write(
            "write.invalid.tensor-byte-count-mismatch",
            {"tensors": [tensor], "metadata": {}},
            "a task whose tensor bytes (4) differ from what dtype and shape need (8): the writer refuses with "
            "TENSOR_LENGTH, the code a reader reports for such an entry",
            ("7.2", "14.3"),
            error="TENSOR_LENGTH",
            tags=_tag("writer-codes"),
        ),
        write(
            "write.invalid.shape-dimension-beyond-2-53",
            {"tensors": [big], "metadata": {}},
            "a task integer beyond 2^53-1 (a dimension): HEADER_NUMBER, as in a header",
            ("4.4", "7.4", "14.3"),
            error="HEADER_NUMBER",
            tags=_tag("writer-codes"),
        ),
    ]


def vectors() -> list[Vector]:
    return [*_lstm(), *_rank_zero(), *_attribute_or_input(), *_training(), *_writer()]
