"""Every entry's verdict, as `modelfmt verify` and `check --key` report it (SPEC.md §12.9, §17.21): text and
`--json`, on success and on failure, so that an unchecked entry never passes for a checked one and a
tampered co-signer is never silent. The command runs in this process (`cli.main`), as in test_core_cli."""

from __future__ import annotations

import contextlib
import io
import json
import struct
from collections.abc import Callable
from pathlib import Path

import modelfmt
import pytest
from modelfmt import cli
from modelfmt.signing import _keys

DATA = Path(__file__).resolve().parent / "data"
END_MAGIC = b"\x89MFS\r\n\x1a\n"
UNKNOWN = {
    "algorithm": "ml-dsa-65",
    "key_id": "ab" * 32,
    "signature": "cd" * 3309,
    "attributes": {"signer": "a claim nobody checked"},
}


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main([str(arg) for arg in args])
    return status, out.getvalue(), err.getvalue()


Entries = list[dict[str, object]]


def with_body(data: bytes, change: Callable[[Entries], Entries]) -> bytes:
    """`data` with its block body's entries replaced by `change(entries)`."""
    (length,) = struct.unpack("<Q", data[-16:-8])
    base, body = data[: -16 - length], json.loads(data[-16 - length : -16])
    body["signatures"] = change(body["signatures"])
    encoded = json.dumps(body, ensure_ascii=False).encode()
    return base + encoded + struct.pack("<Q", len(encoded)) + END_MAGIC


@pytest.fixture
def co_signed(model: bytes, ed_key: _keys.PrivateKey, p256_key: _keys.PrivateKey) -> bytes:
    first = modelfmt.sign_bytes(model, ed_key, attributes={"signer": "Alice"})
    return modelfmt.sign_bytes(first, p256_key, attributes={"signer": "Bob"})


def _ids(ed_key: _keys.PrivateKey, p256_key: _keys.PrivateKey) -> tuple[str, str]:
    return modelfmt.key_id(ed_key), modelfmt.key_id(p256_key)


def test_verify_fails_on_a_tampered_co_signer_and_names_every_entry(
    co_signed: bytes, tmp_path: Path, ed_key: _keys.PrivateKey, p256_key: _keys.PrivateKey
) -> None:
    path = tmp_path / "model.mf"
    path.write_bytes(with_body(co_signed, lambda found: [found[0], {**found[1], "attributes": {"signer": "Eve"}}]))
    ed_id, p256_id = _ids(ed_key, p256_key)
    keys = ("--key", DATA / "test-ed25519.pub", "--key", DATA / "test-p256.pub")
    status, out, err = run("verify", path, *keys)
    assert (status, out) == (1, "")
    lines = err.splitlines()
    assert lines[0].startswith(f"{path}: FAILED SIGNATURE_INVALID: the signature by trusted key {p256_id[:16]}")
    assert lines[1:] == [
        "  signature block, 2 entries (the block itself is not covered by any signature):",
        f"    1. {ed_id} (ed25519): valid, by a trusted key",
        f"    2. {p256_id} (ecdsa-p256-sha256): INVALID: by a trusted key, and it does not verify",
    ]
    status, out, err = run("verify", "--json", path, *keys)
    (report,) = json.loads(out)
    assert (status, err, report["valid"], report["error"]["code"]) == (1, "", False, "SIGNATURE_INVALID")
    assert "signature" not in report  # nothing verified
    assert [(entry["key_id"], entry["status"]) for entry in report["signatures"]] == [
        (ed_id, "verified"),
        (p256_id, "invalid"),
    ]
    assert report["signatures"][1]["attributes"] == {"signer": "Eve"}
    assert report["signatures"][1]["attributes_verified"] is False


def test_verify_lists_unchecked_entries_beside_the_verified_one(
    co_signed: bytes, tmp_path: Path, ed_key: _keys.PrivateKey, p256_key: _keys.PrivateKey
) -> None:
    path = tmp_path / "model.mf"
    path.write_bytes(with_body(co_signed, lambda entries: [*entries, UNKNOWN]))
    ed_id, p256_id = _ids(ed_key, p256_key)
    status, out, err = run("verify", path, "--key", DATA / "test-ed25519.pub")
    assert (status, err) == (0, "")
    assert out.splitlines()[1:] == [
        f"  signed by {ed_id} (ed25519): signature valid",
        "    signer: Alice",
        "  signature block, 3 entries (the block itself is not covered by any signature):",
        f"    1. {ed_id} (ed25519): valid, by a trusted key",
        f"    2. {p256_id} (ecdsa-p256-sha256): not checked: the key is not one of the --key keys",
        f"    3. {'ab' * 32} (ml-dsa-65): not checked: unknown algorithm ml-dsa-65 (cannot be verified by this reader)",
    ]
    status, out, _ = run("verify", "--json", path, "--key", DATA / "test-ed25519.pub")
    (report,) = json.loads(out)
    assert (status, report["valid"], report["signature"]["key_id"]) == (0, True, ed_id)
    assert [entry["status"] for entry in report["signatures"]] == ["verified", "untrusted", "unsupported"]


def test_a_single_verified_signature_is_one_line(model: bytes, tmp_path: Path, ed_key: _keys.PrivateKey) -> None:
    path = tmp_path / "model.mf"
    path.write_bytes(modelfmt.sign_bytes(model, ed_key, attributes={"signer": "Alice"}))
    status, out, _ = run("verify", path, "--key", DATA / "test-ed25519.pub")
    assert status == 0 and "signature block" not in out and "signer: Alice" in out


def test_check_with_keys_shows_every_verdict_of_a_failed_file(
    co_signed: bytes, tmp_path: Path, ed_key: _keys.PrivateKey
) -> None:
    path = tmp_path / "model.mf"
    path.write_bytes(with_body(co_signed, lambda entries: [{**entries[0], "signature": "00" * 64}, entries[1]]))
    keys = ("--key", DATA / "test-ed25519.pub", "--key", DATA / "test-p256.pub")
    status, out, _ = run("check", path, *keys)
    assert status == 1 and "INVALID SIGNATURE_INVALID" in out
    assert f"    1. {modelfmt.key_id(ed_key)} (ed25519): INVALID: by a trusted key, and it does not verify" in out
    assert "    2. " in out and "(ecdsa-p256-sha256): valid, by a trusted key" in out
    status, out, _ = run("check", "--json", path, *keys)
    (report,) = json.loads(out)
    assert [entry["status"] for entry in report["signatures"]] == ["invalid", "verified"]


def test_verify_of_an_unsigned_file_has_no_verdicts(model: bytes, tmp_path: Path) -> None:
    path = tmp_path / "model.mf"
    path.write_bytes(model)
    status, out, err = run("verify", path, "--key", DATA / "test-ed25519.pub")
    assert status == 1 and "SIGNATURE_MISSING" in err and "signature block" not in err
    status, out, _ = run("verify", "--json", path, "--key", DATA / "test-ed25519.pub")
    (report,) = json.loads(out)
    assert (report["error"]["code"], report["signatures"]) == ("SIGNATURE_MISSING", [])
