"""Round trips: every registry dtype, every bit pattern, shapes of rank 0 to 4 (zero-size included).

Arrays are made from raw bytes viewed as the dtype, so NaN payloads, -0.0, subnormals and every other
bit pattern occur; bool is restricted to 0x00/0x01. save -> load, load_file and safe_open must give
bytes identical to the input, with the registry's dtype and the same shape.
"""

from __future__ import annotations

import struct
from pathlib import Path

import ml_dtypes
import modelfmt
import numpy as np
import pytest
from core_helpers import ELEMENT_BYTES, Tensor, file_of, header_region
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DTYPE_NAMES = list(modelfmt.DTYPES)

# The numpy dtype each registry name must come back as (little-endian), written out independently.
EXPECTED_NUMPY = {
    "bool": np.dtype(np.bool_),
    "int8": np.dtype("<i1"),
    "int16": np.dtype("<i2"),
    "int32": np.dtype("<i4"),
    "int64": np.dtype("<i8"),
    "uint8": np.dtype("<u1"),
    "uint16": np.dtype("<u2"),
    "uint32": np.dtype("<u4"),
    "uint64": np.dtype("<u8"),
    "float16": np.dtype("<f2"),
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
    "float32": np.dtype("<f4"),
    "float64": np.dtype("<f8"),
    "float8_e4m3fn": np.dtype(ml_dtypes.float8_e4m3fn),
    "float8_e5m2": np.dtype(ml_dtypes.float8_e5m2),
}


def test_registry_is_the_one_of_the_spec() -> None:
    assert sorted(modelfmt.DTYPES) == sorted(EXPECTED_NUMPY) == sorted(ELEMENT_BYTES)
    for name, entry in modelfmt.DTYPES.items():
        assert entry.block_elements == 1
        assert entry.block_bytes == ELEMENT_BYTES[name] == EXPECTED_NUMPY[name].itemsize
        assert entry.numpy == EXPECTED_NUMPY[name]


def array_from_bytes(dtype_name: str, shape: tuple[int, ...], raw: bytes) -> np.ndarray:
    if dtype_name == "bool":
        raw = bytes(byte & 1 for byte in raw)
    return np.frombuffer(raw, dtype=EXPECTED_NUMPY[dtype_name]).reshape(shape)


@st.composite
def tensors(draw: st.DrawFn) -> np.ndarray:
    dtype_name = draw(st.sampled_from(DTYPE_NAMES))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=4)))
    count = int(np.prod(shape, dtype=np.int64))
    raw = draw(st.binary(min_size=count * ELEMENT_BYTES[dtype_name], max_size=count * ELEMENT_BYTES[dtype_name]))
    return array_from_bytes(dtype_name, shape, raw)


# Names: any Unicode except controls and surrogates, 1 to 12 code points.
NAMES = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
ROLES = st.sampled_from(list(modelfmt.ROLES))
MODELS = st.dictionaries(NAMES, tensors(), min_size=0, max_size=5)


def dtype_name_of(array: np.ndarray) -> str:
    return next(name for name, dtype in EXPECTED_NUMPY.items() if dtype == array.dtype.newbyteorder("<"))


def assert_same(loaded: dict[str, np.ndarray] | None, model: dict[str, np.ndarray]) -> None:
    assert loaded is not None
    assert list(loaded) == list(model)  # the caller's order is kept
    for name, array in model.items():
        result = loaded[name]
        assert result.dtype == EXPECTED_NUMPY[dtype_name_of(array)], name
        assert result.shape == array.shape, name
        assert result.tobytes() == np.ascontiguousarray(array).astype(result.dtype).tobytes(), name


def read_all_ways(data: bytes, path: Path) -> list[dict[str, np.ndarray]]:
    path.write_bytes(data)
    with modelfmt.safe_open(path) as opened:
        mapped = {name: np.array(opened.get_tensor(name)) for name in opened.offset_keys()}
    return [modelfmt.load(data), modelfmt.load_file(path), mapped]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=MODELS, roles=st.data())
def test_roundtrip_is_bit_exact(model: dict[str, np.ndarray], roles: st.DataObject, tmp_path: Path) -> None:
    chosen = {name: roles.draw(ROLES) for name in model}
    data = modelfmt.save(model, roles=chosen, metadata={"n": len(model)})
    for loaded in read_all_ways(data, tmp_path / "m.mf"):
        assert_same(loaded, model)
    header = modelfmt.read_header(tmp_path / "m.mf")
    assert {info.name: info.role for info in header.tensors} == chosen


