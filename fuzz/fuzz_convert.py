"""Fuzz the converters on whole source files (`modelfmt.convert.convert`, README: Convert existing models).

The input is written to a file without an extension: `convert` recognises the format by content, so
one corpus covers safetensors, .npy, .npz, PyTorch checkpoints (zip and legacy pickle), Keras archives
and modelfmt itself. Zip members carry CRCs, so mutations rarely get past a zip's directory here;
`fuzz_convert_parts.py` reaches the members' parsers.
"""

from __future__ import annotations

import _harness

with _harness.instrumented():
    import modelfmt.convert._pytorch  # noqa: F401 (convert imports it lazily; imported here to be instrumented)
    from modelfmt.convert import convert

_SCRATCH = _harness.scratch_directory()
_SOURCE = _SCRATCH / "source"
_DESTINATION = _SCRATCH / "converted.mf"


def one_input(data: bytes) -> None:
    _SOURCE.write_bytes(data)
    _DESTINATION.unlink(missing_ok=True)
    convert(_SOURCE, _DESTINATION)


if __name__ == "__main__":
    _harness.main(one_input)
