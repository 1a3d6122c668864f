"""Build the seed corpora of the harnesses from the conformance vectors (and a few generated sources).

    python fuzz/seed.py [--out fuzz/corpus]

writes one folder per harness (`reader/`, `json/`, ...) under `--out`, which is git-ignored: corpora
grow during a campaign and are never committed. The vectors are found through
`conformance/manifest.json`. Needs the package importable (PYTHONPATH=reference); torch is used for
PyTorch checkpoint seeds when installed.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

import _sources
import numpy as np

FUZZ = Path(__file__).resolve().parent
CONFORMANCE = FUZZ.parent / "conformance"
TARGETS = ("json", "reader", "signatures", "graph", "runtime", "convert", "convert_parts")
_PREAMBLE = struct.Struct("<8sHHIQ")
_TRAILER_SIZE = 16  # body length and end magic
_SIGNATURE_END_MAGIC = b"\x89MFS\r\n\x1a\n"


def _vectors(kind: str) -> Iterator[tuple[str, bytes]]:
    manifest = json.loads((CONFORMANCE / "manifest.json").read_text(encoding="utf-8"))
    for vector in manifest["vectors"]:
        path = vector.get("path", "")
        if vector["kind"] == kind and path.endswith(".mf"):
            yield vector["id"], (CONFORMANCE / path).read_bytes()


def _header(data: bytes) -> bytes | None:
    if len(data) < _PREAMBLE.size:
        return None
    length = _PREAMBLE.unpack_from(data)[4]
    return data[_PREAMBLE.size : _PREAMBLE.size + length]


def _signature_body(data: bytes) -> bytes | None:
    if not data.endswith(_SIGNATURE_END_MAGIC) or len(data) < _TRAILER_SIZE:
        return None
    (length,) = struct.unpack_from("<Q", data, len(data) - _TRAILER_SIZE)
    start = len(data) - _TRAILER_SIZE - length
    return data[start : len(data) - _TRAILER_SIZE] if start >= 0 else None


def _graph_input(header: bytes) -> bytes | None:
    try:
        document = json.loads(header)
    except ValueError:
        return None
    if not isinstance(document, dict) or "architecture" not in document:
        return None
    rows = document.get("tensors")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        return None
    keep = ("name", "dtype", "shape", "role")
    tensors = [{key: row[key] for key in keep if key in row} for row in rows]
    return json.dumps({"architecture": document["architecture"], "tensors": tensors}).encode("utf-8")


def _all_files() -> list[tuple[str, bytes]]:
    return [*_vectors("read"), *_vectors("verify")]


def seeds_json() -> Iterator[tuple[str, bytes]]:
    for name, data in _all_files():
        header = _header(data)
        if header:
            yield name, header


def seeds_reader() -> Iterator[tuple[str, bytes]]:
    yield from _all_files()


def seeds_signatures() -> Iterator[tuple[str, bytes]]:
    for name, data in _all_files():
        body = _signature_body(data)
        if body is not None:
            yield name, data
            yield name + ".body", body


def seeds_graph() -> Iterator[tuple[str, bytes]]:
    for name, data in _vectors("read"):
        header = _header(data)
        graph = _graph_input(header) if header else None
        if graph is not None:
            yield name, graph


def _valid_files() -> Iterator[tuple[str, bytes]]:
    """A few valid modelfmt files: `convert` reads modelfmt too (to safetensors by default)."""
    chosen = ("valid.container.appendix-a", "valid.dtype.all-scalars", "valid.dtype.bfloat16", "valid.graph.base")
    for name, data in _vectors("read"):
        if name in chosen:
            yield name, data


def _torch_checkpoints() -> Iterator[tuple[str, bytes]]:
    try:
        import torch  # noqa: PLC0415 (optional: the seeds are built without it too)
    except ImportError:
        print("seed.py: torch is not installed; no PyTorch checkpoint seeds", file=sys.stderr)
        return
    checkpoints = {
        "tensor": torch.arange(4, dtype=torch.float32),
        "state-dict": {"layer.weight": torch.ones(2, 3), "layer.bias": torch.zeros(2), "steps": 3},
        "nested": {"model": {"w": torch.arange(6, dtype=torch.int64).reshape(2, 3)}, "lr": 0.1, "name": "x"},
        "dtypes": {"h": torch.ones(2, dtype=torch.float16), "b": torch.ones(2, dtype=torch.bool)},
    }
    for name, value in checkpoints.items():
        for zipped in (True, False):
            buffer = io.BytesIO()
            torch.save(value, buffer, _use_new_zipfile_serialization=zipped)
            yield f"pytorch-{name}{'' if zipped else '-legacy'}", buffer.getvalue()


def _torch_pickles() -> Iterator[tuple[str, bytes]]:
    import zipfile  # noqa: PLC0415

    for name, data in _torch_checkpoints():
        if name.endswith("-legacy"):
            continue
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            (pickle_name,) = [member for member in archive.namelist() if member.endswith("/data.pkl")]
            yield name, archive.read(pickle_name)


def _arrays() -> Iterator[tuple[str, np.ndarray]]:
    yield "float32", np.arange(6, dtype=np.float32).reshape(2, 3)
    yield "int64", np.arange(4, dtype=np.int64)
    yield "bool", np.array([True, False])
    yield "float16-fortran", np.asfortranarray(np.ones((2, 2), dtype=np.float16))
    yield "scalar", np.array(3.5)
    yield "empty", np.zeros((0, 3), dtype=np.uint8)
    yield "big-endian", np.arange(3, dtype=">i4")


def seeds_convert() -> Iterator[tuple[str, bytes]]:
    arrays = dict(_arrays())
    for name, array in arrays.items():
        yield f"npy-{name}", _sources.npy_bytes(array)
    yield "npz", _sources.zip_bytes({f"{name}.npy": _sources.npy_bytes(array) for name, array in arrays.items()})
    yield "safetensors-bert", _sources.bert_weights()
    yield "safetensors-small", _sources.safetensors_bytes({"w": _sources.ramp((2, 2)), "b": _sources.ramp((2,))})
    yield "keras-dense", _sources.keras_archive(_sources.KERAS_CONFIG.read_bytes(), _sources.keras_weights())
    yield from _torch_checkpoints()
    yield from _valid_files()


def seeds_convert_parts() -> Iterator[tuple[str, bytes]]:
    for name, array in _arrays():
        yield f"npz-{name}", b"n" + _sources.npy_bytes(array)
    for name, pickle in _torch_pickles():
        yield name, b"p" + pickle
    yield "keras-dense", b"k" + _sources.KERAS_CONFIG.read_bytes()
    yield "bert", b"h" + json.dumps(_sources.BERT_CONFIG).encode()
    roberta = {**_sources.BERT_CONFIG, "model_type": "roberta", "pad_token_id": 1}
    yield "roberta", b"h" + json.dumps(roberta).encode()
    yield "unknown-model", b"h" + json.dumps({"model_type": "gpt2"}).encode()


SEEDS = {
    "json": seeds_json,
    "reader": seeds_reader,
    "signatures": seeds_signatures,
    "graph": seeds_graph,
    "runtime": seeds_graph,
    "convert": seeds_convert,
    "convert_parts": seeds_convert_parts,
}


def write_corpus(target: str, folder: Path, *, sample: int | None = None) -> int:
    """Write the seeds of `target` into `folder`, one file per distinct seed; returns how many.

    `sample` keeps at most that many, evenly spread over the vectors (for short runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds = list(SEEDS[target]())
    if sample is not None and len(seeds) > sample:
        seeds = seeds[:: -(-len(seeds) // sample)]
    written = set()
    for name, data in seeds:
        digest = hashlib.sha1(data).hexdigest()
        if digest not in written:
            (folder / f"seed-{name}-{digest[:8]}").write_bytes(data)
            written.add(digest)
    return len(written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=FUZZ / "corpus", help="where the corpus folders go")
    parser.add_argument("--sample", type=int, help="at most this many seeds per harness (short runs)")
    parser.add_argument("targets", nargs="*", help=f"harnesses to seed (default: all of {', '.join(TARGETS)})")
    options = parser.parse_args()
    unknown = set(options.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    for target in options.targets or TARGETS:
        count = write_corpus(target, options.out / target, sample=options.sample)
        print(f"{target}: {count} seeds in {options.out / target}")


if __name__ == "__main__":
    main()
