"""modelfmt: a secure exchange format for trained neural networks (reference implementation).

Reading never executes anything from a file. See SPEC.md for the format, and reference/README.md for the
package's folders and the module that implements each section of SPEC.md.
"""

from .container._header import Header
from .container._reader import SafeOpen, load, load_file, read_header, safe_open
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
from .format._limits import Limits
from .runtime._run import run as run  # the numpy reference runtime (SPEC.md §9.11)
from .signing._keys import (
    KeyFileError,
    TrustedKeys,
    generate_key,
    key_id,
    load_private_key,
    load_public_key,
    load_trusted_keys,
    save_private_key,
    save_public_key,
)
from .signing._signatures import SignatureInfo, VerificationError, utc_time

__version__ = "1.0.0.dev0"

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
    "ModelfmtError",
    "SafeOpen",
    "SignatureError",
    "SignatureInfo",
    "StreamWriter",
    "TensorInfo",
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
