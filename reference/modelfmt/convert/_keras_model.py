"""The topology of a Keras 3 model config (Sequential or Functional) walked as data.

Sequential: each layer consumes the previous layer's output. Functional: each layer's one call
(`inbound_nodes`) names its inputs by `keras_history` [layer, node, tensor]; layers are converted once
all their inputs exist, which yields a topological order whatever the config's order: by depth (one
more than the deepest layer it uses), then in config order, computed in time linear in the config (a
config listed backwards is not quadratic). A layer may have several outputs (`return_state`); a call's
tensor keyword arguments (an attention mask) reach the converter as values, other keyword arguments
must be left at their defaults unless the layer's converter reads them (`KEYWORDS`). Shared layers
(called more than once) are refused, naming the layer. Nested models are refused too (their class is not
in the layer table). A model of more than `MAX_LAYERS` layers is refused before any is converted.

Refusals are gathered, not raised one by one: every layer that cannot be converted is named in one
error, with its class and reason. A layer that only depends on a refused one is not converted (it
cannot be) and not named. Layers Keras itself adds to a functional config for operations it runs
(`module` `keras.src.ops...`, such as the NotEqual and Any of a Masking layer) are named only when no
user layer is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from ..format._limits import MAX_NODES
from ._errors import STRUCTURE, ConversionError
from ._graph import GraphBuilder
from ._h5 import WeightsFile
from ._keras_context import Context, Layer, LayerRefused, Value
from ._keras_layers import KEYWORDS, LAYERS
from ._keras_refused import MASK_READERS, MASKING, refusal
from ._source import SourceTensor

_INPUT_DTYPES: Final = ("float16", "bfloat16", "float32", "float64", "int32", "int64", "bool")
_FLOAT_POLICIES: Final = ("float16", "bfloat16", "float32", "float64")
_KERAS_OPERATIONS: Final = "keras.src.ops"  # the module of the layers Keras adds for operations it runs
_LISTED: Final = 32  # refused layers named in one error; a config of thousands gets a count for the rest
# Every layer becomes at least one node of the graph, whose node count the format bounds.
MAX_LAYERS: Final = MAX_NODES


def _policy(config: Mapping[str, object]) -> str | None:
    """The layer's dtype policy name (None when the layer states none)."""
    policy = config.get("dtype")
    if isinstance(policy, Mapping):
        inner = policy.get("config")
        policy = inner.get("name") if isinstance(inner, Mapping) else None
    return policy if isinstance(policy, str) else None


def _layer_parts(entry: object, where: str) -> tuple[str, str, Mapping[str, object]]:
    if not isinstance(entry, Mapping):
        raise ConversionError(f"{where}: a layer entry is not an object")
    kind, config = entry.get("class_name"), entry.get("config")
    if not isinstance(kind, str) or not isinstance(config, Mapping):
        raise ConversionError(f"{where}: a layer entry lacks `class_name` or `config`")
    name = config.get("name", entry.get("name"))
    if not isinstance(name, str):
        raise ConversionError(f"{where}: a {kind} layer has no name")
    return kind, name, config


def _input_value(g: GraphBuilder, name: str, shape: object, dtype: object, where: str) -> Value:
    if not isinstance(shape, list) or not shape or not all(dim is None or type(dim) is int for dim in shape):
        raise ConversionError(f"{where}: input `{name}` has no usable shape ({shape!r})")
    if dtype is None:
        dtype = "float32"
    if dtype not in _INPUT_DTYPES:
        raise ConversionError(f"{where}: input `{name}` has dtype {dtype!r}; supported: {', '.join(_INPUT_DTYPES)}")
    assert isinstance(dtype, str)
    dims: list[int | str] = [
        dim if isinstance(dim, int) else ("batch" if axis == 0 else f"{_symbol(name)}_{axis}")
        for axis, dim in enumerate(shape)
    ]
    value = g.input(name, dtype, dims)
    return Value(value, dtype, tuple(dims))


def _symbol(name: str) -> str:
    cleaned = "".join(char if char.isalnum() or char == "_" else "_" for char in name)
    return cleaned if cleaned[:1].isalpha() or cleaned[:1] == "_" else f"_{cleaned}"


