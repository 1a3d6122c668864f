"""Structure-aware mutants for differential testing: edit the header *value*, then make everything else agree.

Byte-level damage (differential.py) almost always dies at the JSON or length checks. These mutants parse a
valid file's header, change one JSON value (a shape, a dtype, an offset, a name, a graph attribute, a
training field, chosen with a bias towards the fields rules read), and then, unless the edit was to the
layout itself, lay the data section out again: every tensor's bytes resized to its new dtype and shape,
offsets at the next 64-byte boundary, lengths and SHA-256 digests recomputed, the header written in
canonical form, the preamble's length and the padding recomputed. So the mutant passes every rule the
edit did not touch and reaches the phase that owns the edited field: graph validation, training state,
content digests. Signed mutants are signed again after the edit, so that verification runs too.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import struct
from collections.abc import Iterator, Mapping
from typing import Any

from modelfmt.format import _json
from modelfmt.format._dtypes import DTYPES

Path_ = tuple[str | int, ...]

# Fields a rule reads: a mutation lands on one of these half of the time.
INTERESTING = frozenset(
    {"shape", "dtype", "name", "offset", "length", "role", "attributes", "inputs", "outputs", "op", "opset",
     "parameters", "slots", "step", "epoch", "type", "groups", "hyperparameters", "state", "metadata", "nodes"}
)  # fmt: skip
LAYOUT_FIELDS = frozenset({"offset", "length", "sha256"})
# Tensors larger than this are not materialised when a mutation asks for them (their entry stays as edited).
MAX_TENSOR_BYTES = 1 << 23


def _align(value: int) -> int:
    return -(-value // 64) * 64


def split(data: bytes) -> tuple[dict[str, Any], dict[str, bytes]] | None:
    """The header value of a valid file and each tensor's bytes by name (None when it does not parse)."""
    (length,) = struct.unpack_from("<Q", data, 16)
    start = _align(24 + length)
    try:
        header = json.loads(data[24 : 24 + length])
    except ValueError:
        return None
    if not isinstance(header, dict) or not isinstance(header.get("tensors"), list):
        return None
    tensors = {
        entry["name"]: data[start + entry["offset"] : start + entry["offset"] + entry["length"]]
        for entry in header["tensors"]
    }
    return header, tensors


def _nodes(value: object, path: Path_ = ()) -> Iterator[tuple[Path_, object]]:
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _nodes(child, (*path, index))


def _strings(header: object) -> list[str]:
    return [value for _, value in _nodes(header) if isinstance(value, str)] or ["x"]


def _new_value(rng: random.Random, value: object, header: object) -> tuple[str, object]:
    """A plausible replacement for `value`: same JSON type most of the time, another type sometimes."""
    if isinstance(value, bool):
        return rng.choice((("negate", not value), ("number", 0), ("string", "true"), ("null", None)))
    if isinstance(value, int | float):
        number = value
        choices: list[tuple[str, object]] = [
            ("plus-1", number + 1), ("minus-1", number - 1), ("negate", -number), ("zero", 0), ("one", 1),
            ("two-53", 2**53), ("max-safe", 2**53 - 1), ("seventeen", 17), ("fraction", 2.5), ("double", number * 2),
            ("plus-64", number + 64), ("string", str(number)), ("null", None), ("array", [number]),
        ]  # fmt: skip
        return rng.choice(choices)
    if isinstance(value, str):
        other = rng.choice(_strings(header))
        choices = [
            ("other-string", other), ("empty", ""), ("suffix", value + "_"), ("upper", value.upper()),
            ("control", value + "\x01"), ("long", "a" * 1025), ("reserved", "modelfmt.core"),
            ("extension", "com.example.Op"), ("number", 5), ("null", None), ("float16", "float16"),
            ("int64", "int64"), ("symbol", "n"),
        ]  # fmt: skip
        return rng.choice(choices)
    if isinstance(value, list):
        items = list(value)
        choices = [("empty", []), ("reverse", items[::-1]), ("add-zero", [*items, 0]), ("add-one", [*items, 1]),
                   ("add-null", [*items, None]), ("rank-17", [1] * 17), ("object", {})]  # fmt: skip
        if items:
            index = rng.randrange(len(items))
            choices += [
                ("drop", items[:index] + items[index + 1 :]),
                ("duplicate", items[: index + 1] + items[index:]),
                ("swap", [items[-1], *items[1:-1], items[0]] if len(items) > 1 else items),
            ]
        return rng.choice(choices)
    if isinstance(value, dict):
        members = dict(value)
        choices = [("add-unknown", {**members, "zz_unknown": 0}), ("empty", {}), ("array", [])]
        if members:
            key = rng.choice(list(members))
            dropped = {k: v for k, v in members.items() if k != key}
            choices += [("drop-" + key, dropped), ("null-" + key, {**members, key: None})]
        return rng.choice(choices)
    return rng.choice((("zero", 0), ("string", "x"), ("object", {})))


