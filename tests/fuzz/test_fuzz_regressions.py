"""Inputs the fuzzers of fuzz/ found to crash the package, each now a documented error.

One test per finding, with the reproducer's bytes (shortened by hand where that kept the failure).
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from modelfmt.convert import ConversionError, convert


def _npy(header: bytes) -> bytes:
    """A version 1.0 .npy file whose header text is `header` (padded as numpy pads it)."""
    padded = header + b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(padded)) + padded


# numpy re-reads a header that is no Python literal with the tokenizer, whose TokenError it lets through.
UNTERMINATED_NPY_HEADER = _npy(b"{'descr': '<f8', 'fortran_order': False, 'shape': (2,\n")


def test_npy_header_the_tokenizer_cannot_finish_is_a_conversion_error(tmp_path: Path) -> None:
    source = tmp_path / "array.npy"
    source.write_bytes(UNTERMINATED_NPY_HEADER)
    with pytest.raises(ConversionError, match="not a valid npy header"):
        convert(source, tmp_path / "out.mf")
    assert not (tmp_path / "out.mf").exists()


def test_npz_member_header_the_tokenizer_cannot_finish_is_a_conversion_error(tmp_path: Path) -> None:
    source = tmp_path / "arrays.npz"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("x.npy", UNTERMINATED_NPY_HEADER)
    with pytest.raises(ConversionError, match="not a valid npy header"):
        convert(source, tmp_path / "out.mf")