def _convert_layer(  # noqa: PLR0917 -- the parts of one layer entry, in the entry's order
    ctx: Context,
    kind: str,
    name: str,
    config: Mapping[str, object],
    inputs: Sequence[Value],
    keywords: Mapping[str, object] | None = None,
) -> tuple[Value, ...]:
    layer = Layer(ctx, name, kind, config, keywords or {})
    converter = LAYERS.get(kind)
    if converter is None:
        reason = refusal(kind)
        raise layer.fail(
            reason
            or f"layer class {kind!r} is not supported (convert with weights only to keep the weights alone; "
            "README.md lists the supported layers)"
        )
    policy = _policy(config)
    if policy is not None and policy not in _FLOAT_POLICIES:
        raise layer.fail(f"dtype policy {policy!r} is not supported (mixed precision has no single dtype)")
    allowed = KEYWORDS.get(kind, frozenset())
    for key, given in (keywords or {}).items():
        # A merge layer's per-input masks, all absent, are no mask.
        value = None if isinstance(given, list) and all(item is None for item in given) else given
        if key == "mask" and value is not None:
            raise layer.fail(MASKING)
        if key not in allowed and value not in (None, False):
            raise layer.fail(f"the call argument `{key}` is not supported unless left at its default")
    masked = any(value.masked for value in inputs)
    if masked and kind in MASK_READERS:
        raise layer.fail(MASKING)
    out = converter(layer, inputs)
    outputs = out if isinstance(out, tuple) else (out,)
    # A mask passes on (Keras propagates it through most layers); keeping it longer only refuses more.
    return tuple(replace(value, masked=True) for value in outputs) if masked else outputs


class _Refusals:
    """The layers that cannot be converted, gathered so that one error names them all."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.refused: list[LayerRefused] = []
        self.operations: list[LayerRefused] = []  # Keras-internal operation layers

    def add(self, error: LayerRefused, *, internal: bool) -> None:
        (self.operations if internal else self.refused).append(error)

    def raise_any(self) -> None:
        shown = self.refused or self.operations
        if not shown:
            return
        if len(shown) == 1:
            raise shown[0]
        listed = "; ".join(f"`{error.layer}` ({error.kind}): {error.reason}" for error in shown[:_LISTED])
        more = f"; and {len(shown) - _LISTED} more" if len(shown) > _LISTED else ""
        raise ConversionError(f"{self.where}: {len(shown)} layers cannot be converted: {listed}{more}")


def _snake_case(name: str) -> str:
    """keras.src.utils.naming.to_snake_case, which names the weight groups."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def weight_groups(entries: Sequence[tuple[str, str, Mapping[str, object]]], *, sequential: bool) -> dict[str, str]:
    """Layer name -> group under `layers/` in model.weights.h5.

    Keras 3 does not store weights under layer names (those are autogenerated and not reproducible) but
    under the snake-cased class name, numbered `_1`, `_2`, ... in the order of `model.layers`: the
    config's layer list, without the leading InputLayer of a Sequential model.
    """
    used: dict[str, int] = {}
    groups: dict[str, str] = {}
    for index, (kind, name, _config) in enumerate(entries):
        if sequential and index == 0 and kind == "InputLayer":
            continue
        base = _snake_case(kind)
        if base in used:
            used[base] += 1
            groups[name] = f"{base}_{used[base]}"
        else:
            used[base] = 0
            groups[name] = base
    return groups


def convert_model(
    config: Mapping[str, object], weights: WeightsFile, *, where: str
) -> tuple[list[SourceTensor], dict[str, object]]:
    kind = config.get("class_name")
    body = config.get("config")
    if not isinstance(body, Mapping) or not isinstance(body.get("layers"), list):
        raise ConversionError(f"{where}: config.json has no model config with a `layers` list")
    g = GraphBuilder(f"{where}: Keras {kind}")
    layers = body["layers"]
    assert isinstance(layers, list)
    if len(layers) > MAX_LAYERS:
        raise ConversionError(
            f"{where}: the model has {len(layers)} layers; at most {MAX_LAYERS} are converted (the graph node limit)",
            code=STRUCTURE,
        )
    entries = [_layer_parts(entry, where) for entry in layers]
    ctx = Context(g, weights, where, weight_groups(entries, sequential=kind == "Sequential"))
    refusals = _Refusals(where)
    if kind == "Sequential":
        outputs = _sequential(ctx, body, refusals)
    elif kind in ("Functional", "Model"):
        outputs = _functional(ctx, body, refusals)
    else:
        raise ConversionError(f"{where}: model class {kind!r} is not supported; supported: Sequential, Functional")
    refusals.raise_any()
    listed: set[str] = set()
    for index, value in enumerate(outputs):
        # A value the model outputs twice (a state that is also the output) gets a copy: graph outputs are distinct.
        name = value.name if value.name not in listed else g.node("Identity", [value.name], f"output{index}")
        listed.add(name)
        g.output(name)
    _check_all_weights_used(ctx)
    return ctx.tensors, g.build({tensor.name: tensor for tensor in ctx.tensors})


