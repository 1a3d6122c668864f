"""Keras 3 `.keras` archives -> modelfmt, read without executing anything: the converted graph gives
Keras's own outputs (Keras runs here on its torch backend), kernels transposed and gates reordered;
unsupported layers, options and unsafe HDF5 content are refused naming them."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from modelfmt.convert import ConversionError, convert

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")
if keras.backend.backend() != "torch":  # pragma: no cover - another backend was chosen before this module
    pytest.skip("these tests run Keras on its torch backend", allow_module_level=True)

layers = keras.layers
# Keras's torch backend warns about numpy 2's __array__ protocol on every conversion.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def randomize(model: object, seed: int = 0) -> None:
    """Weights of a useful size (initializers give near-zero biases and tiny outputs), valid variances."""
    generator = np.random.default_rng(seed)
    for variable in model.weights:  # type: ignore[attr-defined]
        value = generator.normal(0, 0.5, variable.shape).astype("float32")
        if "variance" in variable.path:
            value = np.abs(value) + 0.5
        variable.assign(value)


def check(model: object, x: object, tmp_path: Path, name: str = "m") -> Path:
    randomize(model)
    path = tmp_path / f"{name}.keras"
    model.save(path)  # type: ignore[attr-defined]
    report = convert(path, tmp_path / f"{name}.mf")
    assert (report.source_format, report.architecture) == ("keras", True)
    expected = keras.ops.convert_to_numpy(model(x, training=False))  # type: ignore[operator]
    outputs = modelfmt.run(tmp_path / f"{name}.mf", [x])
    (actual,) = outputs.values()
    assert actual.shape == expected.shape
    assert np.abs(actual - expected).max() <= 1e-5 * max(1.0, np.abs(expected).max())
    return tmp_path / f"{name}.mf"


def floats(*shape: int) -> np.ndarray:
    return np.random.default_rng(1).normal(size=shape).astype("float32")


def indices(*shape: int, high: int = 10) -> np.ndarray:
    return np.random.default_rng(2).integers(0, high, shape).astype("int32")


def test_recurrent_stack_functional(tmp_path: Path) -> None:
    inputs = keras.Input((5, 8))
    # Named: Keras numbers default names per process, and other modules' tests may build layers first.
    x = layers.LSTM(6, return_sequences=True, name="lstm")(inputs)
    x = layers.Bidirectional(layers.GRU(4, return_sequences=True), name="bidirectional")(x)
    x = layers.Dense(3, activation="relu")(x)
    x = layers.BatchNormalization(name="batch_normalization")(x)
    path = check(keras.Model(inputs, x), floats(2, 5, 8), tmp_path)
    names = [info.name for info in modelfmt.read_header(path).tensors]
    assert "lstm.weight_ih_l0" in names and "bidirectional.weight_hh_l0_reverse" in names
    roles = {info.name: info.role for info in modelfmt.read_header(path).tensors}
    assert roles["batch_normalization.running_var"] == "buffer"


def test_convolutional_sequential(tmp_path: Path) -> None:
    model = keras.Sequential(
        [
            keras.Input((9, 9, 3)),
            layers.Conv2D(4, 3, padding="same", activation="relu"),
            layers.Conv2D(5, 3, strides=2, padding="same"),
            layers.Conv2D(6, (2, 3), padding="valid", dilation_rate=(1, 2)),
            layers.BatchNormalization(),
            layers.Flatten(),
            layers.Dense(5, activation="gelu"),
            layers.Dropout(0.3),
            layers.Dense(2, activation="softmax"),
        ]
    )
    check(model, floats(2, 9, 9, 3), tmp_path)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_bidirectional_merge_modes(tmp_path: Path, merge_mode: str, cell: str) -> None:
    recurrent = getattr(layers, cell)
    model = keras.Sequential(
        [
            keras.Input((6,), dtype="int32"),
            layers.Embedding(10, 4),
            layers.Bidirectional(recurrent(3, return_sequences=True), merge_mode=merge_mode),
            layers.Bidirectional(recurrent(2), merge_mode=merge_mode),
            layers.Dense(2),
        ]
    )
    check(model, indices(3, 6), tmp_path)


def test_branches_merges_and_activation_layers(tmp_path: Path) -> None:
    inputs = keras.Input((7,))
    a = layers.Dense(4, use_bias=False)(inputs)
    a = layers.ReLU()(a)
    b = layers.Dense(4, activation="tanh")(inputs)
    b = layers.LeakyReLU()(b)
    merged = layers.Add()([a, b])
    c = layers.Activation("sigmoid")(merged)
    joined = layers.Concatenate()([merged, c])
    joined = layers.BatchNormalization(scale=False)(joined)
    out = layers.Softmax()(layers.Dense(3, activation="silu")(joined))
    check(keras.Model(inputs, out), floats(4, 7), tmp_path)


def test_recurrent_layers_without_bias_and_last_step(tmp_path: Path) -> None:
    model = keras.Sequential(
        [keras.Input((5, 3)), layers.LSTM(4, use_bias=False, return_sequences=True), layers.GRU(3, use_bias=False)]
    )
    check(model, floats(2, 5, 3), tmp_path)


def test_embedding_float_indices_are_truncated_like_keras(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((4,)), layers.Embedding(10, 3), layers.Flatten()])
    check(model, np.array([[0.2, 3.9, 9.0, 1.5]], dtype="float32"), tmp_path)


def _save(model: object, tmp_path: Path, name: str = "m") -> Path:
    path = tmp_path / f"{name}.keras"
    model.save(path)  # type: ignore[attr-defined]
    return path


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: [keras.Input((4, 4, 3)), layers.Conv2DTranspose(2, 3)], "needs a ConvTranspose op"),
        (lambda: [keras.Input((4, 3)), layers.LayerNormalization(axis=1)], "only normalization over the last axis"),
        (lambda: [keras.Input((4,)), layers.Dense(3, activation="elu")], "activation 'elu' needs the ELU op"),
        (lambda: [keras.Input((None, 3)), layers.GRU(2, reset_after=False)], "needs a known number of steps"),
        (
            lambda: [keras.Input((4, 3)), layers.Bidirectional(layers.GRU(2, reset_after=False))],
            "reset_after=False in Bidirectional needs the GRU variant",
        ),
        (lambda: [keras.Input((4, 3)), layers.LSTM(2, activation="relu")], "activation 'relu'"),
        (
            lambda: [keras.Input((4,)), layers.Embedding(5, 2, mask_zero=True), layers.Dense(2), layers.GRU(2)],
            "masking",
        ),
        (lambda: [keras.Input((4, 4, 4, 1)), layers.Conv3D(2, 1)], "needs a Conv3d op"),
        (lambda: [keras.Input((4,)), layers.Dense(2, dtype="mixed_float16")], "dtype policy 'mixed_float16'"),
    ],
)
def test_what_the_op_set_cannot_express_is_refused_naming_the_layer(
    tmp_path: Path, build: object, expected: str
) -> None:
    model = keras.Sequential(build())  # type: ignore[operator]
    path = _save(model, tmp_path)
    with pytest.raises(ConversionError, match="layer `") as caught:
        convert(path, tmp_path / "m.mf")
    assert expected in str(caught.value)
    assert not (tmp_path / "m.mf").exists()


def test_layer_normalization(tmp_path: Path) -> None:
    model = keras.Sequential(
        [keras.Input((4, 3)), layers.LayerNormalization(), layers.Dense(5), layers.LayerNormalization(center=False)]
    )
    check(model, floats(2, 4, 3), tmp_path)


def test_weights_only_keeps_any_model_as_stored(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((4, 3)), layers.Conv1D(3, 2), layers.Dense(2, activation="softplus")])
    randomize(model)
    path = _save(model, tmp_path)
    with pytest.raises(ConversionError, match="activation 'softplus' needs the Softplus op"):
        convert(path, tmp_path / "w.mf")
    report = convert(path, tmp_path / "w.mf", weights_only=True)
    assert not report.architecture
    tensors = modelfmt.load_file(tmp_path / "w.mf")
    assert list(tensors) == [
        "layers/conv1d/vars/0",
        "layers/conv1d/vars/1",
        "layers/dense/vars/0",
        "layers/dense/vars/1",
    ]
    np.testing.assert_array_equal(tensors["layers/dense/vars/0"], keras.ops.convert_to_numpy(model.layers[1].kernel))
    metadata = modelfmt.read_header(tmp_path / "w.mf").metadata
    assert metadata["keras_config"]["class_name"] == "Sequential"
    assert metadata["keras_metadata"]["keras_version"] == keras.__version__


def _rewrite(
    path: Path, edit_weights: object = None, edit_config: object = None, compression: int = zipfile.ZIP_STORED
) -> Path:
    """A copy of a .keras archive with its weights file or config changed."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    if edit_weights is not None:
        scratch = path.with_suffix(".h5")
        scratch.write_bytes(members["model.weights.h5"])
        with h5py.File(scratch, "r+") as weights:
            edit_weights(weights)  # type: ignore[operator]
        members["model.weights.h5"] = scratch.read_bytes()
    if edit_config is not None:
        members["config.json"] = json.dumps(edit_config(json.loads(members["config.json"]))).encode()  # type: ignore[operator]
    out = path.with_name("edited.keras")
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out


