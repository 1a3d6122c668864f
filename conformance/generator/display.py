"""Vectors of SPEC.md §17.18: strings a terminal would act on are data, returned exactly.

Escaping is for display only: a reader accepts a header whose metadata, extensions and (except for
controls, §7.3 and §9.4) names hold terminal escape sequences, C1 controls, direction controls,
invisible characters, separators and noncharacters, and returns every one of them unchanged. Names
that a careless display would show alike (a character and the text of its escape) are different names.
The invalid side (controls in tensor, node and value names) is in `tensors.py` and `graph.py`.
"""

from __future__ import annotations

from .build import Tensor, f32, file_bytes, model
from .graph import graph_file, node
from .model import Vector, valid

TAGS = ("pitfall:17.18",)

# One string per class of §17.18, with the attacks of issue 10 (window title, clipboard, a forged
# "signature valid" section under a file that is not signed).
HOSTILE = {
    "window-title": "\x1b]0;pwned\x07",
    "clipboard-osc52": "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "clear-screen": "\x1b[2J\x1b[H",
    "c1-controls": "\x9b31mred \x85next \x7fdel",
    "carriage-return": "OK\rINVALID",
    "forged-section": "x\n\nsignatures (1)\n  1. ed25519  key 0123\n     signature valid for a --key\n",
    "direction-controls": "\u202eabc\u202c \u2066x\u2069 \u200e\u200f\u061c",
    "invisible": "a\u200bb\u200dc\u2060d\ufeffe\u00adf",
    "separators": "a\u2028b\u2029c",
    "noncharacters-and-unassigned": "\ufdd0\uffff\U0001fffe\u0378",
    "tags-and-fillers": "\U000e0041\U000e007f\u3164\u115f\ufe0f\u034f",
    "backslash-escapes-as-text": "\\x1b \\u202e \\\\",
    "private-use-and-spaces": "\ue000\u00a0\u3000",
}


def _metadata_and_extensions() -> Vector:
    metadata: dict[str, object] = {f"{name}{text}": text for name, text in HOSTILE.items()}
    metadata["description"] = HOSTILE["forged-section"]
    metadata["nested"] = {"list": list(HOSTILE.values())}
    extensions = {"org.example.display": {"note": HOSTILE["window-title"], HOSTILE["clipboard-osc52"]: [1]}}
    return valid(
        "valid.display.terminal-controls-in-metadata",
        file_bytes(model([Tensor("w", "float32", [2], f32(1.0, -2.0))], metadata, extensions=extensions)),
        "metadata keys and values and extension values holding terminal escapes (window title, OSC 52), C1 "
        "controls, a forged signature section, direction controls, invisible characters, separators and "
        "noncharacters: valid, returned exactly (tools escape them when displaying)",
        ("8.1", "8.3", "17.18"),
        tags=TAGS,
    )


def _names_that_display_alike() -> Vector:
    names = ["w", "w\u202e", "w\\u202e", "w\u200b", "w\\u200b", "w\ufeff", "w\u00ad", "w\u3164", "w\\", "w\\\\"]
    tensors = [Tensor(name, "uint8", [1], bytes([index])) for index, name in enumerate(names)]
    return valid(
        "valid.display.names-that-display-alike",
        file_bytes(model(tensors, {})),
        "tensor names that differ only by a direction or invisible character, or by that character against "
        "the text of its escape: different names, returned exactly",
        ("7.3", "17.18"),
        tags=TAGS,
    )


def _graph_names() -> Vector:
    arch = {
        "opset": {"modelfmt.core": 1},
        "inputs": [{"name": "x\u202e", "dtype": "float32", "shape": [2]}],
        "outputs": [{"name": "y\u2066\u200b", "dtype": "float32", "shape": [2]}],
        "nodes": [node("act\ufeff\u2028", "ReLU", ["x\u202e"], ["y\u2066\u200b"])],
    }
    return valid(
        "valid.display.graph-names",
        graph_file(arch, [Tensor("w", "float32", [2], f32(1.0, -2.0))]),
        "node and value names with direction controls, invisible characters and a line separator: valid "
        "(§9.4 forbids only controls), returned exactly",
        ("9.4", "17.18"),
        tags=TAGS,
    )


def vectors() -> list[Vector]:
    return [_metadata_and_extensions(), _names_that_display_alike(), _graph_names()]
