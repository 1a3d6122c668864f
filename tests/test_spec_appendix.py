"""SPEC.md Appendix A is the reference writer's output, byte for byte, and every byte of its dump is right."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import modelfmt
import numpy as np

SPEC = (Path(__file__).resolve().parents[1] / "SPEC.md").read_text(encoding="utf-8")
APPENDIX = SPEC[SPEC.index("## Appendix A") :]


def _dump_bytes() -> bytes:
    """The bytes of the annotated dump: each line `OFFSET  HEX HEX ...  meaning`, offsets contiguous."""
    data = bytearray()
    for line in APPENDIX.splitlines():
        match = re.match(r"^([0-9a-f]{6})  ((?:[0-9a-f]{2} )*[0-9a-f]{2})(?:\s|$)", line)
        if match is None:
            continue
        assert int(match.group(1), 16) == len(data), f"dump offset {match.group(1)} is not contiguous"
        data += bytes.fromhex(match.group(2))
    return bytes(data)


def _example() -> bytes:
    tensors = {"w": np.array([1.0, -2.0], dtype=np.float32), "mask": np.array([True, False, True])}
    return modelfmt.save(tensors, metadata={"name": "tiny"}, roles={"mask": "buffer"})


def test_appendix_dump_is_what_the_reference_writer_produces() -> None:
    assert _dump_bytes() == _example()


def test_appendix_check_value_and_header() -> None:
    data = _example()
    assert hashlib.sha256(data).hexdigest() in APPENDIX
    header_line = next(line for line in APPENDIX.splitlines() if line.startswith('{"metadata"'))
    assert data[24 : 24 + len(header_line)] == header_line.encode("utf-8")
    assert modelfmt.load(data)["w"].tolist() == [1.0, -2.0]
