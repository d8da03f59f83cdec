"""Tests for utils.train: one loop for every task, dataset-level metrics, NaN and Ctrl-C handled."""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import utils.train
from utils.metrics import accuracy
from utils.train import (
    History,
    NonFiniteLossError,
    capped,
    check_learned,
    evaluate,
    fit,
    move_to,
    predict_batch,
    step_cap,
    supervised_step,
)


def _regression(n: int = 64) -> DataLoader:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    return DataLoader(TensorDataset(x, y), batch_size=10)  # 64 = 6 × 10 + 4: uneven last batch


def _blobs(n: int = 120, seed: int = 0) -> TensorDataset:
    """Three Gaussian blobs in 2-D: a classification problem a small MLP solves."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 3
    centres = torch.tensor([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    return TensorDataset(centres[labels] + 0.6 * torch.randn(n, 2, generator=g), labels)


def test_fit_trains_a_classifier_and_reports_dataset_level_accuracy():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    train, val = DataLoader(_blobs(), batch_size=16, shuffle=True), DataLoader(_blobs(60, 1), batch_size=16)
    before = evaluate(model, val, nn.CrossEntropyLoss(), metrics={"accuracy": accuracy})
    history = fit(
        model,
        train,
        nn.CrossEntropyLoss(),
        torch.optim.Adam(model.parameters(), lr=0.05),
        epochs=5,
        val_loader=val,
        metrics={"accuracy": accuracy},
        progress=False,
    )
    assert isinstance(history, History) and history.epochs == 5 and not history.interrupted
    assert set(history) == {"train_loss", "val_loss", "val_accuracy"}
    assert history["val_accuracy"][-1] > max(0.9, before["accuracy"])
    assert history["val_loss"][-1] < before["loss"]


def test_fit_reduces_a_regression_loss():
    torch.manual_seed(0)
    model, loader = nn.Linear(3, 1), _regression()
    before = evaluate(model, loader, nn.MSELoss())["loss"]
    history = fit(
        model, loader, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1), epochs=5, progress=False
    )
    assert set(history) == {"train_loss"} and len(history["train_loss"]) == 5
    assert evaluate(model, loader, nn.MSELoss())["loss"] < 0.05 * before


def _precision_of_class_1(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """A ratio metric: TP / (TP + FP). Its mean over batches is NOT its value on the dataset."""
    predicted = outputs.argmax(dim=1) == 1
    return ((predicted & (targets == 1)).sum() / predicted.sum()).item()


def test_metrics_are_computed_on_the_whole_dataset_not_averaged_per_batch():
    # Fixed "model" outputs: batch 1 has 1 true positive of 1; batch 2 has 1 TP and 3 FP.
    logits = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    targets = torch.tensor([1, 0, 1, 0, 0, 0])
    loader = DataLoader(TensorDataset(logits, targets), batch_size=2)  # batches: [1/1], [1/2], [0/2]
    per_batch = [_precision_of_class_1(x, y) for x, y in loader if (x.argmax(1) == 1).any()]
    result = evaluate(nn.Identity(), loader, metrics={"precision": _precision_of_class_1})
    assert result["precision"] == pytest.approx(2 / 5)  # the dataset: 2 TP, 3 FP
    assert sum(per_batch) / len(per_batch) != pytest.approx(2 / 5)  # what a per-batch mean would give


def test_evaluate_loss_is_the_mean_over_samples_and_the_model_is_untouched():
    model, loader = nn.Linear(3, 1), _regression()
    x, y = loader.dataset.tensors
    before = [p.clone() for p in model.parameters()]
    with torch.no_grad():
        full = nn.functional.mse_loss(model(x), y).item()
    assert evaluate(model, loader, nn.MSELoss())["loss"] == pytest.approx(full, rel=1e-5)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert not model.training


def _tiny_faster_rcnn() -> nn.Module:
    from torchvision.models.detection import FasterRCNN
    from torchvision.models.detection.anchor_utils import AnchorGenerator

    torch.manual_seed(0)
    backbone = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
    backbone.out_channels = 8
    anchors = AnchorGenerator(sizes=((8, 16),), aspect_ratios=((1.0,),))
    return FasterRCNN(
        backbone,
        num_classes=2,
        rpn_anchor_generator=anchors,
        min_size=32,
        max_size=32,
        box_detections_per_img=5,
    )


def _detection_batches() -> list:
    images, targets = [], []
    for i in range(4):
        image = torch.zeros(3, 32, 32)
        box = torch.tensor([[4.0 + i, 6.0, 20.0 + i, 24.0]])
        image[:, 6:24, 4 + i : 20 + i] = 1.0
        images.append(image)
        targets.append({"boxes": box, "labels": torch.tensor([1])})
    return [(images[:2], targets[:2]), (images[2:], targets[2:])]


def test_fit_trains_a_torchvision_detection_model_with_lists_of_dicts_and_a_loss_dict():
    model, batches = _tiny_faster_rcnn(), _detection_batches()

    def boxes_found(outputs: list, targets: list) -> float:  # a dataset-level metric on lists of dicts
        return sum(len(o["boxes"]) for o in outputs) / len(targets)

    history = fit(
        model,
        batches,
        None,
        torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
        epochs=3,
        step=lambda model, batch: model(*batch),  # torchvision detection: a dict of named losses
        val_loader=batches,
        metrics={"boxes_per_image": boxes_found},
        val_loss=False,  # these models return losses only in train mode
        progress=False,
    )
    assert {"train_loss", "train_loss_classifier", "train_loss_box_reg", "train_loss_objectness"} <= set(
        history
    )
    assert "val_loss" not in history and len(history["val_boxes_per_image"]) == 3
    assert history["train_loss"][-1] < history["train_loss"][0]
    parts = [k for k in history if k.startswith("train_loss_")]
    assert history["train_loss"][0] == pytest.approx(sum(history[k][0] for k in parts), rel=1e-5)


def test_fit_stops_at_the_first_non_finite_loss_and_keeps_the_good_checkpoint(tmp_path):
    torch.manual_seed(0)
    model, loader = nn.Linear(3, 1), _regression()
    checkpoint = tmp_path / "run.pt"
    fit(
        model,
        loader,
        nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.01),
        1,
        checkpoint=checkpoint,
        progress=False,
    )
    good = torch.load(checkpoint, weights_only=True)["model"]
    with pytest.raises(NonFiniteLossError) as raised:
        # lr = 10 diverges: the loss overflows to inf within a few epochs
        fit(
            model,
            loader,
            nn.MSELoss(),
            torch.optim.SGD(model.parameters(), lr=10.0),
            50,
            checkpoint=checkpoint,
            progress=False,
        )
    message = str(raised.value)
    assert "at epoch" in message and "batch" in message and "learning rate" in message
    assert raised.value.history.epochs >= 1  # the epochs before it are kept
    assert torch.equal(torch.load(checkpoint, weights_only=True)["model"]["weight"], good["weight"])
    second = tmp_path / "run-1.pt"  # the second run wrote beside the first one, which is untouched
    assert "last good one" in message and str(second) in message
    state = torch.load(second, weights_only=True)
    assert all(torch.isfinite(t).all() for t in state["model"].values())


class _InfiniteGradient(torch.autograd.Function):
    """The identity, whose gradient is infinite: a finite loss that makes the optimizer write inf/NaN."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        return torch.full_like(grad, float("inf"))