@pytest.mark.parametrize("dtype_name", [name for name in DTYPE_NAMES if ELEMENT_BYTES[name] <= 2 and name != "bool"])
def test_every_bit_pattern_of_one_and_two_byte_dtypes(dtype_name: str, tmp_path: Path) -> None:
    # All 256 or 65536 patterns: every NaN payload, both zeros, every subnormal, both infinities.
    size = ELEMENT_BYTES[dtype_name]
    raw = np.arange(256**size, dtype="<u2" if size == 2 else "u1").tobytes()
    array = array_from_bytes(dtype_name, (256**size,), raw)
    for loaded in read_all_ways(modelfmt.save({"all": array}), tmp_path / "m.mf"):
        assert loaded["all"].tobytes() == raw


SPECIAL_32 = [
    0x00000000,
    0x80000000,
    0x00000001,
    0x807FFFFF,
    0x7F800000,
    0xFF800000,
    0x7FC00000,
    0x7F800001,
    0xFFBFFFFF,
    0x7FFFFFFF,
    0x7F7FFFFF,
    0x00800000,
]
SPECIAL_64 = [
    0x0,
    0x8000000000000000,
    0x1,
    0x800FFFFFFFFFFFFF,
    0x7FF0000000000000,
    0xFFF0000000000000,
    0x7FF8000000000000,
    0x7FF0000000000001,
    0xFFF7FFFFFFFFFFFF,
    0x7FFFFFFFFFFFFFFF,
    0x7FEFFFFFFFFFFFFF,
]


