"""Picking a device and making runs reproducible."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def get_device(prefer: str | None = None) -> torch.device:
    """Return the best available device: CUDA GPU, then Apple MPS, then CPU.

    Args:
        prefer: force a device ("cpu", "cuda", "mps"); raises if it is not available.

    Example:
        >>> get_device("cpu")
        device(type='cpu')
    """
    if prefer is not None:
        available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": _mps_available()}
        if prefer not in available:
            raise ValueError(f"prefer must be one of {sorted(available)}, got {prefer!r}")
        if not available[prefer]:
            raise RuntimeError(f"device {prefer!r} is not available on this machine")
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed Python, NumPy and PyTorch (CPU and all GPUs) so that a run can be repeated.

    Args:
        seed: any non-negative integer.
        deterministic: also ask cuDNN/PyTorch for deterministic kernels (slower on GPU).

    Example:
        >>> seed_everything(0); a = torch.rand(2)
        >>> seed_everything(0); torch.equal(a, torch.rand(2))
        True
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    os.environ["PYTHONHASHSEED"] = str(seed)  # inherited by worker processes
    if deterministic:
        torch.backends.cudnn.benchmark = False
        torch.use_deterministic_algorithms(True, warn_only=True)


def loader_settings(device: torch.device | str) -> dict[str, int | bool]:
    """DataLoader arguments that suit `device`: `DataLoader(data, batch_size=64, **loader_settings(DEVICE))`.

    On a GPU, worker processes prepare the next batches while the GPU computes, and pinned
    (page-locked) host memory lets the copy to the GPU run asynchronously. On a CPU the same few
    cores would both load and compute, and tensors already in memory need no loading, so: none.

    Example:
        >>> loader_settings("cpu")
        {'num_workers': 0, 'pin_memory': False}
    """
    device = torch.device(device)
    if device.type != "cuda":
        return {"num_workers": 0, "pin_memory": False}
    workers = min(4, max(1, (os.cpu_count() or 2) - 1))
    return {"num_workers": workers, "pin_memory": True, "persistent_workers": True}


def autocast_dtype(device: torch.device | str) -> torch.dtype:
    """The reduced precision mixed-precision training uses on `device`: float16 on GPUs (tensor
    cores; needs a GradScaler against underflow), bfloat16 on CPUs (float32's range, no scaler).

    Example:
        >>> autocast_dtype("cpu")
        torch.bfloat16
    """
    return torch.bfloat16 if torch.device(device).type == "cpu" else torch.float16
