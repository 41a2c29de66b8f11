"""Checkpoints of a training in progress, so a killed run resumes where it stopped.

``progress.safetensors`` holds the tensors (weights, the best epoch's weights, the optimiser's
moments, the torch RNG state) and ``progress.json`` everything else (epoch and batch reached, the
running loss, history, early-stopping and scheduler state, the optimiser's hyper-parameters).
Both are written atomically and tied by a token (the position) in each, so a crash between the
two writes leaves the older pair, which is refused, never half of each; the run's stamp hash
in both means a checkpoint is only ever resumed by the run that wrote it. Nothing is unpickled.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from jetxai._io import read_json_object, save_tensors, write_json
from jetxai.errors import InputError

TENSORS = "progress.safetensors"
STATE = "progress.json"


@dataclass
class Position:
    """Where a training stands: ``batch`` batches of ``epoch`` done, ``running`` their summed
    loss, and the early-stopping state."""

    epoch: int = 0
    batch: int = 0
    running: float = 0.0
    best: float = float("inf")
    waited: int = 0
    history: dict[str, Any] = field(default_factory=dict)

    @property
    def token(self) -> str:
        return f"{self.epoch}:{self.batch}"


def save_progress(
    directory: str | os.PathLike[str],
    stamp: str,
    model: torch.nn.Module,
    optimiser: torch.optim.Optimizer,
    schedule: Any,
    best_state: dict[str, torch.Tensor] | None,
    position: Position,
) -> None:
    """Write the checkpoint of a training at ``position`` (see the module docs)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    for k, v in (best_state or {}).items():
        tensors[f"best.{k}"] = v.detach().cpu().contiguous()
    optim = optimiser.state_dict()
    scalars: dict[str, dict[str, Any]] = {}
    for index, values in optim["state"].items():
        for name, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim.{index}.{name}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(index), {})[name] = value
    tensors["rng.torch"] = torch.get_rng_state()
    metadata = {"stamp": stamp, "token": position.token}
    save_tensors(directory / TENSORS, tensors, metadata)
    write_json(
        directory / STATE,
        {
            **metadata,
            "position": position.__dict__,
            "has_best": best_state is not None,
            "optimiser_groups": optim["param_groups"],
            "optimiser_scalars": scalars,
            "schedule": schedule.state_dict(),
        },
    )


def load_progress(
    directory: str | os.PathLike[str],
    stamp: str,
    model: torch.nn.Module,
    optimiser: torch.optim.Optimizer,
    schedule: Any,
) -> tuple[Position, dict[str, torch.Tensor] | None] | None:
    """Restore model, optimiser, scheduler and RNG from the checkpoint in ``directory`` and
    return its position and best weights; ``None`` where there is no usable checkpoint of this
    run (absent, another run's, or a torn pair)."""
    from safetensors import SafetensorError, safe_open

    directory = Path(directory)
    if not (directory / TENSORS).is_file() or not (directory / STATE).is_file():
        return None
    try:
        state = read_json_object(directory / STATE)
        with safe_open(str(directory / TENSORS), framework="pt") as handle:
            metadata = handle.metadata() or {}
            tensors = {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118
    except (InputError, SafetensorError, OSError):
        return None
    if not (metadata.get("stamp") == state.get("stamp") == stamp):
        return None
    if metadata.get("token") != state.get("token"):
        return None
    device = next(model.parameters()).device
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    best = (
        {k[5:]: v.to(device) for k, v in tensors.items() if k.startswith("best.")}
        if state["has_best"]
        else None
    )
    moments: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, index, name = key.split(".", 2)
            moments.setdefault(int(index), {})[name] = value  # torch places them itself
    for index, values in state["optimiser_scalars"].items():
        moments.setdefault(int(index), {}).update(values)
    optimiser.load_state_dict({"state": moments, "param_groups": state["optimiser_groups"]})
    schedule.load_state_dict(state["schedule"])
    torch.set_rng_state(tensors["rng.torch"])
    return Position(**state["position"]), best


def clear_progress(directory: str | os.PathLike[str]) -> None:
    """Remove a finished training's checkpoint."""
    for name in (STATE, TENSORS):
        (Path(directory) / name).unlink(missing_ok=True)
