"""`modelfmt convert` with sources whose names and values are hostile: npz member names, safetensors keys,
dtypes and metadata, Keras layer names, classes, activations and model names. Whatever the converter
says, and whatever `inspect` and `check` then show of the converted file, reaches the terminal escaped
(SPEC.md §17.18): no control, direction or invisible character, no forged line."""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from interop_helpers import raw_safetensors
from modelfmt import cli

h5py = pytest.importorskip("h5py")

TITLE = "\x1b]0;pwned\x07"
CLIPBOARD = "\x1b]52;c;ZWNobyBwd25lZA==\x07"
FORGED = "\nsignatures (1)\n     signature valid for a --key\n     signer: Example Org  (verified)"


def unsafe_in(text: str) -> list[str]:
    """Characters a terminal acts on or that hide or reorder text (the oracle of tests/core/test_core_terminal.py)."""
    return [
        f"U+{ord(char):04X}"
        for char in text
        if (ord(char) < 0x20 and char not in "\t\n")
        or 0x7F <= ord(char) <= 0x9F
        or unicodedata.category(char) in {"Cf", "Zl", "Zp", "Cs"}
    ]


def forged_lines(output: str) -> list[str]:
    starts = ("signatures (", "signature valid", "signer:")
    return [line for line in output.split("\n") if line.strip().startswith(starts)]


def _npz(*members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in members:
            array = io.BytesIO()
            np.save(array, np.zeros(2, np.float32))
            archive.writestr(member, array.getvalue())
    return buffer.getvalue()


def _safetensors(header: dict[str, object]) -> bytes:
    return raw_safetensors(json.dumps(header).encode(), bytes(8))


def _f32(**changes: object) -> dict[str, object]:
    return {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], **changes}


INPUT_LAYER = {
    "class_name": "InputLayer",
    "name": "input",
    "config": {"name": "input", "batch_shape": [None, 4], "dtype": "float32"},
    "inbound_nodes": [],
}


def _keras(*layers: dict[str, object], name: str = "m") -> Callable[[Path], bytes]:
    """A `.keras` archive of a Sequential model of `layers` with an empty weights file (built with h5py)."""

    def build(scratch: Path) -> bytes:
        with h5py.File(scratch, "w") as weights:
            weights.create_group("layers")
        buffer = io.BytesIO()
        config = {"class_name": "Sequential", "config": {"name": name, "layers": [INPUT_LAYER, *layers]}}
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("config.json", json.dumps(config))
            archive.writestr("metadata.json", json.dumps({"keras_version": f"3.0.0{TITLE}"}))
            archive.write(scratch, "model.weights.h5")
        return buffer.getvalue()

    return build


def _activation(name: str = "a", activation: str = "relu", class_name: str = "Activation") -> dict[str, object]:
    return {"class_name": class_name, "config": {"name": name, "activation": activation}}


# name: (suffix, source bytes or a builder given a scratch path)
SOURCES: dict[str, tuple[str, bytes | Callable[[Path], bytes]]] = {
    "npz-member-control": (".npz", _npz(f"w{TITLE}{FORGED}.npy")),
    "npz-member-bidi": (".npz", _npz("w\u202eevil.npy", "b\u200b\u2066.npy")),
    "safetensors-key-control": (".safetensors", _safetensors({f"w{TITLE}{FORGED}": _f32()})),
    "safetensors-key-bidi": (".safetensors", _safetensors({"w\u202e\ufeff": _f32()})),
    "safetensors-dtype": (".safetensors", _safetensors({"w": _f32(dtype=f"F32{CLIPBOARD}{FORGED}")})),
    "safetensors-metadata": (
        ".safetensors",
        _safetensors({"__metadata__": {f"k{TITLE}": f"\u2028\x85v{CLIPBOARD}{FORGED}"}, "w": _f32()}),
    ),
    "keras-layer-name-control": (".keras", _keras(_activation(f"a{TITLE}{FORGED}"))),
    "keras-layer-name-bidi": (".keras", _keras(_activation("a\u202e\u200b"))),
    "keras-class-name": (".keras", _keras(_activation(class_name=f"Evil{TITLE}{FORGED}"))),
    "keras-activation": (".keras", _keras(_activation(activation=f"relu{CLIPBOARD}{FORGED}"))),
    "keras-model-name": (".keras", _keras(_activation(), name=f"m{TITLE}{FORGED}\u202e")),
    "keras-dense-name": (
        ".keras",
        _keras({"class_name": "Dense", "config": {"name": f"d{TITLE}", "units": 3, "activation": "linear"}}),
    ),
}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        status = cli.main(list(argv))
    except SystemExit as exc:
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out + err


@pytest.mark.parametrize("case", sorted(SOURCES))
def test_convert_shows_hostile_sources_escaped(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suffix, source = SOURCES[case]
    data = source(tmp_path / "scratch.h5") if callable(source) else source
    path = tmp_path / f"source{suffix}"
    path.write_bytes(data)
    converted = tmp_path / "out.mf"
    status, output = _run(capsys, "convert", str(path), str(converted))
    assert status in (0, 1), output
    assert unsafe_in(output) == [] and forged_lines(output) == [] and "Traceback" not in output, output
    assert len(output.strip("\n").split("\n")) == 1 or status == 0, output  # a refusal is one line
    if status == 0:
        for argv in (["inspect", str(converted)], ["check", "--strict", str(converted)]):
            shown_status, output = _run(capsys, *argv)
            assert shown_status == 0, output
            assert unsafe_in(output) == [] and forged_lines(output) == [], output
        status, output = _run(capsys, "convert", str(converted), str(tmp_path / "back.npz"), "--to", "npz")
        assert status == 0 and unsafe_in(output) == [], output
