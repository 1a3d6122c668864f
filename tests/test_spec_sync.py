"""SPEC.md is normative: its registries and the implementation's must be the same, row for row.

Spec/implementation drift is pitfall 5 of the design brief (safetensors' schema rejecting dtypes its code
accepts). These tests parse the tables of SPEC.md and fail on any difference.
"""

from __future__ import annotations

import re
from pathlib import Path

import modelfmt
import pytest
from modelfmt.format import _framing, _limits

SPEC = (Path(__file__).resolve().parents[1] / "SPEC.md").read_text(encoding="utf-8")


def _section(number: str) -> str:
    """The text of `## N. Title` up to the next level-2 heading."""
    match = re.search(rf"^## {re.escape(number)}\. .*?(?=^## |\Z)", SPEC, re.M | re.S)
    assert match is not None, f"SPEC.md has no section {number}"
    return match.group(0)


def _table_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("| `"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def _error_rows() -> dict[str, tuple[str, str]]:
    rows: dict[str, tuple[str, str]] = {}
    for cells in _table_rows(_section("16")):
        code = cells[0].strip("`")
        assert code not in rows, f"SPEC.md §16 lists {code} twice"
        rows[code] = (cells[1], cells[-1])
    return rows


def test_every_spec_error_code_is_implemented_with_its_category_and_section() -> None:
    spec = _error_rows()
    implemented = {code: (entry.category, entry.section) for code, entry in modelfmt.ERROR_CODES.items()}
    assert sorted(set(spec) - set(implemented)) == [], "codes in SPEC.md §16 that the package lacks"
    assert sorted(set(implemented) - set(spec)) == [], "codes in the package that SPEC.md §16 lacks"
    assert {code: spec[code] for code in implemented} == implemented


def test_every_error_code_section_exists() -> None:
    headings = set(re.findall(r"^#{2,4} ([0-9]+(?:\.[0-9]+)*)\.? ", SPEC, re.M))
    missing = {code: entry.section for code, entry in modelfmt.ERROR_CODES.items() if entry.section not in headings}
    assert missing == {}


def test_dtype_registry_matches_spec() -> None:
    rows = _table_rows(_section("6"))
    spec = {cells[0].strip("`"): (int(cells[1]), int(cells[2])) for cells in rows}
    implemented = {name: (entry.block_elements, entry.block_bytes) for name, entry in modelfmt.DTYPES.items()}
    assert spec == implemented
    for name, entry in modelfmt.DTYPES.items():
        assert entry.numpy.itemsize == entry.block_bytes, name


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("header length", _limits.MAX_HEADER_BYTES),
        ("nesting depth", _limits.MAX_DEPTH),
        ("integer magnitude", _limits.MAX_SAFE_INTEGER),
        ("tensor name", _limits.MAX_NAME_BYTES),
        ("rank", _limits.MAX_RANK),
        ("zero-size extent", _limits.MAX_EXTENT),
        ("tensor count", _limits.MAX_TENSORS),
        ("metadata size", _limits.MAX_METADATA_BYTES),
        ("signature block body", _limits.MAX_SIGNATURE_BLOCK_BYTES),
        ("signatures per block", _limits.MAX_SIGNATURES),
        ("attributes per signature", _limits.MAX_ATTRIBUTES),
        ("signature attribute value", _limits.MAX_ATTRIBUTE_VALUE_BYTES),
        ("embedded public key", _limits.MAX_PUBLIC_KEY_BYTES),
        ("signature of an algorithm not in the registry", _limits.MAX_UNKNOWN_SIGNATURE_BYTES),
        ("graph nodes", _limits.MAX_NODES),
    ],
)
def test_limits_match_spec(label: str, value: int) -> None:
    for line in _section("5").splitlines():
        if line.startswith(f"| {label}"):
            assert int(line.split("|")[2].split()[0]) == value
            return
    pytest.fail(f"SPEC.md §5 has no row for {label!r}")


def test_roles_match_spec() -> None:
    rows = _table_rows(re.search(r"### 7\.7 .*?(?=^### )", SPEC, re.M | re.S).group(0))  # type: ignore[union-attr]
    assert tuple(cells[0].strip("`") for cells in rows) == modelfmt.ROLES


def test_magic_and_preamble_match_spec() -> None:
    section = _section("3")
    assert " ".join(f"{byte:02X}" for byte in _framing.MAGIC) in section.upper()
    assert " ".join(f"{byte:02X}" for byte in _framing.SIGNATURE_END_MAGIC) in section.upper()
    assert _framing.PREAMBLE_SIZE == 24 and _framing.ALIGNMENT == 64
