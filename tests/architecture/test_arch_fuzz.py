"""Hostile architectures never crash the validator: it returns a Graph or raises ModelfmtError, never
KeyError, TypeError, AssertionError or a numpy error (no traceback for any bad input)."""

from __future__ import annotations

import contextlib
from typing import Any

import modelfmt
import numpy as np
import pytest
from arch_helpers import declare, table, with_inferred_outputs, write
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from modelfmt.graph import CORE_OPS, validate_architecture
from modelfmt.graph._attributes import complete_attributes
from modelfmt.graph._types import Node

TENSORS = {
    "w": np.zeros((3, 4), np.float32),
    "b": np.zeros(3, np.float32),
    "v": np.zeros(4, np.float64),
    "i": np.zeros((2, 2), np.int64),
    "s": np.zeros((), np.float32),
}
NAMES = ["x", "y", "h", "a", "m", "", "z\u0000"]
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.integers(-(2**53) + 1, 2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from(["none", "tanh", "relu", "float32", "int64", "bool", "x"]),
)
JSON_VALUE = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=5), max_leaves=8)
ATTRIBUTE_NAMES = sorted({attr.name for spec in CORE_OPS.values() for attr in spec.attributes} | {"bogus"})
SLOT_NAMES = ["weight", "bias", "running_mean", "running_var", "value", "in_proj_weight", "weight_ih_l0", "nope"]


@st.composite
def nodes(draw: st.DrawFn, index: int) -> dict[str, Any]:
    op = draw(st.sampled_from([*CORE_OPS, "com.example.Op", "Unknown"]))
    node: dict[str, Any] = {
        "name": f"n{index}",
        "op": op,
        "inputs": draw(st.lists(st.one_of(st.none(), st.sampled_from(NAMES)), max_size=6)),
        "outputs": draw(st.lists(st.one_of(st.none(), st.sampled_from(NAMES)), min_size=0, max_size=4)),
    }
    if draw(st.booleans()):
        node["attributes"] = draw(st.dictionaries(st.sampled_from(ATTRIBUTE_NAMES), JSON_VALUE, max_size=6))
    if draw(st.booleans()):
        node["parameters"] = draw(
            st.dictionaries(st.sampled_from(SLOT_NAMES), st.sampled_from([*TENSORS, "gone"]), max_size=4)
        )
    return node


@st.composite
def architectures(draw: st.DrawFn) -> dict[str, Any]:
    dims = st.lists(st.one_of(st.integers(0, 6), st.sampled_from(["batch", "seq"])), max_size=4)
    dtypes = st.sampled_from(["float32", "float64", "int64", "bool", "float16"])
    inputs = [
        {"name": name, "dtype": draw(dtypes), "shape": draw(dims)}
        for name in draw(st.lists(st.sampled_from(["x", "m"]), min_size=1, max_size=2, unique=True))
    ]
    count = draw(st.integers(0, 6))
    return {
        "opset": {"modelfmt.core": 1, "com.example": 1},
        "inputs": inputs,
        "outputs": [{"name": draw(st.sampled_from(NAMES)), "dtype": draw(dtypes), "shape": draw(dims)}],
        "nodes": [draw(nodes(index)) for index in range(count)],
    }


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(architectures())
def test_validator_never_crashes(architecture: dict[str, Any]) -> None:
    with contextlib.suppress(modelfmt.ModelfmtError):
        validate_architecture(architecture, table(TENSORS))


def _attribute_value(attr: Any) -> st.SearchStrategy[Any]:
    small = st.integers(-2, 4)
    if attr.kind == "int":
        return small
    if attr.kind in ("float", "number"):
        return st.one_of(small, st.floats(-2, 2))
    if attr.kind == "bool":
        return st.booleans()
    if attr.kind == "string":
        return st.sampled_from(list(attr.choices or ("x",)))
    return st.lists(small, max_size=4)


@st.composite
def single_node_cases(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, np.ndarray]]:
    op = draw(st.sampled_from(sorted(CORE_OPS)))
    spec = CORE_OPS[op]
    attributes = {
        attr.name: draw(_attribute_value(attr))
        for attr in spec.attributes
        if attr.default is None or draw(st.booleans()) or str(attr.default) == "REQUIRED"
    }
    minimum, maximum = spec.input_range()
    count = draw(st.integers(minimum, min(maximum if maximum is not None else 3, 5)))
    inputs = {}
    for index in range(count):
        dtype = draw(st.sampled_from(["float32", "float32", "int64", "bool"]))
        shape = tuple(draw(st.lists(st.integers(0, 4), max_size=4)))
        array = np.asarray(np.random.default_rng(index).standard_normal(shape))
        inputs[f"i{index}"] = np.asarray((array * 3).astype(dtype) if dtype != "bool" else array > 0)
    tensors: dict[str, np.ndarray] = {}
    parameters = {}
    try:
        probe = Node(0, "n", op, tuple(inputs), ("o0",), attributes, {})
        completed = complete_attributes(spec, attributes, probe)
        for slot in spec.slots(completed):
            if slot.required or draw(st.booleans()):
                shape = slot.shape if slot.shape is not None else (2,)
                if any(dim > 64 for dim in shape):
                    continue
                tensors[f"p.{slot.name}"] = np.ones(shape, np.float32)
                parameters[slot.name] = f"p.{slot.name}"
    except modelfmt.ModelfmtError:
        pass
    _, out_max = spec.output_range()
    outputs = [f"o{index}" for index in range(draw(st.integers(1, out_max or 3)))]
    node = {
        "name": "n",
        "op": op,
        "inputs": list(inputs),
        "outputs": outputs,
        "attributes": attributes,
        "parameters": parameters,
    }
    return node, inputs, tensors


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=single_node_cases())
def test_random_single_nodes_validate_and_run_or_fail_cleanly(
    case: tuple[dict[str, Any], dict[str, np.ndarray], dict[str, np.ndarray]], tmp_path_factory: Any
) -> None:
    node, inputs, tensors = case
    declared = [declare(name, array) for name, array in inputs.items()]
    try:
        architecture = with_inferred_outputs(declared, [node], node["outputs"], tensors)
        validate_architecture(architecture, table(tensors))
    except modelfmt.ModelfmtError as error:
        event(f"invalid: {error.code}")
        return
    event(f"valid {node['op']}")
    path = write(tmp_path_factory.mktemp("fuzz") / "n.mft", architecture, tensors)
    try:
        outputs = modelfmt.run(path, inputs)
    except modelfmt.ModelfmtError as error:
        assert error.code in ("RUN_INDEX", "RUN_UNSUPPORTED"), error
        return
    for decl in architecture["outputs"]:
        assert list(outputs[decl["name"]].shape) == decl["shape"]
