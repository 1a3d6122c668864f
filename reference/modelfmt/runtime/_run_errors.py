"""Errors of the runtime that are about the caller's inputs rather than the file (SPEC.md §9.11)."""

from __future__ import annotations

from ..format._errors import InputError, ModelfmtError, error

RunInputError = InputError  # the name the runtime's modules and tests use


def run_error(code: str, message: str, *, hint: str | None = None) -> ModelfmtError:
    """A RUN_* error of its registered category (RUN_INPUT and RUN_INDEX are `input`)."""
    return error(code, message, hint=hint)