def _set(header: Any, path: Path_, value: object) -> None:
    target = header
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _length(entry: Mapping[str, Any]) -> int | None:
    dtype = DTYPES.get(entry.get("dtype")) if isinstance(entry.get("dtype"), str) else None
    shape = entry.get("shape")
    if dtype is None or not isinstance(shape, list):
        return None
    if not all(type(dim) is int and 0 <= dim <= 2**53 - 1 for dim in shape):
        return None
    length = dtype.byte_length(math.prod(shape))
    return length if length <= MAX_TENSOR_BYTES else None


def assemble(original: bytes, header: dict[str, Any], tensors: Mapping[str, bytes], *, relayout: bool) -> bytes:
    """A file with `header` (canonical form) and, with `relayout`, a data section laid out for it again."""
    (old_length,) = struct.unpack_from("<Q", original, 16)
    data = original[_align(24 + old_length) :]
    if relayout and isinstance(header.get("tensors"), list):
        section = bytearray()
        for entry in header["tensors"]:
            length = _length(entry) if isinstance(entry, dict) else None
            if length is None:
                continue
            name = entry.get("name")
            blob = tensors.get(name, b"") if isinstance(name, str) else b""
            blob = blob[:length].ljust(length, b"\x00")
            offset = _align(len(section))
            section += bytes(offset - len(section)) + blob
            entry.update(offset=offset, length=length, sha256=hashlib.sha256(blob).hexdigest())
        data = bytes(section)
    try:
        text = _json.canonical(header).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError):
        text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
    preamble = original[:16] + struct.pack("<Q", len(text))
    return preamble + text + bytes(-(24 + len(text)) % 64) + data


def mutate(rng: random.Random, data: bytes) -> tuple[str, bytes] | None:
    """One structural mutation of the valid file `data` (None when its header does not parse)."""
    parsed = split(data)
    if parsed is None:
        return None
    header, tensors = parsed
    if rng.random() < 0.05:
        return _flip_data(rng, data, header)
    nodes = [(path, value) for path, value in _nodes(header) if path]
    interesting = [(p, v) for p, v in nodes if any(isinstance(step, str) and step in INTERESTING for step in p[-2:])]
    path, value = rng.choice(interesting if interesting and rng.random() < 0.6 else nodes)
    edit, replacement = _new_value(rng, value, header)
    _set(header, path, replacement)
    relayout = not any(step in LAYOUT_FIELDS for step in path) and rng.random() < 0.9
    name = "/".join(str(step) for step in path)
    return f"struct {name}: {edit}{'' if relayout else ' (layout kept)'}", assemble(
        data, header, tensors, relayout=relayout
    )


def _flip_data(rng: random.Random, data: bytes, header: Mapping[str, Any]) -> tuple[str, bytes] | None:
    """One bit of one tensor's bytes changed, everything else kept: the content phase's digest (and bool) rules."""
    entries = [entry for entry in header["tensors"] if entry["length"] > 0]
    if not entries:
        return None
    entry = rng.choice(entries)
    (length,) = struct.unpack_from("<Q", data, 16)
    # Past the first mebibyte when the tensor has one: a digest over the first read chunk only misses it.
    first = 1 << 20 if entry["length"] > 1 << 20 else 0
    at = _align(24 + length) + entry["offset"] + rng.randrange(first, entry["length"])
    flipped = data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    return f"data {entry['name']}: bit flipped at {at}", flipped


def big_tensor_file() -> bytes:
    """A valid file with a 1.5 MiB uint8 tensor (past a 1 MiB read chunk) and a small float32 one."""
    big = bytes(range(256)) * 6144
    small = struct.pack("<4f", 1.0, -2.0, 0.5, 0.25)
    header: dict[str, Any] = {
        "metadata": {"name": "big"},
        "tensors": [
            {"dtype": "uint8", "name": "big", "role": "parameter", "shape": [len(big)]},
            {"dtype": "float32", "name": "small", "role": "parameter", "shape": [2, 2]},
        ],
    }
    empty = b"\x89MFT\r\n\x1a\n" + struct.pack("<HH", 1, 0) + bytes(4) + struct.pack("<Q", 0)
    return assemble(empty, header, {"big": big, "small": small}, relayout=True)
