"""safetensors <-> modelfmt: bit-exact tensors in every dtype, metadata carried both ways, identical
bytes after a round trip, a strict reader of malformed files, and bounded memory."""

from __future__ import annotations

import json
import struct
import tracemalloc
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from interop_helpers import (
    assert_same_tensors,
    every_dtype_tensors,
    leftovers,
    raw_safetensors,
    safetensors_bytes,
)
from modelfmt.convert import ConversionError, convert

SAFETENSORS_METADATA = "safetensors_metadata"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_every_dtype_is_carried_bit_exactly_both_ways(tmp_path: Path) -> None:
    tensors = every_dtype_tensors(seed=1)
    source = write(tmp_path / "a.safetensors", safetensors_bytes(tensors, {"format": "pt"}))
    report = convert(source, tmp_path / "a.mf")
    assert (report.source_format, report.destination_format, report.tensors) == ("safetensors", "modelfmt", 15)
    assert_same_tensors(modelfmt.load_file(tmp_path / "a.mf"), tensors)
    assert modelfmt.read_header(tmp_path / "a.mf").metadata == {SAFETENSORS_METADATA: {"format": "pt"}}
    back = convert(tmp_path / "a.mf", tmp_path / "b.safetensors")  # default destination: safetensors
    assert back.destination_format == "safetensors"
    assert (tmp_path / "b.safetensors").read_bytes() == source.read_bytes()