def _step_with_infinite_gradient_at(call: int, before=None):
    calls = {"n": 0}

    def step(model, batch):
        calls["n"] += 1
        if before is not None:
            before(calls["n"])
        loss = supervised_step(nn.MSELoss())(model, batch)
        return _InfiniteGradient.apply(loss) if calls["n"] == call else loss

    return step


def test_weights_broken_by_a_finite_loss_are_never_saved_or_called_good(tmp_path):
    torch.manual_seed(0)
    model, loader = nn.Linear(3, 1), list(_regression())  # 7 batches per epoch
    checkpoint = tmp_path / "run.pt"
    with pytest.raises(NonFiniteLossError) as raised:
        fit(
            model,
            loader,
            None,
            torch.optim.SGD(model.parameters(), lr=0.01),
            3,
            step=_step_with_infinite_gradient_at(14),  # the last batch of epoch 2: every loss is finite
            checkpoint=checkpoint,
            progress=False,
        )
    message = str(raised.value)
    assert (
        "weights became non-finite during epoch 2" in message and "although every loss was finite" in message
    )
    assert "infinite gradient" in message and "This epoch was not saved" in message
    assert f"The checkpoint {checkpoint} still holds epoch 1, the last good one" in message
    assert not all(torch.isfinite(p).all() for p in model.parameters())  # the attack did break them
    saved = torch.load(checkpoint, weights_only=True)
    assert saved["epoch"] == 1 and all(torch.isfinite(t).all() for t in saved["model"].values())
    assert raised.value.history.epochs == 1


