"""Fuzz the graph validator (`graph.validate_architecture`, SPEC.md §9-11) on decoded headers.

The input format is described in `_graph_input.py`; seeds are the architectures of the conformance
vectors with their tensor tables.
"""

from __future__ import annotations

import _graph_input
import _harness

with _harness.instrumented():
    from modelfmt.graph import validate_architecture


def one_input(data: bytes) -> None:
    decoded = _graph_input.decode(data)
    if decoded is None:
        return
    validate_architecture(decoded.architecture, {info.name: info for info in decoded.tensors})


if __name__ == "__main__":
    _harness.main(one_input)
