"""Fuzzing: random damage to a valid file never produces anything but a clean ModelfmtError.

Hypothesis applies sequences of mutations to core_helpers.small_file(): bit flips, insertions,
deletions, and edits of the header text (with the preamble's header length and the padding fixed up so
that the damage reaches the later validation phases). Every reading API must either return or raise
`ModelfmtError` (never another exception), all four must agree, and reading must not allocate more than
a small multiple of the file (tracemalloc: numpy reports its buffers to it).

Targeted cases add files that declare huge sizes (a 1 TiB tensor, a 2^53-1 byte tensor, a 64 MiB
header) in a few hundred bytes: each is rejected without allocating what it declares, and hostile
numbers (a million digits, a huge exponent) are rejected without hanging.
"""

from __future__ import annotations

import contextlib
import struct
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import modelfmt
import pytest
from core_helpers import (
    EMPTY_SHA256,
    align64,
    assemble,
    codes_by_api,
    entry_json,
    header_json,
    header_region,
    small_file,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

SMALL = small_file()
MIB = 1024 * 1024

# Fragments an attacker would try in a header: structure, hostile numbers, escapes, keys and dtypes.
JSON_FRAGMENTS = [
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    '"',
    "\\",
    "null",
    "true",
    "1e400",
    "NaN",
    "-Infinity",
    "-0",
    "0.5",
    "9007199254740992",
    "18446744073709551616",
    "-1",
    "64",
    "0",
    '"\\ud800"',
    '"\\u0000"',
    '"\\u00e9"',
    '"name"',
    '"shape"',
    '"offset"',
    '"length"',
    '"dtype"',
    '"sha256"',
    '"role"',
    '"metadata"',
    '"tensors"',
    '"float32"',
    '"bool"',
    '"parameter"',
    '"' + EMPTY_SHA256 + '"',
    "[" * 70,
    "]" * 70,
    " ",
    "\t",
    "\x00",
    "\u00e9",
    "\U0001f600",
]


def fix_header_length(data: bytes, new_header: bytes) -> bytes:
    """Replace the header (and its padding) keeping the data section, re-aligned to 64."""
    start = header_region(data)[2]
    padding = bytes(align64(24 + len(new_header)) - 24 - len(new_header))
    return data[:16] + struct.pack("<Q", len(new_header)) + new_header + padding + data[start:]


Mutation = Callable[[bytes], bytes]


@st.composite
def mutations(draw: st.DrawFn) -> Mutation:
    kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "preamble"] + ["header-edit", "data-set"] * 3))
    position = draw(st.floats(0, 1, exclude_max=True))
    if kind == "data-set":  # aimed past the header, so that damage reaches phases 4 and 5
        value = draw(st.integers(0, 255))

        def set_data(data: bytes) -> bytes:
            if len(data) < 24:
                return data
            start = min(header_region(data)[1], len(data))
            index = start + int(position * (len(data) - start))
            return data if index >= len(data) else data[:index] + bytes([value]) + data[index + 1 :]

        return set_data
    if kind == "flip":
        mask = draw(st.integers(1, 255))
        return lambda data: _at(data, position, lambda d, i: d[:i] + bytes([d[i] ^ mask]) + d[i + 1 :])
    if kind == "set":
        value = draw(st.integers(0, 255))
        return lambda data: _at(data, position, lambda d, i: d[:i] + bytes([value]) + d[i + 1 :])
    if kind == "insert":
        extra = draw(st.binary(min_size=1, max_size=70))
        return lambda data: _at(data, position, lambda d, i: d[:i] + extra + d[i:])
    if kind == "delete":
        count = draw(st.integers(1, 70))
        return lambda data: _at(data, position, lambda d, i: d[:i] + d[i + count :])
    if kind == "preamble":
        field = draw(st.sampled_from([(8, "<H"), (10, "<H"), (12, "<I"), (16, "<Q")]))
        value = draw(st.integers(0, 2 ** (8 * struct.calcsize(field[1])) - 1))
        return lambda data: (
            data[: field[0]] + struct.pack(field[1], value) + data[field[0] + struct.calcsize(field[1]) :]
        )
    fragment = draw(st.sampled_from(JSON_FRAGMENTS))
    removed = draw(st.integers(0, 12))

    def edit(data: bytes) -> bytes:
        if len(data) < 24:
            return data
        start, end, _ = header_region(data)
        header = data[start : min(end, len(data))]
        index = int(position * (len(header) + 1))
        new_header = header[:index] + fragment.encode("utf-8") + header[index + removed :]
        return fix_header_length(data, new_header) if end <= len(data) else data

    return edit