def test_stored_weights_are_read_in_place_and_compressed_ones_copied_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    randomize(model)
    path = _save(model, tmp_path)
    x = floats(2, 3)
    expected = keras.ops.convert_to_numpy(model(x))
    compressed = _rewrite(path, compression=zipfile.ZIP_DEFLATED)
    convert(compressed, tmp_path / "deflated.mf")
    (actual,) = modelfmt.run(tmp_path / "deflated.mf", [x]).values()
    np.testing.assert_allclose(actual, expected, rtol=1e-6)

    def no_scratch(*args: object, **kwargs: object) -> object:
        raise AssertionError("a stored entry must be read in place, not copied")

    monkeypatch.setattr("tempfile.TemporaryDirectory", no_scratch)
    convert(path, tmp_path / "stored.mf")
    (actual,) = modelfmt.run(tmp_path / "stored.mf", [x]).values()
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_hdf5_links_to_other_files_are_refused(tmp_path: Path) -> None:
    path = _save(keras.Sequential([keras.Input((3,)), layers.Dense(2)]), tmp_path)

    def external(weights: object) -> None:
        del weights["layers/dense/vars/0"]  # type: ignore[attr-defined]
        weights["layers/dense/vars/0"] = h5py.ExternalLink("/etc/secret.h5", "/data")  # type: ignore[index]

    edited = _rewrite(path, edit_weights=external)
    for weights_only in (False, True):
        with pytest.raises(ConversionError, match="ExternalLink; links to elsewhere are refused"):
            convert(edited, tmp_path / "x.mf", weights_only=weights_only)


