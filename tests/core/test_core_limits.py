"""Every limit of SPEC.md §5 at limit - 1, limit and limit + 1: the format maxima and lowered `Limits`.

Limits are inclusive: a value equal to the limit is valid. Each boundary runs through all four reading
APIs (load, load_file, safe_open, check_file), except the 262144-tensor file, which is read once with
`load` to keep the suite fast (about 4 s; the rejection at 262145 runs through all four).
"""

from __future__ import annotations

import struct
import tracemalloc
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from core_helpers import (
    EMPTY_SHA256,
    END_MAGIC,
    MAGIC,
    Tensor,
    agreed_code,
    assemble,
    entry_json,
    error_from_load,
    file_of,
    header_json,
    preamble,
    sha256,
)
from modelfmt import Limits
from modelfmt.format import _framing

MIB = 1024 * 1024


def empty_header_of_length(length: int) -> bytes:
    """A valid header of exactly `length` bytes: the smallest header padded with trailing spaces."""
    text = b'{"tensors":[],"metadata":{}}'
    assert length >= len(text)
    return text + b" " * (length - len(text))


def verdict(data: bytes, directory: Path, limits: Limits | None = None) -> str | None:
    return agreed_code(data, directory, limits or Limits())


# ---- header length --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("length", "expected"), [(99, None), (100, None), (101, "HEADER_TOO_LARGE")])
def test_header_length_against_a_lowered_limit(length: int, expected: str | None, tmp_path: Path) -> None:
    data = assemble(empty_header_of_length(length))
    assert verdict(data, tmp_path, Limits(max_header_bytes=100)) == expected


