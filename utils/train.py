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

The loop itself, `_train_one_epoch`, is notebook 05's five lines (`mark_five_lines` prints it with
them marked). Scaling up (notebook 22) changes arguments, never the call, nor those five lines:
`amp=True` (mixed precision), `compile=True` (`torch.compile`), `accumulate=k` (gradient
accumulation), `channels_last=True` (memory layout for CNNs). Launched by `torchrun`, the same `fit`
trains data-parallel: it joins the process group, wraps the model in `DistributedDataParallel`,
gives each process its share of the data (`DistributedSampler`, reshuffled every epoch), combines
losses and metrics over all processes, and only rank 0 shows progress and writes checkpoints. Each
speed-up is a call the loop makes around the five lines (see `utils/speedups.py` and
`utils/distributed.py`).

Full-mode sizes, checked cheaply: with the environment variable `COURSE_STEP_CAP=N` set, `fit` stops
after N optimisation steps in total (across epochs) and `evaluate` (validation included) looks at N
batches at most; one `CAPPED:` line says so. Such a run checks that shapes and memory work at the
real sizes; it does not train. For hand-written loops and checks:

- `step_cap()`: N, or None when the variable is not set.
- `capped(loader)`: the loader's first N batches under the cap, all of them otherwise.
- `check_learned(before, after, "test accuracy")`: asserts that training improved a number, and
  says instead that the check is skipped under the cap (a capped run cannot learn).