def _sequential(ctx: Context, body: Mapping[str, object], refusals: _Refusals) -> list[Value]:
    layers = body["layers"]
    assert isinstance(layers, list)
    entries = [_layer_parts(entry, ctx.where) for entry in layers]
    if entries and entries[0][0] == "InputLayer":
        _, name, config = entries.pop(0)
        x = _input_value(ctx.g, name, config.get("batch_shape"), _policy(config), ctx.where)
    else:
        x = _input_value(ctx.g, "input", body.get("build_input_shape"), None, ctx.where)
    current: Value | None = x
    last = [x]
    for index, (kind, name, config) in enumerate(entries):
        if current is None:
            # After a refused layer only the classes can be judged: name every unknown one.
            reason = None if kind in LAYERS else refusal(kind) or f"layer class {kind!r} is not supported"
            if reason is not None:
                refusals.add(LayerRefused(ctx.where, name, kind, reason), internal=False)
            continue
        try:
            outputs = _convert_layer(ctx, kind, name, config, [current])
        except LayerRefused as error:
            refusals.add(error, internal=False)
            current = None
            continue
        if len(outputs) != 1 and index != len(entries) - 1:
            raise ConversionError(f"{ctx.where}: layer `{name}` has {len(outputs)} outputs in a Sequential model")
        current, last = outputs[0], list(outputs)
    return last if current is not None else []


Ref = tuple[str, int]  # (layer name, output index)


def _is_tensor(argument: object) -> bool:
    return isinstance(argument, Mapping) and argument.get("class_name") == "__keras_tensor__"


def _history(tensor: object, layer: str, where: str) -> Ref:
    """The output a `__keras_tensor__` argument is: (layer, output index); the call index must be 0."""
    config = tensor.get("config") if isinstance(tensor, Mapping) else None
    history = config.get("keras_history") if isinstance(config, Mapping) else None
    if (
        not _is_tensor(tensor)
        or not isinstance(history, list)
        or len(history) != 3
        or not isinstance(history[0], str)
        or type(history[2]) is not int
        or history[2] < 0
    ):
        raise ConversionError(f"{where}: layer `{layer}`: a call argument is not a Keras tensor reference")
    if history[1] != 0:
        raise ConversionError(
            f"{where}: layer `{layer}`: uses call {history[1]} of `{history[0]}`; shared layers are not supported"
        )
    return history[0], history[2]


@dataclass(frozen=True)
class _Call:
    inputs: list[Ref]  # the positional tensors, in order (a list argument's items in order)
    keywords: dict[str, object]  # keyword arguments: a tensor as its Ref, anything else as given


def _inbound(entry: Mapping[str, object], name: str, where: str, *, operation: bool) -> _Call:
    """The layer's one call. A Keras operation layer (`operation`) may have constant positional arguments
    (`x != 0.0`): only its tensors are kept, to order it; it is refused when converted."""
    nodes = entry.get("inbound_nodes")
    if not isinstance(nodes, list) or len(nodes) != 1 or not isinstance(nodes[0], Mapping):
        count = len(nodes) if isinstance(nodes, list) else 0
        raise ConversionError(f"{where}: layer `{name}` is called {count} times; exactly one call is supported")
    node = nodes[0]
    args, kwargs = node.get("args"), node.get("kwargs", {})
    if not isinstance(args, list) or not args:
        raise ConversionError(f"{where}: layer `{name}`: a call without positional arguments is not supported")
    if not isinstance(kwargs, Mapping):
        raise ConversionError(f"{where}: layer `{name}`: call keyword arguments are not an object")
    tensors = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    if operation:
        tensors = [tensor for tensor in tensors if _is_tensor(tensor)]
    if not all(_is_tensor(tensor) for tensor in tensors):
        # A constant positional argument only occurs in Keras's operation layers (`x != 0.0`).
        raise ConversionError(f"{where}: layer `{name}`: a positional call argument is not a tensor")
    keywords: dict[str, object] = {}
    for key, value in kwargs.items():
        keywords[str(key)] = _history(value, name, where) if _is_tensor(value) else value
    return _Call([_history(tensor, name, where) for tensor in tensors], keywords)


def _endpoints(raw: object, what: str, where: str) -> list[Ref]:
    """`input_layers` / `output_layers`: [name, 0, index] or a list of them."""
    items = raw if isinstance(raw, list) and raw and isinstance(raw[0], list) else [raw]
    refs = []
    for item in items:
        if (
            not isinstance(item, list)
            or len(item) != 3
            or not isinstance(item[0], str)
            or item[1] != 0
            or type(item[2]) is not int
            or item[2] < 0
        ):
            raise ConversionError(f"{where}: `{what}` entry {item!r} is not supported")
        refs.append((item[0], item[2]))
    return refs


