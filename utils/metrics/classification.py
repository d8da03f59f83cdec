"""Classification metrics: how often the predicted class is the true one."""

from __future__ import annotations

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
