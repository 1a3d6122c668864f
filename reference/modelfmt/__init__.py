"""modelfmt: a secure exchange format for trained neural networks (reference implementation).

Reading never executes anything from a file. See SPEC.md for the format, and reference/README.md for the
package's folders and the module that implements each section of SPEC.md.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal, overload

from .container._header import Header
from .container._reader import (
    NUMPY_FRAMEWORKS,
    TORCH_FRAMEWORKS,
    Metadata,
    SafeOpen,
    TensorSlice,
    load,
    load_file,
    read_header,
)
from .container._reader import safe_open as _safe_open_numpy
from .container._signfile import read_signatures, sign_bytes, sign_file, verify_bytes, verify_file
from .container._tensors import ROLES, TensorInfo
from .container._trust import Verification
from .container._writer import StreamWriter, TensorSpec, save, save_file
from .convert import ConversionError, convert  # other formats in and out (README: Convert existing models)
from .format._dtypes import DTYPES, DType
from .format._errors import (
    ERROR_CODES,
    FormatError,
    InputError,
    IntegrityError,
    LimitError,
    ModelfmtError,
    SignatureError,
    ToolError,
    TruncatedError,
    UnsupportedError,
)
from .format._framing import MAJOR_VERSION, MINOR_VERSION
from .format._limits import DEFAULT_LIMITS, Limits
from .format._version import PACKAGE_VERSION
from .signing._keys import (
    KeyFileError,
    TrustedKeys,
    TrustInput,
    generate_key,
    key_id,
    load_private_key,
    load_public_key,
    load_trusted_keys,
    save_private_key,
    save_public_key,
)
from .signing._signatures import SignatureInfo, VerificationError, utc_time

if TYPE_CHECKING:
    from .runtime._run import run  # the numpy reference runtime (SPEC.md §9.11), imported on first use
    from .torch._files import TorchSafeOpen


def __getattr__(name: str) -> object:
    """`modelfmt.run`, imported when first used: reading and checking files needs no runtime (PEP 562)."""
    if name == "run":
        from .runtime._run import run as runtime_run  # noqa: PLC0415  (after the first, a dictionary lookup)

        return runtime_run
    raise AttributeError(f"module 'modelfmt' has no attribute {name!r}")

__version__ = PACKAGE_VERSION


@overload
def safe_open(
    path: str | os.PathLike[str],
    framework: Literal["numpy", "np"] = "numpy",
    device: str = "cpu",
    *,
    verify: bool = True,
    limits: Limits = ...,
    trusted_keys: TrustInput | None = None,
    mmap: bool | None = None,
) -> SafeOpen: ...
@overload
def safe_open(
    path: str | os.PathLike[str],
    framework: Literal["pt", "torch"],
    device: str | int = "cpu",
    *,
    verify: bool = True,
    limits: Limits = ...,
    trusted_keys: TrustInput | None = None,
    mmap: bool | None = None,
) -> TorchSafeOpen: ...
def safe_open(
    path: str | os.PathLike[str],
    framework: str = "numpy",
    device: str | int = "cpu",
    *,
    verify: bool = True,
    limits: Limits | None = None,
    trusted_keys: TrustInput | None = None,
    mmap: bool | None = None,
) -> SafeOpen | TorchSafeOpen:
    """Open a file for lazy, verified access, as `safetensors.safe_open(path, framework, device)`:
    `framework="numpy"` gives numpy arrays (`SafeOpen`), `"pt"` torch tensors on `device` (needs
    `modelfmt[torch]`). See `SafeOpen` for verification and the mapped and private modes."""
    chosen = DEFAULT_LIMITS if limits is None else limits
    if framework in NUMPY_FRAMEWORKS:
        return _safe_open_numpy(
            path, framework, str(device), verify=verify, limits=chosen, trusted_keys=trusted_keys, mmap=mmap
        )
    if framework not in TORCH_FRAMEWORKS:
        raise ValueError(f"framework {framework!r} is not supported; use 'numpy' ('np') or 'pt' ('torch')")
    from .torch._files import safe_open as safe_open_torch  # noqa: PLC0415  (torch is an optional extra)

    return safe_open_torch(
        path, framework, device, verify=verify, limits=chosen, trusted_keys=trusted_keys, mmap=mmap
    )

__all__ = [
    "DTYPES",
    "ERROR_CODES",
    "MAJOR_VERSION",
    "MINOR_VERSION",
    "ROLES",
    "ConversionError",
    "DType",
    "FormatError",
    "Header",
    "InputError",
    "IntegrityError",
    "KeyFileError",
    "LimitError",
    "Limits",
    "Metadata",
    "ModelfmtError",
    "SafeOpen",
    "SignatureError",
    "SignatureInfo",
    "StreamWriter",
    "TensorInfo",
    "TensorSlice",
    "TensorSpec",
    "ToolError",
    "TruncatedError",
    "TrustedKeys",
    "UnsupportedError",
    "Verification",
    "VerificationError",
    "__version__",
    "convert",
    "generate_key",
    "key_id",
    "load",
    "load_file",
    "load_private_key",
    "load_public_key",
    "load_trusted_keys",
    "read_header",
    "read_signatures",
    "run",
    "safe_open",
    "save",
    "save_file",
    "save_private_key",
    "save_public_key",
    "sign_bytes",
    "sign_file",
    "utc_time",
    "verify_bytes",
    "verify_file",
]
