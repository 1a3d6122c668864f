"""Expected results computed from the vectors themselves, without the reference implementation: a plain
JSON parse of a header known to be valid, and the tensors' bytes sliced by the offsets it states. The
reference is compared with these (generation, and the runner in CI), not the other way round.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any

from modelfmt.conformance import _compare

from .build import Tensor, align64, file_bytes, model

HEX_MAX_LENGTH = 64


def read_document(content: bytes) -> _compare.Document:
    """The reader result document (conformance/PROTOCOL.md) of a valid file."""
    major, minor = struct.unpack_from("<HH", content, 8)
    (length,) = struct.unpack_from("<Q", content, 16)
    # Parsed by the runner's strict loader, which also notes whether the fast canonical form applies.
    parsed = _compare.load(content[24 : 24 + length])
    header: Any = parsed.value
    start = align64(24 + length)
    tensors = []
    for entry in header["tensors"]:
        raw = content[start + entry["offset"] : start + entry["offset"] + entry["length"]]
        assert len(raw) == entry["length"]
        item: dict[str, object] = {
            "name": entry["name"],
            "dtype": entry["dtype"],
            "shape": entry["shape"],
            "length": entry["length"],
            "sha256": hashlib.sha256(raw).hexdigest(),
        }
        if entry["length"] <= HEX_MAX_LENGTH:
            item["hex"] = raw.hex()
        tensors.append(item)
    # The tensor list holds only strings and integers: it keeps the header's fast canonical form.
    return _compare.Document({"version": [major, minor], "header": header, "tensors": tensors}, parsed.simple)


def write_file(task: dict[str, object]) -> bytes:
    """The file a conforming writer produces for a task (PROTOCOL.md, Writer), by the rules of §14."""
    tensors = [
        Tensor(str(t["name"]), str(t["dtype"]), list(t["shape"]), bytes.fromhex(str(t["hex"])), str(t["role"]))
        for t in task["tensors"]  # type: ignore[attr-defined]
    ]
    built = model(
        tensors,
        task["metadata"],  # type: ignore[arg-type]
        architecture=task.get("architecture"),  # type: ignore[arg-type]
        training=task.get("training"),  # type: ignore[arg-type]
        extensions=task.get("extensions") or None,  # type: ignore[arg-type]  # §8.3: an empty one is omitted
    )
    return file_bytes(built)
