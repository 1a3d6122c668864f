"""`modelfmt.torch.load_state_dict`: the classic pattern of building the network in code and loading
its weights, with names, shapes and dtypes checked and every difference reported at once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch
from torch import nn

from ..container._reader import SafeOpen, safe_open
from ..format._errors import ToolError
from ._dtypes import dtype_name, to_torch
from ._names import file_state


class StateDictMismatchError(ToolError, ValueError):
    """The file's tensors do not match the module's state_dict; `.report` lists every difference."""

    def __init__(self, report: LoadReport) -> None:
        self.report = report
        super().__init__(report.describe())


@dataclass
class LoadReport:
    missing: list[str] = field(default_factory=list)  # in the module, not in the file
    unexpected: list[str] = field(default_factory=list)  # in the file (role parameter/buffer), not in the module
    # (name, in the file, in the module)
    shape_mismatch: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)
    dtype_mismatch: list[tuple[str, str, str]] = field(default_factory=list)  # name, file, module

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.shape_mismatch or self.dtype_mismatch)

    def describe(self) -> str:
        lines = ["the file does not match the module's state_dict:"]
        for title, items in (("missing from the file", self.missing), ("not in the module", self.unexpected)):
            if items:
                lines.append(
                    f"  {title} ({len(items)}): "
                    + ", ".join(f"`{n}`" for n in items[:20])
                    + (" ..." if len(items) > 20 else "")
                )
        for name, in_file, in_module in self.shape_mismatch:
            lines.append(f"  `{name}`: shape {list(in_file)} in the file, {list(in_module)} in the module")
        for name, file_dtype, module_dtype in self.dtype_mismatch:
            lines.append(f"  `{name}`: dtype {file_dtype} in the file, {module_dtype} in the module")
        return "\n".join(lines)


def load_state_dict(module: nn.Module, path: str | os.PathLike[str], strict: bool = True) -> LoadReport:
    """Load the tensors of role parameter and buffer from `path` into `module`.

    With `strict`, any missing, unexpected, mis-shaped or mis-typed tensor raises StateDictMismatchError
    listing all of them and nothing is loaded. Without it, the tensors that match are loaded and the
    report of the rest is returned. Values are copied bit for bit (no dtype conversion).
    """
    with safe_open(path) as handle:
        return load_state_from(handle, module, strict=strict)


def load_state_from(handle: SafeOpen, module: nn.Module, *, strict: bool) -> LoadReport:
    """`load_state_dict` from a file already open (so a caller that needs more from it opens it once)."""
    expected = file_state(module)
    report = LoadReport()
    loaded: dict[str, torch.Tensor] = {}
    infos = {info.name: info for info in handle.header.tensors if info.role in ("parameter", "buffer")}
    report.missing = [name for name in expected if name not in infos]
    report.unexpected = [name for name in infos if name not in expected]
    for name, target in expected.items():
        info = infos.get(name)
        if info is None:
            continue
        if tuple(info.shape) != tuple(target.shape):
            report.shape_mismatch.append((name, tuple(info.shape), tuple(target.shape)))
        elif info.dtype != dtype_name(target.dtype):
            report.dtype_mismatch.append((name, info.dtype, dtype_name(target.dtype)))
        else:
            loaded[name] = to_torch(handle.get_tensor(name), info.dtype)
    if strict and not report.ok:
        raise StateDictMismatchError(report)
    with torch.no_grad():
        for name, tensor in loaded.items():
            expected[name].copy_(tensor)  # state_dict tensors share storage with the module
    return report
