"""Architecture description (SPEC.md §9-11): the graph model, the modelfmt.core op set, the structural
validator and training-state validation. The numpy runtime that executes a graph, `modelfmt.run`, is in
`runtime/`, a layer above: the reader imports this package to validate headers and needs no runtime."""

from ._registry import CORE_DOMAIN, CORE_OPS, CORE_VERSION
from ._training import TrainingState, validate_training
from ._types import Graph, Node, ValueDecl, ValueType
from ._validate import validate_architecture

__all__ = [
    "CORE_DOMAIN",
    "CORE_OPS",
    "CORE_VERSION",
    "Graph",
    "Node",
    "TrainingState",
    "ValueDecl",
    "ValueType",
    "validate_architecture",
    "validate_training",
]
