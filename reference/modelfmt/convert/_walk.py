"""A budget for walking a structure a foreign file describes (a checkpoint's object tree, HDF5 groups).

Such a structure may be a graph rather than a tree: shared references, hard links and cycles make a
small file describe exponentially many paths, and nesting can be deep enough to exhaust the stack. A
walk therefore counts every step against a node limit and every descent against a depth limit, and
refuses the source, with a coded error, at the first step beyond either.
"""

from __future__ import annotations

from typing import Final

from ..format._limits import MAX_DEPTH, MAX_TENSORS
from ._errors import STRUCTURE, ConversionError

# A step per container, tensor and plain value: a state dict at the tensor limit, with its containers
# and an optimizer's per-parameter values, takes a few steps per tensor.
MAX_WALK_NODES: Final = 4 * MAX_TENSORS
# What is walked ends up as names and metadata, whose JSON nesting is bounded by the same number.
MAX_WALK_DEPTH: Final = MAX_DEPTH


class WalkBudget:
    """Steps taken so far in one walk of one source (`where` names it in errors; a path in the walked
    structure is shown with its parts joined by `separator`)."""

    def __init__(
        self, where: str, *, separator: str, max_nodes: int = MAX_WALK_NODES, max_depth: int = MAX_WALK_DEPTH
    ) -> None:
        self.where, self.separator = where, separator
        self.max_nodes, self.max_depth = max_nodes, max_depth
        self.nodes = 0

    def step(self, path: tuple[str, ...]) -> None:
        """Count one visit of the object at `path` (its depth is the path's length)."""
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise ConversionError(
                f"{self.where}: more than {self.max_nodes} objects to visit (reached at `{self._label(path)}`): "
                "shared references or links make the structure larger than any model",
                code=STRUCTURE,
            )
        if len(path) > self.max_depth:
            raise ConversionError(
                f"{self.where}: `{self._label(path)}` nests deeper than {self.max_depth} levels", code=STRUCTURE
            )

    def _label(self, path: tuple[str, ...]) -> str:
        return self.separator.join(path) if path else "(the root)"
