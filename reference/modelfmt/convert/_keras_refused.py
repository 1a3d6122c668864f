"""Keras layers that are known and refused: the reason names what modelfmt.core version 1 lacks.

A refusal says why (the op a layer needs, or that it holds code), so that a user knows whether to wait
for a later op set, rewrite the layer, or keep only the weights (`--weights-only`). The table is data;
a class in neither this table nor the converters' gets the generic refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

_NEEDS: Final = "needs {op}, which modelfmt.core version 1 does not have"

MASKING: Final = (
    "masking (Masking, Embedding mask_zero=True) skips steps per sample, which needs a per-step mask or "
    "sequence lengths in the recurrent and attention ops; modelfmt.core version 1 has neither"
)

# Layers whose inference output depends on a Keras mask of their input: they read it in `call` (the
# signature's `mask`, or MultiHeadAttention's masks taken from its inputs, which a functional config does
# not record). A masked value reaching one is refused; every other supported layer ignores the mask, so
# a mask that reaches none of these changes nothing. (BatchNormalization reads it only while training.)
MASK_READERS: Final = frozenset(
    {
        "GlobalAveragePooling1D",
        "SimpleRNN",
        "LSTM",
        "GRU",
        "Bidirectional",
        "Attention",
        "AdditiveAttention",
        "MultiHeadAttention",
        "TimeDistributed",
        "Softmax",
    }
)

# class -> the op (or ops) it needs
_MISSING_OPS: Final[Mapping[str, str]] = {
    "ELU": "an ELU op",
    "PReLU": "a PReLU op",
    "Softplus": "a Softplus op",
    "Conv1DTranspose": "a ConvTranspose op",
    "Conv2DTranspose": "a ConvTranspose op",
    "Conv3DTranspose": "a ConvTranspose op",
    "Conv3D": "a Conv3d op",
    "MaxPooling3D": "a MaxPool3d op",
    "AveragePooling3D": "an AvgPool3d op",
    "GlobalAveragePooling3D": "3-D pooling ops",
    "GlobalMaxPooling3D": "3-D pooling ops",
    "UpSampling3D": "a Resize op",
    "ZeroPadding3D": "a Pad op",
    "Cropping3D": "5-D slicing in channels-first ops",
    "LocallyConnected1D": "unshared convolution weights",
    "LocallyConnected2D": "unshared convolution weights",
    "ConvLSTM1D": "a ConvLSTM op",
    "ConvLSTM2D": "a ConvLSTM op",
    "ConvLSTM3D": "a ConvLSTM op",
    "GroupNormalization": "a GroupNorm op",
    "UnitNormalization": "a Sqrt op (L2 normalisation)",
    "SpectralNormalization": "a power-iteration op",
    "Discretization": "a Bucketize op",
    "CategoryEncoding": "a OneHot op",
    "Hashing": "a hashing op",
    "StringLookup": "string tensors",
    "IntegerLookup": "a lookup-table op",
    "TextVectorization": "string tensors",
}

_CODE: Final = (
    "a Lambda layer holds Python code, which is never run or converted (rewrite it with supported layers, "
    "or convert with weights only)"
)


def refusal(kind: str) -> str | None:
    """Why the layer class `kind` is refused, or None for a class this table does not know."""
    if kind == "Lambda":
        return _CODE
    if kind == "Masking":
        return MASKING
    op = _MISSING_OPS.get(kind)
    return _NEEDS.format(op=op) if op is not None else None
