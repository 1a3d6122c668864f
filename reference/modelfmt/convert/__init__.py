"""Conversion between modelfmt and other model formats: safetensors, numpy, PyTorch checkpoints,
Hugging Face model folders and Keras 3 archives.

    from modelfmt.convert import convert
    convert("model.safetensors", "model.mf")          # source recognised by content
    convert("model.mf", "model.safetensors")          # back: same tensors, same metadata

Nothing from a source file is ever executed, imported or used as a path outside the source; PyTorch
checkpoints (pickles) are read only through `torch.load(weights_only=True)`, see `_pytorch.py`. A
hostile source is refused with a coded `ConversionError` before it can expand beyond a budget (zip and
HDF5 bombs, stride-0 views, pickles of millions of objects), make a walk exponential or endless (shared
references, hard-linked groups, cycles, deep nesting), or reach outside its folder (links, `..`); the
limits are documented beside each check and in SPEC.md §17.16.1-17.16.4.
"""

from ._api import ConversionReport, convert
from ._detect import SOURCE_FORMATS, detect
from ._errors import ConversionError

__all__ = ["SOURCE_FORMATS", "ConversionError", "ConversionReport", "convert", "detect"]
