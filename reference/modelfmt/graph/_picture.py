"""A picture of a graph for people: SVG (or HTML wrapping it) built with plain strings.

Layout is layered: each node sits one layer below the deepest node whose output it uses, nodes in a
layer are ordered by where their inputs come from (one barycentre pass), and edges are curves from the
producer's bottom to the consumer's top. Every text from the file is XML-escaped; nothing is
interpreted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from ._registry import CORE_OPS
from ._shapes import show as show_shape
from ._types import Graph, TensorEntry, ValueType

BOX_WIDTH: Final = 230
BOX_HEIGHT: Final = 62
GAP_X: Final = 26
GAP_Y: Final = 42
MARGIN: Final = 24
SKIP_BOW: Final = 46  # how far a skip connection bows out beside the boxes
SKIP_STEP: Final = 14  # successive skip connections bow a little further, so that they stay apart
TITLE_HEIGHT: Final = 44
MAX_TEXT: Final = 34  # characters per line inside a box

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


@dataclass
class _Box:
    key: str
    title: str
    lines: list[str]
    fill: str
    tooltip: str
    inputs: list[str] = field(default_factory=list)  # keys of boxes feeding this one
    layer: int = 0
    x: float = 0.0
    y: float = 0.0
    dashed: bool = False


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


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


def _boxes(graph: Graph, tensors: Mapping[str, TensorEntry]) -> list[_Box]:
    boxes: list[_Box] = []
    producer: dict[str, str] = {}
    for decl in graph.inputs:
        key = f"input:{decl.name}"
        lines = [decl.name, _type_text(decl.as_type())]
        boxes.append(_Box(key, "input", lines, _INPUT_FILL, f"graph input {decl.name}"))
        producer[decl.name] = key
    for node in graph.nodes:
        key = f"node:{node.index}"
        first = next((name for name in node.outputs if name is not None), None)
        lines = [node.name, _type_text(graph.value_types.get(first) if first else None)]
        counts = _counts_by_role(node.parameters.values(), tensors)
        if counts:
            lines.append(", ".join(f"{_count(count)} {label}" for label, count in counts.items()))
        spec = CORE_OPS.get(node.op)
        fill = _EXTENSION_FILL if spec is None else _COLOURS.get(spec.section, "#ffffff")
        details = {key: list(value) if isinstance(value, tuple) else value for key, value in node.attributes.items()}
        tooltip = f"{node.op} {node.name}\nattributes {json.dumps(details, default=str)}"
        if node.parameters:
            tooltip += "\nparameters " + ", ".join(f"{slot}={tensor}" for slot, tensor in node.parameters.items())
        box = _Box(key, node.op, lines, fill, tooltip, dashed=spec is None)
        box.inputs = [producer[name] for name in node.inputs if name is not None and name in producer]
        boxes.append(box)
        for name in node.outputs:
            if name is not None:
                producer[name] = key
    for decl in graph.outputs:
        key = f"output:{decl.name}"
        box = _Box(key, "output", [decl.name, _type_text(decl.as_type())], _OUTPUT_FILL, f"graph output {decl.name}")
        box.inputs = [producer[decl.name]] if decl.name in producer else []
        boxes.append(box)
    return boxes


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
    boxes = _boxes(graph, tensors)
    bound = {tensor for node in graph.nodes for tensor in node.parameters.values() if tensor in tensors}
    total = sum(math.prod(tensors[name].shape) for name in bound)
    heading = f"{title} — " if title else ""
    heading += f"{len(graph.nodes)} nodes, {_count(total)} parameters and buffers, opset " + ", ".join(
        f"{domain} {version}" for domain, version in graph.opset.items()
    )
    # The heading is one line of 15px bold text: about 9px a character, so the canvas is made wide enough.
    width, height = _layout(boxes, min_width=2 * MARGIN + 9 * len(_clip_long(heading)))
    by_key = {box.key: box for box in boxes}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#78909c"/></marker></defs>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 10}" font-size="15" font-weight="bold">{escape(_clip_long(heading))}</text>',
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
        parts.append(f"<g><title>{escape(box.tooltip)}</title>")
        parts.append(
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="7" '
            f'fill={quoteattr(box.fill)} stroke="#455a64" stroke-width="1.2"{dash}/>'
        )
        center = box.x + BOX_WIDTH / 2
        parts.append(
            f'<text x="{center:.1f}" y="{box.y + 16:.1f}" text-anchor="middle" font-size="13" '
            f'font-weight="bold">{escape(_clip(box.title))}</text>'
        )
        for index, line in enumerate(box.lines[:3]):
            parts.append(
                f'<text x="{center:.1f}" y="{box.y + 30 + index * 12:.1f}" text-anchor="middle" font-size="10.5" '
                f'fill="#37474f">{escape(_clip(line))}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _clip_long(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_html(graph: Graph, tensors: Mapping[str, TensorEntry], *, title: str = "") -> str:
    """The SVG in a minimal standalone HTML page (no scripts, no external resources)."""
    svg = render_svg(graph, tensors, title=title)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title or 'modelfmt graph')}</title></head>\n<body>\n{svg}</body></html>\n"
    )