def _functional(ctx: Context, body: Mapping[str, object], refusals: _Refusals) -> list[Value]:
    layers = body["layers"]
    assert isinstance(layers, list)
    values: dict[str, tuple[Value, ...]] = {}
    pending: list[Pending] = []
    names: set[str] = set()
    internal: set[str] = set()
    for entry in layers:
        kind, name, config = _layer_parts(entry, ctx.where)
        if name in names:
            raise ConversionError(f"{ctx.where}: two layers are named `{name}`")
        names.add(name)
        assert isinstance(entry, Mapping)
        operation = str(entry.get("module", "")).startswith(_KERAS_OPERATIONS)
        if operation:
            internal.add(name)
        if kind == "InputLayer":
            values[name] = (_input_value(ctx.g, name, config.get("batch_shape"), _policy(config), ctx.where),)
        else:
            pending.append((kind, name, config, _inbound(entry, name, ctx.where, operation=operation)))
    for layer_name, _ in _endpoints(body.get("input_layers"), "input_layers", ctx.where):
        if layer_name not in values:
            raise ConversionError(f"{ctx.where}: input layer `{layer_name}` is not an InputLayer of the model")
    failed: set[str] = set()
    for kind, name, config, call in _in_depth_order(pending, set(values)):
        sources = [*call.inputs, *(ref for ref in _refs(call.keywords).values())]
        if "mask" in _refs(call.keywords):
            # Refused for itself, even though the mask comes from a Keras operation that is refused too.
            refusals.add(LayerRefused(ctx.where, name, kind, MASKING), internal=name in internal)
            failed.add(name)
            continue
        if any(source in failed for source, _ in sources):
            failed.add(name)  # cannot be converted: an input is missing; not a refusal of its own
            continue
        try:
            inputs = [_output(values, ref, name, ctx.where) for ref in call.inputs]
            keywords = {
                key: _output(values, value, name, ctx.where) if _is_ref(value) else value
                for key, value in call.keywords.items()
            }
            values[name] = _convert_layer(ctx, kind, name, config, inputs, keywords)
        except LayerRefused as error:
            refusals.add(error, internal=name in internal)
            failed.add(name)
    if len(values) + len(failed) < len(names):
        # A layer that never became ready uses a name no layer produces, or is on a cycle.
        kind, name, _, call = next(item for item in pending if item[1] not in values and item[1] not in failed)
        missing = [source for source, _ in _sources(call) if source not in values and source not in failed]
        raise ConversionError(f"{ctx.where}: layer `{name}` uses `{missing[0]}`, which no layer produces")
    if failed:
        return []
    return [
        _output(values, ref, "output_layers", ctx.where)
        for ref in _endpoints(body.get("output_layers"), "output_layers", ctx.where)
    ]


def _is_ref(value: object) -> bool:
    return isinstance(value, tuple)


def _refs(keywords: Mapping[str, object]) -> dict[str, Ref]:
    return {key: value for key, value in keywords.items() if isinstance(value, tuple)}


def _sources(call: _Call) -> list[Ref]:
    return [*call.inputs, *_refs(call.keywords).values()]


def _output(values: Mapping[str, tuple[Value, ...]], ref: object, user: str, where: str) -> Value:
    assert isinstance(ref, tuple)
    source, index = ref
    if source not in values:
        raise ConversionError(f"{where}: `{user}` uses `{source}`, which is not a layer of the model")
    outputs = values[source]
    if index >= len(outputs):
        raise ConversionError(f"{where}: `{user}` uses output {index} of `{source}`, which has {len(outputs)}")
    return outputs[index]


Pending = tuple[str, str, Mapping[str, object], _Call]  # (class, name, config, its call)


def _in_depth_order(pending: Sequence[Pending], inputs: set[str]) -> list[Pending]:
    """The layers whose inputs can all be produced, by depth (inputs are depth 0; a layer is one deeper than
    the deepest layer it uses), then in config order: the order of converting, in rounds, every layer whose
    inputs exist at the start of the round. Kahn's algorithm: each layer and each use is visited once."""
    users: dict[str, list[int]] = {}
    waiting = [0] * len(pending)
    for index, (_, _, _, call) in enumerate(pending):
        for source in {source for source, _ in _sources(call)}:
            if source not in inputs:
                users.setdefault(source, []).append(index)
                waiting[index] += 1
    depth = [1] * len(pending)
    ready = [index for index, count in enumerate(waiting) if count == 0]
    for index in ready:  # grows while it is walked: each layer is appended once, when its last input is
        for user in users.get(pending[index][1], ()):
            depth[user] = max(depth[user], depth[index] + 1)
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return [pending[index] for index in sorted(ready, key=lambda index: (depth[index], index))]


def _check_all_weights_used(ctx: Context) -> None:
    """Every layer group in the weights file belongs to a layer of the config (nothing silently dropped)."""
    group = ctx.weights.group("layers")
    if group is None:
        return
    extra = sorted(set(ctx.weights.names(group)) - set(ctx.groups.values()))
    if extra:
        raise ConversionError(
            f"{ctx.where}: the weights file has a group `layers/{extra[0]}` no layer of the config owns"
        )
