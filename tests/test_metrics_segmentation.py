"""Tests for utils.metrics.segmentation, cross-checked against torchmetrics and scikit-learn.

References: torchmetrics `MulticlassJaccardIndex` (average="macro" leaves out classes absent from both
pred and target; average="none" gives them 0, where we give NaN), scikit-learn `jaccard_score` and
`f1_score` (Dice = F1 of the pixels) with `labels` = the classes that occur.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, f1_score, jaccard_score
from torchmetrics.classification import MulticlassF1Score, MulticlassJaccardIndex

from utils.metrics import dice, iou_per_class, mean_iou, pixel_accuracy

_rng = torch.Generator().manual_seed(12)


def random_case(num_classes: int, shape=(3, 17, 19), skew: bool = False):
    if skew:  # most pixels background, like a real segmentation set
        probs = torch.tensor([0.85] + [0.15 / (num_classes - 1)] * (num_classes - 1))
        target = torch.multinomial(probs, math.prod(shape), replacement=True, generator=_rng).reshape(shape)
    else:
        target = torch.randint(0, num_classes, shape, generator=_rng)
    pred = target.clone()
    flip = torch.rand(shape, generator=_rng) < 0.4
    pred[flip] = torch.randint(0, num_classes, shape, generator=_rng)[flip]
    return pred, target


def present(pred, target, num_classes, ignore_index=None):
    keep = target != ignore_index if ignore_index is not None else torch.ones_like(target, dtype=torch.bool)
    labels = torch.unique(torch.cat([pred[keep], target[keep]])).tolist()
    return [c for c in labels if c != ignore_index and c < num_classes]


def sk(pred, target, ignore_index=None):
    p, t = pred.flatten().numpy(), target.flatten().numpy()
    if ignore_index is not None:
        keep = t != ignore_index
        p, t = p[keep], t[keep]
    return p, t


CASES = [
    pytest.param(*random_case(2), 2, id="binary"),
    pytest.param(*random_case(4), 4, id="four-classes"),
    pytest.param(*random_case(6, skew=True), 6, id="skewed"),
    pytest.param(*random_case(21, shape=(2, 40, 40)), 21, id="voc-sized"),
]


@pytest.mark.parametrize(("pred", "target", "num_classes"), CASES)
def test_matches_torchmetrics_and_sklearn_on_random_maps(pred, target, num_classes):
    labels = present(pred, target, num_classes)
    ours = iou_per_class(pred, target, num_classes)
    theirs = MulticlassJaccardIndex(num_classes, average="none")(pred, target).double()
    assert torch.allclose(ours[labels], theirs[labels], atol=1e-6)
    p, t = sk(pred, target)
    assert np.allclose(ours[labels].numpy(), jaccard_score(t, p, labels=labels, average=None), atol=1e-6)
    assert mean_iou(pred, target, num_classes) == pytest.approx(
        MulticlassJaccardIndex(num_classes, average="macro")(pred, target).item(), abs=1e-6
    )
    assert mean_iou(pred, target, num_classes) == pytest.approx(
        jaccard_score(t, p, average="macro"), abs=1e-6
    )
    assert dice(pred, target, num_classes) == pytest.approx(f1_score(t, p, average="macro"), abs=1e-6)
    assert np.allclose(
        dice(pred, target, num_classes, average=None)[labels].numpy(),
        f1_score(t, p, labels=labels, average=None),
        atol=1e-6,
    )
    assert pixel_accuracy(pred, target) == pytest.approx(accuracy_score(t, p), abs=1e-12)


def test_a_class_absent_from_both_is_nan_and_left_out_of_the_mean():
    pred = torch.tensor([[0, 0, 1], [1, 3, 3]])
    target = torch.tensor([[0, 1, 1], [1, 3, 0]])  # class 2 occurs nowhere
    iou = iou_per_class(pred, target, 4)
    assert math.isnan(iou[2]) and not iou[[0, 1, 3]].isnan().any()
    assert iou[[0, 1, 3]].tolist() == pytest.approx([1 / 3, 2 / 3, 1 / 2])
    assert mean_iou(pred, target, 4) == pytest.approx((1 / 3 + 2 / 3 + 1 / 2) / 3)
    # torchmetrics' macro average leaves it out too; sklearn's macro over the labels that occur
    assert mean_iou(pred, target, 4) == pytest.approx(
        MulticlassJaccardIndex(4)(pred, target).item(), abs=1e-6
    )
    p, t = sk(pred, target)
    assert mean_iou(pred, target, 4) == pytest.approx(jaccard_score(t, p, average="macro"), abs=1e-6)
    assert math.isnan(dice(pred, target, 4, average=None)[2])


def test_a_class_only_in_the_prediction_scores_zero_not_nan():
    pred, target = torch.tensor([0, 2, 0, 1]), torch.tensor([0, 0, 0, 1])  # class 2: one false positive
    assert iou_per_class(pred, target, 3).tolist() == pytest.approx([2 / 3, 1.0, 0.0])
    assert dice(pred, target, 3, average=None)[2].item() == 0.0
    assert mean_iou(pred, target, 3) == pytest.approx(
        MulticlassJaccardIndex(3)(pred, target).item(), abs=1e-6
    )


def test_perfect_prediction_and_all_wrong():
    target = torch.randint(0, 5, (2, 9, 9), generator=_rng)
    assert mean_iou(target, target, 5) == 1.0 and dice(target, target, 5) == 1.0
    assert pixel_accuracy(target, target) == 1.0
    wrong = (target + 1) % 5
    assert mean_iou(wrong, target, 5) == 0.0 and dice(wrong, target, 5) == 0.0
    assert pixel_accuracy(wrong, target) == 0.0


def test_all_background_prediction_has_high_accuracy_and_low_miou():
    target = torch.zeros(1, 10, 10, dtype=torch.int64)
    target[0, :2, :2] = 1  # 4 % of the pixels are the object
    pred = torch.zeros_like(target)
    assert pixel_accuracy(pred, target) == pytest.approx(0.96)
    assert mean_iou(pred, target, 2) == pytest.approx((0.96 + 0.0) / 2)


@pytest.mark.parametrize("ignore_index", [255, 0, 2])
def test_ignore_index_matches_torchmetrics(ignore_index):
    pred, target = random_case(4, shape=(2, 12, 12))
    target[:, :3] = ignore_index  # a band of ignored pixels
    labels = present(pred, target, 4, ignore_index)
    ours = iou_per_class(pred, target, 4, ignore_index=ignore_index)
    metric = MulticlassJaccardIndex(4, average="none", ignore_index=ignore_index)
    theirs = metric(pred, target).double()
    assert torch.allclose(ours[labels], theirs[labels], atol=1e-6)
    macro = MulticlassJaccardIndex(4, ignore_index=ignore_index)(pred, target).item()
    assert mean_iou(pred, target, 4, ignore_index=ignore_index) == pytest.approx(macro, abs=1e-6)
    if 0 <= ignore_index < 4:
        assert math.isnan(ours[ignore_index])
    p, t = sk(pred, target, ignore_index)
    assert pixel_accuracy(pred, target, ignore_index=ignore_index) == pytest.approx(accuracy_score(t, p))
    f1 = MulticlassF1Score(4, average="none", ignore_index=ignore_index)(pred, target).double()
    assert torch.allclose(dice(pred, target, 4, ignore_index, average=None)[labels], f1[labels], atol=1e-6)


def test_dataset_accumulated_is_not_the_mean_over_images():
    """One big image scored perfectly, one tiny object missed in another: per-image means differ."""
    target = torch.zeros(2, 8, 8, dtype=torch.int64)
    target[0, :4] = 1  # image 0: half object
    target[1, 0, 0] = 1  # image 1: one object pixel
    pred = target.clone()
    pred[1, 0, 0] = 0  # missed
    accumulated = iou_per_class(pred, target, 2)[1].item()
    per_image = [iou_per_class(pred[i], target[i], 2)[1].item() for i in range(2)]
    assert accumulated == pytest.approx(32 / 33)
    assert sum(per_image) / 2 == pytest.approx(0.5)


def test_scores_of_shape_n_c_h_w_are_turned_into_class_maps():
    scores = torch.randn(2, 3, 5, 5, generator=_rng)
    target = torch.randint(0, 3, (2, 5, 5), generator=_rng)
    assert mean_iou(scores, target, 3) == mean_iou(scores.argmax(1), target, 3)
    assert pixel_accuracy(scores, target) == pixel_accuracy(scores.argmax(1), target)


def test_dice_is_two_iou_over_one_plus_iou_per_class():
    pred, target = random_case(5)
    iou = iou_per_class(pred, target, 5)
    assert torch.allclose(dice(pred, target, 5, average=None), 2 * iou / (1 + iou), atol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pixel_accuracy([0, 1], torch.tensor([0, 1])), "must be tensors"),
        (
            lambda: pixel_accuracy(torch.zeros(2, 3, dtype=torch.int64), torch.zeros(3, 2).long()),
            "same shape",
        ),
        (lambda: mean_iou(torch.rand(4, 4), torch.zeros(4, 4).long(), 2), "integer class ids"),
        (lambda: mean_iou(torch.zeros(4).bool(), torch.zeros(4).long(), 2), "integer class ids"),
        (lambda: mean_iou(torch.tensor([0, 3]), torch.tensor([0, 1]), 3), r"pred holds class ids .* 0\.\.2"),
        (lambda: mean_iou(torch.tensor([0, 1]), torch.tensor([-1, 1]), 3), "target holds class ids"),
        (lambda: mean_iou(torch.tensor([0, 1]), torch.tensor([0, 1]), 0), "num_classes must be a positive"),
        (lambda: mean_iou(torch.tensor([0, 1]), torch.tensor([0, 1]), 2.0), "num_classes must be a positive"),
        (lambda: mean_iou(torch.tensor([0, 1]), torch.tensor([0, 1]), 2, ignore_index=1.5), "ignore_index"),
        (
            lambda: iou_per_class(
                torch.tensor([], dtype=torch.int64), torch.tensor([], dtype=torch.int64), 2
            ),
            "no pixels",
        ),
        (
            lambda: pixel_accuracy(torch.tensor([0, 1]), torch.tensor([255, 255]), ignore_index=255),
            "no pixels",
        ),
        (lambda: dice(torch.tensor([0, 1]), torch.tensor([0, 1]), 2, average="micro"), "average must be"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_targets_on_another_device_dtype_mix():
    pred = torch.tensor([0, 1, 1], dtype=torch.int32)
    target = torch.tensor([0, 1, 0], dtype=torch.uint8)
    assert pixel_accuracy(pred, target) == pytest.approx(2 / 3)
    assert mean_iou(pred, target, 2) == pytest.approx((0.5 + 0.5) / 2)
