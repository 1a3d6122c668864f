"""modelfmt files as a conversion source: every tensor's digest is checked as it is read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..container._reader import SafeOpen
from ._source import Chunk, ChunkSource, Source, SourceTensor, array_chunks


def open_modelfmt(path: Path) -> Source:
    opened = SafeOpen(path)  # validates the header (phases 1-4); digests are checked per tensor on access
    source = Source("modelfmt", [])
    source.resources.callback(opened.close)
    header = opened.header
    source.metadata = dict(header.metadata)
    source.architecture = None if header.architecture is None else dict(header.architecture)
    source.training = None if header.training is None else dict(header.training)
    source.extensions = None if header.extensions is None else dict(header.extensions)
    if opened.signature_body is not None:
        source.notes.append("the source's signatures are not carried: sign the converted file again")
    for info in header.tensors:
        source.tensors.append(SourceTensor(info.name, info.dtype, info.shape, _reader(opened, info.name), info.role))
    return source


def _reader(opened: SafeOpen, name: str) -> ChunkSource:
    def chunks() -> Iterator[Chunk]:
        return array_chunks(opened.get_tensor(name))  # raises IntegrityError if the bytes do not match

    return chunks
