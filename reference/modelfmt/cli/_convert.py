"""`modelfmt convert SRC DST [options]`: argument parsing and messages; the work is `convert()`."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from ..convert._api import convert
from ..convert._destinations import DESTINATIONS
from ..convert._errors import ConversionError
from ..convert._zipguard import DEFAULT_MAX_RATIO
from ..format._display import terminal_line as one_line
from ..format._display import terminal_text as shown
from ..format._errors import ModelfmtError
from ..format._exit_codes import ExitCode
from ._terminal import print_json


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "convert",
        help="convert a model from or to safetensors, numpy, PyTorch, Hugging Face or Keras",
        description=(
            "Convert SRC into DST. The source format is recognised from the content (not the file name): "
            "modelfmt, safetensors, .npy, .npz, PyTorch checkpoint, Hugging Face model folder, Keras 3 "
            "archive. DST is written atomically: on any error nothing is left there."
        ),
    )
    parser.add_argument("source", metavar="SRC", help="a model file, or a Hugging Face model folder")
    parser.add_argument("destination", metavar="DST", help="the file to write")
    parser.add_argument(
        "--to",
        choices=list(DESTINATIONS),
        default=None,
        help="destination format (default: modelfmt; safetensors when SRC is modelfmt)",
    )
    parser.add_argument("--name", default=None, help="tensor name for a single .npy source (default: its stem)")
    parser.add_argument(
        "--weights-only",
        action="store_true",
        help="do not build an architecture from a Hugging Face or Keras config (weights and config only)",
    )
    parser.add_argument(
        "--max-compression-ratio",
        type=int,
        default=DEFAULT_MAX_RATIO,
        metavar="N",
        help=f"refuse zip sources that expand more than N times (zip bombs; default {DEFAULT_MAX_RATIO})",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the report (or the failure) as one JSON object on stdout"
    )
    parser.set_defaults(run=run)


def _fail(args: argparse.Namespace, text: str, code: str | None) -> int:
    """A failure: on stderr as a line, or with --json also as a JSON object on stdout (ASCII, SPEC.md §17.18)."""
    print(text, file=sys.stderr)
    if args.json:
        print_json({"source": args.source, "destination": args.destination, "ok": False, "code": code})
    return ExitCode.FAILED


def run(args: argparse.Namespace) -> int:
    try:
        report = convert(
            args.source,
            args.destination,
            to=args.to,
            name=args.name,
            weights_only=args.weights_only,
            max_compression_ratio=args.max_compression_ratio,
        )
    # Messages name layers, keys and members of the source: each is printed as one escaped value.
    except ConversionError as exc:
        return _fail(args, f"{shown(args.source)}: cannot convert: {one_line(str(exc))}", exc.code)
    except ModelfmtError as exc:  # a modelfmt source that is itself invalid
        return _fail(args, f"{shown(args.source)}: cannot convert: {exc.code}: {one_line(str(exc))}", exc.code)
    except OSError as exc:
        where = shown(str(exc.filename or args.source))
        return _fail(args, f"cannot convert: {where}: {one_line(str(exc.strerror or exc))}", None)
    if args.json:
        document = {"source": args.source, "destination": args.destination, "ok": True, **dataclasses.asdict(report)}
        print_json(document)
        return ExitCode.OK
    architecture = ", with architecture" if report.architecture else ""
    print(
        f"{shown(args.source)} ({shown(report.source_format)}) -> {shown(args.destination)} "
        f"({shown(report.destination_format)}): {report.tensors} tensors, {report.data_bytes} bytes of data"
        f"{architecture}"
    )
    for note in report.notes:
        print(f"  note: {one_line(note)}", file=sys.stderr)
    return ExitCode.OK
