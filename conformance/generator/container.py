"""Container vectors (SPEC.md §3, §13.1 phases 1, 4 and 5, §13.7, §15): preamble, file length, trailing
bytes, padding, digests, and files of other formats."""

from __future__ import annotations

import struct

from .base import tiny, tiny_file
from .build import MAGIC, Layout, Preamble, Tensor, canonical, edit_text, f32, file_bytes, model, patch, sha256
from .model import Vector, invalid, valid

APPENDIX_A_SHA256 = "c35ebfdecbfb8d5e746da630e85e4641020dda6d556cd2cedba7c4b776895ec2"


def _with_preamble(**fields: object) -> bytes:
    m = tiny()
    return file_bytes(m, preamble=Preamble(**fields))  # type: ignore[arg-type]


def _preamble_vectors() -> list[Vector]:
    good = tiny_file()
    pitfall_13 = ("pitfall:17.13",)
    return [
        invalid(
            "invalid.preamble.empty-file",
            b"",
            "TRUNCATED",
            "an empty file is a prefix of the magic",
            "3.1",
            tags=("pitfall:17.15",),
        ),
        invalid(
            "invalid.preamble.three-bytes-of-magic",
            MAGIC[:3],
            "TRUNCATED",
            "F < 8 and the bytes are a prefix of the magic: a cut download",
            "3.1",
            tags=("pitfall:17.15",),
        ),
        invalid("invalid.preamble.seven-bytes-of-magic", MAGIC[:7], "TRUNCATED", "one byte short of the magic", "3.1"),
        invalid(
            "invalid.preamble.short-not-magic",
            b"\x89MFX",
            "BAD_MAGIC",
            "F < 8 and the bytes are not a prefix of the magic",
            "3.1",
        ),
        invalid("invalid.preamble.magic-only", MAGIC, "TRUNCATED", "the magic alone: F < 24", "3.1"),
        invalid("invalid.preamble.23-bytes", good[:23], "TRUNCATED", "one byte short of the preamble", "3.1"),
        invalid(
            "invalid.preamble.short-major-2",
            MAGIC + b"\x02\x00",
            "TRUNCATED",
            "F < 24 is step 3, before the major version (step 4)",
            "3.1",
        ),
        invalid(
            "invalid.preamble.magic-lowercase",
            patch(good, 1, b"mft"),
            "BAD_MAGIC",
            "the magic is compared byte for byte",
            "3.1",
            tags=pitfall_13,
        ),
        invalid(
            "invalid.preamble.magic-crlf-to-lf",
            good[:4] + good[5:],
            "BAD_MAGIC",
            "CR LF converted to LF by a text-mode transfer",
            ("3.1", "13.7"),
            tags=pitfall_13,
        ),
        invalid(
            "invalid.preamble.magic-lf-to-crlf",
            good[:7] + b"\r" + good[7:],
            "BAD_MAGIC",
            "the final LF converted to CR LF by a text-mode transfer",
            ("3.1", "13.7"),
            tags=pitfall_13,
        ),
        invalid(
            "invalid.preamble.magic-high-bit-stripped",
            patch(good, 0, b"\x09"),
            "BAD_MAGIC",
            "a 7-bit channel cleared the high bit of the first byte",
            "3.1",
            tags=pitfall_13,
        ),
        invalid(
            "invalid.preamble.signature-end-magic-first",
            patch(good, 0, b"\x89MFS"),
            "BAD_MAGIC",
            "the signature block's end magic is not the file magic",
            "3.1",
            tags=pitfall_13,
        ),
        invalid(
            "invalid.preamble.major-0",
            _with_preamble(major=0),
            "UNSUPPORTED_VERSION",
            "major version 0 does not exist",
            ("3.1", "15.2"),
        ),
        invalid(
            "invalid.preamble.major-2",
            _with_preamble(major=2),
            "UNSUPPORTED_VERSION",
            "another major version is never read by 1.x rules",
            ("3.1", "15.2", "15.4"),
        ),
        invalid(
            "invalid.preamble.major-2-garbage-header",
            Layout(b"not json at all", b"", Preamble(major=2)).assemble(),
            "UNSUPPORTED_VERSION",
            "the version is checked before the header is looked at",
            ("3.1", "13.5"),
        ),
        invalid(
            "invalid.preamble.major-big-endian",
            patch(good, 8, b"\x00\x01"),
            "UNSUPPORTED_VERSION",
            "the major version written big-endian reads as 256",
            ("3.1", "3.7"),
            tags=("pitfall:17.12",),
        ),
        invalid(
            "invalid.preamble.reserved-last-byte",
            patch(good, 15, b"\x01"),
            "RESERVED_NOT_ZERO",
            "reserved bytes are zero so that a later major version can use them",
            "3.1",
        ),
        invalid(
            "invalid.preamble.reserved-first-byte",
            patch(good, 12, b"\x80"),
            "RESERVED_NOT_ZERO",
            "reserved bytes are zero",
            "3.1",
        ),
        invalid(
            "invalid.preamble.reserved-beats-header-length",
            _with_preamble(reserved=b"\x00\x00\x00\x01", header_length=2**40),
            "RESERVED_NOT_ZERO",
            "reserved bytes are step 5, the header length limit step 6",
            "3.1",
        ),
        invalid(
            "invalid.preamble.header-length-u64-max",
            _with_preamble(header_length=2**64 - 1),
            "HEADER_TOO_LARGE",
            "L = 2^64-1 is refused from the preamble alone, before any allocation",
            ("3.1", "5", "13.3"),
            tags=("pitfall:17.6",),
        ),
        invalid(
            "invalid.preamble.header-length-2-63",
            _with_preamble(header_length=2**63),
            "HEADER_TOO_LARGE",
            "L = 2^63 (negative as a signed 64-bit integer)",
            ("3.1", "1.2"),
            tags=("pitfall:17.2",),
        ),
        invalid(
            "invalid.preamble.header-length-big-endian",
            patch(good, 16, struct.pack(">Q", 358)),
            "HEADER_TOO_LARGE",
            "L written big-endian reads as 0x6601000000000000",
            ("3.1", "3.7"),
            tags=("pitfall:17.12",),
        ),
        invalid(
            "invalid.preamble.header-length-past-end",
            _with_preamble(header_length=100000),
            "TRUNCATED",
            "24 + L > F: the header is cut, which is not HEADER_TOO_LARGE",
            ("3.1", "13.6"),
            tags=("pitfall:17.6", "pitfall:17.15"),
        ),
        invalid(
            "invalid.preamble.file-cut-inside-header",
            good[:200],
            "TRUNCATED",
            "a download cut inside the header",
            ("3.1", "13.6"),
            tags=("pitfall:17.15",),
        ),
        invalid(
            "invalid.preamble.header-length-short-by-one",
            _with_preamble(header_length=357),
            "HEADER_SYNTAX",
            "L one byte short cuts the closing brace",
            ("3.2", "4.2"),
        ),
        invalid(
            "invalid.preamble.header-length-long-by-one",
            _with_preamble(header_length=359),
            "HEADER_SYNTAX",
            "L one byte long takes a padding 0x00 into the header",
            ("3.2", "4.2"),
        ),
    ]


