"""A module's tensors by the names a file gives them: `state_dict()` names for a module built in code, the
file's own tensor names for a module from `modelfmt.torch.build` (whose parameters live in a
ParameterList under index-derived names)."""

from __future__ import annotations

import torch
from torch import nn

from ._build import GraphModule


def file_state(module: nn.Module) -> dict[str, torch.Tensor]:
    """Every parameter and buffer, by file name, sharing storage with the module."""
    if isinstance(module, GraphModule):
        return {name: tensor.data for name, tensor in module.named_file_tensors()}
    return module.state_dict()


def file_parameters(module: nn.Module) -> dict[str, nn.Parameter]:
    """The trainable parameters by file name (each parameter once)."""
    if isinstance(module, GraphModule):
        return {name: tensor for name, tensor in module.named_file_tensors() if isinstance(tensor, nn.Parameter)}
    return dict(module.named_parameters())


def all_parameter_names(module: nn.Module) -> set[str]:
    """The names whose role is `parameter`, shared parameters under each of their names."""
    if isinstance(module, GraphModule):
        return set(file_parameters(module))
    return {name for name, _ in module.named_parameters(remove_duplicate=False)}
