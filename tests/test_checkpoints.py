"""Tests for utils.checkpoints: nothing a learner trained is lost, overwritten, or loaded stale."""

import contextlib
import errno
import io
import multiprocessing
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

import utils.checkpoints
from utils.checkpoints import (
    config_fingerprint,
    ensure_writable_folder,
    free_path,
    load_checkpoint,
    load_or_train,
    save_checkpoint,
)
from utils.train import History


def test_checkpoint_round_trip(tmp_path):
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    path = save_checkpoint(tmp_path / "ckpt" / "model.pt", model, opt, epoch=3)
    other = nn.Linear(3, 1)
    other_opt = torch.optim.SGD(other.parameters(), lr=0.1, momentum=0.9)
    state = load_checkpoint(path, other, other_opt)
    assert state["epoch"] == 3
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), other.parameters()))


def test_save_checkpoint_never_overwrites_without_asking(tmp_path, capsys):
    path = tmp_path / "model.pt"
    path.write_bytes(b"the learner's precious file")
    written = save_checkpoint(path, nn.Linear(3, 1))
    assert written == tmp_path / "model-1.pt"
    assert path.read_bytes() == b"the learner's precious file"
    assert "already exists and is kept" in capsys.readouterr().out
    assert save_checkpoint(path, nn.Linear(3, 1)) == tmp_path / "model-2.pt"
    assert save_checkpoint(path, nn.Linear(3, 1), overwrite=True) == path
    assert path.read_bytes() != b"the learner's precious file"
    assert free_path(tmp_path / "new.pt", overwrite=False) == tmp_path / "new.pt"


def test_bad_input_gets_a_clear_message(tmp_path):
    with pytest.raises(TypeError, match="expects the model .*not a tensor"):
        save_checkpoint(tmp_path / "x.pt", torch.zeros(3))
    with pytest.raises(TypeError, match="optimizer must be"):
        save_checkpoint(tmp_path / "x.pt", nn.Linear(1, 1), optimizer="adam")
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt", nn.Linear(3, 1))
    torch.save({"weights": 1}, tmp_path / "odd.pt")
    with pytest.raises(ValueError, match="not a checkpoint"):
        load_checkpoint(tmp_path / "odd.pt", nn.Linear(3, 1))
    path = save_checkpoint(tmp_path / "no_opt.pt", nn.Linear(3, 1))
    model = nn.Linear(3, 1)
    with pytest.raises(ValueError, match="no optimizer state"):
        load_checkpoint(path, model, torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="saved from a different model"):
        load_checkpoint(path, nn.Linear(4, 1))


def test_config_fingerprint_changes_with_config_and_architecture():
    base = config_fingerprint(nn.Linear(2, 1), {"lr": 0.1})
    assert len(base) == 8 and base == config_fingerprint(nn.Linear(2, 1), {"lr": 0.1})
    assert base != config_fingerprint(nn.Linear(2, 1), {"lr": 0.01})
    assert base != config_fingerprint(nn.Linear(3, 1), {"lr": 0.1})
    with pytest.raises(TypeError, match="config must be a dict"):
        config_fingerprint(nn.Linear(2, 1), 0.1)


def _trainer(model: nn.Module, calls: list, interrupted: bool = False):
    def train() -> History:
        calls.append(1)
        with torch.no_grad():
            model.weight.fill_(len(calls))
        history = History(train_loss=[1.0, 0.5])
        history.interrupted = interrupted
        return history

    return train


def test_load_or_train_reuses_the_checkpoint_on_a_rerun(tmp_path, capsys):
    calls: list = []
    model = nn.Linear(2, 1)
    history = load_or_train(tmp_path / "net.pt", model, _trainer(model, calls), {"lr": 0.1})
    assert calls == [1] and history["train_loss"] == [1.0, 0.5]
    assert "training, then saving to" in capsys.readouterr().out
    rerun = nn.Linear(2, 1)  # a rerun of the cell builds a fresh model
    history = load_or_train(tmp_path / "net.pt", rerun, _trainer(rerun, calls), {"lr": 0.1})
    assert calls == [1], "a rerun with the same configuration must not train again"
    assert torch.equal(rerun.weight, torch.ones(1, 2)) and history["train_loss"] == [1.0, 0.5]
    assert "loaded" in capsys.readouterr().out
    assert len(list(tmp_path.glob("net-*.pt"))) == 1, "a rerun writes no second file"


def test_load_or_train_never_loads_a_stale_file_for_another_configuration(tmp_path):
    calls: list = []
    model = nn.Linear(2, 1)
    load_or_train(tmp_path / "net.pt", model, _trainer(model, calls), {"lr": 0.1})
    first = sorted(tmp_path.glob("net-*.pt"))
    other = nn.Linear(2, 1)
    load_or_train(tmp_path / "net.pt", other, _trainer(other, calls), {"lr": 0.01})
    assert calls == [1, 1] and torch.equal(other.weight, torch.full((1, 2), 2.0))
    assert len(list(tmp_path.glob("net-*.pt"))) == 2 and all(p.exists() for p in first)
    wider = nn.Linear(3, 1)  # same config, another architecture: trains too
    load_or_train(tmp_path / "net.pt", wider, _trainer(wider, calls), {"lr": 0.1})
    assert len(calls) == 3