def test_output_matches_the_safetensors_library_byte_for_byte(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    load_file, save_file = safetensors_torch.load_file, safetensors_torch.save_file

    tensors = {
        "b": torch.randn(3, 4, dtype=torch.float32),
        "a": torch.arange(6, dtype=torch.int64),
        "h": torch.randn(5).bfloat16(),
        "e": torch.zeros(0, 2, dtype=torch.float16),
        "f8": torch.randn(4).to(torch.float8_e5m2),
        "m": torch.tensor([True, False]),
    }
    # One metadata key: the library writes several in hash-map order, which differs from run to run.
    save_file(tensors, tmp_path / "lib.safetensors", metadata={"format": "pt"})
    convert(tmp_path / "lib.safetensors", tmp_path / "x.mf")
    convert(tmp_path / "x.mf", tmp_path / "again.safetensors")
    assert (tmp_path / "again.safetensors").read_bytes() == (tmp_path / "lib.safetensors").read_bytes()
    loaded = load_file(tmp_path / "again.safetensors")
    for name, tensor in tensors.items():
        assert torch.equal(loaded[name].view(torch.uint8), tensor.view(torch.uint8)) or tensor.numel() == 0


def test_modelfmt_to_safetensors_and_back_gives_identical_bytes(tmp_path: Path) -> None:
    tensors = every_dtype_tensors(seed=2)
    roles = {"t.float32.11": "buffer", "t.int64.4": "other"}
    architecture = {
        "opset": {"modelfmt.core": 1},
        "inputs": [{"name": "x", "dtype": "float32", "shape": ["batch", 3]}],
        "outputs": [{"name": "y", "dtype": "float32", "shape": ["batch", 2]}],
        "nodes": [
            {
                "name": "fc",
                "op": "Linear",
                "inputs": ["x"],
                "outputs": ["y"],
                "attributes": {"in_features": 3, "out_features": 2},
                "parameters": {"weight": "w"},
            }
        ],
    }
    tensors["w"] = np.ones((2, 3), dtype=np.float32)
    metadata = {"name": "demo", "tags": ["a", "b"], "nested": {"x": [1, 2.5, None, True]}}
    original = tmp_path / "m.mf"
    modelfmt.save_file(
        tensors,
        original,
        metadata=metadata,
        roles=roles,
        architecture=architecture,
        extensions={"com.example.tool": {"k": 1}},
    )
    convert(original, tmp_path / "m.safetensors")
    convert(tmp_path / "m.safetensors", tmp_path / "m2.mf")
    assert (tmp_path / "m2.mf").read_bytes() == original.read_bytes()


def test_safetensors_metadata_and_modelfmt_metadata_coexist(tmp_path: Path) -> None:
    original = tmp_path / "m.mf"
    metadata = {SAFETENSORS_METADATA: {"format": "pt"}, "license": "MIT"}
    modelfmt.save_file({"w": np.zeros(2, np.float32)}, original, metadata=metadata)
    convert(original, tmp_path / "m.safetensors")
    data = (tmp_path / "m.safetensors").read_bytes()
    header = json.loads(data[8 : 8 + struct.unpack("<Q", data[:8])[0]])
    assert header["__metadata__"]["format"] == "pt"
    assert json.loads(header["__metadata__"]["modelfmt"]) == {"metadata": {"license": "MIT"}}
    convert(tmp_path / "m.safetensors", tmp_path / "m2.mf")
    assert (tmp_path / "m2.mf").read_bytes() == original.read_bytes()


def test_detection_is_by_content_not_by_name(tmp_path: Path) -> None:
    tensors = {"x": np.arange(4, dtype=np.float32)}
    source = write(tmp_path / "weights.npz", safetensors_bytes(tensors))
    assert convert(source, tmp_path / "out.bin").source_format == "safetensors"
    assert_same_tensors(modelfmt.load_file(tmp_path / "out.bin"), tensors)
    (tmp_path / "model.safetensors").write_bytes(b"<html><body>404 not found</body></html>")
    with pytest.raises(ConversionError, match="HTML page"):
        convert(tmp_path / "model.safetensors", tmp_path / "never.mf")
    assert not (tmp_path / "never.mf").exists()


# ---- malformed sources: refused, naming the cause, leaving nothing ---------------------------------------

GOOD_HEADER = {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}


def header_bytes(header: object) -> bytes:
    return json.dumps(header, separators=(",", ":")).encode()


def good_file() -> bytes:
    return raw_safetensors(header_bytes(GOOD_HEADER), bytes(16))


MALFORMED = {
    "empty": (b"", "the file is empty"),
    "shorter than a length": (b"\x08\x00\x00", "an unrecognised format"),
    "truncated data": (good_file()[:-3], "truncated safetensors file"),
    "truncated header": (good_file()[:20], "truncated safetensors file"),
    "header length too large": (struct.pack("<Q", 2**40) + b"{}", "exceeds the format's limit"),
    "trailing bytes": (good_file() + b"\0" * 8, "trailing bytes"),
    "lying length": (
        raw_safetensors(header_bytes({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}}), bytes(12)),
        "hold 12 bytes; dtype F32 and shape [2, 2] need 16",
    ),
    "hole": (
        raw_safetensors(header_bytes({"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}), bytes(16)),
        "leaving a hole",
    ),
    "overlap": (
        raw_safetensors(
            header_bytes(
                {
                    "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                    "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
                }
            ),
            bytes(12),
        ),
        "overlap",
    ),
    "offsets beyond the file": (
        raw_safetensors(header_bytes({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}), bytes(8)),
        "truncated safetensors file",
    ),
    "negative offset": (
        raw_safetensors(header_bytes({"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}), b""),
        "data_offsets must be",
    ),
    "duplicate key": (
        raw_safetensors(
            b'{"w":' + header_bytes(GOOD_HEADER["w"]) + b',"w":' + header_bytes(GOOD_HEADER["w"]) + b"}", bytes(16)
        ),
        "duplicate key",
    ),
    "not json": (raw_safetensors(b"{'w': 1}", b""), "not strict JSON"),
    "unknown dtype": (
        raw_safetensors(header_bytes({"w": {"dtype": "Q8", "shape": [1], "data_offsets": [0, 1]}}), bytes(1)),
        "unknown safetensors dtype 'Q8'",
    ),
    "dtype not carried": (
        raw_safetensors(header_bytes({"scales": {"dtype": "F8_E8M0", "shape": [4], "data_offsets": [0, 4]}}), bytes(4)),
        "tensor `scales`: safetensors dtype F8_E8M0",
    ),
    "complex dtype": (
        raw_safetensors(header_bytes({"z": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}), bytes(8)),
        "C64 (complex64) has no modelfmt equivalent",
    ),
    "extra entry key": (
        raw_safetensors(
            header_bytes({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "offset": 0}}), bytes(4)
        ),
        "exactly the keys",
    ),
    "bad shape": (
        raw_safetensors(header_bytes({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}), bytes(4)),
        "shape must be a list of non-negative integers",
    ),
    "metadata not strings": (
        raw_safetensors(header_bytes({"__metadata__": {"epoch": 3}}), b""),
        "`__metadata__` must be an object of strings",
    ),
    "empty name": (
        raw_safetensors(header_bytes({"": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}), bytes(4)),
        "cannot be a modelfmt name",
    ),
    "bool byte 2": (
        raw_safetensors(header_bytes({"m": {"dtype": "BOOL", "shape": [3], "data_offsets": [0, 3]}}), b"\x00\x02\x01"),
        "tensor `m`: a bool byte is neither 0 nor 1",
    ),
    "header not an object": (raw_safetensors(b"[1, 2]", b""), "an unrecognised format"),
    "forged modelfmt key": (
        raw_safetensors(header_bytes({"__metadata__": {"modelfmt": '{"evil": 1}'}}), b""),
        "must be an object with keys among",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_safetensors_is_refused_naming_the_cause(tmp_path: Path, case: str) -> None:
    data, expected = MALFORMED[case]
    source = write(tmp_path / "bad.safetensors", data)
    with pytest.raises(ConversionError) as caught:
        convert(source, tmp_path / "out.mf", to="modelfmt")
    assert expected in str(caught.value)
    assert not (tmp_path / "out.mf").exists()
    assert leftovers(tmp_path) == []


def test_a_failure_midway_leaves_no_destination_and_keeps_an_old_one(tmp_path: Path) -> None:
    # Valid until the last tensor, whose bool bytes are only seen while streaming, after 4 MiB are written.
    tensors = {f"big{i}": np.full((256, 1024), i, dtype=np.float32) for i in range(4)}
    tensors["flags"] = np.array([1, 0, 7, 1], dtype=np.uint8).view(np.bool_)
    source = write(tmp_path / "s.safetensors", safetensors_bytes(tensors))
    destination = tmp_path / "out.mf"
    with pytest.raises(ConversionError, match="tensor `flags`"):
        convert(source, destination)
    assert not destination.exists()
    destination.write_bytes(b"previous contents")
    for target in ("modelfmt", "safetensors", "npz"):
        with pytest.raises(ConversionError, match="tensor `flags`"):
            convert(source, destination, to=target)
        assert destination.read_bytes() == b"previous contents"
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_conversion_memory_is_bounded_by_a_chunk_not_the_model(tmp_path: Path) -> None:
    tensors = {f"layer{i}.weight": np.full((1024, 1024), i, dtype=np.float32) for i in range(24)}  # 96 MiB
    source = write(tmp_path / "big.safetensors", safetensors_bytes(tensors))
    del tensors
    for destination, target in ((tmp_path / "big.mf", "modelfmt"), (tmp_path / "big2.safetensors", "safetensors")):
        tracemalloc.start()
        convert(source, destination, to=target)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 40 * 1024 * 1024, f"{target}: peak {peak / 2**20:.1f} MiB for a 96 MiB model"
    assert (tmp_path / "big2.safetensors").read_bytes() == source.read_bytes()


def test_destination_is_not_the_source(tmp_path: Path) -> None:
    source = write(tmp_path / "a.safetensors", good_file())
    with pytest.raises(ConversionError, match="is the source"):
        convert(source, source, to="safetensors")
    assert source.read_bytes() == good_file()


def test_unknown_destination_format_is_a_value_error(tmp_path: Path) -> None:
    source = write(tmp_path / "a.safetensors", good_file())
    with pytest.raises(ValueError, match="unknown destination format 'onnx'"):
        convert(source, tmp_path / "x", to="onnx")


def test_a_damaged_modelfmt_source_raises_its_own_error(tmp_path: Path) -> None:
    path = tmp_path / "m.mf"
    modelfmt.save_file({"w": np.arange(16, dtype=np.float32)}, path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(modelfmt.IntegrityError):
        convert(path, tmp_path / "out.safetensors")
    assert not (tmp_path / "out.safetensors").exists()
