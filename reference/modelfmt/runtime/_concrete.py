"""Run-time checks of SPEC.md §9.11 that need the caller's inputs: binding inputs to the graph's
declared inputs (symbols included) and re-running inference with concrete shapes, so that every
shape is known and checked before the first kernel runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np

from ..format._dtypes import DTYPES
from ..format._errors import FormatError
from ..format._json import show
from ..graph._concrete import infer_with_sizes
from ..graph._shapes import show as show_shape
from ..graph._types import Graph, TensorEntry, ValueType
from ._run_errors import run_error

# The float dtypes this runtime computes in (SPEC.md §9.11 lets a runtime refuse others).
RUNTIME_FLOAT_DTYPES: Final = ("float32", "float64")
_UNSUPPORTED_DTYPES: Final = ("float16", "bfloat16", "float8_e4m3fn", "float8_e5m2")


def refuse_unexecutable(graph: Graph) -> None:
    """RUN_UNSUPPORTED for extension ops (never executed, §9.9), naming every one."""
    extension = graph.extension_nodes
    if extension:
        names = ", ".join(f"`{node.name}` ({node.op})" for node in extension[:10])
        more = f" and {len(extension) - 10} more" if len(extension) > 10 else ""
        raise run_error(
            "RUN_UNSUPPORTED",
            f"the graph uses extension ops, which modelfmt never executes: {names}{more}",
            hint="an extension op needs the tool that defined it; the reference runtime runs modelfmt.core only",
        )


def bind_inputs(
    graph: Graph, inputs: Mapping[str, object] | Sequence[object]
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Match the caller's arrays to the graph inputs; returns the feeds and the symbol bindings."""
    declared = graph.inputs
    if isinstance(inputs, Mapping):
        names = [decl.name for decl in declared]
        for key in inputs:
            if key not in names:
                raise run_error(
                    "RUN_INPUT", f"no graph input named {show(str(key))}; the inputs are {', '.join(names) or 'none'}"
                )
        for name in names:
            if name not in inputs:
                raise run_error("RUN_INPUT", f"graph input `{name}` is missing")
        values = [inputs[name] for name in names]
    elif isinstance(inputs, Sequence) and not isinstance(inputs, str | bytes):
        if len(inputs) != len(declared):
            raise run_error("RUN_INPUT", f"the graph has {len(declared)} inputs; {len(inputs)} were given")
        values = list(inputs)
    else:
        raise TypeError("inputs must be a mapping from graph input names to arrays, or a sequence of arrays")
    feeds: dict[str, np.ndarray] = {}
    symbols: dict[str, int] = {}
    for decl, value in zip(declared, values, strict=True):
        array = np.asarray(value)
        where = f"graph input `{decl.name}`"
        expected = DTYPES[decl.dtype].numpy
        if array.dtype.newbyteorder("=") != expected.newbyteorder("="):
            raise run_error(
                "RUN_INPUT",
                f"{where} must have dtype {decl.dtype}, got {array.dtype}",
                hint=f"convert with array.astype(numpy.{decl.dtype})" if decl.dtype in ("float32", "float64") else None,
            )
        if array.ndim != len(decl.shape):
            raise run_error("RUN_INPUT", f"{where} must have shape {show_shape(decl.shape)}, got {list(array.shape)}")
        for axis, (size, dim) in enumerate(zip(array.shape, decl.shape, strict=True)):
            if isinstance(dim, int):
                if size != dim:
                    raise run_error(
                        "RUN_INPUT", f"{where} must have shape {show_shape(decl.shape)}, got {list(array.shape)}"
                    )
            elif symbols.setdefault(dim, size) != size:
                raise run_error(
                    "RUN_INPUT",
                    f"{where} axis {axis} is `{dim}` = {size}, but another input set `{dim}` = {symbols[dim]}",
                )
        feeds[decl.name] = array.astype(expected, copy=False)
    return feeds, symbols


def concrete_types(
    graph: Graph,
    shapes: Mapping[str, tuple[int, ...]],
    tensors: Mapping[str, TensorEntry],
    symbols: Mapping[str, int],
) -> dict[str, ValueType]:
    """Inference again, with every input shape concrete (graph input name -> shape); any failure names
    the node and the inputs."""
    try:
        types = infer_with_sizes(graph, shapes, tensors)
    except FormatError as exc:
        raise run_error("RUN_INPUT", f"the inputs do not fit the graph: {exc}") from None
    free: dict[str, int] = {}
    for decl in graph.outputs:
        shape = types[decl.name].shape
        assert shape is not None
        for size, dim in zip(shape, decl.shape, strict=True):
            expected = dim if isinstance(dim, int) else symbols.get(dim, free.setdefault(dim, size))  # type: ignore[arg-type]
            if size != expected:
                raise run_error(
                    "RUN_INPUT",
                    f"with these inputs graph output `{decl.name}` would have shape {show_shape(shape)}, "
                    f"but it is declared {show_shape(decl.shape)}",
                )
    return types


def refuse_unsupported_dtypes(types: Mapping[str, ValueType]) -> None:
    for name, value in types.items():
        if value.dtype in _UNSUPPORTED_DTYPES:
            raise run_error(
                "RUN_UNSUPPORTED",
                f"value `{name}` has dtype {value.dtype}; the reference runtime computes in float32 and float64 only",
                hint="cast the model's parameters to float32 and save it again",
            )
