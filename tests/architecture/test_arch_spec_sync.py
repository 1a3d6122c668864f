"""SPEC.md §9-11 and the implementation describe the same op set, attributes, defaults, slots, optimizer
hyperparameters and error codes (drift between spec and code is pitfall 5 of the design brief).

Reads SPEC.md, or the file named by MODELFMT_ARCH_SPEC (to check a draft before it is merged).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from modelfmt.graph import CORE_OPS
from modelfmt.graph._spec import REQUIRED, DerivedDefault
from modelfmt.graph._training import OPTIMIZERS

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = Path(os.environ.get("MODELFMT_ARCH_SPEC", ROOT / "SPEC.md"))
SPEC = SPEC_PATH.read_text(encoding="utf-8")


def _section(number: str, level: int = 2) -> str:
    hashes = "#" * level
    match = re.search(rf"^{hashes} {re.escape(number)}\.? .*?(?=^#{{1,{level}}} |\Z)", SPEC, re.M | re.S)
    assert match is not None, f"{SPEC_PATH.name} has no section {number}"
    return match.group(0)


OPSET = _section("10")


def _op_sections() -> dict[str, str]:
    sections = {}
    for match in re.finditer(r"^#### 10\.\d+\.\d+ (\S+)\n(.*?)(?=^#{2,4} |\Z)", OPSET, re.M | re.S):
        sections[match.group(1)] = match.group(2)
    return sections


def _rows(text: str, first_column: str) -> list[list[str]]:
    """Rows of the table whose header starts with `| first_column |`."""
    rows: list[list[str]] = []
    inside = False
    for line in text.splitlines():
        if line.startswith(f"| {first_column} |"):
            inside = True
            continue
        if inside and line.startswith("|---"):
            continue
        if inside and line.startswith("| "):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif inside:
            inside = False
    return rows


OPS = _op_sections()


def test_every_op_has_a_section() -> None:
    assert sorted(OPS) == sorted(CORE_OPS)


def _default(cell: str) -> object:
    if cell == "required":
        return REQUIRED
    if cell == "absent":
        return None
    if cell.startswith("= "):
        return DerivedDefault(cell[2:], lambda attrs: None)
    return json.loads(cell.strip("`"))


@pytest.mark.parametrize("op", sorted(CORE_OPS))
def test_attributes_match(op: str) -> None:
    rows = _rows(OPS[op], "attribute")
    spec = CORE_OPS[op]
    assert [row[0].strip("`") for row in rows] == [attr.name for attr in spec.attributes]
    for row, attr in zip(rows, spec.attributes, strict=True):
        assert row[1] == attr.kind, (op, attr.name)
        documented = _default(row[2])
        if attr.default is REQUIRED or attr.default is None:
            assert documented is attr.default, (op, attr.name)
        elif isinstance(attr.default, DerivedDefault):
            assert isinstance(documented, DerivedDefault) and documented.describe == attr.default.describe
        else:
            expected = list(attr.default) if isinstance(attr.default, tuple) else attr.default
            assert documented == expected and type(documented) in (type(expected), int), (op, attr.name)
        if attr.choices:
            assert all(f"`{choice}`" in row[3] for choice in attr.choices), (op, attr.name)


@pytest.mark.parametrize("op", sorted(set(CORE_OPS) - {"RNN", "LSTM", "GRU"}))
def test_slots_match(op: str) -> None:
    spec = CORE_OPS[op]
    example = {attr.name: (1,) * (attr.length or 1) if attr.kind == "ints" else 1 for attr in spec.attributes}
    example.update(
        {
            attr.name: attr.default
            for attr in spec.attributes
            if attr.default is not REQUIRED and not isinstance(attr.default, DerivedDefault)
        }
    )
    slots = spec.slots(example)
    rows = _rows(OPS[op], "slot")
    assert [row[0].strip("`") for row in rows] == [slot.name for slot in slots]
    for row, slot in zip(rows, slots, strict=True):
        assert row[2] == slot.dtype, (op, slot.name)
        assert row[3].startswith("yes") == slot.required, (op, slot.name)


def test_recurrent_slots_are_documented() -> None:
    rows = _rows(_section("10.10", 3), "slot")
    assert [row[0] for row in rows] == [
        f"`{kind}_l{{l}}[_reverse]`" for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    ]


def test_optimizer_hyperparameters_match() -> None:
    rows = _rows(_section("11.3", 3), "type")
    documented: dict[str, list[str]] = {}
    current: list[str] = []
    for row in rows:
        if row[0]:
            current = [name.strip("`") for name in row[0].split(", ")]
        for name in current:
            documented.setdefault(name, []).append(row[1].strip("`"))
    assert documented == {name: [h.name for h in spec.hyperparameters] for name, spec in OPTIMIZERS.items()}
