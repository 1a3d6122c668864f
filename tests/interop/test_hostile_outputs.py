"""What modelfmt writes from names and values it does not control: npz member names are never paths
(`convert --to npz`, `run --output`), no output name collides with numpy's own arguments, and metadata
written into safetensors is always readable by the safetensors reader."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

import modelfmt
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interop_helpers import safetensors_bytes
from modelfmt.cli import main
from modelfmt.convert import ConversionError, convert
from modelfmt.convert._npz import array_name, member_name
from modelfmt.convert._safetensors import open_safetensors, write_safetensors
from modelfmt.convert._source import Source

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
    "CON",
    "nul.weight",
]


_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"{port}{n}" for port in ("COM", "LPT") for n in "123456789")}


def _is_plain_file_name(member: str) -> bool:
    return (
        PurePosixPath(member).name == member
        and PureWindowsPath(member).name == member
        and not PureWindowsPath(member).drive
        and member not in (".", "..")
        and "\x00" not in member
        and member.partition(".")[0].rstrip(" ").upper() not in _WINDOWS_DEVICES  # CON.npy opens the console
    )


@settings(max_examples=500, deadline=None)
@given(
    name=st.text(st.characters(exclude_categories=()), max_size=12) | st.sampled_from(["CON", "nul.x", "%43ON", "Com1"])
)
def test_any_name_is_a_plain_member_name_and_decodes_back(name: str) -> None:
    member = member_name(name)
    assert _is_plain_file_name(member), member
    assert array_name(member) == name


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


# Names the issue lists: numpy.savez's own parameters, paths of every kind, an escape that must not be
# decoded twice, and names that differ only by case (distinct members, distinct names back).
ISSUE_NAMES = ["file", "allow_pickle", "../../../../x", "/etc/x", "a\\b", "C:x", "%2F", "Name", "name", "NAME"]


def _names_in_npz(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        members = archive.namelist()
    assert all(_is_plain_file_name(member) for member in members), members
    assert len(set(members)) == len(members)
    with np.load(path) as loaded:  # numpy reads every member (by its encoded name), with no keyword clash
        assert len(loaded.files) == len(members)
    return [array_name(member) for member in members]


def test_run_output_and_convert_to_npz_write_the_same_member_names_and_read_back_exact_names(tmp_path: Path) -> None:
    # run --output: before the shared writer, `file` gave a traceback and `allow_pickle` vanished
    # (numpy.savez(path, **outputs)).
    model = _graph_file(tmp_path / "m.mf", ISSUE_NAMES)
    np.save(tmp_path / "x.npy", np.array([1.5, -2.0], np.float32))
    ran = tmp_path / "ran.npz"
    assert main(["run", str(model), "--input", f"x={tmp_path / 'x.npy'}", "--output", str(ran)]) == 0
    assert sorted(_names_in_npz(ran)) == sorted(ISSUE_NAMES)
    convert(ran, tmp_path / "ran.mf")
    assert sorted(modelfmt.load_file(tmp_path / "ran.mf")) == sorted(ISSUE_NAMES)
    # convert --to npz: the same member name for the same name (one encoding, convert/_npz.member_name).
    tensors = {name: np.full(2, index, np.float32) for index, name in enumerate(ISSUE_NAMES)}
    (tmp_path / "in.safetensors").write_bytes(safetensors_bytes(tensors))
    converted = tmp_path / "converted.npz"
    assert main(["convert", str(tmp_path / "in.safetensors"), str(converted), "--to", "npz"]) == 0
    assert _names_in_npz(converted) == ISSUE_NAMES
    with zipfile.ZipFile(ran) as one, zipfile.ZipFile(converted) as other:
        assert sorted(one.namelist()) == sorted(other.namelist())
    convert(converted, tmp_path / "back.mf")
    back = modelfmt.load_file(tmp_path / "back.mf")
    assert list(back) == ISSUE_NAMES
    assert all(back[name].tolist() == [index, index] for index, name in enumerate(ISSUE_NAMES))


def _folder(path: Path, config: dict[str, object]) -> Path:
    path.mkdir()
    (path / "config.json").write_text(json.dumps(config))
    (path / "model.safetensors").write_bytes(safetensors_bytes({"w": np.zeros(2, np.float32)}))
    return path


def test_metadata_written_to_safetensors_is_readable_back(tmp_path: Path) -> None:
    # Before: 1e16 was written as its canonical form 10000000000000000, an integer beyond 2^53-1 that the
    # safetensors reader (the header's JSON rules) refuses; then it was refused on writing. Now floats are
    # carried in a form that reads back as the same float.
    hostile = _folder(tmp_path / "hostile", {"model_type": "plain", "big": 1e16, "negative_zero": -0.0})
    convert(hostile, tmp_path / "hostile.safetensors", to="safetensors")
    with open_safetensors(tmp_path / "hostile.safetensors") as back:
        config = back.metadata["huggingface_config"]
    assert isinstance(config, dict) and _same(config["big"], 1e16) and _same(config["negative_zero"], -0.0)
    # A modelfmt header cannot hold 1e16 canonically (SPEC.md §4.7): converting on refuses it, with a code.
    with pytest.raises(ConversionError, match="HEADER_NUMBER: 1e\\+16 cannot be stored in a modelfmt header"):
        convert(tmp_path / "hostile.safetensors", tmp_path / "hostile.mf")
    config = {"model_type": "plain", "largest": 2**53 - 1, "huge": 1e21, "tiny": 1e-7, "negative": -2.5e-300}
    fine = _folder(tmp_path / "fine", config)
    convert(fine, tmp_path / "fine.safetensors", to="safetensors")
    convert(tmp_path / "fine.safetensors", tmp_path / "fine.mf")
    assert modelfmt.read_header(tmp_path / "fine.mf").metadata["huggingface_config"] == config


def _same(left: object, right: object) -> bool:
    """Equal as metadata values (SPEC.md §4.6): same JSON type, same float bits (so -0.0 is not 0)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        return struct.pack("<d", left) == struct.pack("<d", right)  # type: ignore[arg-type]
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[key], right[key]) for key in left)  # type: ignore[attr-defined,index]
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same, left, right))  # type: ignore[arg-type]
    return left == right


