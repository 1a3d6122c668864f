"""The `modelfmt` command: parses arguments, calls the API, maps outcomes to exit codes.

Exit codes (`ExitCode`, format/_exit_codes.py): 0 success, 1 a file is invalid (or a verification or a
conversion failed), 2 usage error. Each command catches the failures it expects (`ModelfmtError`,
`OSError`, the `ToolError` of a key file or a converter) where it can say which file failed and why: the
same `OSError` is a usage error for an argument (a key file, an input array) and a verdict for the model
file. An expected failure prints one clean line, while a bug in this package still shows its traceback.

Nothing from a file or a path reaches the terminal as it is (SPEC.md §17.18): every value a command prints
goes through `shown` (`terminal_text`: controls, direction and invisible characters, line feeds and
backslashes as visible escapes), every message through `one_line` (`terminal_line`: the same, backslashes
kept), and `main` runs every command under `terminal_output`, the one writer under both streams.
`--json` output is ASCII JSON, exact and free of control bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from ..container._header import Header
from ..container._opened import OpenedFile
from ..container._tensors import ROLES, Role
from ..diagnose._check import CheckResult, check_file
from ..format._display import terminal_line as one_line
from ..format._display import terminal_text as shown
from ..format._errors import ModelfmtError
from ..format._exit_codes import ExitCode
from ..format._framing import MAJOR_VERSION, MINOR_VERSION
from ..format._version import PACKAGE_VERSION
from . import _convert as _cli_convert
from . import _graph as _cli_graph
from . import _signing as _cli_signing
from ._terminal import print_json, raw_stream, terminal_output

# Files above this size get a progress indicator when stderr is a terminal.
_PROGRESS_MIN_BYTES = 256 * 1024 * 1024


def _human_bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{count} B" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1024
    return f"{count} B"  # unreachable


class _ProgressLine:
    """`checking NAME: 42%` on stderr, redrawn in place at most ten times a second."""

    def __init__(self, name: str, total: int, stream: TextIO) -> None:
        self._name, self._total, self._stream = name, max(total, 1), stream
        self._done = 0
        self._last = 0.0

    def __call__(self, count: int) -> None:
        self._done += count
        now = time.monotonic()
        if now - self._last >= 0.1 or self._done >= self._total:
            self._last = now
            percent = min(100, self._done * 100 // self._total)
            self._stream.write(f"\rchecking {self._name}: {percent:3d}% of {_human_bytes(self._total)}")
            self._stream.flush()

    def finish(self) -> None:
        self._stream.write("\r\x1b[K")
        self._stream.flush()


# ---- check ----------------------------------------------------------------------------------------------


def _verdict_line(result: CheckResult) -> str:
    path = shown(str(result.path))
    if result.os_error is not None:
        return f"{path}: ERROR cannot read: {one_line(str(result.os_error.strerror or result.os_error))}"
    if result.error is not None:
        line = f"{path}: INVALID {result.error.code}: "
        if result.detected is not None:
            return line + one_line(result.detected.description)
        text = line + one_line(str(result.error))
        return text if result.error.hint is None else f"{text} ({one_line(result.error.hint)})"
    assert result.header is not None
    header = result.header
    line = (
        f"{path}: OK modelfmt {header.major}.{header.minor}, {len(header.tensors)} tensors, "
        f"{_human_bytes(header.data_length)} of data, all digests match"
    )
    if result.run_cost is not None:
        line += f"\n  {one_line(result.run_cost.text())}"
    return line + "".join(f"\n  warning: {one_line(warning)}" for warning in result.warnings)


def _progress_for(path: str) -> tuple[Callable[[int], None] | None, _ProgressLine | None]:
    if not sys.stderr.isatty():
        return None, None
    try:
        size = Path(path).stat().st_size
    except OSError:
        return None, None
    if size < _PROGRESS_MIN_BYTES:
        return None, None
    # The line redraws itself with \r and ESC [K, so it writes under the terminal writer; the name is escaped.
    line = _ProgressLine(shown(Path(path).name), size, raw_stream(sys.stderr))
    return line, line


def _cmd_check(args: argparse.Namespace) -> int:
    usage = _cli_signing.require_signature_usage(args)
    if usage is not None:
        return usage
    trusted = _cli_signing.trusted_keys(args)  # with --key, the rules of `verify` apply too
    results: list[CheckResult] = []
    for path in args.files:
        progress, line = _progress_for(path) if not args.json else (None, None)
        result = check_file(path, trusted, strict=args.strict, progress=progress)
        if line is not None:
            line.finish()
        results.append(result)
        if not args.json:
            print(_verdict_line(result) + _cli_signing.signature_lines(result))
    if args.json:
        print_json([result.as_json() for result in results])
    return ExitCode.OK if all(result.valid for result in results) else ExitCode.FAILED


# ---- inspect --------------------------------------------------------------------------------------------


def _role_totals(header: Header) -> list[tuple[Role, int, int, int]]:
    """(role, tensors, elements, bytes) for each role present."""
    totals = []
    for role in ROLES:
        infos = [info for info in header.tensors if info.role == role]
        if infos:
            totals.append(
                (role, len(infos), sum(info.element_count for info in infos), sum(info.length for info in infos))
            )
    return totals


def _describe_values(declarations: object) -> str:
    """`x float32 [batch, 784]` for each declared graph input or output (a validated architecture)."""
    parts = []
    for value in declarations if isinstance(declarations, list) else []:
        if isinstance(value, dict):
            shape = ", ".join(str(dim) for dim in value.get("shape", []))
            parts.append(f"{shown(str(value.get('name')))} {shown(str(value.get('dtype')))} [{shown(shape)}]")
    return "; ".join(parts)


def _section_summaries(header: Header) -> list[str]:
    """One line each for the architecture, training state and extensions present (all validated)."""
    lines = []
    architecture = header.architecture
    if architecture is not None:
        nodes = architecture.get("nodes")
        nodes = nodes if isinstance(nodes, list) else []
        ops: dict[str, int] = {}
        for node in nodes:
            if isinstance(node, dict):
                ops[str(node.get("op"))] = ops.get(str(node.get("op")), 0) + 1
        counted = ", ".join(f"{shown(op)} x{count}" if count > 1 else shown(op) for op, count in ops.items())
        lines.append(f"architecture: {len(nodes)} nodes ({counted})")
        lines.append(f"  inputs   {_describe_values(architecture.get('inputs'))}")
        lines.append(f"  outputs  {_describe_values(architecture.get('outputs'))}")
    training = header.training
    if training is not None:
        optimizer = training.get("optimizer")
        kind = shown(str(optimizer.get("type"))) if isinstance(optimizer, dict) else "no optimizer state"
        lines.append(f"training: epoch {training.get('epoch')}, step {training.get('step')}, {kind}")
        scheduler = training.get("scheduler")
        resume = [f"scheduler {scheduler.get('type')}"] if isinstance(scheduler, dict) else []
        resume += [key for key in ("scaler", "rng", "data", "extra") if key in training]  # §11.9 (1.1)
        if resume:
            lines.append(f"  resumes  {', '.join(resume)}")
    if header.extensions is not None:
        lines.append(f"extensions: {', '.join(shown(name) for name in header.extensions)}")
    return lines


def _metadata_value(value: object) -> str:
    """A metadata value on one line: a string escaped as a value, anything else as JSON (already an
    unambiguous encoding: its own escapes are kept, what JSON leaves raw is escaped); long ones cut."""
    text, escape = (value, shown) if isinstance(value, str) else (json.dumps(value, ensure_ascii=False), one_line)
    # Cut before escaping, so that an escape is never cut in half.
    return escape(text) if len(text) <= 100 else escape(text[:97]) + "..."


def _print_inspection(path: str, header: Header, size: int, out: TextIO) -> None:
    out.write(f"{shown(path)}\n  format    modelfmt {header.major}.{header.minor}\n")
    out.write(f"  size      {_human_bytes(size)} ({size} bytes; header {header.header_length} bytes)\n")
    out.write("  digests   not checked by inspect (run `modelfmt check`)\n")
    if header.metadata:
        out.write("metadata\n")
        keys = {key: shown(key) for key in header.metadata}
        width = max(len(key) for key in keys.values())
        for key, value in header.metadata.items():
            out.write(f"  {keys[key]:<{width}}  {_metadata_value(value)}\n")
    for line in _section_summaries(header):
        out.write(line + "\n")
    rows = [
        (shown(info.name), info.dtype, "[" + ", ".join(map(str, info.shape)) + "]", f"{info.length:,}", info.role)
        for info in header.tensors
    ]
    titles = ("name", "dtype", "shape", "bytes", "role")
    out.write(f"tensors ({len(rows)})\n")
    if rows:
        widths = [max(len(title), *(len(row[i]) for row in rows)) for i, title in enumerate(titles)]
        line = "  " + "  ".join(
            f"{{:>{w}}}" if title == "bytes" else f"{{:<{w}}}" for title, w in zip(titles, widths, strict=True)
        )
        out.write(line.format(*titles).rstrip() + "\n")
        for row in rows:
            out.write(line.format(*row).rstrip() + "\n")
    out.write("totals\n")
    for role, count, elements, nbytes in _role_totals(header):
        out.write(f"  {role:<9}  {count:>7,} tensors  {elements:>15,} elements  {_human_bytes(nbytes):>11}\n")
    out.write(
        f"  {'all':<9}  {len(header.tensors):>7,} tensors  "
        f"{sum(info.element_count for info in header.tensors):>15,} elements  "
        f"{_human_bytes(header.data_length):>11}\n"
    )


def _cmd_inspect(args: argparse.Namespace) -> int:
    try:
        with OpenedFile.open(args.file, mapped=False) as opened:  # phases 1-4 once, for both sections
            header, size = opened.header, opened.layout.file_size
            signatures = opened.signature_statuses(_cli_signing.trusted_keys(args))
    except ModelfmtError as exc:
        print(f"{shown(args.file)}: INVALID {exc.code}: {one_line(str(exc))}", file=sys.stderr)
        return ExitCode.FAILED
    except OSError as exc:
        print(f"{shown(args.file)}: ERROR cannot read: {one_line(str(exc.strerror or exc))}", file=sys.stderr)
        return ExitCode.FAILED
    if args.json:
        report = {
            "path": args.file,
            "version": f"{header.major}.{header.minor}",
            "header_length": header.header_length,
            "data_start": header.data_start,
            "data_length": header.data_length,
            "header": header.as_json(),
            "totals": [
                {"role": role, "tensors": count, "elements": elements, "bytes": nbytes}
                for role, count, elements, nbytes in _role_totals(header)
            ],
            "signatures": _cli_signing.signatures_json(signatures),
        }
        print_json(report)
    else:
        _print_inspection(args.file, header, size, sys.stdout)
        _cli_signing.print_signatures(signatures, sys.stdout)
    if args.graph:
        return _cli_graph.write_picture(args.file, header, args.graph)
    return ExitCode.OK


# ---- entry point ----------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="modelfmt", description="Check, inspect and work with modelfmt files (SPEC.md)."
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"modelfmt {PACKAGE_VERSION} (reads format {MAJOR_VERSION}.0 to {MAJOR_VERSION}.{MINOR_VERSION})",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="validate files completely (structure, digests)")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--json", action="store_true", help="print a machine-readable report")
    check.add_argument("--strict", action="store_true", help="also report SHOULD-level findings")
    _cli_signing.add_trust_options(check, require=True)
    check.set_defaults(run=_cmd_check)

    inspect = commands.add_parser("inspect", help="show metadata and the tensor table")
    inspect.add_argument("file", metavar="FILE")
    inspect.add_argument("--json", action="store_true", help="print the header and totals as JSON")
    _cli_signing.add_trust_options(inspect, require=False)
    _cli_graph.add_inspect_options(inspect)  # --graph OUT.svg (SPEC.md §9)
    inspect.set_defaults(run=_cmd_inspect)

    _cli_signing.add_commands(commands, _progress_for)  # keygen, sign, verify (SPEC.md §12)
    _cli_graph.add_commands(commands)  # run (SPEC.md §9.11)
    _cli_convert.add_command(commands)  # convert from and to other formats (modelfmt.convert)
    # The conformance suite (conformance/PROTOCOL.md): its own parser, imported only when it runs.
    conformance = commands.add_parser(
        "conformance",
        help="run the conformance suite against an implementation (conformance/PROTOCOL.md)",
        add_help=False,
        prefix_chars="\0",  # every argument, --help included, goes to the suite's own parser
    )
    conformance.add_argument("arguments", nargs="*")
    conformance.set_defaults(run=_cmd_conformance)
    return parser


def _cmd_conformance(args: argparse.Namespace) -> int:
    from ..conformance._cli import main as conformance_main  # noqa: PLC0415  (see build_parser)

    return conformance_main(args.arguments, prog="modelfmt conformance")


def main(argv: Sequence[str] | None = None) -> int:
    with terminal_output():  # argparse's messages too: they quote the arguments, which may be file names
        args = build_parser().parse_args(argv)
        try:
            code: int = args.run(args)
        except BrokenPipeError:  # `modelfmt inspect big.mf | head`
            raw_stream(sys.stderr).close()
            return ExitCode.OK
    return code


if __name__ == "__main__":
    sys.exit(main())
