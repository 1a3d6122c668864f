"""`modelfmt inspect FILE --graph OUT.svg`: a picture of the architecture that is well-formed XML whatever
the file's strings hold, of bounded size whatever the graph's size, and legible for real networks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import modelfmt
import numpy as np
import picture_graphs
import pytest
from arch_helpers import declare, node, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelfmt import cli
from modelfmt.graph import Graph
from modelfmt.graph._picture import MAX_EDGES_PER_BOX, MAX_PICTURE_BYTES, MAX_TEXT, render_html, render_svg
from modelfmt.graph._picture_plan import MAX_BOXES, block_prefix
from modelfmt.graph._xml_text import clipped, visible

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


# ---- hostile strings and large graphs: the picture is well-formed and bounded (issue 10, class 7) ------


def _svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # raises on anything that is not well-formed XML
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def _boxes_drawn(svg: str) -> int:
    return sum(1 for _ in ET.fromstring(svg).iter(f"{SVG}rect")) - 1  # less the background


HOSTILE_TEXT = "a\x01b\x00\x08\x0b\x0c\x1f\x7f\x85\ufffe\uffff\ud800\udfff\u202e<&>\"'\\x01]]>"


def test_strings_xml_cannot_hold_are_shown_escaped_and_the_svg_parses() -> None:
    g = picture_graphs.Builder([HOSTILE_TEXT])
    g("com.example.Op" + HOSTILE_TEXT, HOSTILE_TEXT + "n", [HOSTILE_TEXT], attributes={"k": HOSTILE_TEXT})
    graph = g.graph([HOSTILE_TEXT + "n"])
    svg = render_svg(graph, {}, title=HOSTILE_TEXT)
    texts = _svg_texts(svg)
    assert visible("a\x01b\ufffe\ud800\u202e\\") == "a\\x01b\\ufffe\\ud800\\u202e\\\\"
    assert clipped(HOSTILE_TEXT, MAX_TEXT) in texts  # the input's name, as shown
    assert all(not any(0xD800 <= ord(char) <= 0xDFFF or ord(char) < 0x09 for char in text) for text in texts)
    html = render_html(graph, {}, title=HOSTILE_TEXT)
    ET.fromstring(html[html.index("<svg") : html.index("</svg>") + len("</svg>")])
    assert "\x01" not in html and "\ufffe" not in html


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(
        st.text(st.characters(exclude_categories=()), max_size=60),  # every code point, surrogates included
        min_size=4,
        max_size=4,
    )
)
def test_any_text_anywhere_gives_a_well_formed_svg(texts: list[str]) -> None:
    title, value, name, attribute = texts
    g = picture_graphs.Builder([value or "v"])
    out = g("com.example.Op", name, [value or "v"], attributes={"a": attribute}, output=(value or "v") + "'")
    graph = g.graph([out])
    shown = _svg_texts(render_svg(graph, {}, title=title))
    assert clipped(name, MAX_TEXT) in shown  # what the box shows is the name made visible, never dropped


def test_metadata_name_with_controls_gives_a_picture_that_parses(tmp_path: Path) -> None:
    # Reproduces the report: a metadata string with U+0001 made `inspect --graph` write ill-formed XML.
    path = tmp_path / "m.mft"
    architecture = {
        "opset": {"modelfmt.core": 1},
        "inputs": [declare("x", "float32", [2])],
        "outputs": [declare("y", "float32", [2])],
        "nodes": [node("r", "ReLU", ["x"], ["y"])],
    }
    modelfmt.save_file({}, path, architecture=architecture, metadata={"name": "net\x01\ufffe\uffff\x1b[31m"})
    for target in (tmp_path / "g.svg", tmp_path / "g.html"):
        assert cli.main(["inspect", str(path), "--graph", str(target)]) == 0
        text = target.read_text(encoding="utf-8")
        svg = text[text.index("<svg") : text.index("</svg>") + len("</svg>")]
        assert any("net\\x01\\ufffe\\uffff\\x1b[31m" in line for line in _svg_texts(svg))


@pytest.mark.parametrize(
    ("build", "nodes"), [(picture_graphs.resnet50, 175), (picture_graphs.bert, 306)], ids=["resnet50", "bert12"]
)
def test_realistic_networks_are_drawn_whole(build: Callable[[], Graph], nodes: int) -> None:
    graph = build()
    assert len(graph.nodes) == nodes
    svg = render_svg(graph, {})
    assert _boxes_drawn(svg) == len(graph.inputs) + nodes + len(graph.outputs)
    texts = _svg_texts(svg)
    assert not any("⋯" in text or "summarised" in text for text in texts)
    assert all(clipped(item.name, MAX_TEXT) in texts for item in graph.nodes)
    assert len(svg.encode()) < 300_000


def test_a_32_layer_decoder_is_summarised_by_its_repeated_layers() -> None:
    graph = picture_graphs.decoder(32)
    svg = render_svg(graph, {}, title="decoder")
    texts = _svg_texts(svg)
    assert "⋯ 30 repeated blocks ⋯" in texts
    assert "model.layers.1 … model.layers.30" in texts and "21 nodes each, as model.layers.0" in texts
    # The first and the last layer are drawn node by node, with everything outside the layers.
    for name in ("model.embed_tokens", "model.layers.0.self_attn.q_proj", "model.layers.31.mlp.down_proj", "lm_head"):
        assert name in texts, name
    assert not any(text.startswith("model.layers.5.") for text in texts)
    assert (
        _boxes_drawn(svg) == 1 + 2 + 2 * 21 + 1 + 2 + 1
    )  # input, embed+positions, 2 layers, marker, norm+head, output
    assert texts[0].startswith("[summarised: 46 of 676 nodes drawn")
    assert len(svg.encode()) < 50_000


def test_layer_numbers_that_are_names_are_not_blocks() -> None:
    # `layer1` is a name; `layer1.0` and `layer1.1` are blocks, but runs shorter than 3 stay drawn.
    assert block_prefix("layer1.0.conv1") == "layer1.0"
    assert block_prefix("blocks_7_mlp") == "blocks_7"
    assert block_prefix("conv1") == "conv1"
    assert block_prefix("layers.70.x") == "layers.70"


@pytest.mark.slow
@pytest.mark.parametrize("text", ["a", HOSTILE_TEXT, ".x"], ids=["plain", "hostile", "numbered"])
def test_the_largest_graph_a_header_may_hold_gives_a_bounded_picture(text: str) -> None:
    # Before: a picture of every node, about 800 bytes each (a 4 MiB header made a 101 MB SVG).
    graph = picture_graphs.largest(text)
    svg = render_svg(graph, {}, title=text * 10_000)
    size = len(svg.encode())
    assert size <= MAX_PICTURE_BYTES
    assert size <= 1_000_000  # far under the documented bound: about 400 boxes of bounded text
    root = ET.fromstring(svg)
    boxes = _boxes_drawn(svg)
    assert boxes <= MAX_BOXES
    assert sum(1 for _ in root.iter(f"{SVG}path")) - 1 <= boxes * MAX_EDGES_PER_BOX
    texts = [element.text or "" for element in root.iter(f"{SVG}text")]
    assert texts[0].startswith("[summarised:")
    assert "⋯ 4073 inputs elided ⋯" in texts and "⋯ 4073 outputs elided ⋯" in texts
    elided = [t for t in texts if t.startswith("⋯") and ("nodes elided" in t or "repeated blocks" in t)]
    assert 1 <= len(elided) <= 3, elided  # one run of long names at either end, one of short ones
    assert all(len(t) <= MAX_TEXT * 6 for t in texts[1:])


def _chain(nodes: int) -> Graph:
    g = picture_graphs.Builder()
    previous = "x"
    for index in range(nodes):
        previous = g("ReLU", f"relu{index}", [previous])  # `relu7`: no numbered component, no blocks
    return g.graph([previous])


@pytest.mark.parametrize("nodes", [MAX_BOXES - 2, MAX_BOXES - 1, MAX_BOXES + 5000])
def test_the_box_budget_is_exact(nodes: int) -> None:
    svg = render_svg(_chain(nodes), {})
    texts = _svg_texts(svg)
    if nodes + 2 <= MAX_BOXES:  # with the input and the output
        assert _boxes_drawn(svg) == nodes + 2 and not texts[0].startswith("[summarised")
    else:
        assert _boxes_drawn(svg) == MAX_BOXES
        assert texts[0].startswith(f"[summarised: {MAX_BOXES - 3} of {nodes} nodes drawn")
        assert f"⋯ {nodes - (MAX_BOXES - 3)} nodes elided ⋯" in texts
        # The chain stays connected through the marker: one edge into every box but the input.
        assert sum(1 for _ in ET.fromstring(svg).iter(f"{SVG}path")) - 1 == MAX_BOXES - 1


def test_a_box_stays_small_whatever_its_strings() -> None:
    # The fast companion of the slow test above: every string 1024 characters of the worst escapes, a
    # node reading 300 inputs; the picture stays within the per-box figures that bound its size.
    worst = ('"' * 1024, "\x01" * 1024, "\ud800" * 1024)
    g = picture_graphs.Builder([f"{index}{worst[index % 3]}" for index in range(300)])
    previous = g("Concat", worst[0], [f"{index}{worst[index % 3]}" for index in range(300)], attributes={"a": worst})
    for index in range(MAX_BOXES):
        previous = g("com.example." + worst[1], f"{index}{worst[index % 3]}", [previous], attributes={"a": worst})
    svg = render_svg(g.graph([previous]), {}, title=worst[0])
    assert _boxes_drawn(svg) <= MAX_BOXES
    assert len(svg.encode()) <= MAX_BOXES * 6_000  # under 6 KB a box with its edges, as _picture.py says
    assert len(svg.encode()) <= MAX_PICTURE_BYTES
