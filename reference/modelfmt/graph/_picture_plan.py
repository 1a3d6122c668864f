"""Which boxes a picture of a graph draws: all of a realistic network, a bounded summary of a larger graph.

A header of a few MiB can declare 262144 nodes and 4096 inputs and outputs; drawn one box each, that is
a picture of a hundred megabytes that no viewer opens. So a picture has at most `MAX_BOXES` boxes:

1. A graph that fits is drawn whole (ResNet-50 has about 180 nodes, a 12-layer BERT about 300).
2. Otherwise repeated blocks are collapsed: consecutive runs of nodes named by a numbered prefix
   (`layers.7.attn.q`, `encoder.layer.7...`, `blocks_7_mlp`), each with the same ops under the same
   names, are drawn as the first block, one box "⋯ N repeated blocks", and the last block. A 32-layer
   decoder becomes two layers and a marker.
3. If that is still too many, graph inputs and outputs beyond `MAX_VALUE_BOXES` each, then the middle
   of the node sequence, are elided: one marker box "⋯ N nodes elided" stands for the range.

Every unit is a contiguous range of the graph's (topologically ordered) sequences, so the units are
in topological order too and edges between them never form a cycle. Everything here is linear in the
size of the graph.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, Literal, NamedTuple

from ._types import Graph, Node

# A picture of 400 boxes is already a long scroll; each box is bounded in size (`_picture.py`), so this
# bounds the picture's size too.
MAX_BOXES: Final = 400
MAX_VALUE_BOXES: Final = 24  # graph inputs (and, apart, outputs) drawn when the graph is summarised
MIN_REPEATS: Final = 3  # a run of fewer blocks is drawn as it is: first and last are always drawn

Kind = Literal["input", "node", "output", "inputs", "blocks", "nodes", "outputs"]
# Kinds standing for several items, and the sequence they index: what a marker box says it replaces.
MARKERS: Final[frozenset[str]] = frozenset({"inputs", "blocks", "nodes", "outputs"})

# A block prefix ends with the first number that is a whole name component: `layers.7`, `h_7`, `7`,
# but not `layer1` (a name, not an index).
_NUMBERED: Final = re.compile(r"(?:^|(?<=[./_:\-]))([0-9]+)(?=[./_:\-]|$)")


class Unit(NamedTuple):
    """One box: items `first` to `last` (inclusive) of the graph's inputs, nodes or outputs."""

    kind: Kind
    first: int
    last: int
    blocks: int = 0  # for "blocks": how many blocks the box stands for
    example: tuple[int, int] = (0, 0)  # for "blocks": the node range of the block drawn before it

    @property
    def size(self) -> int:
        return self.last - self.first + 1


class _Group(NamedTuple):
    prefix: str | None  # None: the node's name has no numbered component
    template: str
    first: int
    last: int
    signature: tuple[tuple[str, str], ...]


def _block_prefix(name: str) -> tuple[str, str] | None:
    """(`layers.7`, `layers.#`) for `layers.7.attn.q`; None when the name has no numbered component."""
    match = _NUMBERED.search(name)
    if match is None:
        return None
    return name[: match.end()], name[: match.start()] + "#"


def block_prefix(name: str) -> str:
    """The block a node named `name` belongs to (`layers.7` for `layers.7.attn.q`), or the name itself."""
    found = _block_prefix(name)
    return name if found is None else found[0]


def _groups(nodes: Sequence[Node]) -> list[_Group]:
    """Maximal runs of consecutive nodes sharing a block prefix (a node without one is a run of its own)."""
    groups: list[_Group] = []
    start = 0
    while start < len(nodes):
        found = _block_prefix(nodes[start].name)
        end = start + 1
        if found is not None:
            while end < len(nodes) and nodes[end].name.startswith(found[0]) and _same_block(nodes[end].name, found[0]):
                end += 1
        if found is None:
            groups.append(_Group(None, "", start, start, ()))
        else:
            prefix, template = found
            signature = tuple((node.op, node.name[len(prefix) :]) for node in nodes[start:end])
            groups.append(_Group(prefix, template, start, end - 1, signature))
        start = end
    return groups


