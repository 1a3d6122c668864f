"""The input of the graph and runtime harnesses: a header cut down to what the validator reads.

    {"architecture": {...}, "tensors": [{"name": "w", "dtype": "float32", "shape": [2], "role": "parameter"}]}

It is decoded by the strict header parser, as a reader would, so the validator only ever sees values a
real header can hold (no NaN, no 2^64, no duplicate keys). A tensor table the format itself would
refuse (an unknown dtype, a negative dimension) is not the graph's business: such inputs are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import _harness

with _harness.instrumented():
    import modelfmt
    from modelfmt.format import _json
    from modelfmt.format._limits import MAX_DEPTH


@dataclass(frozen=True)
class GraphInput:
    architecture: object
    tensors: tuple[modelfmt.TensorInfo, ...]


def decode(data: bytes) -> GraphInput | None:
    """The architecture and tensor table in `data`, or None when the table is not a valid one."""
    document = _json.parse(data, base_offset=0)
    _json.check_tree(document, depth=0, max_depth=MAX_DEPTH)
    if not isinstance(document, dict) or not isinstance(document.get("tensors"), list):
        return None
    tensors = []
    for row in document["tensors"]:
        if not isinstance(row, dict):
            return None
        name, dtype, shape, role = row.get("name"), row.get("dtype"), row.get("shape"), row.get("role")
        if not (isinstance(name, str) and isinstance(dtype, str) and isinstance(role, str)):
            return None
        if dtype not in modelfmt.DTYPES or role not in modelfmt.ROLES:
            return None
        if not isinstance(shape, list) or not all(type(dim) is int and 0 <= dim <= 2**31 for dim in shape):
            return None
        tensors.append(modelfmt.TensorInfo(name, dtype, tuple(shape), 0, 0, "", role))
    return GraphInput(document.get("architecture"), tuple(tensors))