def _sniffing_vectors() -> list[Vector]:
    """Other formats (§13.7): always BAD_MAGIC, never a guess at another format (§13.5 item 3)."""
    cases = {
        "git-lfs-pointer": b"version https://git-lfs.github.com/spec/v1\noid sha256:"
        + b"4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
        "html-error-page": b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n",
        "safetensors": struct.pack("<Q", 2) + b"{}",
        "pickle": b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01.",
        "zip": b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + bytes(20),
        "numpy-npy": b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
        "gguf": b"GGUF\x03\x00\x00\x00" + bytes(16),
        "hdf5": b"\x89HDF\r\n\x1a\n" + bytes(16),
    }
    return [
        invalid(
            f"invalid.sniffing.{name}",
            content,
            "BAD_MAGIC",
            f"a {name.replace('-', ' ')} file is not modelfmt, and a reader never reads it as anything else",
            ("3.1", "13.5", "13.7"),
            tags=("pitfall:17.13", "pitfall:17.11") if name == "pickle" else ("pitfall:17.13",),
        )
        for name, content in cases.items()
    ]


def _layout_vectors() -> list[Vector]:
    good = tiny_file()
    m = tiny()
    d = 384  # D of the Appendix A file
    zip_tail = b"PK\x05\x06" + bytes(18)
    second = file_bytes(model([], {}))
    return [
        valid(
            "valid.container.appendix-a",
            good,
            f"SPEC.md Appendix A, byte for byte (SHA-256 {APPENDIX_A_SHA256[:16]}…)",
            ("3", "7", "A"),
            runtime={"inputs": {}, "error": "RUN_NO_ARCHITECTURE"},
            tags=("runtime:RUN_NO_ARCHITECTURE",),
        ),
        valid(
            "valid.container.empty-table",
            file_bytes(model([], {})),
            "no tensors: F = D, an empty data section",
            ("3.4", "3.6", "7.1"),
        ),
        invalid(
            "invalid.layout.data-missing",
            good[:d],
            "TRUNCATED",
            "the header without its data section",
            ("3.6", "13.6"),
            tags=("pitfall:17.15",),
        ),
        invalid(
            "invalid.layout.data-one-byte-short", good[:-1], "TRUNCATED", "E = F + 1", "3.6", tags=("pitfall:17.15",)
        ),
        invalid(
            "invalid.layout.padding-only", good[: d - 1], "TRUNCATED", "the file ends inside the header padding", "3.6"
        ),
        invalid(
            "invalid.layout.one-trailing-byte",
            good + b"\x00",
            "TRAILING_BYTES",
            "nothing but a signature block may follow the data section",
            ("3.6", "2"),
            tags=("pitfall:17.1",),
        ),
        invalid(
            "invalid.layout.fifteen-trailing-bytes",
            good + b"\x00" * 7 + b"\x89MFS\r\n\x1a\n",
            "TRAILING_BYTES",
            "T < 16 even though the last 8 bytes are the end magic",
            "3.6",
            tags=("pitfall:17.1",),
        ),
        invalid(
            "invalid.layout.appended-zip-directory",
            good + zip_tail,
            "TRAILING_BYTES",
            "a ZIP end-of-central-directory record appended: a polyglot file",
            "3.6",
            tags=("pitfall:17.1",),
        ),
        invalid(
            "invalid.layout.appended-second-file",
            good + second,
            "TRAILING_BYTES",
            "two modelfmt files concatenated",
            "3.6",
            tags=("pitfall:17.1",),
        ),
        invalid(
            "invalid.layout.end-magic-length-mismatch",
            good + b"{}" + struct.pack("<Q", 3) + b"\x89MFS\r\n\x1a\n",
            "SIGNATURE_BLOCK",
            "the end magic is present but B + 16 differs from the bytes after E",
            ("3.5", "3.6"),
        ),
        invalid(
            "invalid.layout.structure-beats-layout",
            file_bytes(m, header_text=edit_text(m, ('"buffer"', '"state"')))[:-1],
            "ROLE_UNKNOWN",
            "phase 3 (structure) is reported before phase 4 (file length)",
            "13.1",
        ),
        invalid(
            "invalid.layout.layout-beats-content",
            patch(good, d, b"\xff") + b"\x00",
            "TRAILING_BYTES",
            "phase 4 (file length) is reported before phase 5 (digests)",
            "13.1",
        ),
    ]


