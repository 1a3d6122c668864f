"""One hand-built byte string for every core error code of the registry (SPEC.md §16).

Each case is built from `struct` and JSON text written here, so every byte is under the test's
control. For each case the test asserts the exact `.code`, the category class (and the builtin it
mixes in), the offset and tensor where one is meaningful, and that load, load_file, safe_open and
check_file all report the same code.

A registry test fails when a core code has no case here: adding a code to `_errors.ERROR_CODES`
without a byte-literal test breaks the build.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import modelfmt
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
    header_region,
    sha256,
)
from modelfmt import (
    ERROR_CODES,
    FormatError,
    IntegrityError,
    LimitError,
    ModelfmtError,
    SignatureError,
    TruncatedError,
    UnsupportedError,
)

# Codes other work owns (architecture, op set, runtime, training, signature content). SIGNATURE_BLOCK
# stays: its framing is checked by every reader in phase 4 (SPEC.md §3.6).
OTHER_WORK_PREFIXES = ("GRAPH_", "RUN_", "TRAINING_", "SIGNATURE_")
CORE_CODES = sorted(
    code for code in ERROR_CODES if code == "SIGNATURE_BLOCK" or not code.startswith(OTHER_WORK_PREFIXES)
)

# The class of each category of SPEC.md §16, written out independently of the package's own table.
CATEGORY_CLASS: dict[str, type[ModelfmtError]] = {
    "format": FormatError,
    "truncated": TruncatedError,
    "limit": LimitError,
    "unsupported": UnsupportedError,
    "integrity": IntegrityError,
    "signature": SignatureError,
}

ANY = object()  # offset not asserted (the parser does not know a position for this rule)


@dataclass(frozen=True)
class Case:
    data: bytes
    offset: object = ANY  # int, None, or ANY
    tensor: str | None = None


# ---- building blocks ------------------------------------------------------------------------------------

W = Tensor("w", "float32", (2,), struct.pack("<2f", 1.0, -2.0))
MASK = Tensor("mask", "bool", (3,), b"\x01\x00\x01", role="buffer")
VALID = file_of([W, MASK], metadata='{"name":"tiny"}')
_, VALID_HEADER_END, VALID_DATA_START = header_region(VALID)
assert VALID_DATA_START > VALID_HEADER_END, "the base file needs header padding for the padding cases"
W_ENTRY = entry_json("w", "float32", [2], 0, 8, sha256(W.data))


def one_entry(**fields: object) -> bytes:
    """A file whose single tensor entry is `w` with `fields` replaced (data section = w's bytes)."""
    values: dict[str, object] = {
        "name": "w",
        "dtype": "float32",
        "shape": [2],
        "offset": 0,
        "length": 8,
        "digest": sha256(W.data),
        "role": "parameter",
    }
    values.update(fields)
    return assemble(header_json([entry_json(**values)]), W.data)  # type: ignore[arg-type]


def patched_w(old: str, new: str) -> bytes:
    """The one-tensor file of `w` with one piece of its entry's JSON text replaced (exactly once)."""
    assert W_ENTRY.count(old) == 1, f"test bug: {old!r} occurs {W_ENTRY.count(old)} times"
    return assemble(header_json([W_ENTRY.replace(old, new)]), W.data)


def two_entries(second_offset: int, first_length: int = 8) -> bytes:
    """`a` (uint8, `first_length` bytes) then `b` (4 bytes) placed at `second_offset`."""
    a = bytes(range(first_length))
    b = b"\x05\x06\x07\x08"
    entries = [
        entry_json("a", "uint8", [first_length], 0, first_length, sha256(a)),
        entry_json("b", "uint8", [4], second_offset, 4, sha256(b)),
    ]
    section = a + bytes(max(0, second_offset - first_length)) + b
    return assemble(header_json(entries), section)


def nested(count: int) -> str:
    """`count` nested arrays: inside a container of depth d the innermost has depth d + count."""
    return "[" * count + "]" * count


def at_data(data: bytes, offset: int, tensor: str) -> Case:
    """A case whose error offset is `offset` bytes into the data section of `data`."""
    return Case(data, offset=header_region(data)[2] + offset, tensor=tensor)


def metadata_file(metadata: str, extra: str = "") -> bytes:
    return assemble(header_json([], metadata, extra))


def with_signature_block(body: bytes, declared: int | None = None) -> bytes:
    length = len(body) if declared is None else declared
    return VALID + body + struct.pack("<Q", length) + END_MAGIC


# ---- one case per core code -----------------------------------------------------------------------------

CASES: dict[str, Callable[[], Case]] = {
    # Container (§3)
    "BAD_MAGIC": lambda: Case(b"PK\x03\x04" + bytes(40), offset=0),
    "UNSUPPORTED_VERSION": lambda: Case(b"".join([VALID[:8], struct.pack("<H", 2), VALID[10:]]), offset=8),
    "RESERVED_NOT_ZERO": lambda: Case(VALID[:12] + b"\x00\x00\x01\x00" + VALID[16:], offset=12),
    "TRUNCATED": lambda: Case(VALID[:-1], offset=len(VALID) - 1),
    "TRAILING_BYTES": lambda: Case(VALID + b"\x00", offset=len(VALID)),
    # 64 MiB + 1 declared in a 24-byte file: rejected from the preamble alone, before any read.
    "HEADER_TOO_LARGE": lambda: Case(MAGIC + struct.pack("<HHIQ", 1, 0, 0, 64 * 1024 * 1024 + 1), offset=16),
    # The first header padding byte is a space (a writer that padded with whitespace).
    "PADDING_NOT_ZERO": lambda: Case(
        VALID[:VALID_HEADER_END] + b" " + VALID[VALID_HEADER_END + 1 :], offset=VALID_HEADER_END
    ),
    # Header JSON (§4)
    # 0xFF never occurs in UTF-8; it sits inside a metadata string at a known position.
    "HEADER_ENCODING": lambda: Case(assemble(b'{"tensors":[],"metadata":{"a":"\xff"}}'), offset=24 + 31),
    # A trailing comma: the scanner stops at the closing bracket after it.
    "HEADER_SYNTAX": lambda: Case(assemble('{"tensors":[],"metadata":{},}'), offset=24 + 28),
    "HEADER_DUPLICATE_KEY": lambda: Case(assemble('{"tensors":[],"metadata":{"a":1,"a":2}}')),
    "HEADER_NUMBER": lambda: Case(assemble('{"tensors":[],"metadata":{"a":NaN}}')),
    # Root object depth 1, metadata depth 2, then 63 arrays: the innermost has depth 65.
    "HEADER_DEPTH": lambda: Case(metadata_file('{"a":' + nested(63) + "}")),
    # Header structure (§4.8)
    "HEADER_TYPE": lambda: Case(patched_w('"offset":0', '"offset":"0"'), tensor="w"),
    "HEADER_UNKNOWN_KEY": lambda: Case(assemble('{"tensors":[],"metadata":{},"comment":"hi"}')),
    "HEADER_MISSING_KEY": lambda: Case(assemble('{"tensors":[]}')),
    # Tensors (§7)
    "TENSOR_COUNT": lambda: Case(assemble('{"tensors":[' + ",".join(["{}"] * 262_145) + '],"metadata":{}}')),
    "TENSOR_NAME": lambda: Case(one_entry(name="a\tb"), tensor="a\tb"),
    "TENSOR_NAME_DUPLICATE": lambda: Case(
        assemble(
            header_json(
                [
                    entry_json("x", "uint8", [0], 0, 0, EMPTY_SHA256),
                    entry_json("x", "uint8", [0], 0, 0, EMPTY_SHA256),
                ]
            )
        ),
        tensor="x",
    ),
    "DTYPE_UNKNOWN": lambda: Case(one_entry(dtype="float128"), tensor="w"),
    "ROLE_UNKNOWN": lambda: Case(one_entry(role="weights"), tensor="w"),
    "SHAPE_INVALID": lambda: Case(one_entry(shape=[-2], length=8), tensor="w"),
    "TENSOR_LENGTH": lambda: Case(one_entry(length=4), tensor="w"),
    "TENSOR_MISALIGNED": lambda: Case(two_entries(second_offset=8), tensor="b"),
    "TENSOR_OVERLAP": lambda: Case(two_entries(second_offset=64, first_length=100), tensor="b"),
    "TENSOR_GAP": lambda: Case(two_entries(second_offset=128), tensor="b"),
    "DIGEST_MISMATCH": lambda: at_data(one_entry(digest=sha256(b"other")), 0, "w"),
    # mask's second byte is 0x02 and the digest matches it: only the bool rule is broken.
    "BOOL_VALUE": lambda: at_data(file_of([W, Tensor("mask", "bool", (3,), b"\x01\x02\x01")]), 64 + 1, "mask"),
    # Metadata and extensions (§8)
    "METADATA_TOO_LARGE": lambda: Case(metadata_file('{"blob":"' + "x" * (1024 * 1024) + '"}')),
    "METADATA_TYPE": lambda: Case(metadata_file('{"authors":"me"}')),
    "EXTENSION_NAME": lambda: Case(metadata_file("{}", ',"extensions":{"tool":{}}')),
    # Signature block framing (§3.5, §3.6): the body length field disagrees with the bytes present.
    "SIGNATURE_BLOCK": lambda: Case(with_signature_block(b"{}", declared=3), offset=len(VALID) + 2),
}


def test_every_core_code_of_the_registry_is_listed() -> None:
    # Guards the filter itself: a typo in OTHER_WORK_PREFIXES would silently shrink the core set.
    assert len(CORE_CODES) >= 31
    assert {"BAD_MAGIC", "TRUNCATED", "DIGEST_MISMATCH", "SIGNATURE_BLOCK"} <= set(CORE_CODES)


@pytest.mark.parametrize("code", CORE_CODES)
def test_registry_code_has_a_byte_literal_case(code: str) -> None:
    assert code in CASES, f"core error code {code} has no hand-built byte string in this module"


def test_cases_name_only_registered_codes() -> None:
    assert sorted(set(CASES) - set(ERROR_CODES)) == []


@pytest.mark.parametrize("code", sorted(CASES))
def test_byte_literal_raises_exactly_its_code(code: str, tmp_path: Path) -> None:
    case = CASES[code]()
    error = error_from_load(case.data)
    assert error.code == code, f"{error.code}: {error}"
    category = ERROR_CODES[code].category
    assert error.category == category
    assert isinstance(error, CATEGORY_CLASS[category])
    assert isinstance(error, ValueError)  # every category is a ValueError: `except ValueError` still works
    if case.offset is not ANY:
        assert error.offset == case.offset, str(error)
    if case.tensor is not None:
        assert error.tensor == case.tensor, str(error)
        assert f"`{case.tensor}`" in str(error) or not case.tensor.isprintable()
    if error.offset is not None:
        assert f"(at byte {error.offset})" in str(error)
    assert agreed_code(case.data, tmp_path) == code


def test_the_valid_base_file_is_valid(tmp_path: Path) -> None:
    assert agreed_code(VALID, tmp_path) is None


# ---- category classes mix in builtins (ValueError, EOFError), as format/_errors.py promises callers -----


def test_category_hierarchy() -> None:
    assert issubclass(FormatError, ModelfmtError) and issubclass(FormatError, ValueError)
    assert issubclass(TruncatedError, FormatError) and issubclass(TruncatedError, EOFError)
    assert issubclass(LimitError, FormatError)
    assert issubclass(UnsupportedError, FormatError)
    assert issubclass(IntegrityError, ValueError) and not issubclass(IntegrityError, FormatError)
    assert issubclass(SignatureError, ModelfmtError)


def test_truncated_is_an_eof_error() -> None:
    with pytest.raises(EOFError):
        modelfmt.load(VALID[:100])


def test_unregistered_code_is_a_package_bug_not_bad_input() -> None:
    with pytest.raises(KeyError):
        ModelfmtError("NOT_A_CODE", "x")


# ---- further byte literals for codes with several distinct causes ---------------------------------------

MORE_CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "magic-prefix-is-truncated": ("TRUNCATED", lambda: MAGIC[:5]),
    "empty-file-is-truncated": ("TRUNCATED", lambda: b""),
    "short-non-magic-is-bad-magic": ("BAD_MAGIC", lambda: b"\x89MFX"),
    "preamble-cut-is-truncated": ("TRUNCATED", lambda: VALID[:20]),
    "header-cut-is-truncated": ("TRUNCATED", lambda: VALID[:100]),
    "data-cut-is-truncated": ("TRUNCATED", lambda: VALID[: VALID_DATA_START + 5]),
    "major-0": ("UNSUPPORTED_VERSION", lambda: VALID[:8] + b"\x00\x00" + VALID[10:]),
    "major-2-beats-reserved": ("UNSUPPORTED_VERSION", lambda: VALID[:8] + b"\x02\x00\x00\x00\xff" + VALID[13:]),
    "minor-2-unknown-top-level-key": (
        "UNSUPPORTED_VERSION",
        lambda: assemble('{"tensors":[],"metadata":{},"future":1}', minor=2),
    ),
    "minor-2-unknown-dtype": (
        "UNSUPPORTED_VERSION",
        lambda: assemble(header_json([entry_json("x", "int4", [0], 0, 0, EMPTY_SHA256)]), minor=2),
    ),
    "minor-2-unknown-role": (
        "UNSUPPORTED_VERSION",
        lambda: assemble(header_json([entry_json("x", "int8", [0], 0, 0, EMPTY_SHA256, "lora")]), minor=2),
    ),
    "minor-2-missing-key-keeps-its-code": ("HEADER_MISSING_KEY", lambda: assemble('{"tensors":[]}', minor=2)),
    "reserved-last-byte": ("RESERVED_NOT_ZERO", lambda: VALID[:15] + b"\x80" + VALID[16:]),
    "header-length-2^64-1": ("HEADER_TOO_LARGE", lambda: MAGIC + struct.pack("<HHIQ", 1, 0, 0, 2**64 - 1)),
    "gap-byte": (
        "PADDING_NOT_ZERO",
        lambda: VALID[: VALID_DATA_START + 63] + b"\x01" + VALID[VALID_DATA_START + 64 :],
    ),
    "bom": ("HEADER_ENCODING", lambda: assemble(b'\xef\xbb\xbf{"tensors":[],"metadata":{}}')),
    "overlong-slash": ("HEADER_ENCODING", lambda: assemble(b'{"tensors":[],"metadata":{"a":"\xc0\xaf"}}')),
    "encoded-surrogate": ("HEADER_ENCODING", lambda: assemble(b'{"tensors":[],"metadata":{"a":"\xed\xa0\x80"}}')),
    "above-U+10FFFF": ("HEADER_ENCODING", lambda: assemble(b'{"tensors":[],"metadata":{"a":"\xf4\x90\x80\x80"}}')),
    "truncated-sequence": ("HEADER_ENCODING", lambda: assemble(b'{"tensors":[],"metadata":{"a":"\xe2\x82"}}')),
    "lone-high-surrogate-escape": ("HEADER_ENCODING", lambda: metadata_file('{"a":"\\ud800"}')),
    "lone-low-surrogate-escape": ("HEADER_ENCODING", lambda: metadata_file('{"a":"\\uDC00x"}')),
    "reversed-surrogate-escapes": ("HEADER_ENCODING", lambda: metadata_file('{"a":"\\udc00\\ud800"}')),
    "lone-surrogate-escape-in-key": ("HEADER_ENCODING", lambda: metadata_file('{"\\ud83d":1}')),
    "empty-header": ("HEADER_SYNTAX", lambda: assemble(b"")),
    "whitespace-only-header": ("HEADER_SYNTAX", lambda: assemble(b" \t\r\n")),
    "nul-after-value": ("HEADER_SYNTAX", lambda: assemble(b'{"tensors":[],"metadata":{}}\x00')),
    "form-feed-whitespace": ("HEADER_SYNTAX", lambda: assemble(b'{"tensors":[],\x0c"metadata":{}}')),
    "nbsp-whitespace": ("HEADER_SYNTAX", lambda: assemble('{"tensors":[],\u00a0"metadata":{}}')),
    "raw-tab-in-string": ("HEADER_SYNTAX", lambda: metadata_file('{"a":"x\ty"}')),
    "single-quotes": ("HEADER_SYNTAX", lambda: assemble("{'tensors':[],'metadata':{}}")),
    "comment": ("HEADER_SYNTAX", lambda: assemble('{"tensors":[],/*x*/"metadata":{}}')),
    "leading-zero": ("HEADER_SYNTAX", lambda: metadata_file('{"a":01}')),
    "plus-sign": ("HEADER_SYNTAX", lambda: metadata_file('{"a":+1}')),
    "bare-fraction": ("HEADER_SYNTAX", lambda: metadata_file('{"a":.5}')),
    "trailing-point": ("HEADER_SYNTAX", lambda: metadata_file('{"a":1.}')),
    "unknown-escape": ("HEADER_SYNTAX", lambda: metadata_file('{"a":"\\x41"}')),
    "lowercase-literal": ("HEADER_SYNTAX", lambda: metadata_file('{"a":True}')),
    "negative-nan": ("HEADER_SYNTAX", lambda: metadata_file('{"a":-NaN}')),
    "escaped-duplicate-key": ("HEADER_DUPLICATE_KEY", lambda: metadata_file('{"a":1,"\\u0061":2}')),
    "duplicate-top-level-key": ("HEADER_DUPLICATE_KEY", lambda: assemble('{"tensors":[],"metadata":{},"metadata":{}}')),
    "duplicate-key-in-tensor-entry": (
        "HEADER_DUPLICATE_KEY",
        lambda: patched_w('"role":"parameter"', '"role":"parameter","role":"parameter"'),
    ),
    "duplicate-key-deep-in-extensions": (
        "HEADER_DUPLICATE_KEY",
        lambda: metadata_file("{}", ',"extensions":{"com.example":[{"k":[{"z":1,"z":1}]}]}'),
    ),
    "infinity": ("HEADER_NUMBER", lambda: metadata_file('{"a":Infinity}')),
    "minus-infinity": ("HEADER_NUMBER", lambda: metadata_file('{"a":-Infinity}')),
    "1e400": ("HEADER_NUMBER", lambda: metadata_file('{"a":1e400}')),
    "-1.8e308": ("HEADER_NUMBER", lambda: metadata_file('{"a":-1.8e308}')),
    "1e999999999": ("HEADER_NUMBER", lambda: metadata_file('{"a":1e999999999}')),
    "2^53": ("HEADER_NUMBER", lambda: metadata_file('{"a":9007199254740992}')),
    "-2^53": ("HEADER_NUMBER", lambda: metadata_file('{"a":-9007199254740992}')),
    "5000-digit-integer": ("HEADER_NUMBER", lambda: metadata_file('{"a":' + "9" * 5000 + "}")),
    "offset-2^53": ("HEADER_NUMBER", lambda: one_entry(offset=2**53)),
    "dimension-2^53": ("HEADER_NUMBER", lambda: one_entry(shape=[2**53])),
    "depth-65-array-root": ("HEADER_DEPTH", lambda: assemble("[" * 65 + "]" * 65)),
    # A recursive parser would exhaust its stack: the reader reports depth, not a crash.
    "depth-100000": (
        "HEADER_DEPTH",
        lambda: assemble('{"tensors":[],"metadata":{"a":' + "[" * 100_000 + "]" * 100_000 + "}}"),
    ),
    "depth-65-in-extensions": (
        "HEADER_DEPTH",
        lambda: metadata_file("{}", ',"extensions":{"com.example":' + "[" * 63 + "]" * 63 + "}"),
    ),
    "depth-65-in-architecture": (
        "HEADER_DEPTH",
        lambda: metadata_file("{}", ',"architecture":{"a":' + nested(63) + "}"),
    ),
    "root-array": ("HEADER_TYPE", lambda: assemble("[]")),
    "root-string": ("HEADER_TYPE", lambda: assemble('"tensors"')),
    "tensors-object": ("HEADER_TYPE", lambda: assemble('{"tensors":{},"metadata":{}}')),
    "metadata-array": ("HEADER_TYPE", lambda: assemble('{"tensors":[],"metadata":[]}')),
    "metadata-null": ("HEADER_TYPE", lambda: assemble('{"tensors":[],"metadata":null}')),
    "architecture-array": ("HEADER_TYPE", lambda: metadata_file("{}", ',"architecture":[]')),
    "training-string": ("HEADER_TYPE", lambda: metadata_file("{}", ',"training":"adam"')),
    "extensions-null": ("HEADER_TYPE", lambda: metadata_file("{}", ',"extensions":null')),
    "entry-array": ("HEADER_TYPE", lambda: assemble('{"tensors":[[]],"metadata":{}}')),
    "offset-1.0": ("HEADER_TYPE", lambda: patched_w('"offset":0', '"offset":0.0')),
    "length-8e0": ("HEADER_TYPE", lambda: patched_w('"length":8', '"length":8e0')),
    "dim-2.0": ("HEADER_TYPE", lambda: patched_w('"shape":[2]', '"shape":[2.0]')),
    "dim-true": ("HEADER_TYPE", lambda: patched_w('"shape":[2]', '"shape":[true]')),
    "negative-offset": ("HEADER_TYPE", lambda: one_entry(offset=-64)),
    "negative-length": ("HEADER_TYPE", lambda: one_entry(length=-8)),
    "sha256-uppercase": ("HEADER_TYPE", lambda: one_entry(digest=sha256(W.data).upper())),
    "sha256-prefixed": ("HEADER_TYPE", lambda: one_entry(digest="sha256:" + sha256(W.data)[7:])),
    "sha256-63-chars": ("HEADER_TYPE", lambda: one_entry(digest=sha256(W.data)[:63])),
    "unknown-entry-key": ("HEADER_UNKNOWN_KEY", lambda: patched_w('"role":"parameter"', '"role":"parameter","note":1')),
    "unknown-beats-missing": ("HEADER_UNKNOWN_KEY", lambda: assemble('{"tensors":[],"extra":{}}')),
    "missing-tensors": ("HEADER_MISSING_KEY", lambda: assemble('{"metadata":{}}')),
    "missing-entry-key": (
        "HEADER_MISSING_KEY",
        lambda: patched_w(',"role":"parameter"', ""),
    ),
    "name-empty": ("TENSOR_NAME", lambda: one_entry(name="")),
    "name-escaped-nul": ("TENSOR_NAME", lambda: patched_w('"w"', '"w\\u0000"')),
    "name-del": ("TENSOR_NAME", lambda: one_entry(name="w\x7f")),
    "name-c1-control": ("TENSOR_NAME", lambda: one_entry(name="w\u0085")),
    "name-1025-bytes": ("TENSOR_NAME", lambda: one_entry(name="n" * 1025)),
    "duplicate-name-after-unescaping": (
        "TENSOR_NAME_DUPLICATE",
        lambda: assemble(
            header_json(
                [entry_json("w", "uint8", [0], 0, 0, EMPTY_SHA256), W_ENTRY.replace('"name":"w"', '"name":"\\u0077"')]
            ),
            W.data,
        ),
    ),
    "dtype-wrong-case": ("DTYPE_UNKNOWN", lambda: one_entry(dtype="Float32")),
    "dtype-numpy-spelling": ("DTYPE_UNKNOWN", lambda: one_entry(dtype="<f4")),
    "role-empty": ("ROLE_UNKNOWN", lambda: one_entry(role="")),
    "rank-17": ("SHAPE_INVALID", lambda: one_entry(shape=[1] * 17, length=4)),
    "length-overflowing-64-bit-product": ("TENSOR_LENGTH", lambda: one_entry(shape=[2**32, 2**32, 2], length=0)),
    "zero-size-with-length": ("TENSOR_LENGTH", lambda: one_entry(shape=[0, 2], length=8)),
    "first-offset-64": ("TENSOR_GAP", lambda: one_entry(offset=64)),
    "first-offset-32": ("TENSOR_MISALIGNED", lambda: one_entry(offset=32)),
    "digest-of-empty-for-data": ("DIGEST_MISMATCH", lambda: one_entry(digest=EMPTY_SHA256)),
    "zero-size-with-wrong-digest": (
        "DIGEST_MISMATCH",
        lambda: assemble(header_json([entry_json("z", "float32", [0], 0, 0, sha256(b"x"))])),
    ),
    "bool-0xff": ("BOOL_VALUE", lambda: file_of([Tensor("b", "bool", (2,), b"\x00\xff")])),
    "metadata-name-number": ("METADATA_TYPE", lambda: metadata_file('{"name":1}')),
    "metadata-tags-mixed": ("METADATA_TYPE", lambda: metadata_file('{"tags":["a",2]}')),
    "metadata-license-null": ("METADATA_TYPE", lambda: metadata_file('{"license":null}')),
    "extension-single-label": ("EXTENSION_NAME", lambda: metadata_file("{}", ',"extensions":{"example":1}')),
    "extension-uppercase": ("EXTENSION_NAME", lambda: metadata_file("{}", ',"extensions":{"Com.Example":1}')),
    "extension-label-hyphen": ("EXTENSION_NAME", lambda: metadata_file("{}", ',"extensions":{"com.-x":1}')),
    "extension-trailing-dot": ("EXTENSION_NAME", lambda: metadata_file("{}", ',"extensions":{"com.example.":1}')),
    "extension-non-ascii": ("EXTENSION_NAME", lambda: metadata_file("{}", ',"extensions":{"com.exämple":1}')),
    "signature-body-length-2^64-1": ("SIGNATURE_BLOCK", lambda: with_signature_block(b"{}", declared=2**64 - 1)),
    "signature-body-shorter-than-declared": ("SIGNATURE_BLOCK", lambda: with_signature_block(b"{}", declared=1)),
    "signature-body-over-1-MiB": (
        "SIGNATURE_BLOCK",
        lambda: with_signature_block(b"{" + b" " * (1024 * 1024 - 1) + b"}"),
    ),
    "15-trailing-bytes-ending-in-end-magic": ("TRAILING_BYTES", lambda: VALID + b"\x00" * 7 + END_MAGIC),
    "trailer-without-end-magic": (
        "TRAILING_BYTES",
        lambda: VALID + b"{}" + struct.pack("<Q", 2) + b"\x89MFS\r\n\x1a\x00",
    ),
}


@pytest.mark.parametrize("name", sorted(MORE_CASES))
def test_more_byte_literals(name: str, tmp_path: Path) -> None:
    code, build = MORE_CASES[name]
    data = build()
    error = error_from_load(data)
    assert error.code == code, f"{error.code}: {error}"
    assert isinstance(error, CATEGORY_CLASS[ERROR_CODES[code].category])
    assert agreed_code(data, tmp_path) == code


def test_tensor_errors_name_the_tensor_in_backticks() -> None:
    error = error_from_load(one_entry(dtype="float128"))
    assert "`w`" in str(error) and error.tensor == "w"


def test_truncated_message_gives_both_sizes() -> None:
    error = error_from_load(VALID[:-1])
    message = str(error)
    assert str(len(VALID)) in message and str(len(VALID) - 1) in message


def test_limit_error_says_how_to_change_the_limit() -> None:
    error = error_from_load(CASES["HEADER_TOO_LARGE"]().data)
    assert "67108864" in str(error)
    lowered = error_from_load(VALID, modelfmt.Limits(max_header_bytes=100))
    assert lowered.code == "HEADER_TOO_LARGE"
    assert "Limits(max_header_bytes=100)" in str(lowered)
