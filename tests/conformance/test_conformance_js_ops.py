"""The JavaScript implementation's op table (`conformance/implementations/js/ops.js`, written by hand on
purpose: it is the suite's independent second implementation) agrees with the op definitions of the
reference (`reference/modelfmt/graph/core/`): the same op names, and for each op the same ports (name,
optional, variadic), attributes (name, type, default) and the modelfmt.core version that introduced it
(`since`). Ranges, slots and inference are functions in ops.js; the conformance vectors compare those by
behaviour.

ops.js exports its table (`OPS`); node reads it and prints it as JSON.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from conformance_helpers import JS_CLI, node
from modelfmt.graph import CORE_OPS
from modelfmt.graph._spec import REQUIRED, DerivedDefault, OpSpec, Port

pytestmark = [
    pytest.mark.js,
    pytest.mark.skipif(node() is None, reason="node is not installed: the JavaScript op table cannot be read"),
]

OPS_JS = JS_CLI.parent / "ops.js"

# Defaults as JSON: REQUIRED and absent as marker objects, a default derived from another attribute as
# {"ref": that attribute}, as ops.js writes it.
DUMP = """
const { OPS, REQUIRED, ABSENT } = require(process.argv[1]);
const def = (v) => (v === REQUIRED ? { required: true } : v === ABSENT ? { absent: true } : v);
const ports = (list) => list.map((p) => ({ name: p.name, optional: !!p.opt, variadic: !!p.variadic }));
const table = {};
for (const [name, op] of OPS) {
  table[name] = {
    inputs: ports(op.inputs),
    outputs: ports(op.outputs),
    attributes: op.attributes.map((a) => ({ name: a.name, type: a.type, default: def(a.def) })),
    since: op.since,
  };
}
process.stdout.write(JSON.stringify(table));
"""


@pytest.fixture(scope="module")
def js_ops() -> dict[str, dict[str, list[dict[str, object]]]]:
    executable = node()
    assert executable is not None
    result = subprocess.run(
        [executable, "-e", DUMP, str(OPS_JS)], capture_output=True, text=True, timeout=120, check=True
    )
    table: dict[str, dict[str, list[dict[str, object]]]] = json.loads(result.stdout)
    return table


def _ports(ports: tuple[Port, ...]) -> list[dict[str, object]]:
    return [{"name": port.name, "optional": port.optional, "variadic": port.variadic} for port in ports]


def _default(value: object) -> object:
    if value is REQUIRED:
        return {"required": True}
    if value is None:
        return {"absent": True}
    if isinstance(value, DerivedDefault):
        return {"ref": value.describe}
    return list(value) if isinstance(value, tuple) else value


def _python(spec: OpSpec) -> dict[str, list[dict[str, object]]]:
    return {
        "inputs": _ports(spec.inputs),
        "outputs": _ports(spec.outputs),
        "attributes": [{"name": a.name, "type": a.kind, "default": _default(a.default)} for a in spec.attributes],
        "since": spec.since,  # SPEC.md §9.3: the version from which a graph may use the op
    }


def test_the_same_ops(js_ops: dict[str, object]) -> None:
    assert sorted(set(CORE_OPS) - set(js_ops)) == [], "ops the JavaScript implementation lacks"
    assert sorted(set(js_ops) - set(CORE_OPS)) == [], "ops only the JavaScript implementation has"


@pytest.mark.parametrize("op", sorted(CORE_OPS))
def test_the_same_ports_and_attributes(op: str, js_ops: dict[str, dict[str, list[dict[str, object]]]]) -> None:
    if op not in js_ops:
        pytest.fail(f"ops.js does not define {op}")
    assert js_ops[op] == _python(CORE_OPS[op])
