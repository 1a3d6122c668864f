"""Hostile Keras archives, built with h5py and json: an HDF5 group graph with exponentially many paths, a
group inside itself, a functional config listed backwards, thousands of layers with one name, more
layers than a graph may hold. Each finishes in linear time, converted or refused with a coded error.
Subprocess timeouts below are a safety net against a hang, never a measure of speed."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import modelfmt
import pytest
from interop_helpers import convert_in_child
from modelfmt.convert import ConversionError, convert
from modelfmt.convert._keras_model import MAX_LAYERS

h5py = pytest.importorskip("h5py")

WIDTH = 4


def _archive(path: Path, config: dict[str, object], edit_weights: Callable[[object], None] | None = None) -> Path:
    """A `.keras` zip of `config` and a weights file with an empty `layers` group, edited by `edit_weights`."""
    scratch = path.with_suffix(".h5")
    with h5py.File(scratch, "w") as weights:
        weights.create_group("layers")
        if edit_weights is not None:
            edit_weights(weights)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.0.0"}))
        archive.write(scratch, "model.weights.h5")
    return path


def _input_layer() -> dict[str, object]:
    config = {"name": "input", "batch_shape": [None, WIDTH], "dtype": "float32"}
    return {"class_name": "InputLayer", "name": "input", "config": config, "inbound_nodes": []}


def _activation(name: str, source: str | None = None) -> dict[str, object]:
    layer: dict[str, object] = {"class_name": "Activation", "config": {"name": name, "activation": "relu"}}
    if source is not None:
        tensor = {"class_name": "__keras_tensor__", "config": {"keras_history": [source, 0, 0]}}
        layer["inbound_nodes"] = [{"args": [tensor], "kwargs": {}}]
    return layer


SEQUENTIAL_EMPTY = {"class_name": "Sequential", "config": {"name": "m", "layers": []}}


def test_an_hdf5_group_graph_is_walked_once_per_object(tmp_path: Path) -> None:
    def shared_groups(weights: object) -> None:
        below = weights.create_group("scratch/g0")  # type: ignore[attr-defined]
        for level in range(1, 26):  # 3^25 paths to g0 through 25 groups each linked three times
            group = weights.create_group(f"scratch/g{level}")  # type: ignore[attr-defined]
            for name in "abc":
                group[name] = below
            below = group
        weights["layers/top"] = below  # type: ignore[index]
        del weights["scratch"]  # type: ignore[attr-defined]

    path = _archive(tmp_path / "dag.keras", SEQUENTIAL_EMPTY, shared_groups)
    assert path.stat().st_size < 64 * 1024
    (outcome,) = convert_in_child([path], tmp_path / "x.mf", options={"weights_only": True}, timeout=120)
    assert outcome["code"] == "CONVERT_STRUCTURE", outcome
    assert f"`layers/top/{'a/' * 24}b` links to `layers/top/{'a/' * 24}a` again" in str(outcome["message"])


def test_a_group_inside_itself_is_refused(tmp_path: Path) -> None:
    def loop(weights: object) -> None:
        weights["layers/self"] = weights["layers"]  # type: ignore[index]

    path = _archive(tmp_path / "loop.keras", SEQUENTIAL_EMPTY, loop)
    with pytest.raises(ConversionError, match="`layers/self` links to `layers` again") as caught:
        convert(path, tmp_path / "x.mf", weights_only=True)
    assert caught.value.code == "CONVERT_STRUCTURE"


def _finishes(path: Path, destination: Path) -> None:
    """`path` is converted in a child process that ends before the safety timeout (quadratic work on 50,000
    layers takes several CPU minutes; linear work a few seconds). A config this large (MiBs of canonical
    JSON) is then refused, as every Keras config is, for not fitting in the 1 MiB of metadata."""
    (outcome,) = convert_in_child([path], destination, timeout=150)
    assert outcome["code"] == "CONVERT_FAILED", outcome
    assert "METADATA_TOO_LARGE" in str(outcome["message"])


def _functional(layers: list[dict[str, object]], output: str) -> dict[str, object]:
    body = {"name": "m", "layers": layers, "input_layers": [["input", 0, 0]], "output_layers": [[output, 0, 0]]}
    return {"class_name": "Functional", "config": body}


def _chain(count: int) -> list[dict[str, object]]:
    return [_activation(f"a{index}", f"a{index - 1}" if index else "input") for index in range(count)]


def test_a_functional_config_listed_backwards_is_sorted_in_linear_time(tmp_path: Path) -> None:
    count = 50_000  # listed backwards, each round of a sort by rounds finds one layer ready
    path = _archive(tmp_path / "chain.keras", _functional([_input_layer(), *reversed(_chain(count))], f"a{count - 1}"))
    _finishes(path, tmp_path / "chain.mf")


def test_a_functional_config_keeps_its_order_of_conversion(tmp_path: Path) -> None:
    # By depth, then in config order: the chain backwards becomes the chain; `b1` (depth 2) after `c0` (depth 1).
    layers = [_input_layer(), *reversed(_chain(300)), _activation("b1", "b0"), _activation("b0", "input")]
    layers.append(_activation("c0", "input"))
    convert(_archive(tmp_path / "m.keras", _functional(layers, "b1")), tmp_path / "m.mf")
    nodes = modelfmt.read_header(tmp_path / "m.mf").architecture["nodes"]  # type: ignore[index]
    assert [node["name"] for node in nodes] == ["a0", "b0", "c0", "a1", "b1", *(f"a{index}" for index in range(2, 300))]


def _same_names(count: int) -> dict[str, object]:
    layers = [_input_layer(), *(_activation("act") for _ in range(count))]
    return {"class_name": "Sequential", "config": {"name": "m", "layers": layers}}


def test_thousands_of_layers_with_one_name_are_named_in_linear_time(tmp_path: Path) -> None:
    _finishes(_archive(tmp_path / "same.keras", _same_names(50_000)), tmp_path / "same.mf")


def test_layers_with_one_name_get_numbered_node_names(tmp_path: Path) -> None:
    convert(_archive(tmp_path / "same.keras", _same_names(500)), tmp_path / "same.mf")
    nodes = modelfmt.read_header(tmp_path / "same.mf").architecture["nodes"]  # type: ignore[index]
    assert [node["name"] for node in nodes] == ["act", *(f"act#{index}" for index in range(2, 501))]


def test_more_layers_than_a_graph_holds_are_refused_before_converting(tmp_path: Path) -> None:
    layers = [{"class_name": "Dropout", "config": {"name": f"d{index}"}} for index in range(MAX_LAYERS + 1)]
    path = _archive(tmp_path / "many.keras", {"class_name": "Sequential", "config": {"name": "m", "layers": layers}})
    with pytest.raises(ConversionError, match=f"the model has {MAX_LAYERS + 1} layers; at most {MAX_LAYERS}") as caught:
        convert(path, tmp_path / "x.mf")
    assert caught.value.code == "CONVERT_STRUCTURE"


@pytest.mark.parametrize(
    ("layer", "shape", "expected"),
    [
        ({"class_name": "RepeatVector", "config": {"name": "r", "n": 10**12}}, [None, WIDTH], "a repetition of"),
        ({"class_name": "ZeroPadding1D", "config": {"name": "z", "padding": [0, 10**12]}}, [None, 3, 2], "zero"),
        ({"class_name": "UpSampling1D", "config": {"name": "u", "size": 10**12}}, [None, 3, 2], "up-sampling"),
        (
            {
                "class_name": "MultiHeadAttention",
                "config": {"name": "a", "num_heads": 1, "key_dim": 1},
                "call": {"use_causal_mask": True},
            },
            [None, 10**6, 1],
            "would exceed",
        ),
    ],
)
def test_config_numbers_do_not_multiply_the_work(
    tmp_path: Path, layer: dict[str, object], shape: list[object], expected: str
) -> None:
    """A repeat count or padding in the config is bounded before any list of node inputs is built, and a
    causal mask before it is made: a hostile number is refused at once, never a memory blow-up."""
    source = {"class_name": "__keras_tensor__", "config": {"keras_history": ["input", 0, 0]}}
    call = layer.pop("call", None)
    args = [source, source] if call else [source]
    entry = {**layer, "inbound_nodes": [{"args": args, "kwargs": call or {}}]}
    inputs = {"class_name": "InputLayer", "name": "input", "config": {"name": "input", "batch_shape": shape}}
    body = {
        "name": "m",
        "layers": [inputs, entry],
        "input_layers": [["input", 0, 0]],
        "output_layers": [[entry["config"]["name"], 0, 0]],
    }  # type: ignore[index]

    def attention_weights(weights: object) -> None:
        for part in ("query_dense", "key_dense", "value_dense", "output_dense"):
            weights.create_dataset(f"layers/multi_head_attention/{part}/vars/0", data=[[[1.0]]])  # type: ignore[attr-defined]
            weights.create_dataset(
                f"layers/multi_head_attention/{part}/vars/1", data=[[1.0]] if part != "output_dense" else [1.0]
            )  # type: ignore[attr-defined]

    edit = attention_weights if layer["class_name"] == "MultiHeadAttention" else None
    path = _archive(tmp_path / "m.keras", {"class_name": "Functional", "config": body}, edit)
    with pytest.raises(ConversionError, match=expected) as caught:
        convert(path, tmp_path / "m.mf")
    assert caught.value.code == "CONVERT_FAILED"


def test_thousands_of_refused_layers_make_one_short_error(tmp_path: Path) -> None:
    layers = [_input_layer()] + [{"class_name": "Lambda", "config": {"name": f"code{i}"}} for i in range(5000)]
    path = _archive(tmp_path / "m.keras", {"class_name": "Sequential", "config": {"name": "m", "layers": layers}})
    with pytest.raises(ConversionError, match="5000 layers cannot be converted") as caught:
        convert(path, tmp_path / "m.mf")
    message = str(caught.value)
    assert "`code31` (Lambda)" in message and "`code32`" not in message and "and 4968 more" in message
    assert len(message) < 20_000


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"scale": 3}, "the call argument `scale` is not supported unless left at its default"),
        ({"mask": {"class_name": "__keras_tensor__", "config": {"keras_history": ["input", 0, 0]}}}, "masking"),
        ({"training": None, "mask": [None, None]}, None),
    ],
)
def test_call_arguments_are_defaults_or_refused(
    tmp_path: Path, kwargs: dict[str, object], expected: str | None
) -> None:
    source = {"class_name": "__keras_tensor__", "config": {"keras_history": ["input", 0, 0]}}
    layer = {**_activation("act"), "inbound_nodes": [{"args": [source], "kwargs": kwargs}]}
    body = {
        "name": "m",
        "layers": [_input_layer(), layer],
        "input_layers": [["input", 0, 0]],
        "output_layers": [["act", 0, 0]],
    }
    path = _archive(tmp_path / "m.keras", {"class_name": "Functional", "config": body})
    if expected is None:
        convert(path, tmp_path / "m.mf")
        return
    with pytest.raises(ConversionError, match=r"layer `act` \(Activation\): " + expected):
        convert(path, tmp_path / "m.mf")


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ({"class_name": "Permute", "config": {"name": "p", "dims": [1, "a"]}}, "`dims` must be a permutation"),
        ({"class_name": "Reshape", "config": {"name": "p", "target_shape": [2, -1, -1]}}, "more than one -1"),
        ({"class_name": "Rescaling", "config": {"name": "p", "scale": [1, [2]]}}, "flat list of numbers"),
        ({"class_name": "Dot", "config": {"name": "p", "axes": {"x": 1}}}, "is not one or two axes"),
        ({"class_name": "RepeatVector", "config": {"name": "p", "n": "3"}}, "positive integer"),
    ],
)
def test_malformed_layer_options_are_refused_naming_the_layer(
    tmp_path: Path, layer: dict[str, object], expected: str
) -> None:
    source = {"class_name": "__keras_tensor__", "config": {"keras_history": ["input", 0, 0]}}
    args = [[source, source]] if layer["class_name"] == "Dot" else [source]
    entry = {**layer, "inbound_nodes": [{"args": args, "kwargs": {}}]}
    body = {
        "name": "m",
        "layers": [_input_layer(), entry],
        "input_layers": [["input", 0, 0]],
        "output_layers": [["p", 0, 0]],
    }
    path = _archive(tmp_path / "m.keras", {"class_name": "Functional", "config": body})
    with pytest.raises(ConversionError) as caught:
        convert(path, tmp_path / "m.mf")
    assert f"layer `p` ({layer['class_name']}): " in str(caught.value) and expected in str(caught.value)


@pytest.mark.parametrize("index", [-1, 1])
def test_an_output_index_a_layer_does_not_have_is_refused(tmp_path: Path, index: int) -> None:
    body = {
        "name": "m",
        "layers": [_input_layer(), _activation("act", "input")],
        "input_layers": [["input", 0, 0]],
        "output_layers": [["act", 0, index]],
    }
    path = _archive(tmp_path / "m.keras", {"class_name": "Functional", "config": body})
    with pytest.raises(ConversionError, match=r"output_layers|has 1"):
        convert(path, tmp_path / "m.mf")


def test_an_unrolled_gru_of_a_million_steps_is_refused_before_any_node(tmp_path: Path) -> None:
    config = {"name": "g", "units": 1, "reset_after": False}
    entry = {
        "class_name": "GRU",
        "config": config,
        "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["input", 0, 0]}}]}],
    }
    inputs = {"class_name": "InputLayer", "name": "input", "config": {"name": "input", "batch_shape": [None, 10**6, 1]}}
    body = {"name": "m", "layers": [inputs, entry], "input_layers": [["input", 0, 0]], "output_layers": [["g", 0, 0]]}
    path = _archive(tmp_path / "m.keras", {"class_name": "Functional", "config": body})
    with pytest.raises(
        ConversionError, match=r"layer `g` \(GRU\): a GRU with reset_after=False unrolled over steps of"
    ):
        convert(path, tmp_path / "m.mf")
