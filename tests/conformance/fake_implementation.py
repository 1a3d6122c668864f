"""A misbehaving implementation for the runner's tests: `python fake_implementation.py MODE ROLE ARGS...`.

Each MODE is one way a real implementation can go wrong; the runner must judge every one of them as a
failure (or, for `reference`, as the reference implementation would be judged) without hanging or crashing.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from typing import TextIO


def _reference_main(argv: list[str], stdout: TextIO | None = None) -> int:
    # Imported only by the modes that need it: the others start in milliseconds, like a small binary.
    from modelfmt.conformance import _reference  # noqa: PLC0415

    return _reference.main(argv, stdout or sys.stdout)


def main() -> int:
    mode, *rest = sys.argv[1:]
    if mode == "hang":
        time.sleep(3600)
    elif mode == "orphan":  # a grandchild keeps the pipes open long after its parent exits
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
        sys.stdout.write("{}")
        return 0
    elif mode == "garbage":
        sys.stdout.write("\x1b[31mnot json\x00")
        return 0
    elif mode == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif mode == "exit3":
        sys.stderr.write("BAD_MAGIC: but the status is 3\n")
        return 3
    elif mode == "bad-rejection":
        sys.stderr.write("error: something went wrong\n")
        return 1
    elif mode == "unknown-code":
        sys.stderr.write("NOT_A_CODE: invented\n")
        return 1
    elif mode == "reject-syntax":
        sys.stderr.write("HEADER_SYNTAX: everything is a syntax error\n")
        return 1
    elif mode == "accept-empty":
        sys.stdout.write("{}")
        return 0
    elif mode == "stderr-flood":
        sys.stderr.write("x" * (2 * 1024 * 1024))
        return 1
    elif mode == "duplicate-keys":
        sys.stdout.write('{"version":[1,0],"version":[1,0],"header":{},"tensors":[]}')
        return 0
    elif mode == "reference":
        return _reference_main(rest)
    elif mode == "no-batch":
        if "--batch" in rest:
            sys.stderr.write("usage: no batch mode\n")
            return 2
        return _reference_main(rest)
    elif mode == "short-batch":  # batch output with a line missing: the runner must run each file again
        if "--batch" not in rest:
            return _reference_main(rest)
        buffer = io.StringIO()
        _reference_main(rest, buffer)
        sys.stdout.write("".join(line + "\n" for line in buffer.getvalue().splitlines()[:-1]))
        return 0
    elif mode == "write-nothing":
        return 0
    return 99


if __name__ == "__main__":
    sys.exit(main())
