"""The memory and work budget of one execution (SPEC.md §9.11 step 6): defaults, the caller's overrides,
and the refusal, all before the first kernel runs.

Defaults scale with what the caller handed over: a file and inputs of N bytes may use max(256 MiB, 4 N)
of memory (room for the weights, the inputs and the activations of ordinary networks, which are a few
times the size of either), and 8 work units per byte of the memory budget (2^31, about 2.1 G units, at
the floor: seconds of numpy on one core, some tens of seconds in the worst case). A tiny hostile file
therefore gets the floor and nothing more; a larger file, which takes longer to deliver and to read,
gets proportionally more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from ..graph._footprint import Footprint, footprint, human_bytes, human_count
from ..graph._types import Graph, TensorEntry, ValueType
from ._run_errors import run_error

MEMORY_FLOOR: Final = 256 * 1024 * 1024
MEMORY_PER_BYTE: Final = 4  # times the bytes of the file and the inputs
WORK_PER_BYTE: Final = 8  # work units per byte of the memory budget

_HINT: Final = (
    "if you trust this file and have the {resource}, raise the budget: {option}=N in Python (run, "
    "modelfmt.torch.build) or --{flag} N on the command line"
)


@dataclass(frozen=True)
class Budget:
    """The most memory (bytes) and work (work units) one execution may use; `memory_set` and `work_set`
    say which the caller set, for messages."""

    max_memory: int
    max_work: int
    memory_set: bool = False
    work_set: bool = False


def budget_for(
    file_bytes: int, input_bytes: int, *, max_memory: int | None = None, max_work: int | None = None
) -> Budget:
    """The budget for a file of `file_bytes` run on inputs of `input_bytes`, with the caller's overrides."""
    for name, value in (("max_memory", max_memory), ("max_work", max_work)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise TypeError(f"{name} must be a non-negative int (bytes or work units), got {value!r}")
    memory = max_memory if max_memory is not None else max(MEMORY_FLOOR, MEMORY_PER_BYTE * (file_bytes + input_bytes))
    work = max_work if max_work is not None else WORK_PER_BYTE * memory
    return Budget(memory, work, max_memory is not None, max_work is not None)


def refuse_over_budget(
    graph: Graph, types: Mapping[str, ValueType], tensors: Mapping[str, TensorEntry], budget: Budget
) -> Footprint:
    """The footprint of running `graph` with the concrete `types`; RUN_MEMORY_BUDGET or RUN_WORK_BUDGET
    when it exceeds `budget`."""
    cost = footprint(graph, types, tensors)
    enforce(cost, budget)
    return cost


def enforce(footprint: Footprint, budget: Budget) -> None:
    """RUN_MEMORY_BUDGET or RUN_WORK_BUDGET when the execution would exceed the budget."""
    memory_hint = _HINT.format(resource="memory", option="max_memory", flag="max-memory")
    if footprint.oversized is not None:
        raise run_error(
            "RUN_MEMORY_BUDGET",
            f"{footprint.oversized}: no tensor may be that large, so no budget admits this run",
        )
    memory = _describe(budget.max_memory, budget.memory_set, human_bytes)
    if footprint.largest_bytes > budget.max_memory:
        raise run_error(
            "RUN_MEMORY_BUDGET",
            f"{footprint.largest} would take {footprint.largest_bytes} bytes ({human_bytes(footprint.largest_bytes)}); "
            f"the memory budget is {memory}",
            hint=memory_hint,
        )
    if footprint.peak_bytes > budget.max_memory:
        raise run_error(
            "RUN_MEMORY_BUDGET",
            f"running the graph would need {footprint.peak_bytes} bytes ({human_bytes(footprint.peak_bytes)}) "
            f"at once, at {footprint.peak_at}; the memory budget is {memory}",
            hint=memory_hint,
        )
    if footprint.work > budget.max_work:
        work = _describe(budget.max_work, budget.work_set, human_count)
        raise run_error(
            "RUN_WORK_BUDGET",
            f"running the graph would take {footprint.work} work units ({human_count(footprint.work)}); "
            f"the work budget is {work}",
            hint=_HINT.format(resource="time", option="max_work", flag="max-work"),
        )


def _describe(value: int, explicit: bool, unit: Callable[[int], str]) -> str:
    shown = f"{value} ({unit(value)})"
    return f"{shown}, as the caller set" if explicit else f"{shown} by default (SPEC.md §9.11)"
