"""The training loop the course uses from notebook 05 on: `fit` and `evaluate`.

Written out in full in the notebooks first; this is the shortcut afterwards. Like ZTM's
`engine.py`: one step per batch, one pass per epoch, a history dict of losses and metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

Metric = Callable[[Tensor, Tensor], float]


def _batch_to(batch: tuple[Tensor, Tensor], device: torch.device) -> tuple[Tensor, Tensor]:
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise ValueError(
            "each batch must be an (inputs, targets) pair, as a DataLoader over a TensorDataset gives"
        )
    inputs, targets = batch
    return inputs.to(device), targets.to(device)


def _run_epoch(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    device: torch.device,
    metrics: dict[str, Metric],
    optimizer: torch.optim.Optimizer | None,
    desc: str,
    progress: bool,
) -> dict[str, float]:
    """One pass over `loader`; trains when an optimizer is given. Returns per-sample averages."""
    totals = {"loss": 0.0, **{name: 0.0 for name in metrics}}
    seen = 0
    for batch in tqdm(loader, desc=desc, leave=False, disable=not progress):
        inputs, targets = _batch_to(batch, device)
        with torch.set_grad_enabled(optimizer is not None):
            outputs = model(inputs)
            loss = loss_fn(outputs, targets)
        if optimizer is not None:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        n = len(inputs)
        seen += n
        totals["loss"] += loss.item() * n
        with torch.no_grad():
            for name, metric in metrics.items():
                totals[name] += float(metric(outputs, targets)) * n
    if seen == 0:
        raise ValueError("the data loader gave no batches: is the dataset empty?")
    return {name: total / seen for name, total in totals.items()}


def evaluate(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    device: torch.device | str = "cpu",
    metrics: dict[str, Metric] | None = None,
    progress: bool = False,
) -> dict[str, float]:
    """Average loss (and metrics) of `model` over `loader`, in eval mode and without gradients.

    Returns e.g. `{"loss": 0.31, "accuracy": 0.92}`, averaged per sample.
    """
    model.eval()
    return _run_epoch(model, loader, loss_fn, torch.device(device), metrics or {}, None, "eval", progress)


def fit(
    model: nn.Module,
    train_loader: Iterable,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: torch.optim.Optimizer,
    epochs: int,
    device: torch.device | str = "cpu",
    val_loader: Iterable | None = None,
    metrics: dict[str, Metric] | None = None,
    checkpoint: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> dict[str, list[float]]:
    """Train for `epochs` passes over `train_loader`; return the history of losses and metrics.

    Args:
        model: moved to `device` here.
        train_loader, val_loader: iterables of (inputs, targets) batches.
        loss_fn: e.g. `nn.CrossEntropyLoss()`.
        optimizer: built on `model.parameters()`.
        epochs: number of passes (≥ 1).
        metrics: name → function(outputs, targets) returning a float per batch.
        checkpoint: save model and optimizer there after every epoch. An existing file is never
            replaced unless `overwrite=True`: the checkpoint goes to a free name beside it instead.
        progress: show tqdm progress bars.

    Returns:
        `{"train_loss": [...], "train_<metric>": [...], "val_loss": [...], ...}`, one value per epoch.
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    device = torch.device(device)
    metrics = metrics or {}
    model.to(device)
    path = None if checkpoint is None else _free_path(Path(checkpoint), overwrite)
    history: dict[str, list[float]] = {}
    bar = tqdm(range(1, epochs + 1), desc="epochs", disable=not progress)
    for epoch in bar:
        model.train()
        train = _run_epoch(
            model, train_loader, loss_fn, device, metrics, optimizer, f"epoch {epoch}", progress
        )
        results = {f"train_{k}": v for k, v in train.items()}
        if val_loader is not None:
            val = evaluate(model, val_loader, loss_fn, device, metrics)
            results |= {f"val_{k}": v for k, v in val.items()}
        for key, value in results.items():
            history.setdefault(key, []).append(value)
        bar.set_postfix({k: f"{v:.4g}" for k, v in results.items()})
        if path is not None:
            save_checkpoint(path, model, optimizer, overwrite=True, epoch=epoch, history=history)
    return history


def _free_path(path: Path, overwrite: bool) -> Path:
    """`path` itself, or when it exists (and overwrite is False) the first free `name-1.pt`, `name-2.pt`..."""
    if overwrite or not path.exists():
        return path
    i = 1
    while (candidate := path.with_name(f"{path.stem}-{i}{path.suffix}")).exists():
        i += 1
    print(
        f"CHECKPOINT: {path} already exists and is kept → saving to {candidate} (pass overwrite=True to replace it)"
    )
    return candidate


def save_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    overwrite: bool = False,
    **extra: object,
) -> Path:
    """Save model (and optimizer) state plus any `extra` values; return the path actually written.

    An existing file is kept unless `overwrite=True`; the checkpoint then goes to a free name
    beside it (`model-1.pt`), and a line says so. The file is written to a temporary name first,
    so an interrupted save never leaves a broken checkpoint.
    """
    path = _free_path(Path(path), overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"model": model.state_dict(), **extra}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)
    return path


def load_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    device: torch.device | str = "cpu",
) -> dict:
    """Load a checkpoint written by `save_checkpoint` into `model` (and `optimizer`).

    Returns the whole checkpoint dict, so saved extras such as `epoch` or `history` can be read.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}: train first, or check the path")
    state = torch.load(path, map_location=device, weights_only=True)
    if not isinstance(state, dict) or "model" not in state:
        raise ValueError(f"{path} is not a checkpoint written by save_checkpoint (no 'model' entry)")
    model.load_state_dict(state["model"])
    if optimizer is not None:
        if "optimizer" not in state:
            raise ValueError(f"{path} holds no optimizer state; call load_checkpoint without an optimizer")
        optimizer.load_state_dict(state["optimizer"])
    return state
