"""The reference implementation behind the process protocol of conformance/PROTOCOL.md.

    modelfmt conformance reader FILE            (or: python -m modelfmt.conformance reader FILE)
    modelfmt conformance reader --batch LIST    (the optional batch mode)
    modelfmt conformance verifier FILE KEY...
    modelfmt conformance writer TASK OUT

Exit 0 with the result document on stdout, exit 1 with `CODE: message` as the first line of stderr, exit 2
for a usage or OS error (a missing file, an unreadable key), 70 for a bug in this package (the traceback
follows): never 1, so that a crash can never pass for a rejection.
"""

from __future__ import annotations

import hashlib
import json
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, TextIO

from ..container._opened import OpenedFile
from ..container._signfile import verify_bytes
from ..container._writer import StreamWriter, TensorSpec
from ..format._display import terminal_lines, terminal_text
from ..format._errors import ModelfmtError, error
from ..format._exit_codes import ExitCode
from ..signing._keys import KeyFileError, load_trusted_keys

HEX_MAX_LENGTH: Final = 64  # PROTOCOL.md: `hex` is present exactly when length <= 64
TASK_KEYS: Final = frozenset({"tensors", "metadata", "architecture", "training", "extensions"})
TASK_TENSOR_KEYS: Final = frozenset({"name", "dtype", "shape", "role", "hex"})


class UsageError(Exception):
    """The caller's mistake (arguments, a malformed task): exit 2, not a verdict on a file."""


# ---- reader ----------------------------------------------------------------------------------------------


def read_document(data: bytes) -> dict[str, object]:
    """Every phase of SPEC.md §13.1 with verification on, then the reader result document of PROTOCOL.md.

    Raises the ModelfmtError of the first failing rule."""
    with OpenedFile.from_view(memoryview(data)) as opened:  # phases 1-4
        opened.verify_content()  # phase 5
        header = opened.header
        # The header value exactly as decoded (§4.6). The validated model holds it: the sections are the
        # parsed objects themselves, and a valid tensor entry has exactly the seven keys, with the parsed
        # values (`shape` a tuple of the same integers). Parsing the bytes a second time would hold two
        # copies of the header at once (SPEC.md §17.19).
        value = header.as_json()
        tensors: list[dict[str, object]] = []
        for info in header.tensors:
            raw = opened.tensor_bytes(info)
            entry: dict[str, object] = {
                "name": info.name,
                "dtype": info.dtype,
                "shape": list(info.shape),
                "length": info.length,
                "sha256": hashlib.sha256(raw).hexdigest(),
            }
            if info.length <= HEX_MAX_LENGTH:
                entry["hex"] = raw.hex()
            tensors.append(entry)
    return {"version": [header.major, header.minor], "header": value, "tensors": tensors}


