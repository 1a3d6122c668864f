"""Closed objects (SPEC.md §4.8): an object of the header, or of a signature block, has only the keys its
table defines, and every required one. Unknown keys are reported before missing ones.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ._errors import error
from ._json import show


def unknown_key(obj: Mapping[str, object], allowed: Collection[str]) -> str | None:
    """The first key of `obj`, in its order, that `allowed` lacks; or None."""
    for key in obj:
        if key not in allowed:
            return key
    return None


def missing_key(obj: Mapping[str, object], required: Collection[str]) -> str | None:
    """The first of `required`, in its order, that `obj` lacks; or None."""
    for key in required:
        if key not in obj:
            return key
    return None


def check_keys(obj: Mapping[str, object], allowed: Collection[str], required: Collection[str], where: str) -> None:
    """HEADER_UNKNOWN_KEY, then HEADER_MISSING_KEY, for an object of the header."""
    unknown = unknown_key(obj, allowed)
    if unknown is not None:
        raise error("HEADER_UNKNOWN_KEY", f"{where} has an unknown key {show(unknown)}")
    missing = missing_key(obj, required)
    if missing is not None:
        raise error("HEADER_MISSING_KEY", f"{where} lacks the required key `{missing}`")
