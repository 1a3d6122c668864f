"""Writers and the reader agree (SPEC.md §14.1): whatever `StreamWriter` or `save_file` writes, `load_file`
reads back, and whatever input a writer refuses, it refuses with a `ModelfmtError` whose code is the one a
reader gives a file that breaks the same rule.

Inputs are random tensor tables (names non-ASCII and at the edges of their length, every dtype, zero-size
and scalar shapes, every role, bool bytes) and metadata. Each value is drawn valid or broken on purpose; a
broken value carries the codes a reader uses for the rule it breaks.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from core_helpers import ELEMENT_BYTES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelfmt import ModelfmtError, TensorSpec

MAX_SAFE_INTEGER = 2**53 - 1
NO_CODES: frozenset[str] = frozenset()

Tagged = tuple[object, frozenset[str]]  # a value, and the codes a reader gives a file holding it (none: valid)


def valid(values: st.SearchStrategy[object]) -> st.SearchStrategy[Tagged]:
    return values.map(lambda value: (value, NO_CODES))


def broken(code: str, *values: object) -> st.SearchStrategy[Tagged]:
    return st.sampled_from(values).map(lambda value: (value, frozenset({code})))


NAMES = st.one_of(
    valid(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc",)), min_size=1, max_size=5)),
    valid(st.text(alphabet="wb.é名😀", min_size=1, max_size=3)),  # short: names repeat, and must then be refused
    valid(st.sampled_from(["a" * 1024, "é" * 512, "😀" * 256, "\u200f", "\ufeff"])),  # 1024 bytes; odd but valid
    broken("TENSOR_NAME", "a" * 1025, "é" * 512 + "a", "😀" * 256 + "a", "", "a\nb", "\x7f", "x\x9f"),
    broken("HEADER_ENCODING", "\ud800", "a\udfff"),  # no UTF-8 form: the JSON rules of §4.1 come first
)
DTYPES = st.one_of(valid(st.sampled_from(sorted(ELEMENT_BYTES))), broken("DTYPE_UNKNOWN", "float128", "Float32", ""))
SHAPES = st.one_of(
    valid(st.lists(st.integers(0, 3), max_size=3)),  # scalars, zero-size, small
    broken("SHAPE_INVALID", [-1], [2, -3], [1] * 17),
)
ROLES = st.one_of(valid(st.sampled_from(list(modelfmt.ROLES))), broken("ROLE_UNKNOWN", "weight", "Parameter"))
METADATA_VALUES = st.one_of(
    valid(st.one_of(st.none(), st.booleans(), st.text(max_size=5), st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER))),
    valid(st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not 2**53 <= abs(x) < 1e21)),
    valid(st.lists(st.integers(-5, 5), max_size=3)),
    broken("HEADER_NUMBER", float("nan"), float("inf"), -float("inf"), 2**53, -(2**70), 2.0**53, 1e20),
    broken("HEADER_ENCODING", "\udc00", ["ok", "\ud83d"]),
)


@dataclass(frozen=True)
class Tensor:
    name: str
    dtype: str
    shape: list[int]
    role: str
    data: bytes
    codes: frozenset[str]  # of its name, dtype, shape and role
    bool_codes: frozenset[str]  # BOOL_VALUE when its bytes hold a value other than 0 and 1

    @property
    def constructible(self) -> bool:
        """Whether `save_file` can be given it: a numpy array of a registry dtype."""
        return self.dtype in ELEMENT_BYTES and all(dim >= 0 for dim in self.shape)

    def array(self) -> np.ndarray:
        return np.frombuffer(self.data, dtype=modelfmt.DTYPES[self.dtype].numpy).reshape(self.shape)


@st.composite
def tensors(draw: st.DrawFn) -> Tensor:
    name, name_codes = draw(NAMES)
    dtype, dtype_codes = draw(DTYPES)
    shape, shape_codes = draw(SHAPES)
    role, role_codes = draw(ROLES)
    assert isinstance(name, str) and isinstance(dtype, str) and isinstance(shape, list) and isinstance(role, str)
    count = math.prod(shape) if all(dim >= 0 for dim in shape) else 0
    size = count * ELEMENT_BYTES.get(dtype, 1)
    bool_codes = NO_CODES
    if dtype == "bool":
        values = draw(st.lists(st.sampled_from([0, 1, 1, 0, 1, 2, 255]), min_size=size, max_size=size))
        bool_codes = frozenset({"BOOL_VALUE"}) if any(value > 1 for value in values) else NO_CODES
        data = bytes(values)
    else:
        data = draw(st.binary(min_size=size, max_size=size))
    return Tensor(name, dtype, shape, role, data, name_codes | dtype_codes | shape_codes | role_codes, bool_codes)


@st.composite
def metadata(draw: st.DrawFn) -> tuple[dict[str, object], frozenset[str]]:
    result: dict[str, object] = {}
    codes: set[str] = set()
    for key in draw(st.lists(st.text(alphabet="ab.é", min_size=1, max_size=3), max_size=3, unique=True)):
        value, value_codes = draw(METADATA_VALUES)
        result[key] = value
        codes |= value_codes
    if draw(st.booleans()):
        value, value_codes = draw(st.one_of(valid(st.text(max_size=4)), broken("METADATA_TYPE", 7, ["x"], None)))
        result["name"] = value  # a recommended key, typed by §8.2
        codes |= value_codes
    return result, frozenset(codes)


def table_codes(table: list[Tensor], *, bools: bool) -> frozenset[str]:
    codes: set[str] = set()
    seen: set[str] = set()
    for tensor in table:
        codes |= tensor.codes | (tensor.bool_codes if bools else NO_CODES)
        if tensor.name in seen:
            codes.add("TENSOR_NAME_DUPLICATE")
        seen.add(tensor.name)
    return frozenset(codes)


def check_written(path: Path, table: list[Tensor], meta: dict[str, object]) -> None:
    """`path` was written: the reader accepts it, with every tensor and the metadata as given."""
    loaded = modelfmt.load_file(path)
    header = modelfmt.read_header(path)
    assert [(info.name, info.dtype, info.shape, info.role) for info in header.tensors] == [
        (tensor.name, tensor.dtype, tuple(tensor.shape), tensor.role) for tensor in table
    ]
    for tensor in table:
        array = loaded[tensor.name]
        expected = tensor.data if tensor.dtype != "bool" else bytes(min(byte, 1) for byte in tensor.data)
        assert array.tobytes() == expected and array.shape == tuple(tensor.shape)
    assert header.metadata == meta


def check_refused(exc: ModelfmtError, expected: frozenset[str], path: Path) -> None:
    assert expected, f"a writer refused valid input: {exc.code}: {exc}"
    assert exc.code in expected, f"refused with {exc.code}, a reader would say one of {sorted(expected)}: {exc}"
    assert not path.exists()
    assert list(path.parent.iterdir()) == []  # and left no temporary file


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(tensors(), max_size=5), metadata(), st.integers(1, 9))
def test_stream_writer_writes_what_the_reader_reads_and_refuses_with_its_codes(
    table: list[Tensor], meta_and_codes: tuple[dict[str, object], frozenset[str]], chunk: int
) -> None:
    meta, meta_codes = meta_and_codes
    expected = table_codes(table, bools=True) | meta_codes
    specs = [TensorSpec(tensor.name, tensor.dtype, tuple(tensor.shape), tensor.role) for tensor in table]
    payload = b"".join(tensor.data for tensor in table)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.mf"
        try:
            with modelfmt.StreamWriter(path, specs, metadata=meta) as writer:
                for start in range(0, len(payload), chunk):
                    writer.write(payload[start : start + chunk])
        except ModelfmtError as exc:
            check_refused(exc, expected, path)
            return
        assert not expected, f"a writer accepted input a reader rejects with {sorted(expected)}"
        check_written(path, table, meta)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(tensors(), max_size=5), metadata())
def test_save_file_writes_what_the_reader_reads_and_refuses_with_its_codes(
    drawn: list[Tensor], meta_and_codes: tuple[dict[str, object], frozenset[str]]
) -> None:
    # save_file takes arrays: a registry dtype, no negative dimension, one array per name; numpy bools
    # are stored as 0 and 1 whatever their bytes.
    table: list[Tensor] = []
    for tensor in drawn:
        if tensor.constructible and tensor.name not in {kept.name for kept in table}:
            table.append(tensor)
    meta, meta_codes = meta_and_codes
    expected = table_codes(table, bools=False) | meta_codes
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.mf"
        try:
            modelfmt.save_file(
                {tensor.name: tensor.array() for tensor in table},
                path,
                metadata=meta,
                roles={tensor.name: tensor.role for tensor in table},
            )
        except ModelfmtError as exc:
            check_refused(exc, expected, path)
            return
        assert not expected, f"a writer accepted input a reader rejects with {sorted(expected)}"
        check_written(path, table, meta)


# ---- bool bytes (§7.9) ------------------------------------------------------------------------------------


def test_stream_writer_refuses_a_bool_byte_other_than_0_and_1(tmp_path: Path) -> None:
    path = tmp_path / "b.mf"
    writer = modelfmt.StreamWriter(path, [TensorSpec("flags", "bool", (3,))])
    with pytest.raises(modelfmt.FormatError) as raised:
        writer.write(b"\x00\x02\x01")
    assert raised.value.code == "BOOL_VALUE" and raised.value.tensor == "flags"
    assert list(tmp_path.iterdir()) == []  # nothing reached the destination name, nothing was left behind
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"\x00")  # the writer aborted


def test_a_bad_bool_byte_later_in_a_chunk_keeps_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "b.mf"
    path.write_bytes(b"previous contents")
    specs = [TensorSpec("w", "float32", (2,)), TensorSpec("flags", "bool", (4,)), TensorSpec("v", "uint8", (1,))]
    with pytest.raises(modelfmt.FormatError) as raised, modelfmt.StreamWriter(path, specs) as writer:
        writer.write(np.ones(2, np.float32).tobytes() + b"\x01\x00\x01\x07" + b"\x05")
    assert raised.value.code == "BOOL_VALUE"
    assert path.read_bytes() == b"previous contents"
    assert sorted(tmp_path.iterdir()) == [path]


def test_bool_arrays_are_stored_as_0_and_1_and_bool_bytes_are_checked_as_given(tmp_path: Path) -> None:
    # A numpy bool array is true wherever its byte is not 0 (numpy builds such arrays from raw bytes), so
    # writers store it as 0 and 1; bytes given for a bool tensor are the file's bytes, and must be 0 or 1.
    flags = np.frombuffer(b"\x00\x02\x01", dtype=np.bool_)
    with modelfmt.StreamWriter(tmp_path / "a.mf", [TensorSpec("flags", "bool", (3,))]) as writer:
        writer.write(flags)
    modelfmt.save_file({"flags": flags}, tmp_path / "b.mf")
    for name in ("a.mf", "b.mf"):
        assert modelfmt.load_file(tmp_path / name)["flags"].view(np.uint8).tolist() == [0, 1, 1]
    with pytest.raises(modelfmt.FormatError, match="0x02"), modelfmt.StreamWriter(
        tmp_path / "c.mf", [TensorSpec("flags", "bool", (3,))]
    ) as writer:
        writer.write(flags.view(np.uint8))
    assert not (tmp_path / "c.mf").exists()
