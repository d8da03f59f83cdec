"""Verification metrics (face verification, speaker verification, any 1:1 "same or not?" decision).

A verifier gives every pair a similarity `score`; a pair is *accepted* as "same identity" when its
score is at or above a threshold (scikit-learn's convention). `labels` say which pairs really are the
same identity (1, *genuine* pairs) and which are not (0, *impostor* pairs).

- FAR (false accept rate) = accepted impostors / impostors   (= the ROC's false positive rate)
- FRR (false reject rate) = rejected genuines / genuines     (= 1 - the ROC's true positive rate)
- ROC: (FAR, 1 - FRR) for every threshold; AUC: the area under it.
- EER (equal error rate): the rate where FAR = FRR, interpolated linearly between ROC points.

Edge cases, by design: `roc_curve` and `eer` need both kinds of pairs and raise a ValueError on
all-genuine or all-impostor labels (scikit-learn warns and returns NaN instead). `far_frr` is defined
on one kind alone: the rate whose pairs are missing is returned as NaN (no impostors: FAR is NaN).

Example:
    >>> scores = torch.tensor([0.9, 0.8, 0.4, 0.3]); labels = torch.tensor([1, 0, 1, 0])
    >>> far_frr(scores, labels, threshold=0.5)
    (0.5, 0.5)
    >>> eer(scores, labels)
    0.5
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def _as_1d(values: object, name: str) -> Tensor:
    tensor = values if isinstance(values, Tensor) else torch.as_tensor(values)
    if tensor.dim() != 1:
        raise ValueError(f"{name} must be a 1-D tensor (one value per pair), got shape {tuple(tensor.shape)}")
    if tensor.numel() == 0:
        raise ValueError(f"{name} is empty: there are no pairs to score")
    return tensor.detach().cpu()


def _check(scores: object, labels: object) -> tuple[Tensor, Tensor]:
    """(scores as float64, labels as bool), both 1-D, same length, finite scores, 0/1 labels."""
    scores, labels = _as_1d(scores, "scores"), _as_1d(labels, "labels")
    if scores.shape != labels.shape:
        raise ValueError(
            f"scores and labels must have the same length, got {scores.numel()} and {labels.numel()}"
        )
    if scores.dtype == torch.bool or scores.is_complex():
        raise ValueError(f"scores must be real numbers (similarities), got dtype {scores.dtype}")
    scores = scores.double()
    if not torch.isfinite(scores).all():
        raise ValueError("scores must be finite: found NaN or inf")
    if labels.is_floating_point() or labels.is_complex():
        if not ((labels == 0) | (labels == 1)).all():
            raise ValueError("labels must be 0 (impostor pair) or 1 (genuine pair)")
    elif labels.dtype != torch.bool and not ((labels == 0) | (labels == 1)).all():
        raise ValueError(
            f"labels must be 0 (impostor pair) or 1 (genuine pair), got values {labels.unique().tolist()[:5]}"
        )
    return scores, labels.bool()


def _both_kinds(labels: Tensor, what: str) -> None:
    genuine = int(labels.sum())
    if genuine == 0 or genuine == labels.numel():
        kind = "impostor" if genuine == 0 else "genuine"
        raise ValueError(
            f"{what} needs both genuine (label 1) and impostor (label 0) pairs, but all "
            f"{labels.numel()} pairs are {kind}: FAR or FRR would divide by zero"
        )


def far_frr(scores: Tensor, labels: Tensor, threshold: float) -> tuple[float, float]:
    """False accept rate and false reject rate at one threshold (accept when score >= threshold).

    Args:
        scores: (N,) similarity of each pair, higher = more alike.
        labels: (N,) 1 for a genuine pair (same identity), 0 for an impostor pair (bool works too).
        threshold: a pair is accepted as "same" when its score is >= threshold.

    Returns:
        `(far, frr)` as Python floats: accepted impostors / impostors, rejected genuines / genuines.
        A rate whose pairs are absent (no impostors, or no genuine pairs) is NaN.

    Example:
        >>> far_frr(torch.tensor([0.9, 0.2, 0.6]), torch.tensor([1, 1, 0]), 0.5)
        (1.0, 0.5)
    """
    scores, labels = _check(scores, labels)
    try:
        value = float(threshold)
    except (TypeError, ValueError, RuntimeError):
        value = math.nan
    if isinstance(threshold, bool) or math.isnan(value):
        raise ValueError(f"threshold must be a number (a score), got {threshold!r}")
    accepted = scores >= value
    impostors, genuines = ~labels, labels
    far = (accepted & impostors).sum().item() / impostors.sum().item() if impostors.any() else math.nan
    frr = (~accepted & genuines).sum().item() / genuines.sum().item() if genuines.any() else math.nan
    return far, frr


def roc_curve(scores: Tensor, labels: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The ROC curve: false and true positive rates at every distinct score used as the threshold.

    Thresholds go from high to low; the first one is +inf (nothing accepted: the point (0, 0)), then
    each distinct score, so the last point accepts every pair: (1, 1). Same points as scikit-learn's
    `roc_curve(labels, scores, drop_intermediate=False)`.

    Args:
        scores: (N,) similarity of each pair.
        labels: (N,) 1 genuine, 0 impostor; both kinds must be present.

    Returns:
        `(fpr, tpr, thresholds)`, float64 tensors of the same length: fpr = FAR, tpr = 1 - FRR.

    Example:
        >>> fpr, tpr, thresholds = roc_curve(torch.tensor([0.9, 0.4, 0.6]), torch.tensor([1, 0, 0]))
        >>> fpr.tolist(), tpr.tolist()
        ([0.0, 0.0, 0.5, 1.0], [0.0, 1.0, 1.0, 1.0])
    """
    scores, labels = _check(scores, labels)
    _both_kinds(labels, "roc_curve")
    order = torch.argsort(scores, descending=True, stable=True)
    sorted_scores, sorted_labels = scores[order], labels[order].double()
    # the last index of each run of equal scores: there the threshold moves past all of them at once
    last = torch.cat(
        [(sorted_scores[1:] != sorted_scores[:-1]).nonzero().flatten(), torch.tensor([len(scores) - 1])]
    )
    true_pos = torch.cumsum(sorted_labels, 0)[last]
    false_pos = (last + 1).double() - true_pos
    zero = torch.zeros(1, dtype=torch.float64)
    fpr = torch.cat([zero, false_pos / false_pos[-1]])
    tpr = torch.cat([zero, true_pos / true_pos[-1]])
    thresholds = torch.cat([torch.tensor([math.inf], dtype=torch.float64), sorted_scores[last]])
    return fpr, tpr, thresholds


