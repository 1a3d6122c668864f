"""The limits table of the package (`format/_limits.py` `LIMIT_TABLE`) is SPEC.md's, row for row.

SPEC.md states the format's maxima in the table of §5, the architecture's in the table of §9.12, and two
signature limits in the prose of §12.3 and §12.4. These tests parse all three and fail on any difference in
a value or an error code, on a SPEC row no limit claims, and on a `MAX_*` constant that no row describes.
"""

from __future__ import annotations

import re
from pathlib import Path

import modelfmt
import pytest
from modelfmt.format import _limits
from modelfmt.format._limits import LIMIT_TABLE, LimitRow

SPEC = (Path(__file__).resolve().parents[1] / "SPEC.md").read_text(encoding="utf-8")

# Limits SPEC.md states in prose only: (the section, a sentence fragment holding the value).
PROSE: dict[str, tuple[str, str]] = {
    "MAX_ATTRIBUTE_KEY_BYTES": ("12.4", "a reverse-DNS name (the grammar of §8.3) of at most {value} bytes"),
    "MAX_ALGORITHM_NAME_CHARS": ("12.3", "An **algorithm name** is 1 to {value} characters"),
}


def _section_text(number: str) -> str:
    """The text of the section numbered `number` (any level), up to the next heading of any level."""
    match = re.search(rf"^#+ {re.escape(number)}\.? .*?(?=^#)", SPEC, re.M | re.S)
    assert match is not None, f"SPEC.md has no section {number}"
    return match.group(0)


def _table(number: str) -> dict[str, list[str]]:
    """The rows of the first table of section `number`, by their first cell (the header row skipped)."""
    lines = [line for line in _section_text(number).splitlines() if line.startswith("|")]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines[2:]]
    return {cells[0]: cells for cells in rows}


def _value(cell: str) -> int:
    return int(cell.split(maxsplit=1)[0])


def _codes(cell: str) -> set[str]:
    return set(re.findall(r"`([A-Z_]+)`", cell))


def _rows_labelled(label: str) -> list[LimitRow]:
    return [limit for limit in LIMIT_TABLE if label in limit.labels]


@pytest.mark.parametrize("label", list(_table("5")))
def test_every_row_of_spec_section_5_is_a_limit_with_its_value_code_and_section(label: str) -> None:
    cells = _table("5")[label]
    value, code, checked_in = _value(cells[1]), _codes(cells[2]), cells[3]
    rows = _rows_labelled(label)
    assert rows, f"no row of LIMIT_TABLE has the label {label!r} of SPEC.md §5"
    assert {limit.value for limit in rows} == {value}
    assert {limit.code for limit in rows} == code
    assert {f"§{limit.section}" for limit in rows} == {checked_in.split(",")[0]}


@pytest.mark.parametrize("label", list(_table("9.12")))
def test_every_row_of_spec_section_9_12_is_a_limit_with_its_value_and_codes(label: str) -> None:
    cells = _table("9.12")[label]
    rows = _rows_labelled(label)
    assert rows, f"no row of LIMIT_TABLE has the label {label!r} of SPEC.md §9.12"
    assert {limit.value for limit in rows} == {_value(cells[1])}
    assert {limit.code for limit in rows} == _codes(cells[2])


@pytest.mark.parametrize("name", sorted(PROSE))
def test_limits_stated_in_prose_match_spec(name: str) -> None:
    section, fragment = PROSE[name]
    (limit,) = (limit for limit in LIMIT_TABLE if limit.name == name)
    assert limit.section == section and limit.labels == ()
    assert fragment.format(value=limit.value) in " ".join(_section_text(section).split())


def test_every_label_is_a_row_of_a_spec_table_and_every_unlabelled_limit_is_checked_in_prose() -> None:
    known = set(_table("5")) | set(_table("9.12"))
    assert {label for limit in LIMIT_TABLE for label in limit.labels} <= known
    assert {limit.name for limit in LIMIT_TABLE if not limit.labels} == set(PROSE)


def test_every_limit_constant_has_a_row_and_every_row_names_its_constant() -> None:
    constants = {name: value for name, value in vars(_limits).items() if name.startswith("MAX_")}
    assert {limit.name for limit in LIMIT_TABLE} == set(constants)
    assert {limit.name: limit.value for limit in LIMIT_TABLE} == constants


def test_every_row_has_a_registered_code_an_existing_section_and_a_reason() -> None:
    headings = set(re.findall(r"^#{2,4} ([0-9]+(?:\.[0-9]+)*)\.? ", SPEC, re.M))
    for limit in LIMIT_TABLE:
        assert limit.code in modelfmt.ERROR_CODES, limit
        assert limit.section in headings, limit
        assert limit.why, limit
    pairs = [(limit.name, limit.code) for limit in LIMIT_TABLE]
    assert len(pairs) == len(set(pairs)), "a limit and its code are one row"


def test_the_tightenable_limits_are_format_limits() -> None:
    constants = {name: value for name, value in vars(_limits).items() if name.startswith("MAX_")}
    for name, value in vars(modelfmt.Limits()).items():
        assert constants[name.upper()] == value
