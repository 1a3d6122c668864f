"""Shared helpers of the interop tests: random tensors of every dtype, raw safetensors files, assertions."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import modelfmt
import numpy as np

# modelfmt dtype -> safetensors dtype, written out independently of the converter's table.
SAFETENSORS_DTYPES = {
    "bool": "BOOL",
    "int8": "I8",
    "int16": "I16",
    "int32": "I32",
    "int64": "I64",
    "uint8": "U8",
    "uint16": "U16",
    "uint32": "U32",
    "uint64": "U64",
    "float16": "F16",
    "bfloat16": "BF16",
    "float32": "F32",
    "float64": "F64",
    "float8_e4m3fn": "F8_E4M3",
    "float8_e5m2": "F8_E5M2",
}


def random_tensor(dtype: str, shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Random bytes viewed as `dtype`: NaN payloads, -0.0 and subnormals all occur; bools are 0/1."""
    entry = modelfmt.DTYPES[dtype]
    count = int(np.prod(shape))
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 256, size=count * entry.block_bytes, dtype=np.uint8)
    if dtype == "bool":
        raw &= 1
    return raw.view(entry.numpy).reshape(shape)


def every_dtype_tensors(seed: int = 0) -> dict[str, np.ndarray]:
    shapes = [(3, 5), (7,), (), (2, 0, 3), (2, 3, 4)]
    return {
        f"t.{dtype}.{index}": random_tensor(dtype, shapes[index % len(shapes)], seed + index)
        for index, dtype in enumerate(modelfmt.DTYPES)
    }


def safetensors_bytes(
    tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None = None, *, pad: bool = True
) -> bytes:
    """A safetensors file written by hand (the library has no numpy bfloat16/float8 path)."""
    header: dict[str, object] = {}
    if metadata is not None:
        header["__metadata__"] = dict(metadata)
    data = b""
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array).tobytes()
        dtype = _safetensors_dtype(array)
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    return raw_safetensors(json.dumps(header, separators=(",", ":")).encode(), data, pad=pad)


def _safetensors_dtype(array: np.ndarray) -> str:
    for name, entry in modelfmt.DTYPES.items():
        if entry.numpy == array.dtype:
            return SAFETENSORS_DTYPES[name]
    raise AssertionError(array.dtype)


def raw_safetensors(header: bytes, data: bytes, *, pad: bool = True) -> bytes:
    if pad:
        header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + data


def assert_same_tensors(actual: Mapping[str, np.ndarray], expected: Mapping[str, np.ndarray]) -> None:
    """Same names in the same order, same dtypes and shapes, identical bytes."""
    assert list(actual) == list(expected)
    for name, array in expected.items():
        got = actual[name]
        assert got.dtype == array.dtype, name
        assert got.shape == array.shape, name
        assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(array).tobytes(), name


def leftovers(directory: Path) -> list[str]:
    """Temporary files a failed write could leave behind."""
    return sorted(path.name for path in directory.iterdir() if path.name.endswith(".partial"))


_CHILD = """
import json, resource, sys
from modelfmt.convert import ConversionError, convert
options = json.loads(sys.argv[3])
if sys.argv[4] == "torch":
    import torch  # what a checkpoint's conversion imports anyway: not counted as its memory
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
baseline = peak()
for source in json.loads(sys.argv[1]):
    try:
        convert(source, sys.argv[2], **options)
        outcome = {"code": "converted", "message": ""}
    except ConversionError as exc:
        outcome = {"code": getattr(exc, "code", "uncoded"), "message": str(exc)}
    print(json.dumps({**outcome, "source": source, "peak": peak(), "growth": peak() - baseline}), flush=True)
"""


def convert_in_child(
    sources: list[Path],
    destination: Path,
    *,
    options: Mapping[str, object] | None = None,
    preload_torch: bool = False,
    timeout: float = 300,
) -> list[dict[str, object]]:
    """Convert each source in a fresh process: for each, its outcome (`code`: a ConversionError code, or
    "converted"; `message`), the process's `peak` memory (RSS) so far, and `growth`, how far that peak
    has risen above the peak after importing modelfmt (and torch, with `preload_torch`), in bytes. The
    timeout is a safety net against a hang, not a measure of speed."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            json.dumps([str(source) for source in sources]),
            str(destination),
            json.dumps(dict(options or {})),
            "torch" if preload_torch else "",
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines()]
