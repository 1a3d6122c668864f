"""PyTorch adapter (optional extra `modelfmt[torch]`, torch==2.13.0).

- `export(module, example_inputs, path, ...)`: architecture (via torch.fx) and state_dict to a file.
- `load_state_dict(module, path, strict=True)`: the weights into a network built in code, every
  missing, extra, mis-shaped or mis-typed tensor reported at once.
- `build(path)`: an nn.Module executing the file's graph with torch ops; no code comes from the file.
- `save_checkpoint` / `load_checkpoint`: training state (SPEC.md §11) so that training resumes exactly.
- `save_file`, `load_file`, `save`, `load`, `save_model`, `load_model`: safetensors' torch API, same
  signatures and results (`import modelfmt.torch as st` in place of `safetensors.torch`).
"""

from ._build import GraphModule, build
from ._builder import ExportError
from ._export import build_architecture, export, save_checkpoint
from ._files import SharedTensorsError, load, load_file, load_model, save, save_file, save_model
from ._resume import DataPosition
from ._state import LoadReport, StateDictMismatchError, load_state_dict
from ._training import TrainingProgress, TrainingStateError, load_checkpoint

__all__ = [
    "DataPosition",
    "ExportError",
    "GraphModule",
    "LoadReport",
    "SharedTensorsError",
    "StateDictMismatchError",
    "TrainingProgress",
    "TrainingStateError",
    "build",
    "build_architecture",
    "export",
    "load",
    "load_checkpoint",
    "load_file",
    "load_model",
    "load_state_dict",
    "save",
    "save_checkpoint",
    "save_file",
    "save_model",
]