def test_no_checkpoint_is_called_good_when_none_was_saved_or_it_is_gone(tmp_path):
    checkpoint = tmp_path / "run.pt"
    model = nn.Linear(3, 1)
    with pytest.raises(NonFiniteLossError, match="during epoch 1") as raised:  # epoch 1's last batch
        fit(
            model,
            list(_regression()),
            None,
            torch.optim.SGD(model.parameters(), lr=0.01),
            2,
            step=_step_with_infinite_gradient_at(7),
            checkpoint=checkpoint,
            progress=False,
        )
    assert "Nothing was saved to" in str(raised.value) and "last good" not in str(raised.value)
    assert not checkpoint.exists()

    def delete_during_epoch_2(call: int) -> None:
        if call == 8:
            checkpoint.unlink()

    model = nn.Linear(3, 1)
    with pytest.raises(NonFiniteLossError, match="during epoch 2") as raised:
        fit(
            model,
            list(_regression()),
            None,
            torch.optim.SGD(model.parameters(), lr=0.01),
            3,
            step=_step_with_infinite_gradient_at(14, delete_during_epoch_2),
            checkpoint=checkpoint,
            progress=False,
        )
    assert "of epoch 1 is no longer there" in str(raised.value) and "last good" not in str(raised.value)


def test_an_unwritable_checkpoint_folder_stops_fit_before_training(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    model = nn.Linear(3, 1)
    optimizer, steps = _counting_sgd(model)
    with pytest.raises(OSError, match=r"cannot write checkpoints in the folder .*a_file"):
        fit(model, _regression(), nn.MSELoss(), optimizer, 2, checkpoint=blocker / "run.pt", progress=False)
    assert steps == []


def test_a_save_that_fails_during_training_keeps_the_training_and_the_history(tmp_path, monkeypatch, capsys):
    real_save = utils.train.save_checkpoint

    def disk_full_at_epoch_2(path, *args, epoch, **kwargs):
        if epoch == 2:
            raise OSError(28, "could not save the checkpoint: No space left on device")
        return real_save(path, *args, epoch=epoch, **kwargs)

    monkeypatch.setattr(utils.train, "save_checkpoint", disk_full_at_epoch_2)
    model = nn.Linear(3, 1)
    history = fit(
        model,
        _regression(),
        nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        3,
        checkpoint=tmp_path / "run.pt",
        progress=False,
    )
    assert history.epochs == 3
    assert "CHECKPOINT: could not save epoch 2" in capsys.readouterr().out
    assert torch.load(tmp_path / "run.pt", weights_only=True)["epoch"] == 3


def test_ctrl_c_keeps_the_weights_and_the_history_so_far(capsys):
    torch.manual_seed(0)
    model, loader = nn.Linear(3, 1), list(_regression())
    calls = {"n": 0}

    def step(model, batch):
        calls["n"] += 1
        if calls["n"] == len(loader) * 2 + 3:  # during the third epoch
            raise KeyboardInterrupt
        return supervised_step(nn.MSELoss())(model, batch)

    history = fit(
        model, loader, None, torch.optim.SGD(model.parameters(), lr=0.1), 10, step=step, progress=False
    )
    assert history.interrupted and history.epochs == 2 and len(history["train_loss"]) == 2
    out = capsys.readouterr().out
    assert "INTERRUPTED: training stopped during epoch 3 of 10" in out and "2 finished epoch(s)" in out


def test_move_to_moves_tensors_in_nested_batches():
    batch = ([torch.zeros(1)], {"boxes": torch.ones(2), "id": 3}, "text")
    moved = move_to(batch, "cpu")
    assert isinstance(moved, tuple) and moved[1]["id"] == 3 and moved[2] == "text"
    assert torch.equal(moved[1]["boxes"], torch.ones(2))


def test_supervised_step_and_predict_batch():
    model = nn.Linear(2, 1)
    batch = (torch.ones(4, 2), torch.zeros(4, 1))
    with torch.no_grad():
        expected = (model(batch[0]) ** 2).mean()
    assert supervised_step(nn.MSELoss())(model, batch).item() == pytest.approx(expected.item())
    outputs, targets = predict_batch(model, batch)
    assert outputs.shape == (4, 1) and targets is batch[1]


def test_frozen_batchnorm_stays_in_eval_mode_while_training():
    model = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Linear(4, 3))
    model[1].requires_grad_(False)
    running = model[1].running_mean.clone()
    fit(
        model,
        DataLoader(_blobs(), batch_size=16),
        nn.CrossEntropyLoss(),
        torch.optim.SGD(model[2].parameters(), lr=0.1),
        1,
        progress=False,
    )
    assert torch.equal(model[1].running_mean, running)


