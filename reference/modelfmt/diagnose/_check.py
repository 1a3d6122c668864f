"""`check`: validate a file completely and say, in plain words, what is wrong with it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..container._digests import Progress
from ..container._header import Header
from ..container._reader import SafeOpen
from ..format._errors import ModelfmtError
from ..format._framing import PREAMBLE_SIZE
from ..format._limits import DEFAULT_LIMITS, Limits
from ..graph._growth import Growth, estimate_growth
from ..graph._validate import validate_architecture
from . import _strict
from ._sniff import SNIFF_BYTES, Finding, identify


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
        return report


def check_file(
    path: str | os.PathLike[str],
    *,
    limits: Limits = DEFAULT_LIMITS,
    strict: bool = False,
    progress: Progress | None = None,
) -> CheckResult:
    """Validate every rule of SPEC.md, digests included. Never raises for a bad file; OS errors are
    reported in the result too, so that one unreadable file does not stop a batch."""
    result = CheckResult(Path(path))
    try:
        with open(path, "rb") as stream:
            result.file_size = os.fstat(stream.fileno()).st_size
            prefix = stream.read(SNIFF_BYTES)
        try:
            with SafeOpen(path, verify=True, limits=limits) as opened:
                result.header = opened.header
                opened.verify_all(progress)
                if strict:
                    result.warnings.extend(_strict_findings(opened))
                result.run_cost = run_cost_of(opened.header)
        except ModelfmtError as exc:
            result.error = exc
            if exc.code == "BAD_MAGIC" or result.file_size < PREAMBLE_SIZE:
                result.detected = identify(prefix, result.file_size, Path(path))
    except OSError as exc:
        result.os_error = exc
    return result


def run_cost_of(header: Header | None) -> Growth | None:
    """How memory and work grow with the graph's symbolic dimensions when it runs (SPEC.md §9.11)."""
    if header is None or header.architecture is None:
        return None
    tensors = {info.name: info for info in header.tensors}
    return estimate_growth(validate_architecture(header.architecture, tensors), tensors)


def _strict_findings(opened: SafeOpen) -> list[str]:
    """SHOULD-level findings (`_strict.py`), each `id: message` with an id of `_strict.FINDINGS`."""
    header = opened.header
    with open(opened.path, "rb") as stream:
        stream.seek(PREAMBLE_SIZE)
        raw = stream.read(header.header_length)
    return [str(finding) for finding in _strict.findings(header, raw, opened.signature_body)]
