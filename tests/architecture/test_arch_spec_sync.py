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
from modelfmt.format._dtypes import DTYPES
from modelfmt.graph import CORE_OPS
from modelfmt.graph._spec import REQUIRED, DerivedDefault, Port
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


# ---- ports: the "Inputs: ... Outputs: ..." sentences and port tables of §10 against the definitions ----

PORT_NAME = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`(.*)", re.S)
DTYPE_NAMES = frozenset(DTYPES)


def _top_level_items(clause: str) -> list[str]:
    """`clause` cut at the commas outside parentheses and backticks."""
    items, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(clause):
        if char == "`":
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            items.append(clause[start:index].strip())
            start = index + 1
    items.append(clause[start:].strip())
    return items


def _clause(text: str, label: str) -> str | None:
    """The text after `label` (`Inputs:`, `Outputs:`, `Output`) up to the end of its sentence: the first
    period outside parentheses and backticks that a space or the end follows."""
    match = re.search(rf"(?:^|\s){label}\s", text)
    if match is None:
        return None
    depth, quoted = 0, False
    start = match.end()
    for index in range(start, len(text)):
        char = text[index]
        if char == "`":
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]":
            depth -= 1
        elif not quoted and depth == 0 and char in ".:" and (index + 1 == len(text) or text[index + 1].isspace()):
            return text[start:index]
    return text[start:]


def _ports_of_clause(clause: str) -> list[tuple[str, bool, bool]] | None:
    """(name, optional, variadic) of every item that starts with a backticked name; None when no item does
    (the sentence states a shape, not a port)."""
    if clause.strip() == "none":
        return []
    ports = []
    for item in _top_level_items(" ".join(clause.split())):
        match = PORT_NAME.match(item)
        if match is None or match.group(1) in DTYPE_NAMES:
            continue
        rest = match.group(2).lstrip()
        ports.append((match.group(1), rest.startswith("(optional"), rest.startswith("(variadic")))
    return ports or None


def _ports_of_table(text: str) -> list[tuple[str, bool, bool]] | None:
    rows = _rows(text, "port")
    if not rows:
        return None
    ports = []
    for row in rows:
        match = PORT_NAME.match(row[0])
        assert match is not None, row
        ports.append((match.group(1), "(optional)" in match.group(2), "(variadic)" in match.group(2)))
    return ports


def _documented_ports() -> dict[str, dict[str, list[tuple[str, bool, bool]]]]:
    """op -> {"inputs": ports, "outputs": ports}, for what the text states reliably: an op's own sentence
    or port table, "As <op>" (the ports of that op), or a subsection's "Each takes `X` ... and returns `Y`"."""
    documented: dict[str, dict[str, list[tuple[str, bool, bool]]]] = {}
    subsections = {
        match.group(1): match.group(2)
        for match in re.finditer(r"^### (10\.\d+) .*?\n(.*?)(?=^#{2,4} |\Z)", OPSET, re.M | re.S)
    }
    for op, text in OPS.items():
        ports: dict[str, list[tuple[str, bool, bool]]] = {}
        inputs = _ports_of_table(text) if "Inputs (" in text else None
        if inputs is None:
            clause = _clause(text, "Inputs:")
            inputs = _ports_of_clause(clause) if clause is not None else None
        if inputs is not None:
            ports["inputs"] = inputs
        for label in ("Outputs:", "Output"):
            clause = _clause(text, label)
            outputs = _ports_of_clause(clause) if clause is not None else None
            if outputs is not None:
                ports["outputs"] = outputs
                break
        section = CORE_OPS[op].section
        each = re.search(r"Each takes `(\w+)` .*? and returns `(\w+)`", subsections.get(section, ""), re.S)
        if each is not None and not ports:
            ports = {"inputs": [(each.group(1), False, False)], "outputs": [(each.group(2), False, False)]}
        documented[op] = ports
    for op, text in OPS.items():
        same = re.match(r"\s*As (\w+)[\s,]", text)
        if same is not None and not documented[op]:
            documented[op] = documented[same.group(1)]
    return documented


DOCUMENTED_PORTS = _documented_ports()


def _ports(spec_ports: tuple[Port, ...]) -> list[tuple[str, bool, bool]]:
    return [(port.name, port.optional, port.variadic) for port in spec_ports]