def _at(data: bytes, position: float, change: Callable[[bytes, int], bytes]) -> bytes:
    if not data:
        return data
    return change(data, int(position * len(data)))


def peak_allocation(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        with contextlib.suppress(modelfmt.ModelfmtError):
            action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(changes=st.lists(mutations(), min_size=1, max_size=4))
def test_mutated_files_fail_cleanly_and_consistently(changes: list[Mutation], tmp_path: Path) -> None:
    data = SMALL
    for change in changes:
        data = change(data)
    # Any exception other than ModelfmtError propagates out of codes_by_api and fails the test.
    codes = codes_by_api(data, tmp_path)
    assert len(set(codes.values())) == 1, codes
    event(str(codes["load"]))  # `--hypothesis-show-statistics` shows how deep the damage reaches


@settings(max_examples=60, deadline=None)
@given(changes=st.lists(mutations(), min_size=1, max_size=3))
def test_mutated_files_allocate_at_most_a_small_multiple_of_their_size(changes: list[Mutation]) -> None:
    data = SMALL
    for change in changes:
        data = change(data)
    peak = peak_allocation(lambda: modelfmt.load(data))
    assert peak < 64 * len(data) + 4 * MIB, f"{peak} bytes allocated for a {len(data)}-byte file"


def _huge_tensor(shape: list[int], length: int, dtype: str = "uint8") -> bytes:
    return assemble(header_json([entry_json("huge", dtype, shape, 0, length, EMPTY_SHA256)]), b"\x00" * 64)


HUGE: dict[str, Callable[[], bytes]] = {
    "1-TiB-tensor": lambda: _huge_tensor([2**40], 2**40),
    "2^53-1-byte-tensor": lambda: _huge_tensor([2**53 - 1], 2**53 - 1),
    "float64-8-PiB": lambda: _huge_tensor([2**50 - 1], 2**53 - 8, "float64"),
    "64-MiB-header-declared": lambda: struct.pack("<8sHHIQ", b"\x89MFT\r\n\x1a\n", 1, 0, 0, 64 * MIB) + b"{}",
    "signature-body-2^64-1": lambda: SMALL + struct.pack("<Q", 2**64 - 1) + b"\x89MFS\r\n\x1a\n",
    "many-zero-size-tensors-then-huge": lambda: assemble(
        header_json(
            [entry_json(f"z{i}", "uint8", [0], 0, 0, EMPTY_SHA256) for i in range(100)]
            + [entry_json("huge", "uint8", [2**45], 0, 2**45, EMPTY_SHA256)]
        )
    ),
}


@pytest.mark.parametrize("name", sorted(HUGE))
def test_declared_sizes_are_never_allocated(name: str, tmp_path: Path) -> None:
    data = HUGE[name]()
    codes = codes_by_api(data, tmp_path)
    assert set(codes.values()) == {"TRUNCATED"} or set(codes.values()) == {"SIGNATURE_BLOCK"}, codes
    assert peak_allocation(lambda: modelfmt.load(data)) < 4 * MIB
    path = tmp_path / "subject.mf"
    assert peak_allocation(lambda: modelfmt.load_file(path)) < 4 * MIB
    assert peak_allocation(lambda: modelfmt.safe_open(path).close()) < 4 * MIB


HOSTILE_NUMBERS = {
    "million-digit-integer": "1" * 1_000_000,
    "million-digit-fraction": "0." + "0" * 1_000_000 + "1",
    "million-digit-mantissa-with-exponent": "1" * 1_000_000 + "e-1000000",
    "huge-exponent": "1e99999999999999999999999999",
    "huge-negative-exponent": "1e-99999999999999999999999999",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_NUMBERS))
def test_hostile_numbers_do_not_hang(name: str) -> None:
    data = assemble(header_json([], '{"n":' + HOSTILE_NUMBERS[name] + "}"))
    started = time.monotonic()
    try:
        modelfmt.load(data)
    except modelfmt.ModelfmtError as exc:
        assert exc.code == "HEADER_NUMBER" or name.startswith(("million-digit-fraction", "huge-negative")), exc.code
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("count", [100_000, 1_000_000])
def test_deep_or_wide_headers_do_not_crash(count: int) -> None:
    for text in ("[" * count, '{"a":' * count, "[" * count + "]" * count):
        with pytest.raises(modelfmt.ModelfmtError) as raised:
            modelfmt.load(assemble('{"tensors":[],"metadata":' + text))
        assert raised.value.code in {"HEADER_DEPTH", "HEADER_SYNTAX"}
    wide = '{"tensors":[],"metadata":{},"extensions":{"com.example":[' + ",".join(["0"] * count) + "]}}"
    assert modelfmt.load(assemble(wide)) == {}
