"""A small builder for architecture graphs (SPEC.md §9), used by the Hugging Face and Keras converters.

Nodes are appended in topological order (an input must exist before it is used, as §9.6 requires), and
value names are derived from node names. The declared output types are not computed here: `build()`
runs the format's own validator (`validate_architecture`) and declares each output with the dtype and
shape the validator infers, so the converters never duplicate shape inference, and every graph they
produce has passed the same checks a reader applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from ..format._errors import ModelfmtError
from ..graph import CORE_DOMAIN, Graph, validate_architecture
from ..graph._types import TensorEntry
from ._errors import ConversionError

Attribute = int | float | bool | str | list[int]


class GraphBuilder:
    def __init__(self, what: str) -> None:
        self._what = what  # names the model in error messages
        self._inputs: list[dict[str, object]] = []
        self._nodes: list[dict[str, object]] = []
        self._node_names: set[str] = set()
        self._last_suffix: dict[str, int] = {}
        self._outputs: list[str] = []

    def input(self, name: str, dtype: str, shape: Sequence[int | str]) -> str:
        self._inputs.append({"name": name, "dtype": dtype, "shape": list(shape)})
        return name

    def node(
        self,
        op: str,
        inputs: Sequence[str | None],
        name: str,
        *,
        attributes: Mapping[str, Attribute] | None = None,
        parameters: Mapping[str, str] | None = None,
        outputs: int = 1,
    ) -> str:
        """Append a node; returns its first output's value name (`name`, or `name:0` for several)."""
        values = self.node_outputs(op, inputs, name, attributes=attributes, parameters=parameters, outputs=outputs)
        value = values[0]
        assert value is not None
        return value

    def node_outputs(
        self,
        op: str,
        inputs: Sequence[str | None],
        name: str,
        *,
        attributes: Mapping[str, Attribute] | None = None,
        parameters: Mapping[str, str] | None = None,
        outputs: int | Sequence[bool] = 1,
    ) -> list[str | None]:
        """Append a node; `outputs` is a count, or one flag per output port saying whether it is named."""
        unique = name
        # The smallest free suffix, searched from where the last search for `name` stopped (names are
        # never released): linear in the number of nodes, whatever number of them share a name.
        suffix = self._last_suffix.get(name, 1)
        while unique in self._node_names:
            suffix += 1
            unique = f"{name}#{suffix}"
        self._last_suffix[name] = suffix
        self._node_names.add(unique)
        flags = [True] * outputs if isinstance(outputs, int) else list(outputs)
        names: list[str | None] = (
            [unique] if flags == [True] else [f"{unique}:{index}" if flag else None for index, flag in enumerate(flags)]
        )
        while names and names[-1] is None:
            names.pop()  # trailing absent optional outputs are omitted (§9.6)
        node: dict[str, object] = {"name": unique, "op": op, "inputs": list(inputs), "outputs": names}
        if attributes:
            node["attributes"] = dict(attributes)
        if parameters:
            node["parameters"] = dict(parameters)
        self._nodes.append(node)
        return names + [None] * (len(flags) - len(names))

    def output(self, value: str) -> None:
        self._outputs.append(value)

    def build(self, tensors: Mapping[str, TensorEntry]) -> dict[str, object]:
        """The architecture object, validated against `tensors`, with inferred output declarations."""
        draft = self._architecture([self._inputs[0]] if self._inputs else [])
        graph = self._validate(draft, tensors)
        outputs: list[dict[str, object]] = []
        for index, value in enumerate(self._outputs):
            inferred = graph.value_types[value]
            assert inferred.dtype is not None and inferred.shape is not None  # core ops only
            shape: list[int | str] = [
                dim if dim is not None else f"{_FREE_PREFIX}{index}_{axis}" for axis, dim in enumerate(inferred.shape)
            ]
            outputs.append({"name": value, "dtype": inferred.dtype, "shape": shape})
        architecture = self._architecture(outputs)
        self._validate(architecture, tensors)
        return architecture

    def _architecture(self, outputs: list[dict[str, object]]) -> dict[str, object]:
        return {"opset": {CORE_DOMAIN: 1}, "inputs": self._inputs, "outputs": outputs, "nodes": self._nodes}

    def _validate(self, architecture: dict[str, object], tensors: Mapping[str, TensorEntry]) -> Graph:
        try:
            return validate_architecture(architecture, tensors)
        except ModelfmtError as exc:
            raise ConversionError(f"{self._what}: the weights do not fit the configuration: {exc}") from None


# Sizes only known at run time (none in the graphs built here today) get free symbols (§9.5).
_FREE_PREFIX: Final = "size_"
