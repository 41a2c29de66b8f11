"""Training on several processes with ``torch.distributed`` (DistributedDataParallel).

``launch(K, function, *args)`` starts K local processes (gloo on CPU, nccl on GPUs) that each run
``function(*args)``; a process started by ``torchrun`` (which sets ``WORLD_SIZE``, ``RANK``,
``MASTER_ADDR``, ``MASTER_PORT``) joins its group with :func:`join_from_environment`, so
``torchrun --nproc-per-node K -m jetxai train …`` and multi-node runs use the standard launcher.
Every process draws the same global batches and trains on its share; DDP averages the
gradients, which with the loss normalised by the global batch size is the gradient one process
computes on the whole batch (:mod:`jetxai.train.stream`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist

from jetxai.errors import InputError

#: How long a process waits for the others (preparing the inputs of a large dataset on the
#: first process can take hours).
TIMEOUT = timedelta(hours=12)


@dataclass(frozen=True)
class World:
    """This process's rank among ``size`` training processes."""

    rank: int = 0
    size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def current() -> World:
    if dist.is_available() and dist.is_initialized():
        return World(dist.get_rank(), dist.get_world_size())
    return World()


def join_from_environment(device: torch.device) -> bool:
    """Join the process group a launcher described in the environment (``WORLD_SIZE`` > 1);
    returns whether this call joined one."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or dist.is_initialized():
        return False
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend=backend, timeout=TIMEOUT)
    return True


def leave() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def all_sum(values: Sequence[float]) -> list[float]:
    """``values`` summed over every process (float64); unchanged on one process."""
    if current().size == 1:
        return list(values)
    total = torch.tensor(list(values), dtype=torch.float64)
    dist.all_reduce(total)
    return total.tolist()


def barrier() -> None:
    if current().size > 1:
        dist.barrier()


def wrap(model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """``model`` under DistributedDataParallel when several processes train, else itself."""
    if current().size == 1:
        return model
    ids = [device.index or 0] if device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _entry(
    rank: int, size: int, port: int, threads: int, function: Callable[..., Any], args: tuple[Any]
) -> None:
    os.environ.update(
        {
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
            "WORLD_SIZE": str(size),
            "RANK": str(rank),
            "LOCAL_RANK": str(rank),
        }
    )
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    torch.set_num_threads(threads)
    function(*args)


def launch(nproc: int, function: Callable[..., Any], *args: Any) -> None:
    """Run ``function(*args)`` on ``nproc`` local processes joined in one group (each with its
    share of this process's threads). An :class:`InputError` in a process is raised here."""
    import torch.multiprocessing as mp

    threads = max(1, torch.get_num_threads() // nproc)
    try:
        mp.start_processes(
            _entry,
            args=(nproc, _free_port(), threads, function, args),
            nprocs=nproc,
            start_method="spawn",
        )
    except mp.ProcessRaisedException as exc:
        last = [line for line in str(exc).splitlines() if line.strip()][-1]
        marker = "InputError: "
        if marker in last:
            raise InputError(last.split(marker, 1)[1]) from None
        raise
    except mp.ProcessExitedException as exc:
        raise InputError(f"a training process stopped ({exc})") from None
