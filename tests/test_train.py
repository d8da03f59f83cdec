"""Tests for utils.train: the loop learns, averages are per sample, checkpoints are never lost."""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from utils.train import evaluate, fit, load_checkpoint, save_checkpoint


def _data(n: int = 64) -> DataLoader:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    return DataLoader(TensorDataset(x, y), batch_size=10)  # 64 = 6 × 10 + 4: uneven last batch


def test_fit_reduces_the_loss_and_returns_history():
    torch.manual_seed(0)
    model, loader = nn.Linear(3, 1), _data()
    before = evaluate(model, loader, nn.MSELoss())["loss"]
    history = fit(
        model,
        loader,
        nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=5,
        val_loader=loader,
        progress=False,
    )
    assert set(history) == {"train_loss", "val_loss"}
    assert len(history["train_loss"]) == 5
    assert history["val_loss"][-1] < 0.05 * before


def test_evaluate_averages_per_sample_not_per_batch():
    model, loader = nn.Linear(3, 1), _data()
    x, y = loader.dataset.tensors
    with torch.no_grad():
        full = nn.functional.mse_loss(model(x), y).item()
    mae = {"mae": lambda out, target: (out - target).abs().mean().item()}
    result = evaluate(model, loader, nn.MSELoss(), metrics=mae)
    assert result["loss"] == pytest.approx(full, rel=1e-5)
    with torch.no_grad():
        assert result["mae"] == pytest.approx((model(x) - y).abs().mean().item(), rel=1e-5)


def test_evaluate_does_not_change_the_model():
    model, loader = nn.Linear(3, 1), _data()
    before = [p.clone() for p in model.parameters()]
    evaluate(model, loader, nn.MSELoss())
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert not model.training


def test_fit_rejects_bad_epochs_and_empty_loader():
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        fit(model, _data(), nn.MSELoss(), opt, epochs=0)
    with pytest.raises(ValueError, match="no batches"):
        fit(model, [], nn.MSELoss(), opt, epochs=1, progress=False)
    with pytest.raises(ValueError, match="inputs, targets"):
        evaluate(model, [torch.zeros(2, 3)], nn.MSELoss())


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


def test_fit_checkpoint_keeps_existing_file_and_saves_every_epoch(tmp_path):
    path = tmp_path / "run.pt"
    path.write_bytes(b"keep me")
    model = nn.Linear(3, 1)
    fit(
        model,
        _data(),
        nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=2,
        checkpoint=path,
        progress=False,
    )
    assert path.read_bytes() == b"keep me"
    state = load_checkpoint(tmp_path / "run-1.pt", nn.Linear(3, 1))
    assert state["epoch"] == 2 and len(state["history"]["train_loss"]) == 2
    assert not (tmp_path / "run-2.pt").exists()


def test_load_checkpoint_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt", nn.Linear(3, 1))
    torch.save({"weights": 1}, tmp_path / "odd.pt")
    with pytest.raises(ValueError, match="not a checkpoint"):
        load_checkpoint(tmp_path / "odd.pt", nn.Linear(3, 1))
    path = save_checkpoint(tmp_path / "no_opt.pt", nn.Linear(3, 1))
    model = nn.Linear(3, 1)
    with pytest.raises(ValueError, match="no optimizer state"):
        load_checkpoint(path, model, torch.optim.SGD(model.parameters(), lr=0.1))
