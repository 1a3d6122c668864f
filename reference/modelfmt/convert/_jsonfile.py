"""Small JSON files of other formats (configs, indexes), parsed strictly and with a size bound."""

from __future__ import annotations

from typing import BinaryIO, Final

from ..format import _json
from ..format._errors import ModelfmtError
from ._errors import ConversionError

# Configs and shard indexes are kilobytes (an index of 100k tensors is a few MiB); this bounds memory.
MAX_JSON_BYTES: Final = 16 * 1024 * 1024


def parse_json(raw: bytes, where: str, *, base_offset: int = 0) -> object:
    """Strict JSON (modelfmt's header rules: no duplicate keys, no NaN, bounded depth); errors name the
    byte offset, counted from `base_offset`."""
    try:
        value = _json.parse(raw, base_offset=base_offset)
        _json.check_tree(value, depth=1, max_depth=64)
    except ModelfmtError as exc:
        raise ConversionError(f"{where}: not strict JSON: {exc}") from None
    return value


def read_json(stream: BinaryIO, where: str) -> object:
    """The JSON value of an open file (closed afterwards), read up to the size bound."""
    with stream:
        raw = stream.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise ConversionError(f"{where}: more than {MAX_JSON_BYTES} bytes, above the bound for a JSON file")
    return parse_json(raw, where)


def read_json_object(stream: BinaryIO, where: str) -> dict[str, object]:
    value = read_json(stream, where)
    if not isinstance(value, dict):
        raise ConversionError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value
