"""Damage to a small valid file at every byte: truncation, appended bytes, single-byte corruption.

The subject (core_helpers.small_file) has several tensors, a bool, a zero-size tensor, a scalar, a
bfloat16 NaN and metadata. Every damaged copy runs through load, load_file, safe_open (every tensor
read) and check_file; all four must report the same, exact code.

Which single-byte changes may a reader accept? Only those that leave a valid file: the two minor version
bytes (a file of a newer minor that uses nothing new is read normally, SPEC.md §15.4); bytes inside free
text (tensor names, metadata), where a changed character can still be valid JSON with other content;
and the dimensions of a zero-size tensor (a change that keeps a zero dimension keeps length 0). Header
content is protected by signatures, not by digests. Everything else (magic, major, reserved, header
length, the header's structure, digests, padding and every data byte) is covered by a rule, and the
expected code is asserted region by region.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from core_helpers import END_MAGIC, SMALL_METADATA, SMALL_TENSORS, codes_by_api, header_region, layout, small_file

SMALL = small_file()
HEADER_START, HEADER_END, DATA_START = header_region(SMALL)
HEADER = SMALL[HEADER_START:HEADER_END].decode("utf-8")


def tensor_byte_ranges() -> list[range]:
    placed, _ = layout(SMALL_TENSORS)
    return [range(DATA_START + offset, DATA_START + offset + len(tensor.data)) for tensor, offset in placed]


def free_text_offsets() -> set[int]:
    """File offsets of the characters of every tensor name, of the whole metadata value, and of the
    shape of every zero-size tensor (its other dimensions may change: numel stays 0, length 0)."""
    offsets: set[int] = set()
    for tensor in SMALL_TENSORS:
        if 0 in tensor.shape:
            marker = '"shape":[' + ",".join(map(str, tensor.shape)) + "]"
            assert HEADER.count(marker) == 1
            start = HEADER_START + HEADER.index(marker) + len('"shape":[')
            offsets.update(range(start, start + len(marker) - len('"shape":[]')))
    for tensor in SMALL_TENSORS:
        marker = f'"name":"{tensor.name}"'
        assert HEADER.count(marker) == 1
        start = HEADER_START + HEADER.index(marker) + len('"name":"')
        offsets.update(range(start, start + len(tensor.name)))
    start = HEADER_START + HEADER.index(SMALL_METADATA)
    offsets.update(range(start, start + len(SMALL_METADATA)))
    return offsets


def test_subject_is_valid_and_has_every_region(tmp_path: Path) -> None:
    assert set(codes_by_api(SMALL, tmp_path).values()) == {None}
    assert HEADER.isascii()  # so that flipping the high bit of any header byte breaks UTF-8
    assert DATA_START > HEADER_END, "the subject needs header padding"
    tensors = tensor_byte_ranges()
    gap_bytes = set(range(DATA_START, len(SMALL))) - {offset for span in tensors for offset in span}
    assert gap_bytes, "the subject needs gap bytes between tensors"
    assert any(len(span) == 0 for span in tensors), "the subject needs a zero-size tensor"


def test_truncation_at_every_offset_is_truncated(tmp_path: Path) -> None:
    failures = {}
    for size in range(len(SMALL)):
        codes = codes_by_api(SMALL[:size], tmp_path)
        if set(codes.values()) != {"TRUNCATED"}:
            failures[size] = codes
    assert failures == {}


@pytest.mark.parametrize("fill", [0x00, 0xFF, 0x89])
def test_appending_1_to_20_bytes_is_trailing_bytes(fill: int, tmp_path: Path) -> None:
    failures = {}
    for count in range(1, 21):
        codes = codes_by_api(SMALL + bytes([fill]) * count, tmp_path)
        if set(codes.values()) != {"TRAILING_BYTES"}:
            failures[count] = codes
    assert failures == {}


def test_appending_a_trailer_with_the_end_magic_is_a_bad_signature_block(tmp_path: Path) -> None:
    # 16 to 20 bytes ending in a trailer whose length field matches: framed like a signature block, but
    # the body (0 to 4 zero bytes) is not a JSON object, so the block is malformed.
    for count in range(16, 21):
        body = bytes(count - 16)
        codes = codes_by_api(SMALL + body + struct.pack("<Q", len(body)) + END_MAGIC, tmp_path)
        assert set(codes.values()) == {"SIGNATURE_BLOCK"}, (count, codes)


def expected_after_damage(offset: int) -> set[str | None]:
    """The codes a byte changed at `offset` (high bit flipped) may produce."""
    if offset < 8:
        return {"BAD_MAGIC"}
    if offset < 10:
        return {"UNSUPPORTED_VERSION"}
    if offset < 12:
        return {None}  # minor version: a newer minor is read by the same rules
    if offset < 16:
        return {"RESERVED_NOT_ZERO"}
    if offset < 24:
        # The header length changes: too large, past the end, or cutting/extending the JSON text.
        return {"HEADER_TOO_LARGE", "TRUNCATED", "HEADER_SYNTAX", "HEADER_ENCODING"}
    if offset < HEADER_END:
        return {"HEADER_ENCODING"}  # an ASCII byte with its high bit set is never valid UTF-8 here
    if offset < DATA_START:
        return {"PADDING_NOT_ZERO"}
    if any(offset in span for span in tensor_byte_ranges()):
        return {"DIGEST_MISMATCH"}
    return {"PADDING_NOT_ZERO"}  # a gap byte between tensors


def test_flipping_the_high_bit_of_any_byte(tmp_path: Path) -> None:
    failures = {}
    for offset in range(len(SMALL)):
        damaged = bytearray(SMALL)
        damaged[offset] ^= 0x80
        codes = codes_by_api(bytes(damaged), tmp_path)
        agreed = set(codes.values())
        if len(agreed) != 1 or not agreed <= expected_after_damage(offset):
            failures[offset] = codes
    assert failures == {}


def test_flipping_the_low_bit_of_any_byte(tmp_path: Path) -> None:
    # A low-bit flip keeps header bytes ASCII, so it reaches the JSON and structure rules: `"` -> `#`,
    # `,` -> `-`, digits of shapes, offsets and digests, letters of keys, dtypes and roles. Only the
    # minor version and free text may survive it.
    free = free_text_offsets() | {10, 11}
    accepted = set()
    failures = {}
    for offset in range(len(SMALL)):
        damaged = bytearray(SMALL)
        damaged[offset] ^= 0x01
        codes = codes_by_api(bytes(damaged), tmp_path)
        if len(set(codes.values())) != 1:
            failures[offset] = codes
        elif codes["load"] is None:
            accepted.add(offset)
        elif offset >= HEADER_END and codes["load"] not in expected_after_damage(offset):
            failures[offset] = codes
    assert failures == {}
    assert accepted <= free, f"accepted damage outside free text: {sorted(accepted - free)}"
    assert {10, 11} <= accepted
    assert len(accepted) > 10  # names and metadata do change silently: that is what signatures are for
