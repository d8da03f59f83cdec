"""The training loop the course uses from notebook 05 on: `fit` and `evaluate`.

Notebook 05 writes this loop out by hand; afterwards every notebook calls `fit`. One loop serves
every task. What changes from task to task is passed in as a small function, never a new loop:

- `step(model, batch) -> loss`: how one batch becomes a loss. The default,
  `supervised_step(loss_fn)`, is `loss_fn(model(inputs), targets)`. A torchvision detection model
  returns a dict of named losses: `step=lambda model, batch: model(*batch)` works as it is, and
  each named loss gets its own curve.
- `predict(model, batch) -> (outputs, targets)`: what the metrics see. The default runs the model
  on the inputs. Return something small (class ids rather than full score maps for segmentation).
- `metrics`: name → `function(outputs, targets) -> float`, called ONCE on the outputs of the whole
  dataset, so mIoU, mAP, CER or BLEU come out exactly as defined, not as a mean of per-batch values.

`fit` also moves batches (tensors, lists, dicts) to the device, switches `model.train()` /
`model.eval()`, shows tqdm progress bars, stops at the first non-finite loss, and on Ctrl-C
(Jupyter's interrupt) keeps the weights and the history of the epochs that finished.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from utils.announce import say
from utils.checkpoints import free_path, save_checkpoint

Step = Callable[[nn.Module, Any], "Tensor | Mapping[str, Tensor]"]
Predict = Callable[[nn.Module, Any], tuple[Any, Any]]
Metric = Callable[[Any, Any], float]


class History(dict):
    """What `fit` returns: `{"train_loss": [...], "val_loss": [...], "val_accuracy": [...]}`, one value
    per finished epoch, plus `interrupted` (True when Ctrl-C stopped training early)."""

    interrupted: bool = False

    @property
    def epochs(self) -> int:
        """How many epochs finished."""
        return len(self.get("train_loss", []))


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite. `history` holds the epochs that finished before it."""

    def __init__(self, message: str, history: History) -> None:
        super().__init__(message)
        self.history = history


