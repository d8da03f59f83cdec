"""The speed-ups of notebook 22, as small pieces that `utils.train.fit` composes around its loop.

`fit`'s inner loop is the loop of notebook 05: `optimizer.zero_grad()`, `outputs = model(inputs)`,
`loss = loss_fn(outputs, targets)`, `.backward()`, `optimizer.step()`. Each speed-up is one argument
of `fit` and plugs in through a method of `Speedups` that the loop calls by name, around those five
lines, never instead of one:

- `amp=True`, mixed precision: `with speed.autocast():` around the forward pass and the loss; on a
  GPU (float16) a GradScaler multiplies the loss before `backward()` (`speed.scale(loss)`), and
  `speed.gradients_ok(optimizer)` unscales the gradients and skips `optimizer.step()` when they
  overflowed.
- `accumulate=k`, gradient accumulation: `speed.groups(batches)` hands the loop `k` batches per
  update, and `speed.scale(loss)` divides each loss by `k`.
- `channels_last=True`: `speed.prepare(model)` stores the weights channels-last (NHWC) and
  `speed.layout(batch)` the image batches.
- `compile=True`: `speed.prepare(model)` runs the model through `torch.compile`.
- launched by `torchrun`, data parallelism (see `utils/distributed.py`): `speed.prepare(model)` wraps
  the model in `DistributedDataParallel`, `speed.shard(loader)` gives each process its share,
  `speed.new_epoch` reshuffles it, and `speed.combine` sums the epoch's losses over the processes.

With every speed-up off, every method is the identity (or does nothing), so `fit` computes exactly
what the hand-written loop of notebook 05 computes. `plug_in_table()` prints where each speed-up
plugs in, read from the decorators below and from the source of `fit` itself.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import numbers
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from utils import distributed
from utils.device import autocast_dtype

# The speed-ups and how `fit` switches each on.
SPEEDUPS = {
    "amp": "amp=True",
    "accumulate": "accumulate=k",
    "channels_last": "channels_last=True",
    "compile": "compile=True",
    "torchrun": "torchrun",
}


def _serves(**what: str) -> Callable[[Callable], Callable]:
    """Record on a method which speed-ups it serves and what it does for each (for `plug_in_table`)."""
    unknown = set(what) - set(SPEEDUPS)
    if unknown:
        raise ValueError(f"unknown speed-ups {sorted(unknown)}; expected some of {list(SPEEDUPS)}")

    def mark(method: Callable) -> Callable:
        method.serves = what  # type: ignore[attr-defined]
        return method

    return mark


def autocast(device: torch.device | str, enabled: bool) -> contextlib.AbstractContextManager:
    """Mixed precision for the code inside `with`: float16 on a GPU, bfloat16 on a CPU (see
    `utils.device.autocast_dtype`); a context that changes nothing when not `enabled`.

    Example:
        >>> with autocast("cpu", True):
        ...     (torch.ones(2, 2) @ torch.ones(2, 2)).dtype
        torch.bfloat16
    """
    device = torch.device(device)
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=autocast_dtype(device))


def to_channels_last(batch: Any) -> Any:
    """`batch` with every 4-D tensor in it (a batch of images, in tuples, lists and dicts) stored
    channels-last; values and shapes stay the same.

    Example:
        >>> to_channels_last(torch.zeros(2, 3, 4, 4)).is_contiguous(memory_format=torch.channels_last)
        True
    """
    if isinstance(batch, Tensor):
        return batch.contiguous(memory_format=torch.channels_last) if batch.dim() == 4 else batch
    if isinstance(batch, Mapping):
        return {key: to_channels_last(value) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_channels_last(item) for item in batch)
    return batch


@dataclass
class Speedups:
    """Which speed-ups a `fit` call uses, and the calls its loop makes to apply them.

    Args:
        device: where training runs (decides float16 + GradScaler on a GPU, bfloat16 on a CPU).
        amp, accumulate, channels_last, compile: `fit`'s arguments of the same names.
        parallel: True under torchrun (`utils.distributed.setup()` returned True).
        scaler: the GradScaler for float16; by default one when `amp` runs on a CUDA GPU, else None.

    Example:
        >>> speed = Speedups("cpu", accumulate=2)
        >>> [list(group) for group in speed.groups(range(5))]
        [[0, 1], [2, 3], [4]]
    """

    device: torch.device | str = "cpu"
    amp: bool = False
    accumulate: int = 1
    channels_last: bool = False
    compile: bool = False
    parallel: bool = False
    scaler: torch.amp.GradScaler | None = field(default=None)

    def __post_init__(self) -> None:
        acc = self.accumulate
        if isinstance(acc, bool) or not isinstance(acc, numbers.Integral) or acc < 1:
            raise ValueError(f"accumulate must be a positive int (batches per update), got {acc!r}")
        self.accumulate = int(acc)
        self.device = torch.device(self.device)
        if self.scaler is None and self.amp and self.device.type == "cuda":
            self.scaler = torch.amp.GradScaler("cuda")  # float16 needs it against underflow

    @_serves(
        channels_last="the weights stored channels-last (NHWC)",
        torchrun="DistributedDataParallel: backward() averages gradients",
        compile="the model run through torch.compile",
    )
    def prepare(self, model: nn.Module) -> nn.Module:
        """The model the loop calls, built once from `model` (which stays what gets saved)."""
        if self.channels_last:
            model.to(memory_format=torch.channels_last)
        runner = model
        if self.parallel:
            ids = [self.device.index] if self.device.type == "cuda" else None
            runner = nn.parallel.DistributedDataParallel(model, device_ids=ids)
        if self.compile:
            runner = torch.compile(runner)
        return runner

    @_serves(torchrun="validation skips the DDP wrapper (nothing to sync)")
    def for_evaluation(self, runner: nn.Module) -> nn.Module:
        """The model validation calls: `runner` without the DistributedDataParallel wrapper."""
        return runner.module if self.parallel and not self.compile else runner

    @_serves(torchrun="each process its share (DistributedSampler)")
    def shard(self, loader: Iterable) -> Iterable:
        """The training loader this process reads (`loader` itself without torchrun)."""
        return distributed.shard_loader(loader, train=True) if self.parallel else loader

    @_serves(torchrun="a new shuffle each epoch, the same on all ranks")
    def new_epoch(self, loader: Iterable, epoch: int) -> None:
        """Tell a DistributedSampler which epoch starts, so each epoch gets its own order."""
        sampler = getattr(loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)

    @_serves(accumulate="k batches between zero_grad and step")
    def groups(self, batches: Iterable) -> Iterator[Iterator]:
        """The batches in groups of `accumulate` (the last group may be shorter), one group per
        update; each group loads its batches one at a time, when the loop asks for them."""
        batches = iter(batches)
        for first in batches:
            yield itertools.chain([first], itertools.islice(batches, self.accumulate - 1))

    @_serves(channels_last="image batches stored channels-last (NHWC)")
    def layout(self, batch: Any) -> Any:
        """The batch in the memory layout the model was given (`batch` itself by default)."""
        return to_channels_last(batch) if self.channels_last else batch

    @_serves(amp="forward and loss in float16 (GPU) / bfloat16 (CPU)")
    def autocast(self) -> contextlib.AbstractContextManager:
        """The precision of the forward pass and the loss (a context that changes nothing by default)."""
        return autocast(self.device, self.amp)

    @_serves(
        accumulate="loss ÷ k: k batches sum to one k times larger",
        amp="GPU: loss × the GradScaler's scale (no underflow)",
    )
    def scale(self, loss: Tensor) -> Tensor:
        """The loss to call `backward()` on (`loss` itself by default)."""
        if self.accumulate > 1:
            loss = loss / self.accumulate
        return self.scaler.scale(loss) if self.scaler is not None else loss

    @_serves(amp="GPU: unscale; skip the step on inf/NaN gradients")
    def gradients_ok(self, optimizer: torch.optim.Optimizer) -> bool:
        """Whether the loop may call `optimizer.step()` (always True without a GradScaler).

        With a GradScaler this does what `scaler.step(optimizer); scaler.update()` do, except the
        step itself: divide the gradients by the scale, adjust the scale, and say whether every
        gradient is finite (an overflow in float16 gives inf; that step is then skipped)."""
        if self.scaler is None:
            return True
        self.scaler.unscale_(optimizer)
        grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        finite = not grads or bool(torch.stack([torch.isfinite(g).all() for g in grads]).all())
        self.scaler.update()  # lowers the scale after an overflow, raises it after many good steps
        return finite

    @_serves(torchrun="the epoch's loss sums added up over the processes")
    def combine(self, totals: dict[str, float], seen: int) -> tuple[dict[str, float], int]:
        """The loss totals and sample count of the whole epoch (this process's own by default)."""
        return distributed.sum_totals(totals, seen) if self.parallel else (totals, seen)


def _hooks() -> dict[str, dict[str, str]]:
    """Method name → {speed-up: what it does there}, for every method marked with `_serves`."""
    return {
        name: method.serves
        for name, method in vars(Speedups).items()
        if callable(method) and hasattr(method, "serves")
    }


def plug_in_table(*functions: Callable) -> str:
    """Where each speed-up plugs into `fit`: a table read from the source of `functions` (default:
    `fit` and its loop) and from what each `Speedups` method declares it does.

    Raises:
        ValueError: a method of `Speedups` that serves a speed-up is never called there.

    Example:
        >>> print(plug_in_table())  # doctest: +SKIP
        speed-up            line of fit or of its loop              what it does there
        amp=True            with speed.autocast():                  forward pass and loss in float16 ...
    """
    if not functions:
        from utils import train  # here, not at the top: utils.train imports this module

        functions = (train.fit, train._train_one_epoch)
    hooks = _hooks()
    lines: dict[str, str] = {}  # method → the first line of source that calls it
    for function in functions:
        for line in inspect.getsource(function).splitlines():
            for name in re.findall(r"\bspeed\.(\w+)\(", line):
                if name in hooks:
                    lines.setdefault(name, line.split("  #")[0].strip())
    missing = sorted(set(hooks) - set(lines))
    if missing:
        raise ValueError(f"Speedups methods that fit never calls: {missing}")
    width = max(len(line) for line in lines.values()) + 2
    rows = [f"{'speed-up':20}{'line of fit or of its loop':{width}}what it does there"]
    for speedup, argument in SPEEDUPS.items():
        for name, serves in hooks.items():
            if speedup in serves:
                rows.append(f"{argument:20}{lines[name]:{width}}{serves[speedup]}")
                argument = ""  # the speed-up's name only on its first row
    return "\n".join(rows)
