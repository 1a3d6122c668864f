"""The one exception of the converters.

A conversion error is about a file of another format (a malformed safetensors header, a Keras layer the
op set cannot express, a pickle `weights_only` refuses), so it is deliberately a `ToolError` and not a
`ModelfmtError`: those carry the stable codes of SPEC.md §16, which describe modelfmt files only. The
CLI maps it to exit status 1 with a one-line message; anything else that escapes is a bug and keeps its
traceback.
"""

from __future__ import annotations

from ..format._errors import ToolError


class ConversionError(ToolError):
    """A source cannot be converted: the message names the file, the tensor or layer, and the cause."""
