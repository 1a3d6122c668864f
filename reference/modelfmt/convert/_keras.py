"""Keras 3 `.keras` archives, read without executing anything.

A `.keras` file is a zip of `config.json` (the model as nested class names and arguments, which Keras
itself would turn into objects by importing those classes), `metadata.json` and `model.weights.h5`. Here
the config is only data: layer class names are keys into a closed table of converters
(`_keras_layers.py`), never imported or resolved, and anything outside the table is refused naming the
layer. The weights file is copied out of the zip (bounded by `_zipguard`) and read by `_h5.py`.

With `weights_only`, the datasets are carried as they are stored (Keras layouts, named by their path in
the weights file) and the config is kept in metadata; no layer needs to be understood.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Final

from ._carry import KERAS_CONFIG, KERAS_METADATA
from ._errors import ConversionError
from ._h5 import Variable, WeightsFile
from ._jsonfile import MAX_JSON_BYTES, parse_json
from ._keras_model import convert_model
from ._source import CHUNK_BYTES, ChunkSource, Source, SourceTensor, array_chunks
from ._window import stored_entry
from ._zipguard import DAMAGED_ENTRY, check_archive

CONFIG: Final = "config.json"
METADATA: Final = "metadata.json"
WEIGHTS: Final = "model.weights.h5"


def _read_member(archive: zipfile.ZipFile, name: str, where: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_JSON_BYTES:
        raise ConversionError(f"{where}: {name} is {info.file_size} bytes, above the {MAX_JSON_BYTES}-byte bound")
    return archive.read(info)


def open_keras(path: Path, *, weights_only: bool, max_compression_ratio: int) -> Source:
    where = str(path)
    source = Source("keras", [])
    try:
        archive = source.resources.enter_context(zipfile.ZipFile(path))
        check_archive(archive, path.stat().st_size, where=where, max_ratio=max_compression_ratio)
        names = set(archive.namelist())
        missing = [name for name in (CONFIG, WEIGHTS) if name not in names]
        if missing:
            raise ConversionError(f"{where}: not a Keras 3 archive: {', '.join(missing)} missing")
        config = parse_json(_read_member(archive, CONFIG, where), f"{where}: {CONFIG}")
        if not isinstance(config, dict):
            raise ConversionError(f"{where}: {CONFIG} must be a JSON object")
        source.metadata[KERAS_CONFIG] = config
        if METADATA in names:
            source.metadata[KERAS_METADATA] = parse_json(_read_member(archive, METADATA, where), f"{where}: {METADATA}")
        weights = _open_weights(archive, source, path, where=where, max_ratio=max_compression_ratio)
        source.resources.callback(weights.close)
        if weights_only:
            for variable in weights.datasets():
                source.tensors.append(
                    SourceTensor(variable.label, variable.dtype, variable.shape, _raw_reader(weights, variable))
                )
        else:
            tensors, architecture = convert_model(config, weights, where=where)
            source.tensors.extend(tensors)
            source.architecture = architecture
    except DAMAGED_ENTRY as exc:
        source.close()
        raise ConversionError(f"{where}: damaged zip archive: {exc}") from None
    except BaseException:
        source.close()
        raise
    return source


def _open_weights(archive: zipfile.ZipFile, source: Source, path: Path, *, where: str, max_ratio: int) -> WeightsFile:
    """The archive's HDF5 weights. h5py needs random access: an entry stored without compression (as
    Keras writes them) is read in place; a compressed one is first copied to a private temporary file
    (its size was bounded by check_archive), removed when the source closes."""
    info = archive.getinfo(WEIGHTS)
    label = f"{where}: {WEIGHTS}"
    stream = source.resources.enter_context(open(path, "rb"))  # noqa: SIM115 -- closed with the source
    window = stored_entry(stream.fileno(), info, os.fstat(stream.fileno()).st_size, where)
    if window is not None:
        return WeightsFile(window, info.file_size, where=label, max_ratio=max_ratio)
    scratch = Path(source.resources.enter_context(tempfile.TemporaryDirectory(prefix="modelfmt-keras-")))
    copy = scratch / WEIGHTS
    with archive.open(info) as member, open(copy, "wb") as out:
        shutil.copyfileobj(member, out, CHUNK_BYTES)
    return WeightsFile(copy, info.file_size, where=label, max_ratio=max_ratio)


def _raw_reader(weights: WeightsFile, variable: Variable) -> ChunkSource:
    return lambda: array_chunks(weights.load(variable))
