"""Fuzz the numpy runtime (`modelfmt.run`, SPEC.md §9.11) on small valid files with mutated graphs.

The input is a cut-down header (see `_graph_input.py`). The harness fills every tensor with small
deterministic values, writes the file with `modelfmt.save` (which validates the architecture, so
invalid graphs stop there with their error) and runs it on inputs built from the graph's declared
inputs: symbolic dimensions are 2, index-like integer inputs include -1 and values past small sizes
so that RUN_INDEX paths are reached. Tensors and inputs are kept small so that one run stays cheap.
"""

from __future__ import annotations

import math

import _graph_input
import _harness
import numpy as np

with _harness.instrumented():
    import modelfmt
    from modelfmt.graph import validate_architecture

MAX_ELEMENTS = 4096  # per tensor and per input
SYMBOL_SIZE = 2
_FILE = _harness.scratch_directory() / "model.mf"


def _values(dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    count = math.prod(shape)
    ramp = np.arange(count, dtype=np.int64)
    if dtype == "bool":
        raw: np.ndarray = ramp % 2 == 1
    elif dtype.startswith(("int", "uint")):
        raw = ramp % 5 - 1  # -1 .. 3: negative and out-of-range indices for small tables
    else:
        raw = (ramp % 7 - 3) * 0.375
    return raw.astype(modelfmt.DTYPES[dtype].numpy).reshape(shape)


def one_input(data: bytes) -> None:
    decoded = _graph_input.decode(data)
    if decoded is None or not isinstance(decoded.architecture, dict):
        return
    if any(math.prod(info.shape) > MAX_ELEMENTS for info in decoded.tensors):
        return
    tensors = {info.name: _values(info.dtype, info.shape) for info in decoded.tensors}
    roles = {info.name: info.role for info in decoded.tensors}
    _FILE.write_bytes(modelfmt.save(tensors, roles=roles, architecture=decoded.architecture))
    graph = validate_architecture(decoded.architecture, {info.name: info for info in decoded.tensors})
    inputs = {}
    for declared in graph.inputs:
        shape = tuple(dim if isinstance(dim, int) else SYMBOL_SIZE for dim in declared.shape)
        if math.prod(shape) > MAX_ELEMENTS:
            return
        inputs[declared.name] = _values(declared.dtype, shape)
    modelfmt.run(_FILE, inputs)


if __name__ == "__main__":
    _harness.main(one_input)
