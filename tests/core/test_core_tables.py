"""Tables of malformed and valid inputs (tests as data), run through all four reading APIs.

data/malformed_headers.json and data/valid_headers.json hold the cases. Each file has a `base` (the file
of SPEC.md Appendix A: header text and data section) and `cases`; a case builds one file from the base:

- `replace`: [[old, new], ...] applied to the base header text, each `old` occurring exactly once;
  or `header`: the whole header text (a string, or a list of strings and {"repeat": s, "times": n});
  or `header_hex`: the header bytes in hex (for invalid UTF-8); or `raw_hex`: the whole file in hex.
  In header text, `$sha256(HEX)` stands for the SHA-256 of the bytes HEX.
- `data`: the data section (hex or a list of parts, as above); `data_patch`: [[offset, hex], ...].
- `preamble`: {"magic_hex", "major", "minor", "reserved_hex", "header_length"} overrides.
- `padding_hex`: the header padding; `append_hex`: bytes after the data section; `truncate`: bytes cut
  from the end; `limits`: keyword arguments of `modelfmt.Limits`.
- `code`: what every reader reports (null: valid), and `why`, for people.

One loop runs every case through load, load_file, safe_open (reading every tensor) and check_file and
asserts that all four report the expected code.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import modelfmt
import pytest
from core_helpers import align64, codes_by_api, preamble
from test_core_error_codes import CORE_CODES

DATA = Path(__file__).parent / "data"
_SHA_MACRO = re.compile(r"\$sha256\(([0-9a-f]*)\)")


def _text(parts: str | list[Any]) -> str:
    if isinstance(parts, str):
        return parts
    return "".join(part if isinstance(part, str) else part["repeat"] * part["times"] for part in parts)


def _expand_macros(text: str) -> str:
    return _SHA_MACRO.sub(lambda match: hashlib.sha256(bytes.fromhex(match.group(1))).hexdigest(), text)


def build(base: dict[str, Any], case: dict[str, Any]) -> bytes:
    """The file a case describes."""
    if "raw_hex" in case:
        return bytes.fromhex(case["raw_hex"])
    if "header_hex" in case:
        header = bytes.fromhex(case["header_hex"])
    else:
        text = _text(case["header"]) if "header" in case else base["header"]
        for old, new in case.get("replace", []):
            assert text.count(old) == 1, f"case bug: {old!r} occurs {text.count(old)} times in the base header"
            text = text.replace(old, new)
        header = _expand_macros(text).encode("utf-8")
    data = bytearray.fromhex(_text(case.get("data", base["data"])))
    for offset, patch in case.get("data_patch", []):
        data[offset : offset + len(patch) // 2] = bytes.fromhex(patch)
    fields = dict(case.get("preamble", {}))
    magic = bytes.fromhex(fields.pop("magic_hex", "894d46540d0a1a0a"))
    reserved = bytes.fromhex(fields.pop("reserved_hex", "00000000"))
    length = fields.pop("header_length", len(header))
    padding = bytes.fromhex(case.get("padding_hex", "00" * (align64(24 + len(header)) - 24 - len(header))))
    out = preamble(length, magic=magic, reserved=reserved, **fields) + header + padding + data
    out += bytes.fromhex(case.get("append_hex", ""))
    return out[: len(out) - case.get("truncate", 0)]


def _load(name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    document = json.loads((DATA / name).read_text(encoding="utf-8"))
    return document["base"], document["cases"]


MALFORMED_BASE, MALFORMED = _load("malformed_headers.json")
VALID_BASE, VALID = _load("valid_headers.json")


def _run(base: dict[str, Any], case: dict[str, Any], directory: Path) -> None:
    data = build(base, case)
    limits = modelfmt.Limits(**case.get("limits", {}))
    codes = codes_by_api(data, directory, limits)
    expected = case["code"]
    assert codes == dict.fromkeys(codes, expected), f"{case['id']} ({case['why']}): expected {expected}, got {codes}"


@pytest.mark.parametrize("case", MALFORMED, ids=[case["id"] for case in MALFORMED])
def test_malformed_case(case: dict[str, Any], tmp_path: Path) -> None:
    assert case["code"] in modelfmt.ERROR_CODES
    _run(MALFORMED_BASE, case, tmp_path)


@pytest.mark.parametrize("case", VALID, ids=[case["id"] for case in VALID])
def test_valid_case(case: dict[str, Any], tmp_path: Path) -> None:
    assert case["code"] is None
    _run(VALID_BASE, case, tmp_path)


def test_tables_are_well_formed() -> None:
    for base, cases in ((MALFORMED_BASE, MALFORMED), (VALID_BASE, VALID)):
        ids = [case["id"] for case in cases]
        assert len(ids) == len(set(ids)), "case ids must be unique"
        for case in cases:
            assert case["why"].strip(), f"{case['id']} has no explanation"
            known = {"id", "code", "why", "replace", "header", "header_hex", "raw_hex", "data", "data_patch"}
            known |= {"preamble", "padding_hex", "append_hex", "truncate", "limits"}
            assert set(case) <= known, f"{case['id']} has unknown fields {set(case) - known}"
        assert build(base, {"id": "base"}) == build(VALID_BASE, {"id": "base"})


def test_every_core_code_occurs_in_the_malformed_table() -> None:
    # Not a replacement for the byte-literal test per code, but the table should span the registry too.
    assert sorted(set(CORE_CODES) - {case["code"] for case in MALFORMED}) == []
