"""A read-only file object over a byte range of a file: a zip entry stored without compression, read in
place (h5py needs random access, which a compressed entry does not have)."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from typing import Final

from ._errors import ConversionError

_LOCAL_HEADER: Final = struct.Struct("<4s22xHH")  # signature, ..., name length, extra length
_LOCAL_SIGNATURE: Final = b"PK\x03\x04"


class FileWindow(io.RawIOBase):
    """Bytes `[offset, offset + length)` of the open file `fd` (not owned), read with pread."""

    def __init__(self, fd: int, offset: int, length: int) -> None:
        super().__init__()
        self._fd, self._offset, self._length = fd, offset, length
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, position: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        if base + position < 0:
            raise ValueError("negative seek position")
        self._position = base + position
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        count = max(0, min(len(view), self._length - self._position))
        done = 0
        while done < count:
            chunk = os.pread(self._fd, count - done, self._offset + self._position + done)
            if not chunk:
                break
            view[done : done + len(chunk)] = chunk
            done += len(chunk)
        self._position += done
        return done


def stored_entry(archive_fd: int, info: zipfile.ZipInfo, archive_size: int, where: str) -> FileWindow | None:
    """A window over an entry's bytes if it is stored uncompressed, else None (the caller copies it out)."""
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1 or info.compress_size != info.file_size:
        return None
    header = os.pread(archive_fd, _LOCAL_HEADER.size, info.header_offset)
    if len(header) != _LOCAL_HEADER.size:
        raise ConversionError(f"{where}: entry {info.filename!r} starts beyond the end of the archive")
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != _LOCAL_SIGNATURE:
        raise ConversionError(f"{where}: entry {info.filename!r} has no local header where the directory says")
    start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    if start + info.file_size > archive_size:
        raise ConversionError(f"{where}: entry {info.filename!r} extends beyond the end of the archive (truncated?)")
    return FileWindow(archive_fd, start, info.file_size)
