"""The runner never crashes or hangs because of an implementation: a hang is a timeout with the process
group killed, garbage is a failure with the output shown (escaped), a crash or a signal is a failure,
oversized output is a failure; and it says which vector failed and why."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from conformance_helpers import PROCESS_TIMEOUT, PYTHON, REFERENCE, SUITE, run_runner
from modelfmt.conformance import Options, Verdict, load_suite, run
from modelfmt.conformance._runner import split_command

FAKE = Path(__file__).resolve().parent / "fake_implementation.py"
VALID = "valid.container.appendix-a"
INVALID = "invalid.content.data-flip"  # DIGEST_MISMATCH
FILTERS = ("--filter", VALID, "--filter", INVALID)
# The fakes that hang sleep for an hour: a runner back within this many seconds did not wait for them, however
# slowly the processes start on a loaded machine.
RETURNS_WITHIN = 300


def fake(mode: str, role: str = "reader") -> str:
    return f"{PYTHON} {FAKE} {mode} {role}"


def report(*args: str) -> tuple[int, dict[str, Any]]:
    completed = run_runner(*args, "--json", timeout=RETURNS_WITHIN)
    return completed.returncode, json.loads(completed.stdout)


def in_process(**options: Any) -> list[Verdict]:
    """The runner's API on the repository's suite: the same code as the command, without its start-up;
    with a timeout that only a real hang reaches."""
    return run(load_suite(SUITE), Options(**{"timeout": PROCESS_TIMEOUT, **options}))


def by_id(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in result["results"]}


@pytest.mark.slow
def test_a_hang_is_a_timeout_and_the_process_group_is_killed() -> None:
    """The one test with a short timeout: the fake sleeps for an hour, the runner kills it after 1 s."""
    started = time.monotonic()
    code, result = report("--reader", fake("hang"), "--timeout", "1", *FILTERS)
    assert time.monotonic() - started < RETURNS_WITHIN
    assert code == 1
    for item in result["results"]:
        assert item["status"] == "fail" and item["outcome"] == "failure"
        assert "no exit within 1 s" in item["detail"]


@pytest.mark.slow
def test_a_grandchild_holding_the_pipes_cannot_hang_the_runner() -> None:
    started = time.monotonic()
    code, result = report("--reader", fake("orphan"), "--filter", VALID)
    assert time.monotonic() - started < RETURNS_WITHIN
    assert code == 1
    assert "wrong result" in by_id(result)[VALID]["detail"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "detail"),
    [
        ("garbage", "malformed result document"),
        ("crash", "killed by SIGSEGV"),
        ("exit3", "exit status 3"),
        ("bad-rejection", "without `CODE: message`"),
        ("unknown-code", "without `CODE: message`"),
        ("stderr-flood", "standard error exceeds"),
        ("duplicate-keys", "duplicate key"),
    ],
)
def test_misbehaviour_is_a_failure_with_the_reason(mode: str, detail: str) -> None:
    (verdict,) = in_process(reader=split_command(fake(mode)), filters=(VALID,))
    assert not verdict.passed
    assert detail in verdict.detail


@pytest.mark.slow
def test_garbage_is_shown_escaped() -> None:
    completed = run_runner("--reader", fake("garbage"), "--filter", VALID)
    assert completed.returncode == 1
    assert "\\x1b[31mnot json\\x00" in completed.stdout
    assert "\x1b" not in completed.stdout


def test_codes_are_compared_only_with_strict() -> None:
    (verdict,) = in_process(reader=split_command(fake("reject-syntax")), filters=(INVALID,))
    assert verdict.passed and verdict.code_differs
    (verdict,) = in_process(reader=split_command(fake("reject-syntax")), filters=(INVALID,), strict=True)
    assert not verdict.passed and verdict.detail == "expected DIGEST_MISMATCH, got HEADER_SYNTAX"


def test_accepting_an_invalid_file_and_rejecting_a_valid_one_fail() -> None:
    invalid, valid = in_process(reader=split_command(fake("accept-empty")), filters=(VALID, INVALID))  # manifest order
    assert "accepted an invalid vector" in invalid.detail and not invalid.passed
    assert "/header: missing" in valid.detail and not valid.passed
    _, valid = in_process(reader=split_command(fake("reject-syntax")), filters=(VALID, INVALID))
    assert valid.outcome == "rejected" and not valid.passed


def test_a_writer_that_writes_nothing_fails() -> None:
    (verdict,) = in_process(writer=split_command(fake("write-nothing", "writer")), filters=("write.valid.appendix-a",))
    assert not verdict.passed and "no output file" in verdict.detail


def test_roles_not_given_are_skipped_and_text_report_has_a_summary() -> None:
    completed = run_runner("--reader", f"{REFERENCE} reader", "--filter", "*appendix-a")
    assert completed.returncode == 0, completed.stdout
    lines = completed.stdout.splitlines()
    assert f"ok   {VALID} [read, valid]" in lines
    assert "skip write.valid.appendix-a [write, valid]" in lines
    assert lines[-1].startswith("conformance: 1 vectors run (1 read), 1 passed, 0 failed, 1 skipped")


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["no-batch", "short-batch"])
def test_a_failed_batch_is_run_again_one_process_per_file(mode: str) -> None:
    code, result = report("--reader", fake(mode), "--batch", "--strict", "--filter", "*.content.bool-*")
    assert code == 0, [item for item in result["results"] if item["status"] != "pass"]
    assert result["summary"]["run"] == 3


@pytest.mark.slow
def test_usage_errors() -> None:
    assert run_runner().returncode == 2  # no role
    assert run_runner("--reader", "x", "--filter", "no-such-vector").returncode == 2
    assert run_runner("--reader", "'unclosed").returncode == 2
    completed = run_runner("--reader", "x", "--suite", "/nonexistent")
    assert completed.returncode == 2 and "no conformance suite" in completed.stderr


def test_missing_program_is_a_failure_not_a_crash() -> None:
    code, result = report("--reader", "/nonexistent/program", "--filter", VALID)
    assert code == 1
    assert "cannot start the implementation" in by_id(result)[VALID]["detail"]


def test_oversized_stdout_is_a_failure(tmp_path: Path) -> None:
    """In-process, with a small limit: the cap of PROTOCOL.md is 256 MiB, too much to stream in a test."""
    (verdict,) = in_process(reader=split_command(f"{REFERENCE} reader"), max_stdout=100, filters=(VALID,))
    assert not verdict.passed and "standard output exceeds" in verdict.detail


def test_a_damaged_suite_file_is_reported(tmp_path: Path) -> None:
    suite = load_suite(SUITE)
    vector = next(vector for vector in suite.vectors if vector.id == VALID)
    copy = tmp_path / "suite"
    shutil.copytree(SUITE, copy, ignore=shutil.ignore_patterns("implementations", "generator"))
    assert vector.file.path is not None
    target = copy / vector.file.path
    target.write_bytes(target.read_bytes()[:-1] + b"\x00")
    (verdict,) = run(load_suite(copy), Options(reader=split_command(f"{REFERENCE} reader"), filters=(VALID,)))
    assert not verdict.passed and "differs from the manifest" in verdict.detail
