"""Benchmark `modelfmt convert` from safetensors against a plain safetensors load + save.

    python bench/convert.py [--quick] [--repeat N] [--workdir DIR] [--out DIR]

The "big" model of bench/run.py (a GPT-2-like decoder, about 1 GiB float32 in 196 tensors) is generated
once, written as safetensors, then each contender runs interleaved with the others (one untimed warm-up,
median of N runs, the source warm in the page cache):

- convert: `modelfmt.convert(src.safetensors, dst.mf)`: strict header checks, streaming copy in 16 MiB
  chunks, SHA-256 of every tensor, atomic write with fsync (file and directory).
- convert back: `modelfmt.convert(dst.mf, back.safetensors)`: every digest verified while streaming.
- plain: `safetensors.numpy.load_file` + `safetensors.numpy.save_file` (no checksum, no fsync).
- plain + fsync: the same, then fsync of the file and its directory (the durability convert gives).

Peak memory (tracemalloc, Python and numpy allocations) is reported for one extra run of each, to show
that the conversion streams while the plain path holds the model. Ratios are the point; times are context.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import modelfmt
import safetensors
import safetensors.numpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BIG, BIG_QUICK, fsync_path, make_big  # the same "big" model as bench/run.py


def timed(contenders: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for run in range(repeat + 1):  # run 0 is the warm-up
        for name, call in contenders.items():
            gc.collect()
            start = time.perf_counter()
            call()
            elapsed = time.perf_counter() - start
            if run:
                samples[name].append(elapsed)
    return samples


def peak_memory(call: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    call()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="the small model: a smoke test")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per contender (default 5)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the model files go (default: temp dir)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out", help="JSON results dir")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="modelfmt-bench-convert-", dir=args.workdir) as scratch:
        work = Path(scratch)
        source = work / "big.safetensors"
        tensors = make_big(BIG_QUICK if args.quick else BIG)
        count, size = len(tensors), sum(array.nbytes for array in tensors.values())
        safetensors.numpy.save_file(tensors, source)
        del tensors
        print(f"model: {count} tensors, {size / 2**30:.2f} GiB float32; {args.repeat} timed runs each", flush=True)

        def plain() -> None:
            safetensors.numpy.save_file(safetensors.numpy.load_file(source), work / "plain.safetensors")

        def plain_fsync() -> None:
            plain()
            fsync_path(work / "plain.safetensors")

        def convert() -> None:
            modelfmt.convert(source, work / "big.mf")

        def convert_back() -> None:
            modelfmt.convert(work / "big.mf", work / "back.safetensors")

        contenders = {"convert": convert, "convert back": convert_back, "plain": plain, "plain + fsync": plain_fsync}
        samples = timed(contenders, args.repeat)
        medians = {name: statistics.median(values) for name, values in samples.items()}
        peaks = {name: peak_memory(call) for name, call in contenders.items()}
        assert (work / "back.safetensors").read_bytes() == source.read_bytes(), "round trip changed the file"

    print(f"{'contender':<14} {'median':>9} {'GiB/s':>7} {'peak MiB':>9}")
    for name, median in medians.items():
        print(f"{name:<14} {median:>8.3f}s {size / 2**30 / median:>7.2f} {peaks[name] / 2**20:>9.1f}")
    ratios = {
        "convert / plain": medians["convert"] / medians["plain"],
        "convert / plain + fsync": medians["convert"] / medians["plain + fsync"],
        "convert back / plain": medians["convert back"] / medians["plain"],
    }
    for name, ratio in ratios.items():
        print(f"ratio {name}: {ratio:.2f}")
    args.out.mkdir(parents=True, exist_ok=True)
    result = {
        "model": {"tensors": count, "bytes": size},
        "repeat": args.repeat,
        "samples": samples,
        "median_seconds": medians,
        "peak_bytes": peaks,
        "ratios": ratios,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": {"modelfmt": modelfmt.__version__, "safetensors": safetensors.__version__},
    }
    name = f"convert-{time.strftime('%Y%m%d-%H%M%S')}{'-quick' if args.quick else ''}.json"
    (args.out / name).write_text(json.dumps(result, indent=2))
    print(f"results: {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
