"""Save a small network's weights as modelfmt, then read them back three ways.

    python examples/quickstart.py mlp.mf
    modelfmt check mlp.mf
    modelfmt inspect mlp.mf
"""

from __future__ import annotations

import sys

import numpy as np

import modelfmt


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


def main(path: str) -> None:
    weights = build_weights()
    buffers = {name: "buffer" for name in weights if name.startswith("bn1.running") or name.endswith("tracked")}
    modelfmt.save_file(
        weights,
        path,
        metadata={"name": "quickstart-mlp", "version": "1.0", "license": "CC0-1.0", "authors": ["modelfmt"]},
        roles=buffers,
    )
    # 1. Everything at once; every digest is checked before any tensor is returned.
    loaded = modelfmt.load_file(path)
    assert all(np.array_equal(loaded[name], weights[name]) for name in weights)
    # 2. Lazily, zero-copy over a memory map; a tensor's digest is checked on first access.
    with modelfmt.safe_open(path) as f:
        print(f"{path}: {len(f.keys())} tensors, metadata {dict(f.metadata)}")
        print("fc1.weight", f.get_tensor("fc1.weight").shape)
    # 3. A damaged copy is refused with a stable error code, never loaded silently.
    data = bytearray(open(path, "rb").read())
    data[-1] ^= 0x01
    try:
        modelfmt.load(bytes(data))
    except modelfmt.IntegrityError as error:
        print(f"damaged copy refused: {error.code}: {error}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "mlp.mf")
