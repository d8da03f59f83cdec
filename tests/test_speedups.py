"""Tests for utils.speedups: each speed-up is a call around the five lines of fit's loop; with all of
them off every call changes nothing, and with a GradScaler the loop's own `optimizer.step()` does
exactly what `scaler.step(optimizer)` did."""

import inspect
import json
from pathlib import Path

import pytest
import torch
from torch import nn

from utils import train
from utils.speedups import SPEEDUPS, Speedups, autocast, plug_in_table, to_channels_last

ROOT = Path(__file__).resolve().parent.parent


def test_with_every_speedup_off_each_call_changes_nothing():
    speed = Speedups("cpu")
    model = nn.Linear(3, 2)
    assert speed.prepare(model) is model and speed.for_evaluation(model) is model
    loader = [(torch.zeros(2, 3), torch.zeros(2))]
    assert speed.shard(loader) is loader
    batch = (torch.randn(2, 3, 4, 4), torch.zeros(2))
    assert speed.layout(batch) is batch
    loss = torch.tensor(2.5, requires_grad=True)
    assert speed.scale(loss) is loss
    with speed.autocast():
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.float32
    assert [list(group) for group in speed.groups(range(3))] == [[0], [1], [2]]
    assert speed.gradients_ok(torch.optim.SGD(model.parameters(), lr=0.1))
    assert speed.combine({"loss": 3.0}, 4) == ({"loss": 3.0}, 4)


def test_groups_load_each_batch_only_when_the_loop_asks_for_it():
    # Loading a batch early would change the order in which augmentation and dropout draw random numbers.
    events = []

    def batches():
        for i in range(5):
            events.append(f"load {i}")
            yield i

    for group in Speedups(accumulate=2).groups(batches()):
        events.append("zero_grad")
        for batch in group:
            events.append(f"train {batch}")
        events.append("step")
    assert events == [
        "load 0", "zero_grad", "train 0", "load 1", "train 1", "step",
        "load 2", "zero_grad", "train 2", "load 3", "train 3", "step",
        "load 4", "zero_grad", "train 4", "step",
    ]  # fmt: skip


def test_scale_divides_by_accumulate_and_multiplies_by_the_gradscaler():
    loss = torch.tensor(6.0)
    assert Speedups(accumulate=3).scale(loss).item() == 2.0
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    assert Speedups(accumulate=3, amp=True, scaler=scaler).scale(loss).item() == 2048.0


def _scaled_run(use_hooks: bool, overflow_at: int) -> tuple[nn.Module, float, int]:
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=2)
    speed = Speedups("cpu", amp=True, scaler=scaler)
    steps = []
    optimizer.register_step_post_hook(lambda *_: steps.append(1))
    x, y = torch.randn(6, 8, 4, generator=torch.Generator().manual_seed(1)), torch.randn(6, 8, 1)
    for i in range(6):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x[i]), y[i])
        if i == overflow_at:
            loss = loss * float("inf")  # an overflow: its gradients are inf/NaN
        speed.scale(loss).backward()
        if use_hooks:
            if speed.gradients_ok(optimizer):
                optimizer.step()
        else:
            scaler.step(optimizer)
            scaler.update()
    return model, scaler.get_scale(), len(steps)


def test_the_loops_own_step_does_what_gradscaler_step_and_update_did():
    ours, our_scale, our_steps = _scaled_run(use_hooks=True, overflow_at=3)
    theirs, their_scale, their_steps = _scaled_run(use_hooks=False, overflow_at=3)
    assert our_steps == their_steps == 5  # the overflowing batch changed nothing
    assert our_scale == their_scale
    assert all(torch.equal(a, b) for a, b in zip(ours.parameters(), theirs.parameters()))
    assert all(torch.isfinite(p).all() for p in ours.parameters())
    _, scale_without_overflow, steps = _scaled_run(use_hooks=True, overflow_at=-1)
    assert steps == 6 and scale_without_overflow > our_scale  # the overflow lowered the scale


def test_prepare_stores_weights_channels_last_and_compiles(monkeypatch):
    compiled = []
    monkeypatch.setattr(torch, "compile", lambda module: compiled.append(module) or module)
    model = nn.Conv2d(3, 4, 3)
    runner = Speedups("cpu", channels_last=True, compile=True).prepare(model)
    assert compiled == [model] and runner is model
    assert model.weight.is_contiguous(memory_format=torch.channels_last)


def test_to_channels_last_and_autocast():
    batch = {"image": torch.randn(2, 3, 4, 4), "label": torch.zeros(2), "id": [7, 8]}
    moved = to_channels_last(batch)
    assert moved["image"].is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(moved["image"], batch["image"]) and moved["id"] == [7, 8]
    with autocast("cpu", True):
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.bfloat16
    with autocast("cpu", False):
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.float32
    assert Speedups("cpu", amp=True).scaler is None  # bfloat16 needs no GradScaler


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_accumulate_must_be_a_positive_int(bad):
    with pytest.raises(ValueError, match="accumulate must be a positive int"):
        Speedups(accumulate=bad)


def test_plug_in_table_lists_every_speedup_at_a_real_line_of_fit():
    table = plug_in_table()
    source = inspect.getsource(train.fit) + inspect.getsource(train._train_one_epoch)
    rows = table.splitlines()[1:]
    for argument in SPEEDUPS.values():
        assert any(row.startswith(argument) for row in rows), argument
    for row in rows:
        line = row[20:].split("  ")[0].strip()
        assert "speed." in line and line in source, line


def test_plug_in_table_fails_when_fit_stops_calling_a_speedup():
    def loop_without_autocast(speed, model, batch):
        return speed.scale(model(batch))

    with pytest.raises(ValueError, match="never calls: .*autocast"):
        plug_in_table(loop_without_autocast)


def test_notebook_22_prints_the_plug_in_table():
    notebook = json.loads((ROOT / "notebooks" / "22_scaling_up.ipynb").read_text())
    code = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert any("plug_in_table()" in source for source in code)