def _content_vectors() -> list[Vector]:
    good = tiny_file()
    m = tiny()
    d = 384
    header_end = 24 + 358

    def bad_bool(value: bytes) -> bytes:
        data = b"\x01" + value + b"\x01"
        text = edit_text(m, (sha256(b"\x01\x00\x01"), sha256(data)))
        return patch(file_bytes(m, header_text=text), d + 64, data)

    return [
        invalid(
            "invalid.content.header-padding-last-byte",
            patch(good, d - 1, b"\x01"),
            "PADDING_NOT_ZERO",
            "header padding must be zero: no hidden bytes",
            ("3.3", "13.1"),
            tags=("pitfall:17.1",),
        ),
        invalid(
            "invalid.content.header-padding-newlines",
            patch(good, header_end, b"\n\n"),
            "PADDING_NOT_ZERO",
            "a writer that pads with whitespace does not conform",
            "3.3",
        ),
        invalid(
            "invalid.content.gap-byte",
            patch(good, d + 8, b"\x01"),
            "PADDING_NOT_ZERO",
            "gap bytes between tensors are zero",
            ("3.3", "7.5"),
            tags=("pitfall:17.1",),
        ),
        invalid(
            "invalid.content.gap-last-byte",
            patch(good, d + 63, b"\x80"),
            "PADDING_NOT_ZERO",
            "the last gap byte before the second tensor",
            ("3.3", "7.5"),
        ),
        invalid(
            "invalid.content.padding-beats-digest",
            patch(patch(good, d - 2, b"\x01"), d, b"\xff"),
            "PADDING_NOT_ZERO",
            "header padding is checked before any tensor",
            "13.1",
        ),
        invalid(
            "invalid.content.first-digest-beats-later-gap",
            patch(patch(good, d, b"\xff"), d + 63, b"\x01"),
            "DIGEST_MISMATCH",
            "tensors are checked in table order: w's digest before mask's gap",
            "13.1",
        ),
        invalid(
            "invalid.content.gap-beats-own-digest",
            patch(patch(good, d + 63, b"\x01"), d + 64, b"\x00"),
            "PADDING_NOT_ZERO",
            "for one tensor: its gap, then its digest",
            "13.1",
        ),
        invalid(
            "invalid.content.data-flip",
            patch(good, d + 3, b"\xbf"),
            "DIGEST_MISMATCH",
            "one flipped bit in w: -2.0 became another number",
            ("7.6", "13.1"),
            tags=("pitfall:17.14",),
        ),
        invalid(
            "invalid.content.last-byte-flip",
            patch(good, len(good) - 1, b"\x00"),
            "DIGEST_MISMATCH",
            "the last byte of the file",
            "7.6",
            tags=("pitfall:17.14",),
        ),
        invalid(
            "invalid.content.digest-beats-bool",
            patch(good, d + 65, b"\x02"),
            "DIGEST_MISMATCH",
            "for one tensor: digest, then bool values",
            ("7.9", "13.1"),
        ),
        invalid(
            "invalid.content.bool-value-2",
            bad_bool(b"\x02"),
            "BOOL_VALUE",
            "0x02 is not a bool, though the digest matches the bytes",
            "7.9",
            tags=("pitfall:17.14",),
        ),
        invalid(
            "invalid.content.bool-value-0x80",
            bad_bool(b"\x80"),
            "BOOL_VALUE",
            "0x80 is not a bool even where a language would read it as true",
            "7.9",
        ),
        invalid("invalid.content.bool-value-0xff", bad_bool(b"\xff"), "BOOL_VALUE", "0xFF is not a bool", "7.9"),
        invalid(
            "invalid.content.digest-uppercase-bytes-differ",
            file_bytes(m, header_text=edit_text(m, (sha256(f32(1.0, -2.0)), sha256(f32(1.0, 2.0))))),
            "DIGEST_MISMATCH",
            "the header's digest is another tensor's",
            "7.6",
        ),
    ]