def test_bad_arguments_get_clear_messages():
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        fit(model, _regression(), nn.MSELoss(), opt, epochs=0)
    with pytest.raises(ValueError, match="no batches"):
        fit(model, [], nn.MSELoss(), opt, epochs=1, progress=False)
    with pytest.raises(ValueError, match="inputs, targets"):
        evaluate(model, [torch.zeros(2, 3)], nn.MSELoss())
    with pytest.raises(ValueError, match="loss_fn .* or a step"):
        fit(model, _regression(), None, opt, epochs=1)
    with pytest.raises(ValueError, match="pass val_loader"):
        fit(model, _regression(), nn.MSELoss(), opt, epochs=1, metrics={"a": accuracy})
    with pytest.raises(ValueError, match="reduction='none' needs .mean"):
        fit(model, _regression(), nn.MSELoss(reduction="none"), opt, epochs=1, progress=False)
    import numpy as np

    assert fit(model, _regression(), nn.MSELoss(), opt, epochs=np.int64(1), progress=False).epochs == 1


# --- the scaling-up arguments (notebook 22): same call, same results where they must agree -------


def _sgd_run(**kwargs) -> tuple[nn.Module, History]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    loader = DataLoader(_regression(64).dataset, batch_size=kwargs.pop("batch_size", 8))
    history = fit(
        model, loader, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1), 2, progress=False, **kwargs
    )
    return model, history


def test_gradient_accumulation_equals_a_larger_batch():
    big, _ = _sgd_run(batch_size=16)
    accumulated, history = _sgd_run(batch_size=8, accumulate=2)
    plain, _ = _sgd_run(batch_size=8)
    assert torch.allclose(big.weight, accumulated.weight, atol=1e-6)
    assert not torch.allclose(plain.weight, accumulated.weight, atol=1e-4)
    assert history.epochs == 2


def test_accumulation_flushes_the_last_batches_of_an_epoch():
    # 64 samples in batches of 8 = 8 batches; accumulate=3 updates after batches 3, 6 and the last 2.
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = []
    optimizer.register_step_post_hook(lambda *_: steps.append(1))
    fit(
        model,
        DataLoader(_regression(64).dataset, batch_size=8),
        nn.MSELoss(),
        optimizer,
        1,
        accumulate=3,
        progress=False,
    )
    assert len(steps) == 3


