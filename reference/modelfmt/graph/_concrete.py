"""Shape inference with sizes (SPEC.md §9.11 step 4): the rules of §9.10 applied again once every graph
input has a concrete shape, so that every value's size is known before anything is allocated.

The runtime calls it with the caller's arrays; `check` calls it with sample sizes for the symbols to
say how memory grows with them. Failures are the op rules' own errors (GRAPH_*); callers decide what
they mean in their context.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._registry import CORE_OPS
from ._spec import InferContext
from ._types import Graph, TensorEntry, ValueType


def infer_with_sizes(
    graph: Graph, input_shapes: Mapping[str, tuple[int, ...]], tensors: Mapping[str, TensorEntry]
) -> dict[str, ValueType]:
    """The type of every value when the graph inputs have `input_shapes` (name -> shape). A size that
    inference cannot state (a product or sum beyond 2^53-1) is None, as in §9.10."""
    types: dict[str, ValueType] = {
        decl.name: ValueType(decl.dtype, tuple(input_shapes[decl.name])) for decl in graph.inputs
    }
    for node in graph.nodes:
        spec = CORE_OPS[node.op]
        inputs = [None if name is None else types[name] for name in node.inputs]
        bound = {slot: tensors[tensor] for slot, tensor in node.parameters.items()}
        outputs = spec.infer(InferContext(node, inputs, bound))
        for name, value in zip(node.outputs, outputs, strict=False):
            if name is not None:
                types[name] = value
    return types