def test_load_or_train_does_not_save_an_interrupted_run(tmp_path, capsys):
    calls: list = []
    model = nn.Linear(2, 1)
    history = load_or_train(tmp_path / "net.pt", model, _trainer(model, calls, interrupted=True), {"lr": 1})
    assert history.interrupted and not list(tmp_path.glob("net-*.pt"))
    assert "interrupted: not saved" in capsys.readouterr().out
    with pytest.raises(TypeError, match="train must be a function"):
        load_or_train(tmp_path / "net.pt", model, "fit", {"lr": 1})


def test_load_or_train_does_not_save_a_run_cut_short_by_the_step_cap(tmp_path, capsys):
    """A COURSE_STEP_CAP run (2 steps) must not leave a checkpoint that a real run would load as trained."""
    calls: list = []
    model = nn.Linear(2, 1)

    def capped_run() -> History:
        history = _trainer(model, calls)()
        history.capped = True
        return history

    history = load_or_train(tmp_path / "net.pt", model, capped_run, {"lr": 1})
    assert history.capped and not list(tmp_path.glob("net-*.pt"))
    assert "cut short by COURSE_STEP_CAP: not saved" in capsys.readouterr().out
    load_or_train(tmp_path / "net.pt", model, _trainer(model, calls), {"lr": 1})  # the real run trains
    assert len(calls) == 2 and len(list(tmp_path.glob("net-*.pt"))) == 1


# --- attacks of issue 17: junk files, full disks, unwritable folders, two runs at once ----------------


@pytest.mark.parametrize(
    "junk",
    [b"e" * 1000, b"", b"hello, I am not a checkpoint\n", bytes(range(256)), "truncated"],
    ids=["KeyError-101", "empty", "text", "bytes", "truncated"],
)
def test_a_junk_checkpoint_file_gets_a_clear_message(tmp_path, junk):
    path = tmp_path / "model.pt"
    if junk == "truncated":
        save_checkpoint(tmp_path / "whole.pt", nn.Linear(50, 50))
        junk = (tmp_path / "whole.pt").read_bytes()[:3000]
    path.write_bytes(junk)
    with pytest.raises(
        ValueError, match="not a checkpoint written by utils.checkpoints: torch.load failed"
    ) as raised:
        load_checkpoint(path, nn.Linear(3, 1))
    assert str(path) in str(raised.value) and "Delete it" in str(raised.value)


def test_load_or_train_names_a_junk_file_in_its_place(tmp_path):
    model = nn.Linear(2, 1)
    file = tmp_path / f"net-{config_fingerprint(model, {'lr': 0.1})}.pt"
    file.write_bytes(b"e" * 1000)
    with pytest.raises(ValueError, match="not a checkpoint written by utils.checkpoints"):
        load_or_train(tmp_path / "net.pt", model, _trainer(model, []), {"lr": 0.1})


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left on device")])
def test_an_interrupted_or_failed_save_leaves_no_temporary_file(tmp_path, monkeypatch, failure):
    def save_half_then_fail(state, file):
        with open(file, "ab") if isinstance(file, (str, os.PathLike)) else contextlib.nullcontext(file) as f:
            f.write(b"x" * 1_000_000)  # a large part was written when the disk filled up / Ctrl-C came
        raise failure

    monkeypatch.setattr(utils.checkpoints.torch, "save", save_half_then_fail)
    with pytest.raises(type(failure)) as raised:
        save_checkpoint(tmp_path / "model.pt", nn.Linear(3, 1))
    assert list(tmp_path.iterdir()) == []
    if isinstance(failure, OSError):
        message = str(raised.value)
        assert "could not save the checkpoint" in message and "model.pt" in message
        assert "No space left on device" in message and raised.value.errno == errno.ENOSPC


