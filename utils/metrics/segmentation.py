"""Semantic segmentation metrics: pixel accuracy, IoU per class, mean IoU and Dice.

Every function scores a whole dataset at once: pass the predicted and true class maps of all images
(e.g. (N, H, W)), and the counts are added up over every pixel before dividing ("dataset-accumulated").
That is how PASCAL VOC, Cityscapes and torchmetrics report mIoU, and it is not the same as the mean
of per-image scores: a class that covers three pixels of one image does not weigh as much as a whole
image.

Conventions (the same as torchmetrics' `MulticlassJaccardIndex(average="macro")` and scikit-learn's
`jaccard_score(average="macro")`, which only averages over the labels that occur):

- A class absent from both the prediction and the target has no IoU (0 / 0): `iou_per_class` gives
  it NaN, and `mean_iou` leaves it out of the mean. The same holds for Dice.
- `ignore_index`: pixels whose *target* is this value are left out of every count (e.g. 255 for the
  "border" pixels of Oxford-IIIT Pet, whose class is uncertain). If it is a class id (0 <= value <
  num_classes), that class also gets NaN and leaves the mean.

Example:
    >>> pred = torch.tensor([[0, 1], [1, 1]])
    >>> target = torch.tensor([[0, 1], [0, 1]])
    >>> iou_per_class(pred, target, num_classes=3).tolist()  # class 2 occurs nowhere: NaN
    [0.5, 0.6666666666666666, nan]
    >>> round(mean_iou(pred, target, num_classes=3), 4)
    0.5833
"""

from __future__ import annotations

import numbers

import torch
from torch import Tensor


def _class_maps(
    pred: Tensor, target: Tensor, num_classes: int | None, ignore_index: int | None
) -> tuple[Tensor, Tensor]:
    """Checked, flattened (pred, target) class ids with the ignored pixels removed."""
    if not isinstance(pred, Tensor) or not isinstance(target, Tensor):
        raise ValueError(
            f"pred and target must be tensors of class ids, got {type(pred).__name__} and {type(target).__name__}"
        )
    if num_classes is not None and (
        isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < 1
    ):
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    if ignore_index is not None and (
        isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral)
    ):
        raise ValueError(f"ignore_index must be an int (e.g. 255) or None, got {ignore_index!r}")
    if pred.is_floating_point() and pred.dim() == target.dim() + 1:
        pred = pred.argmax(dim=1)  # class scores (N, C, H, W) → predicted class map (N, H, W)
    for name, values in (("pred", pred), ("target", target)):
        if values.is_floating_point() or values.is_complex() or values.dtype == torch.bool:
            raise ValueError(
                f"{name} must hold integer class ids, got dtype {values.dtype} "
                "(for scores of shape (N, C, H, W), pass them with a target of shape (N, H, W))"
            )
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got {tuple(pred.shape)} and {tuple(target.shape)}"
        )
    pred, target = pred.reshape(-1).long(), target.reshape(-1).to(pred.device).long()
    if ignore_index is not None:
        keep = target != ignore_index
        pred, target = pred[keep], target[keep]
    if target.numel() == 0:
        raise ValueError("no pixels left to score (the input is empty, or every target is ignore_index)")
    for name, values in (("pred", pred), ("target", target)):
        low, high = int(values.min()), int(values.max())
        if low < 0 or (num_classes is not None and high >= num_classes):
            allowed = "0 or more" if num_classes is None else f"0..{num_classes - 1}"
            extra = " (other than ignore_index)" if name == "target" and ignore_index is not None else ""
            raise ValueError(f"{name}{extra} holds class ids from {low} to {high}, expected {allowed}")
    return pred, target


def _counts(
    pred: Tensor, target: Tensor, num_classes: int, ignore_index: int | None
) -> tuple[Tensor, Tensor, Tensor]:
    """(true positives, false positives, false negatives) of every class, as float64 (C,) tensors."""
    pred, target = _class_maps(pred, target, num_classes, ignore_index)
    cm = torch.bincount(target * num_classes + pred, minlength=num_classes**2).reshape(num_classes, -1)
    cm = cm.double()  # rows = true class, columns = predicted class
    tp = cm.diagonal()
    return tp, cm.sum(dim=0) - tp, cm.sum(dim=1) - tp


