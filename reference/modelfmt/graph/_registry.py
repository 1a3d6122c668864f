"""The closed vocabulary of modelfmt.core version 1: op name -> spec, held in a plain dict.

File content is only ever used as a key into `CORE_OPS`; nothing is resolved by attribute access,
import or evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from . import _ops_attention, _ops_basic, _ops_layers, _ops_recurrent, _ops_shape
from ._spec import OpSpec

CORE_DOMAIN: Final = "modelfmt.core"
CORE_VERSION: Final = 1  # the highest modelfmt.core version this implementation validates and runs


def _table(*families: tuple[OpSpec, ...]) -> Mapping[str, OpSpec]:
    table: dict[str, OpSpec] = {}
    for family in families:
        for spec in family:
            assert spec.name not in table, spec.name
            table[spec.name] = spec
    return MappingProxyType(table)


CORE_OPS: Final[Mapping[str, OpSpec]] = _table(
    _ops_basic.OPS,
    _ops_shape.OPS,
    _ops_layers.OPS,
    _ops_recurrent.OPS,
    _ops_attention.OPS,
)