def test_amp_trains_in_bfloat16_on_cpu_and_still_learns():
    seen = []
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    model[0].register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    train, val = DataLoader(_blobs(), batch_size=16, shuffle=True), DataLoader(_blobs(60, 1), batch_size=16)
    torch.manual_seed(0)
    history = fit(
        model,
        train,
        nn.CrossEntropyLoss(),
        torch.optim.Adam(model.parameters(), lr=0.05),
        5,
        val_loader=val,
        metrics={"accuracy": accuracy},
        amp=True,
        progress=False,
    )
    assert torch.bfloat16 in seen and model[0].weight.dtype == torch.float32
    assert history["val_accuracy"][-1] > 0.9
    assert evaluate(model, val, nn.CrossEntropyLoss(), amp=True)["loss"] < 0.5


def test_compile_runs_the_steps_through_torch_compile(monkeypatch):
    compiled = []

    def fake_compile(module):  # the real one takes ~20 s on 2 CPU cores; the wiring is what is tested
        compiled.append(module)
        return module

    monkeypatch.setattr(torch, "compile", fake_compile)
    model, history = _sgd_run(compile=True)
    assert compiled == [model] and history.epochs == 2


def test_channels_last_gives_the_same_training_as_the_default_layout():
    def run(channels_last: bool) -> nn.Module:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
        x, y = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(1)), torch.arange(16) % 2
        loader = DataLoader(TensorDataset(x, y), batch_size=8)
        fit(
            model,
            loader,
            nn.CrossEntropyLoss(),
            torch.optim.SGD(model.parameters(), lr=0.1),
            2,
            channels_last=channels_last,
            progress=False,
        )
        return model

    default, nhwc = run(False), run(True)
    assert nhwc[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert torch.allclose(default[0].weight, nhwc[0].weight, atol=1e-5)


def test_scaling_arguments_are_checked():
    model = nn.Linear(3, 1)
    with pytest.raises(ValueError, match="accumulate"):
        fit(model, _regression(), nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1), 1, accumulate=0)


# --- COURSE_STEP_CAP: full-mode sizes run, capped to a few steps ---------------------------------------

CAPPED_LINE = (
    "CAPPED: COURSE_STEP_CAP={n} → at most {n} training steps per fit call and {n} batches per evaluation "
    "(checks that full-mode sizes run; not a real training run)"
)


