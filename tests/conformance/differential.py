"""Mutants for differential testing: deterministic damage to valid files, and both readers' verdicts.

Every mutant comes from a valid vector by one named mutation with a fixed seed: bit flips, truncations,
appended bytes, and edits of the header text (duplicated keys, edited numbers, inserted whitespace,
edited strings, deleted punctuation) after which the preamble's header length and the padding are
recomputed, so that the damage reaches the JSON and structure rules instead of stopping at the length.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import struct
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import modelfmt
from differential_structure import big_tensor_file
from differential_structure import mutate as mutate_structure
from modelfmt.conformance import _process, _reference
from modelfmt.conformance._compare import OutputError, first_difference, load
from modelfmt.format._errors import ModelfmtError
from modelfmt.signing import _signatures as _signing

# §13.1: a header with more than one phase 2 defect may be reported by any of them, so two readers may
# differ there without either being wrong (a mutation can create two such defects at once).
PHASE_2: frozenset[str] = frozenset(
    {"HEADER_ENCODING", "HEADER_SYNTAX", "HEADER_DUPLICATE_KEY", "HEADER_NUMBER", "HEADER_DEPTH"}
)

Verdict = tuple[int, object]  # (0, result document) or (1, code); (-1, reason) when the reader misbehaved


def reframe(original: bytes, header: bytes) -> bytes:
    """`original` with a new header text: L and the padding recomputed, the data section kept."""
    (length,) = struct.unpack_from("<Q", original, 16)
    start = -(-(24 + length) // 64) * 64
    preamble = original[:16] + struct.pack("<Q", len(header))
    return preamble + header + bytes(-(24 + len(header)) % 64) + original[start:]


def _header(data: bytes) -> bytes:
    (length,) = struct.unpack_from("<Q", data, 16)
    return data[24 : 24 + length]


_NUMBER = re.compile(rb"-?\b[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_KEY = re.compile(rb'"(?:[^"\\]|\\.)*":')
_STRING_CHAR = re.compile(rb'"[^"\\]{2,}"')
_PUNCTUATION = re.compile(rb"[{}\[\],:]")
NUMBER_EDITS = (
    lambda n: n + b".0",
    lambda n: n + b"e0",
    lambda n: b"0" + n,
    lambda n: b"-" + n,
    lambda n: n + b"0" * 17,
    lambda n: b"1e400",
    lambda n: b"9007199254740992",
    lambda n: b"NaN",
    lambda n: b"+" + n,
    lambda n: n + b".",
    lambda n: b"true",
    lambda n: b'"' + n + b'"',
    lambda n: b"null",
    lambda n: str(int(n) + 1).encode() if n.isdigit() else n + b"1",
)
WHITESPACE = (b" ", b"\t", b"\n", b"\r", b"\x0c", b"\x0b", "\u00a0".encode(), "\ufeff".encode(), b"\x00")
STRING_EDITS = (b"\\u0041", b"\\n", b"\x01", b"\\ud800", b"\xff", b"\\x41", b"\\u00e9", "é".encode(), b"\\/")


def _pick(rng: random.Random, pattern: re.Pattern[bytes], text: bytes) -> re.Match[bytes] | None:
    matches = list(pattern.finditer(text))
    return rng.choice(matches) if matches else None


def _edit_number(rng: random.Random, text: bytes) -> bytes | None:
    match = _pick(rng, _NUMBER, text)
    if match is None:
        return None
    return text[: match.start()] + rng.choice(NUMBER_EDITS)(match.group()) + text[match.end() :]


def _duplicate_key(rng: random.Random, text: bytes) -> bytes | None:
    """Insert `"key":0,` before a key of the same object, or `"key":` of another object."""
    match = _pick(rng, _KEY, text)
    if match is None:
        return None
    donor = _pick(rng, _KEY, text) if rng.random() < 0.3 else match
    assert donor is not None
    return text[: match.start()] + donor.group() + rng.choice((b"0,", b"{},", b'"x",')) + text[match.start() :]


def _insert_whitespace(rng: random.Random, text: bytes) -> bytes | None:
    match = _pick(rng, _PUNCTUATION, text)
    if match is None:
        return None
    where = match.start() if rng.random() < 0.5 else match.end()
    return text[:where] + rng.choice(WHITESPACE) + text[where:]


def _edit_string(rng: random.Random, text: bytes) -> bytes | None:
    match = _pick(rng, _STRING_CHAR, text)
    if match is None:
        return None
    at = rng.randrange(match.start() + 1, match.end() - 1)
    return text[:at] + rng.choice(STRING_EDITS) + text[at + 1 :]


def _delete_punctuation(rng: random.Random, text: bytes) -> bytes | None:
    match = _pick(rng, _PUNCTUATION, text)
    return None if match is None else text[: match.start()] + text[match.end() :]


HEADER_MUTATIONS: dict[str, Callable[[random.Random, bytes], bytes | None]] = {
    "number": _edit_number,
    "duplicate-key": _duplicate_key,
    "whitespace": _insert_whitespace,
    "string": _edit_string,
    "punctuation": _delete_punctuation,
}


def mutate(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """One mutation of `data`, chosen by `rng`: its name and the mutated bytes."""
    choice = rng.random()
    if choice < 0.2:
        (length,) = struct.unpack_from("<Q", data, 16)
        # Flips in the header are the interesting ones; elsewhere they mostly hit digests.
        end = 24 + length if rng.random() < 0.7 else len(data)
        at = rng.randrange(0, max(1, end))
        flipped = bytearray(data)
        flipped[at] ^= 1 << rng.randrange(8)
        return "bit-flip", bytes(flipped)
    if choice < 0.3:
        return "truncate", data[: rng.randrange(0, len(data))]
    if choice < 0.38:
        extra = rng.choice(
            (
                b"\x00",
                b"\x89MFS\r\n\x1a\n",
                struct.pack("<Q", 2) + b"\x89MFS\r\n\x1a\n",
                bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))),
            )
        )
        return "append", data + extra
    name = rng.choice(sorted(HEADER_MUTATIONS))
    edited = HEADER_MUTATIONS[name](rng, _header(data))
    if edited is None:
        return "append", data + b"\x00"
    return name, reframe(data, edited)


@dataclass(frozen=True)
class Mutant:
    name: str  # the base vector and the mutation
    path: Path


def make_mutants(bases: Sequence[Path], count: int, folder: Path, seed: int) -> list[Mutant]:
    rng = random.Random(seed)
    mutants = []
    for index in range(count):
        base = bases[index % len(bases)]
        kind, data = mutate(rng, base.read_bytes())
        path = folder / f"m{index:05d}.mf"
        path.write_bytes(data)
        mutants.append(Mutant(f"{base.name} / {kind} #{index}", path))
    return mutants


def make_structural_mutants(bases: Sequence[Path], count: int, folder: Path, seed: int) -> list[Mutant]:
    """Structure-aware mutants (differential_structure.py); one in 50 starts from a 1.5 MiB tensor file."""
    rng = random.Random(seed + 1)
    big = big_tensor_file()
    (folder / "big-tensor.mf").write_bytes(big)
    mutants = [Mutant("big-tensor.mf (unmutated)", folder / "big-tensor.mf")]
    for index in range(count):
        base_name, data = ("big-tensor.mf", big) if index % 50 == 0 else (bases[index % len(bases)].name, b"")
        if not data:
            data = bases[index % len(bases)].read_bytes()
        made = mutate_structure(rng, data)
        if made is None:
            continue
        kind, mutated = made
        path = folder / f"s{index:05d}.mf"
        path.write_bytes(mutated)
        mutants.append(Mutant(f"{base_name} / {kind} #{index}", path))
    return mutants


# ---- signed mutants --------------------------------------------------------------------------------------

END_MAGIC = b"\x89MFS\r\n\x1a\n"
SIGNING_KEYS = ("test-ed25519", "test-p256")


@dataclass(frozen=True)
class SignedCase:
    name: str
    path: Path
    key: Path  # the trusted public key given to both verifiers


def sign(unsigned: bytes, private_key: object) -> bytes:
    """`unsigned` with a block holding one entry over its prefix [0, D), whatever the file's other defects."""
    (length,) = struct.unpack_from("<Q", unsigned, 16)
    prefix = hashlib.sha256(unsigned[: -(-(24 + length) // 64) * 64]).digest()
    attributes = {"signer": "differential test", "time": "2025-01-01T00:00:00Z"}
    entry = _signing.sign(private_key, prefix, attributes, include_public_key=True)  # type: ignore[arg-type]
    body = json.dumps({"signatures": [entry.as_json()]}, separators=(",", ":"), sort_keys=True).encode()
    return unsigned + body + struct.pack("<Q", len(body)) + END_MAGIC


def verify_mutants(bases: Sequence[Path], count: int, folder: Path, seed: int, keys: Path) -> list[SignedCase]:
    """Signed structure-aware mutants: signed after the edit (most), damaged after signing, or another key."""
    rng = random.Random(seed + 2)
    private = {name: modelfmt.load_private_key(keys / f"{name}.key") for name in SIGNING_KEYS}
    big = big_tensor_file()
    cases = []
    for index in range(count):
        data = big if index % 10 == 0 else bases[rng.randrange(len(bases))].read_bytes()
        made = mutate_structure(rng, data) if rng.random() < 0.7 else ("unmutated", data)
        kind, unsigned = made if made is not None else ("unmutated", data)
        signer = rng.choice(SIGNING_KEYS)
        signed = sign(unsigned, private[signer])
        trusted = signer
        twist = rng.random()
        if twist < 0.15:
            at = rng.randrange(24, len(unsigned))
            signed = signed[:at] + bytes([signed[at] ^ 0x20]) + signed[at + 1 :]
            kind += ", a byte changed after signing"
        elif twist < 0.25:
            trusted = next(name for name in SIGNING_KEYS if name != signer)
            kind += ", another key trusted"
        path = folder / f"v{index:04d}.mf"
        path.write_bytes(signed)
        cases.append(SignedCase(f"{kind} signed by {signer} #{index}", path, keys / f"{trusted}.pub"))
    return cases


def verify_verdicts(
    cases: Sequence[SignedCase], command: Sequence[str], folder: Path
) -> Iterator[tuple[Verdict, Verdict]]:
    for case in cases:
        trusted = modelfmt.TrustedKeys([modelfmt.load_public_key(case.key)])
        python: Verdict
        try:
            verification = modelfmt.verify_bytes(case.path.read_bytes(), trusted)
            python = (0, {"key_id": verification.key_id, "algorithm": verification.algorithm})
        except ModelfmtError as exc:
            python = (1, exc.code)
        completed = _process.run(
            [*command, str(case.path), str(case.key)], cwd=folder, timeout=60, max_stdout=1 << 20, max_stderr=1 << 20
        )
        yield python, _parse_js(completed)


# ---- verdicts --------------------------------------------------------------------------------------------


def python_verdict(path: Path) -> Verdict:
    try:
        return 0, _reference.read_document(path.read_bytes())
    except ModelfmtError as exc:
        return 1, exc.code


def _parse_js(completed: _process.Completed) -> Verdict:
    if completed.status == 0:
        try:
            return 0, load(completed.stdout).value
        except OutputError as exc:
            return -1, f"malformed output: {exc}"
    if completed.status == 1:
        line = completed.stderr.split(b"\n", 1)[0].decode("utf-8", "replace")
        return 1, line.split(": ", 1)[0]
    return -1, f"status {completed.status}, signal {completed.signal_number}, timeout {completed.timed_out}: " + (
        completed.stderr[:300].decode("utf-8", "replace")
    )


def js_batch(command: Sequence[str], paths: Sequence[Path], folder: Path) -> list[Verdict] | None:
    """Verdicts through the optional batch mode, or None when the reader does not support it."""
    listing = folder / "batch.txt"
    listing.write_text("".join(f"{path}\n" for path in paths), encoding="utf-8")
    completed = _process.run(
        [*command, "--batch", str(listing)], cwd=folder, timeout=300, max_stdout=1 << 30, max_stderr=1 << 20
    )
    if completed.status != 0:
        return None
    lines = completed.stdout.split(b"\n")  # LF only: str.splitlines also splits at U+2028 inside strings
    if lines and not lines[-1]:
        lines.pop()
    if len(lines) != len(paths):
        return None
    verdicts: list[Verdict] = []
    for line in lines:
        record = json.loads(line)
        if record["status"] == 0:
            verdicts.append((0, record["result"]))
        else:
            verdicts.append((1, str(record["error"]).split(": ", 1)[0]))
    return verdicts


def js_each(command: Sequence[str], paths: Sequence[Path], folder: Path, jobs: int) -> list[Verdict]:
    """One process per file (a reader without batch mode)."""

    def one(path: Path) -> Verdict:
        completed = _process.run([*command, str(path)], cwd=folder, timeout=60, max_stdout=1 << 28, max_stderr=1 << 20)
        return _parse_js(completed)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, paths))


def disagreement(python: Verdict, js: Verdict) -> str | None:
    """Why two verdicts disagree (None when they agree, or differ only as §13.1 allows)."""
    if js[0] == -1:
        return f"the JavaScript reader misbehaved: {js[1]}"
    if python[0] != js[0]:
        return f"Python {'accepts' if python[0] == 0 else f'rejects ({python[1]})'}, JavaScript " + (
            "accepts" if js[0] == 0 else f"rejects ({js[1]})"
        )
    if python[0] == 1:
        if python[1] != js[1] and not {python[1], js[1]} <= PHASE_2:
            return f"Python reports {python[1]}, JavaScript {js[1]}"
        return None
    difference = first_difference(python[1], js[1])
    return None if difference is None else f"the result documents differ: {difference}"
