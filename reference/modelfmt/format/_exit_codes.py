"""Exit statuses: one table for the `modelfmt` command and the process protocol of conformance/PROTOCOL.md.

Both follow one convention, so a script can treat any modelfmt process alike: 0 the answer is yes, 1 the
answer is no (and stderr says why), 2 the question itself was wrong.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    # Done: every file is valid (or verified, signed, converted, written); a protocol reader accepted it.
    OK = 0
    # Done, and the answer is no: a file is invalid or fails verification, a conversion or a conformance
    # run failed; a protocol reader rejected the file with `CODE: message`.
    FAILED = 1
    # The caller's mistake (arguments, a key file, a malformed task): no verdict on any file.
    USAGE = 2
    # sysexits EX_SOFTWARE: a bug in the reference implementation of the protocol, never a verdict.
    INTERNAL = 70
