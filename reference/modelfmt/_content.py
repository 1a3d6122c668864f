"""Phase 5 of SPEC.md §13: padding bytes, tensor digests and bool values, checked in parallel.

hashlib releases the GIL while hashing buffers larger than 2 KiB, so threads hash on every core.
Tensors are grouped into a few batches of similar byte size: one task per tensor would cost more in
scheduling than in hashing when a file holds tens of thousands of small tensors.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Final

import numpy as np

from ._errors import error
from ._header import Header, TensorInfo

# Large tensors are hashed in pieces so that progress reports arrive while one tensor is hashed.
_PIECE: Final = 16 * 1024 * 1024
# Batches per worker: enough to balance uneven tensor sizes, few enough that scheduling is free.
_BATCHES_PER_WORKER: Final = 4

Progress = Callable[[int], None]


def worker_count() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def sha256_hex(data: memoryview, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    if len(data) <= _PIECE:
        digest.update(data)
        if progress is not None:
            progress(len(data))
        return digest.hexdigest()
    for start in range(0, len(data), _PIECE):
        piece = data[start : start + _PIECE]
        digest.update(piece)
        if progress is not None:
            progress(len(piece))
    return digest.hexdigest()


def _batches(tensors: Sequence[TensorInfo], workers: int) -> list[list[int]]:
    """Split tensor indices into contiguous batches of roughly equal bytes (plus a per-tensor cost)."""
    if not tensors:
        return []
    per_tensor_cost = 4096  # bytes of hashing that the Python-level work of one tensor costs, roughly
    total = sum(info.length + per_tensor_cost for info in tensors)
    target = max(1, total // (workers * _BATCHES_PER_WORKER))
    batches: list[list[int]] = [[]]
    size = 0
    for index, info in enumerate(tensors):
        if size >= target:
            batches.append([])
            size = 0
        batches[-1].append(index)
        size += info.length + per_tensor_cost
    # Largest first, so that the last batches to finish are short ones.
    batches.sort(key=lambda batch: -sum(tensors[i].length for i in batch))
    return batches


def compute_digests(data: memoryview, tensors: Sequence[TensorInfo], progress: Progress | None = None) -> list[str]:
    """SHA-256 of every tensor's bytes; `data` is the data section. Runs on all cores."""
    digests = [""] * len(tensors)
    lock = threading.Lock()
    report: Progress | None = None
    if progress is not None:
        outer = progress

        def report(count: int) -> None:
            with lock:
                outer(count)

    def run(batch: list[int]) -> None:
        for index in batch:
            info = tensors[index]
            digests[index] = sha256_hex(data[info.offset : info.end], report)

    batches = _batches(tensors, worker_count())
    if len(batches) <= 1 or worker_count() == 1:
        for batch in batches:
            run(batch)
        return digests
    with ThreadPoolExecutor(max_workers=worker_count(), thread_name_prefix="modelfmt-hash") as pool:
        for future in [pool.submit(run, batch) for batch in batches]:
            future.result()
    return digests


def verify(
    header: Header,
    data: memoryview,
    header_padding: bytes,
    progress: Progress | None = None,
) -> None:
    """All of phase 5 for a whole file, errors reported in the order §13 fixes."""
    _check_padding(header_padding, header.data_start - len(header_padding))
    gaps = _first_nonzero_gap(header.tensors, data)
    digests = compute_digests(data, header.tensors, progress)
    for index, info in enumerate(header.tensors):
        if gaps is not None and gaps == index:
            _raise_gap(header, info, index, data)
        if digests[index] != info.sha256:
            raise_digest_mismatch(header, info, digests[index])
        if info.dtype == "bool":
            check_bool(header, info, data)


def verify_one(header: Header, index: int, data: memoryview) -> None:
    """Phase 5 for one tensor: its leading gap, its digest, its bool values."""
    info = header.tensors[index]
    previous_end = header.tensors[index - 1].end if index else 0
    if any(data[previous_end : info.offset]):
        _raise_gap(header, info, index, data)
    digest = sha256_hex(data[info.offset : info.end])
    if digest != info.sha256:
        raise_digest_mismatch(header, info, digest)
    if info.dtype == "bool":
        check_bool(header, info, data)


def _check_padding(padding: bytes, file_offset: int) -> None:
    stripped = padding.lstrip(b"\x00")
    if stripped:
        offset = file_offset + len(padding) - len(stripped)
        raise error("PADDING_NOT_ZERO", "header padding byte is not 0x00", offset=offset)


def _first_nonzero_gap(tensors: Sequence[TensorInfo], data: memoryview) -> int | None:
    """Index of the first tensor whose leading gap has a non-zero byte, found with vectorised numpy."""
    if len(tensors) < 2:
        return None
    ends = np.fromiter((info.end for info in tensors[:-1]), dtype=np.int64, count=len(tensors) - 1)
    starts = np.fromiter((info.offset for info in tensors[1:]), dtype=np.int64, count=len(tensors) - 1)
    widths = starts - ends
    total = int(widths.sum())
    if total == 0:
        return None
    # Every gap byte's position: ends repeated by width, plus 0..width-1 within each gap.
    positions = np.repeat(ends, widths) + (np.arange(total) - np.repeat(np.cumsum(widths) - widths, widths))
    values = np.frombuffer(data, dtype=np.uint8)[positions]
    nonzero = np.flatnonzero(values)
    if nonzero.size == 0:
        return None
    first_position = int(positions[nonzero[0]])
    return int(np.searchsorted(starts, first_position, side="right")) + 1


def _raise_gap(header: Header, info: TensorInfo, index: int, data: memoryview) -> None:
    previous_end = header.tensors[index - 1].end if index else 0
    gap = bytes(data[previous_end : info.offset])
    position = previous_end + len(gap) - len(gap.lstrip(b"\x00"))
    raise error(
        "PADDING_NOT_ZERO",
        f"padding before tensor `{info.name}` is not zero",
        offset=header.data_start + position,
        tensor=info.name,
    )


def raise_digest_mismatch(header: Header, info: TensorInfo, actual: str) -> None:
    raise error(
        "DIGEST_MISMATCH",
        f"tensor `{info.name}` is corrupt: SHA-256 {actual[:16]}… differs from the header's {info.sha256[:16]}…",
        offset=header.data_start + info.offset,
        tensor=info.name,
        hint="the file was damaged or altered after it was written; fetch it again",
    )


def check_bool(header: Header, info: TensorInfo, data: memoryview) -> None:
    values = np.frombuffer(data, dtype=np.uint8, count=info.length, offset=info.offset) if info.length else None
    if values is None:
        return
    bad = np.flatnonzero(values > 1)
    if bad.size:
        raise error(
            "BOOL_VALUE",
            f"bool tensor `{info.name}` holds byte {int(values[bad[0]]):#04x}; bool bytes are 0x00 or 0x01",
            offset=header.data_start + info.offset + int(bad[0]),
            tensor=info.name,
        )
