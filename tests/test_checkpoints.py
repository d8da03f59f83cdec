"""Tests for utils.checkpoints: nothing a learner trained is lost, overwritten, or loaded stale."""

import pytest
import torch
from torch import nn

from utils.checkpoints import config_fingerprint, free_path, load_checkpoint, load_or_train, save_checkpoint
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
