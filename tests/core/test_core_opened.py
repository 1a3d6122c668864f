"""`OpenedFile`: phases 1-4 once over a path (pread), a memory map or a buffer, and the same answers from
each: header, layout, padding, prefix digest, tensor bytes, phase 5."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from modelfmt.container._opened import OpenedFile

TENSORS = {
    "a": np.arange(6, dtype=np.float32).reshape(2, 3),
    "empty": np.zeros((0, 4), dtype=np.int16),
    "flags": np.array([True, False, True]),
}
SOURCES = ("pread", "mapped", "buffer")


@contextmanager
def opened(path: Path, source: str) -> Iterator[OpenedFile]:
    if source == "buffer":
        with OpenedFile.from_view(memoryview(path.read_bytes())) as result:
            yield result
    else:
        with OpenedFile.open(path, mapped=source == "mapped") as result:
            yield result


@pytest.fixture
def signed_file(tmp_path: Path) -> Path:
    path = tmp_path / "m.mf"
    path.write_bytes(modelfmt.sign_bytes(modelfmt.save(TENSORS, metadata={"name": "m"}), modelfmt.generate_key()))
    return path


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_gives_the_same_answers(signed_file: Path, source: str) -> None:
    raw = signed_file.read_bytes()
    header = modelfmt.read_header(signed_file)
    with opened(signed_file, source) as file:
        assert file.header == header
        assert file.preamble_bytes + file.header_bytes + file.padding == raw[: header.data_start]
        assert file.prefix_digest() == hashlib.sha256(raw[: header.data_start]).digest()
        assert file.layout.signed and file.layout.file_size == len(raw)
        assert file.signature_body == raw[header.data_end : -16] and len(file.signatures) == 1
        assert [info.verified for info in file.signature_statuses(None)] == [False]
        for info in header.tensors:
            assert bytes(file.tensor_bytes(info)) == raw[header.data_start + info.offset : header.data_start + info.end]
        file.verify_content()
        data = file.read_data(verify=True)
        assert data.ctypes.data % 64 == 0 and data.tobytes() == raw[header.data_start : header.data_end]


@pytest.mark.parametrize("source", SOURCES)
def test_phase_5_errors_from_every_source(signed_file: Path, source: str) -> None:
    raw = bytearray(signed_file.read_bytes())
    header = modelfmt.read_header(signed_file)
    raw[header.data_start + header.tensor("flags").offset] = 2
    signed_file.write_bytes(bytes(raw))
    with opened(signed_file, source) as file:
        with pytest.raises(modelfmt.IntegrityError) as caught:
            file.verify_content()
        assert caught.value.code == "DIGEST_MISMATCH"
        with pytest.raises(modelfmt.FormatError) as refused:
            file.read_data(verify=False)
        assert refused.value.code == "BOOL_VALUE"


def test_closing_a_mapping_that_arrays_still_use(signed_file: Path) -> None:
    with modelfmt.safe_open(signed_file) as handle:
        array = handle.get_tensor("a")
        assert handle.opened.header is handle.header
    assert array.tolist() == TENSORS["a"].tolist()  # the mapping lives on with the array


@pytest.mark.parametrize("size", [0, 5, 23])
def test_a_file_too_short_to_map(tmp_path: Path, size: int) -> None:
    path = tmp_path / "short.mf"
    path.write_bytes((b"\x89MFT\r\n\x1a\n" + bytes(15))[:size])
    for mapped in (True, False):
        with pytest.raises(modelfmt.TruncatedError):
            OpenedFile.open(path, mapped=mapped)