def test_an_unwritable_folder_is_named_before_anything_is_trained(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(OSError, match=r"cannot write checkpoints in the folder .*not_a_folder.*writable"):
        ensure_writable_folder(blocker / "checkpoints")
    calls: list = []
    model = nn.Linear(2, 1)
    with pytest.raises(OSError, match="cannot write checkpoints in the folder"):
        load_or_train(blocker / "net.pt", model, _trainer(model, calls), {"lr": 0.1})
    assert calls == [], "the folder is checked before training, not after it"
    assert ensure_writable_folder(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert (tmp_path / "a" / "b").is_dir() and list((tmp_path / "a" / "b").iterdir()) == []


def test_the_fingerprint_sees_one_changed_element_of_a_tensor_setting():
    model = nn.Linear(2, 1)
    weights = torch.ones(10_000)  # printed as "tensor([1., 1., 1.,  ..., 1., 1., 1.])"
    changed = weights.clone()
    changed[5000] = 2.0
    base = config_fingerprint(model, {"class_weights": weights})
    assert base == config_fingerprint(model, {"class_weights": weights.clone()})
    assert base != config_fingerprint(model, {"class_weights": changed})
    assert base != config_fingerprint(model, {"class_weights": weights.double()})  # dtype
    grid = torch.arange(12.0)
    assert config_fingerprint(model, {"w": grid}) != config_fingerprint(
        model, {"w": grid.reshape(3, 4)}
    )  # shape
    array, other = np.zeros(5000), np.zeros(5000)
    other[1234] = 1e-9
    assert config_fingerprint(model, {"a": array}) != config_fingerprint(model, {"a": other})
    assert config_fingerprint(model, {"a": array}) == config_fingerprint(model, {"a": array.copy()})
    assert config_fingerprint(model, {"w": torch.ones(2, 3).t()}) == config_fingerprint(
        model, {"w": torch.ones(3, 2)}
    )


def test_load_or_train_saves_the_tensor_setting_and_retrains_when_one_element_changes(tmp_path):
    calls: list = []
    weights = torch.ones(5000)
    changed = weights.clone()
    changed[-1] = 0.5
    for setting in (weights, changed, weights.clone()):
        model = nn.Linear(2, 1)
        load_or_train(tmp_path / "net.pt", model, _trainer(model, calls), {"class_weights": setting})
    assert len(calls) == 2 and len(list(tmp_path.glob("net-*.pt"))) == 2


def _wide_model() -> nn.Module:
    return nn.Sequential(*(nn.Linear(256, 256) for _ in range(4)))  # 8 tensors, about 1 MB


def _slow_save(real_save: Callable) -> Callable:
    """torch.save writing in 64 KiB pieces 10 ms apart, so that two saves surely overlap."""

    def save(obj: object, file: Any, *args, **kwargs) -> None:
        buffer = io.BytesIO()
        real_save(obj, buffer, *args, **kwargs)
        data = buffer.getvalue()
        with open(file, "wb") if isinstance(file, (str, os.PathLike)) else contextlib.nullcontext(file) as f:
            for start in range(0, len(data), 1 << 16):
                f.write(data[start : start + (1 << 16)])
                f.flush()
                time.sleep(0.01)

    return save


def _train_and_save(folder: str, seed: int, barrier, done: str) -> None:
    """One of two processes training the same configuration and saving to the same path at once."""
    torch.set_num_threads(1)
    real_save = torch.save
    torch.save = _slow_save(real_save)
    model = _wide_model()

    def train() -> History:
        torch.manual_seed(seed)
        for parameter in model.parameters():
            nn.init.normal_(parameter)  # each run ends with its own weights
        barrier.wait(timeout=60)  # both runs finish training together and save at the same moment
        return History(train_loss=[float(seed)])

    load_or_train(f"{folder}/net.pt", model, train, {"lr": 0.1})
    real_save(model.state_dict(), done)


def test_two_runs_of_load_or_train_on_one_path_never_mix_their_files(tmp_path):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    runs = [
        context.Process(
            target=_train_and_save, args=(str(tmp_path), seed, barrier, str(tmp_path / f"run{seed}.state"))
        )
        for seed in (1, 2)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=120)
    assert [run.exitcode for run in runs] == [0, 0]
    trained = [torch.load(tmp_path / f"run{seed}.state", weights_only=True) for seed in (1, 2)]
    assert not all(torch.equal(trained[0][k], trained[1][k]) for k in trained[0])

    def whole_run(state: dict) -> int:
        matches = [i for i, run in enumerate(trained) if all(torch.equal(state[k], run[k]) for k in run)]
        assert len(matches) == 1, "the file mixes tensors of both runs"
        return matches[0]

    kept = tmp_path / f"net-{config_fingerprint(_wide_model(), {'lr': 0.1})}.pt"
    first = whole_run(load_checkpoint(kept, _wide_model())["model"])
    beside = kept.with_name(f"{kept.stem}-1.pt")  # the second run kept its own file, whole
    assert whole_run(load_checkpoint(beside, _wide_model())["model"]) == 1 - first
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".state") == sorted(
        [kept.name, beside.name]
    )


def test_a_hand_written_loop_under_the_step_cap_is_not_saved_either(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_STEP_CAP", "2")  # a train function that is not fit: no history.capped
    calls: list = []
    model = nn.Linear(2, 1)
    load_or_train(tmp_path / "net.pt", model, _trainer(model, calls), {"lr": 0.1})
    assert "cut short by COURSE_STEP_CAP: not saved" in capsys.readouterr().out
    assert not list(tmp_path.glob("net-*.pt"))
    monkeypatch.delenv("COURSE_STEP_CAP")
    load_or_train(tmp_path / "net.pt", model, _trainer(model, calls), {"lr": 0.1})
    assert len(calls) == 2 and len(list(tmp_path.glob("net-*.pt"))) == 1