def test_hdf5_external_storage_is_refused(tmp_path: Path) -> None:
    path = _save(keras.Sequential([keras.Input((3,)), layers.Dense(2)]), tmp_path)
    (tmp_path / "outside.bin").write_bytes(bytes(24))

    def external(weights: object) -> None:
        del weights["layers/dense/vars/0"]  # type: ignore[attr-defined]
        weights.create_dataset(  # type: ignore[attr-defined]
            "layers/dense/vars/0", shape=(3, 2), dtype="<f4", external=[(str(tmp_path / "outside.bin"), 0, 24)]
        )

    with pytest.raises(ConversionError, match="keeps its data in other files"):
        convert(_rewrite(path, edit_weights=external), tmp_path / "x.mf")


def test_a_fill_value_bomb_in_hdf5_is_refused(tmp_path: Path) -> None:
    path = _save(keras.Sequential([keras.Input((3,)), layers.Dense(2)]), tmp_path)

    def bomb(weights: object) -> None:
        weights.create_dataset("layers/dense/extra", shape=(2**20, 2**20), dtype="<f4", chunks=(1024, 1024))  # type: ignore[attr-defined]

    with pytest.raises(ConversionError, match="a compression bomb"):
        convert(_rewrite(path, edit_weights=bomb), tmp_path / "x.mf", weights_only=True)


def test_unknown_class_in_config_is_data_not_code(tmp_path: Path) -> None:
    path = _save(keras.Sequential([keras.Input((3,)), layers.Dense(2)]), tmp_path)

    def lambda_layer(config: dict[str, object]) -> dict[str, object]:
        entry = config["config"]["layers"][1]  # type: ignore[index]
        entry["class_name"] = "Lambda"
        entry["module"] = "os"
        entry["config"]["function"] = {"class_name": "__lambda__", "config": {"code": "print('pwned')"}}
        return config

    with pytest.raises(
        ConversionError, match=r"layer `dense[_0-9]*` \(Lambda\): a Lambda layer holds Python code, which is never run"
    ):
        convert(_rewrite(path, edit_config=lambda_layer), tmp_path / "x.mf")


