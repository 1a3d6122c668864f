"""How what another format stores beside its tensors is carried in modelfmt metadata, and back.

The keys are documented in the README ("Convert existing models") and chosen so that a round trip
through either format reproduces the original:

- `safetensors_metadata`: a safetensors file's `__metadata__` (string to string), unchanged.
- `modelfmt` (a key *inside* a safetensors `__metadata__`): everything of a modelfmt file that
  safetensors has no place for (metadata, architecture, training, extensions, non-default roles) as
  one JSON string, so modelfmt -> safetensors -> modelfmt gives back identical bytes. safetensors
  metadata is a map of strings to strings; typed values are carried by this one string, which is the
  canonical form (SPEC.md §4.7) except for floats: each is written so that it reads back as the same
  float (`typed_number`: `1.0`, `-0.0`, `10000000000000000.0` for 1e16, whose canonical form is an
  integer a reader refuses). Integers stay integer-form, so every valid metadata value (§8.1) comes
  back from the safetensors reader with its type and value, and the reader accepts all the writer
  writes. A plain string-to-string `__metadata__` maps to `safetensors_metadata` unchanged.
- `pytorch_values`: the plain values (numbers, strings, lists) found beside the tensors of a PyTorch
  checkpoint, under their dotted names.
- `huggingface_config`: a Hugging Face folder's `config.json`; `sentence_transformers`: its pooling
  head (`modules.json` and the pooling module's `config.json`).
- `keras_config` and `keras_metadata`: a Keras archive's `config.json` and `metadata.json`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..container._reader import SAFETENSORS_METADATA
from ..container._tensors import ROLES
from ..format import _json
from ._errors import ConversionError
from ._jsonfile import parse_json

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
    # The carried map becomes the `__metadata__` keys again, unless that would lose it: an empty map
    # leaves no key, and one with a `modelfmt` key would clash with ours. Those stay in the packed metadata.
    if carried and MODELFMT_IN_SAFETENSORS not in carried:
        del rest[SAFETENSORS_METADATA]
    else:
        carried = None
    packed: dict[str, object] = {}
    if rest:
        packed["metadata"] = rest
    packed.update({key: dict(value) for key, value in sections.items() if value is not None})
    if roles:
        packed["roles"] = dict(roles)
    if not packed:
        return carried
    out = dict(carried or {})
    try:
        # The reader parses this string with the header's rules (SPEC.md §4): floats in their typed form
        # read back as the same floats, 1e16 and -0.0 included; what no header holds (an integer beyond
        # 2^53-1, NaN, a lone surrogate) is refused here rather than written unreadable.
        out[MODELFMT_IN_SAFETENSORS] = _json.canonical(packed, writing=True, typed_floats=True)
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
