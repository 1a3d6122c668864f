"""Every vector of the suite, group by group, and the ids that must never come back."""

from __future__ import annotations

from typing import Final

from . import (
    ambiguities,
    budgets,
    clarify,
    container,
    display,
    dtypes,
    graph,
    json_rules,
    limits,
    memory,
    ops,
    ops_v2,
    plausible_bugs,
    signatures,
    tensors,
    training,
    write,
)
from .model import Vector

# Codes of SPEC.md §16 that no reader, verifier or writer reports: they are a runtime's (§9.11).
NOT_APPLICABLE: Final = {
    "RUN_INDEX": "a runtime's code (§9.11): an index out of range while a graph executes; no reader, verifier or "
    "writer executes a graph. Vectors tagged runtime:RUN_INDEX carry the inputs that trigger it.",
    "RUN_INPUT": "a runtime's code (§9.11): the caller's inputs do not fit the graph; a reader has no inputs. "
    "Vectors tagged runtime:RUN_INPUT carry such inputs.",
    "RUN_NO_ARCHITECTURE": "a runtime's code (§9.11): a valid file without `architecture` cannot be executed; every "
    "reader accepts it. Vectors tagged runtime:RUN_NO_ARCHITECTURE are such files.",
    "RUN_UNSUPPORTED": "a runtime's code (§9.11): extension ops are valid for readers and never executed. Vectors "
    "tagged runtime:RUN_UNSUPPORTED are such files.",
    "RUN_MEMORY_BUDGET": "a runtime's code (§9.11): a valid graph whose run would need more memory than a budget, "
    "or an array beyond the extent limit; a reader runs nothing. Vectors tagged runtime:RUN_MEMORY_BUDGET are "
    "such files, beyond any budget.",
    "RUN_WORK_BUDGET": "a runtime's code (§9.11): a valid graph whose run would need more work than a budget; a "
    "reader runs nothing. Vectors tagged runtime:RUN_WORK_BUDGET carry inputs beyond any budget.",
}

# Ids that were published and then withdrawn: never reuse one (the manifest lists them too).
RETIRED: Final[tuple[str, ...]] = (
    # SPEC.md §12.9 step 5: a trusted key's invalid entry now fails the file even when another verifies;
    # the same file is verify.invalid.invalid-trusted-then-valid-trusted.
    "verify.valid.invalid-trusted-then-valid-trusted",
    # The `minor-1-*` vectors meant "a newer minor than the reader" until 1.1 was defined: now `minor-2-*`.
    "invalid.graph.minor-1-attribute-unknown",
    "invalid.graph.minor-1-op-unknown",
    "invalid.graph.minor-1-opset-core-newer",
    "invalid.graph.minor-1-unknown-dtype",
    "invalid.graph.minor-1-unknown-node-key",
    "invalid.signature_block.minor-1-attribute-defect-before-unknown-key",
    "invalid.signature_block.minor-1-bad-algorithm-name",
    "invalid.signature_block.minor-1-member-count-before-unknown-key",
    "invalid.signature_block.minor-1-unknown-attribute-key",
    "invalid.signature_block.minor-1-unknown-body-key",
    "invalid.signature_block.minor-1-unknown-entry-key",
    "invalid.signature_block.minor-1-unknown-key-before-attribute-defect",
    "invalid.training.minor-1-hyperparameter-unknown",
    "invalid.version.minor-1-other-rules-unchanged",
    "invalid.version.minor-1-unknown-dtype",
    "invalid.version.minor-1-unknown-entry-key",
    "invalid.version.minor-1-unknown-role",
    "invalid.version.minor-1-unknown-top-level-key",
    "valid.signature_block.minor-1-unknown-algorithm",
    "valid.version.minor-1-nothing-new",
    "verify.valid.minor-1",
)


def vectors() -> list[Vector]:
    groups = (
        container,
        json_rules,
        tensors,
        dtypes,
        limits,
        graph,
        ops,
        ops_v2,
        training,
        signatures,
        write,
        clarify,
        plausible_bugs,
        ambiguities,
        budgets,
        display,
        memory,
    )
    return [vector for group in groups for vector in group.vectors()]
