"""A weaver-core model as weaver builds it: the user's network file's
``get_model(data_config, **network_options)`` (the user's own Python code, run as weaver runs
it), with the weights of a ``--model-weights`` file loaded by ``torch.load(weights_only=True)``
only, so the weights file cannot run code.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.weaver.config import DataConfig


@dataclass
class WeaverModel:
    """The model (eval mode, CPU) and what ``get_model`` said of it (``model_info``)."""

    model: nn.Module
    info: dict[str, Any]
    network: Path
    weights: Path | None


def _network_module(path: Path) -> Any:
    """Import the network file (as weaver's ``import_module``: its own module, its directory
    importable so it can import its neighbours)."""
    if not path.is_file():
        raise InputError(f"{path}: no such network file")
    spec = importlib.util.spec_from_file_location("_jetxai_weaver_network", path)
    if spec is None or spec.loader is None:
        raise InputError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:
        raise InputError(f"{path}: the network file's import failed ({exc})") from None
    finally:
        sys.path.remove(str(path.parent))
    if not callable(getattr(module, "get_model", None)):
        raise InputError(f"{path}: the network file has no get_model(data_config, **options)")
    return module


def _state(path: Path) -> dict[str, torch.Tensor]:
    """The state dict of a weaver weights file (``_best_epoch_state.pt``: the state dict
    itself), loaded without unpickling code."""
    if not path.is_file():
        raise InputError(f"{path}: no such weights file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, … for other files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a weights file torch loads safely ({first})") from None
    if isinstance(state, dict) and isinstance(state.get("model"), dict):  # a full checkpoint
        state = state["model"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputError(f"{path}: not a state dict of tensors")
    # weaver saves a DataParallel / DistributedDataParallel model's state under module.
    if state and all(k.startswith("module.") for k in state):
        state = {k.removeprefix("module."): v for k, v in state.items()}
    return state


def load_weaver_model(
    network: str | os.PathLike[str],
    config: DataConfig,
    weights: str | os.PathLike[str] | None = None,
    options: dict[str, Any] | None = None,
) -> WeaverModel:
    """Build the network file's model for ``config`` (``options`` as weaver's
    ``--network-option``) and load ``weights`` (None: as built, e.g. for a test)."""
    path = Path(network)
    module = _network_module(path)
    built = module.get_model(config, **(options or {}))
    model, info = built if isinstance(built, tuple) else (built, {})
    if not isinstance(model, nn.Module):
        raise InputError(f"{path}: get_model returned {type(model).__name__}, not a torch module")
    weights_path = None if weights is None else Path(weights)
    if weights_path is not None:
        state = _state(weights_path)
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            named = [f"missing {', '.join(missing[:3])}"] if missing else []
            named += [f"unexpected {', '.join(unexpected[:3])}"] if unexpected else []
            raise InputError(
                f"{weights_path}: the weights do not fit the network of {path.name} "
                f"({'; '.join(named)})"
            )
    return WeaverModel(model.float().eval(), dict(info or {}), path, weights_path)
