"""A 1 GiB model streamed through StreamWriter in 8 MiB chunks keeps peak memory under 200 MB.

Measured in fresh subprocesses with resource.getrusage (ru_maxrss, KiB on Linux) and, as a cross-check,
VmHWM from /proc/self/status. Linux carries ru_maxrss across execve: a child forked straight from this
(by then large) pytest process reports the parent's peak (measured: a 600 MB parent gives a fresh
`python -c` child 610 MB of ru_maxrss and 9 MB of VmHWM). So the child is started by /bin/sh, which
forks it: its ru_maxrss starts from a small shell, and both figures are the child's own.

The check of the same file is measured too, in its own process: `check_file` maps the file and hashes it
in place, and the pages of a mapping that the process touched count in its RSS (ru_maxrss) although they
are page cache, not memory the reader allocated. So for the check the test asserts what is meaningful:
the private (anonymous) memory, sampled from /proc/self/status while hashing runs, stays under 200 MB,
and the peak RSS is the file once plus a bounded overhead (the data is never copied).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

GIB = 1024**3
MB = 1000**2
LIMIT = 200 * MB

WRITE = r"""
import json, resource, sys
import numpy as np
import modelfmt

path, total, chunk_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
# 100 float32 tensors of uneven sizes, so that chunks straddle tensor boundaries.
elements = total // 4
sizes = [elements // 100 + (i % 7) * 1001 for i in range(99)]
sizes.append(elements - sum(sizes))
specs = [modelfmt.TensorSpec(f"layer.{i}", "float32", (n,)) for i, n in enumerate(sizes)]
chunk = np.random.default_rng(0).integers(0, 256, chunk_size, dtype=np.uint8)
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
with modelfmt.StreamWriter(path, specs, metadata={"name": "one GiB"}) as writer:
    written = 0
    while written < total:
        chunk[0] = written // chunk_size % 256  # vary the data a little
        piece = chunk[: min(chunk_size, total - written)]
        writer.write(piece)
        written += len(piece)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
hwm = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"baseline": baseline, "peak": peak, "hwm": hwm}))
"""

CHECK = r"""
import json, resource, sys, threading
from modelfmt.diagnose._check import check_file

def anon_bytes():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    return 0

peak_anon = anon_bytes()
done = threading.Event()

def sample():
    global peak_anon
    while not done.is_set():
        peak_anon = max(peak_anon, anon_bytes())
        done.wait(0.005)

sampler = threading.Thread(target=sample)
sampler.start()
result = check_file(sys.argv[1])
done.set()
sampler.join()
peak_anon = max(peak_anon, anon_bytes())
print(json.dumps({
    "valid": result.valid,
    "error": None if result.error is None else result.error.code,
    "tensors": None if result.header is None else len(result.header.tensors),
    "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "peak_anon": peak_anon,
}))
"""


def run(script: str, *args: str) -> dict[str, Any]:
    # `"$@"; exit $?` keeps the shell alive, so it forks the interpreter instead of exec'ing it.
    command = ["/bin/sh", "-c", '"$@"; exit $?', "sh", sys.executable, "-c", script, *args]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


@pytest.mark.slow
@pytest.mark.skipif(
    not Path("/proc/self/status").exists() or not Path("/bin/sh").exists(), reason="needs Linux /proc and /bin/sh"
)
def test_streaming_write_of_one_gib_stays_under_200_mb(tmp_path: Path) -> None:
    path = tmp_path / "big.mf"
    try:
        written = run(WRITE, str(path), str(GIB), str(8 * 1024 * 1024))
        size = path.stat().st_size
        assert size > GIB
        assert written["peak"] < LIMIT, f"StreamWriter peak RSS {written['peak'] / MB:.0f} MB"
        assert written["hwm"] < LIMIT, f"StreamWriter VmHWM {written['hwm'] / MB:.0f} MB"

        checked = run(CHECK, str(path))
        assert (checked["valid"], checked["error"], checked["tensors"]) == (True, None, 100)
        assert checked["peak_anon"] < LIMIT, f"check_file private memory {checked['peak_anon'] / MB:.0f} MB"
        # Mapped pages count in RSS: about the file once, never twice (no copy of the data).
        assert checked["peak_rss"] < size + LIMIT
        print(  # shown with `pytest -s`: the figures for the record
            f"\nStreamWriter 1 GiB: peak RSS {written['peak'] / MB:.0f} MB; check_file: peak RSS "
            f"{checked['peak_rss'] / MB:.0f} MB incl. mapped file pages, private {checked['peak_anon'] / MB:.0f} MB"
        )
    finally:
        path.unlink(missing_ok=True)
