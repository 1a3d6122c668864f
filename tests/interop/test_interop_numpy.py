"""numpy .npy / .npz <-> modelfmt: every numpy-representable dtype, Fortran order and big-endian input,
no pickle anywhere, zip bombs bounded."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import ml_dtypes
import modelfmt
import numpy as np
import pytest
from interop_helpers import assert_same_tensors, leftovers, random_tensor
from modelfmt.convert import ConversionError, convert

NUMPY_DTYPES = [name for name in modelfmt.DTYPES if name not in ("bfloat16", "float8_e4m3fn", "float8_e5m2")]


@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3, 4), (2, 3, 5)])
def test_npy_every_dtype_and_shape(tmp_path: Path, dtype: str, shape: tuple[int, ...]) -> None:
    array = random_tensor(dtype, shape, seed=len(shape))
    np.save(tmp_path / "a.npy", array)
    report = convert(tmp_path / "a.npy", tmp_path / "a.mf")
    assert report.source_format == "npy"
    assert_same_tensors(modelfmt.load_file(tmp_path / "a.mf"), {"a": array})


def test_npy_fortran_order_and_big_endian_become_c_order_little_endian(tmp_path: Path) -> None:
    base = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    for index, array in enumerate([np.asfortranarray(base), base.astype(">f8"), np.asfortranarray(base.astype(">i4"))]):
        np.save(tmp_path / f"x{index}.npy", array)
        convert(tmp_path / f"x{index}.npy", tmp_path / f"x{index}.mf", name="x")
        loaded = modelfmt.load_file(tmp_path / f"x{index}.mf")["x"]
        assert loaded.dtype.byteorder in "=<|"
        np.testing.assert_array_equal(loaded, base.astype(loaded.dtype))


def test_npz_round_trip_plain_and_compressed(tmp_path: Path) -> None:
    arrays = {name: random_tensor(name, (4, 3), seed=i) for i, name in enumerate(NUMPY_DTYPES)}
    arrays["fortran"] = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    arrays["big_endian"] = np.arange(5, dtype=">u2")
    for saver in (np.savez, np.savez_compressed):
        saver(tmp_path / "a.npz", **arrays)
        assert convert(tmp_path / "a.npz", tmp_path / "a.mf").source_format == "npz"
        loaded = modelfmt.load_file(tmp_path / "a.mf")
        assert list(loaded) == list(arrays)
        for name, array in arrays.items():
            np.testing.assert_array_equal(loaded[name], array)
            assert loaded[name].tobytes() == np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
    convert(tmp_path / "a.mf", tmp_path / "b.npz", to="npz")
    with np.load(tmp_path / "b.npz", allow_pickle=False) as back:
        assert list(back) == list(arrays)
        for name, array in arrays.items():
            np.testing.assert_array_equal(back[name], array)


def test_npz_export_names_what_it_cannot_carry(tmp_path: Path) -> None:
    modelfmt.save_file({"ok": np.zeros(2, np.float32)}, tmp_path / "m.mf", metadata={"name": "m"})
    report = convert(tmp_path / "m.mf", tmp_path / "m.npz", to="npz")
    assert any("metadata" in note for note in report.notes)
    modelfmt.save_file({"ok": np.zeros(2, np.float32), "h": np.zeros(2, ml_dtypes.bfloat16)}, tmp_path / "h.mf")
    with pytest.raises(ConversionError, match=r"tensor `h`: dtype bfloat16 has no \.npy equivalent"):
        convert(tmp_path / "h.mf", tmp_path / "h.npz", to="npz")
    assert not (tmp_path / "h.npz").exists()


def test_object_arrays_are_refused_without_unpickling(tmp_path: Path) -> None:
    np.save(tmp_path / "o.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(ConversionError, match="object array"):
        convert(tmp_path / "o.npy", tmp_path / "o.mf")
    np.savez(tmp_path / "o.npz", good=np.zeros(2), bad=np.array([1, "x"], dtype=object))
    with pytest.raises(ConversionError, match="array `bad`: an object array"):
        convert(tmp_path / "o.npz", tmp_path / "o.mf")
    assert not (tmp_path / "o.mf").exists()


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.zeros(3, dtype=[("a", "<f4"), ("b", "<i4")]), "structured dtype"),
        (np.zeros(3, dtype=np.complex64), "numpy dtype <c8 has no modelfmt equivalent"),
        (np.array(["ab", "c"]), "numpy dtype <U2 has no modelfmt equivalent"),
        (np.zeros(2, dtype="datetime64[s]"), "has no modelfmt equivalent"),
    ],
)
def test_non_numeric_dtypes_are_refused(tmp_path: Path, array: np.ndarray, expected: str) -> None:
    np.save(tmp_path / "x.npy", array)
    with pytest.raises(ConversionError, match=expected.replace("[", r"\[")):
        convert(tmp_path / "x.npy", tmp_path / "x.mf")


def test_bfloat16_saved_by_numpy_is_refused_with_a_hint(tmp_path: Path) -> None:
    np.save(tmp_path / "b.npy", np.zeros(3, ml_dtypes.bfloat16))
    with pytest.raises(ConversionError, match=r"lose their type in \.npy"):
        convert(tmp_path / "b.npy", tmp_path / "b.mf")


def test_truncated_and_padded_npy(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.arange(100, dtype=np.int32))
    data = (tmp_path / "a.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(data[:-7])
    with pytest.raises(ConversionError, match="truncated npy file"):
        convert(tmp_path / "t.npy", tmp_path / "t.mf")
    (tmp_path / "p.npy").write_bytes(data + b"\0")
    with pytest.raises(ConversionError, match="1 bytes follow the array data"):
        convert(tmp_path / "p.npy", tmp_path / "p.mf")
    (tmp_path / "h.npy").write_bytes(data[:30])
    with pytest.raises(ConversionError, match="not a valid npy header"):
        convert(tmp_path / "h.npy", tmp_path / "h.mf")
    assert leftovers(tmp_path) == []


def _npz_bytes(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _set_uncompressed_size(archive: bytes, name: bytes, size: int) -> bytes:
    """Rewrite an entry's uncompressed size in the central directory (what a lying archive does)."""
    data = bytearray(archive)
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == name:
            struct.pack_into("<I", data, position + 24, size)
            return bytes(data)
        position = data.find(b"PK\x01\x02", position + 4)
    raise AssertionError(name)