"""

from __future__ import annotations

import ast
import inspect
import itertools
import math
import numbers
import os
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from utils import distributed
from utils.announce import say
from utils.checkpoints import ensure_writable_folder, free_path, save_checkpoint
from utils.speedups import Speedups, autocast

Step = Callable[[nn.Module, Any], "Tensor | Mapping[str, Tensor]"]
Predict = Callable[[nn.Module, Any], tuple[Any, Any]]
Metric = Callable[[Any, Any], float]

STEP_CAP_VARIABLE = "COURSE_STEP_CAP"
_announced_caps: set[int] = set()  # the caps already announced in this process


def step_cap() -> int | None:
    """The number N in the environment variable `COURSE_STEP_CAP`, or None when it is unset or empty.

    Under the cap `fit` runs at most N optimisation steps per call and `evaluate` at most N batches.

    Raises:
        ValueError: the variable holds something else than a positive whole number.

    Example:
        >>> os.environ.pop("COURSE_STEP_CAP", None) and None
        >>> step_cap() is None
        True
    """
    text = os.environ.get(STEP_CAP_VARIABLE, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(
            f"{STEP_CAP_VARIABLE} must be a positive whole number of steps (e.g. {STEP_CAP_VARIABLE}=2), "
            f"got {text!r}; unset it for normal training"
        )
    return value


def _cap() -> int | None:
    """`step_cap()`, announced in one `CAPPED:` line the first time a cap is used in this process."""
    cap = step_cap()
    if cap is not None and cap not in _announced_caps:
        _announced_caps.add(cap)
        say(
            "CAPPED",
            f"{STEP_CAP_VARIABLE}={cap} → at most {cap} training steps per fit call and {cap} batches per "
            "evaluation (checks that full-mode sizes run; not a real training run)",
        )
    return cap


class _Capped:
    """An iterable giving the first `cap` items of `items` each time it is iterated (with a length)."""

    def __init__(self, items: Iterable, cap: int) -> None:
        self.items, self.cap = items, cap

    def __iter__(self) -> Iterator:
        return itertools.islice(self.items, self.cap)

    def __len__(self) -> int:
        return min(len(self.items), self.cap)  # type: ignore[arg-type]


def capped(items: Iterable) -> Iterable:
    """`items` itself, or under `COURSE_STEP_CAP=N` an iterable of its first N items only.

    For loops written by hand (`for batch in capped(loader): ...`), so that they honour the cap as
    `fit` does. Each pass over the result gives at most N items; the first use announces the cap.

    Example:
        >>> os.environ["COURSE_STEP_CAP"] = "2"
        >>> list(capped(range(5)))  # doctest: +ELLIPSIS
        CAPPED: COURSE_STEP_CAP=2 → at most 2 training steps per fit call and 2 batches per evaluation ...
        [0, 1]
        >>> del os.environ["COURSE_STEP_CAP"]
        >>> list(capped(range(5)))
        [0, 1, 2, 3, 4]
    """
    if not isinstance(items, Iterable):
        raise TypeError(
            f"capped expects an iterable such as a DataLoader or a list, got {type(items).__name__}"
        )
    cap = _cap()
    return items if cap is None else _Capped(items, cap)


def _as_number(value: Any, label: str) -> float:
    if isinstance(value, Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"check_learned: {label} must be a number (e.g. an accuracy), got {type(value).__name__}"
        )
    return float(value)


def _number_text(value: float, other: float) -> str:
    """A value with 3 decimals (0.120), or more digits where 3 decimals would hide it or its change."""
    text = f"{value:.3f}" if value == 0 or 0.01 <= abs(value) < 1000 else f"{value:.3g}"
    other_text = f"{other:.3f}" if other == 0 or 0.01 <= abs(other) < 1000 else f"{other:.3g}"
    return f"{value:.6g}" if text == other_text and value != other else text


def check_learned(before: float, after: float, what: str, higher_is_better: bool = True) -> None:
    """Print whether training improved `what` from `before` to `after`; raise if it did not.

    Under `COURSE_STEP_CAP` the check is skipped with a `CAPPED:` line: a run of a few steps
    cannot be expected to learn.

    Args:
        before: the value before training (e.g. the untrained model's test accuracy).
        after: the value after training.
        what: what the numbers are, e.g. "test accuracy".
        higher_is_better: False for losses and errors.

    Raises:
        AssertionError: `after` is not better than `before` (or is NaN).

    Example:
        >>> check_learned(0.12, 0.84, "test accuracy")
        LEARNED: test accuracy 0.120 → 0.840 (higher is better)
    """
    if not isinstance(what, str) or not what.strip():
        raise ValueError(
            f"check_learned: what must say what the numbers are (e.g. 'test accuracy'), got {what!r}"
        )
    if not isinstance(higher_is_better, bool):
        raise TypeError(f"check_learned: higher_is_better must be True or False, got {higher_is_better!r}")
    before, after = _as_number(before, "before"), _as_number(after, "after")
    change = f"{what} {_number_text(before, after)} → {_number_text(after, before)}"
    if _cap() is not None:
        say("CAPPED", f"{change}: not checked ({STEP_CAP_VARIABLE} is set)")
        return
    direction = "higher" if higher_is_better else "lower"
    improved = after > before if higher_is_better else after < before  # False for NaN
    if not improved:
        raise AssertionError(
            f"the model did not learn: {change}, but {direction} is better. Check the learning rate, "
            "the number of epochs and that the loss matches the task."
        )
    say("LEARNED", f"{change} ({direction} is better)")


class History(dict):
    """What `fit` returns: `{"train_loss": [...], "val_loss": [...], "val_accuracy": [...]}`, one value
    per finished epoch, plus `interrupted` (True when Ctrl-C stopped training early) and `capped`
    (True when `COURSE_STEP_CAP` ran out: training may have stopped early, in a partial epoch)."""

    interrupted: bool = False
    capped: bool = False

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
        outputs = outputs.detach().cpu()
        return outputs.float() if outputs.dtype in (torch.float16, torch.bfloat16) else outputs
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
    amp: bool = False,
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
        amp: run the model in mixed precision (as `fit(amp=True)` trains it).

    Returns:
        e.g. `{"loss": 0.31, "accuracy": 0.92}`. The loss is the mean over samples (exact for a
        mean-reduced loss); each metric is its value on the whole dataset. Under torchrun each
        process evaluates its share and the results are combined: still the whole-dataset values.
        Under `COURSE_STEP_CAP=N` only the first N batches are evaluated.

    Example:
        >>> data = [(torch.zeros(4, 2), torch.zeros(4, 1))]
        >>> evaluate(nn.Linear(2, 1), data, nn.MSELoss())  # doctest: +SKIP
        {'loss': 0.1327}
    """
    metrics = _check_metrics(metrics)
    if loss_fn is not None and step is not None:
        raise ValueError("pass either loss_fn or step, not both")
    device = torch.device(device)
    model.to(device).eval()
    loader = capped(distributed.shard_loader(loader, train=False))  # COURSE_STEP_CAP: N batches at most
    loss_totals: dict[str, float] = {}
    outputs, targets, seen = [], [], 0
    show = progress and distributed.is_main_process()
    with torch.no_grad(), autocast(device, amp):
        for batch in tqdm(loader, desc="eval", leave=False, disable=not show):
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
    if distributed.is_distributed():  # combine the processes' shares into whole-dataset values
        loss_totals, seen = distributed.sum_totals(loss_totals, seen)
        outputs = [o for part in distributed.gather_objects(outputs) for o in part]
        targets = [t for part in distributed.gather_objects(targets) for t in part]
    if seen == 0:
        raise ValueError("the data loader gave no batches: is the dataset empty?")
    results = {name: total / seen for name, total in loss_totals.items()}
    if metrics:
        all_outputs, all_targets = _concat(outputs), _concat(targets)
        results |= {name: float(metric(all_outputs, all_targets)) for name, metric in metrics.items()}
    return results


def _non_finite_weight(model: nn.Module) -> str | None:
    """The name of the first parameter or buffer holding NaN/inf (e.g. 'weight holds NaN'), or None."""
    for name, tensor in itertools.chain(model.named_parameters(), model.named_buffers()):
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor.detach()).all()):
            kind = "NaN" if bool(torch.isnan(tensor.detach()).any()) else "inf"
            return f"{name} holds {kind}"
    return None


