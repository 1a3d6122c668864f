"""The one exception of the converters, and its codes.

A conversion error is about a file of another format (a malformed safetensors header, a Keras layer the
op set cannot express, a pickle `weights_only` refuses), so it is deliberately a `ToolError` and not a `ModelfmtError`:
those carry the stable codes of SPEC.md §16, which describe modelfmt files only. It carries a code of
its own, from the small table below, so that a caller (or a test) can tell a refused hostile source from
an unsupported one without reading the message. The CLI maps it to exit status 1 with a one-line
message; anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

from typing import Final

from ..format._errors import ToolError

# The source cannot be converted: malformed, unsupported, or inconsistent (the message says which).
FAILED: Final = "CONVERT_FAILED"
# The source would expand beyond its budget: a zip or HDF5 bomb, tensor views larger than their
# storage, tensors aliased many times, a pickle larger than any state dict needs.
EXPANSION: Final = "CONVERT_EXPANSION"
# The source's structure is beyond the walk's limits: nesting too deep, too many objects, a cycle,
# one HDF5 object linked from several places, more layers than a model has.
STRUCTURE: Final = "CONVERT_STRUCTURE"
# A name or a link in the source leads outside the folder or file given to convert.
OUTSIDE: Final = "CONVERT_OUTSIDE_SOURCE"

CODES: Final = (FAILED, EXPANSION, STRUCTURE, OUTSIDE)


class ConversionError(ToolError):
    """A source cannot be converted: the message names the file, the tensor or layer, and the cause;
    `code` is one of `CODES`."""

    def __init__(self, message: str, *, code: str = FAILED) -> None:
        super().__init__(message)
        self.code = code
