"""Hugging Face model folders: `config.json` with `model.safetensors`, or shards listed by
`model.safetensors.index.json`; optionally a sentence-transformers pooling head.

Every file name read comes either from this module's constants or from the shard index / modules
list, and those are accepted only as plain names inside the folder (no separators, no `..`); every
file is opened through `Folder`, which refuses links that lead out of the folder: a model folder
never makes modelfmt read outside itself (the ONNX external-data lesson, DESIGN.md item 9).
The index must describe the shards exactly: every tensor in exactly one shard, every shard's
tensors listed, nothing extra.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

from ..container._reader import SAFETENSORS_METADATA
from ._carry import HUGGINGFACE_CONFIG, SENTENCE_TRANSFORMERS, string_map
from ._errors import ConversionError
from ._folder import Folder, plain_name
from ._jsonfile import read_json, read_json_object
from ._safetensors import open_safetensors_file
from ._source import Source, SourceTensor

CONFIG: Final = "config.json"
SINGLE: Final = "model.safetensors"
INDEX: Final = "model.safetensors.index.json"
MODULES: Final = "modules.json"

# sentence-transformers module types this converter understands, looked up in a table (never imported).
ST_TRANSFORMER: Final = "sentence_transformers.models.Transformer"
ST_POOLING: Final = "sentence_transformers.models.Pooling"
ST_NORMALIZE: Final = "sentence_transformers.models.Normalize"
_ST_TYPES: Final = frozenset({ST_TRANSFORMER, ST_POOLING, ST_NORMALIZE})

# (config, sentence-transformers head or None, tensors) -> architecture; see _bert.py.
ArchitectureBuilder = Callable[
    [Mapping[str, object], Mapping[str, object] | None, Mapping[str, SourceTensor]], dict[str, object]
]


def open_folder(path: Path, *, builders: Mapping[str, ArchitectureBuilder], weights_only: bool) -> Source:
    folder = Folder(path)
    config = read_json_object(folder.open(CONFIG), str(path / CONFIG))
    source = Source("huggingface", [])
    try:
        _read_weights(folder, source)
        source.metadata[HUGGINGFACE_CONFIG] = config
        head = _sentence_transformers(folder, weights_only=weights_only)
        if head is not None:
            source.metadata[SENTENCE_TRANSFORMERS] = head
        model_type = config.get("model_type")
        builder = builders.get(model_type) if isinstance(model_type, str) else None
        if weights_only:
            pass
        elif builder is None:
            source.notes.append(
                f"model_type {model_type!r} has no architecture builder: weights and config only "
                f"(architectures are built for {', '.join(sorted(builders)) or 'no model type'})"
            )
        else:
            source.architecture = builder(config, head, {tensor.name: tensor for tensor in source.tensors})
    except BaseException:
        source.close()
        raise
    return source


def _read_weights(folder: Folder, source: Source) -> None:
    if folder.is_file(INDEX):
        _read_sharded(folder, source)
        return
    if not folder.is_file(SINGLE):
        found = [name for name in folder.names() if Path(name).suffix in (".bin", ".pt", ".h5", ".msgpack")]
        hint = f"; it has {', '.join(found)}: convert a PyTorch file on its own" if found else ""
        raise ConversionError(f"{folder.path}: neither {SINGLE} nor {INDEX} is present{hint}")
    shard = open_safetensors_file(folder.open(SINGLE), str(folder.path / SINGLE))
    source.resources.callback(shard.close)
    source.tensors.extend(shard.tensors)
    source.metadata.update(shard.metadata)  # the shard's __metadata__, carried as safetensors_metadata


def _read_sharded(folder: Folder, source: Source) -> None:
    where = str(folder.path / INDEX)
    index = read_json_object(folder.open(INDEX), where)
    weight_map = string_map(index.get("weight_map"))
    if weight_map is None:
        raise ConversionError(f"{where}: `weight_map` must be an object of tensor names to shard file names")
    shard_names = sorted(set(weight_map.values()))
    expected: dict[str, set[str]] = {shard: set() for shard in shard_names}
    for tensor, owner in weight_map.items():
        expected[owner].add(tensor)
    # Every name the index gives is checked before any shard is opened.
    for shard_name in shard_names:
        plain_name(folder.path, shard_name, "shard")
    for shard_name in shard_names:
        if not folder.is_file(shard_name):
            raise ConversionError(f"{where}: names shard {shard_name!r}, which is missing from the folder")
    carried: list[dict[str, str] | None] = []
    for shard_name in shard_names:
        shard = open_safetensors_file(folder.open(shard_name), str(folder.path / shard_name))
        source.resources.callback(shard.close)
        names = {tensor.name for tensor in shard.tensors}
        extra = sorted(names - expected[shard_name])
        if extra:
            listed = weight_map.get(extra[0])
            elsewhere = f" (the index places it in {listed!r})" if listed else " (the index does not list it)"
            raise ConversionError(f"{folder.path / shard_name}: holds tensor `{extra[0]}`{elsewhere}")
        missing = sorted(expected[shard_name] - names)
        if missing:
            raise ConversionError(f"{where}: places tensor `{missing[0]}` in {shard_name!r}, which does not hold it")
        source.tensors.extend(shard.tensors)
        carried.append(string_map(shard.metadata.get(SAFETENSORS_METADATA)))
    if carried and all(item == carried[0] for item in carried) and carried[0] is not None:
        source.metadata[SAFETENSORS_METADATA] = carried[0]


def _sentence_transformers(folder: Folder, *, weights_only: bool) -> dict[str, object] | None:
    """The pooling head a sentence-transformers folder declares, or None for a plain model folder."""
    if not folder.is_file(MODULES):
        return None
    where = str(folder.path / MODULES)
    modules = read_json(folder.open(MODULES), where)
    if not isinstance(modules, list) or not all(isinstance(item, dict) for item in modules):
        raise ConversionError(f"{where}: expected a list of module objects")
    types: list[str] = []
    pooling: dict[str, object] | None = None
    for module in modules:
        kind = module.get("type")
        if kind not in _ST_TYPES:
            if weights_only:
                continue
            raise ConversionError(
                f"{where}: module type {kind!r} is not supported (supported: Transformer, Pooling, Normalize); "
                "convert with weights only to keep the transformer's weights alone"
            )
        assert isinstance(kind, str)
        types.append(kind.rsplit(".", 1)[1])
        if kind == ST_POOLING:
            directory = plain_name(folder.path, module.get("path"), "module path")
            pooling = read_json_object(folder.open(directory, CONFIG), str(folder.path / directory / CONFIG))
    head: dict[str, object] = {"modules": types}
    if pooling is not None:
        head["pooling"] = pooling
    return head