def _absent_to_nan(score: Tensor, denominator: Tensor, num_classes: int, ignore_index: int | None) -> Tensor:
    score = torch.where(denominator > 0, score, torch.nan)
    if ignore_index is not None and 0 <= ignore_index < num_classes:
        score[ignore_index] = torch.nan
    return score


def pixel_accuracy(pred: Tensor, target: Tensor, ignore_index: int | None = None) -> float:
    """Fraction of pixels whose predicted class equals the target class.

    Args:
        pred: integer class map of any shape, e.g. (N, H, W); or class scores (N, C, H, W).
        target: integer class map, the shape of `pred` (without its class axis).
        ignore_index: target value whose pixels are left out (e.g. 255 for borders).

    Example:
        >>> pixel_accuracy(torch.tensor([[0, 1]]), torch.tensor([[0, 0]]))
        0.5
    """
    pred, target = _class_maps(pred, target, None, ignore_index)
    return (pred == target).double().mean().item()


def iou_per_class(pred: Tensor, target: Tensor, num_classes: int, ignore_index: int | None = None) -> Tensor:
    """Intersection over union of every class, over all the pixels given: TP / (TP + FP + FN).

    Args:
        pred: integer class map (e.g. (N, H, W)) with ids in 0..num_classes-1, or scores (N, C, H, W).
        target: integer class map, the shape of `pred` (without its class axis).
        num_classes: C, the number of classes.
        ignore_index: target value whose pixels are left out (see the module docstring).

    Returns:
        A float64 tensor (C,): NaN for a class absent from both pred and target (and for
        ignore_index when it is a class id).

    Example:
        >>> iou_per_class(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 1, 1]), 2).tolist()
        [0.5, 0.6666666666666666]
    """
    tp, fp, fn = _counts(pred, target, num_classes, ignore_index)
    union = tp + fp + fn
    return _absent_to_nan(tp / union.clamp(min=1), union, num_classes, ignore_index)


def mean_iou(pred: Tensor, target: Tensor, num_classes: int, ignore_index: int | None = None) -> float:
    """mIoU: the mean of `iou_per_class` over the classes that have one (NaN classes are left out).

    Example:
        >>> mean_iou(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 1, 1]), num_classes=3)
        0.5833333333333333
    """
    iou = iou_per_class(pred, target, num_classes, ignore_index)
    return iou.nanmean().item()


def dice(
    pred: Tensor,
    target: Tensor,
    num_classes: int,
    ignore_index: int | None = None,
    average: str | None = "macro",
) -> float | Tensor:
    """Dice coefficient (= F1 score of each class's pixels): 2 TP / (2 TP + FP + FN).

    Dice and IoU rank predictions the same way for one class: Dice = 2 IoU / (1 + IoU).

    Args:
        pred, target, num_classes, ignore_index: as in `iou_per_class`.
        average: "macro" for the mean over the classes that have a Dice (a float, NaN classes left
            out), or None for the per-class float64 tensor (C,) with NaN for absent classes.

    Example:
        >>> dice(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 1, 1]), 2, average=None).tolist()
        [0.6666666666666666, 0.8]
    """
    if average not in ("macro", None):
        raise ValueError(f'average must be "macro" (one number) or None (one per class), got {average!r}')
    tp, fp, fn = _counts(pred, target, num_classes, ignore_index)
    total = 2 * tp + fp + fn
    per_class = _absent_to_nan(2 * tp / total.clamp(min=1), total, num_classes, ignore_index)
    return per_class if average is None else per_class.nanmean().item()


__all__ = [
    "dice",
    "iou_per_class",
    "mean_iou",
    "pixel_accuracy",
]  # what `utils.metrics` exports from this module
