"""Fuzz the converters' parsers behind a container: the member of a zip, the config of a folder.

The first byte of an input picks the source, the rest is the one part that varies; the harness builds
the container around it with fixed, valid companions (`_sources.py`), so mutations reach the parser of
that part instead of dying on a zip CRC:

    n  an .npz archive whose one member `x.npy` is the rest
    p  a PyTorch zip checkpoint whose `data.pkl` is the rest (storages data/0..3 are fixed)
    k  a Keras 3 archive whose `config.json` is the rest (weights: one Dense(3 -> 2) layer `dense`)
    h  a Hugging Face folder whose `config.json` is the rest (weights: a tiny 2-layer BERT)
"""

from __future__ import annotations

from pathlib import Path

import _harness
import _sources

with _harness.instrumented():
    import modelfmt.convert._pytorch  # noqa: F401 (convert imports it lazily; imported here to be instrumented)
    from modelfmt.convert import convert

_SCRATCH = _harness.scratch_directory()
_DESTINATION = _SCRATCH / "converted.mf"
_FOLDER = _SCRATCH / "folder"
_FOLDER.mkdir()
(_FOLDER / "model.safetensors").write_bytes(_sources.bert_weights())
_KERAS_WEIGHTS = _sources.keras_weights()


def one_input(data: bytes) -> None:
    kind, rest = data[:1], data[1:]
    source: Path
    if kind == b"n":
        source = _SCRATCH / "arrays.npz"
        source.write_bytes(_sources.zip_bytes({"x.npy": rest}))
    elif kind == b"p":
        source = _SCRATCH / "checkpoint.pt"
        source.write_bytes(_sources.zip_bytes({_sources.TORCH_PICKLE: rest, **_sources.TORCH_FIXED}))
    elif kind == b"k":
        source = _SCRATCH / "model.keras"
        source.write_bytes(_sources.keras_archive(rest, _KERAS_WEIGHTS))
    elif kind == b"h":
        source = _FOLDER
        (_FOLDER / "config.json").write_bytes(rest)
    else:
        return
    _DESTINATION.unlink(missing_ok=True)
    convert(source, _DESTINATION)


if __name__ == "__main__":
    _harness.main(one_input)
