"""`modelfmt inspect FILE --graph OUT.svg`: a picture of the architecture that is well-formed XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from arch_helpers import declare, node, write
from modelfmt import cli

SVG = "{http://www.w3.org/2000/svg}"


def _file(tmp_path: Path) -> Path:
    architecture = {
        "opset": {"modelfmt.core": 1, "com.example": 1},
        "inputs": [declare("x <input> & co", "float32", ["batch", 4])],
        "outputs": [declare("probabilities", "float32", ["batch", 3]), declare("hidden", "float32", ["batch", 3])],
        "nodes": [
            node(
                'fc "1" <b>',
                "Linear",
                ["x <input> & co"],
                ["hidden"],
                attributes={"in_features": 4, "out_features": 3},
                parameters={"weight": "w", "bias": "b"},
            ),
            node("act", "ReLU", ["hidden"], ["a"]),
            node("skip", "Add", ["a", "hidden"], ["s"]),
            node("odd", "com.example.Mystery", ["s"], ["m"], attributes={"note": "</svg><script>"}),
            node("soft", "Softmax", ["s"], ["probabilities"], attributes={"axis": -1}),
        ],
    }
    return write(tmp_path / "graph.mft", architecture, {"w": np.ones((3, 4), np.float32), "b": np.zeros(3, np.float32)})


def test_svg_is_well_formed_and_shows_ops_shapes_and_parameters(tmp_path: Path) -> None:
    target = tmp_path / "graph.svg"
    assert cli.main(["inspect", str(_file(tmp_path)), "--graph", str(target)]) == 0
    root = ET.fromstring(target.read_text(encoding="utf-8"))  # raises on malformed XML
    assert root.tag == f"{SVG}svg"
    texts = [element.text or "" for element in root.iter(f"{SVG}text")]
    joined = "\n".join(texts)
    for expected in (
        "Linear",
        "ReLU",
        "Add",
        "Softmax",
        "com.example.Mystery",
        'fc "1" <b>',
        "float32 [batch, 3]",
        "15 parameters",
        "input",
        "output",
    ):
        assert expected in joined, expected
    assert len(list(root.iter(f"{SVG}path"))) >= 7  # the edges (plus the arrow head)
    assert not list(root.iter(f"{SVG}script"))


def test_html_variant(tmp_path: Path) -> None:
    target = tmp_path / "graph.html"
    assert cli.main(["inspect", str(_file(tmp_path)), "--graph", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text and "<script" not in text


def test_no_architecture_no_picture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "weights.mft", None, {"w": np.ones(2, np.float32)})
    assert cli.main(["inspect", str(path), "--graph", str(tmp_path / "g.svg")]) == 1
    assert "no architecture" in capsys.readouterr().err
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.interop
def test_picture_of_an_exported_network(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    import arch_models  # noqa: PLC0415 - needs torch
    import modelfmt.torch as mft  # noqa: PLC0415 - needs torch

    path = tmp_path / "cnn.mft"
    mft.export(arch_models.SmallCNN().eval(), torch.randn(1, 3, 16, 16), path)
    target = tmp_path / "cnn.svg"
    assert cli.main(["inspect", str(path), "--graph", str(target)]) == 0
    root = ET.fromstring(target.read_text(encoding="utf-8"))
    assert sum(1 for _ in root.iter(f"{SVG}rect")) >= 14  # background + 12 nodes + input + output
