"""`modelfmt conformance ...`: run the suite against any implementation, or be the reference one.

modelfmt conformance run --reader 'CMD' [--verifier 'CMD'] [--writer 'CMD'] [--strict] [--json]
                         [--timeout S] [--filter GLOB]... [--jobs N] [--batch] [--suite DIR]
modelfmt conformance reader FILE | reader --batch LIST | verifier FILE KEY... | writer TASK OUT
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from ..format._display import terminal_text
from ..format._exit_codes import ExitCode
from . import _reference, _report, _runner
from ._manifest import SuiteError, load_suite

DEFAULT_SUITE: Final = Path("conformance")


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _cmd_run(args: argparse.Namespace) -> int:
    if args.reader is None and args.verifier is None and args.writer is None:
        print("modelfmt conformance run: give at least one of --reader, --verifier, --writer", file=sys.stderr)
        return ExitCode.USAGE
    try:
        suite = load_suite(Path(args.suite))
        options = _runner.Options(
            reader=None if args.reader is None else _runner.split_command(args.reader),
            verifier=None if args.verifier is None else _runner.split_command(args.verifier),
            writer=None if args.writer is None else _runner.split_command(args.writer),
            strict=args.strict,
            timeout=args.timeout,
            filters=tuple(args.filter),
            jobs=args.jobs if args.jobs is not None else _runner.default_jobs(),
            batch=args.batch,
        )
    except (SuiteError, _runner.CommandError) as exc:
        print(f"modelfmt conformance run: {terminal_text(str(exc))}", file=sys.stderr)
        return ExitCode.USAGE
    if not _runner.selected(suite, options.filters):
        filters = ", ".join(terminal_text(pattern) for pattern in options.filters)
        print(f"modelfmt conformance run: no vector id matches {filters}", file=sys.stderr)
        return ExitCode.USAGE
    verdicts = _runner.run(suite, options, None if args.json else lambda v: _report.write_text(v, sys.stdout))
    if args.json:
        report = _report.as_json(verdicts, strict=args.strict, suite=str(suite.root))
        print(json.dumps(report, indent=2, ensure_ascii=True))  # ASCII: no control reaches the terminal
    else:
        print(_report.summary(verdicts, strict=args.strict))
    failed = any(not verdict.passed for verdict in verdicts)
    return ExitCode.FAILED if failed else ExitCode.OK


def _cmd_role(args: argparse.Namespace) -> int:
    return _reference.main([args.role, *args.arguments])


def _add_subcommands(parser: argparse.ArgumentParser) -> None:
    roles = parser.add_subparsers(dest="conformance_command", required=True, metavar="SUBCOMMAND")
    run = roles.add_parser("run", help="drive an implementation through every vector and report")
    run.add_argument("--reader", metavar="CMD", help="reader command; FILE is appended")
    run.add_argument("--verifier", metavar="CMD", help="verifier command; FILE KEY... are appended")
    run.add_argument("--writer", metavar="CMD", help="writer command; TASK OUT are appended")
    run.add_argument("--strict", action="store_true", help="also require the expected error code")
    run.add_argument("--json", action="store_true", help="print one JSON report instead of lines")
    run.add_argument(
        "--timeout", type=_positive, default=_runner.DEFAULT_TIMEOUT, metavar="S", help="seconds per process"
    )
    run.add_argument("--filter", action="append", default=[], metavar="GLOB", help="only vector ids matching")
    run.add_argument("--jobs", type=int, metavar="N", help="processes at a time (default: the CPU count)")
    run.add_argument(
        "--batch",
        action="store_true",
        help="give the reader many files per process (its optional batch mode, PROTOCOL.md); a batch that "
        "fails in any way is run again one process per vector",
    )
    run.add_argument(
        "--suite", default=str(DEFAULT_SUITE), metavar="DIR", help="the suite folder (default: ./conformance)"
    )
    run.set_defaults(run=_cmd_run)
    for role, text in (
        ("reader", "the reference reader: FILE, or --batch LIST"),
        ("verifier", "the reference verifier: FILE KEY..."),
        ("writer", "the reference writer: TASK OUT"),
    ):
        sub = roles.add_parser(role, help=text, prefix_chars="\0")  # pass --batch through untouched
        sub.add_argument("arguments", nargs="*")
        sub.set_defaults(run=_cmd_role, role=role)


def main(argv: Sequence[str] | None = None, prog: str = "python -m modelfmt.conformance") -> int:
    """`python -m modelfmt.conformance ...` and `modelfmt conformance ...` (which hands its arguments here, so
    that no other command imports the runner)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    _add_subcommands(parser)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code