def test_archive_without_weights_and_a_lying_zip(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("model.weights.h5", b"")
    (tmp_path / "x.keras").write_bytes(buffer.getvalue())
    with pytest.raises(ConversionError, match="not valid HDF5"):
        convert(tmp_path / "x.keras", tmp_path / "x.mf")


def test_every_refused_layer_is_named_at_once(tmp_path: Path) -> None:
    model = keras.Sequential(
        [
            keras.Input((4,)),
            layers.Dense(3, activation="elu", name="first"),
            layers.PReLU(name="second"),
            layers.Dense(2, name="fine"),
            layers.Lambda(lambda x: x, name="third"),
        ]
    )
    with pytest.raises(ConversionError) as caught:
        convert(_save(model, tmp_path), tmp_path / "m.mf")
    message = str(caught.value)
    assert "3 layers cannot be converted" in message
    assert "`first` (Dense): activation 'elu' needs the ELU op" in message
    assert "`second` (PReLU): needs a PReLU op" in message
    assert "`third` (Lambda): a Lambda layer holds Python code" in message
    assert "`fine`" not in message


def test_functional_branches_are_all_judged_and_keras_internal_layers_are_not_named(tmp_path: Path) -> None:
    inputs = keras.Input((5, 3))
    masked = layers.LSTM(2, name="recurrent")(layers.Masking(name="user_masking")(inputs))
    other = layers.Dense(2, activation="softplus", name="soft")(layers.Flatten()(inputs))
    model = keras.Model(inputs, layers.Add()([masked, other]))
    with pytest.raises(ConversionError) as caught:
        convert(_save(model, tmp_path), tmp_path / "m.mf")
    message = str(caught.value)
    assert "3 layers cannot be converted" in message
    assert "`user_masking` (Masking): masking" in message and "`soft` (Dense)" in message
    assert "`recurrent` (LSTM): masking" in message  # it reads the mask, given as a call argument
    assert "NotEqual" not in message and "(Any)" not in message


def test_a_wrapped_layer_is_refused_under_its_wrapper(tmp_path: Path) -> None:
    model = keras.Sequential(
        [keras.Input((3, 4)), layers.TimeDistributed(layers.Dense(2, activation="selu"), name="td")]
    )
    with pytest.raises(ConversionError, match=r"layer `td` \(TimeDistributed\(Dense\)\): activation 'selu' needs"):
        convert(_save(model, tmp_path), tmp_path / "m.mf")


@pytest.mark.filterwarnings("ignore:Layer .* does not support masking:UserWarning")
def test_a_mask_that_no_layer_reads_changes_nothing(tmp_path: Path) -> None:
    model = keras.Sequential(
        [keras.Input((5,), dtype="int32"), layers.Embedding(10, 3, mask_zero=True), layers.Dense(4), layers.Flatten()]
    )
    check(model, indices(2, 5), tmp_path)


@pytest.mark.filterwarnings("ignore:Layer .* does not support masking:UserWarning")
def test_a_mask_read_implicitly_is_refused_naming_the_reader(tmp_path: Path) -> None:
    """MultiHeadAttention takes its masks from its inputs: the functional config records no call argument."""
    inputs = keras.Input((5,), dtype="int32")
    embedded = layers.Embedding(10, 4, mask_zero=True, name="tokens")(inputs)
    recurrent = layers.LSTM(2, name="reader")(layers.Dense(4)(embedded))
    attended = layers.GlobalMaxPooling1D()(layers.MultiHeadAttention(2, 2, name="attends")(embedded, embedded))
    model = keras.Model(inputs, layers.Concatenate()([recurrent, attended]))
    with pytest.raises(ConversionError) as caught:
        convert(_save(model, tmp_path), tmp_path / "m.mf")
    message = str(caught.value)
    assert "`reader` (LSTM): masking" in message and "`attends` (MultiHeadAttention): masking" in message
    assert "`tokens`" not in message and "NotEqual" not in message
