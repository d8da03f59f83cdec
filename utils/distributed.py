"""Data-parallel training with PyTorch's own engine (`torch.distributed`, launched by `torchrun`).

`torchrun --nproc_per_node=N script.py` starts N copies of the same script and tells each one who
it is through environment variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT).
Each copy ("process", "rank") holds a full replica of the model, trains on its own share of every
epoch, and after each backward pass the gradients are averaged across processes (all-reduce), so
the replicas stay identical. `utils.train.fit` uses these functions, so the same call trains on one
CPU, one GPU, or N GPUs; without `torchrun` every function here says "one process, rank 0".

Example (a script, launched twice on a CPU):
    $ torchrun --nproc_per_node=2 train.py          # inside: setup(); fit(...); cleanup()
"""

from __future__ import annotations

import os
from typing import Any

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler

ENV_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def launched_by_torchrun() -> bool:
    """True when this process was started by `torchrun` (or another launcher setting the same
    environment variables) with more than one process."""
    return all(name in os.environ for name in ENV_VARS) and int(os.environ["WORLD_SIZE"]) > 1


def setup(backend: str | None = None) -> bool:
    """Join the process group when launched by torchrun; return True when training is distributed.

    `backend` defaults to "nccl" when CUDA is available (GPUs talk to each other directly) and
    "gloo" otherwise (CPUs, over TCP); pass "gloo" to train on CPUs on a machine that has a GPU.
    Calling it again, or without torchrun, does nothing.

    Example:
        >>> setup()  # in a notebook: one process, nothing to join
        False
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size() > 1
    if not launched_by_torchrun():
        return False
    backend = backend or ("nccl" if torch.cuda.is_available() else "gloo")
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
    dist.init_process_group(backend=backend)
    return True


def cleanup() -> None:
    """Leave the process group (end of a torchrun script). Without one, does nothing."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def is_distributed() -> bool:
    """True inside an initialised process group of more than one process."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    """This process's number, 0 … world_size() - 1 (0 without torchrun)."""
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    """How many processes train together (1 without torchrun)."""
    return dist.get_world_size() if is_distributed() else 1


def is_main_process() -> bool:
    """True on rank 0, the process that prints and saves (always True without torchrun)."""
    return rank() == 0


def local_device(device: torch.device | str) -> torch.device:
    """The device this process should use: on CUDA under torchrun, GPU number LOCAL_RANK."""
    device = torch.device(device)
    if device.type == "cuda" and is_distributed():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    return device


def sum_across_processes(values: list[float]) -> list[float]:
    """Element-wise sum of `values` over all processes (the values themselves without torchrun).

    Example:
        >>> sum_across_processes([2.0, 3.0])  # one process
        [2.0, 3.0]
    """
    if not is_distributed():
        return list(values)
    backend_device = "cuda" if dist.get_backend() == "nccl" else "cpu"
    tensor = torch.tensor(values, dtype=torch.float64, device=backend_device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor.tolist()


def sum_totals(totals: dict[str, float], count: int) -> tuple[dict[str, float], int]:
    """Named sums (e.g. of losses × batch sizes) and a sample count, each added up over all
    processes: the whole dataset's, from each process's share (the inputs themselves without
    torchrun). Every process must pass the same names.

    Example:
        >>> sum_totals({"loss": 6.0}, 4)  # one process
        ({'loss': 6.0}, 4)
    """
    if not is_distributed():
        return dict(totals), count
    names = sorted(totals)
    count_sum, *sums = sum_across_processes([count, *(totals[name] for name in names)])
    return dict(zip(names, sums)), int(count_sum)


def gather_objects(obj: Any) -> list[Any]:
    """`obj` from every process, in rank order (`[obj]` without torchrun). Used to collect the
    validation outputs of all processes so a metric is computed once, on the whole dataset."""
    if not is_distributed():
        return [obj]
    gathered: list[Any] = [None] * world_size()
    dist.all_gather_object(gathered, obj)
    return gathered


def shard_loader(loader: DataLoader, *, train: bool) -> DataLoader:
    """The same DataLoader, giving this process only its share of the dataset.

    For training, a `DistributedSampler` (shuffled when the original loader shuffled; call
    `loader.sampler.set_epoch(epoch)` each epoch, as `fit` does, for a new order every epoch).
    For evaluation, every `world_size()`-th sample starting at `rank()`, without the padding a
    DistributedSampler adds, so each sample is evaluated exactly once. Without torchrun, `loader`.
    """
    if not is_distributed():
        return loader
    if not isinstance(loader, DataLoader):
        raise ValueError(
            f"under torchrun, fit needs torch DataLoaders to split the data between processes, got "
            f"{type(loader).__name__}"
        )
    if train:
        sampler = DistributedSampler(loader.dataset, shuffle=isinstance(loader.sampler, RandomSampler))
    else:
        sampler = list(range(rank(), len(loader.dataset), world_size()))
    return DataLoader(
        loader.dataset,
        batch_size=loader.batch_size,
        sampler=sampler,
        num_workers=loader.num_workers,
        collate_fn=loader.collate_fn,
        pin_memory=loader.pin_memory,
        drop_last=loader.drop_last,
    )
