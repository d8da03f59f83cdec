"""Tests for utils.distributed and fit under torchrun: two CPU processes (gloo) train the same model
to the same weights and metrics as one process with a batch twice as large."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from utils import distributed
from utils.device import autocast_dtype, loader_settings

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import sys
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    sys.path.insert(0, {root!r})
    from utils import distributed
    from utils.metrics import accuracy
    from utils.train import fit

    per_process_batch, out = int(sys.argv[1]), sys.argv[2]
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(256) % 3
    centres = torch.tensor([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    x = centres[labels] + 0.8 * torch.randn(256, 2, generator=g)
    train, val = TensorDataset(x[:192], labels[:192]), TensorDataset(x[192:], labels[192:])
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    history = fit(
        model,
        DataLoader(train, batch_size=per_process_batch),
        nn.CrossEntropyLoss(),
        torch.optim.SGD(model.parameters(), lr=0.2),
        3,
        val_loader=DataLoader(val, batch_size=10),
        metrics={{"accuracy": accuracy}},
        checkpoint=out + ".ckpt.pt",
        progress=False,
    )
    shard = distributed.shard_loader(DataLoader(val, batch_size=10), train=False)
    indices = distributed.gather_objects(list(shard.sampler))
    if distributed.is_main_process():
        torch.save({{"state": model.state_dict(), "history": dict(history), "world": distributed.world_size(),
                    "indices": indices}}, out)
    print(f"rank {{distributed.rank()}} of {{distributed.world_size()}} done")
    distributed.cleanup()
    """
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The script run by one process (batch 16) and by torchrun with two processes (batch 8 each)."""
    folder = tmp_path_factory.mktemp("ddp")
    script = folder / "train.py"
    script.write_text(SCRIPT.format(root=str(ROOT)))
    env = {k: v for k, v in os.environ.items() if k not in distributed.ENV_VARS}
    env["OMP_NUM_THREADS"] = "1"
    single = subprocess.run(
        [sys.executable, str(script), "16", str(folder / "one.pt")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert single.returncode == 0, single.stderr
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    double = subprocess.run(
        [*command, str(script), "8", str(folder / "two.pt")],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert double.returncode == 0, double.stderr[-3000:]
    return folder, single, double


def test_two_processes_train_like_one_with_twice_the_batch(runs):
    folder, single, double = runs
    one, two = torch.load(folder / "one.pt"), torch.load(folder / "two.pt")
    assert one["world"] == 1 and two["world"] == 2
    assert "rank 0 of 2 done" in double.stdout and "rank 1 of 2 done" in double.stdout
    for name, weight in one["state"].items():  # gradients averaged over ranks = the big batch's
        assert torch.allclose(weight, two["state"][name], atol=1e-5), name
    for key in ("train_loss", "val_loss", "val_accuracy"):
        assert two["history"][key] == pytest.approx(one["history"][key], abs=1e-5), key
    assert one["history"]["val_accuracy"][-1] > 0.8


def test_each_process_evaluates_its_own_share_exactly_once(runs):
    folder, _, _ = runs
    shards = torch.load(folder / "two.pt")["indices"]
    assert len(shards) == 2 and set(shards[0]).isdisjoint(shards[1])
    assert sorted(shards[0] + shards[1]) == list(range(64))


def test_only_rank_0_writes_the_checkpoint(runs):
    folder, _, _ = runs
    assert (folder / "two.pt.ckpt.pt").exists()
    assert not list(folder.glob("two.pt.ckpt-*.pt"))  # a second writer would have picked a free name


def test_without_torchrun_everything_is_one_process(monkeypatch):
    for name in distributed.ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    assert not distributed.launched_by_torchrun() and distributed.setup() is False
    assert not distributed.is_distributed()
    assert (distributed.rank(), distributed.world_size(), distributed.is_main_process()) == (0, 1, True)
    assert distributed.local_device("cpu") == torch.device("cpu")
    assert distributed.sum_across_processes([1.0, 2.5]) == [1.0, 2.5]
    assert distributed.gather_objects({"a": 1}) == [{"a": 1}]
    loader = DataLoader(TensorDataset(torch.zeros(4)), batch_size=2)
    assert distributed.shard_loader(loader, train=True) is loader
    distributed.cleanup()  # nothing to leave: no error


def test_launched_by_torchrun_reads_the_environment(monkeypatch):
    for name, value in zip(distributed.ENV_VARS, ("1", "2", "1", "127.0.0.1", "29500")):
        monkeypatch.setenv(name, value)
    assert distributed.launched_by_torchrun()
    monkeypatch.setenv("WORLD_SIZE", "1")
    assert not distributed.launched_by_torchrun()


def test_loader_settings_and_autocast_dtype_suit_the_device():
    assert loader_settings("cpu") == {"num_workers": 0, "pin_memory": False}
    gpu = loader_settings("cuda")
    assert gpu["pin_memory"] and gpu["num_workers"] >= 1 and gpu["persistent_workers"]
    assert autocast_dtype("cpu") == torch.bfloat16 and autocast_dtype("cuda") == torch.float16


def test_sum_totals_without_torchrun_is_this_process_s_own():
    totals = {"loss": 6.0, "box": 1.5}
    combined, count = distributed.sum_totals(totals, 4)
    assert combined == totals and count == 4
    combined["loss"] = 0.0
    assert totals["loss"] == 6.0  # a copy: the caller's dict is not changed