@pytest.mark.parametrize(
    ("dtype_name", "raw"),
    [
        ("float32", struct.pack(f"<{len(SPECIAL_32)}I", *SPECIAL_32)),
        ("float64", struct.pack(f"<{len(SPECIAL_64)}Q", *SPECIAL_64)),
        ("int32", struct.pack("<4i", -(2**31), 2**31 - 1, -1, 0)),
        ("int64", struct.pack("<4q", -(2**63), 2**63 - 1, -1, 0)),
        ("uint64", struct.pack("<2Q", 2**64 - 1, 2**63)),
    ],
)
def test_special_values_of_wide_dtypes(dtype_name: str, raw: bytes, tmp_path: Path) -> None:
    # Signalling NaNs (0x7F800001) must not be quieted, negative NaN payloads must survive.
    array = array_from_bytes(dtype_name, (len(raw) // ELEMENT_BYTES[dtype_name],), raw)
    for loaded in read_all_ways(modelfmt.save({"s": array}), tmp_path / "m.mf"):
        assert loaded["s"].tobytes() == raw


def test_bool_bytes_other_than_0_and_1_are_written_as_1() -> None:
    # numpy bools built from raw bytes may hold 2..255; the writer must not store them (BOOL_VALUE).
    array = np.frombuffer(b"\x00\x02\xff\x01", dtype=np.bool_)
    loaded = modelfmt.load(modelfmt.save({"b": array}))
    assert loaded["b"].view(np.uint8).tolist() == [0, 1, 1, 1]


BIG_ENDIAN = ["int16", "int32", "int64", "uint16", "uint32", "uint64", "float16", "float32", "float64"]


@pytest.mark.parametrize("dtype_name", BIG_ENDIAN)
def test_big_endian_input_is_stored_little_endian(dtype_name: str, tmp_path: Path) -> None:
    little = array_from_bytes(dtype_name, (2, 3), bytes(range(1, 1 + 6 * ELEMENT_BYTES[dtype_name])))
    big = little.astype(little.dtype.newbyteorder(">"))
    assert big.tobytes() != little.tobytes()
    data = modelfmt.save({"x": big})
    assert data == modelfmt.save({"x": little})  # the same file, byte for byte
    start = header_region(data)[2]
    assert data[start : start + little.nbytes] == little.tobytes()
    for loaded in read_all_ways(data, tmp_path / "m.mf"):
        assert loaded["x"].dtype == EXPECTED_NUMPY[dtype_name]
        assert loaded["x"].tobytes() == little.tobytes()
    assert big.dtype.byteorder == ">"  # the caller's array is not modified


def _views() -> dict[str, np.ndarray]:
    base = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    return {
        "step": base[:, ::2, :],
        "reversed": base[::-1],
        "transposed": base.T,
        "fortran": np.asfortranarray(base),
        "broadcast": np.broadcast_to(np.arange(3, dtype=np.int16), (4, 3)),
        "column": base[:, 1, 2],
        "scalar-view": base[1, 2, 3:4].reshape(()),
        "big-endian-step": base.astype(">f4")[:, ::-1, 1::2],
    }


@pytest.mark.parametrize("case", sorted(_views()))
def test_non_contiguous_input(case: str, tmp_path: Path) -> None:
    array = _views()[case]
    assert not array.flags.c_contiguous or array.ndim == 0 or case == "column"
    data = modelfmt.save({"v": array})
    expected = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"))
    for loaded in read_all_ways(data, tmp_path / "m.mf"):
        assert loaded["v"].shape == array.shape
        assert loaded["v"].tobytes() == expected.tobytes()


def test_zero_dimensional_and_zero_size_tensors(tmp_path: Path) -> None:
    model = {
        "scalar": np.array(-0.0, dtype=np.float64),
        "empty": np.zeros((0,), dtype=np.float32),
        "empty-3d": np.zeros((3, 0, 2), dtype=ml_dtypes.bfloat16),
        "after": np.array([True]),
    }
    data = modelfmt.save(model)
    header = modelfmt.load(data)
    for loaded in [header, *read_all_ways(data, tmp_path / "m.mf")]:
        assert loaded["scalar"].shape == () and loaded["scalar"].tobytes() == struct.pack("<d", -0.0)
        assert loaded["empty"].shape == (0,) and loaded["empty-3d"].shape == (3, 0, 2)
        assert loaded["after"].tolist() == [True]
    infos = {info.name: info for info in modelfmt.read_header(tmp_path / "m.mf").tensors}
    assert infos["empty"].offset == infos["empty-3d"].offset == 64  # consecutive zero-size tensors share it
    assert infos["after"].offset == 64 and infos["empty"].length == 0


def test_safe_open_arrays_are_read_only_views_and_load_file_arrays_are_writable(tmp_path: Path) -> None:
    path = tmp_path / "m.mf"
    modelfmt.save_file({"x": np.arange(4, dtype=np.int32)}, path)
    with modelfmt.safe_open(path) as opened:
        mapped = opened.get_tensor("x")
        assert not mapped.flags.writeable
        with pytest.raises(ValueError):
            mapped[0] = 1
        del mapped
    loaded = modelfmt.load_file(path)["x"]
    loaded[0] = 9  # a private copy
    assert modelfmt.load_file(path)["x"][0] == 0


def test_mapped_tensors_are_64_byte_aligned_in_memory(tmp_path: Path) -> None:
    # SPEC.md §13.4: a page-aligned mapping puts every tensor at a 64-byte-aligned address. load_file's
    # arrays live in a numpy buffer: aligned for their dtype (numpy's guarantee), not necessarily to 64.
    path = tmp_path / "m.mf"
    modelfmt.save_file({"a": np.zeros(3, np.uint8), "b": np.ones(5, np.float64)}, path)
    with modelfmt.safe_open(path) as opened:
        for name in opened:
            array = opened.get_tensor(name)
            assert array.ctypes.data % 64 == 0, name
            del array
    for name, array in modelfmt.load_file(path).items():
        assert array.flags.aligned, name


def test_python_lists_and_scalars_are_saved_as_arrays() -> None:
    loaded = modelfmt.load(modelfmt.save({"list": [1.5, 2.5], "int": np.int64(3)}))
    assert loaded["list"].dtype == np.float64 and loaded["list"].tolist() == [1.5, 2.5]
    assert loaded["int"].shape == () and int(loaded["int"]) == 3


@pytest.mark.parametrize("value", [np.array([1 + 2j]), np.array(["a"]), np.array([object()]), np.zeros(2, dtype="V4")])
def test_unsupported_dtypes_are_refused_with_type_error(value: np.ndarray) -> None:
    with pytest.raises(TypeError, match=r"modelfmt|numeric"):
        modelfmt.save({"x": value})


def test_verification_off_still_checks_bool_values() -> None:
    # SPEC.md §7.9: a numpy bool is exposed natively, so values are checked even without verification.
    bad_digest = bytearray(file_of([Tensor("f", "float32", (1,), b"\x00\x00\x80\x3f")]))
    bad_digest[-1] ^= 0xFF
    assert modelfmt.load(bytes(bad_digest), verify=False)["f"].tobytes() == b"\x00\x00\x80\xc0"
    with pytest.raises(modelfmt.ModelfmtError) as raised:
        modelfmt.load(bytes(bad_digest))
    assert raised.value.code == "DIGEST_MISMATCH"
    bad_bool = file_of([Tensor("b", "bool", (2,), b"\x01\x07")])
    with pytest.raises(modelfmt.ModelfmtError) as raised:
        modelfmt.load(bad_bool, verify=False)
    assert raised.value.code == "BOOL_VALUE"
