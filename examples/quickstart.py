"""Save a small network (weights and architecture) as modelfmt, read it back, and run it without a framework.

python examples/quickstart.py mlp.mf
modelfmt check mlp.mf
modelfmt inspect mlp.mf
"""

from __future__ import annotations

import sys

import modelfmt
import numpy as np


def build_weights(seed: int = 0) -> dict[str, np.ndarray]:
    """A 784-256-10 MLP with batch norm, as a framework would hold it (PyTorch layouts: Linear [out, in])."""
    rng = np.random.default_rng(seed)
    return {
        "fc1.weight": rng.standard_normal((256, 784), dtype=np.float32) * 0.05,
        "fc1.bias": np.zeros(256, dtype=np.float32),
        "bn1.weight": np.ones(256, dtype=np.float32),
        "bn1.bias": np.zeros(256, dtype=np.float32),
        "bn1.running_mean": rng.standard_normal(256, dtype=np.float32) * 0.1,
        "bn1.running_var": np.ones(256, dtype=np.float32),
        "bn1.num_batches_tracked": np.array(1200, dtype=np.int64),
        "fc2.weight": rng.standard_normal((10, 256), dtype=np.float32) * 0.05,
        "fc2.bias": np.zeros(10, dtype=np.float32),
    }


# The network itself, as data: ops from the closed op set of SPEC.md §10, bound to tensors by name.
ARCHITECTURE = {
    "opset": {"modelfmt.core": 1},
    "inputs": [{"name": "x", "dtype": "float32", "shape": ["batch", 784]}],
    "outputs": [{"name": "logits", "dtype": "float32", "shape": ["batch", 10]}],
    "nodes": [
        {
            "name": "fc1",
            "op": "Linear",
            "inputs": ["x"],
            "outputs": ["h1"],
            "attributes": {"in_features": 784, "out_features": 256},
            "parameters": {"weight": "fc1.weight", "bias": "fc1.bias"},
        },
        {
            "name": "bn1",
            "op": "BatchNorm1d",
            "inputs": ["h1"],
            "outputs": ["h2"],
            "attributes": {"num_features": 256},
            "parameters": {
                "weight": "bn1.weight",
                "bias": "bn1.bias",
                "running_mean": "bn1.running_mean",
                "running_var": "bn1.running_var",
            },
        },
        {"name": "act", "op": "ReLU", "inputs": ["h2"], "outputs": ["h3"]},
        {
            "name": "fc2",
            "op": "Linear",
            "inputs": ["h3"],
            "outputs": ["logits"],
            "attributes": {"in_features": 256, "out_features": 10},
            "parameters": {"weight": "fc2.weight", "bias": "fc2.bias"},
        },
    ],
}


def reference_forward(weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The same network written out by hand, to show the file means what it says."""
    h = x @ weights["fc1.weight"].T + weights["fc1.bias"]
    h = (h - weights["bn1.running_mean"]) / np.sqrt(weights["bn1.running_var"] + 1e-5)
    h = np.maximum(h * weights["bn1.weight"] + weights["bn1.bias"], 0)
    return h @ weights["fc2.weight"].T + weights["fc2.bias"]


def main(path: str) -> None:
    weights = build_weights()
    buffers = {name: "buffer" for name in weights if name.startswith("bn1.running") or name.endswith("tracked")}
    modelfmt.save_file(
        weights,
        path,
        metadata={"name": "quickstart-mlp", "version": "1.0", "license": "CC0-1.0", "authors": ["modelfmt"]},
        roles=buffers,
        architecture=ARCHITECTURE,
    )
    # 1. Everything at once; every digest is checked before any tensor is returned.
    loaded = modelfmt.load_file(path)
    assert all(np.array_equal(loaded[name], weights[name]) for name in weights)
    # 2. Lazily, zero-copy over a memory map; a tensor's digest is checked on first access.
    with modelfmt.safe_open(path) as f:
        print(f"{path}: {len(f.keys())} tensors, metadata {dict(f.metadata)}")
        print("fc1.weight", f.get_tensor("fc1.weight").shape)
    # 3. Run the network from the file alone: no framework, no code from the file.
    x = np.random.default_rng(1).standard_normal((4, 784), dtype=np.float32)
    logits = modelfmt.run(path, {"x": x})["logits"]
    assert np.allclose(logits, reference_forward(weights, x), rtol=1e-5, atol=1e-5)
    print("run: logits", logits.shape, "match the hand-written forward pass")
    # 4. A damaged copy is refused with a stable error code, never loaded silently.
    with open(path, "rb") as stream:
        data = bytearray(stream.read())
    data[-1] ^= 0x01
    try:
        modelfmt.load(bytes(data))
    except modelfmt.IntegrityError as error:
        print(f"damaged copy refused: {error.code}: {error}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "mlp.mf")
