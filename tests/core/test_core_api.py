"""The reading API's surface: safe_open (lazy, per-tensor verification), read_header, load's inputs."""

from __future__ import annotations

from pathlib import Path

import modelfmt
import numpy as np
import pytest
from core_helpers import SMALL_TENSORS, header_region, layout, small_file

SMALL = small_file()


def corrupt_tensor(data: bytes, name: str) -> bytes:
    """`data` with the first byte of tensor `name` changed."""
    placed, _ = layout(SMALL_TENSORS)
    offset = next(offset for tensor, offset in placed if tensor.name == name)
    position = header_region(data)[2] + offset
    return data[:position] + bytes([data[position] ^ 0x40]) + data[position + 1 :]


def test_safe_open_surface(tmp_path: Path) -> None:
    path = tmp_path / "s.mf"
    path.write_bytes(SMALL)
    with modelfmt.safe_open(path) as opened:
        # keys() sorted, as safetensors gives them; iteration and offset_keys() in the file's order
        assert opened.keys() == sorted(tensor.name for tensor in SMALL_TENSORS)
        assert list(opened) == opened.offset_keys() == [tensor.name for tensor in SMALL_TENSORS]
        assert len(opened) == len(SMALL_TENSORS)
        assert "mask" in opened and "nope" not in opened
        assert opened.metadata["name"] == "small" and opened.metadata["lr"] == 0.001
        assert opened.header.tensor("step").role == "optimizer"
        assert opened.get_tensor("step").shape == ()
        with pytest.raises(KeyError):
            opened.get_tensor("nope")


def test_safe_open_verifies_each_tensor_on_first_access(tmp_path: Path) -> None:
    # SPEC.md §13.2 allows lazy verification: a corrupt `step` does not stop reading `w`, but reading
    # `step` raises, every time.
    path = tmp_path / "s.mf"
    path.write_bytes(corrupt_tensor(SMALL, "step"))
    with modelfmt.safe_open(path) as opened:
        assert opened.get_tensor("w").shape == (2, 3)
        for _ in range(2):
            with pytest.raises(modelfmt.IntegrityError) as raised:
                opened.get_tensor("step")
            assert (raised.value.code, raised.value.tensor) == ("DIGEST_MISMATCH", "step")
    with modelfmt.safe_open(path, verify=False) as opened:
        assert opened.get_tensor("step").shape == ()


def test_safe_open_checks_header_padding_at_open(tmp_path: Path) -> None:
    _, end, start = header_region(SMALL)
    assert start > end
    path = tmp_path / "s.mf"
    path.write_bytes(SMALL[:end] + b"\x01" + SMALL[end + 1 :])
    with pytest.raises(modelfmt.FormatError) as raised:
        modelfmt.safe_open(path)
    assert (raised.value.code, raised.value.offset) == ("PADDING_NOT_ZERO", end)


def test_safe_open_only_supports_numpy() -> None:
    with pytest.raises(ValueError, match="numpy"):
        modelfmt.safe_open("unused.mf", framework="tf")


def test_read_header_reads_phases_1_to_4_only(tmp_path: Path) -> None:
    path = tmp_path / "s.mf"
    path.write_bytes(corrupt_tensor(SMALL, "w"))
    header = modelfmt.read_header(path)  # the digest is not checked
    assert [info.name for info in header.tensors] == [tensor.name for tensor in SMALL_TENSORS]
    assert header.data_start % 64 == 0 and header.data_end == len(SMALL)
    with pytest.raises(modelfmt.IntegrityError):
        modelfmt.load_file(path)
    path.write_bytes(SMALL[:-1])
    with pytest.raises(modelfmt.TruncatedError):
        modelfmt.read_header(path)


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview], ids=["bytes", "bytearray", "memoryview"])
def test_load_accepts_any_bytes_like(wrap: type) -> None:
    loaded = modelfmt.load(wrap(SMALL))
    assert loaded["mask"].tolist() == [True, False, True, True, False]
    assert loaded["h"].view(np.uint16).tolist() == [0x3F80, 0xC000, 0x7FC0]


def test_load_result_does_not_alias_the_input() -> None:
    buffer = bytearray(SMALL)
    loaded = modelfmt.load(buffer)
    buffer[header_region(SMALL)[2]] ^= 0xFF
    assert loaded["w"].tobytes() == SMALL_TENSORS[0].data


def test_os_errors_pass_through(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        modelfmt.load_file(tmp_path / "missing.mf")
    with pytest.raises(IsADirectoryError):
        modelfmt.safe_open(tmp_path)
