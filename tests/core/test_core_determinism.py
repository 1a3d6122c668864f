"""Determinism (SPEC.md §14.2) and the canonical header (§4.7, RFC 8785).

Same input -> the same bytes: across calls, across processes (another hash seed), and across `save`,
`save_file` and `StreamWriter` however the stream is chunked. The header a writer produces is its own
canonical form, numbers follow ECMAScript (vectors produced by V8 in data/jcs_numbers.json), keys sort
by UTF-16 code units, and the worked example of SPEC.md Appendix A is reproduced byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import ml_dtypes
import modelfmt
import numpy as np
import pytest
from core_helpers import Tensor, file_of, header_region
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelfmt.format import _json
from test_core_roundtrip import MODELS

DATA = Path(__file__).parent / "data"


def header_text(data: bytes) -> bytes:
    start, end, _ = header_region(data)
    return data[start:end]


def stream_write(path: Path, model: dict[str, np.ndarray], chunk_sizes: list[int], **sections: object) -> None:
    """Write `model` through StreamWriter, cutting the concatenated tensor bytes into the given chunk sizes."""
    specs = [modelfmt.TensorSpec(name, _dtype_name(array), array.shape, "parameter") for name, array in model.items()]
    payload = b"".join(
        np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes() for array in model.values()
    )
    with modelfmt.StreamWriter(path, specs, **sections) as writer:  # type: ignore[arg-type]
        position = 0
        sizes = iter(chunk_sizes)
        while position < len(payload):
            size = max(1, next(sizes, len(payload)))
            writer.write(payload[position : position + size])
            position += size


def _dtype_name(array: np.ndarray) -> str:
    native = array.dtype.newbyteorder("=")
    return next(name for name, entry in modelfmt.DTYPES.items() if entry.numpy.newbyteorder("=") == native)


# ---- SPEC.md Appendix A ---------------------------------------------------------------------------------

APPENDIX_A_HEADER = (
    b'{"metadata":{"name":"tiny"},"tensors":[{"dtype":"float32","length":8,"name":"w","offset":0,'
    b'"role":"parameter","sha256":"ee4ac73c2bd27756ab82780f27c73a7bc4d3f0bb6acb37e008bc27eccd7e588b",'
    b'"shape":[2]},{"dtype":"bool","length":3,"name":"mask","offset":64,"role":"buffer",'
    b'"sha256":"85f90dfea1d8027e1463e5ca971a250110a20df0119d204a74220bc63516d15b","shape":[3]}]}'
)
APPENDIX_A_SHA256 = "c35ebfdecbfb8d5e746da630e85e4641020dda6d556cd2cedba7c4b776895ec2"


def appendix_a_model() -> dict[str, np.ndarray]:
    return {"w": np.array([1.0, -2.0], dtype=np.float32), "mask": np.array([True, False, True])}


def test_appendix_a_is_reproduced_byte_for_byte(tmp_path: Path) -> None:
    data = modelfmt.save(appendix_a_model(), metadata={"name": "tiny"}, roles={"mask": "buffer"})
    assert header_text(data) == APPENDIX_A_HEADER
    assert len(APPENDIX_A_HEADER) == 358 and len(data) == 451
    assert hashlib.sha256(data).hexdigest() == APPENDIX_A_SHA256
    # The same bytes from the test's own builder (canonical key order in the entries).
    built = file_of(
        [
            Tensor("w", "float32", (2,), struct.pack("<2f", 1.0, -2.0)),
            Tensor("mask", "bool", (3,), b"\x01\x00\x01", "buffer"),
        ],
        metadata='{"name":"tiny"}',
    )
    assert len(built) == len(data) and built[358 + 24 :] == data[358 + 24 :]
    assert modelfmt.load(data)["mask"].tolist() == [True, False, True]


# ---- same input, same bytes -------------------------------------------------------------------------------

METADATA = {
    "name": "déterminisme",
    "lr": 0.1,
    "big": 1e21,
    "small": 5e-324,
    "neg": -0.0,
    "nested": {"z": [1, 2.5, None, True, False, "x"], "a": {}},
    "€": 1,
    "\U0001f600": 2,
    "\uff61": 3,
    "A": 4,
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=MODELS, chunks=st.lists(st.integers(1, 97), max_size=30))
def test_save_save_file_and_stream_writer_agree(
    model: dict[str, np.ndarray], chunks: list[int], tmp_path: Path
) -> None:
    expected = modelfmt.save(model, metadata=METADATA)
    assert modelfmt.save(model, metadata=METADATA) == expected
    modelfmt.save_file(model, tmp_path / "a.mf", metadata=METADATA)
    assert (tmp_path / "a.mf").read_bytes() == expected
    stream_write(tmp_path / "b.mf", model, chunks, metadata=METADATA)
    assert (tmp_path / "b.mf").read_bytes() == expected
    # Every written header is its own canonical form.
    raw = header_text(expected)
    assert _json.canonical(json.loads(raw)).encode("utf-8") == raw


@pytest.mark.slow
def test_same_bytes_in_another_process_with_another_hash_seed() -> None:
    script = (
        "import sys, numpy as np, modelfmt\n"
        "m = {'b': np.arange(5, dtype=np.int16), 'a': np.ones((2, 2), np.float32), 'z': np.zeros(0, np.uint8)}\n"
        "meta = {'k%d' % i: i / 7 for i in range(50)}\n"
        "sys.stdout.buffer.write(modelfmt.save(m, metadata=meta, extensions={'org.example.a': {'q': 1, 'p': 2}}))\n"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outputs.add(subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, env=env).stdout)
    assert len(outputs) == 1
    assert next(iter(outputs)).startswith(b"\x89MFT\r\n\x1a\n\x01\x00\x00\x00")  # version 1.0


def test_metadata_mapping_order_does_not_matter() -> None:
    forward = dict(sorted(METADATA.items()))
    backward = dict(reversed(sorted(METADATA.items())))
    model = appendix_a_model()
    assert modelfmt.save(model, metadata=forward) == modelfmt.save(model, metadata=backward)


def test_tensor_order_is_the_callers() -> None:
    a, b = np.zeros(1, np.uint8), np.ones(1, np.uint8)
    ab = modelfmt.load(modelfmt.save({"a": a, "b": b}))
    ba = modelfmt.load(modelfmt.save({"b": b, "a": a}))
    assert list(ab) == ["a", "b"] and list(ba) == ["b", "a"]


# ---- the canonical form (RFC 8785) ------------------------------------------------------------------------


def test_keys_sort_by_utf16_code_units() -> None:
    # The example of RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33.
    metadata = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    text = header_text(modelfmt.save({}, metadata=metadata)).decode("utf-8")
    order = [key for key in json.loads(text)["metadata"]]
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert sorted(metadata) != order  # code point order would differ: the test can tell them apart


def test_string_escaping_is_minimal() -> None:
    value = '\u0000\u0008\t\n\u000b\u000c\r\u001f"\\/\u007f\u0085\u2028é😀'
    text = header_text(modelfmt.save({}, metadata={"s": value}))
    expected = '"s":"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\\"\\\\/\u007f\u0085\u2028é😀"'.encode()
    assert expected in text


def _jcs_vectors() -> list[tuple[str, str]]:
    document = json.loads((DATA / "jcs_numbers.json").read_text(encoding="utf-8"))
    return [(bits, text) for bits, text in document["vectors"]]


def test_numbers_match_ecmascript() -> None:
    failures = []
    for bits, expected in _jcs_vectors():
        value = struct.unpack(">d", bytes.fromhex(bits))[0]
        if _json.format_number(value) != expected:
            failures.append((bits, value, _json.format_number(value), expected))
    assert failures == []


@pytest.mark.parametrize("value", [1e21, 1.5e-7, 0.1, 123.456, 5e-324, 1e22, -0.0, 1e-6, 2.5e300, 9007199254740991.0])
def test_numbers_in_a_written_header_use_the_canonical_form(value: float) -> None:
    text = header_text(modelfmt.save({}, metadata={"x": value}))
    assert text == b'{"metadata":{"x":' + _json.format_number(value).encode() + b'},"tensors":[]}'


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_form_round_trips_and_follows_the_rules(value: float) -> None:
    text = _json.format_number(value)
    assert float(text) == value or value == 0
    assert "E" not in text and "e+0" not in text and "e-0" not in text
    if "e" not in text and "." not in text:  # integer form: only for |value| < 1e21
        assert abs(value) < 1e21


@pytest.mark.parametrize("value", [2.0**53, -(2.0**53), 1e16, 9.999999999999999e20])
def test_writer_refuses_floats_whose_canonical_form_is_an_out_of_range_integer(value: float, tmp_path: Path) -> None:
    # SPEC.md §4.7: 2^53 <= |x| < 1e21 would be written as an integer-form number no reader accepts.
    path = tmp_path / "x.mf"
    with pytest.raises(ValueError):
        modelfmt.save_file({}, path, metadata={"x": value})
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "metadata",
    [
        {"x": float("nan")},
        {"x": float("inf")},
        {"x": "\ud800"},
        {"\udc00": 1},
        {"x": 2**53},
        {1: "int key"},
        {"x": {1, 2}},
    ],
    ids=["nan", "inf", "lone-surrogate-value", "lone-surrogate-key", "int-2^53", "non-string-key", "set"],
)
def test_writer_refuses_metadata_that_cannot_be_written(metadata: dict[object, object], tmp_path: Path) -> None:
    path = tmp_path / "x.mf"
    with pytest.raises((ValueError, TypeError)):
        modelfmt.save_file({}, path, metadata=metadata)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", "a\nb", "x\x85", "n" * 1025, "\ud800"])
def test_writer_refuses_invalid_tensor_names(name: str, tmp_path: Path) -> None:
    path = tmp_path / "x.mf"
    with pytest.raises((ValueError, TypeError)):
        modelfmt.save_file({name: np.zeros(1, np.uint8)}, path)
    assert list(tmp_path.iterdir()) == []


def test_writer_omits_empty_extensions() -> None:
    # SPEC.md §8.3: "Writers MUST omit `extensions` rather than write an empty object."
    text = header_text(modelfmt.save({}, extensions={}))
    assert b"extensions" not in text
    assert header_text(modelfmt.save({}, extensions={"com.example": 1})).startswith(b'{"extensions":{"com.example":1}')


def test_writer_writes_empty_metadata_when_given_none() -> None:
    assert header_text(modelfmt.save({})) == b'{"metadata":{},"tensors":[]}'


def test_bfloat16_and_float8_are_deterministic() -> None:
    model = {
        "bf": np.array([1.0, -0.0, np.nan], dtype=ml_dtypes.bfloat16),
        "e4": np.array([448.0], dtype=ml_dtypes.float8_e4m3fn),
        "e5": np.array([-57344.0], dtype=ml_dtypes.float8_e5m2),
    }
    assert modelfmt.save(model) == modelfmt.save({k: v.copy() for k, v in model.items()})