def _version_vectors() -> list[Vector]:
    m = tiny()
    minor2 = Preamble(minor=2)
    return [
        valid(
            "valid.version.minor-2-nothing-new",
            file_bytes(m, preamble=minor2),
            "a 1.1 file that uses nothing a 1.0 reader does not know is read normally",
            "15.4",
        ),
        valid(
            "valid.version.minor-65535",
            file_bytes(m, preamble=Preamble(minor=65535)),
            "any minor version is accepted by readers",
            ("3.1", "15.4"),
        ),
        invalid(
            "invalid.version.minor-2-unknown-top-level-key",
            file_bytes(m, preamble=minor2, header_text=edit_text(m, ('"metadata":', '"quantization":{},"metadata":'))),
            "UNSUPPORTED_VERSION",
            "a newer minor may define this key",
            "15.4",
        ),
        invalid(
            "invalid.version.minor-2-unknown-dtype",
            file_bytes(m, preamble=minor2, header_text=edit_text(m, ('"float32"', '"float4_e2m1"'))),
            "UNSUPPORTED_VERSION",
            "a newer minor may define this dtype",
            ("6.1", "15.4"),
        ),
        invalid(
            "invalid.version.minor-2-unknown-role",
            file_bytes(m, preamble=minor2, header_text=edit_text(m, ('"buffer"', '"adapter"'))),
            "UNSUPPORTED_VERSION",
            "a newer minor may define this role",
            ("7.7", "15.4"),
        ),
        invalid(
            "invalid.version.minor-2-unknown-entry-key",
            file_bytes(m, preamble=minor2, header_text=edit_text(m, ('"dtype":"bool"', '"dtype":"bool","scale":1'))),
            "UNSUPPORTED_VERSION",
            "a newer minor may add an optional key to tensor entries",
            ("4.8", "15.4"),
        ),
        invalid(
            "invalid.version.minor-2-other-rules-unchanged",
            file_bytes(m, preamble=minor2, header_text=edit_text(m, ('"offset":64', '"offset":128'))),
            "TENSOR_GAP",
            "only the codes for unknown things become UNSUPPORTED_VERSION",
            "15.4",
        ),
        invalid(
            "invalid.version.minor-0-unknown-dtype",
            file_bytes(m, header_text=edit_text(m, ('"float32"', '"float4_e2m1"'))),
            "DTYPE_UNKNOWN",
            "in a 1.0 file an unknown dtype keeps its own code",
            ("6.1", "15.4"),
        ),
    ]


