"""`modelfmt.torch.build`: an nn.Module that executes a file's graph with torch ops.

Nothing from the file becomes code or an attribute name: tensors are held in index-addressed
containers and ops are looked up in a dict of torch kernels. Every call is checked before the first torch
op runs, as the numpy runtime checks a run (SPEC.md §9.11): the inputs fit the graph, and the memory and
work of the call are within its budget.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import torch
from torch import nn

from ..container._reader import safe_open
from ..format._errors import ModelfmtError
from ..graph._types import Graph, Node
from ..runtime._budget import budget_for, refuse_over_budget
from ..runtime._concrete import concrete_types, refuse_unexecutable
from ..runtime._execute import inconsistency
from ..runtime._run import load_graph
from ..runtime._run_errors import run_error
from ._dtypes import DTYPE_NAMES, TORCH_DTYPES, to_torch
from ._kernels import KERNELS
from ._train_kernels import TRAINING_KERNELS

# Input shapes whose call was found within budget, remembered so that a training loop pays the check once.
_CHECKED_SHAPES: Final = 64


@dataclass(frozen=True)
class _Entry:
    """A bound tensor as inference and the cost model see it (the tensor-table row it came from)."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    role: str


class GraphModule(nn.Module):
    """Executes a validated modelfmt graph. Parameters (role parameter) are trainable; buffers are not.

    `forward` takes the graph inputs positionally or by name and returns a tensor (one output) or a
    tuple in declared order. In eval() mode (the mode `build` returns) the graph has inference semantics
    (SPEC.md §9.11); in train() mode dropout drops and batch normalization uses and updates batch
    statistics, as torch.nn's layers do (`_train_kernels.py`), so a built module can be trained and
    `load_checkpoint`/`save_checkpoint` address its tensors by the file's names.
    """

    def __init__(
        self,
        graph: Graph,
        tensors: Mapping[str, torch.Tensor],
        roles: Mapping[str, str],
        *,
        file_bytes: int | None = None,
        max_memory: int | None = None,
        max_work: int | None = None,
    ) -> None:
        super().__init__()
        refuse_unexecutable(graph)
        self.graph = graph
        self.tensor_names: tuple[str, ...] = tuple(tensors)
        # The budget of every call (SPEC.md §9.11): defaults from the file's size and the call's inputs.
        self.file_bytes = (
            file_bytes if file_bytes is not None else sum(t.numel() * t.element_size() for t in tensors.values())
        )
        self.max_memory, self.max_work = max_memory, max_work
        budget_for(0, 0, max_memory=max_memory, max_work=max_work)  # argument types, checked now
        self._entries = {
            name: _Entry(name, DTYPE_NAMES[tensor.dtype], tuple(tensor.shape), roles[name])
            for name, tensor in tensors.items()
        }
        self._within_budget: dict[tuple[tuple[int, ...], ...], None] = {}
        self.params = nn.ParameterList()
        self._slots: dict[str, tuple[str, int]] = {}
        buffers = 0
        for name, tensor in tensors.items():
            if roles[name] == "parameter" and tensor.is_floating_point():
                self._slots[name] = ("param", len(self.params))
                self.params.append(nn.Parameter(tensor))
            else:
                self._slots[name] = ("buffer", buffers)
                self.register_buffer(f"buffer_{buffers}", tensor)  # fixed, index-derived names
                buffers += 1

    def tensor(self, name: str) -> torch.Tensor:
        """The live tensor for a tensor-table name of the file."""
        kind, index = self._slots[name]
        tensor: torch.Tensor = self.params[index] if kind == "param" else self.get_buffer(f"buffer_{index}")
        return tensor

    def named_file_tensors(self) -> Iterator[tuple[str, torch.Tensor]]:
        """(file tensor name, live tensor) pairs: what to save after fine-tuning."""
        for name in self.tensor_names:
            yield name, self.tensor(name)

    def forward(self, *args: torch.Tensor, **kwargs: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        values, symbols = self._bind(args, kwargs)
        self._check_budget(values, symbols)
        for node in self.graph.nodes:
            inputs = [None if name is None else values[name] for name in node.inputs]
            params = {slot: self.tensor(tensor) for slot, tensor in node.parameters.items()}
            results = _call(node, inputs, params, training=self.training)
            for name, result in zip(node.outputs, results, strict=False):
                if name is not None:
                    values[name] = result
        outputs = tuple(values[decl.name] for decl in self.graph.outputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def _check_budget(self, values: Mapping[str, torch.Tensor], symbols: Mapping[str, int]) -> None:
        """SPEC.md §9.11 steps 4 and 6 for this call: every size, then memory and work against the budget."""
        shapes = {decl.name: tuple(values[decl.name].shape) for decl in self.graph.inputs}
        key = tuple(shapes.values())
        if key in self._within_budget:
            return
        types = concrete_types(self.graph, shapes, self._entries, symbols)
        input_bytes = sum(values[name].numel() * values[name].element_size() for name in shapes)
        budget = budget_for(self.file_bytes, input_bytes, max_memory=self.max_memory, max_work=self.max_work)
        refuse_over_budget(self.graph, types, self._entries, budget)
        if len(self._within_budget) >= _CHECKED_SHAPES:
            self._within_budget.clear()
        self._within_budget[key] = None

    def _bind(
        self, args: tuple[torch.Tensor, ...], kwargs: Mapping[str, torch.Tensor]
    ) -> tuple[dict[str, torch.Tensor], dict[str, int]]:
        declared = self.graph.inputs
        names = [decl.name for decl in declared]
        if kwargs:
            unknown = [key for key in kwargs if key not in names]
            if unknown:
                raise run_error("RUN_INPUT", f"no graph input named `{unknown[0]}`; the inputs are {', '.join(names)}")
        given = dict(zip(names, args, strict=False)) | dict(kwargs)
        if len(args) > len(names) or set(given) != set(names):
            missing = [name for name in names if name not in given]
            raise run_error("RUN_INPUT", f"expected inputs {', '.join(names)}; missing {', '.join(missing) or 'none'}")
        symbols: dict[str, int] = {}
        for decl in declared:
            tensor = given[decl.name]
            if tensor.dtype != TORCH_DTYPES[decl.dtype] or tensor.dim() != len(decl.shape):
                raise run_error(
                    "RUN_INPUT",
                    f"graph input `{decl.name}` must be {decl.dtype} of rank {len(decl.shape)}, "
                    f"got {tensor.dtype} of shape {list(tensor.shape)}",
                )
            for size, dim in zip(tensor.shape, decl.shape, strict=True):
                expected = dim if isinstance(dim, int) else symbols.setdefault(dim, size)
                if size != expected:
                    raise run_error(
                        "RUN_INPUT",
                        f"graph input `{decl.name}` has shape {list(tensor.shape)}; declared {list(decl.shape)}",
                    )
        return given, symbols


def _call(
    node: Node, inputs: Sequence[torch.Tensor | None], params: Mapping[str, torch.Tensor], *, training: bool
) -> Sequence[torch.Tensor]:
    """One torch kernel (its train() variant when `training` and the op has one). An allocation that fails
    although the budget admitted it, or a torch error about shapes that inference let through, becomes a
    coded error as in the numpy runtime."""
    kernel = (TRAINING_KERNELS.get(node.op) if training else None) or KERNELS[node.op]
    try:
        return kernel(node, inputs, params)
    except ModelfmtError:
        raise
    except (MemoryError, torch.OutOfMemoryError) as exc:
        raise _out_of_memory(node, exc) from None
    except RuntimeError as exc:
        if "not enough memory" in str(exc) or "DefaultCPUAllocator" in str(exc):
            raise _out_of_memory(node, exc) from None
        raise inconsistency(node, f"torch reports {exc}") from exc
    except (ValueError, TypeError, IndexError, ArithmeticError, AssertionError) as exc:
        raise inconsistency(node, f"torch reports {type(exc).__name__}: {exc}") from exc


def _out_of_memory(node: Node, exc: BaseException) -> ModelfmtError:
    return run_error(
        "RUN_MEMORY_BUDGET",
        f"{node.describe()}: the system could not provide the memory the budget allows ({exc})",
        hint="lower the memory budget (max_memory) below what this machine can provide",
    )


def build(path: str | os.PathLike[str], *, max_memory: int | None = None, max_work: int | None = None) -> GraphModule:
    """An nn.Module that runs the graph of the file at `path` with torch ops (no code from the file).

    Every call is checked against a memory budget (`max_memory`, bytes) and a work budget (`max_work`,
    work units) before any torch op runs, with the defaults of SPEC.md §9.11 computed from the file's
    size and the call's inputs; a call beyond them raises RUN_MEMORY_BUDGET or RUN_WORK_BUDGET. The budget
    covers the forward computation, as in inference; autograd's saved tensors come on top when training."""
    with safe_open(path) as handle:
        graph = load_graph(handle)
        refuse_unexecutable(graph)
        infos = {info.name: info for info in handle.header.tensors}
        # The graph's tensors, and every parameter and buffer (a batch norm's `num_batches_tracked`), so
        # that the module holds the file's whole model state for training and checkpoints.
        names = dict.fromkeys(graph.bound_tensors()) | {
            info.name: None for info in handle.header.tensors if info.role in ("parameter", "buffer")
        }
        tensors = {name: to_torch(handle.get_tensor(name), infos[name].dtype) for name in names}
        roles = {name: infos[name].role for name in tensors}
        file_bytes = handle.header.data_end
    module = GraphModule(graph, tensors, roles, file_bytes=file_bytes, max_memory=max_memory, max_work=max_work)
    module.eval()
    return module
