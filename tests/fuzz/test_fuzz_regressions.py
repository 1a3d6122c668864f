"""Inputs the fuzzers of fuzz/ found to crash the package, each now a documented error.

One test per finding, with the reproducer's bytes (shortened by hand where that kept the failure).
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from modelfmt.convert import ConversionError, convert

DATA = Path(__file__).parent / "data"


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


# torch.load(weights_only=True) reports a damaged legacy checkpoint with whatever its failing step
# raises: an AssertionError for a storage the pickle never defined, IndexError from its mark stack.
@pytest.mark.parametrize(
    "name",
    ["pytorch-legacy-missing-storage.pt", "pytorch-legacy-empty-mark-stack.pt", "pytorch-legacy-index-out-of-range.pt"],
)
def test_damaged_pytorch_checkpoint_is_a_conversion_error(name: str, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    with pytest.raises(ConversionError, match="not a readable PyTorch checkpoint"):
        convert(DATA / name, tmp_path / "out.mf")


def test_keras_weights_with_a_damaged_object_header_are_a_conversion_error(tmp_path: Path) -> None:
    # The archive stores its weights uncompressed, so h5py reads them in place and no zip CRC sees the
    # damage; h5py reports the bad object header as a KeyError.
    pytest.importorskip("h5py")
    with pytest.raises(ConversionError, match="the weights file is damaged"):
        convert(DATA / "keras-damaged-object-header.keras", tmp_path / "out.mf")


def _zip_with_entries_before_its_start(members: dict[str, bytes]) -> bytes:
    """A zip whose end record places the central directory 4096 bytes later than it is: zipfile then
    computes negative entry offsets and seeks to them (an OSError before the fix)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    data = bytearray(buffer.getvalue())
    end_record = len(data) - 22  # no archive comment
    (directory_offset,) = struct.unpack_from("<I", data, end_record + 16)
    struct.pack_into("<I", data, end_record + 16, directory_offset + 4096)
    return bytes(data)


@pytest.mark.parametrize(
    ("name", "members"),
    [
        ("arrays.npz", {"x.npy": b"\x93NUMPY"}),
        ("model.keras", {"metadata.json": b"{}", "config.json": b"{}", "model.weights.h5": b""}),
    ],
)
def test_zip_entries_before_the_start_of_the_archive_are_a_conversion_error(
    name: str, members: dict[str, bytes], tmp_path: Path
) -> None:
    source = tmp_path / name
    source.write_bytes(_zip_with_entries_before_its_start(members))
    with pytest.raises(ConversionError, match="outside the archive"):
        convert(source, tmp_path / "out.mf")


def test_zip_needing_a_newer_zip_version_is_a_conversion_error(tmp_path: Path) -> None:
    # zipfile refuses such a central directory with NotImplementedError, which content detection let through.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("x.npy", b"\x93NUMPY")
    data = bytearray(buffer.getvalue())
    directory = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, directory + 6, 93)  # version needed to extract: 9.3
    source = tmp_path / "source"
    source.write_bytes(bytes(data))
    with pytest.raises(ConversionError, match="a zip archive, not modelfmt"):
        convert(source, tmp_path / "out.mf")


# fuzz_convert (the session's long campaign): a Keras archive whose central directory names a compression
# method zipfile cannot decompress; zipfile raised NotImplementedError when the member was read.
@pytest.mark.parametrize("method", [1, 6, 14, 93, 99, 0xFFFF])
@pytest.mark.parametrize(
    ("suffix", "members"),
    [
        (".keras", ["config.json", "metadata.json", "model.weights.h5"]),
        (".npz", ["x.npy"]),
        (".pt", ["archive/data.pkl", "archive/version"]),
    ],
)
def test_a_zip_member_of_an_unsupported_compression_method_is_refused(
    method: int, suffix: str, members: list[str], tmp_path: Path
) -> None:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        for member in members:
            archive.writestr(member, b"{}")
    data = bytearray(stream.getvalue())
    for signature, method_offset in ((b"PK\x01\x02", 10), (b"PK\x03\x04", 8)):  # central and local headers
        start = data.find(signature)
        while start >= 0:
            struct.pack_into("<H", data, start + method_offset, method)
            start = data.find(signature, start + 4)
    source = tmp_path / f"archive{suffix}"
    source.write_bytes(bytes(data))
    with pytest.raises(ConversionError, match="compression method"):
        convert(source, tmp_path / "out.mf")


# fuzz_convert: an npz whose local header marks its name UTF-8 but holds bytes that are not; zipfile's open
# raised UnicodeDecodeError. Every entry's local header is now checked against the directory up front.
def test_a_zip_entry_whose_local_name_is_not_valid_utf8_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match="local"):
        convert(DATA / "npz-local-name-not-utf8.npz", tmp_path / "out.mf")


def test_a_zip_entry_named_otherwise_in_its_local_header_is_refused(tmp_path: Path) -> None:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("x.npy", _npy(b"{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }"))
    data = stream.getvalue()
    local_name = data.index(b"x.npy")  # the first occurrence is the local header's copy
    source = tmp_path / "renamed.npz"
    source.write_bytes(data[:local_name] + b"y" + data[local_name + 1 :])
    with pytest.raises(ConversionError, match="local header"):
        convert(source, tmp_path / "out.mf")


# fuzz_convert_parts: an npy header whose dict mixes a bytes key with str keys; numpy's sorted() of the keys
# raised TypeError.
def test_an_npy_header_with_a_bytes_key_is_a_conversion_error(tmp_path: Path) -> None:
    source = tmp_path / "array.npy"
    source.write_bytes(_npy(b"{'descr': '>i4',b'fortran_order': False, 'shape': (3,), }") + b"\0" * 12)
    with pytest.raises(ConversionError, match="not a valid npy header"):
        convert(source, tmp_path / "out.mf")


# fuzz_convert (third campaign): a PyTorch checkpoint whose deflated data.pkl is corrupt; zlib.error escaped
# zipfile's read. Every reader of a zip member now treats zlib.error and EOFError as a damaged entry.
@pytest.mark.parametrize(
    ("suffix", "members"),
    [
        (".pt", ["archive/data.pkl", "archive/version"]),
        (".npz", ["x.npy"]),
        (".keras", ["config.json", "metadata.json", "model.weights.h5"]),
    ],
)
@pytest.mark.parametrize("damage", ["corrupt", "cut"])
def test_a_damaged_deflate_stream_is_a_conversion_error(
    suffix: str, members: list[str], damage: str, tmp_path: Path
) -> None:
    header = _npy(b"{'descr': '<f8', 'fortran_order': False, 'shape': (64,), }")
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            archive.writestr(member, header + bytes(512) if member.endswith(".npy") else b'{"a": 1}' * 64)
    data = bytearray(stream.getvalue())
    first = data.index(b"PK\x03\x04")
    (name_length, extra_length) = struct.unpack_from("<HH", data, first + 26)
    (compressed,) = struct.unpack_from("<I", data, first + 18)
    start = first + 30 + name_length + extra_length
    if damage == "corrupt":
        data[start] = 0x07  # a reserved deflate block type: "invalid block type"
    else:  # the stream's last bytes removed, sizes in the headers unchanged
        data[start + compressed // 2 : start + compressed] = bytes(compressed - compressed // 2)
    source = tmp_path / f"archive{suffix}"
    source.write_bytes(bytes(data))
    with pytest.raises(ConversionError):
        convert(source, tmp_path / "out.mf")
