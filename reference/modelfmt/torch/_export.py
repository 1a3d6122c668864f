"""`modelfmt.torch.export`: an nn.Module to a modelfmt file with its architecture (SPEC.md §9-10).

The module is traced with torch.fx. torch.nn layers the op set covers stay whole (leaf modules) and
become one node each (a transformer encoder becomes the core ops it is made of); user modules are
traced through. Anything without a converter is reported by name and module path, all at once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.fx
from torch import nn

from ..container._writer import save_file
from ..graph._types import DeclaredDim
from ..graph._validate import validate_architecture
from ._builder import ExportError, GraphBuilder
from ._context import Context, TensorRef, Unusable, Value
from ._convert_functions import FUNCTIONS, METHODS, PYTHON_FUNCTIONS, python_value
from ._convert_modules import MODULES, ModuleCall
from ._dtypes import dtype_name, to_numpy
from ._names import all_parameter_names, file_state
from ._resume import DataPosition, Scheduler
from ._training import _NOTHING, training_section

_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)


class _Tracer(torch.fx.Tracer):
    """Keeps every torch.nn module a leaf (so unsupported ones are named, not traced into)."""

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        if type(m) in MODULES:
            return True
        return type(m).__module__.startswith("torch.nn") and not isinstance(m, _CONTAINERS)


def _describe_target(node: torch.fx.Node, root: nn.Module) -> str | None:
    """Why `node` cannot be converted, or None."""
    if node.op == "call_module":
        assert isinstance(node.target, str)
        submodule = root.get_submodule(node.target)
        if type(submodule) not in MODULES:
            return f"module `{node.target}` ({type(submodule).__module__}.{type(submodule).__qualname__})"
    elif node.op == "call_function":
        if node.target not in FUNCTIONS and node.target not in PYTHON_FUNCTIONS:
            name = getattr(node.target, "__name__", repr(node.target))
            module = getattr(node.target, "__module__", "") or ""
            return f"function `{module + '.' if module else ''}{name}` (at `{node.name}`)"
    elif node.op == "call_method" and node.target not in METHODS:
        return f"tensor method `.{node.target}()` (at `{node.name}`)"
    return None


def trace(module: nn.Module) -> torch.fx.GraphModule:
    tracer = _Tracer()
    try:
        graph = tracer.trace(module)
    except Exception as exc:  # fx raises many types; the message is what helps
        raise ExportError(
            f"torch.fx could not trace {type(module).__name__}: {exc}; export needs a forward without "
            "data-dependent control flow"
        ) from exc
    return torch.fx.GraphModule(tracer.root, graph)


def _dynamic_shape(
    name: str, tensor: torch.Tensor, dynamic_axes: Mapping[str, Mapping[int, str]] | None
) -> list[DeclaredDim]:
    shape: list[DeclaredDim] = list(tensor.shape)
    axes = {0: "batch"} if dynamic_axes is None and tensor.dim() > 0 else (dynamic_axes or {}).get(name, {})
    for axis, symbol in axes.items():
        shape[axis] = symbol
    return shape


def build_architecture(
    module: nn.Module,
    example_inputs: Sequence[torch.Tensor],
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_axes: Mapping[str, Mapping[int, str]] | None = None,
) -> tuple[dict[str, object], dict[str, np.ndarray], dict[str, str]]:
    """(architecture, tensors, roles) for `module`; tensors are the state_dict in its order."""
    gm = trace(module)
    problems = [p for node in gm.graph.nodes if (p := _describe_target(node, gm)) is not None]
    if problems:
        listed = "\n  ".join(dict.fromkeys(problems))
        raise ExportError(f"{type(module).__name__} uses what modelfmt.core cannot describe:\n  {listed}")

    builder = GraphBuilder()
    state = module.state_dict()
    parameter_names = {name for name, _ in module.named_parameters(remove_duplicate=False)}
    roles: dict[str, str] = {}
    for name, tensor in state.items():
        role = "parameter" if name in parameter_names else "buffer"
        builder.add_tensor(name, to_numpy(tensor), dtype_name(tensor.dtype), role)
        roles[name] = role
    ctx = Context(builder, gm)
    env: dict[torch.fx.Node, object] = {}
    placeholders = [node for node in gm.graph.nodes if node.op == "placeholder"]
    if len(placeholders) != len(example_inputs):
        raise ExportError(f"forward takes {len(placeholders)} inputs; {len(example_inputs)} examples were given")
    names = list(input_names) if input_names is not None else [node.target for node in placeholders]
    for node, name, example in zip(placeholders, names, example_inputs, strict=True):
        if not isinstance(example, torch.Tensor):
            raise ExportError(f"example input `{name}` must be a tensor, got {type(example).__name__}")
        env[node] = Value(
            builder.add_input(
                str(name),
                dtype_name(example.dtype),
                _dynamic_shape(str(name), example, dynamic_axes),
                list(example.shape),
            )
        )

    def load(item: torch.fx.node.Argument) -> object:
        return torch.fx.node.map_arg(item, lambda n: env[n])  # type: ignore[arg-type,return-value]

    result: object = None
    for node in gm.graph.nodes:
        if node.op == "placeholder":
            continue
        ctx.where = f"`{node.name}`" if node.op != "call_module" else f"module `{node.target}`"
        args, kwargs = load(node.args), load(node.kwargs)
        assert isinstance(args, tuple) and isinstance(kwargs, dict)
        if node.op == "get_attr":
            env[node] = _get_attr(ctx, gm, module, str(node.target), roles)
        elif node.op == "call_module":
            sub = gm.get_submodule(str(node.target))
            env[node] = MODULES[type(sub)](ctx, ModuleCall(sub, str(node.target), str(node.target), args, kwargs))
        elif node.op == "call_function":
            tensor_args = any(isinstance(a, Value | TensorRef | Unusable) for a in _flatten(args, kwargs))
            if tensor_args or node.target is torch.arange:
                env[node] = FUNCTIONS[node.target](ctx, node.name, args, kwargs)
            else:
                env[node] = python_value(ctx, node.target, args, kwargs)
        elif node.op == "call_method":
            env[node] = METHODS[str(node.target)](ctx, node.name, args, kwargs)
        elif node.op == "output":
            result = args[0]
    ctx.where = "the outputs"
    outputs = _name_outputs(ctx, result, output_names)
    architecture = builder.architecture(outputs)
    tensors = {name: builder.arrays[name] for name in builder.tensors}
    roles = {name: builder.tensors[name].role for name in builder.tensors}
    validate_architecture(architecture, builder.tensors)  # the exported graph must pass the reader's rules
    return architecture, tensors, roles


def _flatten(args: object, kwargs: object) -> list[object]:
    items: list[object] = []
    stack = [args, kwargs]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple | list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        else:
            items.append(item)
    return items


def _get_attr(ctx: Context, gm: nn.Module, module: nn.Module, target: str, roles: dict[str, str]) -> object:
    value = gm
    for part in target.split("."):
        value = getattr(value, part)  # the exporter's own module, never file content
    if not isinstance(value, torch.Tensor):
        raise ctx.fail(f"attribute `{target}` is not a tensor")
    if target not in ctx.builder.tensors:  # a non-persistent buffer or a plain tensor attribute
        ctx.builder.add_tensor(target, to_numpy(value), dtype_name(value.dtype), "buffer")
    return TensorRef(target)


def _name_outputs(
    ctx: Context, result: object, output_names: Sequence[str] | None
) -> list[tuple[str, list[DeclaredDim]]]:
    if isinstance(result, dict):
        items = [(str(key), value) for key, value in result.items()]
    elif isinstance(result, tuple | list):
        items = [(f"output_{index}", value) for index, value in enumerate(result)]
    else:
        items = [("output", result)]
    if output_names is not None:
        if len(output_names) != len(items):
            raise ExportError(f"{len(output_names)} output names for {len(items)} outputs")
        items = [(name, value) for name, (_, value) in zip(output_names, items, strict=True)]
    builder = ctx.builder
    outputs: list[tuple[str, list[DeclaredDim]]] = []
    used: set[str] = set()
    for name, value in items:
        current = ctx.value(value, f"output `{name}`")
        if builder.is_node_output(current) and current not in used and name not in builder.symbolic:
            builder.rename(current, name)
            current = name
        elif current != name:
            (current,) = builder.node("Identity", [current], hint=name)
        used.add(current)
        shape = builder.symbolic_shape(current)
        declared: list[DeclaredDim] = [
            dim if dim is not None else f"{current}_dim{axis}" for axis, dim in enumerate(shape)
        ]
        outputs.append((current, declared))
    return outputs


def export(
    module: nn.Module,
    example_inputs: torch.Tensor | Sequence[torch.Tensor],
    path: str | os.PathLike[str],
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_axes: Mapping[str, Mapping[int, str]] | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    epoch: int | None = None,
    step: int | None = None,
    metadata: Mapping[str, object] | None = None,
    extensions: Mapping[str, object] | None = None,
) -> None:
    """Write `module` (its architecture and its state_dict) to `path`.

    `example_inputs` fixes dtypes and ranks; axis 0 of every input is the symbolic dimension "batch"
    unless `dynamic_axes` ({input name: {axis: symbol}}) says otherwise ({} for fully static shapes).
    With `optimizer`, the training state (SPEC.md §11) is stored too, so training can resume exactly.
    The graph describes inference: dropout is the identity and batch norm uses running statistics.
    """
    examples = (example_inputs,) if isinstance(example_inputs, torch.Tensor) else tuple(example_inputs)
    architecture, tensors, roles = build_architecture(
        module, examples, input_names=input_names, output_names=output_names, dynamic_axes=dynamic_axes
    )
    training = None
    if optimizer is not None or epoch is not None or step is not None:
        training, more, more_roles = training_section(module, optimizer, epoch=epoch, step=step, taken=set(tensors))
        tensors.update(more)
        roles.update(more_roles)
    save_file(
        tensors,
        path,
        metadata=metadata,
        roles=roles,
        architecture=architecture,
        training=training,
        extensions=extensions,
    )


def save_checkpoint(
    module: nn.Module,
    path: str | os.PathLike[str],
    *,
    optimizer: torch.optim.Optimizer | None = None,
    epoch: int = 0,
    step: int = 0,
    scheduler: Scheduler | None = None,
    scaler: torch.amp.GradScaler | None = None,
    rng: bool = False,
    data: DataPosition | None = None,
    extra: object = _NOTHING,
    example_inputs: torch.Tensor | Sequence[torch.Tensor] | None = None,
    metadata: Mapping[str, object] | None = None,
) -> None:
    """Write the module's state_dict and the training state (SPEC.md §11); with `example_inputs`, the
    architecture too. Besides the optimizer: the learning-rate `scheduler`, the GradScaler `scaler`, with
    `rng` the torch, numpy and Python global generators, the data-loader position `data`
    (`DataPosition(batch, generator)`) and `extra`, the user's own state (numbers, strings, lists, tuples,
    dicts, tensors). A file that stores any of these besides the optimizers of 1.0 is version 1.1."""
    if example_inputs is not None:
        examples = (example_inputs,) if isinstance(example_inputs, torch.Tensor) else tuple(example_inputs)
        architecture, tensors, roles = build_architecture(module, examples)
    else:
        architecture = None
        state = file_state(module)
        parameter_names = all_parameter_names(module)
        tensors = {name: to_numpy(tensor) for name, tensor in state.items()}
        roles = {name: "parameter" if name in parameter_names else "buffer" for name in state}
    training, more, more_roles = training_section(
        module,
        optimizer,
        epoch=epoch,
        step=step,
        taken=set(tensors),
        scheduler=scheduler,
        scaler=scaler,
        rng=rng,
        data=data,
        extra=extra,
    )
    tensors.update(more)
    roles.update(more_roles)
    save_file(tensors, path, metadata=metadata, roles=roles, architecture=architecture, training=training)
