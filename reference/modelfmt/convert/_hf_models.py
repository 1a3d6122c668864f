"""Architecture builders for Hugging Face model types, looked up by `model_type` in a closed table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ._bert import build_bert, build_roberta
from ._huggingface import ArchitectureBuilder

BUILDERS: Final[Mapping[str, ArchitectureBuilder]] = {
    "bert": build_bert,
    "roberta": build_roberta,
    "xlm-roberta": build_roberta,
    "camembert": build_roberta,
}
