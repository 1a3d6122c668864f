"""`modelfmt.torch.build`: an nn.Module that executes a file's graph with torch ops.

Nothing from the file becomes code or an attribute name: tensors are held in index-addressed
containers and ops are looked up in a dict of torch kernels.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

import torch
from torch import nn

from ..container._reader import safe_open
from ..graph._types import Graph
from ..runtime._concrete import refuse_unexecutable
from ..runtime._run import load_graph
from ..runtime._run_errors import run_error
from ._dtypes import TORCH_DTYPES, to_torch
from ._kernels import KERNELS


class GraphModule(nn.Module):
    """Executes a validated modelfmt graph. Parameters (role parameter) are trainable; buffers are not.

    `forward` takes the graph inputs positionally or by name and returns a tensor (one output) or a
    tuple in declared order. The graph has inference semantics: dropout is the identity and batch
    normalization uses the stored running statistics, in train() mode too.
    """

    def __init__(self, graph: Graph, tensors: Mapping[str, torch.Tensor], roles: Mapping[str, str]) -> None:
        super().__init__()
        refuse_unexecutable(graph)
        self.graph = graph
        self.tensor_names: tuple[str, ...] = tuple(tensors)
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
        values = self._bind(args, kwargs)
        for node in self.graph.nodes:
            inputs = [None if name is None else values[name] for name in node.inputs]
            params = {slot: self.tensor(tensor) for slot, tensor in node.parameters.items()}
            results = KERNELS[node.op](node, inputs, params)
            for name, result in zip(node.outputs, results, strict=False):
                if name is not None:
                    values[name] = result
        outputs = tuple(values[decl.name] for decl in self.graph.outputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def _bind(self, args: tuple[torch.Tensor, ...], kwargs: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
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
        return given


def build(path: str | os.PathLike[str]) -> GraphModule:
    """An nn.Module that runs the graph of the file at `path` with torch ops (no code from the file)."""
    with safe_open(path) as handle:
        graph = load_graph(handle)
        refuse_unexecutable(graph)
        infos = {info.name: info for info in handle.header.tensors}
        tensors = {name: to_torch(handle.get_tensor(name), infos[name].dtype) for name in graph.bound_tensors()}
        roles = {name: infos[name].role for name in tensors}
    module = GraphModule(graph, tensors, roles)
    module.eval()
    return module