def verify_document(data: bytes, key_paths: Sequence[str]) -> dict[str, object]:
    """SPEC.md §12.9 with the trusted keys in `key_paths`; the verifier result document."""
    try:
        trusted = load_trusted_keys(*key_paths)
    except (KeyFileError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    verification = verify_bytes(data, trusted)
    return {"key_id": verification.key_id, "algorithm": verification.algorithm}


# ---- writer ----------------------------------------------------------------------------------------------


def _task_tensor(raw: object, index: int) -> tuple[TensorSpec, bytes]:
    """A task's tensor as the writer's input. Only the task's own form is checked here: what the file could
    not hold (an unknown dtype, a bad name, ...) is the writer's to refuse, with the reader's code."""
    if not isinstance(raw, dict) or set(raw) != TASK_TENSOR_KEYS:
        raise UsageError(f"task tensor {index} must be an object with keys {sorted(TASK_TENSOR_KEYS)}")
    name, dtype, shape, role, text = (raw[key] for key in ("name", "dtype", "shape", "role", "hex"))
    if not (isinstance(name, str) and isinstance(dtype, str) and isinstance(role, str) and isinstance(text, str)):
        raise UsageError(f"task tensor {index}: name, dtype, role and hex are strings")
    if not isinstance(shape, list) or not all(type(dim) is int for dim in shape):
        raise UsageError(f"task tensor {index}: shape is an array of integers")
    try:
        data = bytes.fromhex(text)
    except ValueError:
        raise UsageError(f"task tensor {index}: hex is not hexadecimal") from None
    return TensorSpec(name, dtype, tuple(shape), role), data


def write_task(task: object, out: Path) -> None:
    """Write the file a task describes (PROTOCOL.md, Writer) to `out`, atomically."""
    if not isinstance(task, dict) or not {"tensors", "metadata"} <= set(task) <= TASK_KEYS:
        raise UsageError(f"a task is an object with `tensors`, `metadata` and optionally {sorted(TASK_KEYS)}")
    tensors = task["tensors"]
    if not isinstance(tensors, list):
        raise UsageError("task `tensors` must be an array")
    pairs = [_task_tensor(raw, index) for index, raw in enumerate(tensors)]
    sections: dict[str, Mapping[str, object] | None] = {}
    for key in ("metadata", "architecture", "training", "extensions"):
        value = task.get(key)
        if value is not None and not isinstance(value, dict):
            raise UsageError(f"task `{key}` must be an object")
        sections[key] = value
    with StreamWriter(
        out,
        [spec for spec, _ in pairs],
        metadata=sections["metadata"],
        architecture=sections["architecture"],
        training=sections["training"],
        extensions=sections["extensions"],
    ) as writer:
        # The task gives each tensor its own bytes; the writer, one stream of them. Each must be exactly
        # as long as the writer's layout says, or its bytes would be counted to the next tensor.
        for info, (_, data) in zip(writer.header, pairs, strict=True):
            if len(data) != info.length:
                raise error(
                    "TENSOR_LENGTH",
                    f"tensor `{info.name}`: {len(data)} bytes given, shape {list(info.shape)} needs {info.length}",
                    tensor=info.name,
                )
            writer.write(data)


# ---- process entry points --------------------------------------------------------------------------------


def _print_document(document: Mapping[str, object], stream: TextIO) -> None:
    # ASCII output: nothing in a result can then depend on the encoding of the runner's pipe.
    stream.write(json.dumps(document, ensure_ascii=True, separators=(",", ":")))
    stream.write("\n")  # apart: appending it would copy a document as large as the header


def rejection_line(exc: ModelfmtError) -> str:
    """`CODE: message` on one line, whatever the message holds: names in it are shown terminal-safe
    (SPEC.md §17.18), so that no line break or control character of a file reaches the runner's report."""
    return f"{exc.code}: {terminal_text(str(exc))}"


def _read_batch(list_path: str, stdout: TextIO) -> int:
    """The optional batch mode of PROTOCOL.md: one JSON line per listed file, in order."""
    # One path per line, LF-separated (PROTOCOL.md); str.splitlines would also split at U+2028 in a name.
    paths = [line for line in Path(list_path).read_text(encoding="utf-8").split("\n") if line]
    for path in paths:
        record: dict[str, object] = {"path": path}
        try:
            record["status"] = ExitCode.OK
            record["result"] = read_document(Path(path).read_bytes())
        except ModelfmtError as exc:
            record = {"path": path, "status": ExitCode.FAILED, "error": rejection_line(exc)}
        _print_document(record, stdout)
    return ExitCode.OK


def main(argv: Sequence[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`ROLE ARGS...` as PROTOCOL.md describes; returns the exit status. The streams default to
    `sys.stdout` and `sys.stderr` as they are when called (the CLI's terminal writer, when under it)."""
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    try:
        role, *args = argv
        if role == "reader" and len(args) == 2 and args[0] == "--batch":
            return _read_batch(args[1], stdout)
        if role == "reader" and len(args) == 1:
            _print_document(read_document(Path(args[0]).read_bytes()), stdout)
        elif role == "verifier" and len(args) >= 2:
            _print_document(verify_document(Path(args[0]).read_bytes(), args[1:]), stdout)
        elif role == "writer" and len(args) == 2:
            try:
                task = json.loads(Path(args[0]).read_text(encoding="utf-8"), parse_constant=_no_constant)
            except ValueError as exc:
                raise UsageError(f"{args[0]}: the task is not JSON: {exc}") from None
            write_task(task, Path(args[1]))
        else:
            raise UsageError("usage: reader FILE | reader --batch LIST | verifier FILE KEY... | writer TASK OUT")
    except ModelfmtError as exc:
        stderr.write(rejection_line(exc) + "\n")
        return ExitCode.FAILED
    except (UsageError, OSError) as exc:
        stderr.write(f"usage error: {terminal_text(str(exc))}\n")
        return ExitCode.USAGE
    except Exception:  # a bug in this package: never report it as a verdict on the file
        stderr.write(terminal_lines(traceback.format_exc()))  # its message may quote the file
        return ExitCode.INTERNAL
    return ExitCode.OK


def _no_constant(literal: str) -> object:
    raise ValueError(f"{literal} is not JSON")
