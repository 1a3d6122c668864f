"""The op definitions of `graph/core/` against the runtimes: every op has a numpy and a torch kernel and
at least one example, no kernel names an op that is not defined, and every example gives its expected
outputs (dtype, shape and elements) through the numpy runtime (`modelfmt.run`) and through
`modelfmt.torch.build`.

An example is a one-node graph written to a file: the outputs are declared with the types the validator
infers, so a wrong inference shows as a dtype or shape that differs from the example's.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from arch_helpers import declare, node, with_inferred_outputs, write
from modelfmt import TensorInfo
from modelfmt.format._dtypes import DTYPES
from modelfmt.format._errors import FormatError
from modelfmt.graph import _validate
from modelfmt.graph._attributes import complete_attributes
from modelfmt.graph._examples import Example, Value, tensor
from modelfmt.graph._registry import CORE_OPS, CORE_VERSION, COSTS, FAMILIES, lowest_version, ops_at
from modelfmt.graph._spec import TYPE_VARIABLES, Attr, OpSpec, Port
from modelfmt.graph._types import Node, ValueType
from modelfmt.runtime._execute import KERNELS

EXAMPLES = [(op, example) for op, spec in CORE_OPS.items() for example in spec.examples]
IDS = [f"{op}-{example.name}" for op, example in EXAMPLES]


def array(value: Value) -> np.ndarray:
    return np.array(value.elements, dtype=value.dtype).reshape(value.shape)


def one_node_file(op: str, example: Example, path: Path) -> tuple[Path, dict[str, np.ndarray], list[str]]:
    """The example as a file; returns it, the feeds by graph input name and the output names."""
    feeds = {f"x{index}": array(value) for index, value in enumerate(example.inputs) if value is not None}
    order = [None if value is None else f"x{index}" for index, value in enumerate(example.inputs)]
    tensors = {f"p.{slot}": array(value) for slot, value in example.params.items()}
    outputs = [f"y{index}" for index in range(len(example.outputs))]
    the_node = node(
        "n",
        op,
        order,
        outputs,
        attributes=dict(example.attributes),
        parameters={slot: f"p.{slot}" for slot in example.params} or None,
    )
    declared = [declare(name, value) for name, value in feeds.items()]
    architecture = with_inferred_outputs(declared, [the_node], outputs, tensors)
    return write(path, architecture, tensors), feeds, outputs


def assert_matches(actual: np.ndarray, expected: Value, tolerance: float, where: str) -> None:
    want = array(expected)
    assert actual.dtype == want.dtype, f"{where}: dtype {actual.dtype}, expected {want.dtype}"
    assert actual.shape == want.shape, f"{where}: shape {list(actual.shape)}, expected {list(want.shape)}"
    if want.dtype.kind == "f":
        scale = max(1.0, float(np.abs(want).max(initial=0.0)))
        error = float(np.abs(actual.astype(np.float64) - want).max(initial=0.0))
        assert error <= tolerance * scale, f"{where}: {actual.tolist()}, expected {want.tolist()}"
    else:
        assert actual.tolist() == want.tolist(), f"{where}: {actual.tolist()}, expected {want.tolist()}"


def test_every_op_has_a_numpy_kernel_and_every_kernel_an_op() -> None:
    assert sorted(set(CORE_OPS) - set(KERNELS)) == [], "ops without a numpy kernel (runtime/_kernels_*.py)"
    assert sorted(set(KERNELS) - set(CORE_OPS)) == [], "numpy kernels of ops that graph/core/ does not define"


@pytest.mark.interop
def test_every_op_has_a_torch_kernel_and_every_kernel_an_op() -> None:
    TORCH_KERNELS = pytest.importorskip("modelfmt.torch._kernels").KERNELS  # noqa: N806 - a table

    assert sorted(set(CORE_OPS) - set(TORCH_KERNELS)) == [], "ops without a torch kernel (torch/_kernels.py)"
    assert sorted(set(TORCH_KERNELS) - set(CORE_OPS)) == [], "torch kernels of ops that graph/core/ does not define"


def test_every_op_has_an_example() -> None:
    assert sorted(op for op, spec in CORE_OPS.items() if not spec.examples) == []


def test_example_names_are_unique_per_op() -> None:
    assert len(set(IDS)) == len(IDS)


def test_the_tables_are_derived_from_the_definitions() -> None:
    assert [spec.name for family in FAMILIES for spec in family] == list(CORE_OPS)
    assert {name: spec.cost for name, spec in CORE_OPS.items()} == dict(COSTS)


@pytest.mark.parametrize(("op", "example"), EXAMPLES, ids=IDS)
def test_example_through_numpy(op: str, example: Example, tmp_path: Path) -> None:
    path, feeds, outputs = one_node_file(op, example, tmp_path / "example.mft")
    got = modelfmt.run(path, feeds)
    for name, expected in zip(outputs, example.outputs, strict=True):
        assert_matches(got[name], expected, example.tolerance, f"{op} {example.name} {name}")


@pytest.mark.interop
@pytest.mark.parametrize(("op", "example"), EXAMPLES, ids=IDS)
def test_example_through_torch(op: str, example: Example, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    mft = pytest.importorskip("modelfmt.torch")

    path, feeds, outputs = one_node_file(op, example, tmp_path / "example.mft")
    module = mft.build(path)
    with torch.no_grad():
        result = module(**{name: torch.from_numpy(array) for name, array in feeds.items()})
    results = list(result) if isinstance(result, tuple) else [result]
    for name, value, expected in zip(outputs, results, example.outputs, strict=True):
        assert_matches(value.detach().numpy(), expected, example.tolerance, f"{op} {example.name} {name} (torch)")


def test_tensor_reads_nested_lists_row_major() -> None:
    assert tensor("int64", [[1, 2, 3], [4, 5, 6]]) == Value("int64", (2, 3), (1, 2, 3, 4, 5, 6))
    assert tensor("float32", 2.5) == Value("float32", (), (2.5,))
    assert tensor("float32", []) == Value("float32", (0,), ())


# ---- op-set versions (SPEC.md §9.3): an op exists for a graph only at the version it declares ----------


def test_every_op_is_from_a_version_this_implementation_knows() -> None:
    assert all(1 <= spec.since <= CORE_VERSION for spec in CORE_OPS.values())
    assert dict(ops_at(CORE_VERSION)) == dict(CORE_OPS)


def test_this_implementation_knows_version_2() -> None:
    assert CORE_VERSION == 2


def test_a_writer_declares_the_lowest_version_that_defines_its_ops() -> None:
    """SPEC.md §9.3: a graph of version 1 ops declares version 1, whatever the writer knows; an op of
    version 2 raises it; extension ops do not count."""
    assert lowest_version([]) == 1
    assert lowest_version(["Linear", "ReLU", "com.example.Swish"]) == 1
    newer = [name for name, spec in CORE_OPS.items() if spec.since == 2]
    assert lowest_version(["Linear", *newer[:1]]) == (2 if newer else 1)


def test_an_op_of_a_later_version_is_unknown_to_a_graph_of_an_earlier_one(monkeypatch: pytest.MonkeyPatch) -> None:
    later = replace(CORE_OPS["ReLU"], name="LaterReLU", since=CORE_VERSION + 1)
    assert "LaterReLU" not in ops_at(CORE_VERSION, {**CORE_OPS, "LaterReLU": later})
    assert "LaterReLU" in ops_at(CORE_VERSION + 1, {**CORE_OPS, "LaterReLU": later})
    _with_later_version(monkeypatch, later)
    architecture = _one_node("LaterReLU", ["x"])
    with pytest.raises(FormatError) as caught:
        _validate.validate_architecture(architecture, {})
    assert caught.value.code == "GRAPH_OP_UNKNOWN"
    assert f"version {CORE_VERSION + 1}" in str(caught.value)


def _with_later_version(monkeypatch: pytest.MonkeyPatch, spec: OpSpec) -> None:
    """The validator with `spec` in place of the op of that name, as if this implementation knew a later
    modelfmt.core version than the graphs declare."""
    known = {**CORE_OPS, spec.name: spec}
    monkeypatch.setattr(_validate, "CORE_OPS", known)
    monkeypatch.setattr(_validate, "ops_at", lambda version: ops_at(version, known))


def _one_node(op: str, inputs: list[str | None], attributes: dict[str, object] | None = None) -> dict[str, object]:
    the_node = node("n", op, inputs, ["y"], attributes=attributes)
    return {
        "opset": {"modelfmt.core": CORE_VERSION},
        "inputs": [{"name": name, "dtype": "float32", "shape": [2]} for name in inputs if name is not None],
        "outputs": [{"name": "y", "dtype": "float32", "shape": [2]}],
        "nodes": [the_node],
    }


def test_an_attribute_of_a_later_version_is_unknown_but_gets_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    leaky = CORE_OPS["LeakyReLU"]
    later = Attr("clip", "float", 6.0, since=CORE_VERSION + 1)
    _with_later_version(monkeypatch, replace(leaky, attributes=(*leaky.attributes, later)))
    graph = _validate.validate_architecture(_one_node("LeakyReLU", ["x"]), {})
    assert dict(graph.nodes[0].attributes) == {"negative_slope": 0.01, "clip": 6.0}
    with pytest.raises(FormatError) as caught:
        _validate.validate_architecture(_one_node("LeakyReLU", ["x"], {"clip": 1.0}), {})
    assert caught.value.code == "GRAPH_ATTRIBUTE_UNKNOWN"


def test_a_port_of_a_later_version_is_not_an_input_of_an_earlier_one(monkeypatch: pytest.MonkeyPatch) -> None:
    relu = CORE_OPS["ReLU"]
    later = Port("bound", "an upper bound", optional=True, since=CORE_VERSION + 1)
    _with_later_version(monkeypatch, replace(relu, inputs=(*relu.inputs, later)))
    assert ops_at(CORE_VERSION, {"ReLU": _validate.CORE_OPS["ReLU"]})["ReLU"].inputs == relu.inputs
    with pytest.raises(FormatError) as caught:
        _validate.validate_architecture(_one_node("ReLU", ["x", "b"]), {})
    assert caught.value.code == "GRAPH_ARITY"


# ---- the declared input types (Port.types) are the dtypes inference accepts ---------------------------


def _infers(op: str, example: Example, dtypes: dict[int, str], slot_dtype: str | None) -> str | None:
    """None when the op's node validates with input i of dtype `dtypes[i]` (the example's otherwise) and
    its "T" slots of `slot_dtype`; else the error code."""
    types: dict[str, ValueType] = {}
    names: list[str | None] = []
    for index, value in enumerate(example.inputs):
        if value is None:
            names.append(None)
            continue
        types[f"x{index}"] = ValueType(dtypes.get(index, value.dtype), value.shape)
        names.append(f"x{index}")
    slots = {slot.name: slot for slot in CORE_OPS[op].slots(_completed(op, example))}
    tensors = {
        f"p.{name}": TensorInfo(
            f"p.{name}",
            slot_dtype if slot_dtype is not None and slots[name].dtype == "T" else value.dtype,
            value.shape,
            0,
            0,
            "0" * 64,
            "parameter",
        )
        for name, value in example.params.items()
    }
    raw = node("n", op, names, [f"y{i}" for i in range(len(example.outputs))], attributes=dict(example.attributes))
    if example.params:
        raw["parameters"] = {slot: f"p.{slot}" for slot in example.params}
    try:
        _validate._NodeWalker({"modelfmt.core": CORE_VERSION}, tensors, types).visit(0, raw)
    except FormatError as exc:
        return exc.code
    return None


def _completed(op: str, example: Example) -> dict[str, object]:
    probe = Node(0, "n", op, (), (), example.attributes, {})
    return complete_attributes(CORE_OPS[op], example.attributes, probe)


@pytest.mark.parametrize("op", sorted(CORE_OPS))
def test_every_input_port_declares_a_type_variable(op: str) -> None:
    for port in CORE_OPS[op].inputs:
        assert port.types in TYPE_VARIABLES, f"{op} input {port.name}: types {port.types!r}"


@pytest.mark.parametrize("op", sorted(CORE_OPS))
def test_inference_accepts_exactly_the_declared_input_types(op: str) -> None:
    """On the op's first example, every dtype for the inputs that share a type variable (together, and
    the "T" parameter slots with them when the dtype is a floating one): accepted exactly when the
    variable allows it, GRAPH_DTYPE otherwise. "bool or T" masks are left to the examples."""
    spec, example = CORE_OPS[op], CORE_OPS[op].examples[0]
    assert _infers(op, example, {}, None) is None
    groups: dict[str, list[int]] = {}
    for index, value in enumerate(example.inputs):
        port = spec.inputs[min(index, len(spec.inputs) - 1)]  # a variadic port takes the rest
        if value is not None and port.types != "bool or T":
            groups.setdefault(port.types, []).append(index)
    first_group = next((name for name, members in groups.items() if 0 in members), None)
    for variable, members in groups.items():
        for dtype in DTYPES:
            slot_dtype = dtype if variable == first_group and dtype in TYPE_VARIABLES["T"] else None
            code = _infers(op, example, dict.fromkeys(members, dtype), slot_dtype)
            expected = None if dtype in TYPE_VARIABLES[variable] else "GRAPH_DTYPE"
            assert code == expected, f"{op}: inputs {members} ({variable}) of dtype {dtype}"
