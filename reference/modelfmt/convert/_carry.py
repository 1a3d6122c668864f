"""How what another format stores beside its tensors is carried in modelfmt metadata, and back.

The keys are documented in the README ("Convert existing models") and chosen so that a round trip
through either format reproduces the original:

- `safetensors_metadata`: a safetensors file's `__metadata__` (string to string), unchanged.
- `modelfmt` (a key *inside* a safetensors `__metadata__`): everything of a modelfmt file that
  safetensors has no place for (metadata, architecture, training, extensions, non-default roles) as
  one canonical JSON string, so modelfmt -> safetensors -> modelfmt gives back identical bytes.
- `pytorch_values`: the plain values (numbers, strings, lists) found beside the tensors of a PyTorch
  checkpoint, under their dotted names.
- `huggingface_config`: a Hugging Face folder's `config.json`; `sentence_transformers`: its pooling
  head (`modules.json` and the pooling module's `config.json`).
- `keras_config` and `keras_metadata`: a Keras archive's `config.json` and `metadata.json`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..container._tensors import ROLES
from ..format import _json
from ._errors import ConversionError
from ._jsonfile import parse_json

SAFETENSORS_METADATA: Final = "safetensors_metadata"
MODELFMT_IN_SAFETENSORS: Final = "modelfmt"
PYTORCH_VALUES: Final = "pytorch_values"
HUGGINGFACE_CONFIG: Final = "huggingface_config"
SENTENCE_TRANSFORMERS: Final = "sentence_transformers"
KERAS_CONFIG: Final = "keras_config"
KERAS_METADATA: Final = "keras_metadata"

_SECTIONS: Final = ("metadata", "architecture", "training", "extensions", "roles")


def string_map(value: object) -> dict[str, str] | None:
    """`value` as a str -> str dict, or None when it is not one."""
    if isinstance(value, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return dict(value)
    return None


def pack_for_safetensors(
    metadata: Mapping[str, object],
    sections: Mapping[str, Mapping[str, object] | None],
    roles: Mapping[str, str],
) -> dict[str, str] | None:
    """The `__metadata__` of a safetensors file carrying a modelfmt file's metadata and sections."""
    rest = dict(metadata)
    carried = string_map(rest.get(SAFETENSORS_METADATA))
    if carried is not None:
        del rest[SAFETENSORS_METADATA]
    packed: dict[str, object] = {}
    if rest:
        packed["metadata"] = rest
    packed.update({key: dict(value) for key, value in sections.items() if value is not None})
    if roles:
        packed["roles"] = dict(roles)
    if not packed:
        return carried
    out = dict(carried or {})
    if MODELFMT_IN_SAFETENSORS in out:
        raise ConversionError(
            f"metadata `{SAFETENSORS_METADATA}` already has a key {MODELFMT_IN_SAFETENSORS!r}, which this "
            "conversion needs to carry the modelfmt header"
        )
    try:
        # As a modelfmt writer writes its header (`writing`): the reader parses this string with the
        # header's rules, so a float whose canonical form is an integer beyond 2^53-1 (1e16 is written
        # 10000000000000000) is refused here rather than written unreadable.
        out[MODELFMT_IN_SAFETENSORS] = _json.canonical(packed, writing=True)
    except ValueError as exc:  # a value the header's canonical form cannot hold (SPEC.md §4.7)
        raise ConversionError(f"the modelfmt header cannot be carried into safetensors: {exc}") from None
    return out


def unpack_from_safetensors(
    dunder: dict[str, str] | None, tensor_names: set[str], *, where: str
) -> tuple[dict[str, object], dict[str, dict[str, object]], dict[str, str]]:
    """(metadata, sections, roles) for a modelfmt file from a safetensors `__metadata__`."""
    if dunder is None:
        return {}, {}, {}
    others = {key: value for key, value in dunder.items() if key != MODELFMT_IN_SAFETENSORS}
    if MODELFMT_IN_SAFETENSORS not in dunder:
        return {SAFETENSORS_METADATA: others}, {}, {}
    raw = dunder[MODELFMT_IN_SAFETENSORS]
    packed = parse_json(raw.encode("utf-8"), f"{where}: `__metadata__.{MODELFMT_IN_SAFETENSORS}`")
    if not isinstance(packed, dict) or not set(packed) <= set(_SECTIONS):
        raise ConversionError(
            f"{where}: `__metadata__.{MODELFMT_IN_SAFETENSORS}` must be an object with keys among "
            f"{', '.join(_SECTIONS)}"
        )
    for key, value in packed.items():
        if not isinstance(value, dict):
            raise ConversionError(f"{where}: `__metadata__.{MODELFMT_IN_SAFETENSORS}.{key}` must be an object")
    metadata: dict[str, object] = dict(packed.pop("metadata", {}))
    roles = string_map(packed.pop("roles", {}))
    if roles is None or not set(roles.values()) <= set(ROLES) or not set(roles) <= tensor_names:
        raise ConversionError(
            f"{where}: `__metadata__.{MODELFMT_IN_SAFETENSORS}.roles` must map tensors of the file to "
            f"{', '.join(ROLES)}"
        )
    if others:
        if SAFETENSORS_METADATA in metadata:
            raise ConversionError(
                f"{where}: `__metadata__` has keys besides {MODELFMT_IN_SAFETENSORS!r} and the carried metadata "
                f"already has `{SAFETENSORS_METADATA}`"
            )
        metadata[SAFETENSORS_METADATA] = others
    return metadata, packed, roles
