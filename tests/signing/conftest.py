"""Shared fixtures for the signature tests: the fixed test keys and small models to sign."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from modelfmt.signing import _keys

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def kat() -> dict[str, object]:
    result: dict[str, object] = json.loads((DATA / "kat.json").read_text(encoding="utf-8"))
    return result


@pytest.fixture(scope="session")
def ed_key() -> _keys.PrivateKey:
    return modelfmt.load_private_key(DATA / "test-ed25519.key")


@pytest.fixture(scope="session")
def p256_key() -> _keys.PrivateKey:
    return modelfmt.load_private_key(DATA / "test-p256.key")


@pytest.fixture(scope="session")
def other_key() -> _keys.PrivateKey:
    """A key nobody trusts in these tests."""
    return modelfmt.generate_key()


@pytest.fixture(scope="session")
def model() -> bytes:
    """A small valid unsigned model: three tensors (one bool) and metadata."""
    return modelfmt.save(
        {
            "encoder.weight": np.arange(12, dtype=np.float32).reshape(3, 4),
            "encoder.bias": np.array([1.0, -2.0, 0.5], dtype=np.float16),
            "mask": np.array([True, False, True]),
        },
        metadata={"name": "signing fixture", "version": "1"},
    )


@pytest.fixture
def write(tmp_path: Path) -> Callable[[bytes, str], Path]:
    def write_file(data: bytes, name: str = "model.mf") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write_file