def test_zip_bombs_are_refused_before_inflating(tmp_path: Path) -> None:
    archive = _npz_bytes(x=np.zeros(8, np.float32))
    (tmp_path / "bomb.npz").write_bytes(_set_uncompressed_size(archive, b"x.npy", 0xFFFF0000))
    with pytest.raises(ConversionError, match="zip bomb"):
        convert(tmp_path / "bomb.npz", tmp_path / "bomb.mf")
    assert not (tmp_path / "bomb.mf").exists()


def test_overlapping_entries_are_refused(tmp_path: Path) -> None:
    # Two central directory entries pointing at the same data: the multiplying trick of overlap bombs.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.npy", _npy_bytes(np.zeros(4)))
    data = buffer.getvalue()
    start = data.find(b"PK\x01\x02")
    end = data.find(b"PK\x05\x06")
    entry = data[start:end]
    twin = entry.replace(b"a.npy", b"b.npy")
    eocd = bytearray(data[end:])
    struct.pack_into("<HHI", eocd, 8, 2, 2, 2 * len(entry))  # entries on disk, total, directory size
    (tmp_path / "twin.npz").write_bytes(data[:start] + entry + twin + bytes(eocd))
    with pytest.raises(ConversionError, match="overlap"):
        convert(tmp_path / "twin.npz", tmp_path / "twin.mf")


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_npz_entry_whose_size_disagrees_with_its_header(tmp_path: Path) -> None:
    archive = _npz_bytes(x=np.zeros(8, np.float32))
    (tmp_path / "lie.npz").write_bytes(_set_uncompressed_size(archive, b"x.npy", 200))
    with pytest.raises(ConversionError, match="array `x`: the archive declares 200 bytes"):
        convert(tmp_path / "lie.npz", tmp_path / "lie.mf")


def test_npz_with_a_foreign_entry_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.npy", _npy_bytes(np.zeros(2)))
        archive.writestr("evil.pkl", b"\x80\x04K\x01.")
    (tmp_path / "f.npz").write_bytes(buffer.getvalue())
    # Not every entry is .npy, so this zip is not recognised as npz at all.
    with pytest.raises(ConversionError, match="zip archive"):
        convert(tmp_path / "f.npz", tmp_path / "f.mf")
