"""Executing a checked graph with numpy (SPEC.md §9.11): one kernel per core op, found in a dict.

The kernels are attached to the op definitions (`graph/core/`) by op name, one module per family, as
the families of the definitions; `tests/architecture/test_arch_examples.py` fails when an op has no
kernel or a kernel names no op."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final

import numpy as np

from ..format._errors import ModelfmtError
from ..graph._types import Graph, Node, ValueType
from . import (
    _kernels_attention,
    _kernels_basic,
    _kernels_decoder,
    _kernels_elementwise,
    _kernels_layers,
    _kernels_recurrent,
    _kernels_shape,
    _kernels_tensor,
)
from ._kernel_api import Kernel, KernelCall
from ._run_errors import run_error

_NUMPY_NAMES: Final = {"bool": "bool"}

KERNELS: Final[Mapping[str, Kernel]] = MappingProxyType(
    {
        **_kernels_basic.KERNELS,
        **_kernels_shape.KERNELS,
        **_kernels_layers.KERNELS,
        **_kernels_recurrent.KERNELS,
        **_kernels_attention.KERNELS,
        **_kernels_elementwise.KERNELS,
        **_kernels_tensor.KERNELS,
        **_kernels_decoder.KERNELS,
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
        inputs = [None if name is None else values[name] for name in node.inputs]
        params = {slot: tensors[tensor] for slot, tensor in node.parameters.items()}
        output_types = [types[name] if name is not None else ValueType(None, None) for name in node.outputs]
        results = _call(node, KernelCall(node, inputs, params, output_types))
        for name, result in zip(node.outputs, results, strict=False):
            if name is not None:
                expected = types[name]
                # Kernels must produce exactly what inference promised; a difference is a bug here.
                numpy_dtype = np.dtype(_NUMPY_NAMES.get(str(expected.dtype), str(expected.dtype)))
                if result.shape != expected.shape or result.dtype != numpy_dtype:
                    raise inconsistency(
                        node,
                        f"it produced {result.dtype} {list(result.shape)} for `{name}`, not {expected.dtype} "
                        f"{list(expected.shape or ())}",
                    )
                values[name] = result
        for name in node.inputs:
            if name is not None and last_use.get(name) == node.index and name not in keep:
                values.pop(name, None)
    return values


def _call(node: Node, call: KernelCall) -> Sequence[np.ndarray]:
    """One kernel call. What numpy raises becomes a coded error: the budget (§9.11 step 6) was checked
    before, so running out of memory means the machine has less than the budget, and a numpy error about
    shapes or values means inference let through what the kernel cannot compute."""
    try:
        return KERNELS[node.op](call)
    except ModelfmtError:
        raise
    except MemoryError as exc:  # numpy's _ArrayMemoryError included
        raise run_error(
            "RUN_MEMORY_BUDGET",
            f"{node.describe()}: the system could not provide the memory the budget allows ({exc})",
            hint="lower the memory budget (max_memory, --max-memory) below what this machine can provide",
        ) from None
    except (ValueError, TypeError, IndexError, ArithmeticError, AssertionError) as exc:
        raise inconsistency(node, f"numpy reports {type(exc).__name__}: {exc}") from exc


def inconsistency(node: Node, detail: str) -> ModelfmtError:
    """A kernel could not do what shape inference promised: RUN_INPUT (these inputs imply shapes the
    kernel rejects), flagged as a defect of the reference runtime so that it gets reported."""
    return run_error(
        "RUN_INPUT",
        f"{node.describe()} cannot be computed with these inputs: {detail}",
        hint="shape inference should have refused these inputs first; please report this file and these inputs",
    )
