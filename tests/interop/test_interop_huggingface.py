"""Hugging Face model folders -> modelfmt: weights bit-exact, config in metadata, shards validated against
their index, and for BERT-class encoders an architecture that runs in the reference runtime with the
hidden states of `transformers` (random weights from a small config; nothing is downloaded)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from modelfmt.convert import ConversionError, convert
from safetensors.numpy import load_file as load_safetensors

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

SMALL = {
    "vocab_size": 97,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 37,
    "max_position_embeddings": 40,
}


def save(model: object, folder: Path, **options: object) -> Path:
    model.save_pretrained(folder, **options)  # type: ignore[attr-defined]
    return folder


def inputs(batch: int = 3, length: int = 11, *, vocab: int = 97, low: int = 0) -> dict[str, np.ndarray]:
    generator = np.random.default_rng(0)
    ids = generator.integers(low, vocab, (batch, length))
    mask = np.ones((batch, length), dtype=np.int64)
    mask[1, 7:] = 0
    mask[2, 2:] = 0
    types = generator.integers(0, 2, (batch, length))
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def reference(model: object, feed: dict[str, np.ndarray]) -> object:
    with torch.no_grad():
        return model(**{key: torch.from_numpy(value) for key, value in feed.items()})  # type: ignore[operator]


def close(actual: np.ndarray, expected: object, tolerance: float = 1e-5) -> None:
    expected = np.asarray(expected)
    assert actual.shape == expected.shape
    assert np.abs(actual - expected).max() <= tolerance * max(1.0, np.abs(expected).max())


@pytest.fixture(scope="module")
def bert(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    torch.manual_seed(0)
    model = transformers.BertModel(transformers.BertConfig(**SMALL)).eval()
    return model, save(model, tmp_path_factory.mktemp("bert") / "model")


def test_bert_runs_with_the_hidden_states_of_transformers(bert: tuple[object, Path], tmp_path: Path) -> None:
    model, folder = bert
    report = convert(folder, tmp_path / "bert.mf")
    assert (report.source_format, report.architecture) == ("huggingface", True)
    feed = inputs()
    out = modelfmt.run(tmp_path / "bert.mf", feed)
    expected = reference(model, feed)
    close(out["last_hidden_state"], expected.last_hidden_state)  # type: ignore[attr-defined]
    close(out["pooler_output"], expected.pooler_output)  # type: ignore[attr-defined]


def test_bert_weights_are_the_checkpoint_bit_for_bit(bert: tuple[object, Path], tmp_path: Path) -> None:
    _, folder = bert
    convert(folder, tmp_path / "bert.mf")
    original = load_safetensors(folder / "model.safetensors")
    converted = modelfmt.load_file(tmp_path / "bert.mf")
    assert set(converted) == set(original)
    for name, array in original.items():
        assert converted[name].tobytes() == array.tobytes()
    metadata = modelfmt.read_header(tmp_path / "bert.mf").metadata
    assert metadata["huggingface_config"] == json.loads((folder / "config.json").read_text())
    # And back out: the converted file's weights are a valid safetensors file of the same tensors.
    convert(tmp_path / "bert.mf", tmp_path / "back.safetensors")
    back = load_safetensors(tmp_path / "back.safetensors")
    assert {name: array.tobytes() for name, array in back.items()} == {
        name: array.tobytes() for name, array in original.items()
    }


def test_sharded_folder_is_validated_against_its_index(bert: tuple[object, Path], tmp_path: Path) -> None:
    model, _ = bert
    folder = save(model, tmp_path / "sharded", max_shard_size="40KB")
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    assert len(set(index["weight_map"].values())) > 1
    convert(folder, tmp_path / "sharded.mf")
    feed = inputs()
    close(modelfmt.run(tmp_path / "sharded.mf", feed)["last_hidden_state"], reference(model, feed).last_hidden_state)  # type: ignore[attr-defined]


def _sharded_copy(bert: tuple[object, Path], tmp_path: Path) -> tuple[Path, dict[str, object]]:
    model, _ = bert
    folder = save(model, tmp_path / "sharded", max_shard_size="40KB")
    return folder, json.loads((folder / "model.safetensors.index.json").read_text())


def _write_index(folder: Path, index: dict[str, object]) -> None:
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))


def test_index_naming_a_missing_shard(bert: tuple[object, Path], tmp_path: Path) -> None:
    folder, index = _sharded_copy(bert, tmp_path)
    shard = sorted(set(index["weight_map"].values()))[-1]  # type: ignore[attr-defined]
    (folder / shard).unlink()
    with pytest.raises(ConversionError, match=f"names shard '{shard}', which is missing"):
        convert(folder, tmp_path / "x.mf")
    assert not (tmp_path / "x.mf").exists()


def test_index_and_shards_must_agree(bert: tuple[object, Path], tmp_path: Path) -> None:
    folder, index = _sharded_copy(bert, tmp_path)
    weight_map: dict[str, str] = index["weight_map"]  # type: ignore[assignment]
    name, shard = next(iter(weight_map.items()))
    other = next(s for s in sorted(set(weight_map.values())) if s != shard)
    _write_index(folder, {**index, "weight_map": {**weight_map, name: other}})
    with pytest.raises(ConversionError, match=f"holds tensor `{name}` \\(the index places it in '{other}'\\)"):
        convert(folder, tmp_path / "x.mf")
    del weight_map[name]
    _write_index(folder, {**index, "weight_map": weight_map})
    with pytest.raises(ConversionError, match=f"holds tensor `{name}` \\(the index does not list it\\)"):
        convert(folder, tmp_path / "x.mf")
    _write_index(folder, {**index, "weight_map": {**weight_map, name: shard, "ghost.weight": shard}})
    with pytest.raises(ConversionError, match=r"places tensor `ghost\.weight`"):
        convert(folder, tmp_path / "x.mf")


@pytest.mark.parametrize("shard", ["../model.safetensors", "/etc/passwd", "sub/dir.safetensors", ".."])
def test_index_paths_outside_the_folder_are_refused(bert: tuple[object, Path], tmp_path: Path, shard: str) -> None:
    folder, index = _sharded_copy(bert, tmp_path)
    weight_map: dict[str, str] = index["weight_map"]  # type: ignore[assignment]
    first = next(iter(weight_map))
    _write_index(folder, {**index, "weight_map": {**weight_map, first: shard}})
    with pytest.raises(ConversionError, match="not a plain file name inside the folder"):
        convert(folder, tmp_path / "x.mf")


def test_task_model_with_a_prefix(tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = transformers.BertForMaskedLM(transformers.BertConfig(**SMALL)).eval()
    convert(save(model, tmp_path / "mlm"), tmp_path / "mlm.mf")
    feed = inputs()
    close(modelfmt.run(tmp_path / "mlm.mf", feed)["last_hidden_state"], reference(model.bert, feed).last_hidden_state)  # type: ignore[attr-defined]


def test_roberta_matches_at_every_non_padding_position(tmp_path: Path) -> None:
    torch.manual_seed(2)
    config = transformers.RobertaConfig(
        **{**SMALL, "max_position_embeddings": 40, "type_vocab_size": 1, "pad_token_id": 1}
    )
    model = transformers.RobertaModel(config).eval()
    convert(save(model, tmp_path / "roberta"), tmp_path / "roberta.mf")
    feed = inputs(low=2)  # no padding token among the real tokens
    feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
    feed["input_ids"][feed["attention_mask"] == 0] = 1  # right padding with the pad token
    out = modelfmt.run(tmp_path / "roberta.mf", feed)["last_hidden_state"]
    expected = reference(model, feed).last_hidden_state.numpy()  # type: ignore[attr-defined]
    real = feed["attention_mask"].astype(bool)
    close(out[real], expected[real])


def _sentence_folder(bert: tuple[object, Path], tmp_path: Path, pooling: dict[str, object], normalize: bool) -> Path:
    _, source = bert
    folder = tmp_path / "st"
    shutil.copytree(source, folder)
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}]
    modules.append({"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"})
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
        (folder / "2_Normalize").mkdir()
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir()
    modes = {
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": False,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32, **modes, **pooling}))
    return folder


@pytest.mark.parametrize("normalize", [False, True])
def test_sentence_embedding_mean_pooling(bert: tuple[object, Path], tmp_path: Path, normalize: bool) -> None:
    model, _ = bert
    folder = _sentence_folder(bert, tmp_path, {"pooling_mode_mean_tokens": True}, normalize)
    convert(folder, tmp_path / "st.mf")
    feed = inputs()
    out = modelfmt.run(tmp_path / "st.mf", feed)["sentence_embedding"]
    tokens = reference(model, feed).last_hidden_state  # type: ignore[attr-defined]
    mask = torch.from_numpy(feed["attention_mask"]).unsqueeze(-1).float()
    expected = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # sentence-transformers' mean pooling
    if normalize:
        expected = torch.nn.functional.normalize(expected, p=2, dim=1)
        np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-6)
    close(out, expected.numpy())
    metadata = modelfmt.read_header(tmp_path / "st.mf").metadata
    assert metadata["sentence_transformers"]["modules"][-1] == ("Normalize" if normalize else "Pooling")


def test_sentence_embedding_cls_pooling(bert: tuple[object, Path], tmp_path: Path) -> None:
    model, _ = bert
    convert(_sentence_folder(bert, tmp_path, {"pooling_mode_cls_token": True}, False), tmp_path / "st.mf")
    feed = inputs()
    expected = reference(model, feed).last_hidden_state[:, 0]  # type: ignore[attr-defined]
    close(modelfmt.run(tmp_path / "st.mf", feed)["sentence_embedding"], expected.numpy())


def test_unsupported_pooling_is_refused_naming_it(bert: tuple[object, Path], tmp_path: Path) -> None:
    folder = _sentence_folder(bert, tmp_path, {"pooling_mode_max_tokens": True}, False)
    with pytest.raises(ConversionError, match="pooling_mode_max_tokens is not supported"):
        convert(folder, tmp_path / "st.mf")
    report = convert(folder, tmp_path / "weights.mf", weights_only=True)
    assert not report.architecture


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"hidden_act": "quick_gelu"}, "hidden_act 'quick_gelu' is not supported"),
        ({"position_embedding_type": "relative_key"}, "position_embedding_type 'relative_key'"),
        ({"is_decoder": True}, "decoder configurations"),
        ({"num_attention_heads": 5}, "not divisible by num_attention_heads 5"),
        ({"hidden_size": "32"}, "`hidden_size` must be an integer"),
        ({"intermediate_size": 38}, "the weights do not fit the configuration"),
    ],
)
def test_config_problems_are_named(
    bert: tuple[object, Path], tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    _, source = bert
    folder = tmp_path / "edited"
    shutil.copytree(source, folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, **change}))
    with pytest.raises(ConversionError, match=expected):
        convert(folder, tmp_path / "x.mf")


def test_other_model_types_keep_weights_and_config(tmp_path: Path) -> None:
    config = transformers.GPT2Config(n_embd=16, n_layer=1, n_head=2, vocab_size=50, n_positions=16)
    folder = save(transformers.GPT2Model(config), tmp_path / "gpt2")
    report = convert(folder, tmp_path / "gpt2.mf")
    assert not report.architecture
    assert any("model_type 'gpt2' has no architecture builder" in note for note in report.notes)
    assert modelfmt.read_header(tmp_path / "gpt2.mf").metadata["huggingface_config"]["model_type"] == "gpt2"


def test_folder_without_weights(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "config.json").write_text('{"model_type": "bert"}')
    (tmp_path / "empty" / "pytorch_model.bin").write_bytes(b"")
    with pytest.raises(ConversionError, match=r"neither model\.safetensors nor .* it has pytorch_model\.bin"):
        convert(tmp_path / "empty", tmp_path / "x.mf")
    (tmp_path / "bare").mkdir()
    with pytest.raises(ConversionError, match=r"without config\.json"):
        convert(tmp_path / "bare", tmp_path / "x.mf")
