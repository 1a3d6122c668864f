"""The small base models every mutation starts from."""

from __future__ import annotations

from .build import Layout, Model, Preamble, Tensor, f32, file_bytes, model


def tiny() -> Model:
    """SPEC.md Appendix A: `w` float32 [1.0, -2.0] and `mask` bool [true, false, true], metadata name tiny."""
    return model(
        [Tensor("w", "float32", [2], f32(1.0, -2.0)), Tensor("mask", "bool", [3], b"\x01\x00\x01", "buffer")],
        {"name": "tiny"},
    )


def tiny_file() -> bytes:
    return file_bytes(tiny())


def header_only(text: str | bytes, *, minor: int = 0) -> bytes:
    """A file whose header is exactly `text` and whose data section is empty: for rules of §4 that need
    no tensor (a valid header of this kind has `"tensors":[]`)."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return Layout(raw, b"", Preamble(minor=minor)).assemble()


def empty_model(metadata: dict[str, object] | None = None) -> Model:
    return model([], metadata or {})
