"""schema/header.schema.json and the reader agree on every header in this table.

Each case mutates a valid header. The reader gives the expected code; the schema must reject every case
whose rule a JSON Schema can express, and must accept every header the reader accepts. Rules a schema
cannot express (offset arithmetic, name length in bytes, uniqueness, 1.0 versus 1) are marked
`schema_can_tell=False`: for those only the reader's verdict is asserted.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import modelfmt
import numpy as np
import pytest
from modelfmt.format import _framing

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schema" / "header.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

Header = dict[str, object]


def _base() -> tuple[Header, bytes]:
    tensors = {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "b": np.array([True, False]),
        "c": np.zeros((0, 2), dtype=np.int16),
    }
    data = modelfmt.save(tensors, metadata={"name": "base", "authors": ["x"]}, roles={"b": "buffer"})
    header_length = _framing.PREAMBLE.unpack_from(data)[4]
    header = json.loads(data[24 : 24 + header_length])
    data_start = _framing.align(24 + header_length)
    return header, data[data_start:]


BASE_HEADER, BASE_DATA = _base()


def _file(header_text: bytes) -> bytes:
    start = _framing.align(24 + len(header_text))
    return _framing.pack_preamble(len(header_text)) + header_text + bytes(start - 24 - len(header_text)) + BASE_DATA


def _reader_code(header_text: bytes) -> str | None:
    try:
        modelfmt.load(_file(header_text), verify=False)
    except modelfmt.ModelfmtError as error:
        return error.code
    return None


def _tensor(index: int, **changes: object) -> Callable[[Header], None]:
    def mutate(header: Header) -> None:
        entry = header["tensors"][index]  # type: ignore[index]
        for key, value in changes.items():
            if value is _DELETE:
                del entry[key]
            else:
                entry[key] = value

    return mutate


def _top(**changes: object) -> Callable[[Header], None]:
    def mutate(header: Header) -> None:
        for key, value in changes.items():
            if value is _DELETE:
                del header[key]
            else:
                header[key] = value

    return mutate


def _metadata(**changes: object) -> Callable[[Header], None]:
    def mutate(header: Header) -> None:
        header["metadata"].update(changes)  # type: ignore[attr-defined]

    return mutate


_DELETE = object()


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Callable[[Header], None]
    code: str | None  # None: valid
    schema_can_tell: bool = True


CASES = [
    Case("unchanged", lambda header: None, None),
    Case("free-form metadata", _metadata(epochs=3, notes={"a": [1, 2.5, None, True]}), None),
    Case("extensions", _top(extensions={"com.example.tool": {"x": 1}, "org.example-2.a": []}), None),
    Case("unicode name", _tensor(0, name="κ.weight/ü 😀"), None),
    Case(
        "only an unknown key", lambda header: header.clear() or header.update({"__list__": True}), "HEADER_UNKNOWN_KEY"
    ),
    Case("unknown top-level key", _top(comment="hi"), "HEADER_UNKNOWN_KEY"),
    Case("missing tensors", _top(tensors=_DELETE), "HEADER_MISSING_KEY"),
    Case("missing metadata", _top(metadata=_DELETE), "HEADER_MISSING_KEY"),
    Case("tensors not an array", _top(tensors={}), "HEADER_TYPE"),
    Case("metadata not an object", _top(metadata=[]), "HEADER_TYPE"),
    Case("extensions not an object", _top(extensions=[]), "HEADER_TYPE"),
    Case("extension key not reverse-DNS", _top(extensions={"tool": 1}), "EXTENSION_NAME"),
    Case("extension key upper case", _top(extensions={"Com.Example": 1}), "EXTENSION_NAME"),
    Case("entry unknown key", _tensor(0, comment="x"), "HEADER_UNKNOWN_KEY"),
    Case("entry missing sha256", _tensor(0, sha256=_DELETE), "HEADER_MISSING_KEY"),
    Case("name not a string", _tensor(0, name=5), "HEADER_TYPE"),
    Case("name empty", _tensor(0, name=""), "TENSOR_NAME"),
    Case("name with newline", _tensor(0, name="a\nb"), "TENSOR_NAME"),
    Case("name with C1 control", _tensor(0, name="a\x85"), "TENSOR_NAME"),
    Case("name 1025 ASCII bytes", _tensor(0, name="n" * 1025), "TENSOR_NAME"),
    Case("name 1026 UTF-8 bytes in 513 code points", _tensor(0, name="é" * 513), "TENSOR_NAME", schema_can_tell=False),
    Case("duplicate names", _tensor(1, name="a"), "TENSOR_NAME_DUPLICATE", schema_can_tell=False),
    Case("dtype unknown", _tensor(0, dtype="float128"), "DTYPE_UNKNOWN"),
    Case("dtype wrong case", _tensor(0, dtype="Float32"), "DTYPE_UNKNOWN"),
    Case("dtype not a string", _tensor(0, dtype=4), "HEADER_TYPE"),
    Case("role unknown", _tensor(0, role="weights"), "ROLE_UNKNOWN"),
    Case("shape not an array", _tensor(0, shape="2,3"), "HEADER_TYPE"),
    Case("shape with a fraction", _tensor(0, shape=[2, 3.5]), "HEADER_TYPE"),
    Case("shape with 3.0", _tensor(0, shape=[2, 3.0]), "HEADER_TYPE", schema_can_tell=False),
    Case("shape with a boolean", _tensor(0, shape=[2, True]), "HEADER_TYPE"),
    Case("negative dimension", _tensor(0, shape=[-2, -3]), "SHAPE_INVALID"),
    Case("rank 17", _tensor(2, shape=[0] + [1] * 16), "SHAPE_INVALID"),
    Case("dimension 2^53", _tensor(0, shape=[2**53, 3]), "HEADER_NUMBER"),
    Case("offset a string", _tensor(0, offset="0"), "HEADER_TYPE"),
    Case("offset 2^53", _tensor(0, offset=2**53), "HEADER_NUMBER"),
    Case("length null", _tensor(0, length=None), "HEADER_TYPE"),
    Case("length wrong", _tensor(0, length=20), "TENSOR_LENGTH", schema_can_tell=False),
    Case(
        "length overflowing 64-bit product",
        _tensor(0, shape=[2**32, 2**30], length=0),
        "TENSOR_LENGTH",
        schema_can_tell=False,
    ),
    Case("offset misaligned", _tensor(1, offset=32), "TENSOR_MISALIGNED"),
    Case("offset overlapping", _tensor(1, offset=0), "TENSOR_OVERLAP", schema_can_tell=False),
    Case("offset leaving a hole", _tensor(1, offset=128), "TENSOR_GAP", schema_can_tell=False),
    Case("sha256 upper case", _tensor(0, sha256="A" * 64), "HEADER_TYPE"),
    Case("sha256 short", _tensor(0, sha256="a" * 63), "HEADER_TYPE"),
    Case("metadata name not a string", _metadata(name=3), "METADATA_TYPE"),
    Case("metadata authors not strings", _metadata(authors=["a", 1]), "METADATA_TYPE"),
    Case("metadata tags a string", _metadata(tags="a,b"), "METADATA_TYPE"),
    Case("metadata integer 2^53", _metadata(big=2**53), "HEADER_NUMBER", schema_can_tell=False),
    Case("metadata over 1 MiB", _metadata(blob="x" * (1 << 20)), "METADATA_TOO_LARGE", schema_can_tell=False),
]


def _apply(case: Case) -> Header:
    header = copy.deepcopy(BASE_HEADER)
    case.mutate(header)
    return header


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_reader_and_schema_agree(case: Case) -> None:
    header = _apply(case)
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert _reader_code(text) == case.code
    schema_valid = VALIDATOR.is_valid(header)
    if case.code is None:
        assert schema_valid, "the schema rejects a header the reader accepts"
    elif case.schema_can_tell:
        assert not schema_valid, f"the schema accepts a header the reader rejects with {case.code}"


def test_non_object_header_is_rejected_by_both() -> None:
    assert _reader_code(b"[]") == "HEADER_TYPE"
    assert not VALIDATOR.is_valid([])


def test_schema_is_valid_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_schema_enums_match_registries() -> None:
    definitions = SCHEMA["$defs"]
    assert definitions["dtype"]["enum"] == list(modelfmt.DTYPES)
    assert definitions["role"]["enum"] == list(modelfmt.ROLES)
