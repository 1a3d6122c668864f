"""The numpy reference runtime (SPEC.md §9.11): refusals, input binding, run-time errors, and the
guarantee that nothing executes before every check has passed. Also `modelfmt run` on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import modelfmt
import numpy as np
import pytest
from arch_helpers import declare, node, write
from modelfmt import cli
from modelfmt.runtime import _run

W = np.arange(12, dtype=np.float32).reshape(3, 4) / 10


def _linear_arch(input_shape: list[Any], output_shape: list[Any]) -> dict[str, Any]:
    return {
        "opset": {"modelfmt.core": 1},
        "inputs": [declare("x", "float32", input_shape)],
        "outputs": [declare("y", "float32", output_shape)],
        "nodes": [
            node(
                "fc",
                "Linear",
                ["x"],
                ["y"],
                attributes={"in_features": 4, "out_features": 3},
                parameters={"weight": "w"},
            ),
        ],
    }


@pytest.fixture
def linear_file(tmp_path: Path) -> Path:
    return write(tmp_path / "linear.mft", _linear_arch(["batch", 4], ["batch", 3]), {"w": W})


@pytest.fixture
def never_execute(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: object) -> object:
        raise AssertionError("the runtime started executing")

    monkeypatch.setattr(_run, "execute", fail)


def _extension_file(tmp_path: Path) -> Path:
    architecture = {
        "opset": {"modelfmt.core": 1, "com.example": 3},
        "inputs": [declare("x", "float32", ["batch", 4])],
        "outputs": [declare("z", "float32", ["batch", 3])],
        "nodes": [
            node(
                "fc",
                "Linear",
                ["x"],
                ["h"],
                attributes={"in_features": 4, "out_features": 3},
                parameters={"weight": "w"},
            ),
            node("fancy", "com.example.Swish", ["h"], ["s"], attributes={"beta": {"learned": True}}),
            node("soft", "Softmax", ["s"], ["z"], attributes={"axis": -1}),
        ],
    }
    return write(tmp_path / "extension.mft", architecture, {"w": W})


def test_run_matches_numpy(linear_file: Path) -> None:
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    out = modelfmt.run(linear_file, {"x": x})
    assert list(out) == ["y"]
    np.testing.assert_allclose(out["y"], x @ W.T, rtol=1e-6)
    positional = modelfmt.run(linear_file, [x])
    np.testing.assert_array_equal(positional["y"], out["y"])


def test_run_accepts_an_open_file(linear_file: Path) -> None:
    with modelfmt.safe_open(linear_file) as handle:
        out = modelfmt.run(handle, [np.ones((2, 4), np.float32)])
    assert out["y"].shape == (2, 3)


def test_outputs_are_independent_copies(tmp_path: Path) -> None:
    architecture = {
        "opset": {"modelfmt.core": 1},
        "inputs": [declare("x", "float32", [2])],
        "outputs": [declare("y", "float32", [2]), declare("c", "float32", [3])],
        "nodes": [node("id", "Identity", ["x"], ["y"]), node("k", "Constant", [], ["c"], parameters={"value": "b"})],
    }
    path = write(tmp_path / "copy.mft", architecture, {"b": np.ones(3, np.float32)})
    x = np.zeros(2, np.float32)
    out = modelfmt.run(path, {"x": x})
    out["y"][0] = 5
    out["c"][0] = 5
    assert x[0] == 0 and modelfmt.run(path, {"x": x})["c"][0] == 1


def test_extension_op_is_valid_but_never_executed(tmp_path: Path, never_execute: None) -> None:
    path = _extension_file(tmp_path)
    with modelfmt.safe_open(path) as handle:  # structurally valid: reading it is fine
        assert handle.header.architecture is not None
    with pytest.raises(modelfmt.UnsupportedError) as caught:
        modelfmt.run(path, {"x": np.zeros((1, 4), np.float32)})
    assert caught.value.code == "RUN_UNSUPPORTED"
    assert "`fancy` (com.example.Swish)" in str(caught.value)


def test_file_without_architecture(tmp_path: Path) -> None:
    path = write(tmp_path / "weights.mft", None, {"w": W})
    with pytest.raises(modelfmt.UnsupportedError) as caught:
        modelfmt.run(path, {})
    assert caught.value.code == "RUN_NO_ARCHITECTURE"


@pytest.mark.parametrize(
    ("inputs", "fragment"),
    [
        ({}, "missing"),
        ({"x": np.zeros((1, 4), np.float32), "extra": np.zeros(1)}, "no graph input named `extra`"),
        ({"x": np.zeros((1, 4), np.float64)}, "dtype float32"),
        ({"x": np.zeros((4,), np.float32)}, "shape"),
        ({"x": np.zeros((2, 5), np.float32)}, "shape"),
        ([np.zeros((1, 4), np.float32)] * 2, "1 inputs; 2 were given"),
    ],
    ids=["missing", "unknown-name", "dtype", "rank", "fixed-dim", "count"],
)
def test_inputs_that_do_not_fit(linear_file: Path, never_execute: None, inputs: Any, fragment: str) -> None:
    with pytest.raises(modelfmt.ModelfmtError) as caught:
        modelfmt.run(linear_file, inputs)
    assert caught.value.code == "RUN_INPUT"
    assert isinstance(caught.value, ValueError)
    assert fragment in str(caught.value)


def test_symbols_must_agree_across_inputs(tmp_path: Path, never_execute: None) -> None:
    architecture = {
        "opset": {"modelfmt.core": 1},
        "inputs": [declare("a", "float32", ["n", 2]), declare("b", "float32", ["n", 2])],
        "outputs": [declare("y", "float32", ["n", 2])],
        "nodes": [node("add", "Add", ["a", "b"], ["y"])],
    }
    path = write(tmp_path / "add.mft", architecture, {})
    with pytest.raises(modelfmt.ModelfmtError, match="`n` = 3, but another input set `n` = 2") as caught:
        modelfmt.run(path, {"a": np.zeros((2, 2), np.float32), "b": np.zeros((3, 2), np.float32)})
    assert caught.value.code == "RUN_INPUT"


def test_concrete_shapes_are_checked_before_execution(tmp_path: Path, never_execute: None) -> None:
    """A symbolic feature size passes validation; the caller's size that contradicts in_features is
    caught by the concrete inference pass, naming the node, before any kernel runs."""
    path = write(tmp_path / "sym.mft", _linear_arch(["batch", "features"], ["batch", 3]), {"w": W})
    with pytest.raises(modelfmt.ModelfmtError, match=r"node `fc` \(#0, Linear\)") as caught:
        modelfmt.run(path, {"x": np.zeros((2, 5), np.float32)})
    assert caught.value.code == "RUN_INPUT"


def test_index_out_of_range(tmp_path: Path) -> None:
    architecture = {
        "opset": {"modelfmt.core": 1},
        "inputs": [declare("ids", "int64", ["n"])],
        "outputs": [declare("e", "float32", ["n", 2])],
        "nodes": [
            node(
                "emb",
                "Embedding",
                ["ids"],
                ["e"],
                attributes={"num_embeddings": 3, "embedding_dim": 2},
                parameters={"weight": "table"},
            )
        ],
    }
    path = write(tmp_path / "emb.mft", architecture, {"table": np.ones((3, 2), np.float32)})
    with pytest.raises(modelfmt.ModelfmtError, match=r"index 3 is outside 0\.\.2") as caught:
        modelfmt.run(path, {"ids": np.array([0, 3], np.int64)})
    assert caught.value.code == "RUN_INDEX"


def test_half_precision_is_valid_but_refused_by_the_reference_runtime(tmp_path: Path) -> None:
    architecture = _linear_arch(["batch", 4], ["batch", 3])
    architecture["inputs"][0]["dtype"] = architecture["outputs"][0]["dtype"] = "float16"
    path = write(tmp_path / "half.mft", architecture, {"w": W.astype(np.float16)})
    with pytest.raises(modelfmt.UnsupportedError) as caught:
        modelfmt.run(path, {"x": np.zeros((1, 4), np.float16)})
    assert caught.value.code == "RUN_UNSUPPORTED"


def test_digests_are_checked_before_execution(linear_file: Path, never_execute: None) -> None:
    data = bytearray(linear_file.read_bytes())
    data[-1] ^= 0xFF  # the last byte of the weight
    linear_file.write_bytes(bytes(data))
    with pytest.raises(modelfmt.IntegrityError):
        modelfmt.run(linear_file, {"x": np.zeros((1, 4), np.float32)})


# ---- the command line ----------------------------------------------------------------------------------


def test_cli_run(linear_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    x = np.ones((2, 4), np.float32)
    np.save(tmp_path / "x.npy", x)
    assert (
        cli.main(["run", str(linear_file), "--input", f"x={tmp_path / 'x.npy'}", "--output", str(tmp_path / "o.npz")])
        == 0
    )
    assert "y  float32  [2, 3]" in capsys.readouterr().out
    with np.load(tmp_path / "o.npz") as saved:
        np.testing.assert_allclose(saved["y"], x @ W.T, rtol=1e-6)
    assert cli.main(["run", str(linear_file), "--input", str(tmp_path / "x.npy")]) == 0  # positional


def test_cli_run_errors(linear_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    np.save(tmp_path / "bad.npy", np.ones((2, 4), np.float64))
    assert cli.main(["run", str(linear_file), "--input", f"x={tmp_path / 'bad.npy'}"]) == 1
    assert "RUN_INPUT" in capsys.readouterr().err
    assert cli.main(["run", str(linear_file), "--input", f"x={tmp_path / 'missing.npy'}"]) == 2
    assert cli.main(["run", str(_extension_file(tmp_path)), "--input", f"x={tmp_path / 'bad.npy'}"]) == 1
    assert "RUN_UNSUPPORTED" in capsys.readouterr().err
