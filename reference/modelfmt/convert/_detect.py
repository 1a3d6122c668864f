"""Which format a conversion source is, from its content (magic bytes), never from its name.

Files are named by `modelfmt.container._sniff.identify`, the detector `check` also uses to explain a file
that is not modelfmt, so the two never disagree. A directory is a Hugging Face model folder when it holds a
`config.json`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from ..container._sniff import SNIFF_BYTES, identify
from ..format._framing import MAGIC
from ._errors import ConversionError

SOURCE_FORMATS: Final = ("modelfmt", "safetensors", "npy", "npz", "pytorch", "huggingface", "keras")

# _sniff kinds -> source formats. "pickle" is a legacy (pre-zip) PyTorch checkpoint.
_KINDS: Final = {
    "safetensors": "safetensors",
    "npy": "npy",
    "npz": "npz",
    "pytorch": "pytorch",
    "pickle": "pytorch",
    "keras": "keras",
}


def detect(path: Path) -> str:
    """One of SOURCE_FORMATS, or ConversionError saying what the file is instead."""
    if path.is_dir():
        if (path / "config.json").is_file():
            return "huggingface"
        raise ConversionError(f"{path}: a directory without config.json is not a Hugging Face model folder")
    with open(path, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        prefix = stream.read(SNIFF_BYTES)
    if prefix.startswith(MAGIC):
        return "modelfmt"
    finding = identify(prefix, size, path)
    if finding is not None and finding.kind in _KINDS:
        return _KINDS[finding.kind]
    if finding is None and prefix[8:9] == b"{":
        # An 8-byte length then a JSON object: a safetensors file whose length field does not fit the
        # file (truncated, or lying). The safetensors reader names which.
        return "safetensors"
    what = finding.description if finding is not None else "an unrecognised format"
    raise ConversionError(
        f"{path}: {what}; convert reads {', '.join(SOURCE_FORMATS)} (recognised by content, not by name)"
    )
