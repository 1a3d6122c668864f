"""`modelfmt.run`: execute a file's graph with numpy (SPEC.md §9.11).

Everything is checked before the first kernel runs: the graph's structure (§9.10), that it has no
extension op, the inputs against the declared inputs, every shape with concrete sizes, the runtime's
dtypes, the memory and work the run needs against its budget, and the digest of every bound tensor (read
before execution starts).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from ..container._reader import safe_open
from ..graph._types import Graph, TensorEntry
from ._budget import budget_for, refuse_over_budget
from ._concrete import bind_inputs, concrete_types, refuse_unexecutable, refuse_unsupported_dtypes
from ._execute import execute
from ._run_errors import run_error


class _HeaderLike(Protocol):
    @property
    def tensors(self) -> Sequence[TensorEntry]: ...
    @property
    def graph(self) -> Graph | None: ...
    @property
    def data_end(self) -> int: ...


class OpenModel(Protocol):
    """What `run` needs from an open file (`modelfmt.safe_open` returns one)."""

    @property
    def header(self) -> _HeaderLike: ...
    def get_tensor(self, name: str) -> np.ndarray: ...


def run(
    model: str | os.PathLike[str] | OpenModel,
    inputs: Mapping[str, object] | Sequence[object],
    /,
    *,
    max_memory: int | None = None,
    max_work: int | None = None,
) -> dict[str, np.ndarray]:
    """Run the graph of `model` (a path or an open `safe_open` handle) on `inputs` (a dict keyed by
    graph input names, or a sequence in declared order). Returns {output name: array} in declared order.

    `max_memory` (bytes) and `max_work` (work units) replace the default budget of SPEC.md §9.11:
    max(256 MiB, 4 x (file bytes + input bytes)) and 8 work units per byte of the memory budget.

    Raises FormatError/IntegrityError for a bad file, UnsupportedError (RUN_NO_ARCHITECTURE,
    RUN_UNSUPPORTED) for a file this runtime cannot execute, RunInputError (RUN_INPUT, RUN_INDEX)
    for inputs that do not fit, and LimitError (RUN_MEMORY_BUDGET, RUN_WORK_BUDGET) for a run that would
    exceed its budget; nothing has executed when any of them but RUN_INDEX is raised.
    """
    if isinstance(model, str | os.PathLike):
        with safe_open(model) as handle:
            return _run_open(handle, inputs, max_memory, max_work)
    return _run_open(model, inputs, max_memory, max_work)


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


def _run_open(
    model: OpenModel, inputs: Mapping[str, object] | Sequence[object], max_memory: int | None, max_work: int | None
) -> dict[str, np.ndarray]:
    graph = load_graph(model)
    refuse_unexecutable(graph)
    tensors = {info.name: info for info in model.header.tensors}
    feeds, symbols = bind_inputs(graph, inputs)
    types = concrete_types(graph, {name: array.shape for name, array in feeds.items()}, tensors, symbols)
    refuse_unsupported_dtypes(types)
    input_bytes = sum(array.nbytes for array in feeds.values())
    budget = budget_for(model.header.data_end, input_bytes, max_memory=max_memory, max_work=max_work)
    refuse_over_budget(graph, types, tensors, budget)
    arrays = {name: model.get_tensor(name) for name in graph.bound_tensors()}
    values = execute(graph, types, feeds, arrays)
    # Copies: outputs must not alias the caller's inputs or a memory map that closes with the file.
    return {decl.name: np.array(values[decl.name]) for decl in graph.outputs}
