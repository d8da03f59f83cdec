"""Classification metrics: accuracy, top-k accuracy, the confusion matrix, precision / recall / F1."""

from __future__ import annotations

import torch
from torch import Tensor


def accuracy(logits_or_preds: Tensor, targets: Tensor) -> float:
    """Fraction of samples whose predicted class equals the target class.

    Args:
        logits_or_preds: class scores of shape (N, C) (the predicted class is the arg-max), or
            predicted class ids of shape (N,).
        targets: true class ids, integers of shape (N,).

    Example:
        >>> accuracy(torch.tensor([[2.0, 0.1], [0.3, 0.9], [1.0, 0.0]]), torch.tensor([0, 1, 1]))
        0.6666666666666666
    """
    if not isinstance(logits_or_preds, Tensor) or not isinstance(targets, Tensor):
        raise ValueError(
            f"accuracy expects two tensors, got {type(logits_or_preds).__name__} and {type(targets).__name__}"
        )
    if targets.dim() != 1 or targets.is_floating_point():
        raise ValueError(
            f"targets must be integer class ids of shape (N,), got {targets.dtype} of shape {tuple(targets.shape)}"
        )
    if logits_or_preds.dim() == 2:
        preds = logits_or_preds.argmax(dim=1)
    elif logits_or_preds.dim() == 1 and not logits_or_preds.is_floating_point():
        preds = logits_or_preds
    else:
        raise ValueError(
            "expected class scores (N, C) or integer class ids (N,), got "
            f"{logits_or_preds.dtype} of shape {tuple(logits_or_preds.shape)}"
        )
    if preds.shape[0] != targets.shape[0]:
        raise ValueError(f"{preds.shape[0]} predictions for {targets.shape[0]} targets: they must match")
    if targets.numel() == 0:
        raise ValueError("no samples to score: the inputs are empty")
    return (preds == targets.to(preds.device)).double().mean().item()


def _class_ids(values: Tensor, name: str, num_classes: int | None = None) -> Tensor:
    """`values` checked to be a 1-D integer tensor of class ids (in [0, num_classes) when given)."""
    if not isinstance(values, Tensor):
        raise ValueError(f"{name} must be a tensor of class ids, got {type(values).__name__}")
    if values.dim() != 1 or values.is_floating_point() or values.dtype == torch.bool:
        raise ValueError(
            f"{name} must be integer class ids of shape (N,), got {values.dtype} of shape {tuple(values.shape)}"
        )
    if values.numel() and values.min() < 0:
        raise ValueError(f"{name} must be class ids >= 0, found {int(values.min())}")
    if num_classes is not None and values.numel() and values.max() >= num_classes:
        raise ValueError(
            f"{name} holds class {int(values.max())}, but num_classes is {num_classes} (ids 0..{num_classes - 1})"
        )
    return values


def _check_pair(preds: Tensor, targets: Tensor, num_classes: int) -> tuple[Tensor, Tensor]:
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    if isinstance(preds, Tensor) and preds.dim() == 2:
        preds = preds.argmax(dim=1)  # class scores → predicted class
    preds, targets = _class_ids(preds, "preds", num_classes), _class_ids(targets, "targets", num_classes)
    if preds.shape != targets.shape:
        raise ValueError(f"{preds.shape[0]} predictions for {targets.shape[0]} targets: they must match")
    if targets.numel() == 0:
        raise ValueError("no samples to score: the inputs are empty")
    return preds, targets.to(preds.device)


