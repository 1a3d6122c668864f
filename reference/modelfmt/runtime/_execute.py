"""Executing a checked graph with numpy (SPEC.md §9.11): one kernel per core op, found in a dict."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import numpy as np

from ..graph._types import Graph, ValueType
from . import _kernels_basic, _kernels_layers, _kernels_sequence, _kernels_shape
from ._kernel_api import Kernel, KernelCall

_NUMPY_NAMES: Final = {"bool": "bool"}

KERNELS: Final[Mapping[str, Kernel]] = MappingProxyType(
    {
        **_kernels_basic.KERNELS,
        **_kernels_shape.KERNELS,
        **_kernels_layers.KERNELS,
        **_kernels_sequence.KERNELS,
    }
)


def execute(
    graph: Graph,
    types: Mapping[str, ValueType],
    feeds: Mapping[str, np.ndarray],
    tensors: Mapping[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Run every node in order. Values no later node or output needs are released as soon as possible."""
    last_use: dict[str, int] = {}
    for node in graph.nodes:
        for name in node.inputs:
            if name is not None:
                last_use[name] = node.index
    keep = {decl.name for decl in graph.outputs}
    values: dict[str, np.ndarray] = dict(feeds)
    for node in graph.nodes:
        kernel = KERNELS[node.op]
        inputs = [None if name is None else values[name] for name in node.inputs]
        params = {slot: tensors[tensor] for slot, tensor in node.parameters.items()}
        output_types = [types[name] if name is not None else ValueType(None, None) for name in node.outputs]
        results = kernel(KernelCall(node, inputs, params, output_types))
        for name, result in zip(node.outputs, results, strict=False):
            if name is not None:
                expected = types[name]
                # Kernels must produce exactly what inference promised; a difference is a bug here.
                assert result.shape == expected.shape, (node.describe(), result.shape, expected.shape)
                assert result.dtype == np.dtype(_NUMPY_NAMES.get(str(expected.dtype), str(expected.dtype))), (
                    node.describe(),
                    result.dtype,
                    expected.dtype,
                )
                values[name] = result
        for name in node.inputs:
            if name is not None and last_use.get(name) == node.index and name not in keep:
                values.pop(name, None)
    return values
