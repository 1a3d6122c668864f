"""CLI pieces for the architecture (SPEC.md §9-10): `modelfmt run` and `modelfmt inspect --graph`.

`cli/__init__.py` wires them in; this module parses their options, calls the API and maps outcomes to
exit codes (`ExitCode`: 0 success, 1 bad file or inputs, 2 usage).
"""

from __future__ import annotations

import argparse
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import numpy as np

from ..container._header import Header
from ..format._display import terminal_line as one_line
from ..format._display import terminal_text as shown
from ..format._errors import ModelfmtError
from ..format._exit_codes import ExitCode

# ---- run ----------------------------------------------------------------------------------------------


def add_commands(commands: Any) -> None:  # argparse's subparsers action has no public type
    run_parser = commands.add_parser("run", help="execute the file's graph with the numpy reference runtime")
    run_parser.add_argument("file", metavar="FILE")
    run_parser.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=PATH.npy",
        help="a graph input from a .npy file (repeat; NAME= may be left out to give inputs in declared order)",
    )
    run_parser.add_argument("--output", metavar="OUT.npz", help="write the outputs to an .npz file")
    run_parser.add_argument(
        "--max-memory",
        type=size_argument,
        metavar="N",
        help="memory budget in bytes; suffixes K, M, G, T are powers of 1024 (default: max(256M, 4 x (file + inputs)))",
    )
    run_parser.add_argument(
        "--max-work",
        type=size_argument,
        metavar="N",
        help="work budget in work units (SPEC.md §9.11), same suffixes (default: 8 per byte of the memory budget)",
    )
    run_parser.set_defaults(run=_cmd_run)


_SIZE: Final = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([KMGTP]?)(?:i?B)?", re.IGNORECASE)
_SUFFIXES: Final = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5}


def size_argument(text: str) -> int:
    """`2G`, `512M`, `1.5G`, `1000000`: a count, with binary suffixes (K = 1024)."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"'{shown(text)}' is not a size such as 1000000, 512M or 2G")
    number, suffix = match.groups()
    return int(Decimal(number) * (1 << (10 * _SUFFIXES[suffix.upper()])))


def _load_inputs(specs: list[str]) -> dict[str, np.ndarray] | list[np.ndarray]:
    named = [spec.partition("=") for spec in specs]
    if any(sep for _, sep, _ in named) and not all(sep for _, sep, _ in named):
        raise ValueError("give every --input as NAME=PATH, or none of them")
    arrays = [np.load(path if sep else name, allow_pickle=False) for name, sep, path in named]
    for (name, sep, path), array in zip(named, arrays, strict=True):
        if not isinstance(array, np.ndarray):
            raise ValueError(f"{shown(path if sep else name)} is not a .npy file with one array")
    if named and named[0][1]:
        keys = [name for name, _, _ in named]
        if len(set(keys)) != len(keys):
            raise ValueError("an input is given twice")
        return dict(zip(keys, arrays, strict=True))
    return arrays


def _cmd_run(args: argparse.Namespace) -> int:
    try:
        inputs = _load_inputs(args.input)
    except (ValueError, OSError) as exc:
        print(f"modelfmt run: {one_line(str(exc))}", file=sys.stderr)  # numpy's messages quote the .npy header
        return ExitCode.USAGE
    try:
        from ..runtime._run import run  # noqa: PLC0415  (imported by the command that runs: start-up time)

        outputs = run(args.file, inputs, max_memory=args.max_memory, max_work=args.max_work)
    except ModelfmtError as exc:
        print(f"{shown(args.file)}: ERROR {exc.code}: {one_line(str(exc))}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {one_line(exc.hint)}", file=sys.stderr)
        return ExitCode.FAILED
    except OSError as exc:
        print(f"{shown(args.file)}: ERROR cannot read: {one_line(str(exc.strerror or exc))}", file=sys.stderr)
        return ExitCode.FAILED
    if args.output:
        # Written by name, never as keyword arguments (an output may be called `file` or `allow_pickle`),
        # and with member names that are not paths; like numpy.savez, `.npz` is added when missing.
        target = args.output if args.output.endswith(".npz") else f"{args.output}.npz"
        try:
            from ..convert._npz import write_arrays  # noqa: PLC0415  (as `run` above)

            write_arrays(Path(target), outputs)
        except OSError as exc:
            print(f"modelfmt run: cannot write {shown(target)}: {one_line(str(exc.strerror or exc))}", file=sys.stderr)
            return ExitCode.FAILED
        print(f"wrote {len(outputs)} outputs to {shown(args.output)}")
    for name, array in outputs.items():
        summary = ""
        if array.size and np.issubdtype(array.dtype, np.number):
            summary = f"  min {array.min():.6g}  max {array.max():.6g}  mean {array.mean():.6g}"
        print(f"{shown(name)}  {array.dtype}  {list(array.shape)}{summary}")
    return ExitCode.OK


# ---- inspect --graph ----------------------------------------------------------------------------------


def add_inspect_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--graph", metavar="OUT.svg", help="draw the architecture to an .svg (or .html) file for people to look at"
    )


def write_picture(path: str, header: Header, target: str) -> int:
    """`inspect --graph`: the picture of the file's architecture, or a message why there is none."""
    from ..graph._picture import render_html, render_svg  # noqa: PLC0415  (only `inspect --graph` draws)

    if header.architecture is None:
        print(f"{shown(path)}: no architecture to draw (the file holds tensors only)", file=sys.stderr)
        return ExitCode.FAILED
    graph = header.graph  # validated when the file was opened
    assert graph is not None  # present exactly when the architecture is
    tensors = {info.name: info for info in header.tensors}
    title = str(header.metadata.get("name", Path(path).name))
    text = (render_html if target.lower().endswith((".html", ".htm")) else render_svg)(graph, tensors, title=title)
    Path(target).write_text(text, encoding="utf-8")
    print(f"wrote {shown(target)}: {len(graph.nodes)} nodes", file=sys.stderr)
    return ExitCode.OK


__all__ = ["add_commands", "add_inspect_options", "write_picture"]