def _same_block(name: str, prefix: str) -> bool:
    """`layers.7.x` is in block `layers.7`; `layers.70.x` is not."""
    rest = name[len(prefix) :]
    return not rest or not rest[0].isdigit()


def _collapse_blocks(nodes: Sequence[Node]) -> list[Unit]:
    """Spans of the node sequence: "node" spans (a run of nodes, one box each) and "blocks" markers."""
    spans: list[Unit] = []
    groups = _groups(nodes)
    index = 0
    singles = 0  # first node of the current run of single boxes
    while index < len(groups):
        group = groups[index]
        end = index + 1
        if group.prefix is not None:
            while (
                end < len(groups)
                and groups[end].template == group.template
                and groups[end].signature == group.signature
            ):
                end += 1
        if end - index >= MIN_REPEATS:
            first, middle, last = groups[index], groups[index + 1 : end - 1], groups[end - 1]
            spans.append(Unit("node", singles, first.last))
            spans.append(Unit("blocks", middle[0].first, middle[-1].last, len(middle), (first.first, first.last)))
            singles = last.first
        index = end
    if singles < len(nodes):
        spans.append(Unit("node", singles, len(nodes) - 1))
    return [span for span in spans if span.size > 0]


def _boxes_of(span: Unit) -> int:
    return span.size if span.kind == "node" else 1


def _expand(spans: Sequence[Unit], budget: int) -> list[Unit]:
    """One unit per box: every box of `spans` when they fit in `budget` boxes, else the first and last
    boxes around one "nodes" marker for the middle (which may swallow "blocks" markers too)."""
    if sum(_boxes_of(span) for span in spans) <= budget:
        return [unit for span in spans for unit in _singles(span, span.first, span.last)]
    head, tail = (budget - 1) // 2, budget - 1 - (budget - 1) // 2
    front: list[Unit] = []
    for span in spans:
        if len(front) == head:
            break
        if span.kind != "node":
            front.append(span)
        else:
            front.extend(_singles(span, span.first, min(span.last, span.first + head - len(front) - 1)))
    back: list[Unit] = []
    for span in reversed(spans):
        if len(back) == tail:
            break
        if span.kind != "node":
            back.append(span)
        else:
            back.extend(reversed(_singles(span, max(span.first, span.last - (tail - len(back)) + 1), span.last)))
    back.reverse()
    return [*front, Unit("nodes", front[-1].last + 1, back[0].first - 1), *back]


def _singles(span: Unit, first: int, last: int) -> list[Unit]:
    if span.kind != "node":
        return [span]
    return [Unit("node", index, index) for index in range(first, last + 1)]


def _ends(kind: Literal["input", "output"], count: int, keep: int) -> list[Unit]:
    """Singles for `count` items, or the first and last ones around one marker for the rest."""
    if count <= keep:
        return [Unit(kind, i, i) for i in range(count)]
    head = keep // 2
    tail = keep - head - 1
    marker: Kind = "inputs" if kind == "input" else "outputs"
    return [
        *(Unit(kind, i, i) for i in range(head)),
        Unit(marker, head, count - tail - 1),
        *(Unit(kind, i, i) for i in range(count - tail, count)),
    ]


def plan(graph: Graph) -> tuple[list[Unit], list[Unit], list[Unit]]:
    """(inputs, nodes, outputs): the units of the picture of `graph`, at most `MAX_BOXES` in all."""
    inputs, nodes, outputs = len(graph.inputs), len(graph.nodes), len(graph.outputs)
    if inputs + nodes + outputs <= MAX_BOXES:
        return (
            _ends("input", inputs, inputs),
            [Unit("node", i, i) for i in range(nodes)],
            _ends("output", outputs, outputs),
        )
    input_units = _ends("input", inputs, MAX_VALUE_BOXES)
    output_units = _ends("output", outputs, MAX_VALUE_BOXES)
    node_units = _expand(_collapse_blocks(graph.nodes), MAX_BOXES - len(input_units) - len(output_units))
    return input_units, node_units, output_units


def is_summarised(units: Sequence[Unit]) -> bool:
    return any(unit.kind in MARKERS for unit in units)


__all__ = ["MAX_BOXES", "MAX_VALUE_BOXES", "Unit", "block_prefix", "is_summarised", "plan"]
