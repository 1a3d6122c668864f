"""The closed vocabulary of modelfmt.core: op name -> spec, held in a plain dict, derived from the
definitions in `graph/core/` (one module per family of SPEC.md §10), and the tables derived with it.

File content is only ever used as a key into these tables; nothing is resolved by attribute access,
import or evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from ._cost import CostFunction
from ._spec import REQUIRED, Attr, OpSpec, Port
from .core import _attention, _basic, _decoder, _elementwise, _layers, _recurrent, _shape, _tensor

CORE_DOMAIN: Final = "modelfmt.core"
CORE_VERSION: Final = 2  # the highest modelfmt.core version this implementation validates and runs

# The families in the order of SPEC.md §10; adding an op means adding its definition to one of them.
FAMILIES: Final = (
    _basic.OPS,
    _shape.OPS,
    _layers.OPS,
    _recurrent.OPS,
    _attention.OPS,
    _elementwise.OPS,
    _tensor.OPS,
    _decoder.OPS,
)


def _table(*families: tuple[OpSpec, ...]) -> Mapping[str, OpSpec]:
    table: dict[str, OpSpec] = {}
    for family in families:
        for spec in family:
            assert spec.name not in table, f"op {spec.name} is defined twice"
            assert 1 <= spec.since <= CORE_VERSION, f"op {spec.name} is from version {spec.since}"
            parts: tuple[Attr | Port, ...] = (*spec.attributes, *spec.inputs, *spec.outputs)
            for part in parts:
                # §9.3: what a later version adds to an op is optional, so earlier graphs stay valid. A part
                # left at the default `since` of 1 belongs to its op's version.
                since = max(part.since, spec.since)
                assert since <= CORE_VERSION, f"{spec.name}.{part.name} is from {part.since}"
                assert since == spec.since or not _required(part), f"{spec.name}.{part.name} is required"
            table[spec.name] = spec
    return MappingProxyType(table)


def _required(part: Attr | Port) -> bool:
    return part.default is REQUIRED if isinstance(part, Attr) else not part.optional


CORE_OPS: Final[Mapping[str, OpSpec]] = _table(*FAMILIES)
"""Every op this implementation knows, at the highest version it implements."""


def ops_at(version: int, table: Mapping[str, OpSpec] = CORE_OPS) -> Mapping[str, OpSpec]:
    """The ops of modelfmt.core at `version` (SPEC.md §9.3): those introduced at that version or before,
    each without the ports a later version added. A graph declaring version 1 knows no op of version 2,
    whatever this implementation knows."""
    return MappingProxyType({name: spec.at_version(version) for name, spec in table.items() if spec.since <= version})


COSTS: Final[Mapping[str, CostFunction]] = MappingProxyType({name: spec.cost for name, spec in CORE_OPS.items()})
"""The cost rule of every op (SPEC.md §9.11, the reference cost model), from the definitions."""


def lowest_version(ops: Iterable[str]) -> int:
    """The lowest modelfmt.core version that defines every core op named in `ops` (names that are not core
    ops, such as extension ops, are ignored): what a writer declares (SPEC.md §9.3, a writer SHOULD declare
    the lowest version), so that a graph of version 1 ops stays readable by a version 1 reader."""
    return max((CORE_OPS[op].since for op in ops if op in CORE_OPS), default=1)
