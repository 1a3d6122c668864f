"""modelfmt: a secure exchange format for trained neural networks (reference implementation).

Reading never executes anything from a file. See SPEC.md for the format.
"""

from ._dtypes import DTYPES, DType
from ._errors import (
    ERROR_CODES,
    FormatError,
    IntegrityError,
    LimitError,
    ModelfmtError,
    SignatureError,
    TruncatedError,
    UnsupportedError,
)
from ._framing import MAJOR_VERSION, MINOR_VERSION
from ._header import ROLES, Header, TensorInfo
from ._keys import (
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
from ._limits import Limits
from ._reader import SafeOpen, load, load_file, read_header, safe_open
from ._signfile import read_signatures, sign_bytes, sign_file, verify_bytes, verify_file
from ._signing import SignatureInfo, Verification, utc_time
from ._writer import StreamWriter, TensorSpec, save, save_file

__version__ = "1.0.0.dev0"

__all__ = [
    "DTYPES",
    "ERROR_CODES",
    "MAJOR_VERSION",
    "MINOR_VERSION",
    "ROLES",
    "DType",
    "FormatError",
    "Header",
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
    "TruncatedError",
    "TrustedKeys",
    "UnsupportedError",
    "Verification",
    "__version__",
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
