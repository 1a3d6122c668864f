"""Benchmark modelfmt against safetensors (numpy and torch APIs) and numpy `.npz`, as ratios in one run.

    python bench/run.py [--quick] [--repeat N] [--out DIR] [--workdir DIR] [--keep] [--only big|many]
                        [--wait-idle SECONDS]

Two models are generated deterministically into a temporary directory (never into the repository):
"big", a transformer-like model of about 1 GiB float32 in about 200 tensors, and "many", 20,000 small
tensors of about 100 MB in all. Each is written as modelfmt, safetensors and uncompressed `.npz`.
Every measurement runs warm (one untimed warm-up first), contenders interleaved run by run, and
reports the median. See bench/README.md for what each row measures and the target of each row.

Ratios are the point; absolute times are context. Nothing here belongs in a test: timed assertions flake.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import hashlib
import json
import mmap
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import modelfmt
import numpy as np
import safetensors
import safetensors.numpy
import safetensors.torch
import torch
from modelfmt.diagnose._check import check_file

Tensors = dict[str, np.ndarray]

SEED = 20240601
# Operations faster than this are repeated at least FAST_REPEAT times: a median of 5 is noise at 2 ms.
FAST_SECONDS = 0.05
FAST_REPEAT = 21
# One element every 1024 bytes touches every 4 KiB page of a tensor wherever the tensor starts.
TOUCH_STRIDE_BYTES = 1024


# ---- models ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelShape:
    """A GPT-2-like decoder: token and position embeddings, then per layer two layer norms, a fused
    QKV projection, an output projection, an MLP up and down projection (weights and biases)."""

    layers: int
    hidden: int
    vocab: int
    context: int

    def tensors(self) -> Iterator[tuple[str, tuple[int, ...], str]]:
        """(name, shape, init) in file order; init is "normal", "ones" or "zeros"."""
        h = self.hidden
        yield "wte.weight", (self.vocab, h), "normal"
        yield "wpe.weight", (self.context, h), "normal"
        for layer in range(self.layers):
            prefix = f"h.{layer}"
            yield f"{prefix}.ln_1.weight", (h,), "ones"
            yield f"{prefix}.ln_1.bias", (h,), "zeros"
            yield f"{prefix}.attn.qkv.weight", (3 * h, h), "normal"
            yield f"{prefix}.attn.qkv.bias", (3 * h,), "normal"
            yield f"{prefix}.attn.out.weight", (h, h), "normal"
            yield f"{prefix}.attn.out.bias", (h,), "normal"
            yield f"{prefix}.ln_2.weight", (h,), "ones"
            yield f"{prefix}.ln_2.bias", (h,), "zeros"
            yield f"{prefix}.mlp.up.weight", (4 * h, h), "normal"
            yield f"{prefix}.mlp.up.bias", (4 * h,), "normal"
            yield f"{prefix}.mlp.down.weight", (h, 4 * h), "normal"
            yield f"{prefix}.mlp.down.bias", (h,), "normal"
        yield "ln_f.weight", (h,), "ones"
        yield "ln_f.bias", (h,), "zeros"


BIG = ModelShape(layers=16, hidden=1024, vocab=50304, context=2048)  # 196 tensors, 0.95 GiB
BIG_QUICK = ModelShape(layers=4, hidden=256, vocab=8192, context=512)  # 52 tensors, 16 MiB
MANY_COUNT, MANY_COUNT_QUICK = 20_000, 2_000


def make_big(shape: ModelShape) -> Tensors:
    rng = np.random.default_rng(SEED)
    tensors: Tensors = {}
    for name, dims, init in shape.tensors():
        if init == "ones":
            tensors[name] = np.ones(dims, dtype=np.float32)
        elif init == "zeros":
            tensors[name] = np.zeros(dims, dtype=np.float32)
        else:
            array = rng.standard_normal(dims, dtype=np.float32)
            array *= 0.02
            tensors[name] = array
    return tensors


def make_many(count: int) -> Tensors:
    """`count` small tensors of about 5 KB each (mostly float32, some float16 and int64), ~100 MB for 20,000."""
    rng = np.random.default_rng(SEED + 1)
    shapes: tuple[tuple[int, ...], ...] = ((32, 40), (1280,), (8, 10, 16))
    tensors: Tensors = {}
    for index in range(count):
        kind = index % 4
        dims = shapes[kind] if kind < 3 else (int(rng.integers(1, 2561)),)
        name = f"blocks.{index // 10}.part{index % 10}.{'weight' if kind != 1 else 'bias'}"
        if index % 50 == 7:
            tensors[name] = rng.integers(-(2**40), 2**40, size=dims, dtype=np.int64)
        elif index % 10 == 3:
            tensors[name] = rng.standard_normal(dims, dtype=np.float32).astype(np.float16)
        else:
            tensors[name] = rng.standard_normal(dims, dtype=np.float32)
    return tensors


@dataclass
class ModelFiles:
    label: str
    tensor_count: int
    data_bytes: int
    modelfmt: Path
    safetensors: Path
    npz: Path
    one_tensor: str  # the mid-sized tensor read by the safe_open measurement


def pick_mid_sized(tensors: Tensors) -> str:
    """The tensor whose byte size is nearest (on a log scale) the mean: a 4 MiB matrix in "big"."""
    mean = sum(array.nbytes for array in tensors.values()) / max(1, len(tensors))
    return min(tensors, key=lambda name: abs(np.log(max(tensors[name].nbytes, 1) / mean)))


# ---- timing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    repeat: int  # timed runs per contender
    wait_idle: float  # before each round, wait up to this many seconds for the other processes to go quiet


@dataclass
class Timing:
    name: str
    samples: list[float] = field(default_factory=list)
    # Share of the machine's CPU that other processes used during each sample (None: not measurable).
    foreign_load: list[float | None] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def median_foreign_load(self) -> float | None:
        loads = [load for load in self.foreign_load if load is not None]
        return statistics.median(loads) if loads else None


class CpuMeter:
    """How busy the machine was with other processes over an interval: /proc/stat's busy time minus
    this process's own CPU time (and its children's), as a share of all cores. Linux only."""

    def __init__(self) -> None:
        self._cpus = os.cpu_count() or 1
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def sample(self) -> tuple[float, float, float] | None:
        try:
            with open("/proc/stat") as stat:
                fields = [int(value) for value in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        busy = (sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)) / self._tick
        own = os.times()
        return time.monotonic(), busy, own.user + own.system + own.children_user + own.children_system

    def foreign(self, start: tuple[float, float, float] | None, end: tuple[float, float, float] | None) -> float | None:
        if start is None or end is None or end[0] <= start[0]:
            return None
        other = (end[1] - start[1]) - (end[2] - start[2])
        return max(0.0, min(1.0, other / ((end[0] - start[0]) * self._cpus)))

    def wait_for_idle(self, max_seconds: float, *, threshold: float = 0.10, window: float = 0.5) -> None:
        """Return once two consecutive windows show other processes below `threshold`, or after `max_seconds`."""
        deadline = time.monotonic() + max_seconds
        quiet = 0
        while quiet < 2 and time.monotonic() < deadline:
            start = self.sample()
            time.sleep(window)
            load = self.foreign(start, self.sample())
            if load is None:
                return
            quiet = quiet + 1 if load < threshold else 0


METER = CpuMeter()


def compare(
    contenders: dict[str, Callable[[], object]],
    config: Config,
    *,
    before: Callable[[str], None] | None = None,
) -> dict[str, Timing]:
    """Time each contender `config.repeat` times, interleaved (A B C A B C ...), each in a fresh state.

    Before every run: the previous result is dropped, `gc.collect()` runs, and `before(name)` (untimed)
    prepares the state, e.g. removes the file a save will write. One untimed warm-up per contender first.
    With `config.wait_idle`, each round waits (up to that long) for other processes to go quiet; the CPU
    share other processes took during each run is recorded either way.
    """
    timings = {name: Timing(name) for name in contenders}

    def run_once(name: str) -> tuple[float, float | None]:
        gc.collect()
        if before is not None:
            before(name)
        meter_start = METER.sample()
        start = time.perf_counter()
        result = contenders[name]()
        elapsed = time.perf_counter() - start
        foreign = METER.foreign(meter_start, METER.sample())
        del result
        gc.collect()
        return elapsed, foreign

    first = {name: run_once(name)[0] for name in contenders}
    runs = config.repeat
    if max(first.values()) < FAST_SECONDS:
        runs = max(runs, FAST_REPEAT)
    for _ in range(runs):
        if config.wait_idle > 0:
            METER.wait_for_idle(config.wait_idle)
        for name in contenders:
            elapsed, foreign = run_once(name)
            timings[name].samples.append(elapsed)
            timings[name].foreign_load.append(foreign)
    return timings


# ---- the operations -------------------------------------------------------------------------------------


def warm_memory(size: int) -> None:
    """Touch and free `size` bytes just before a timed run that allocates about as much (untimed).

    On a virtual machine whose host reclaims the guest's free memory (virtio-balloon free page
    reporting), the first touch of memory freed more than a second ago costs 1-5 s per GiB instead of
    0.1 s: a property of the host, not of the code measured. The freed pages are reused at once."""
    buffer = np.empty(size, dtype=np.uint8)  # numpy asks for huge pages for large arrays
    buffer[::4096] = 0
    del buffer


def touch(array: np.ndarray) -> float:
    """Read one element per 1024 bytes (so every 4 KiB page) and the last one; the same code for both sides."""
    flat = array.reshape(-1)
    if flat.size == 0:
        return 0.0
    step = max(1, TOUCH_STRIDE_BYTES // flat.itemsize)
    return float(flat[::step].sum()) + float(flat[-1])


def npz_load_all(path: Path) -> Tensors:
    with np.load(path) as archive:
        return {name: archive[name] for name in archive.files}


def modelfmt_open_one(path: Path, name: str, *, verify: bool = True) -> np.ndarray:
    with modelfmt.safe_open(path, verify=verify) as opened:
        return opened.get_tensor(name)


def safetensors_open_one(path: Path, name: str) -> np.ndarray:
    with safetensors.safe_open(path, framework="numpy") as opened:
        array: np.ndarray = opened.get_tensor(name)
        return array


def npz_save(path: Path, tensors: Tensors) -> None:
    np.savez(path, **tensors)  # type: ignore[arg-type]  # numpy's stub types **kwds as its own options


def modelfmt_zero_copy_touch(path: Path) -> float:
    with modelfmt.safe_open(path, verify=False) as opened:
        arrays = [opened.get_tensor(name) for name in opened.keys()]  # noqa: SIM118 (keys() is the API)
    return sum(touch(array) for array in arrays)


def safetensors_torch_touch(path: Path) -> float:
    loaded = safetensors.torch.load_file(path)
    return sum(touch(tensor.numpy()) for tensor in loaded.values())


def fsync_path(path: Path) -> None:
    """fsync a file and its directory: the durability modelfmt's atomic save_file gives."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def safetensors_save_fsync(tensors: Tensors, path: Path) -> None:
    safetensors.numpy.save_file(tensors, path)
    fsync_path(path)


