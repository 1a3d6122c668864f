"""`check`: validate a file completely and say, in plain words, what is wrong with it; with trusted keys,
also whether a signature by one of them verifies (the rules of `verify_file`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..container._digests import Progress
from ..container._header import Header
from ..container._opened import OpenedFile
from ..container._sniff import SNIFF_BYTES, Finding, identify
from ..container._trust import Verification
from ..format._errors import ModelfmtError
from ..format._framing import PREAMBLE_SIZE
from ..format._limits import DEFAULT_LIMITS, Limits
from ..graph._growth import Growth, estimate_growth
from ..signing._keys import TrustedKeys, TrustInput, as_trusted
from ..signing._signatures import SignatureInfo, VerificationError
from . import _strict


@dataclass
class CheckResult:
    """The verdict on one file. `error` is None exactly when the file is valid."""

    path: Path
    file_size: int | None = None
    header: Header | None = None
    error: ModelfmtError | None = None
    os_error: OSError | None = None
    detected: Finding | None = None
    # SHOULD-level findings of `check --strict`: valid, but not what a conforming writer produces.
    warnings: list[str] = field(default_factory=list)
    # With trusted keys: the signature that verified (None when none was required, or the check failed).
    verification: Verification | None = None
    # With trusted keys: every signature's verdict in block order (SPEC.md §12.9 step 4), also when the
    # verification failed; None without keys, or when the file failed before its signatures were judged.
    signatures: tuple[SignatureInfo, ...] | None = None
    # For a valid file with an architecture: what running it costs, as a function of its symbols.
    run_cost: Growth | None = None

    @property
    def valid(self) -> bool:
        return self.error is None and self.os_error is None

    def as_json(self) -> dict[str, object]:
        report: dict[str, object] = {"path": str(self.path), "valid": self.valid, "file_bytes": self.file_size}
        if self.header is not None:
            report["version"] = f"{self.header.major}.{self.header.minor}"
            report["tensors"] = len(self.header.tensors)
            report["data_bytes"] = self.header.data_length
        if self.error is not None:
            report["error"] = {
                "code": self.error.code,
                "category": self.error.category,
                "message": str(self.error),
                "offset": self.error.offset,
                "tensor": self.error.tensor,
                "hint": self.error.hint,
            }
        if self.os_error is not None:
            report["error"] = {"code": "OS_ERROR", "category": "os", "message": str(self.os_error)}
        if self.detected is not None:
            report["detected_format"] = self.detected.kind
            report["detected_description"] = self.detected.description
        if self.run_cost is not None:
            report["run_cost"] = self.run_cost.as_json()
        if self.warnings:
            report["warnings"] = list(self.warnings)
            # The same findings with their stable ids apart (`id: message`, ids from _strict.FINDINGS).
            report["findings"] = [
                {"id": text.partition(": ")[0], "message": text.partition(": ")[2]} for text in self.warnings
            ]
        if self.verification is not None:
            report["signature"] = verification_json(self.verification)
        if self.signatures is not None:
            report["signatures"] = [signature_json(info) for info in self.signatures]
        return report


def verification_json(verification: Verification) -> dict[str, object]:
    return {
        "verified": True,
        "key_id": verification.key_id,
        "algorithm": verification.algorithm,
        "attributes": dict(verification.attributes),
        "signatures": [signature_json(info) for info in verification.signatures],
    }


def signature_json(info: SignatureInfo) -> dict[str, object]:
    return {
        "algorithm": info.algorithm,
        "key_id": info.key_id,
        "status": info.status,
        "attributes": dict(info.attributes),
        "attributes_verified": info.verified,
    }


def check_file(
    path: str | os.PathLike[str],
    trusted: TrustInput | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    strict: bool = False,
    progress: Progress | None = None,
) -> CheckResult:
    """Validate every rule of SPEC.md, digests included, and with `trusted` keys also require a valid
    signature by one of them (the rules of `verify_file`). Never raises for a bad file; OS errors are
    reported in the result too, so that one unreadable file does not stop a batch."""
    trusted_keys = None if trusted is None else as_trusted(trusted)  # the caller's keys, before the file
    result = CheckResult(Path(path))
    try:
        with open(path, "rb") as stream:
            result.file_size = os.fstat(stream.fileno()).st_size
            prefix = stream.read(SNIFF_BYTES)
            try:
                with OpenedFile.from_stream(stream, limits, mapped=True) as opened:
                    _check_opened(opened, result, trusted_keys, strict, progress)
            except ModelfmtError as exc:
                result.error = exc
                if exc.code == "BAD_MAGIC" or result.file_size < PREAMBLE_SIZE:
                    result.detected = identify(prefix, result.file_size, Path(path))
    except OSError as exc:
        result.os_error = exc
    return result


def _check_opened(
    opened: OpenedFile, result: CheckResult, trusted: TrustedKeys | None, strict: bool, progress: Progress | None
) -> None:
    """Phase 5 (and the signatures) for a file that passed phases 1-4, recorded in `result`."""
    if trusted is None:
        result.header = opened.header
        opened.verify_content(progress)
    else:
        # The signature first (microseconds), then every digest; with keys, nothing about the file is
        # reported as its header until both hold.
        try:
            verification = opened.verify_signatures(trusted)
        except VerificationError as exc:
            result.signatures = exc.signatures  # every verdict, not only the one that decided
            raise
        result.signatures = verification.signatures
        opened.verify_content(progress)
        result.header, result.verification = opened.header, verification
    result.run_cost = run_cost_of(opened.header)
    if strict:
        findings = _strict.findings(opened.header, opened.header_bytes, opened.signature_body, opened.signatures)
        result.warnings.extend(str(finding) for finding in findings)


def run_cost_of(header: Header | None) -> Growth | None:
    """How memory and work grow with the graph's symbolic dimensions when it runs (SPEC.md §9.11)."""
    if header is None or header.graph is None:
        return None
    return estimate_growth(header.graph, {info.name: info for info in header.tensors})