@pytest.fixture
def cap(monkeypatch):
    """Set COURSE_STEP_CAP for one test, in a process that has not announced any cap yet."""
    monkeypatch.setattr(utils.train, "_announced_caps", set())

    def set_cap(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("COURSE_STEP_CAP", raising=False)
        else:
            monkeypatch.setenv("COURSE_STEP_CAP", value)

    set_cap(None)
    return set_cap


def _counting_sgd(model: nn.Module) -> tuple[torch.optim.Optimizer, list]:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    steps: list = []
    optimizer.register_step_post_hook(lambda *_: steps.append(1))
    return optimizer, steps


def test_step_cap_reads_the_variable_and_rejects_bad_values(cap):
    assert step_cap() is None
    cap("")
    assert step_cap() is None
    cap(" 7 ")
    assert step_cap() == 7
    for bad in ("0", "-3", "two", "1.5"):
        cap(bad)
        with pytest.raises(ValueError, match="COURSE_STEP_CAP must be a positive whole number") as raised:
            step_cap()
        assert repr(bad) in str(raised.value)


def test_fit_stops_after_n_steps_in_total_and_validates_the_cut_epoch(cap, capsys):
    cap("10")  # 7 batches per epoch: epoch 1 full, epoch 2 cut after 3 batches, epoch 3 never starts
    torch.manual_seed(0)
    model, loader = nn.Linear(3, 1), _regression()
    optimizer, steps = _counting_sgd(model)
    val_batches = []
    history = fit(
        model,
        loader,
        None,
        optimizer,
        5,
        step=supervised_step(nn.MSELoss()),
        val_loader=loader,
        predict=lambda m, b: (val_batches.append(1), predict_batch(m, b))[1],
        metrics={"n": lambda outputs, targets: float(len(targets))},
        progress=False,
    )
    assert len(steps) == 10
    assert history.epochs == 2 and history.capped and len(history["val_loss"]) == 2
    assert history["val_n"] == [64.0, 64.0]  # 7 batches hold 64 samples: under the cap of 10
    assert len(val_batches) == 14
    out = capsys.readouterr().out
    assert out.count(CAPPED_LINE.format(n=10)) == 1


def test_validation_and_evaluate_see_at_most_n_batches(cap, capsys):
    cap("2")
    model, loader = nn.Linear(3, 1), _regression()  # 7 batches of 10, 10, ..., 4
    history = fit(
        model,
        loader,
        nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        3,
        val_loader=loader,
        metrics={"n": lambda o, t: float(len(t))},
        progress=False,
    )
    assert history.epochs == 1 and history.capped and history["val_n"] == [20.0]
    x, y = loader.dataset.tensors
    with torch.no_grad():
        first_two = nn.functional.mse_loss(model(x[:20]), y[:20]).item()
    assert evaluate(model, loader, nn.MSELoss())["loss"] == pytest.approx(first_two, rel=1e-5)
    assert capsys.readouterr().out.count("CAPPED:") == 1  # once per process, not once per call


def test_the_cap_counts_batches_with_gradient_accumulation_and_checkpoints_the_cut_epoch(cap, tmp_path):
    cap("5")
    model = nn.Linear(3, 1)
    optimizer, steps = _counting_sgd(model)
    history = fit(
        model,
        DataLoader(_regression(64).dataset, batch_size=8),
        nn.MSELoss(),
        optimizer,
        4,
        accumulate=2,
        checkpoint=tmp_path / "run.pt",
        progress=False,
    )
    assert len(steps) == 3  # updates after batches 2, 4 and the flushed 5th: at most N updates
    assert history.epochs == 1 and history.capped
    saved = torch.load(tmp_path / "run.pt", weights_only=True)
    assert saved["epoch"] == 1 and torch.equal(saved["model"]["weight"], model.weight.detach())


def test_without_the_cap_fit_runs_every_batch_and_prints_nothing(cap, capsys):
    model, loader = nn.Linear(3, 1), _regression()
    optimizer, steps = _counting_sgd(model)
    history = fit(model, loader, nn.MSELoss(), optimizer, 2, progress=False)
    assert len(steps) == 14 and not history.capped
    assert "CAPPED" not in capsys.readouterr().out


def test_a_cap_larger_than_the_run_changes_nothing(cap):
    cap("1000")
    model, loader = nn.Linear(3, 1), _regression()
    optimizer, steps = _counting_sgd(model)
    history = fit(model, loader, nn.MSELoss(), optimizer, 2, progress=False)
    assert len(steps) == 14 and history.epochs == 2 and not history.capped


def test_capped_yields_at_most_n_items_per_pass_and_announces_once(cap, capsys):
    assert capped(range(5)) == range(5)  # no cap: the iterable itself
    assert capsys.readouterr().out == ""
    cap("3")
    loader = DataLoader(_regression().dataset, batch_size=10)
    limited = capped(loader)
    assert len(limited) == 3 and len(list(limited)) == 3 and len(list(limited)) == 3  # every pass
    assert list(capped(iter(range(10)))) == [0, 1, 2]
    assert list(capped([1])) == [1]
    assert capsys.readouterr().out.strip() == CAPPED_LINE.format(n=3)
    with pytest.raises(TypeError, match="iterable"):
        capped(5)


def test_check_learned_passes_an_improvement_and_fails_a_regression(cap, capsys):
    check_learned(0.12, 0.84, "test accuracy")
    assert capsys.readouterr().out.strip() == "LEARNED: test accuracy 0.120 → 0.840 (higher is better)"
    check_learned(torch.tensor(2.3), 0.41, "val loss", higher_is_better=False)
    assert capsys.readouterr().out.strip() == "LEARNED: val loss 2.300 → 0.410 (lower is better)"
    with pytest.raises(AssertionError, match=r"did not learn: test accuracy 0\.840 → 0\.120, but higher"):
        check_learned(0.84, 0.12, "test accuracy")
    with pytest.raises(AssertionError, match="lower is better"):
        check_learned(0.5, 0.5, "val loss", higher_is_better=False)
    with pytest.raises(AssertionError, match="nan"):
        check_learned(0.5, float("nan"), "accuracy")
    with pytest.raises(
        AssertionError, match=r"0\.120001 → 0\.12"
    ):  # digits enough to show the numbers differ
        check_learned(0.120001, 0.12, "accuracy")
    with pytest.raises(TypeError, match="after must be a number"):
        check_learned(0.1, "0.9", "accuracy")
    with pytest.raises(ValueError, match="what must say"):
        check_learned(0.1, 0.9, "")


def test_check_learned_is_skipped_under_the_cap(cap, capsys):
    cap("2")
    check_learned(0.12, 0.13, "test accuracy")
    check_learned(0.84, 0.12, "test accuracy")  # a regression passes too: a capped run cannot learn
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [
        CAPPED_LINE.format(n=2),
        "CAPPED: test accuracy 0.120 → 0.130: not checked (COURSE_STEP_CAP is set)",
        "CAPPED: test accuracy 0.840 → 0.120: not checked (COURSE_STEP_CAP is set)",
    ]


# --- the loop learners read is the loop they wrote (notebook 05) ----------------------------------


def test_fits_loop_marks_exactly_the_five_lines_of_notebook_05_in_order():
    from utils.train import _train_one_epoch, mark_five_lines

    printed = mark_five_lines(_train_one_epoch).splitlines()
    marked = [line.split("◀")[0].split("#")[0].strip() for line in printed if "◀" in line]
    assert marked == [
        "optimizer.zero_grad()",
        "outputs = model(inputs)",
        "loss = loss_fn(outputs, targets)",
        "speed.scale(loss).backward()",
        "optimizer.step()",
    ]
    assert [line.rsplit("◀ ", 1)[1] for line in printed if "◀" in line] == [
        "zero_grad", "forward", "loss", "backward", "step",
    ]  # fmt: skip
    # Read independently of the marker: each of the five is written once in the loop, nowhere hidden.
    for text in ("zero_grad(", "model(", "loss_fn(", ".backward(", ".step("):
        assert sum(text in line.split("#")[0] for line in printed) == 1, text
    assert printed[0].startswith("def _train_one_epoch(")


def test_mark_five_lines_reads_a_hand_written_loop_and_rejects_a_hidden_step():
    from utils.train import mark_five_lines

    def train(model, loader, loss_fn, optimizer):
        for images, labels in loader:
            outputs = model(images)
            loss = loss_fn(outputs, labels)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

    marks = [line.rsplit("◀ ", 1)[1] for line in mark_five_lines(train).splitlines() if "◀" in line]
    assert marks == ["forward", "loss", "backward", "step", "zero_grad"]

    def hidden(model, loader, loss_fn, optimizer, speed):
        for images, labels in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            speed.update(optimizer)  # optimizer.step() inside: not visible

    with pytest.raises(ValueError, match=r"'step': \[\]"):
        mark_five_lines(hidden)


def test_notebook_05_prints_fits_real_loop_with_the_marks():
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "notebooks" / "05_backpropagation_and_training_loop.ipynb"
    cells = json.loads(path.read_text())["cells"]
    code = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    assert any("print(mark_five_lines(_train_one_epoch))" in source for source in code)