def test_ports_are_documented_for_most_ops() -> None:
    """The parser keeps up with the text: it finds the inputs of most ops (the shape ops that only say
    "`X`'s dtype" in prose are the exceptions) and the outputs of many."""
    with_inputs = [op for op, ports in DOCUMENTED_PORTS.items() if "inputs" in ports]
    with_outputs = [op for op, ports in DOCUMENTED_PORTS.items() if "outputs" in ports]
    assert len(with_inputs) >= 35, sorted(set(CORE_OPS) - set(with_inputs))
    assert len(with_outputs) >= 25, sorted(set(CORE_OPS) - set(with_outputs))


@pytest.mark.parametrize("op", sorted(CORE_OPS))
def test_ports_match(op: str) -> None:
    documented = DOCUMENTED_PORTS[op]
    spec = CORE_OPS[op]
    if "inputs" in documented:
        assert documented["inputs"] == _ports(spec.inputs), f"{op}: the inputs of SPEC.md §{spec.section}"
    if "outputs" in documented:
        assert documented["outputs"] == _ports(spec.outputs), f"{op}: the outputs of SPEC.md §{spec.section}"


# ---- input types: the type variable in parentheses after an input's name (§10.1) against Port.types ----

TYPE_OF_PARENTHESIS = re.compile(r"\((T|N|I|V|bool|any dtype)[,;)]")


def _types_of_clause(clause: str) -> dict[str, str]:
    """Input name -> type variable, for names followed by `(T`, `(N`, `(I`, `(V`, `(bool` or `(any dtype`; a name
    listed bare just before typed ones (`A`, `B` (N, the same dtype)) takes their type."""
    types: dict[str, str] = {}
    bare: list[str] = []
    for item in _top_level_items(" ".join(clause.split())):
        match = PORT_NAME.match(item)
        if match is None or match.group(1) in DTYPE_NAMES:
            bare = []
            continue
        typed = TYPE_OF_PARENTHESIS.match(match.group(2).lstrip())
        if typed is None:
            bare.append(match.group(1))
            continue
        variable = "any" if typed.group(1) == "any dtype" else typed.group(1)
        for name in [*bare, match.group(1)]:
            types[name] = variable
        bare = []
    return types


def _documented_types() -> dict[str, dict[str, str]]:
    documented: dict[str, dict[str, str]] = {}
    for op, text in OPS.items():
        clause = _clause(text, "Inputs:")
        documented[op] = _types_of_clause(clause) if clause is not None else {}
        intro = re.search(r"Inputs \(all (T) of one dtype except masks\)", text)
        if intro is not None:
            documented[op] = {row[0].strip("`"): "T" for row in _rows(text, "port") if "(optional)" not in row[0]}
    activations = _section("10.3", 3)
    each = re.search(r"Each takes `(\w+)` \((T)\)", activations)
    assert each is not None
    shape_ops = re.search(r"Shape ops accept any (V) dtype", _section("10.5", 3))
    assert shape_ops is not None
    for op, spec in CORE_OPS.items():
        if spec.section == "10.3" and not documented[op]:
            documented[op] = {each.group(1): each.group(2)}
        if spec.section == "10.5" and not documented[op]:
            inputs = DOCUMENTED_PORTS[op].get("inputs", [])
            documented[op] = {name: shape_ops.group(1) for name, _optional, _variadic in inputs}
    for op, text in OPS.items():
        same = re.match(r"\s*As (\w+)[\s,][^.]*?\.", text, re.S)
        if same is not None and not documented[op] and "dtype" not in same.group(0):
            documented[op] = documented[same.group(1)]
    return documented


DOCUMENTED_TYPES = _documented_types()


def test_input_types_are_documented_for_most_ops() -> None:
    assert sum(len(types) for types in DOCUMENTED_TYPES.values()) >= 40, DOCUMENTED_TYPES


@pytest.mark.parametrize("op", sorted(CORE_OPS))
def test_input_types_match(op: str) -> None:
    declared = {port.name: port.types for port in CORE_OPS[op].inputs}
    for name, variable in DOCUMENTED_TYPES[op].items():
        assert declared.get(name) == variable, f"{op} input {name}: SPEC.md says {variable}"