def _placement_vectors() -> list[Vector]:
    """P = 0 and P = 63: the header padding at both ends of its range (§3.3)."""
    vectors = []
    for padding in (0, 63, 1):
        filler = 0
        while True:
            m = model([Tensor("w", "float32", [2], f32(1.0, -2.0))], {"pad": "x" * filler})
            length = len(canonical(m.header))
            if (64 - (24 + length) % 64) % 64 == padding:
                break
            filler += 1
        vectors.append(
            valid(
                f"valid.container.header-padding-{padding}",
                file_bytes(m),
                f"a header whose length leaves P = {padding} bytes of padding",
                "3.3",
            )
        )
    return vectors


def _opaque_bytes() -> list[Vector]:
    # pickle.dumps of os.system("id"), protocol 4: unpickling it runs a command
    payload = bytes.fromhex("8004951a000000000000008c026f73948c0673797374656d9493948c02696494859452942e")
    m = model([Tensor("payload", "uint8", [len(payload)], payload, "other")], {"note": "cos\nsystem\n(S'id'\ntR."})
    return [
        valid(
            "valid.container.pickle-bytes-are-data",
            file_bytes(m),
            "a tensor holding a pickle that would run a command, and pickle text in metadata: data, returned "
            "exactly, never deserialised",
            ("6.4", "13.5"),
            tags=("pitfall:17.11",),
        ),
    ]


def vectors() -> list[Vector]:
    return [
        *_opaque_bytes(),
        *_preamble_vectors(),
        *_sniffing_vectors(),
        *_layout_vectors(),
        *_content_vectors(),
        *_version_vectors(),
        *_placement_vectors(),
    ]
