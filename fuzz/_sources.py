"""Source files for the converter harnesses and their seeds, built without the libraries that write them.

`fuzz_convert_parts.py` wraps a fuzzed part in these containers; `seed.py` builds whole-file seeds
with the same code, so the two agree on every fixed companion (weights, storages, metadata).
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
from pathlib import Path
from typing import Final

import numpy as np

SEEDS: Final = Path(__file__).resolve().parent / "seeds"
KERAS_CONFIG: Final = SEEDS / "keras-dense.config.json"  # keras 3 wrote it for Sequential([Input((3,)), Dense(2)])

# The tiny BERT whose weights every Hugging Face input is converted with (seed configs agree with it).
BERT: Final = {"hidden": 4, "intermediate": 8, "layers": 2, "vocab": 16, "positions": 16, "token_types": 2}
BERT_CONFIG: Final = {
    "model_type": "bert",
    "hidden_size": BERT["hidden"],
    "num_attention_heads": 2,
    "num_hidden_layers": BERT["layers"],
    "intermediate_size": BERT["intermediate"],
    "vocab_size": BERT["vocab"],
    "max_position_embeddings": BERT["positions"],
    "type_vocab_size": BERT["token_types"],
    "hidden_act": "gelu",
    "layer_norm_eps": 1e-12,
}

KERAS_METADATA: Final = json.dumps({"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}).encode()
# A torch.save zip without its data.pkl; every storage the pickle may name is 64 bytes long.
TORCH_FIXED: Final = {
    "archive/.format_version": b"1",
    "archive/.storage_alignment": b"64",
    "archive/byteorder": b"little",
    **{f"archive/data/{key}": bytes(range(64)) for key in range(4)},
    "archive/version": b"3\n",
}
TORCH_PICKLE: Final = "archive/data.pkl"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def ramp(shape: tuple[int, ...]) -> np.ndarray:
    return ((np.arange(math.prod(shape)) % 7 - 3) * 0.125).astype(np.float32).reshape(shape)


def keras_weights() -> bytes:
    """`model.weights.h5` of the Dense layer of KERAS_CONFIG, laid out as Keras 3 writes it."""
    import h5py  # noqa: PLC0415 (the keras extra; only the converter harnesses need it)

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as weights:
        weights.create_group("vars").attrs["name"] = "sequential"
        dense = weights.create_group("layers/dense/vars")
        dense.attrs["name"] = "dense"
        dense["0"] = ramp((3, 2))
        dense["1"] = ramp((2,))
    return buffer.getvalue()


def keras_archive(config: bytes, weights: bytes) -> bytes:
    return zip_bytes({"metadata.json": KERAS_METADATA, "config.json": config, "model.weights.h5": weights})


def bert_shapes() -> dict[str, tuple[int, ...]]:
    """The tensors of a Hugging Face BertModel checkpoint of size BERT."""
    h, i = BERT["hidden"], BERT["intermediate"]
    shapes: dict[str, tuple[int, ...]] = {
        "embeddings.word_embeddings.weight": (BERT["vocab"], h),
        "embeddings.position_embeddings.weight": (BERT["positions"], h),
        "embeddings.token_type_embeddings.weight": (BERT["token_types"], h),
        "embeddings.LayerNorm.weight": (h,),
        "embeddings.LayerNorm.bias": (h,),
        "pooler.dense.weight": (h, h),
        "pooler.dense.bias": (h,),
    }
    for index in range(BERT["layers"]):
        at = f"encoder.layer.{index}"
        for name, out_features, in_features in (
            ("attention.self.query", h, h),
            ("attention.self.key", h, h),
            ("attention.self.value", h, h),
            ("attention.output.dense", h, h),
            ("intermediate.dense", i, h),
            ("output.dense", h, i),
        ):
            shapes[f"{at}.{name}.weight"] = (out_features, in_features)
            shapes[f"{at}.{name}.bias"] = (out_features,)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes[f"{at}.{norm}.weight"] = (h,)
            shapes[f"{at}.{norm}.bias"] = (h,)
    return shapes


def safetensors_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A safetensors file of float32 arrays, written by hand (8-byte length, JSON header, data)."""
    header: dict[str, object] = {}
    data = bytearray()
    for name, array in arrays.items():
        raw = array.astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    encoded = json.dumps(header).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    return struct.pack("<Q", len(encoded)) + encoded + bytes(data)


def bert_weights() -> bytes:
    return safetensors_bytes({name: ramp(shape) for name, shape in bert_shapes().items()})


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()
