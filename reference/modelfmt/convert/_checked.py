"""The bytes of a source tensor as every destination writer consumes them: counted and checked.

A reader of another format states a tensor's dtype and shape first and streams its bytes later; a
lying or damaged source could deliver more or fewer bytes than declared, or bool bytes other than
0 and 1 (which modelfmt forbids, SPEC.md §7.9). Both are caught here, once, for every destination:
safetensors and .npz too, whose writers know no such rule. The bool rule is the reader's own.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..container._digests import first_invalid_bool
from ._errors import ConversionError
from ._source import SourceTensor


def checked_chunks(tensor: SourceTensor) -> Iterator[memoryview]:
    expected = tensor.length
    received = 0
    for chunk in tensor.chunks():
        view = memoryview(chunk).cast("B")
        received += len(view)
        if received > expected:
            raise ConversionError(f"tensor `{tensor.name}`: the source holds more than the {expected} bytes declared")
        if tensor.dtype == "bool" and first_invalid_bool(view) is not None:
            raise ConversionError(
                f"tensor `{tensor.name}`: a bool byte is neither 0 nor 1; modelfmt stores bools as 0x00/0x01 only"
            )
        yield view
    if received != expected:
        raise ConversionError(f"tensor `{tensor.name}`: the source holds {received} bytes, {expected} were declared")
