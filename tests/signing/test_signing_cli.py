"""The signature commands as a user runs them: exit codes (0 ok, 1 invalid, 2 usage), one clean line
per failure naming the reason, never a traceback."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import stat
import struct
import subprocess
import sys
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from modelfmt import cli

# Nearly every test here starts the command as a process, several times (1 to 4 s each on a busy 2-core machine).
pytestmark = pytest.mark.slow
DATA = Path(__file__).resolve().parent / "data"


def run(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    environment.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "modelfmt", *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        check=False,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def run_inprocess(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`cli.main` in this process: the same code path as the command, without interpreter start-up.
    An unexpected exception propagates and fails the test, just as a traceback would."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main([str(arg) for arg in args])
        except SystemExit as exit_:  # argparse usage errors
            code = int(exit_.code or 0)
    return subprocess.CompletedProcess(list(map(str, args)), code, out.getvalue(), err.getvalue())


@pytest.fixture
def workdir(tmp_path: Path, model: bytes) -> Path:
    (tmp_path / "model.mf").write_bytes(model)
    return tmp_path


def test_keygen_sign_verify_walkthrough(workdir: Path) -> None:
    keygen = run("keygen", workdir / "alice")
    assert keygen.returncode == 0, keygen.stderr
    key_id = keygen.stdout.strip()
    assert len(key_id) == 64 and set(key_id) <= set("0123456789abcdef")
    assert stat.S_IMODE((workdir / "alice.key").stat().st_mode) == 0o600
    assert modelfmt.key_id(modelfmt.load_public_key(workdir / "alice.pub")) == key_id

    sign = run("sign", workdir / "model.mf", "--key", workdir / "alice.key", "--signer", "Alice")
    assert sign.returncode == 0, sign.stderr
    assert key_id in sign.stdout

    verify = run("verify", workdir / "model.mf", "--key", workdir / "alice.pub")
    assert verify.returncode == 0, verify.stderr
    assert "VERIFIED" in verify.stdout and key_id in verify.stdout and "signer: Alice" in verify.stdout

    check = run("check", workdir / "model.mf", "--key", workdir / "alice.pub", "--require-signature")
    assert check.returncode == 0, check.stderr
    assert "OK" in check.stdout and "signature valid" in check.stdout


def test_second_sign_adds_a_second_signature(workdir: Path) -> None:
    run("keygen", workdir / "alice")
    run("keygen", workdir / "bob", "--algorithm", "ecdsa-p256")
    run("sign", workdir / "model.mf", "--key", workdir / "alice.key")
    second = run("sign", workdir / "model.mf", "--key", workdir / "bob.key")
    assert second.returncode == 0 and "2 signature(s)" in second.stdout
    infos = modelfmt.read_signatures(workdir / "model.mf")
    assert [info.algorithm for info in infos] == ["ed25519", "ecdsa-p256-sha256"]
    for name in ("alice", "bob"):
        assert run("verify", workdir / "model.mf", "--key", workdir / f"{name}.pub").returncode == 0
    # A directory of .pub files, and several --key options, are accepted.
    keys = workdir / "keys"
    keys.mkdir()
    (keys / "bob.pub").write_bytes((workdir / "bob.pub").read_bytes())
    assert run("verify", workdir / "model.mf", "--key", keys).returncode == 0
    assert run("verify", workdir / "model.mf", "--key", DATA / "test-p256.pub", "--key", keys).returncode == 0


def test_sign_is_reproducible_with_source_date_epoch(workdir: Path, model: bytes) -> None:
    (workdir / "copy.mf").write_bytes(model)
    env = {"SOURCE_DATE_EPOCH": "1735689600"}
    for name in ("model.mf", "copy.mf"):
        assert run("sign", workdir / name, "--key", DATA / "test-ed25519.key", env=env).returncode == 0
    assert (workdir / "model.mf").read_bytes() == (workdir / "copy.mf").read_bytes()
    (info,) = modelfmt.read_signatures(workdir / "model.mf")
    assert info.attributes["time"] == "2025-01-01T00:00:00Z"
    run("sign", workdir / "copy.mf", "--key", DATA / "test-ed25519.key", "--no-time")
    (info,) = modelfmt.read_signatures(workdir / "copy.mf")
    assert "time" not in info.attributes


def test_passphrase_protected_key(workdir: Path) -> None:
    env = {"MODELFMT_PASS": "s3cret passphrase"}
    assert run("keygen", workdir / "k", "--passphrase-env", "MODELFMT_PASS", env=env).returncode == 0
    assert b"ENCRYPTED" in (workdir / "k.key").read_bytes()
    no_pass = run("sign", workdir / "model.mf", "--key", workdir / "k.key")
    assert no_pass.returncode == 2 and "passphrase" in no_pass.stderr
    wrong = run("sign", workdir / "model.mf", "--key", workdir / "k.key", "--passphrase-env", "MODELFMT_PASS",
                env={"MODELFMT_PASS": "wrong"})
    assert wrong.returncode == 2 and "wrong passphrase" in wrong.stderr
    ok = run("sign", workdir / "model.mf", "--key", workdir / "k.key", "--passphrase-env", "MODELFMT_PASS", env=env)
    assert ok.returncode == 0, ok.stderr
    unset = run("keygen", workdir / "j", "--passphrase-env", "MODELFMT_UNSET_VARIABLE")
    assert unset.returncode == 2 and "MODELFMT_UNSET_VARIABLE" in unset.stderr
    assert not (workdir / "j.key").exists()


def test_keygen_refuses_to_overwrite(workdir: Path) -> None:
    first = run("keygen", workdir / "k")
    again = run("keygen", workdir / "k")
    assert again.returncode == 2 and "exists" in again.stderr
    assert modelfmt.key_id(modelfmt.load_private_key(workdir / "k.key")) == first.stdout.strip()
    assert run("keygen", workdir / "k", "--force").returncode == 0


@pytest.fixture
def signed_dir(workdir: Path) -> Path:
    run("sign", workdir / "model.mf", "--key", DATA / "test-ed25519.key", "--signer", "Test", "--no-time")
    return workdir


def _tampered(path: Path, what: str) -> Path:
    data = bytearray(path.read_bytes())
    header = modelfmt.read_header(path)
    if what == "header":
        position = bytes(data).index(b"signing fixture")
        data[position] ^= 0x20
    else:
        data[header.data_start + header.tensor("encoder.bias").offset] ^= 1
    out = path.with_name(f"{what}.mf")
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unsigned", "SIGNATURE_MISSING"),
        ("unknown key", "SIGNATURE_UNTRUSTED"),
        ("header edited", "SIGNATURE_INVALID"),
        ("data edited", "DIGEST_MISMATCH"),
        ("not a model", "BAD_MAGIC"),
        ("missing file", "cannot read"),
    ],
)
@pytest.mark.parametrize("command", ["verify", "check"])
def test_failures_exit_1_with_the_reason(
    signed_dir: Path, model: bytes, case: str, expected: str, command: str
) -> None:
    key = DATA / "test-ed25519.pub"
    path = signed_dir / "model.mf"
    if case == "unsigned":
        path = signed_dir / "unsigned.mf"
        path.write_bytes(model)
    elif case == "unknown key":
        key = DATA / "test-p256.pub"
    elif case == "header edited":
        path = _tampered(path, "header")
    elif case == "data edited":
        path = _tampered(path, "data")
    elif case == "not a model":
        path = signed_dir / "page.mf"
        path.write_text("<!DOCTYPE html><html><body>Access denied</body></html>")
    elif case == "missing file":
        path = signed_dir / "absent.mf"
    # verify through a real process; check in-process (the same exit-code mapping, faster)
    result = run(command, path, "--key", key) if command == "verify" else run_inprocess(command, path, "--key", key)
    assert result.returncode == 1, (result.stdout, result.stderr)
    output = result.stdout + result.stderr
    assert expected in output
    if case == "data edited":
        assert "`encoder.bias`" in output
    if case == "not a model":
        assert "HTML" in output


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "{model}"],
        ["verify", "{model}", "--key", "{absent}"],
        ["verify", "{model}", "--key", "{private}"],
        ["verify", "{model}", "--key", "{garbage}"],
        ["check", "{model}", "--require-signature"],
        ["sign", "{model}"],
        ["sign", "{model}", "--key", "{absent}"],
        ["sign", "{model}", "--key", "{pub}"],
        ["sign", "{model}", "--key", "{private}", "--signer", "bad\x1bname"],
        ["keygen", "{dir}/k", "--algorithm", "rsa"],
        ["keygen"],
    ],
)
def test_usage_errors_exit_2(signed_dir: Path, args: list[str]) -> None:
    (signed_dir / "garbage.pub").write_text("not a key")
    names = {
        "model": signed_dir / "model.mf",
        "absent": signed_dir / "absent.pub",
        "private": DATA / "test-ed25519.key",
        "pub": DATA / "test-ed25519.pub",
        "garbage": signed_dir / "garbage.pub",
        "dir": signed_dir,
    }
    result = run_inprocess(*(arg.format(**names) for arg in args))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip()


def test_signing_an_invalid_file_exits_1_and_keeps_it(workdir: Path, model: bytes) -> None:
    corrupt = bytearray(model)
    corrupt[-1] ^= 1
    (workdir / "model.mf").write_bytes(bytes(corrupt))
    result = run("sign", workdir / "model.mf", "--key", DATA / "test-ed25519.key")
    assert result.returncode == 1 and "DIGEST_MISMATCH" in result.stderr
    assert (workdir / "model.mf").read_bytes() == bytes(corrupt)


def test_check_without_key_is_unchanged_for_signed_files(signed_dir: Path) -> None:
    result = run("check", signed_dir / "model.mf")
    assert result.returncode == 0 and "OK" in result.stdout and "signature" not in result.stdout


def test_check_json_reports_the_signature(signed_dir: Path) -> None:
    result = run("check", "--json", signed_dir / "model.mf", "--key", DATA / "test-ed25519.pub")
    assert result.returncode == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert report["valid"] is True
    assert report["signature"]["algorithm"] == "ed25519"
    assert report["signature"]["attributes"] == {"signer": "Test"}
    assert report["signature"]["signatures"][0]["status"] == "verified"


def test_inspect_lists_signatures(signed_dir: Path, model: bytes) -> None:
    key_id = modelfmt.key_id(modelfmt.load_public_key(DATA / "test-ed25519.pub"))
    plain = run("inspect", signed_dir / "model.mf")
    assert plain.returncode == 0
    assert "signatures (1)" in plain.stdout and key_id in plain.stdout and "ed25519" in plain.stdout
    assert "signer: Test  (unverified claim)" in plain.stdout
    keyed = run("inspect", signed_dir / "model.mf", "--key", DATA / "test-ed25519.pub")
    assert "signer: Test  (verified)" in keyed.stdout
    other = run("inspect", signed_dir / "model.mf", "--key", DATA / "test-p256.pub")
    assert "(unverified claim)" in other.stdout and "not one of the --key keys" in other.stdout
    as_json = json.loads(run("inspect", "--json", signed_dir / "model.mf", "--key", DATA / "test-ed25519.pub").stdout)
    assert as_json["signatures"] == [
        {
            "algorithm": "ed25519",
            "key_id": key_id,
            "status": "verified",
            "attributes": {"signer": "Test"},
            "attributes_verified": True,
        }
    ]
    (signed_dir / "plain.mf").write_bytes(model)
    assert "signatures: none" in run("inspect", signed_dir / "plain.mf").stdout


def test_inspect_and_verify_report_a_malformed_block(signed_dir: Path) -> None:
    data = (signed_dir / "model.mf").read_bytes()
    broken = data.replace(b'"ed25519"', b'"Ed25519"')  # not an algorithm name
    (signed_dir / "broken.mf").write_bytes(broken)
    for command in (["inspect"], ["verify", "--key", str(DATA / "test-ed25519.pub")]):
        result = run(*command, signed_dir / "broken.mf")
        assert result.returncode == 1 and "SIGNATURE_BLOCK" in result.stderr


def _with_unknown_entry(path: Path, *, keep_known: bool) -> tuple[Path, str]:
    """A copy of the signed `path` with an ml-dsa-65 entry added (or alone); returns it and its key id."""
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[-16:-8])
    base, body = data[: -16 - length], json.loads(data[-16 - length : -16])
    key_id = hashlib.sha256(b"a post-quantum key").hexdigest()
    entry = {"algorithm": "ml-dsa-65", "key_id": key_id, "signature": os.urandom(3309).hex(), "attributes": {}}
    body["signatures"] = [*body["signatures"], entry] if keep_known else [entry]
    encoded = json.dumps(body).encode()
    out = path.with_name("mixed.mf" if keep_known else "only-unknown.mf")
    out.write_bytes(base + encoded + struct.pack("<Q", len(encoded)) + b"\x89MFS\r\n\x1a\n")
    return out, key_id


def test_unknown_algorithms_are_shown_and_skipped(signed_dir: Path) -> None:
    text = "unknown algorithm ml-dsa-65 (cannot be verified by this reader)"
    mixed, key_id = _with_unknown_entry(signed_dir / "model.mf", keep_known=True)
    key_options: list[list[str | Path]] = [[], ["--key", DATA / "test-ed25519.pub"]]
    for args in key_options:
        inspect = run_inprocess("inspect", mixed, *args)
        assert inspect.returncode == 0, inspect.stderr
        assert "signatures (2)" in inspect.stdout and f"2. ml-dsa-65  key {key_id}" in inspect.stdout
        assert text in inspect.stdout
    as_json = json.loads(run_inprocess("inspect", "--json", mixed).stdout)
    assert [entry["status"] for entry in as_json["signatures"]] == ["unchecked", "unsupported"]
    verify = run("verify", mixed, "--key", DATA / "test-ed25519.pub")
    assert verify.returncode == 0, verify.stderr
    assert "VERIFIED" in verify.stdout and f"2. {key_id} (ml-dsa-65): not checked: {text}" in verify.stdout
    check = run_inprocess("check", mixed, "--key", DATA / "test-ed25519.pub")
    assert check.returncode == 0 and text in check.stdout
    # Signed only with an algorithm this reader does not know: a valid file, but nothing a key can vouch for.
    alone, _ = _with_unknown_entry(signed_dir / "model.mf", keep_known=False)
    assert run_inprocess("check", alone).returncode == 0
    failed = run("verify", alone, "--key", DATA / "test-ed25519.pub")
    assert failed.returncode == 1 and "SIGNATURE_UNTRUSTED" in failed.stderr and text in failed.stderr


def test_sign_several_files(workdir: Path) -> None:
    for index in range(3):
        modelfmt.save_file({"x": np.full(4, index, np.float32)}, workdir / f"shard-{index}.mf")
    shards = [workdir / f"shard-{index}.mf" for index in range(3)]
    assert run("sign", *shards, "--key", DATA / "test-p256.key").returncode == 0
    assert run("verify", *shards, "--key", DATA / "test-p256.pub").returncode == 0
