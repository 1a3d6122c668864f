"""Hugging Face folders whose files are links: nothing outside the folder is ever opened or copied into
the output, whichever file is the link (config, weights, shard, module list, pooling directory), while
links that stay inside the folder are followed. Special files are refused without blocking."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from interop_helpers import safetensors_bytes
from modelfmt.convert import ConversionError, convert

SECRET = "secret-from-outside-the-folder"
POOLING = {"word_embedding_dimension": 4, "pooling_mode_mean_tokens": True}
ST_POOLING = "sentence_transformers.models.Pooling"


def _folder(root: Path) -> Path:
    """A model folder (a model type without an architecture builder: weights and config only) and, beside
    it, an `outside/` directory holding look-alike files that carry a secret."""
    folder = root / "model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "plain"}))
    (folder / "model.safetensors").write_bytes(safetensors_bytes({"w": np.ones(4, np.float32)}))
    outside = root / "outside"
    outside.mkdir()
    (outside / "config.json").write_text(json.dumps({"model_type": "plain", "token": SECRET}))
    (outside / "model.safetensors").write_bytes(safetensors_bytes({"w": np.ones(4, np.float32)}, {"token": SECRET}))
    (outside / "modules.json").write_text(json.dumps([{"path": "1_Pooling", "type": ST_POOLING}]))
    (outside / "1_Pooling").mkdir()
    (outside / "1_Pooling" / "config.json").write_text(json.dumps({**POOLING, "token": SECRET}))
    return folder


def _link(folder: Path, name: str, target: Path) -> None:
    """Replace the file or directory `folder/name` by a symbolic link to `target`."""
    path = folder / name
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)


def _refused(folder: Path, destination: Path) -> ConversionError:
    with pytest.raises(ConversionError, match="a model folder is read only from inside itself") as caught:
        convert(folder, destination, weights_only=True)
    assert caught.value.code == "CONVERT_OUTSIDE_SOURCE"
    assert not destination.exists()
    return caught.value


def test_a_linked_config_or_weights_file_leaving_the_folder_is_refused(tmp_path: Path) -> None:
    for name in ("config.json", "model.safetensors"):
        root = tmp_path / name
        root.mkdir()
        folder = _folder(root)
        _link(folder, name, root / "outside" / name)
        error = _refused(folder, root / "out.mf")
        assert SECRET not in str(error)


def test_a_linked_shard_or_index_leaving_the_folder_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "model.safetensors").rename(folder / "model-00001-of-00001.safetensors")
    index = {"metadata": {}, "weight_map": {"w": "model-00001-of-00001.safetensors"}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    convert(folder, tmp_path / "sharded.mf")  # the plain folder converts
    _link(folder, "model-00001-of-00001.safetensors", tmp_path / "outside" / "model.safetensors")
    _refused(folder, tmp_path / "out.mf")
    (tmp_path / "outside" / "index.json").write_text(json.dumps(index))
    _link(folder, "model.safetensors.index.json", tmp_path / "outside" / "index.json")
    _refused(folder, tmp_path / "out.mf")


def test_linked_sentence_transformers_files_leaving_the_folder_are_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "modules.json").write_text(json.dumps([{"path": "1_Pooling", "type": ST_POOLING}]))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(POOLING))
    convert(folder, tmp_path / "plain.mf", weights_only=True)
    head = modelfmt.read_header(tmp_path / "plain.mf").metadata["sentence_transformers"]
    assert head["pooling"] == POOLING
    _link(folder, "1_Pooling", tmp_path / "outside" / "1_Pooling")  # a directory link
    _refused(folder, tmp_path / "out.mf")
    (folder / "1_Pooling").unlink()
    (folder / "1_Pooling").mkdir()
    _link(folder / "1_Pooling", "config.json", tmp_path / "outside" / "1_Pooling" / "config.json")
    _refused(folder, tmp_path / "out.mf")
    _link(folder, "modules.json", tmp_path / "outside" / "modules.json")
    _refused(folder, tmp_path / "out.mf")


def test_a_link_climbing_out_through_dot_dot_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    _link(folder, "config.json", Path("..") / "outside" / "config.json")  # relative, as a hostile archive ships it
    _refused(folder, tmp_path / "out.mf")


def test_links_that_stay_inside_the_folder_are_followed(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "blobs").mkdir()
    (folder / "model.safetensors").rename(folder / "blobs" / "weights")
    _link(folder, "model.safetensors", Path("blobs") / "weights")
    convert(folder, tmp_path / "out.mf")
    np.testing.assert_array_equal(modelfmt.load_file(tmp_path / "out.mf")["w"], np.ones(4, np.float32))


def test_a_fifo_in_place_of_a_config_is_refused_without_blocking(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "modules.json").write_text(json.dumps([{"path": "1_Pooling", "type": ST_POOLING}]))
    (folder / "1_Pooling").mkdir()
    os.mkfifo(folder / "1_Pooling" / "config.json")
    script = (
        "import sys\nfrom modelfmt.convert import ConversionError, convert\n"
        "try:\n    convert(sys.argv[1], sys.argv[2])\nexcept ConversionError as exc:\n    print(exc)\n"
    )
    # Opening a FIFO for reading waits for a writer: the timeout is a safety net against that hang.
    result = subprocess.run(
        [sys.executable, "-c", script, str(folder), str(tmp_path / "out.mf")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "1_Pooling/config.json: not a regular file" in result.stdout
