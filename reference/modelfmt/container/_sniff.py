"""Naming what a file that is not modelfmt really is, from its first bytes (never from its name).

`check` uses this to turn BAD_MAGIC into a cause a person can act on: a git-lfs pointer, an HTML error
page, a safetensors or PyTorch file given by mistake, transfer damage. Nothing here parses more than a
bounded prefix, and nothing is executed: a pickle is recognised by its opcode bytes, a zip by its
signature and (for the kind of zip) by the names in its central directory, read with `zipfile`.
"""

from __future__ import annotations

import json
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ..format._framing import MAGIC

SNIFF_BYTES: Final = 4096


@dataclass(frozen=True)
class Finding:
    kind: str  # a stable short name: "git-lfs-pointer", "html", "safetensors", ...
    description: str  # what it is and what to do, for people


def _zip_kind(path: Path | None) -> Finding:
    names: list[str] = []
    if path is not None:
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()[:10_000]
        # NotImplementedError: zipfile's answer to a directory that needs a newer zip version.
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            pass
    if any(name.endswith("data.pkl") for name in names):
        return Finding(
            "pytorch",
            "a PyTorch checkpoint (zip with a pickle inside), not modelfmt; pickles can run code when "
            "loaded; convert it in a sandboxed process",
        )
    if "config.json" in names and any(name.endswith(".weights.h5") for name in names):
        return Finding("keras", "a Keras 3 `.keras` archive, not modelfmt")
    if names and all(name.endswith(".npy") for name in names):
        return Finding("npz", "a numpy .npz archive, not modelfmt")
    return Finding("zip", "a zip archive, not modelfmt")


def _looks_like_safetensors(prefix: bytes, file_size: int) -> bool:
    if len(prefix) < 10:
        return False
    (header_length,) = struct.unpack_from("<Q", prefix)
    return prefix[8:9] == b"{" and 0 < header_length <= file_size - 8


def identify(prefix: bytes, file_size: int, path: Path | None = None) -> Finding | None:
    """What the file whose first bytes are `prefix` is, if it is a known non-modelfmt kind."""
    if file_size == 0:
        return Finding("empty", "the file is empty (0 bytes): an interrupted download or a failed write")
    stripped = prefix.lstrip(b" \t\r\n\xef\xbb\xbf")
    lowered = stripped[:512].lower()
    if prefix.startswith(b"version https://git-lfs.github.com/spec/"):
        return Finding(
            "git-lfs-pointer",
            "a git-lfs pointer file, not the model: the real file was never downloaded "
            "(run `git lfs pull`, or download the file itself)",
        )
    if lowered.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or b"<html" in lowered:
        return Finding(
            "html",
            "an HTML page, not a model: the download returned an error or login page instead of the file",
        )
    if lowered.startswith(b"{") and _is_json_error(prefix):
        return Finding("json", "a JSON document, not a model: often an error response from a download server")
    # Transfer damage: the magic with its line endings or high bit changed in transit.
    if prefix.startswith(b"\x89MFT\n\x1a\n") or prefix.startswith(b"\x89MFT\r\r\n"):
        return Finding(
            "newline-damage",
            "a modelfmt file damaged by a text-mode transfer (line endings were converted); "
            "transfer it again in binary mode",
        )
    if prefix.startswith(b"\x09MFT\r\n\x1a\n") or prefix.startswith(b"\xefMFT") or prefix.startswith(b"\xc2\x89MFT"):
        return Finding(
            "7bit-damage",
            "a modelfmt file damaged in transit (the first byte's high bit was lost or re-encoded); "
            "transfer it again in binary mode",
        )
    # A file shorter than the magic that matches it so far is truncated, not damaged (TRUNCATED says so).
    if prefix.startswith(MAGIC[:4]) and not MAGIC.startswith(prefix[: len(MAGIC)]):
        return Finding(
            "damaged-magic", "a damaged modelfmt file: the magic is altered; transfer it again in binary mode"
        )
    if prefix.startswith(b"GGUF"):
        return Finding("gguf", "a GGUF file (llama.cpp), not modelfmt")
    if prefix.startswith(b"\x93NUMPY"):
        return Finding("npy", "a numpy .npy file, not modelfmt")
    if prefix.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if len(prefix) >= 2 and prefix[0] == 0x80 and 2 <= prefix[1] <= 5:
        return Finding(
            "pickle",
            "a Python pickle (legacy PyTorch checkpoint?), not modelfmt; pickles can run code when loaded: "
            "convert it in a sandboxed process",
        )
    if prefix.startswith(b"\x89HDF\r\n\x1a\n"):
        return Finding("hdf5", "an HDF5 file (Keras .h5?), not modelfmt")
    if prefix.startswith(b"\x1f\x8b"):
        return Finding("gzip", "a gzip-compressed file: decompress it first")
    if prefix.startswith(b"\x28\xb5\x2f\xfd"):
        return Finding("zstd", "a zstd-compressed file: decompress it first")
    if prefix.startswith(b"\xfd7zXZ\x00"):
        return Finding("xz", "an xz-compressed file: decompress it first")
    if _looks_like_safetensors(prefix, file_size):
        return Finding("safetensors", "a safetensors file, not modelfmt")
    return None


def _is_json_error(prefix: bytes) -> bool:
    try:
        json.loads(prefix.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return prefix.lstrip().startswith(b'{"error') or prefix.lstrip().startswith(b'{"message')
    return True
