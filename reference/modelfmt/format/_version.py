"""The reference implementation's own version (the file format's version is in `_framing`)."""

from typing import Final

PACKAGE_VERSION: Final = "1.0.0.dev0"  # pyproject.toml's `version`; tests/test_packaging.py keeps them equal
