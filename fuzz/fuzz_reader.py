"""Fuzz the reader, every phase (SPEC.md §13): `load` on bytes, `safe_open` and `read_header` on a file.

The three entry points share the structure phases but differ in how they read (a memory view, pread,
a memory map), so each gets the same input.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import _harness

with _harness.instrumented():
    import modelfmt

_FILE = _harness.scratch_directory() / "input.mf"


def one_input(data: bytes) -> None:
    _FILE.write_bytes(data)
    for verify in (False, True):
        with contextlib.suppress(modelfmt.ModelfmtError):
            modelfmt.load(data, verify=verify)
    with contextlib.suppress(modelfmt.ModelfmtError):
        modelfmt.read_header(_FILE)
    with modelfmt.safe_open(_FILE) as handle:
        for name in handle:
            handle.get_tensor(name)
        assert isinstance(handle.metadata, Mapping) and isinstance(handle.metadata(), dict | None)


if __name__ == "__main__":
    _harness.main(one_input)
