"""Bounds on zip archives (npz, Keras, PyTorch) checked from the central directory, before anything is inflated.

A zip bomb is small on disk and huge once expanded, either through extreme compression or through many
entries that share the same compressed bytes. Both are refused up front:

- the total declared uncompressed size may not exceed `max_ratio` times the archive's size, with a
  floor of `RATIO_FLOOR_BYTES` so that small archives of zero-filled tensors still convert;
- entries may not overlap one another in the archive (no shared compressed data);
- encrypted entries, duplicate names, directories and more entries than a model has tensors are refused.

Python's `zipfile` stops every entry at its declared size and checks its CRC-32, so the declared sizes
bound what is read. Weights compress poorly (float32 weights by about 1.1x), so the default ratio of
100 refuses bombs and accepts real models; `max_compression_ratio` raises it.
"""

from __future__ import annotations

import itertools
import struct
import zipfile
import zlib
from typing import Final

from ..format._limits import MAX_TENSORS
from ._errors import EXPANSION, STRUCTURE, ConversionError

DEFAULT_MAX_RATIO: Final = 100
RATIO_FLOOR_BYTES: Final = 256 * 1024 * 1024
_LOCAL_HEADER_BYTES: Final = 30  # the fixed part of a zip local file header
_LOCAL_SIGNATURE: Final = b"PK\x03\x04"
_UTF8_NAME_FLAG: Final = 0x800


_METHODS: Final = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})

# What reading a damaged entry raises: zipfile's BadZipFile (CRC, headers), zlib.error (a corrupt deflate
# stream) and EOFError (a deflate stream that ends early). Every reader of a zip member catches all three.
DAMAGED_ENTRY: Final = (zipfile.BadZipFile, zlib.error, EOFError)


def _check_local_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> None:
    """The local header `zipfile` reads when the entry is opened: its signature, and its name equal to the
    directory's. zipfile decodes that name before comparing, so a name that is not valid in its encoding
    would surface as UnicodeDecodeError from `open`, not as BadZipFile."""
    stream = archive.fp
    assert stream is not None  # an archive open for reading
    stream.seek(info.header_offset)
    fixed = stream.read(_LOCAL_HEADER_BYTES)
    if len(fixed) != _LOCAL_HEADER_BYTES or not fixed.startswith(_LOCAL_SIGNATURE):
        raise ConversionError(f"{where}: entry {info.filename!r} has no local header where the directory says")
    (flags,) = struct.unpack_from("<H", fixed, 6)
    (name_length,) = struct.unpack_from("<H", fixed, 26)
    raw_name = stream.read(name_length)
    try:
        name = raw_name.decode("utf-8" if flags & _UTF8_NAME_FLAG else "cp437")
    except UnicodeDecodeError:
        raise ConversionError(f"{where}: entry {info.filename!r} has a local name that is not valid UTF-8") from None
    if name != info.orig_filename:
        raise ConversionError(
            f"{where}: entry {info.filename!r} is named {name!r} in its local header (a damaged or forged archive)"
        )


def check_archive(archive: zipfile.ZipFile, archive_size: int, *, where: str, max_ratio: int) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_TENSORS + 16:
        raise ConversionError(
            f"{where}: {len(infos)} archive entries; a model has at most {MAX_TENSORS} tensors", code=STRUCTURE
        )
    names: set[str] = set()
    for info in infos:
        if info.filename in names:
            raise ConversionError(f"{where}: the archive holds two entries named {info.filename!r}")
        names.add(info.filename)
        if info.flag_bits & 0x1:
            raise ConversionError(f"{where}: entry {info.filename!r} is encrypted")
        # numpy, Keras and PyTorch write stored or deflated entries; zipfile would raise NotImplementedError
        # for a method it lacks when the entry is read, and bzip2/lzma would be one more decompressor to bound.
        if info.compress_type not in _METHODS:
            raise ConversionError(
                f"{where}: entry {info.filename!r} uses compression method {info.compress_type}; model archives "
                "are stored or deflated"
            )
        # zipfile seeks to this offset unchecked: a negative one is an OSError, not a BadZipFile.
        if not 0 <= info.header_offset <= archive_size - _LOCAL_HEADER_BYTES:
            raise ConversionError(
                f"{where}: entry {info.filename!r} starts at byte {info.header_offset}, outside the archive"
            )
    for info in infos:
        _check_local_header(archive, info, where)
    total = sum(info.file_size for info in infos)
    allowed = max(RATIO_FLOOR_BYTES, archive_size * max_ratio)
    if total > allowed:
        raise ConversionError(
            f"{where}: entries expand to {total} bytes from an archive of {archive_size} bytes, more than "
            f"{max_ratio} times its size (a zip bomb?); raise max_compression_ratio if the archive is trusted",
            code=EXPANSION,
        )
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for current, following in itertools.pairwise(ordered):
        # A lower bound of where the entry's data ends (the local extra field is not counted): exact
        # enough to catch entries that share data, never a false alarm. One byte per name character
        # is the shortest encoding (cp437).
        end = current.header_offset + _LOCAL_HEADER_BYTES + len(current.filename) + current.compress_size
        if end > following.header_offset:
            raise ConversionError(
                f"{where}: entries {current.filename!r} and {following.filename!r} overlap in the archive "
                "(a zip bomb?)",
                code=EXPANSION,
            )