def auc(fpr: Tensor, tpr: Tensor) -> float:
    """Area under a curve by the trapezoidal rule, e.g. under the ROC curve from `roc_curve`.

    Args:
        fpr: (K,) x coordinates (K >= 2), sorted (increasing or decreasing).
        tpr: (K,) y coordinates.

    Returns:
        The area as a Python float: 1.0 for a perfect verifier, about 0.5 for scores at random.

    Example:
        >>> auc(torch.tensor([0.0, 0.5, 1.0]), torch.tensor([0.0, 1.0, 1.0]))
        0.75
    """
    x, y = _as_1d(fpr, "fpr").double(), _as_1d(tpr, "tpr").double()
    if x.shape != y.shape:
        raise ValueError(f"fpr and tpr must have the same length, got {x.numel()} and {y.numel()}")
    if x.numel() < 2:
        raise ValueError(f"at least 2 points are needed to compute an area, got {x.numel()}")
    if not (torch.isfinite(x).all() and torch.isfinite(y).all()):
        raise ValueError("fpr and tpr must be finite: found NaN or inf")
    dx = x[1:] - x[:-1]
    if (dx < 0).any() and (dx > 0).any():
        raise ValueError("fpr must be sorted (increasing or decreasing), as roc_curve returns it")
    area = torch.sum(dx * (y[1:] + y[:-1]) / 2).item()
    return abs(area)


def eer(scores: Tensor, labels: Tensor) -> float:
    """Equal error rate: the FAR (= FRR) where the two error rates cross.

    Walks the ROC points from strict to lenient thresholds (FAR rises, FRR falls) and interpolates
    linearly between the last point with FAR < FRR and the first with FAR >= FRR.

    Args:
        scores: (N,) similarity of each pair.
        labels: (N,) 1 genuine, 0 impostor; both kinds must be present.

    Returns:
        The EER as a Python float in [0, 1]: 0 when some threshold separates the two kinds perfectly,
        about 0.5 for random scores, 1 when every impostor scores above every genuine pair.

    Example:
        >>> eer(torch.tensor([0.9, 0.8, 0.2, 0.1]), torch.tensor([1, 1, 0, 0]))
        0.0
    """
    fpr, tpr, _ = roc_curve(scores, labels)
    far, frr = fpr, 1 - tpr
    gap = far - frr  # starts at -1 (nothing accepted), ends at +1 (everything accepted)
    i = int((gap >= 0).nonzero()[0])
    t = -gap[i - 1] / (gap[i] - gap[i - 1])  # where the straight line between the two points crosses 0
    return (far[i - 1] + t * (far[i] - far[i - 1])).item()


__all__ = ["auc", "eer", "far_frr", "roc_curve"]  # what `utils.metrics` exports from this module