def _through_safetensors(path: Path, metadata: dict[str, object]) -> dict[str, object]:
    write_safetensors(Source("modelfmt", [], metadata=metadata), path)
    with open_safetensors(path) as back:
        return back.metadata


EDGE_NUMBERS = [
    1e16,
    2.0**53,
    -(2.0**53),
    2.0**53 + 2,
    float(2**60),
    9.999999999999999e20,
    1e21,
    -0.0,
    0.0,
    1.0,
    1e308,
    -1.7976931348623157e308,
    5e-324,
    2.2250738585072014e-308,
    1e-7,
    2**53 - 1,
    -(2**53 - 1),
    0,
]


def test_edge_numbers_round_trip_through_safetensors_metadata(tmp_path: Path) -> None:
    metadata: dict[str, object] = {
        "edges": EDGE_NUMBERS,
        **{f"n{index}": value for index, value in enumerate(EDGE_NUMBERS)},
    }
    assert _same(_through_safetensors(tmp_path / "edges.safetensors", metadata), metadata)
    with pytest.raises(ConversionError, match="outside"):  # an integer no header holds (§4.4): not metadata
        _through_safetensors(tmp_path / "beyond.safetensors", {"n": 2**53})


@pytest.mark.parametrize(
    "carried",
    [{}, {"modelfmt": "not ours", "format": "pt"}, {"format": "pt"}],
    ids=["empty", "with-modelfmt-key", "plain"],
)
def test_carried_safetensors_metadata_round_trips_beside_other_keys(tmp_path: Path, carried: dict[str, str]) -> None:
    for metadata in ({"safetensors_metadata": carried, "x": 1.5}, {"safetensors_metadata": carried}):
        assert _same(_through_safetensors(tmp_path / "c.safetensors", metadata), metadata)


_SAFE = 2**53 - 1
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-_SAFE, _SAFE)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(EDGE_NUMBERS)
    | st.text(max_size=12)  # scalar values: hypothesis's text has no lone surrogates, as §4.1 requires
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=24,
)
# §8.2's recommended keys have fixed types; every other key takes any JSON value (§8.1).
_RECOMMENDED = {"name", "version", "license", "authors", "description", "source", "tags"}
_METADATA = st.dictionaries(
    st.text(max_size=12).filter(lambda key: key not in _RECOMMENDED) | st.just("safetensors_metadata"),
    _VALUES | st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=3),
    max_size=6,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(metadata=_METADATA)
def test_every_valid_metadata_value_round_trips_through_safetensors(
    tmp_path: Path, metadata: dict[str, object]
) -> None:
    assert _same(_through_safetensors(tmp_path / "m.safetensors", metadata), metadata)