@pytest.mark.parametrize(
    ("declared", "expected"),
    [(64 * MIB - 1, "TRUNCATED"), (64 * MIB, "TRUNCATED"), (64 * MIB + 1, "HEADER_TOO_LARGE")],
)
def test_header_length_format_maximum_from_the_preamble_alone(declared: int, expected: str, tmp_path: Path) -> None:
    # A 24-byte file declaring the header length: up to 64 MiB the limit passes and the file is too
    # short for its header (TRUNCATED); above it the limit fails first. Neither may allocate the header.
    data = preamble(declared)
    assert verdict(data, tmp_path) == expected
    tracemalloc.start()
    try:
        with pytest.raises(modelfmt.ModelfmtError):
            modelfmt.load(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MIB, f"rejecting a 24-byte file allocated {peak} bytes"


def test_header_length_format_maximum_is_inclusive() -> None:
    assert Limits().max_header_bytes == 64 * MIB
    with pytest.raises(ValueError, match="format maximum"):
        Limits(max_header_bytes=64 * MIB + 1)


# ---- nesting depth --------------------------------------------------------------------------------------


def nested(count: int, *, objects: bool = False) -> str:
    if objects:
        return '{"k":' * (count - 1) + "{}" + "}" * (count - 1)
    return "[" * count + "]" * count


# Only the free-form sections: `architecture` and `training` have closed, validated content (§9, §11),
# and their depth is covered by the phase 2 byte literals in test_core_error_codes.
@pytest.mark.parametrize("section", ["metadata", "extensions"])
@pytest.mark.parametrize("objects", [False, True], ids=["arrays", "objects"])
@pytest.mark.parametrize(("depth", "expected"), [(63, None), (64, None), (65, "HEADER_DEPTH")])
def test_depth_format_maximum(section: str, objects: bool, depth: int, expected: str | None, tmp_path: Path) -> None:
    # Root object: depth 1; the section's object: depth 2; its member "com.example" holds the rest.
    inner = nested(depth - 2, objects=objects)
    value = '{"com.example":' + inner + "}"
    if section == "metadata":
        header = '{"tensors":[],"metadata":' + value + "}"
    else:
        header = '{"tensors":[],"metadata":{},"' + section + '":' + value + "}"
    assert verdict(assemble(header), tmp_path) == expected


@pytest.mark.parametrize(("depth", "expected"), [(9, None), (10, None), (11, "HEADER_DEPTH")])
def test_depth_against_a_lowered_limit(depth: int, expected: str | None, tmp_path: Path) -> None:
    header = '{"tensors":[],"metadata":{"a":' + nested(depth - 2) + "}}"
    assert verdict(assemble(header), tmp_path, Limits(max_depth=10)) == expected


@pytest.mark.parametrize(("limit", "expected"), [(3, "HEADER_DEPTH"), (4, None)])
def test_depth_limit_applies_to_the_tensor_table(limit: int, expected: str | None, tmp_path: Path) -> None:
    # root 1, tensors 2, entry 3, shape 4: a reader configured below 4 must reject any file with tensors.
    data = file_of([Tensor("x", "uint8", (1,), b"\x01")])
    assert verdict(data, tmp_path, Limits(max_depth=limit)) == expected


# ---- tensor names ---------------------------------------------------------------------------------------


def one_uint8_tensor_named(name: str) -> bytes:
    return file_of([Tensor(name, "uint8", (1,), b"\x07")])


NAMES = {
    # id: (name, UTF-8 byte length)
    "ascii-1023": ("n" * 1023, 1023),
    "ascii-1024": ("n" * 1024, 1024),
    "ascii-1025": ("n" * 1025, 1025),
    "2-byte-1024": ("é" * 512, 1024),
    "2-byte-1025": ("é" * 512 + "n", 1025),
    "2-byte-1026": ("é" * 513, 1026),
    "3-byte-1023": ("€" * 341, 1023),
    "3-byte-1024": ("€" * 341 + "n", 1024),
    "3-byte-1026": ("€" * 342, 1026),
    "4-byte-1024": ("𝄞" * 256, 1024),
    "4-byte-1025": ("𝄞" * 256 + "n", 1025),
    "4-byte-1028": ("𝄞" * 257, 1028),
}


@pytest.mark.parametrize("case", sorted(NAMES))
def test_name_length_in_utf8_bytes(case: str, tmp_path: Path) -> None:
    name, size = NAMES[case]
    assert len(name.encode("utf-8")) == size
    expected = None if size <= 1024 else "TENSOR_NAME"
    assert verdict(one_uint8_tensor_named(name), tmp_path) == expected


@pytest.mark.parametrize(("count", "expected"), [(512, None), (513, "TENSOR_NAME")])
def test_name_length_counts_unescaped_bytes_not_json_text(count: int, expected: str | None, tmp_path: Path) -> None:
    # "\u00e9" is 6 bytes of JSON text but 2 bytes of name: 512 of them are 3072 bytes of text, 1024 of name.
    entry = entry_json("PLACEHOLDER", "uint8", [1], 0, 1, sha256(b"\x07")).replace("PLACEHOLDER", "\\u00e9" * count)
    data = assemble(header_json([entry]), b"\x07")
    assert verdict(data, tmp_path) == expected


@pytest.mark.parametrize(("name", "expected"), [("abcdefg", None), ("abcdefgh", None), ("abcdefghi", "TENSOR_NAME")])
def test_name_against_a_lowered_limit(name: str, expected: str | None, tmp_path: Path) -> None:
    assert verdict(one_uint8_tensor_named(name), tmp_path, Limits(max_name_bytes=8)) == expected


# ---- rank -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rank", "expected"), [(15, None), (16, None), (17, "SHAPE_INVALID")])
def test_rank_format_maximum(rank: int, expected: str | None, tmp_path: Path) -> None:
    data = file_of([Tensor("r", "uint8", (1,) * rank, b"\x01")])
    assert verdict(data, tmp_path) == expected


@pytest.mark.parametrize(("rank", "expected"), [(1, None), (2, None), (3, "SHAPE_INVALID")])
def test_rank_against_a_lowered_limit(rank: int, expected: str | None, tmp_path: Path) -> None:
    data = file_of([Tensor("r", "uint8", (1,) * rank, b"\x01")])
    assert verdict(data, tmp_path, Limits(max_rank=2)) == expected


def test_rank_16_is_written_and_17_is_refused_by_the_writer() -> None:
    assert modelfmt.load(modelfmt.save({"r": np.zeros((1,) * 16, np.uint8)}))["r"].ndim == 16
    with pytest.raises(modelfmt.ModelfmtError) as raised:
        modelfmt.save({"r": np.zeros((1,) * 17, np.uint8)})
    assert raised.value.code == "SHAPE_INVALID"


# ---- tensor count ---------------------------------------------------------------------------------------


def zero_size_entries(count: int) -> str:
    return ",".join(entry_json(f"t{index}", "uint8", [0], 0, 0, EMPTY_SHA256) for index in range(count))


@pytest.mark.slow
def test_tensor_count_format_maximum_accepted() -> None:
    # 262144 zero-size tensors (a 43 MB header): the full read path, once, with `load`.
    count = 262_144
    data = assemble("{" + f'"tensors":[{zero_size_entries(count)}],"metadata":{{}}' + "}")
    tensors = modelfmt.load(data)
    assert len(tensors) == count
    assert tensors["t262143"].shape == (0,)


def test_tensor_count_format_maximum_plus_one_rejected_before_entries(tmp_path: Path) -> None:
    # The entries are `{}` (invalid): TENSOR_COUNT must be reported before any entry is examined.
    data = assemble('{"tensors":[' + ",".join(["{}"] * 262_145) + '],"metadata":{}}')
    assert verdict(data, tmp_path) == "TENSOR_COUNT"


@pytest.mark.parametrize(("count", "expected"), [(2, None), (3, None), (4, "TENSOR_COUNT")])
def test_tensor_count_against_a_lowered_limit(count: int, expected: str | None, tmp_path: Path) -> None:
    data = assemble(header_json([zero_size_entries(count)]))
    assert verdict(data, tmp_path, Limits(max_tensors=3)) == expected


# ---- metadata size (canonical form) -----------------------------------------------------------------------


def metadata_of_canonical_size(size: int) -> str:
    # {"k":"xxx..."}: 8 bytes of structure plus the string.
    return '{"k":"' + "x" * (size - 8) + '"}'


@pytest.mark.parametrize(("size", "expected"), [(MIB - 1, None), (MIB, None), (MIB + 1, "METADATA_TOO_LARGE")])
def test_metadata_format_maximum(size: int, expected: str | None, tmp_path: Path) -> None:
    data = assemble(header_json([], metadata_of_canonical_size(size)))
    assert verdict(data, tmp_path) == expected


def test_metadata_size_is_measured_on_the_canonical_form_not_the_text(tmp_path: Path) -> None:
    # Exactly 1 MiB canonical, written with whitespace and \u escapes: about 3 MiB of header text.
    canonical_body = "é" * ((MIB - 8) // 2)
    assert len(canonical_body.encode("utf-8")) == MIB - 8
    text = '{ "k" :\t"' + "\\u00e9" * len(canonical_body) + '" }'
    assert len(text) > 2 * MIB
    assert verdict(assemble(header_json([], text)), tmp_path) is None


def test_metadata_canonical_form_can_exceed_the_text(tmp_path: Path) -> None:
    # 1e20 is 4 bytes of text and 21 bytes canonical ("100000000000000000000"): 60000 of them are
    # 300 kB of text but 1.3 MB canonical.
    text = '{"a":[' + ",".join(["1e20"] * 60_000) + "]}"
    assert len(text) < MIB
    assert verdict(assemble(header_json([], text)), tmp_path) == "METADATA_TOO_LARGE"


@pytest.mark.parametrize(("size", "expected"), [(99, None), (100, None), (101, "METADATA_TOO_LARGE")])
def test_metadata_against_a_lowered_limit(size: int, expected: str | None, tmp_path: Path) -> None:
    data = assemble(header_json([], metadata_of_canonical_size(size)))
    assert verdict(data, tmp_path, Limits(max_metadata_bytes=100)) == expected


# ---- integers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("9007199254740990", None),
        ("9007199254740991", None),
        ("9007199254740992", "HEADER_NUMBER"),
        ("-9007199254740991", None),
        ("-9007199254740992", "HEADER_NUMBER"),
        ("9007199254740992.0", None),  # not integer-form: a double, exactly representable
        ("9007199254740993e0", None),  # not integer-form either
    ],
)
def test_integer_magnitude(number: str, expected: str | None, tmp_path: Path) -> None:
    assert verdict(assemble(header_json([], '{"n":' + number + "}")), tmp_path) == expected


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("length", 2**53 - 1, "TENSOR_LENGTH"),  # in range: the length rule applies, not the number rule
        ("length", 2**53, "HEADER_NUMBER"),
        ("offset", 2**53 - 1, "TENSOR_MISALIGNED"),
        ("offset", 2**53, "HEADER_NUMBER"),
    ],
)
def test_integer_fields_at_2_to_the_53(field: str, value: int, expected: str, tmp_path: Path) -> None:
    fields: dict[str, object] = {"offset": 0, "length": 1}
    fields[field] = value
    entry = entry_json("x", "uint8", [1], fields["offset"], fields["length"], sha256(b"\x01"))  # type: ignore[arg-type]
    assert verdict(assemble(header_json([entry]), b"\x01"), tmp_path) == expected


