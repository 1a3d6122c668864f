"""Issue 4 item 6: six published kinds of network, exported from PyTorch, run by the numpy runtime and by
`modelfmt.torch.build`, compared with PyTorch's own output (float32, max relative error 1e-5).

Relative error is norm-wise: max |ours - torch| / max |torch| over the whole output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from arch_helpers import relative_error

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.interop
import arch_models  # noqa: E402 - needs torch
import modelfmt.torch as mft  # noqa: E402

TOLERANCE = 1e-5


def _outputs(result: object) -> list[np.ndarray]:
    if isinstance(result, dict):
        return [value.detach().numpy() for value in result.values()]
    if isinstance(result, tuple | list):
        return [value.detach().numpy() for value in result]
    assert isinstance(result, torch.Tensor)
    return [result.detach().numpy()]


def _check(
    tmp_path: Path,
    model: torch.nn.Module,
    examples: tuple[torch.Tensor, ...],
    dynamic_axes: Mapping[str, Mapping[int, str]] | None = None,
    other_inputs: tuple[torch.Tensor, ...] | None = None,
) -> modelfmt.Header:
    """Export with `examples`, then compare on `other_inputs` (other sizes of the dynamic axes)."""
    path = tmp_path / "model.mft"
    mft.export(model, examples, path, dynamic_axes=dynamic_axes)
    inputs = other_inputs if other_inputs is not None else examples
    with torch.no_grad():
        expected = _outputs(model(*inputs))
    numpy_outputs = list(modelfmt.run(path, [x.numpy() for x in inputs]).values())
    built = mft.build(path)
    with torch.no_grad():
        built_outputs = _outputs(built(*inputs))
    assert len(numpy_outputs) == len(expected) == len(built_outputs)
    for ours, theirs, from_build in zip(numpy_outputs, expected, built_outputs, strict=True):
        assert ours.dtype == theirs.dtype == np.float32
        assert relative_error(ours, theirs) <= TOLERANCE
        assert relative_error(from_build, theirs) <= TOLERANCE
    with modelfmt.safe_open(path) as handle:
        return handle.header


def test_mlp_with_batchnorm_trained(tmp_path: Path) -> None:
    model = arch_models.mlp_trained()
    header = _check(tmp_path, model, (torch.randn(6, 8),), other_inputs=(torch.randn(11, 8) * 3 + 1,))
    roles = {info.name: info.role for info in header.tensors}
    assert roles["0.running_mean"] == roles["3.running_var"] == roles["0.num_batches_tracked"] == "buffer"
    assert roles["1.weight"] == "parameter"
    assert header.architecture is not None
    assert [n["op"] for n in header.architecture["nodes"]] == [  # type: ignore[union-attr]
        "BatchNorm1d",
        "Linear",
        "ReLU",
        "BatchNorm1d",
        "Linear",
    ]


def test_embedding_dense_tanh_bidirectional_lstm(tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = arch_models.EmbeddingLSTM().eval()
    _check(
        tmp_path,
        model,
        (torch.randint(0, 50, (3, 7)),),
        {"ids": {0: "batch", 1: "seq"}},
        other_inputs=(torch.randint(0, 50, (2, 12)),),
    )


def test_small_cnn_with_batchnorm_and_pooling(tmp_path: Path) -> None:
    torch.manual_seed(2)
    model = arch_models.with_random_statistics(arch_models.SmallCNN())
    _check(tmp_path, model, (torch.randn(2, 3, 16, 16),), other_inputs=(torch.randn(5, 3, 16, 16),))


def test_two_layer_gru(tmp_path: Path) -> None:
    torch.manual_seed(3)
    model = arch_models.TwoLayerGRU().eval()
    _check(
        tmp_path,
        model,
        (torch.randn(5, 3, 10),),
        {"sequence": {0: "seq", 1: "batch"}},
        other_inputs=(torch.randn(9, 2, 10),),
    )


def test_two_layer_transformer_encoder_with_padding_mask(tmp_path: Path) -> None:
    torch.manual_seed(4)
    model = arch_models.Encoder().eval()
    axes = {"tokens": {0: "batch", 1: "seq"}, "padding": {0: "batch", 1: "seq"}}
    padding = torch.zeros(3, 7, dtype=torch.bool)
    padding[0, 5:] = True
    padding[2, 2:] = True
    _check(
        tmp_path,
        model,
        (torch.randn(2, 4, 32), torch.zeros(2, 4, dtype=torch.bool)),
        axes,
        other_inputs=(torch.randn(3, 7, 32), padding),
    )


def _bert_inputs(batch: int, length: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(batch * 100 + length)
    ids = torch.randint(1, 100, (batch, length), generator=generator)
    mask = torch.ones(batch, length, dtype=torch.int64)
    mask[-1, length // 2 :] = 0  # padding at the end of the last sequence
    types = torch.zeros(batch, length, dtype=torch.int64)
    types[:, length // 2 :] = 1
    return ids, mask, types


BERT_AXES = {name: {0: "batch", 1: "seq"} for name in ("input_ids", "attention_mask", "token_type_ids")}


def test_bert_class_encoder_from_a_configuration(tmp_path: Path) -> None:
    model = arch_models.bert_random(seed=5)
    header = _check(tmp_path, model, _bert_inputs(2, 6), BERT_AXES, other_inputs=_bert_inputs(3, 11))
    assert header.architecture is not None
    outputs = [decl["name"] for decl in header.architecture["outputs"]]  # type: ignore[union-attr]
    assert outputs == ["last_hidden_state", "pooler_output"]
    ops = {n["op"] for n in header.architecture["nodes"]}  # type: ignore[union-attr]
    assert {"Embedding", "PositionIds", "LayerNorm", "GELU", "Softmax", "MatMul", "Tanh", "Cast"} <= ops


def test_bert_module_matches_hugging_face_bert(tmp_path: Path) -> None:
    """The BERT of arch_models is the published architecture: it equals transformers' BertModel."""
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(
        vocab_size=100,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
        type_vocab_size=2,
        attn_implementation="eager",
    )
    torch.manual_seed(6)
    reference = transformers.BertModel(config).eval()
    ours = arch_models.BertModel(arch_models.BertConfig()).eval()
    ours.load_state_dict(reference.state_dict(), strict=False)
    inputs = _bert_inputs(2, 9)
    with torch.no_grad():
        expected = reference(input_ids=inputs[0], attention_mask=inputs[1], token_type_ids=inputs[2])
        got = ours(*inputs)
    assert relative_error(got["last_hidden_state"].numpy(), expected.last_hidden_state.numpy()) <= TOLERANCE
    assert relative_error(got["pooler_output"].numpy(), expected.pooler_output.numpy()) <= TOLERANCE


EXPORTERS: dict[str, Callable[[], torch.nn.Module]] = {"mlp": arch_models.mlp_trained}


@pytest.mark.slow
def test_export_is_deterministic(tmp_path: Path) -> None:
    model = arch_models.mlp_trained()
    example = torch.randn(4, 8)
    mft.export(model, example, tmp_path / "a.mft")
    mft.export(model, example, tmp_path / "b.mft")
    assert (tmp_path / "a.mft").read_bytes() == (tmp_path / "b.mft").read_bytes()