def _last_good(path: Path | None, epoch: int | None) -> str:
    """What an error says about the checkpoint: only a file that exists and was saved good is called good."""
    if path is None:
        return "No checkpoint was asked for (checkpoint=...)."
    if epoch is None:
        return f"Nothing was saved to {path} yet: no epoch finished."
    if not path.is_file():
        return f"The checkpoint {path} of epoch {epoch} is no longer there."
    return (
        f"The checkpoint {path} still holds epoch {epoch}, the last good one "
        "(load_checkpoint reloads it: the weights in memory may already be broken)."
    )


def _keep_frozen_batchnorm_in_eval(model: nn.Module) -> None:
    """A BatchNorm layer whose weights are frozen should also keep its running statistics frozen."""
    for module in model.modules():
        params = list(module.parameters(recurse=False))
        frozen = params and not any(p.requires_grad for p in params)
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and frozen:
            module.eval()


class _StepAsModel(nn.Module):
    """`fit(step=...)` as the loop sees it: a model whose output, on a whole batch, is `step(model, batch)`."""

    def __init__(self, model: nn.Module, step: Step) -> None:
        super().__init__()
        self.model, self.step = model, step

    def forward(self, batch: Any) -> Any:
        return self.step(self.model, batch)


def _whole_batch(batch: Any) -> tuple[Any, None]:
    return batch, None


def _step_losses(outputs: Any, targets: None) -> Any:
    return outputs  # the step's own loss, or dict of named losses


def _stop_if_not_finite(loss: Tensor, epoch: int, index: int, history: History, last_good: str) -> None:
    """Raise NonFiniteLossError when `loss` is NaN or infinite, before it can change the weights."""
    if not torch.isfinite(loss):
        raise NonFiniteLossError(
            f"the loss became {loss.item()} at epoch {epoch}, batch {index}; training stopped before "
            "that batch changed the weights. Usual causes: a learning rate too large (try 10x smaller), "
            "inputs that are not normalised or contain NaN/inf, a log or division of 0 in a hand-written "
            f"loss. {last_good}",
            history,
        )


def _train_one_epoch(
    model: nn.Module,
    loader: Iterable,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], Any],
    device: torch.device,
    epoch: int,
    progress: bool,
    history: History,
    last_good: str,
    speed: Speedups | None = None,
    budget: int | None = None,
    split: Callable[[Any], tuple[Any, Any]] = _pair,
) -> tuple[dict[str, float], int]:
    """One pass over `loader` (its first `budget` batches when given), the five lines of notebook 05
    for each batch, with `speed`'s speed-ups around them (utils/speedups.py); the mean losses per
    sample (over all processes under torchrun) and the number of batches trained on."""
    speed = speed or Speedups(device)
    model.train()
    _keep_frozen_batchnorm_in_eval(model)
    totals: dict[str, float] = {}
    seen = index = 0
    batches = loader if budget is None else _Capped(loader, budget)
    bar = tqdm(batches, desc=f"epoch {epoch}", leave=False, disable=not progress)
    for group in speed.groups(bar):  # one batch per update; `accumulate` batches with accumulation
        optimizer.zero_grad()
        for batch in group:
            index += 1
            batch = speed.layout(move_to(batch, device))
            inputs, targets = split(batch)  # fit(step=...): the whole batch goes to the step
            with speed.autocast():  # mixed precision: 16-bit forward pass and loss
                outputs = model(inputs)
                loss = loss_fn(outputs, targets)
            loss, parts = _losses(loss)  # one number (a dict of named losses becomes its sum)
            _stop_if_not_finite(loss, epoch, index, history, last_good)
            speed.scale(loss).backward()  # scaled only by accumulate or amp
            n = _batch_size(batch)
            seen += n
            for name, value in parts.items():
                totals[name] = totals.get(name, 0.0) + value.item() * n
            bar.set_postfix(loss=f"{loss.item():.4g}")
        if speed.gradients_ok(optimizer):  # False only when amp's GradScaler saw an overflow
            optimizer.step()
    totals, seen = speed.combine(totals, seen)  # torchrun: the sums of all processes
    if seen == 0:
        raise ValueError("the data loader gave no batches: is the dataset empty?")
    return {name: value / seen for name, value in totals.items()}, index


