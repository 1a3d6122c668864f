"""JSON-shape checks shared by the architecture and training validators (types, member order).

They raise the core's structural code HEADER_TYPE so that a schema validator and this code report the same
failure. Closed objects are `format._objects.check_keys`; the name rule is `format._names.name_problem`.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..format._errors import error
from ..format._json import json_type


def expect_object(value: object, where: str) -> dict[str, object]:
    if type(value) is not dict:
        raise error("HEADER_TYPE", f"{where} must be an object, got {json_type(value)}")
    return value


def expect_array(value: object, where: str) -> list[object]:
    if type(value) is not list:
        raise error("HEADER_TYPE", f"{where} must be an array, got {json_type(value)}")
    return value


def expect_string(value: object, where: str) -> str:
    if type(value) is not str:
        raise error("HEADER_TYPE", f"{where} must be a string, got {json_type(value)}")
    return value


def expect_int(value: object, where: str) -> int:
    if type(value) is not int:
        raise error("HEADER_TYPE", f"{where} must be an integer, got {json_type(value)}")
    return value


def canonical_order(keys: Iterable[str]) -> list[str]:
    """Keys in the order of the canonical form (§4.7): by UTF-16 code units, which is how error
    precedence among an object's members is defined."""
    return sorted(keys, key=lambda key: key.encode("utf-16-be", "surrogatepass"))