def move_to(batch: Any, device: torch.device | str) -> Any:
    """`batch` with every tensor inside it (in tuples, lists and dicts, at any depth) on `device`.

    Example:
        >>> move_to({"image": torch.zeros(2), "id": 7}, "cpu")
        {'image': tensor([0., 0.]), 'id': 7}
    """
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, Mapping):
        return {key: move_to(value, device) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(move_to(item, device) for item in batch)
    return batch


def _pair(batch: Any) -> tuple[Any, Any]:
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise ValueError(
            "each batch must be an (inputs, targets) pair, as a DataLoader over a TensorDataset gives; "
            f"got {type(batch).__name__}{f' of {len(batch)} items' if isinstance(batch, (tuple, list)) else ''}. "
            "For other batches pass step=... and predict=... (see utils/train.py)"
        )
    return batch[0], batch[1]


def supervised_step(loss_fn: Callable[[Tensor, Tensor], Tensor]) -> Step:
    """The usual step: `loss_fn(model(inputs), targets)` on an (inputs, targets) batch.

    Example:
        >>> step = supervised_step(nn.MSELoss())
        >>> step(nn.Linear(2, 1), (torch.zeros(4, 2), torch.zeros(4, 1))).shape
        torch.Size([])
    """

    def step(model: nn.Module, batch: Any) -> Tensor:
        inputs, targets = _pair(batch)
        return loss_fn(model(inputs), targets)

    return step


def predict_batch(model: nn.Module, batch: Any) -> tuple[Any, Any]:
    """The default `predict`: the model's outputs on the inputs, and the targets."""
    inputs, targets = _pair(batch)
    return model(inputs), targets


def _losses(result: Any) -> tuple[Tensor, dict[str, Tensor]]:
    """A step's result → (total loss to call backward on, named parts to log)."""
    if isinstance(result, Tensor) and result.numel() == 1:
        return result.reshape(()), {"loss": result.reshape(())}
    if isinstance(result, Mapping) and result and all(isinstance(v, Tensor) for v in result.values()):
        total = sum(value.reshape(()) for value in result.values())
        return total, {"loss": total, **{str(k): v.reshape(()) for k, v in result.items()}}
    shape = f" of shape {tuple(result.shape)}" if isinstance(result, Tensor) else ""
    raise ValueError(
        f"the step must return one loss (a tensor with one element) or a dict of them, "
        f"got {type(result).__name__}{shape}. A loss with reduction='none' needs .mean()."
    )


def _batch_size(batch: Any) -> int:
    """How many samples a batch holds: the length of its first item (tensor rows or list items)."""
    first = batch[0] if isinstance(batch, (tuple, list)) and batch else batch
    if isinstance(first, Mapping):
        first = next(iter(first.values()))
    if isinstance(first, Tensor):
        return first.shape[0] if first.dim() else 1
    return len(first)


def _detach(outputs: Any) -> Any:
    """Outputs kept for the metrics: detached and on the CPU, so they don't hold GPU memory."""
    if isinstance(outputs, Tensor):
        return outputs.detach().cpu()
    return move_to(outputs, "cpu")


def _concat(chunks: list[Any]) -> Any:
    """Join per-batch outputs into one: tensors along dim 0, lists (one item per sample) end to end."""
    if all(isinstance(chunk, Tensor) for chunk in chunks):
        return torch.cat([chunk.reshape(-1) if chunk.dim() == 0 else chunk for chunk in chunks])
    if all(isinstance(chunk, (list, tuple)) for chunk in chunks):
        return [item for chunk in chunks for item in chunk]
    kinds = sorted({type(chunk).__name__ for chunk in chunks})
    raise ValueError(f"cannot join per-batch outputs of types {kinds}: predict must return tensors or lists")


def _check_metrics(metrics: Mapping[str, Metric] | None) -> dict[str, Metric]:
    metrics = dict(metrics or {})
    for name, metric in metrics.items():
        if not callable(metric):
            raise ValueError(f"metric {name!r} must be a function(outputs, targets) -> float, got {metric!r}")
    return metrics


def evaluate(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
    *,
    step: Step | None = None,
    metrics: Mapping[str, Metric] | None = None,
    predict: Predict = predict_batch,
    device: torch.device | str = "cpu",
    progress: bool = False,
) -> dict[str, float]:
    """Loss and metrics of `model` over a whole dataset, in eval mode and without gradients.

    Args:
        model: the model (not changed).
        loader: an iterable of batches, e.g. a DataLoader.
        loss_fn: e.g. `nn.CrossEntropyLoss()`, applied to `predict`'s outputs.
        step: instead of `loss_fn`: a function(model, batch) returning the loss (or a dict of them).
        metrics: name → function(outputs, targets), called once on the whole dataset's outputs.
        predict: function(model, batch) → (outputs, targets) for the metrics; default: model(inputs).
        device: where the model and batches go.
        progress: show a progress bar.

    Returns:
        e.g. `{"loss": 0.31, "accuracy": 0.92}`. The loss is the mean over samples (exact for a
        mean-reduced loss); each metric is its value on the whole dataset.

    Example:
        >>> data = [(torch.zeros(4, 2), torch.zeros(4, 1))]
        >>> evaluate(nn.Linear(2, 1), data, nn.MSELoss())  # doctest: +SKIP
        {'loss': 0.1327}
    """
    metrics = _check_metrics(metrics)
    if loss_fn is not None and step is not None:
        raise ValueError("pass either loss_fn or step, not both")
    model.to(device).eval()
    loss_totals: dict[str, float] = {}
    outputs, targets, seen = [], [], 0
    with torch.no_grad():
        for batch in tqdm(loader, desc="eval", leave=False, disable=not progress):
            batch = move_to(batch, device)
            need_outputs = bool(metrics) or (loss_fn is not None and step is None)
            out, target = predict(model, batch) if need_outputs else (None, None)
            result = step(model, batch) if step is not None else loss_fn(out, target) if loss_fn else None
            n = _batch_size(batch)
            seen += n
            if result is not None:
                for name, value in _losses(result)[1].items():
                    loss_totals[name] = loss_totals.get(name, 0.0) + value.item() * n
            if metrics:
                outputs.append(_detach(out))
                targets.append(_detach(target))
    if seen == 0:
        raise ValueError("the data loader gave no batches: is the dataset empty?")
    results = {name: total / seen for name, total in loss_totals.items()}
    if metrics:
        all_outputs, all_targets = _concat(outputs), _concat(targets)
        results |= {name: float(metric(all_outputs, all_targets)) for name, metric in metrics.items()}
    return results


def _keep_frozen_batchnorm_in_eval(model: nn.Module) -> None:
    """A BatchNorm layer whose weights are frozen should also keep its running statistics frozen."""
    for module in model.modules():
        params = list(module.parameters(recurse=False))
        frozen = params and not any(p.requires_grad for p in params)
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and frozen:
            module.eval()


def _train_one_epoch(
    model: nn.Module,
    loader: Iterable,
    optimizer: torch.optim.Optimizer,
    step: Step,
    device: torch.device,
    epoch: int,
    progress: bool,
    history: History,
    last_good: str,
) -> dict[str, float]:
    """One pass over `loader` with an update after every batch; mean losses per sample."""
    model.train()
    _keep_frozen_batchnorm_in_eval(model)
    totals: dict[str, float] = {}
    seen = 0
    bar = tqdm(loader, desc=f"epoch {epoch}", leave=False, disable=not progress)
    for index, batch in enumerate(bar, start=1):
        batch = move_to(batch, device)
        total, parts = _losses(step(model, batch))
        if not torch.isfinite(total):
            raise NonFiniteLossError(
                f"the loss became {total.item()} at epoch {epoch}, batch {index}; training stopped before "
                "that batch changed the weights. Usual causes: a learning rate too large (try 10x smaller), "
                "inputs that are not normalised or contain NaN/inf, a log or division of 0 in a hand-written "
                f"loss. {last_good}",
                history,
            )
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        n = _batch_size(batch)
        seen += n
        for name, value in parts.items():
            totals[name] = totals.get(name, 0.0) + value.item() * n
        bar.set_postfix(loss=f"{total.item():.4g}")
    if seen == 0:
        raise ValueError("the data loader gave no batches: is the dataset empty?")
    return {name: value / seen for name, value in totals.items()}


def fit(
    model: nn.Module,
    train_loader: Iterable,
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    *,
    step: Step | None = None,
    val_loader: Iterable | None = None,
    metrics: Mapping[str, Metric] | None = None,
    predict: Predict = predict_batch,
    val_loss: bool = True,
    device: torch.device | str = "cpu",
    checkpoint: str | Path | None = None,
    progress: bool = True,
) -> History:
    """Train for `epochs` passes over `train_loader`; return the history of losses and metrics.

    Args:
        model: moved to `device` here.
        train_loader, val_loader: iterables of batches (e.g. DataLoaders).
        loss_fn: e.g. `nn.CrossEntropyLoss()`; None when `step` computes the loss.
        optimizer: built on `model.parameters()`.
        epochs: number of passes (≥ 1).
        step: function(model, batch) → loss tensor or dict of losses; default `supervised_step(loss_fn)`.
        metrics: name → function(outputs, targets), computed once per epoch on the whole
            validation set (needs `val_loader`).
        predict: function(model, batch) → (outputs, targets) for the metrics.
        val_loss: also compute the validation loss. Set False for models that return losses only
            in train mode (torchvision's detection models).
        checkpoint: save model, optimizer and history there after every finished epoch. An
            existing file is never replaced: this run then writes to a free name beside it.
        progress: show tqdm progress bars.

    Returns:
        A `History`: `{"train_loss": [...], "val_loss": [...], "val_<metric>": [...]}`, one value per
        finished epoch (named losses of a loss dict get their own `train_<name>` entries).

    Raises:
        NonFiniteLossError: the loss became NaN/inf; the checkpoint still holds the last good epoch.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if step is None:
        if loss_fn is None:
            raise ValueError("pass a loss_fn (e.g. nn.CrossEntropyLoss()) or a step function")
        step = supervised_step(loss_fn)
    elif loss_fn is not None:
        raise ValueError("pass either loss_fn or step, not both")
    if metrics and val_loader is None:
        raise ValueError("metrics are computed on the validation set: pass val_loader too")
    device = torch.device(device)
    model.to(device)
    path = None if checkpoint is None else free_path(Path(checkpoint), overwrite=False)
    history = History()
    last_good = (
        "No checkpoint was asked for (checkpoint=...)."
        if path is None
        else f"Nothing was saved to {path} yet: no epoch finished."
    )
    bar = tqdm(range(1, int(epochs) + 1), desc="epochs", disable=not progress)
    try:
        for epoch in bar:
            train = _train_one_epoch(
                model, train_loader, optimizer, step, device, epoch, progress, history, last_good
            )
            results = {f"train_{k}": v for k, v in train.items()}
            if val_loader is not None:
                val = evaluate(
                    model,
                    val_loader,
                    step=step if val_loss else None,
                    metrics=metrics,
                    predict=predict,
                    device=device,
                )
                results |= {f"val_{k}": v for k, v in val.items()}
            for key, value in results.items():
                history.setdefault(key, []).append(value)
            bar.set_postfix({k: f"{v:.4g}" for k, v in results.items() if math.isfinite(v)})
            if path is not None:
                save_checkpoint(path, model, optimizer, overwrite=True, epoch=epoch, history=dict(history))
                last_good = (
                    f"The checkpoint {path} still holds epoch {epoch}, the last good one "
                    "(load_checkpoint reloads it: the weights in memory may already be broken)."
                )
    except KeyboardInterrupt:
        history.interrupted = True
        kept = f"; {last_good}" if path is not None else ""
        say(
            "INTERRUPTED",
            f"training stopped during epoch {history.epochs + 1} of {epochs}. The model keeps the weights "
            f"trained so far, and the returned history holds the {history.epochs} finished epoch(s){kept}",
        )
    return history
