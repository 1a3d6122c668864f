"""A picture of a graph for people: SVG (or HTML wrapping it) built with plain strings.

Layout is layered: each node sits one layer below the deepest node whose output it uses, nodes in a
layer are ordered by where their inputs come from (one barycentre pass), and edges are curves from the
producer's bottom to the consumer's top. Every text from the file goes through `xml_text` (made
visible, clipped, then escaped), so the picture is well-formed XML whatever the file holds; nothing is
interpreted.

The picture is bounded whatever the graph: at most `MAX_BOXES` boxes (`_picture_plan.py` summarises
larger graphs), each with at most 4 lines of `MAX_TEXT` characters and a tooltip of `MAX_TOOLTIP`, and
at most `MAX_EDGES_PER_BOX` edges into each box. A character of a file string becomes at most 6 bytes
(`&quot;`, `\\u202e`), so a box with its edges is under 6 KB and a picture under 2.5 MB, within the
documented `MAX_PICTURE_BYTES`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from ._picture_plan import MAX_BOXES, Unit, block_prefix, is_summarised, plan
from ._registry import CORE_OPS
from ._shapes import show as show_shape
from ._types import Graph, Node, TensorEntry, ValueDecl, ValueType
from ._xml_text import xml_lines, xml_text

BOX_WIDTH: Final = 230
BOX_HEIGHT: Final = 62
GAP_X: Final = 26
GAP_Y: Final = 42
MARGIN: Final = 24
SKIP_BOW: Final = 46  # how far a skip connection bows out beside the boxes
SKIP_STEP: Final = 14  # successive skip connections bow a little further, so that they stay apart
TITLE_HEIGHT: Final = 44
MAX_TEXT: Final = 34  # characters per line inside a box
MAX_HEADING: Final = 160  # characters of the heading line
MAX_TOOLTIP: Final = 480  # characters of a box's tooltip (the attributes of a node are cut there)
MAX_EDGES_PER_BOX: Final = 16  # edges drawn into one box; its tooltip counts the others
# What `render_svg` and `render_html` never exceed, whatever the file (tests/architecture/test_arch_picture.py
# draws the largest graphs a header may hold); the figures above keep a picture under 2.5 MB.
MAX_PICTURE_BYTES: Final = 4 * 1024 * 1024

# Fill colours by SPEC.md §10 subsection (op family).
_COLOURS: Final[Mapping[str, str]] = {
    "10.2": "#eceff1",
    "10.3": "#fff3e0",
    "10.4": "#f3e5f5",
    "10.5": "#f1f8e9",
    "10.6": "#f1f8e9",
    "10.7": "#e3f2fd",
    "10.8": "#e8f5e9",
    "10.9": "#ede7f6",
    "10.10": "#fff8e1",
    "10.11": "#fce4ec",
}
_INPUT_FILL: Final = "#e0f7fa"
_OUTPUT_FILL: Final = "#e0f2f1"
_EXTENSION_FILL: Final = "#ffffff"
_MARKER_FILL: Final = "#fafafa"


@dataclass
class _Box:
    key: str
    title: str
    lines: list[str]
    fill: str
    tooltip: list[str]  # lines, each a text from the file or about it
    inputs: list[str] = field(default_factory=list)  # keys of boxes feeding this one
    layer: int = 0
    x: float = 0.0
    y: float = 0.0
    dashed: bool = False


def _type_text(value: ValueType | None) -> str:
    if value is None or value.shape is None:
        return "? (extension output)"
    return f"{value.dtype} {show_shape(value.shape)}"


def _count(count: int) -> str:
    for unit, size in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if count >= size:
            return f"{count / size:.1f}{unit}"
    return str(count)


def _counts_by_role(names: Iterable[str], tensors: Mapping[str, TensorEntry]) -> dict[str, int]:
    """Element counts of the bound tensors: learned parameters apart from buffers (running statistics)."""
    counts: dict[str, int] = {}
    for name in dict.fromkeys(names):
        entry = tensors.get(name)
        if entry is not None:
            label = "parameters" if entry.role == "parameter" else f"{entry.role} values"
            counts[label] = counts.get(label, 0) + math.prod(entry.shape)
    return counts


def _tooltip(node: Node) -> list[str]:
    details = {key: list(value) if isinstance(value, tuple) else value for key, value in node.attributes.items()}
    # Attribute lists can be long; the tooltip is cut at MAX_TOOLTIP anyway, so the JSON need not be longer.
    lines = [f"{node.op} {node.name}", f"attributes {json.dumps(details, default=str)[:MAX_TOOLTIP]}"]
    if node.parameters:
        lines.append("parameters " + ", ".join(f"{slot}={tensor}" for slot, tensor in node.parameters.items()))
    return lines


def _node_box(key: str, node: Node, graph: Graph, tensors: Mapping[str, TensorEntry]) -> _Box:
    first = next((name for name in node.outputs if name is not None), None)
    lines = [node.name, _type_text(graph.value_types.get(first) if first else None)]
    counts = _counts_by_role(node.parameters.values(), tensors)
    if counts:
        lines.append(", ".join(f"{_count(count)} {label}" for label, count in counts.items()))
    spec = CORE_OPS.get(node.op)
    fill = _EXTENSION_FILL if spec is None else _COLOURS.get(spec.section, "#ffffff")
    return _Box(key, node.op, lines, fill, _tooltip(node), dashed=spec is None)


def _marker_box(key: str, unit: Unit, graph: Graph, tensors: Mapping[str, TensorEntry]) -> _Box:
    """The box standing for the nodes of `unit` that are not drawn."""
    members = graph.nodes[unit.first : unit.last + 1]
    first, last = members[0].name, members[-1].name
    if unit.kind == "blocks":
        size = unit.example[1] - unit.example[0] + 1
        example = block_prefix(graph.nodes[unit.example[0]].name)
        title = f"⋯ {unit.blocks} repeated blocks ⋯"
        lines = [f"{block_prefix(first)} … {block_prefix(last)}", f"{size} nodes each, as {example}"]
        tooltip = [
            f"{unit.blocks} blocks not drawn ({unit.size} nodes, #{unit.first} to #{unit.last}, {first} to "
            f"{last}): each has the ops and names of the block {example} drawn above"
        ]
    else:
        title = f"⋯ {unit.size} nodes elided ⋯"
        lines = [f"#{unit.first} {first}", f"… #{unit.last} {last}"]
        tooltip = [f"{unit.size} nodes not drawn, #{unit.first} ({first}) to #{unit.last} ({last})"]
    counts = _counts_by_role((tensor for node in members for tensor in node.parameters.values()), tensors)
    if counts:
        lines.append(", ".join(f"{_count(count)} {label}" for label, count in counts.items()))
    return _Box(key, title, lines, _MARKER_FILL, tooltip, dashed=True)


def _value_box(key: str, role: str, unit: Unit, decls: Sequence[ValueDecl]) -> _Box:
    """A graph input or output (`role`), or the box standing for the ones of `unit` that are not drawn."""
    if len(decls) == 1 and unit.kind in ("input", "output"):
        decl = decls[0]
        fill = _INPUT_FILL if role == "input" else _OUTPUT_FILL
        return _Box(key, role, [decl.name, _type_text(decl.as_type())], fill, [f"graph {role} {decl.name}"])
    lines = [f"#{unit.first} {decls[0].name}", f"… #{unit.last} {decls[-1].name}"]
    tooltip = [
        f"{unit.size} graph {role}s not drawn, #{unit.first} ({decls[0].name}) to #{unit.last} ({decls[-1].name})"
    ]
    return _Box(key, f"⋯ {unit.size} {role}s elided ⋯", lines, _MARKER_FILL, tooltip, dashed=True)


def _wire(box: _Box, sources: Iterable[str]) -> None:
    """Edges into `box` from the boxes `sources` (each once), at most MAX_EDGES_PER_BOX of them."""
    unique = list(dict.fromkeys(key for key in sources if key != box.key))
    box.inputs = unique[:MAX_EDGES_PER_BOX]
    if len(unique) > MAX_EDGES_PER_BOX:
        box.tooltip = [f"{len(unique) - MAX_EDGES_PER_BOX} more inputs not drawn", *box.tooltip]


def _boxes(graph: Graph, tensors: Mapping[str, TensorEntry]) -> tuple[list[_Box], int | None]:
    """The boxes of the picture, in topological order, and how many nodes they draw one by one when the
    picture is a summary (None when every item has a box of its own)."""
    input_units, node_units, output_units = plan(graph)
    boxes: list[_Box] = []
    owner: dict[str, str] = {}  # value name -> key of the box that produces it
    for unit in input_units:
        decls = graph.inputs[unit.first : unit.last + 1]
        box = _value_box(f"input:{unit.first}", "input", unit, decls)
        owner.update((decl.name, box.key) for decl in decls)
        boxes.append(box)
    for unit in node_units:
        key = f"node:{unit.first}"
        members = graph.nodes[unit.first : unit.last + 1]
        box = (
            _node_box(key, members[0], graph, tensors)
            if unit.kind == "node"
            else _marker_box(key, unit, graph, tensors)
        )
        # A value made inside the range has no owner yet, so edges inside a marker are not drawn.
        _wire(box, (owner[name] for node in members for name in node.inputs if name is not None and name in owner))
        owner.update((name, key) for node in members for name in node.outputs if name is not None)
        boxes.append(box)
    for unit in output_units:
        decls = graph.outputs[unit.first : unit.last + 1]
        box = _value_box(f"output:{unit.first}", "output", unit, decls)
        _wire(box, (owner[decl.name] for decl in decls if decl.name in owner))
        boxes.append(box)
    drawn = sum(1 for unit in node_units if unit.kind == "node")
    return boxes, drawn if is_summarised([*input_units, *node_units, *output_units]) else None


def _layout(boxes: Sequence[_Box], min_width: float) -> tuple[float, float]:
    by_key = {box.key: box for box in boxes}
    for box in boxes:  # boxes are in topological order
        box.layer = 1 + max((by_key[key].layer for key in box.inputs), default=-1)
    layers: dict[int, list[_Box]] = {}
    for box in boxes:
        layers.setdefault(box.layer, []).append(box)
    widest = max(len(row) for row in layers.values())
    # Room on both sides for skip connections bowing out (a cubic bows out about 3/4 of its control offset).
    width = max(min_width, 2 * MARGIN + widest * BOX_WIDTH + (widest - 1) * GAP_X + 2 * (SKIP_BOW + 2 * SKIP_STEP))
    for layer in sorted(layers):
        row = layers[layer]
        if layer > 0:  # barycentre of the inputs keeps edges short and mostly uncrossed
            row.sort(key=lambda b: sum(by_key[k].x for k in b.inputs) / len(b.inputs) if b.inputs else 0.0)
        row_width = len(row) * BOX_WIDTH + (len(row) - 1) * GAP_X
        left = (width - row_width) / 2
        for position, box in enumerate(row):
            box.x = left + position * (BOX_WIDTH + GAP_X)
            box.y = TITLE_HEIGHT + MARGIN + layer * (BOX_HEIGHT + GAP_Y)
    height = TITLE_HEIGHT + 2 * MARGIN + len(layers) * (BOX_HEIGHT + GAP_Y) - GAP_Y
    return width, height


def render_svg(graph: Graph, tensors: Mapping[str, TensorEntry], *, title: str = "") -> str:
    """An SVG document drawing `graph`: inputs, nodes (op, name, output type, parameter count), outputs."""
    boxes, drawn = _boxes(graph, tensors)
    bound = {tensor for node in graph.nodes for tensor in node.parameters.values() if tensor in tensors}
    total = sum(math.prod(tensors[name].shape) for name in bound)
    heading = f"{title[:MAX_HEADING]} — " if title else ""
    heading += f"{len(graph.nodes)} nodes, {_count(total)} parameters and buffers, opset " + ", ".join(
        f"{domain} {version}" for domain, version in list(graph.opset.items())[:8]
    )
    if drawn is not None:  # said first, so that clipping the heading never hides it
        heading = f"[summarised: {drawn} of {len(graph.nodes)} nodes drawn, at most {MAX_BOXES} boxes] {heading}"
    shown = xml_text(heading, MAX_HEADING)
    # The heading is one line of 15px bold text: about 9px a character, so the canvas is made wide enough.
    width, height = _layout(boxes, min_width=2 * MARGIN + 9 * min(len(heading), MAX_HEADING))
    by_key = {box.key: box for box in boxes}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#78909c"/></marker></defs>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 10}" font-size="15" font-weight="bold">{shown}</text>',
        '<g fill="none" stroke="#78909c" stroke-width="1.4">',
    ]
    skips = 0
    for box in boxes:
        for key in box.inputs:
            source = by_key[key]
            if box.layer - source.layer > 1:
                # A skip connection (a residual, say): drawn straight it would run behind the boxes of the
                # layers it skips, so it leaves the source's right side and bows out beside the column.
                skips += 1
                x1, y1 = source.x + BOX_WIDTH, source.y + BOX_HEIGHT / 2
                x2, y2 = box.x + BOX_WIDTH, box.y + BOX_HEIGHT / 2
                side = max(x1, x2) + SKIP_BOW + SKIP_STEP * (skips % 3)
                parts.append(
                    f'<path d="M {x1:.1f} {y1:.1f} C {side:.1f} {y1:.1f}, {side:.1f} {y2:.1f}, '
                    f'{x2:.1f} {y2:.1f}" marker-end="url(#arrow)"/>'
                )
                continue
            x1, y1 = source.x + BOX_WIDTH / 2, source.y + BOX_HEIGHT
            x2, y2 = box.x + BOX_WIDTH / 2, box.y
            bend = (y2 - y1) / 2
            parts.append(
                f'<path d="M {x1:.1f} {y1:.1f} C {x1:.1f} {y1 + bend:.1f}, {x2:.1f} {y2 - bend:.1f}, '
                f'{x2:.1f} {y2:.1f}" marker-end="url(#arrow)"/>'
            )
    parts.append("</g>")
    for box in boxes:
        dash = ' stroke-dasharray="5 3"' if box.dashed else ""
        parts.append(f"<g><title>{xml_lines(box.tooltip, MAX_TOOLTIP)}</title>")
        parts.append(
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="7" '
            f'fill="{box.fill}" stroke="#455a64" stroke-width="1.2"{dash}/>'
        )
        center = box.x + BOX_WIDTH / 2
        parts.append(
            f'<text x="{center:.1f}" y="{box.y + 16:.1f}" text-anchor="middle" font-size="13" '
            f'font-weight="bold">{xml_text(box.title, MAX_TEXT)}</text>'
        )
        for index, line in enumerate(box.lines[:3]):
            parts.append(
                f'<text x="{center:.1f}" y="{box.y + 30 + index * 12:.1f}" text-anchor="middle" font-size="10.5" '
                f'fill="#37474f">{xml_text(line, MAX_TEXT)}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def render_html(graph: Graph, tensors: Mapping[str, TensorEntry], *, title: str = "") -> str:
    """The SVG in a minimal standalone HTML page (no scripts, no external resources)."""
    svg = render_svg(graph, tensors, title=title)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{xml_text(title or 'modelfmt graph', MAX_HEADING)}</title></head>\n<body>\n{svg}</body></html>\n"
    )
