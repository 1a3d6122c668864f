"""Every Keras layer with a modelfmt.core version 1 equivalent converts, and gives Keras's outputs.

The matrix of one-layer models (`keras_layer_cases.CASES`): each layer in a Sequential model and in a
functional one (layers with several inputs or call arguments: functional only), saved as `.keras`,
converted, run with `modelfmt.run` and with `modelfmt.torch.build`, and compared with `model.predict` at
1e-4 relative. Layers that need an op version 1 lacks are refused, naming the user's layer, its class
and the op. All models are built once, in a module-scoped fixture; the whole matrix is `slow` but for
the cases marked `fast`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from modelfmt.convert import ConversionError, convert

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
pytest.importorskip("h5py")
torch = pytest.importorskip("torch")
if keras.backend.backend() != "torch":  # pragma: no cover - another backend was chosen before this module
    pytest.skip("these tests run Keras on its torch backend", allow_module_level=True)

from keras_layer_cases import CASES, Case  # noqa: E402
from modelfmt.torch import build  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
TOLERANCE = 1e-4


@dataclass(frozen=True)
class Built:
    case: Case
    style: str  # "sequential" or "functional"
    path: Path
    inputs: list[np.ndarray]
    expected: list[np.ndarray]  # empty for a refused case
    layer_name: str


def _data(spec: tuple[int | None, ...], dtype: str, seed: int) -> np.ndarray:
    generator = np.random.default_rng(seed)
    shape = tuple(7 if size is None else size for size in spec)
    if dtype == "bool":
        return generator.random((2, *shape)) < 0.7
    if dtype == "int32":
        return generator.integers(0, 10, (2, *shape)).astype("int32")
    return generator.normal(size=(2, *shape)).astype(dtype)


def _randomize(model: object) -> None:
    """Weights of a useful size (initializers give near-zero biases), valid variances."""
    generator = np.random.default_rng(0)
    for variable in model.weights:  # type: ignore[attr-defined]
        value = generator.normal(0, 0.5, variable.shape).astype("float32")
        if "variance" in variable.path:
            value = np.abs(value) + 0.5
        variable.assign(value)


def _model(case: Case, style: str) -> object:
    inputs = [keras.Input(shape, dtype=dtype) for shape, dtype in case.inputs]
    layer = case.make()
    if style == "sequential":
        return keras.Sequential([inputs[0], layer])
    if case.id.startswith("MultiHeadAttention_mask"):
        out = layer(inputs[0], inputs[1], attention_mask=inputs[2])
    elif case.id.startswith("MultiHeadAttention"):
        out = layer(*inputs, **case.call)
    else:
        out = layer(inputs if len(inputs) > 1 else inputs[0], **case.call)
    return keras.Model(inputs, out)


def _styles(case: Case) -> list[str]:
    single = len(case.inputs) == 1 and not case.call
    return ["sequential", "functional"] if single else ["functional"]


IDS = [f"{case.id}-{style}" for case in CASES for style in _styles(case)]
FAST = {f"{case.id}-{style}" for case in CASES for style in _styles(case) if case.fast}


class Models:
    """The models of the matrix, each built, saved and predicted once, on first use (the fast tier builds
    only its own)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cache: dict[str, Built] = {}

    def __getitem__(self, key: str) -> Built:
        if key not in self.cache:
            self.cache[key] = self._build(key)
        return self.cache[key]

    def _build(self, key: str) -> Built:
        case_id, style = key.rsplit("-", 1)
        case = next(case for case in CASES if case.id == case_id)
        model = _model(case, style)
        if case.id == "Normalization":
            model.layers[-1].adapt(_data(case.inputs[0][0], "float32", 7))
        _randomize(model)
        inputs = [_data(shape, dtype, index + 1) for index, (shape, dtype) in enumerate(case.inputs)]
        expected: list[np.ndarray] = []
        if case.refused is None:
            predicted = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
            expected = [np.asarray(p) for p in (predicted if isinstance(predicted, list | tuple) else [predicted])]
        path = self.folder / f"{key}.keras"
        model.save(path)
        return Built(case, style, path, inputs, expected, model.layers[-1].name)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Models:
    return Models(tmp_path_factory.mktemp("keras_layers"))


def _close(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == expected.shape
    assert np.abs(actual.astype("float64") - expected).max() <= TOLERANCE * max(1.0, np.abs(expected).max())


def _matrix() -> list[object]:
    return [pytest.param(key, marks=() if key in FAST else pytest.mark.slow, id=key) for key in IDS]


@pytest.mark.parametrize("key", _matrix())
def test_one_layer_model(built: Models, key: str, tmp_path: Path) -> None:
    item = built[key]
    out = tmp_path / "m.mf"
    if item.case.refused is not None:
        with pytest.raises(ConversionError) as caught:
            convert(item.path, out)
        message = str(caught.value)
        kind = type(item.case.make()).__name__
        assert f"layer `{item.layer_name}` ({kind})" in message
        assert item.case.refused in message
        assert not out.exists()
        return
    convert(item.path, out)
    actual = list(modelfmt.run(out, item.inputs).values())
    assert len(actual) == len(item.expected)
    for got, want in zip(actual, item.expected, strict=True):
        _close(got, want)
    module = build(out)
    with torch.no_grad():
        result = module(*(torch.from_numpy(np.asarray(x)) for x in item.inputs))
    results = result if isinstance(result, tuple) else (result,)
    for got, want in zip(results, item.expected, strict=True):
        _close(got.numpy(), want)


def _converts(item: Built, folder: Path) -> bool:
    try:
        convert(item.path, folder / f"{item.case.id}-{item.style}.mf")
    except ConversionError:
        return False
    return True


@pytest.mark.slow
def test_report_how_many_one_layer_models_convert(built: Models, tmp_path: Path) -> None:
    """Each one-layer model once (its Sequential form where it has one)."""
    sequential = [built[f"{case.id}-{_styles(case)[0]}"] for case in CASES]
    converted = [item.case.id for item in sequential if _converts(item, tmp_path)]
    refused = sorted({item.case.id for item in sequential} - set(converted))
    print(f"\nKeras one-layer models: {len(converted)} of {len(sequential)} convert; refused: {', '.join(refused)}")
    assert set(refused) == {case.id for case in CASES if case.refused is not None}