def topk_accuracy(logits: Tensor, targets: Tensor, k: int) -> float:
    """Fraction of samples whose true class is among the `k` highest-scoring classes.

    Ties are broken as scikit-learn's `top_k_accuracy_score` breaks them: among equal scores, the
    class with the higher index ranks first.

    Args:
        logits: class scores, shape (N, C).
        targets: true class ids, shape (N,).
        k: how many top classes count as a hit, 1 ≤ k ≤ C (k = 1 is plain accuracy).

    Example:
        >>> topk_accuracy(torch.tensor([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]]), torch.tensor([1, 0]), k=2)
        0.5
    """
    if not isinstance(logits, Tensor) or logits.dim() != 2 or not logits.is_floating_point():
        raise ValueError(
            f"logits must be float class scores of shape (N, C), got {getattr(logits, 'shape', logits)}"
        )
    targets = _class_ids(targets, "targets", logits.shape[1])
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= logits.shape[1]:
        raise ValueError(f"k must be an int from 1 to the number of classes ({logits.shape[1]}), got {k!r}")
    if logits.shape[0] != targets.shape[0]:
        raise ValueError(f"{logits.shape[0]} rows of scores for {targets.shape[0]} targets: they must match")
    if targets.numel() == 0:
        raise ValueError("no samples to score: the inputs are empty")
    targets = targets.to(logits.device)
    true_score = logits.gather(1, targets[:, None])
    later = torch.arange(logits.shape[1], device=logits.device)[None, :] > targets[:, None]
    ahead = (logits > true_score) | ((logits == true_score) & later)  # classes ranked above the true one
    return (ahead.sum(dim=1) < k).double().mean().item()


def confusion_matrix(preds: Tensor, targets: Tensor, num_classes: int) -> Tensor:
    """Counts of (true class, predicted class) pairs: row = true class, column = predicted class.

    Args:
        preds: predicted class ids (N,), or class scores (N, C) (their arg-max is taken).
        targets: true class ids (N,).
        num_classes: C, the size of the matrix.

    Returns:
        A (C, C) int64 tensor; `cm[i, j]` samples of class i were predicted as j, so the diagonal
        holds the correct ones and each row sums to the number of samples of that class.

    Example:
        >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), num_classes=2)
        tensor([[1, 1],
                [0, 1]])
    """
    preds, targets = _check_pair(preds, targets, num_classes)
    flat = targets.long() * num_classes + preds.long()
    return torch.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes).cpu()


def precision_recall_f1(
    preds: Tensor, targets: Tensor, num_classes: int, average: str | None = "macro"
) -> tuple[float, float, float] | tuple[Tensor, Tensor, Tensor]:
    """Precision, recall and F1 from the confusion matrix, with scikit-learn's `zero_division=0`.

    Per class c: precision = TP / (TP + FP) (of the samples predicted c, how many are c), recall =
    TP / (TP + FN) (of the samples of class c, how many were found), F1 = their harmonic mean. A
    ratio with nothing to divide by (a class never predicted, or absent from the targets) is 0.

    Args:
        preds: predicted class ids (N,), or class scores (N, C).
        targets: true class ids (N,).
        num_classes: C.
        average: "macro" (mean over the C classes, each counts the same), "micro" (from the total
            TP, FP, FN: equals accuracy for single-label data), or None (per class).

    Returns:
        `(precision, recall, f1)` as floats, or as (C,) tensors when `average` is None.

    Example:
        >>> precision_recall_f1(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), 2, average=None)
        (tensor([1.0000, 0.5000]), tensor([0.5000, 1.0000]), tensor([0.6667, 0.6667]))
    """
    if average not in ("macro", "micro", None):
        raise ValueError(f"average must be 'macro', 'micro' or None, got {average!r}")
    cm = confusion_matrix(preds, targets, num_classes).double()
    tp, predicted, actual = cm.diagonal(), cm.sum(dim=0), cm.sum(dim=1)
    if average == "micro":
        tp, predicted, actual = tp.sum(), predicted.sum(), actual.sum()
    precision = torch.where(predicted > 0, tp / predicted.clamp(min=1), 0.0)
    recall = torch.where(actual > 0, tp / actual.clamp(min=1), 0.0)
    total = precision + recall
    f1 = torch.where(total > 0, 2 * precision * recall / total.clamp(min=1e-12), 0.0)
    if average is None:
        return precision.float(), recall.float(), f1.float()
    return precision.mean().item(), recall.mean().item(), f1.mean().item()


__all__ = [
    "accuracy",
    "confusion_matrix",
    "precision_recall_f1",
    "topk_accuracy",
]  # what `utils.metrics` exports from this module
