"""Known-answer vectors (SPEC.md §12.5, §12.6): the signed message and the signatures, byte for byte.

The message is rebuilt here from the spec's words, not from the implementation, and the signatures are
checked with `cryptography` directly, so these tests pin the format rather than the code.
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import modelfmt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from modelfmt.signing import _signatures as _signing

DATA = Path(__file__).resolve().parent / "data"
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _vectors(kat: dict[str, object]) -> list[dict[str, object]]:
    vectors = kat["vectors"]
    assert isinstance(vectors, list)
    return vectors


def test_data_directory_is_reproduced_byte_for_byte() -> None:
    import make_vectors  # noqa: PLC0415 - the generator beside this file; pytest puts its directory on sys.path

    built = make_vectors.build()
    for name, content in built.items():
        assert (DATA / name).read_bytes() == content, f"{name} differs from what make_vectors.py produces"
    # and nothing else: a vector dropped from the generator must not linger with a stale expectation
    assert sorted(path.name for path in DATA.iterdir()) == sorted([*built, "README.md"])


def test_test_keys_are_the_published_rfc_keys() -> None:
    ed = modelfmt.load_private_key(DATA / "test-ed25519.key")
    assert isinstance(ed, Ed25519PrivateKey)
    raw = ed.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    assert raw.hex() == "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
    # RFC 8032 TEST 1 public key
    assert ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex() == (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )
    p256 = modelfmt.load_private_key(DATA / "test-p256.key")
    assert isinstance(p256, ec.EllipticCurvePrivateKey)
    assert p256.private_numbers().private_value == 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721
    # RFC 6979 A.2.5 public key Ux
    assert p256.public_key().public_numbers().x == 0x60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6


def test_prefix_digest_is_sha256_of_everything_before_the_data_section(kat: dict[str, object]) -> None:
    unsigned = (DATA / str(kat["unsigned_file"])).read_bytes()
    data_start = kat["data_start"]
    assert isinstance(data_start, int) and data_start % 64 == 0
    header_length = struct.unpack_from("<Q", unsigned, 16)[0]
    assert data_start == -(-(24 + header_length) // 64) * 64
    assert hashlib.sha256(unsigned[:data_start]).hexdigest() == kat["prefix_sha256"]


def test_message_layout_from_the_spec(kat: dict[str, object]) -> None:
    digest = bytes.fromhex(str(kat["prefix_sha256"]))
    assert bytes.fromhex(str(kat["domain"])) == b"modelfmt-signature-v1\x00"
    for vector in _vectors(kat):
        attributes = vector["attributes"]
        assert isinstance(attributes, dict)
        # RFC 8785 for an object of strings: members sorted by key, no whitespace, minimal escapes.
        canonical = json.dumps(attributes, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        expected = b"modelfmt-signature-v1\x00" + digest + canonical.encode("utf-8")
        assert bytes.fromhex(str(vector["message"])) == expected
        assert _signing.signed_message(digest, attributes) == expected


@pytest.mark.parametrize("index", range(4))
def test_signature_known_answer(kat: dict[str, object], index: int) -> None:
    vector = _vectors(kat)[index]
    key = modelfmt.load_private_key(DATA / str(vector["private_key"]))
    public = modelfmt.load_public_key(DATA / str(vector["public_key"]))
    message = bytes.fromhex(str(vector["message"]))
    signature = bytes.fromhex(str(vector["signature"]))
    assert len(signature) == 64
    assert modelfmt.key_id(public) == vector["key_id"] == modelfmt.key_id(key)
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert hashlib.sha256(der).hexdigest() == vector["key_id"]
    # Verified with cryptography directly, in the encoding §12.6 states.
    if isinstance(public, Ed25519PublicKey):
        public.verify(signature, message)
    else:
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        assert s <= P256_ORDER // 2, "signers must produce low-S signatures"
        public.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
    # Signing again gives the same bytes (Ed25519; RFC 6979 + low-S for ECDSA).
    digest = bytes.fromhex(str(kat["prefix_sha256"]))
    attributes = vector["attributes"]
    assert isinstance(attributes, dict)
    assert _signing.sign(key, digest, attributes).signature == signature


@pytest.mark.parametrize("index", range(4))
def test_golden_signed_files_verify_forever(kat: dict[str, object], index: int) -> None:
    vector = _vectors(kat)[index]
    signed = (DATA / str(vector["signed_file"])).read_bytes()
    assert hashlib.sha256(signed).hexdigest() == vector["signed_file_sha256"]
    result = modelfmt.verify_file(DATA / str(vector["signed_file"]), DATA / str(vector["public_key"]))
    assert result.key_id == vector["key_id"]
    assert result.algorithm == vector["algorithm"]
    assert dict(result.attributes) == vector["attributes"]
    # The file is the unsigned file plus exactly one block: body, u64 LE length, end magic.
    unsigned = (DATA / str(kat["unsigned_file"])).read_bytes()
    assert signed.startswith(unsigned)
    tail = signed[len(unsigned) :]
    assert tail[-8:] == b"\x89MFS\r\n\x1a\n"
    assert struct.unpack("<Q", tail[-16:-8])[0] == len(tail) - 16
    body = json.loads(tail[:-16])
    assert body["signatures"][0]["signature"] == vector["signature"]


def test_file_signed_by_both_keys(kat: dict[str, object]) -> None:
    path = DATA / str(kat["both_file"])
    assert hashlib.sha256(path.read_bytes()).hexdigest() == kat["both_file_sha256"]
    ed = modelfmt.verify_file(path, DATA / "test-ed25519.pub")
    p256 = modelfmt.verify_file(path, DATA / "test-p256.pub")
    assert (ed.algorithm, p256.algorithm) == ("ed25519", "ecdsa-p256-sha256")
    assert [info.status for info in ed.signatures] == ["verified", "untrusted"]
    both = modelfmt.verify_file(path, [DATA / "test-ed25519.pub", DATA / "test-p256.pub"])
    assert both.key_id == ed.key_id  # the first valid signature in block order decides
    assert [info.status for info in both.signatures] == ["verified", "verified"]


def test_entry_of_an_unknown_algorithm_is_ignored(kat: dict[str, object]) -> None:
    case = kat["unknown_algorithm"]
    assert isinstance(case, dict)
    path = DATA / case["file"]
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == case["file_sha256"]
    # Adding it changed no byte before the block: still a 1.0 file, so the Ed25519 signature stays valid.
    unsigned = (DATA / str(kat["unsigned_file"])).read_bytes()
    assert data.startswith(unsigned) and struct.unpack_from("<HH", data, 8) == (1, 0)
    (length,) = struct.unpack("<Q", data[-16:-8])
    unknown, known = json.loads(data[-16 - length : -16])["signatures"]
    assert unknown["algorithm"] == "ml-dsa-65" and len(bytes.fromhex(unknown["signature"])) == 3309
    assert known == json.loads((DATA / "kat-test-ed25519.mf").read_bytes()[len(unsigned) : -16])["signatures"][0]
    modelfmt.load_file(path)  # valid for a reader given no keys
    result = modelfmt.verify_file(path, DATA / case["trusted_key"])
    assert result.key_id == case["verified_key_id"]
    assert [info.status for info in result.signatures] == ["unsupported", "verified"]


def test_failure_vectors(kat: dict[str, object]) -> None:
    failures = kat["failures"]
    assert isinstance(failures, list) and len(failures) >= 8
    for case in failures:
        path, key = DATA / case["file"], DATA / case["trusted_key"]
        with pytest.raises(modelfmt.ModelfmtError) as caught:
            modelfmt.verify_file(path, key)
        assert caught.value.code == case["code"], case["file"]
        # The failure is about the signature or its block, never the data: the tensors are intact.
        if case["code"] in ("SIGNATURE_INVALID", "SIGNATURE_MISSING", "SIGNATURE_UNTRUSTED"):
            modelfmt.load_file(path)
