"""Running one implementation process safely: bounded output, a timeout, and the whole process group
killed afterwards, so that no misbehaving implementation can hang, flood or outlive the runner.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_CHUNK: Final = 65536
# Pipes still held open by a grandchild that left the process group: stop waiting after this long.
_DRAIN_SECONDS: Final = 2.0


@dataclass(frozen=True)
class Completed:
    """What one process did. Exactly one of `spawn_error`, `timed_out`, a signal or an exit status applies."""

    seconds: float
    status: int | None = None  # the exit status, when the process exited
    signal_number: int | None = None  # when a signal ended it
    timed_out: bool = False
    spawn_error: str | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_overflow: bool = False
    stderr_overflow: bool = False


class _Capture(threading.Thread):
    """Reads a pipe into memory up to `limit` bytes; beyond that it notes the overflow and asks for a kill."""

    def __init__(self, fd: int, limit: int, on_overflow: threading.Event) -> None:
        super().__init__(daemon=True)
        self._fd = fd
        self._limit = limit
        self._on_overflow = on_overflow
        self.data = bytearray()
        self.overflow = False

    def run(self) -> None:
        try:
            while True:
                chunk = os.read(self._fd, _CHUNK)
                if not chunk:
                    return
                room = self._limit - len(self.data)
                self.data += chunk[: max(room, 0)]
                if len(chunk) > room:
                    self.overflow = True
                    self._on_overflow.set()
                    return
        except OSError:
            return


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def run(argv: Sequence[str], *, cwd: Path, timeout: float, max_stdout: int, max_stderr: int) -> Completed:
    """Run `argv` in `cwd` with standard input at end of file, in a new process group."""
    started = time.monotonic()
    try:
        # start_new_session: the child leads its own process group, which is killed as a whole.
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return Completed(time.monotonic() - started, spawn_error=f"{type(exc).__name__}: {exc}")
    assert process.stdout is not None and process.stderr is not None
    overflow = threading.Event()
    captures = [
        _Capture(process.stdout.fileno(), max_stdout, overflow),
        _Capture(process.stderr.fileno(), max_stderr, overflow),
    ]
    for capture in captures:
        capture.start()
    timed_out = False
    deadline = started + timeout
    while process.poll() is None:
        if overflow.is_set():
            _kill_group(process)  # more output than the protocol allows: stop it now
        elif time.monotonic() >= deadline:
            timed_out = True
            _kill_group(process)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.02)
    # Children it started may still hold the pipes (or run on): the group goes with the process.
    _kill_group(process)
    for capture in captures:
        capture.join(_DRAIN_SECONDS)
    for stream in (process.stdout, process.stderr):
        stream.close()
    seconds = time.monotonic() - started
    out, err = captures
    status = signal_number = None
    if not timed_out:
        if process.returncode < 0:
            signal_number = -process.returncode
        else:
            status = process.returncode
    return Completed(
        seconds,
        status=status,
        signal_number=signal_number,
        timed_out=timed_out,
        stdout=bytes(out.data),
        stderr=bytes(err.data),
        stdout_overflow=out.overflow,
        stderr_overflow=err.overflow,
    )
