"""What modelfmt writes from names and values it does not control: npz member names are never paths
(`convert --to npz`, `run --output`), no output name collides with numpy's own arguments, and metadata
written into safetensors is always readable by the safetensors reader."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

import modelfmt
import numpy as np
import pytest
from interop_helpers import safetensors_bytes
from modelfmt.cli import main
from modelfmt.convert import ConversionError, convert
from modelfmt.convert._npz import array_name, member_name

HOSTILE_NAMES = [
    "../../../../x",
    "/etc/x",
    "C:\\Windows\\x",
    "C:x",
    "\\\\server\\share\\x",
    "..",
    "100%",
    "%2F",
    "layers/dense/vars/0",
    "plain",
]


def _is_plain_file_name(member: str) -> bool:
    return (
        PurePosixPath(member).name == member
        and PureWindowsPath(member).name == member
        and not PureWindowsPath(member).drive
        and member not in (".", "..")
        and "\x00" not in member
    )


@pytest.mark.parametrize("name", [*HOSTILE_NAMES, "tab\there", "\x00", "\u0085"])
def test_member_names_are_plain_file_names_and_decode_back(name: str) -> None:
    member = member_name(name)
    assert _is_plain_file_name(member)
    assert array_name(member) == name


def test_convert_to_npz_writes_no_member_that_is_a_path(tmp_path: Path) -> None:
    tensors = {name: np.full(2, index, np.float32) for index, name in enumerate(HOSTILE_NAMES)}
    (tmp_path / "in.safetensors").write_bytes(safetensors_bytes(tensors))
    convert(tmp_path / "in.safetensors", tmp_path / "out.npz", to="npz")
    with zipfile.ZipFile(tmp_path / "out.npz") as archive:
        members = archive.namelist()
    assert len(members) == len(HOSTILE_NAMES)
    assert all(_is_plain_file_name(member) for member in members), members
    with np.load(tmp_path / "out.npz") as loaded:
        assert loaded["..%2F..%2F..%2F..%2Fx"].tolist() == [0, 0]
    convert(tmp_path / "out.npz", tmp_path / "back.mf")  # and the names come back
    back = modelfmt.load_file(tmp_path / "back.mf")
    assert list(back) == HOSTILE_NAMES
    assert back["/etc/x"].tolist() == [1, 1]


def _graph_file(path: Path, outputs: list[str]) -> Path:
    """A modelfmt file whose graph copies its input `x` to each of `outputs`."""
    architecture = {
        "opset": {"modelfmt.core": 1},
        "inputs": [{"name": "x", "dtype": "float32", "shape": [2]}],
        "outputs": [{"name": name, "dtype": "float32", "shape": [2]} for name in outputs],
        "nodes": [
            {"name": f"copy{index}", "op": "Identity", "inputs": ["x"], "outputs": [name]}
            for index, name in enumerate(outputs)
        ],
    }
    modelfmt.save_file({}, path, architecture=architecture)
    return path


def test_run_output_keeps_every_output_whatever_its_name(tmp_path: Path) -> None:
    outputs = ["file", "allow_pickle", "../../../../escaped", "/tmp/absolute"]
    model = _graph_file(tmp_path / "m.mf", outputs)
    np.save(tmp_path / "x.npy", np.array([1.5, -2.0], np.float32))
    work = tmp_path / "a" / "b" / "c" / "d"
    work.mkdir(parents=True)
    target = work / "out.npz"
    assert main(["run", str(model), "--input", f"x={tmp_path / 'x.npy'}", "--output", str(target)]) == 0
    with zipfile.ZipFile(target) as archive:
        assert all(_is_plain_file_name(member) for member in archive.namelist())
    with np.load(target) as loaded:
        assert sorted(loaded.files) == sorted(member_name(name)[: -len(".npy")] for name in outputs)
        assert loaded["file"].tolist() == [1.5, -2.0]
        assert loaded["allow_pickle"].tolist() == [1.5, -2.0]
    assert not (tmp_path / "escaped.npy").exists()


def test_run_output_adds_the_npz_suffix_as_numpy_does(tmp_path: Path) -> None:
    model = _graph_file(tmp_path / "m.mf", ["y"])
    np.save(tmp_path / "x.npy", np.zeros(2, np.float32))
    assert main(["run", str(model), "--input", str(tmp_path / "x.npy"), "--output", str(tmp_path / "out")]) == 0
    with np.load(tmp_path / "out.npz") as loaded:
        assert loaded.files == ["y"]


def _folder(path: Path, config: dict[str, object]) -> Path:
    path.mkdir()
    (path / "config.json").write_text(json.dumps(config))
    (path / "model.safetensors").write_bytes(safetensors_bytes({"w": np.zeros(2, np.float32)}))
    return path


def test_metadata_written_to_safetensors_is_readable_back(tmp_path: Path) -> None:
    # 1e16's canonical form is the integer 10000000000000000, beyond what a header may hold: refused on
    # writing, as the modelfmt writer refuses it, instead of written and unreadable.
    hostile = _folder(tmp_path / "hostile", {"model_type": "plain", "big": 1e16})
    with pytest.raises(ConversionError, match=r"1e\+16 cannot be stored in a modelfmt header"):
        convert(hostile, tmp_path / "hostile.safetensors", to="safetensors")
    assert not (tmp_path / "hostile.safetensors").exists()
    config = {"model_type": "plain", "largest": 2**53 - 1, "huge": 1e21, "tiny": 1e-7, "negative": -2.5e-300}
    fine = _folder(tmp_path / "fine", config)
    convert(fine, tmp_path / "fine.safetensors", to="safetensors")
    convert(tmp_path / "fine.safetensors", tmp_path / "fine.mf")
    assert modelfmt.read_header(tmp_path / "fine.mf").metadata["huggingface_config"] == config