def sha256_mmap(path: Path) -> str:
    """Single-thread SHA-256 of a file's bytes, read from the page cache through a memory map."""
    with open(path, "rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        return hashlib.sha256(mapped).hexdigest()


def sha256_two_halves(path: Path) -> list[str]:
    """Two threads each hashing half the file: the hashing ceiling of a 2-core machine (not one digest)."""
    with open(path, "rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        view = memoryview(mapped)
        half = len(view) // 2
        digests = ["", ""]

        def work(index: int, part: memoryview) -> None:
            digests[index] = hashlib.sha256(part).hexdigest()

        threads = [
            threading.Thread(target=work, args=(0, view[:half])),
            threading.Thread(target=work, args=(1, view[half:])),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        view.release()
        return digests


def check_api(path: Path) -> None:
    result = check_file(path)
    if not result.valid:
        raise RuntimeError(f"check failed on a file the benchmark wrote: {result.error or result.os_error}")


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("modelfmt")
    return [str(script)] if script.exists() else [sys.executable, "-m", "modelfmt"]


def run_cli(arguments: list[str]) -> None:
    completed = subprocess.run(arguments, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} exited {completed.returncode}: {completed.stdout}{completed.stderr}")


# ---- results --------------------------------------------------------------------------------------------


@dataclass
class Row:
    measurement: str
    model: str
    modelfmt: str  # what the modelfmt side runs
    peer: str  # what it is compared with
    modelfmt_seconds: float
    peer_seconds: float
    # "time": ratio = modelfmt / peer (lower is better); "throughput": ratio = peer / modelfmt (higher is better)
    kind: str = "time"
    target: float | None = None
    modelfmt_samples: list[float] = field(default_factory=list)
    peer_samples: list[float] = field(default_factory=list)
    foreign_load: float | None = None  # median CPU share other processes took during the runs
    note: str = ""

    @property
    def ratio(self) -> float:
        if self.kind == "throughput":
            return self.peer_seconds / self.modelfmt_seconds
        return self.modelfmt_seconds / self.peer_seconds

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        return self.ratio >= self.target if self.kind == "throughput" else self.ratio <= self.target

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "-"
        return f"{'>=' if self.kind == 'throughput' else '<='} {self.target:.2f}"

    def as_json(self) -> dict[str, object]:
        result = asdict(self)
        result.update(ratio=self.ratio, passed=self.passed)
        return result


def row(
    measurement: str,
    model: str,
    timings: dict[str, Timing],
    ours: str,
    peer: str,
    *,
    target: float | None,
    kind: str = "time",
    note: str = "",
) -> Row:
    loads = [load for name in (ours, peer) for load in timings[name].foreign_load if load is not None]
    return Row(
        measurement=measurement,
        model=model,
        modelfmt=ours,
        peer=peer,
        modelfmt_seconds=timings[ours].median,
        peer_seconds=timings[peer].median,
        kind=kind,
        target=target,
        modelfmt_samples=timings[ours].samples,
        peer_samples=timings[peer].samples,
        foreign_load=statistics.median(loads) if loads else None,
        note=note,
    )


def format_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def print_table(rows: list[Row]) -> None:
    headers = ("measurement", "model", "modelfmt", "peer", "peer time", "ratio", "target", "result", "other CPU")
    table = [
        (
            r.measurement,
            r.model,
            format_seconds(r.modelfmt_seconds),
            r.peer,
            format_seconds(r.peer_seconds),
            f"{r.ratio:.2f}{'x thr' if r.kind == 'throughput' else ''}",
            r.target_text,
            {True: "pass", False: "FAIL", None: "info"}[r.passed],
            "?" if r.foreign_load is None else f"{r.foreign_load:.0%}",
        )
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in (headers, *table)) for i in range(len(headers))]
    right = {2, 4, 5, 8}
    for line in (headers, tuple("-" * w for w in widths), *table):
        cells = [
            str(cell).rjust(width) if index in right else str(cell).ljust(width)
            for index, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


# ---- the benchmark --------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def bench_save(tensors: Tensors, files: ModelFiles, config: Config) -> list[Row]:
    """save_file of each format; the destination is removed and dirty pages flushed before every run."""
    targets = {
        "modelfmt.save_file": files.modelfmt,
        "safetensors.numpy.save_file": files.safetensors,
        "safetensors.numpy.save_file + fsync": files.safetensors,
        "numpy.savez": files.npz,
    }

    size = files.data_bytes

    def before(name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            targets[name].unlink()
        os.sync()  # no write-back of an earlier run may land inside this one
        warm_memory(size)  # the page cache of the file to be written

    # The plain safetensors save runs after the fsync variant: its file is the one left for the reads.
    timings = compare(
        {
            "modelfmt.save_file": lambda: modelfmt.save_file(tensors, files.modelfmt),
            "safetensors.numpy.save_file + fsync": lambda: safetensors_save_fsync(tensors, files.safetensors),
            "safetensors.numpy.save_file": lambda: safetensors.numpy.save_file(tensors, files.safetensors),
            "numpy.savez": lambda: npz_save(files.npz, tensors),
        },
        config,
        before=before,
    )
    os.sync()
    ours = "modelfmt.save_file"
    return [
        row(
            "save_file (digests, fsync)",
            files.label,
            timings,
            ours,
            "safetensors.numpy.save_file",
            target=1.3,
            note="peer does not fsync: modelfmt's atomic write (temp file, fsync, rename, fsync dir) is extra work",
        ),
        row(
            "save_file (digests, fsync)",
            files.label,
            timings,
            ours,
            "safetensors.numpy.save_file + fsync",
            target=1.3,
            note="apples to apples: peer fsyncs the file and its directory after writing",
        ),
        row("save_file (digests, fsync)", files.label, timings, ours, "numpy.savez", target=None),
    ]


def bench_load(files: ModelFiles, config: Config, target: float) -> list[Row]:
    timings = compare(
        {
            "modelfmt.load_file": lambda: modelfmt.load_file(files.modelfmt),
            "safetensors.numpy.load_file": lambda: safetensors.numpy.load_file(files.safetensors),
            "numpy.load(.npz)": lambda: npz_load_all(files.npz),
        },
        config,
        before=lambda _: warm_memory(files.data_bytes),
    )
    ours = "modelfmt.load_file"
    return [
        row("load_file (verify)", files.label, timings, ours, "safetensors.numpy.load_file", target=target),
        row("load_file (verify)", files.label, timings, ours, "numpy.load(.npz)", target=None),
    ]


def bench_open_one(files: ModelFiles, config: Config, target: float) -> list[Row]:
    name = files.one_tensor
    timings = compare(
        {
            "modelfmt.safe_open": lambda: modelfmt_open_one(files.modelfmt, name),
            "modelfmt.safe_open(verify=False)": lambda: modelfmt_open_one(files.modelfmt, name, verify=False),
            "safetensors.safe_open(numpy)": lambda: safetensors_open_one(files.safetensors, name),
        },
        config,
    )
    peer = "safetensors.safe_open(numpy)"
    measurement = "safe_open + 1 get_tensor"
    return [
        row(
            measurement,
            files.label,
            timings,
            "modelfmt.safe_open",
            peer,
            target=target,
            note=f"tensor `{name}`; modelfmt verifies its digest on first access",
        ),
        row(
            "safe_open(verify=False) + 1 get_tensor",
            files.label,
            timings,
            "modelfmt.safe_open(verify=False)",
            peer,
            target=None,
            note="the same without the digest check: what opening and the header cost",
        ),
    ]


def bench_zero_copy(files: ModelFiles, config: Config, target: float | None) -> list[Row]:
    timings = compare(
        {
            "modelfmt.safe_open(verify=False)": lambda: modelfmt_zero_copy_touch(files.modelfmt),
            "safetensors.torch.load_file": lambda: safetensors_torch_touch(files.safetensors),
        },
        config,
    )
    return [
        row(
            "zero-copy all + touch pages",
            files.label,
            timings,
            "modelfmt.safe_open(verify=False)",
            "safetensors.torch.load_file",
            target=target,
        ),
    ]


def bench_check(files: ModelFiles, config: Config) -> tuple[list[Row], dict[str, float]]:
    timings = compare(
        {
            "modelfmt check (API)": lambda: check_api(files.modelfmt),
            "sha256, 1 thread": lambda: sha256_mmap(files.modelfmt),
            "sha256, 2 threads (halves)": lambda: sha256_two_halves(files.modelfmt),
        },
        config,
    )
    command = [*cli_command(), "check", str(files.modelfmt)]
    startup_command = [sys.executable, "-c", "import modelfmt.cli"]
    # The CLI once (after an untimed warm-up run), and interpreter start-up + import alone, for context.
    cli = compare({"modelfmt check (CLI)": lambda: run_cli(command)}, Config(1, config.wait_idle))
    startup = compare({"startup": lambda: run_cli(startup_command)}, Config(3, config.wait_idle))["startup"]
    timings.update(cli)
    size = files.modelfmt.stat().st_size
    rows = [
        row(
            "check, API (throughput)",
            files.label,
            timings,
            "modelfmt check (API)",
            "sha256, 1 thread",
            target=1.7,
            kind="throughput",
            note="ratio = modelfmt throughput / single-thread SHA-256 throughput",
        ),
        row(
            "check, CLI (throughput)",
            files.label,
            timings,
            "modelfmt check (CLI)",
            "sha256, 1 thread",
            target=1.7,
            kind="throughput",
            note=f"one run in a subprocess, including interpreter start-up "
            f"(python + import modelfmt.cli alone: {startup.median * 1000:.0f} ms)",
        ),
        row(
            "check, API (throughput)",
            files.label,
            timings,
            "modelfmt check (API)",
            "sha256, 2 threads (halves)",
            target=None,
            kind="throughput",
            note="the 2-core hashing ceiling: the best a checker can do",
        ),
    ]
    extra = {
        "file_bytes": size,
        "sha256_1_thread_GBps": size / timings["sha256, 1 thread"].median / 1e9,
        "sha256_2_threads_GBps": size / timings["sha256, 2 threads (halves)"].median / 1e9,
        "check_api_GBps": size / timings["modelfmt check (API)"].median / 1e9,
        "cli_startup_seconds": startup.median,
    }
    return rows, extra


def bench_startup(config: Config, folder: Path) -> list[Row]:
    """`modelfmt check` of a small file from the shell against `python -c "import numpy"`: what a user waits
    for at every command (issue: start-up at most 1.5x numpy's import). Both after an untimed warm-up run, so
    that bytecode is cached for both."""
    small = folder / "startup-small.mf"
    modelfmt.save_file({"w": np.ones((16, 16), np.float32), "b": np.zeros(16, np.float32)}, small)
    commands = {
        "modelfmt check small.mf (CLI)": [*cli_command(), "check", str(small)],
        "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
    }
    for command in commands.values():
        run_cli(command)  # warm-up: writes bytecode caches
    timings = compare(
        {name: functools.partial(run_cli, command) for name, command in commands.items()},
        Config(max(config.repeat, 5), config.wait_idle),
    )
    return [
        row(
            "start-up: check a small file",
            "2 tensors",
            timings,
            "modelfmt check small.mf (CLI)",
            "python -c 'import numpy'",
            target=1.5,
            note="a whole process each: interpreter, imports, the check",
        )
    ]


def sanity_check(files: ModelFiles) -> None:
    """The three files hold the same tensors (untimed, once)."""
    ours = modelfmt.load_file(files.modelfmt)
    theirs = safetensors.numpy.load_file(files.safetensors)
    if sorted(ours) != sorted(theirs):
        raise RuntimeError(f"{files.label}: modelfmt and safetensors files hold different tensor names")
    for name, array in ours.items():
        if array.dtype != theirs[name].dtype or not np.array_equal(array, theirs[name]):
            raise RuntimeError(f"{files.label}: tensor `{name}` differs between modelfmt and safetensors")
    del theirs
    with np.load(files.npz) as archive:
        for name in (files.one_tensor, next(iter(ours))):
            if not np.array_equal(archive[name], ours[name]):
                raise RuntimeError(f"{files.label}: tensor `{name}` differs between modelfmt and .npz")


def run_model(label: str, tensors: Tensors, workdir: Path, config: Config) -> tuple[list[Row], dict[str, Any]]:
    files = ModelFiles(
        label=label,
        tensor_count=len(tensors),
        data_bytes=sum(array.nbytes for array in tensors.values()),
        modelfmt=workdir / f"{label}.mft",
        safetensors=workdir / f"{label}.safetensors",
        npz=workdir / f"{label}.npz",
        one_tensor=pick_mid_sized(tensors),
    )
    log(f"{label}: {files.tensor_count} tensors, {files.data_bytes / 2**20:.1f} MiB; save")
    rows = bench_save(tensors, files, config)
    tensors.clear()  # from here on only the files matter; keep at most a couple of copies in memory
    gc.collect()
    sanity_check(files)
    gc.collect()
    is_big = label == "big"
    log(f"{label}: load_file")
    rows += bench_load(files, config, target=1.0 if is_big else 1.5)
    log(f"{label}: safe_open + get_tensor")
    rows += bench_open_one(files, config, target=1.0 if is_big else 1.5)
    log(f"{label}: zero-copy + touch")
    rows += bench_zero_copy(files, config, target=1.2 if is_big else None)
    info: dict[str, Any] = {
        "tensors": files.tensor_count,
        "data_bytes": files.data_bytes,
        "file_bytes": {
            "modelfmt": files.modelfmt.stat().st_size,
            "safetensors": files.safetensors.stat().st_size,
            "npz": files.npz.stat().st_size,
        },
        "one_tensor": files.one_tensor,
    }
    if is_big:
        log(f"{label}: check")
        check_rows, info["check"] = bench_check(files, config)
        rows += check_rows
    return rows, info


def git_state() -> str:
    """The commit the package was measured at, with "+dirty" when reference/ differs from it."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "reference"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "modelfmt": modelfmt.__version__,
        "modelfmt_git": git_state(),
        "numpy": np.__version__,
        "safetensors": safetensors.__version__,
        "torch": torch.__version__,
    }


MEASUREMENT_ORDER = (
    "load_file (verify)",
    "safe_open + 1 get_tensor",
    "safe_open(verify=False) + 1 get_tensor",
    "zero-copy all + touch pages",
    "save_file (digests, fsync)",
    "check, API (throughput)",
    "check, CLI (throughput)",
    "start-up: check a small file",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark modelfmt against safetensors and numpy .npz.")
    parser.add_argument("--quick", action="store_true", help="small models and 3 runs: a smoke test")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per measurement (default 5, quick 3)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "out",
        help="directory for the JSON results (default bench/out/)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the temporary model directory is created (default: the system temp dir)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated model files")
    parser.add_argument(
        "--only", choices=("big", "many", "startup"), default=None, help="run one model (or the start-up row) only"
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="on a shared machine: before each round wait up to SECONDS for other processes "
        "to go quiet (default 0: do not wait)",
    )
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 3 if args.quick else 5
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = Config(repeat=args.repeat, wait_idle=args.wait_idle)
    gc.freeze()  # the imported modules (torch has many objects) would make every gc.collect() slow
    workdir = Path(tempfile.mkdtemp(prefix="modelfmt-bench-", dir=args.workdir))
    log(f"models in {workdir}; {args.repeat} timed runs per measurement; modelfmt {git_state()}")
    started = machine()
    rows: list[Row] = []
    models: dict[str, Any] = {}
    try:
        if args.only in (None, "big"):
            log("generating big")
            rows_big, models["big"] = run_model("big", make_big(BIG_QUICK if args.quick else BIG), workdir, config)
            rows += rows_big
        if args.only in (None, "many"):
            log("generating many")
            many = make_many(MANY_COUNT_QUICK if args.quick else MANY_COUNT)
            rows_many, models["many"] = run_model("many", many, workdir, config)
            rows += rows_many
        if args.only in (None, "startup"):
            log("start-up")
            rows += bench_startup(config, workdir)
    finally:
        if args.keep:
            log(f"kept the models in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    order = {"big": 0, "many": 1, "2 tensors": 2}
    rows.sort(key=lambda r: (MEASUREMENT_ORDER.index(r.measurement), order[r.model]))  # stable
    print_table(rows)
    for r in rows:
        if r.note:
            print(f"  {r.measurement} [{r.model}] vs {r.peer}: {r.note}")
    busy = [r for r in rows if r.foreign_load is not None and r.foreign_load > 0.10]
    if busy:
        print(
            f"  other processes took more than 10% of the CPU during {len(busy)} rows (column 'other CPU'): "
            "their figures are unreliable, run again with --wait-idle 120 on a quieter machine"
        )
    sys.stdout.flush()
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": args.quick,
        "repeat": args.repeat,
        "wait_idle": args.wait_idle,
        "machine": started,
        "load_average_after": os.getloadavg(),
        "models": models,
        "results": [r.as_json() for r in rows],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"bench-{time.strftime('%Y%m%d-%H%M%S')}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    log(f"results written to {path}")
    failed = [r for r in rows if r.passed is False]
    targets = sum(r.passed is not None for r in rows)
    log(f"{len(failed)} of {targets} targets missed" if failed else f"all {targets} targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
