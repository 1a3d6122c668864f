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
from ._limits import Limits
from ._reader import SafeOpen, load, load_file, read_header, safe_open
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
    "LimitError",
    "Limits",
    "ModelfmtError",
    "SafeOpen",
    "SignatureError",
    "StreamWriter",
    "TensorInfo",
    "TensorSpec",
    "TruncatedError",
    "UnsupportedError",
    "__version__",
    "load",
    "load_file",
    "read_header",
    "safe_open",
    "save",
    "save_file",
]
