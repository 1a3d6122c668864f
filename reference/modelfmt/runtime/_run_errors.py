"""Errors of the runtime that are about the caller's inputs rather than the file (SPEC.md §9.11)."""

from __future__ import annotations

from typing import Literal

from ..format._errors import InputError, ModelfmtError, error

RunInputError = InputError  # the name the runtime's modules and tests use

# The codes of SPEC.md §16 whose section is 9.11: the only ones a runtime adds to the validator's.
RunCode = Literal[
    "RUN_NO_ARCHITECTURE", "RUN_UNSUPPORTED", "RUN_INPUT", "RUN_INDEX", "RUN_MEMORY_BUDGET", "RUN_WORK_BUDGET"
]


def run_error(code: RunCode, message: str, *, hint: str | None = None) -> ModelfmtError:
    """A RUN_* error of its registered category (RUN_INPUT and RUN_INDEX are `input`)."""
    return error(code, message, hint=hint)
