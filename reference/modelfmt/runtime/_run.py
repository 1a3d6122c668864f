"""`modelfmt.run`: execute a file's graph with numpy (SPEC.md §9.11).

Everything is checked before the first kernel runs: the graph's structure (§9.10, checked when the file
was opened), that it has no extension op, the inputs against the declared inputs, every shape with
concrete sizes, the runtime's dtypes, and the digest of every bound tensor (read before execution starts).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from ..container._reader import safe_open
from ..graph._types import Graph, TensorEntry
from ._concrete import bind_inputs, concrete_types, refuse_unexecutable, refuse_unsupported_dtypes
from ._execute import execute
from ._run_errors import run_error


class _HeaderLike(Protocol):
    @property
    def tensors(self) -> Sequence[TensorEntry]: ...
    @property
    def graph(self) -> Graph | None: ...


class OpenModel(Protocol):
    """What `run` needs from an open file (`modelfmt.safe_open` returns one)."""

    @property
    def header(self) -> _HeaderLike: ...
    def get_tensor(self, name: str) -> np.ndarray: ...


def run(
    model: str | os.PathLike[str] | OpenModel,
    inputs: Mapping[str, object] | Sequence[object],
    /,
) -> dict[str, np.ndarray]:
    """Run the graph of `model` (a path or an open `safe_open` handle) on `inputs` (a dict keyed by
    graph input names, or a sequence in declared order). Returns {output name: array} in declared order.

    Raises FormatError/IntegrityError for a bad file, UnsupportedError (RUN_NO_ARCHITECTURE,
    RUN_UNSUPPORTED) for a file this runtime cannot execute, and RunInputError (RUN_INPUT, RUN_INDEX)
    for inputs that do not fit.
    """
    if isinstance(model, str | os.PathLike):
        with safe_open(model) as handle:
            return _run_open(handle, inputs)
    return _run_open(model, inputs)


def load_graph(model: OpenModel) -> Graph:
    """The graph of an open file, validated when the file was opened, or RUN_NO_ARCHITECTURE."""
    graph = model.header.graph
    if graph is None:
        raise run_error(
            "RUN_NO_ARCHITECTURE",
            "this file has no `architecture`: it holds tensors only",
            hint="load the tensors with load_file() and build the network in code",
        )
    return graph


def _run_open(model: OpenModel, inputs: Mapping[str, object] | Sequence[object]) -> dict[str, np.ndarray]:
    graph = load_graph(model)
    refuse_unexecutable(graph)
    tensors = {info.name: info for info in model.header.tensors}
    feeds, symbols = bind_inputs(graph, inputs)
    types = concrete_types(graph, feeds, tensors, symbols)
    refuse_unsupported_dtypes(types)
    arrays = {name: model.get_tensor(name) for name in graph.bound_tensors()}
    values = execute(graph, types, feeds, arrays)
    # Copies: outputs must not alias the caller's inputs or a memory map that closes with the file.
    return {decl.name: np.array(values[decl.name]) for decl in graph.outputs}