# The five lines of notebook 05, and how to find each in a loop's source.
_FIVE_LINES = {
    "zero_grad": lambda call: _method(call) == "zero_grad",
    "forward": lambda call: isinstance(call.func, ast.Name) and call.func.id == "model",
    "loss": lambda call: isinstance(call.func, ast.Name) and call.func.id == "loss_fn",
    "backward": lambda call: _method(call) == "backward",
    "step": lambda call: _method(call) == "step" and ast.unparse(call.func.value) == "optimizer",
}


def _method(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def mark_five_lines(loop: Callable) -> str:
    """The source of a training loop with the five lines of notebook 05 marked ◀: `zero_grad()`,
    the forward pass (a call of `model`), the loss (a call of `loss_fn`), `backward()` and
    `optimizer.step()`.

    Raises:
        ValueError: one of the five is missing, or on more than one line.

    Example:
        >>> print(mark_five_lines(_train_one_epoch))  # doctest: +SKIP
        ...
                optimizer.zero_grad()                                   ◀ zero_grad
    """
    source = textwrap.dedent(inspect.getsource(loop))
    found: dict[str, set[int]] = {name: set() for name in _FIVE_LINES}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for name, matches in _FIVE_LINES.items():
                if matches(node):
                    found[name].add(node.lineno)
    wrong = {name: sorted(lines) for name, lines in found.items() if len(lines) != 1}
    if wrong:
        raise ValueError(
            f"{getattr(loop, '__name__', loop)} should have each of the five lines once; lines found: {wrong}"
        )
    marks = {lines.pop(): name for name, lines in found.items()}
    lines = source.splitlines()
    width = max(len(lines[number - 1]) for number in marks) + 3
    return "\n".join(
        f"{line:{width}}◀ {marks[number]}" if number in marks else line
        for number, line in enumerate(lines, start=1)
    )


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
    amp: bool = False,
    compile: bool = False,
    accumulate: int = 1,
    channels_last: bool = False,
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
        amp: mixed precision: the forward pass runs in float16 on a GPU (with a GradScaler) or
            bfloat16 on a CPU (`torch.autocast`); weights and optimizer stay float32.
        compile: run the model through `torch.compile` (slow first steps, then faster ones).
        accumulate: update the weights every `accumulate` batches with their summed gradients:
            the effect of a batch `accumulate` times larger, in the memory of one.
        channels_last: store image batches and the model's weights channels-last (NHWC), the layout
            GPU tensor cores and CPU convolution kernels prefer.

    Under torchrun (`torchrun --nproc_per_node=N script.py`) the same call trains data-parallel: the
    model is wrapped in DistributedDataParallel, each process gets its share of every epoch, losses
    and metrics are combined over all processes, and only rank 0 shows progress and saves.

    Under `COURSE_STEP_CAP=N` training stops after N batches in total (an update after each, or
    fewer with `accumulate`); the epoch cut short still gets its (capped) validation, checkpoint and
    history entry, and `history.capped` is True once the N steps are used up.

    Returns:
        A `History`: `{"train_loss": [...], "val_loss": [...], "val_<metric>": [...]}`, one value per
        finished epoch (named losses of a loss dict get their own `train_<name>` entries).

    Raises:
        NonFiniteLossError: the loss, or the weights after an epoch, became NaN/inf; the checkpoint
            still holds the last good epoch (an epoch with broken weights is never saved).
        OSError: the checkpoint's folder cannot be written (checked before training starts).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if step is None and loss_fn is None:
        raise ValueError("pass a loss_fn (e.g. nn.CrossEntropyLoss()) or a step function")
    if step is not None and loss_fn is not None:
        raise ValueError("pass either loss_fn or step, not both")
    if metrics and val_loader is None:
        raise ValueError("metrics are computed on the validation set: pass val_loader too")
    Speedups(accumulate=accumulate)  # checks the argument before anything starts
    # False unless launched by torchrun; CPU training talks over gloo even where a GPU exists.
    parallel = distributed.setup("gloo" if torch.device(device).type == "cpu" else None)
    device = distributed.local_device(device)
    speed = Speedups(
        device,
        amp=amp,
        accumulate=accumulate,
        channels_last=channels_last,
        compile=compile,
        parallel=parallel,
    )
    model.to(device)
    runner = speed.prepare(model)  # what the loop calls; `model` itself is what gets saved
    train_loader = speed.shard(train_loader)
    evaluated = speed.for_evaluation(runner)
    # The loop calls `model(inputs)` and `loss_fn(outputs, targets)`; a step gets the whole batch.
    loop_model, loop_loss, split = runner, loss_fn, _pair
    if step is not None:
        loop_model, loop_loss, split = _StepAsModel(runner, step), _step_losses, _whole_batch
    else:
        step = supervised_step(loss_fn)  # for the validation loss
    progress = progress and distributed.is_main_process()
    path = None if checkpoint is None else free_path(Path(checkpoint), overwrite=False)
    if path is not None and distributed.is_main_process():
        ensure_writable_folder(path.parent)  # before training, not after the first epoch
    history = History()
    good_epoch: int | None = None  # the epoch the checkpoint holds, saved with finite weights
    budget = _cap()  # COURSE_STEP_CAP: training batches left in this call (None: no cap)
    bar = tqdm(range(1, int(epochs) + 1), desc="epochs", disable=not progress)
    try:
        for epoch in bar:
            if budget is not None and budget <= 0:
                break
            speed.new_epoch(train_loader, epoch)  # torchrun: a new shuffle, the same on all ranks
            train, trained = _train_one_epoch(
                loop_model,
                train_loader,
                optimizer,
                loop_loss,
                device,
                epoch,
                progress,
                history,
                _last_good(path, good_epoch),
                speed,
                budget,
                split,
            )
            if budget is not None:
                budget -= trained
                history.capped = budget <= 0
            broken = _non_finite_weight(model)
            if broken:
                raise NonFiniteLossError(
                    f"the weights became non-finite during epoch {epoch} ({broken}) although every loss "
                    "was finite: the optimizer wrote them, e.g. from an infinite gradient (a sqrt or log "
                    "of 0, a division by a tiny number) or a learning rate too large. Try a smaller "
                    "learning rate or gradient clipping (torch.nn.utils.clip_grad_norm_). This epoch was "
                    f"not saved. {_last_good(path, good_epoch)}",
                    history,
                )
            results = {f"train_{k}": v for k, v in train.items()}
            if val_loader is not None:
                val = evaluate(
                    evaluated,
                    val_loader,
                    step=step if val_loss else None,
                    metrics=metrics,
                    predict=predict,
                    device=device,
                    amp=amp,
                )
                results |= {f"val_{k}": v for k, v in val.items()}
            for key, value in results.items():
                history.setdefault(key, []).append(value)
            bar.set_postfix({k: f"{v:.4g}" for k, v in results.items() if math.isfinite(v)})
            if path is not None and distributed.is_main_process():
                try:
                    save_checkpoint(
                        path, model, optimizer, overwrite=True, epoch=epoch, history=dict(history)
                    )
                    good_epoch = epoch
                except OSError as error:  # e.g. the disk filled up: keep training and the history
                    say(
                        "CHECKPOINT",
                        f"could not save epoch {epoch} ({error}); training goes on without it. "
                        f"{_last_good(path, good_epoch)}",
                    )
    except KeyboardInterrupt:
        history.interrupted = True
        kept = f"; {_last_good(path, good_epoch)}" if path is not None else ""
        say(
            "INTERRUPTED",
            f"training stopped during epoch {history.epochs + 1} of {epochs}. The model keeps the weights "
            f"trained so far, and the returned history holds the {history.epochs} finished epoch(s){kept}",
        )
    return history