@pytest.mark.parametrize(("dim", "expected"), [(2**53 - 1, "TENSOR_LENGTH"), (2**53, "HEADER_NUMBER")])
def test_dimension_at_2_to_the_53(dim: int, expected: str, tmp_path: Path) -> None:
    entry = entry_json("x", "uint8", [dim], 0, 1, sha256(b"\x01"))
    assert verdict(assemble(header_json([entry]), b"\x01"), tmp_path) == expected


# ---- signature block body ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("body_length", "ok"), [(MIB - 1, True), (MIB, True), (MIB + 1, False)])
def test_signature_body_limit_in_the_framing(body_length: int, ok: bool) -> None:
    data_end = 128
    file_size = data_end + body_length + 16
    tail = struct.pack("<Q", body_length) + END_MAGIC
    if ok:
        layout = _framing.locate_end(data_end, file_size, tail)
        assert (layout.signature_body_offset, layout.signature_body_length) == (data_end, body_length)
    else:
        with pytest.raises(modelfmt.SignatureError) as raised:
            _framing.locate_end(data_end, file_size, tail)
        assert raised.value.code == "SIGNATURE_BLOCK"


def test_signature_body_over_the_limit_in_a_file(tmp_path: Path) -> None:
    # A body of 1 MiB + 1 bytes whose length field is right: only the size is wrong. (Acceptance at
    # exactly 1 MiB depends on the body's content, which §12 defines; the framing test above covers it.)
    body = b"{" + b" " * (MIB - 1) + b"}"
    data = file_of([Tensor("x", "uint8", (1,), b"\x01")]) + body + struct.pack("<Q", len(body)) + END_MAGIC
    assert verdict(data, tmp_path) == "SIGNATURE_BLOCK"
    assert "limit" in str(error_from_load(data))


# ---- the Limits object itself -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "maximum"),
    [
        ("max_header_bytes", 64 * MIB),
        ("max_depth", 64),
        ("max_name_bytes", 1024),
        ("max_rank", 16),
        ("max_tensors", 262_144),
        ("max_metadata_bytes", MIB),
    ],
)
def test_limits_default_to_the_format_maxima_and_cannot_exceed_them(field: str, maximum: int) -> None:
    assert getattr(Limits(), field) == maximum
    assert getattr(Limits(**{field: maximum - 1}), field) == maximum - 1
    with pytest.raises(ValueError, match="format maximum"):
        Limits(**{field: maximum + 1})
    with pytest.raises(TypeError):
        Limits(**{field: -1})
    with pytest.raises(TypeError):
        Limits(**{field: True})
    with pytest.raises(TypeError):
        Limits(**{field: 1.0})  # type: ignore[arg-type]  # the wrong type on purpose


def test_magic_is_what_the_preamble_helper_writes() -> None:
    assert preamble(0)[:8] == MAGIC == _framing.MAGIC
