"""Depth-estimation metrics (Eigen et al., 2014): AbsRel, SqRel, RMSE, RMSE(log), log10, δ < 1.25^k.

`depth_metrics(pred, target)` scores predicted depths against measured ones over the *valid* pixels
only. A pixel is valid when its target depth is finite and positive (a depth camera or a lidar
writes 0 or NaN where it measured nothing) and, if a `valid` mask is given, that mask is True there.
Target depths of zero or below are therefore *left out*, never scored. Predicted depths must be
finite and positive on every valid pixel (the log metrics need it): clamp a prediction first, e.g.
`pred.clamp(min=1e-3)`, otherwise a ValueError says how many pixels are at fault.

All valid pixels of everything passed are pooled: pass one image for per-image numbers, or a whole
batch for dataset numbers in which every pixel counts the same. (The KITTI benchmarks of Monodepth
and its successors average per-image values instead, which weights every image the same.)

Example:
    >>> m = depth_metrics(torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.0, 2.4, 4.0]))
    >>> round(m["abs_rel"], 4), round(m["delta1"], 4)
    (0.0556, 1.0)
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

DEPTH_METRICS = ("abs_rel", "sq_rel", "rmse", "rmse_log", "log10", "delta1", "delta2", "delta3")
DELTA_BASE = 1.25  # δ_k counts pixels with max(pred / target, target / pred) < 1.25**k


def _as_tensor(value: object, name: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise ValueError(f"{name} must be a torch tensor, got {type(value).__name__}")
    return value


def valid_depth_mask(target: Tensor, valid: Tensor | None = None) -> Tensor:
    """The pixels that count: target depth finite and > 0, and `valid` True there (when given).

    Example:
        >>> valid_depth_mask(torch.tensor([2.0, 0.0, float("nan"), -1.0, 3.0])).tolist()
        [True, False, False, False, True]
    """
    target = _as_tensor(target, "target")
    keep = torch.isfinite(target) & (target > 0)
    if valid is not None:
        valid = _as_tensor(valid, "valid")
        if valid.dtype != torch.bool:
            raise ValueError(f"valid must be a bool tensor (True = pixel counts), got dtype {valid.dtype}")
        if valid.shape != target.shape:
            raise ValueError(
                f"valid must have the shape of target {tuple(target.shape)}, got {tuple(valid.shape)}"
            )
        keep = keep & valid.to(keep.device)
    return keep


def median_scale(pred: Tensor, target: Tensor, valid: Tensor | None = None) -> float:
    """The factor median(target) / median(pred) over the valid pixels: what median scaling multiplies
    a prediction by, to remove the unknown global scale of a monocular prediction before scoring it.

    Example:
        >>> median_scale(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 4.0, 6.0]))
        2.0
    """
    pred_valid, target_valid = _valid_pairs(pred, target, valid)
    return (_median(target_valid) / _median(pred_valid)).item()


def _median(values: Tensor) -> Tensor:
    """The median as NumPy defines it: the mean of the two middle values when their count is even
    (`torch.median` returns the lower one)."""
    ordered = values.flatten().sort().values
    n = ordered.numel()
    return (ordered[(n - 1) // 2] + ordered[n // 2]) / 2


def _valid_pairs(pred: Tensor, target: Tensor, valid: Tensor | None) -> tuple[Tensor, Tensor]:
    """(pred, target) at the valid pixels, in float64, after every check on the input."""
    pred, target = _as_tensor(pred, "pred"), _as_tensor(target, "target")
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got {tuple(pred.shape)} and {tuple(target.shape)}"
        )
    for name, value in (("pred", pred), ("target", target)):
        if not value.is_floating_point():
            raise ValueError(f"{name} must hold floating-point depths, got dtype {value.dtype}")
    keep = valid_depth_mask(target, valid)
    if not keep.any():
        raise ValueError(
            "no valid pixel to score: every target depth is zero, negative or not finite, "
            "or the valid mask is all False"
        )
    pred_valid = pred.detach()[keep.to(pred.device)].double().cpu()
    bad = ~(torch.isfinite(pred_valid) & (pred_valid > 0))
    if bad.any():
        raise ValueError(
            f"pred must be finite and positive on every valid pixel, got {int(bad.sum())} of "
            f"{bad.numel()} that are not (clamp it first, e.g. pred.clamp(min=1e-3))"
        )
    return pred_valid, target.detach()[keep].double().cpu()


def depth_metrics(
    pred: Tensor, target: Tensor, valid: Tensor | None = None, *, median_scaling: bool = False
) -> dict[str, float]:
    """The standard depth metrics of a prediction, over the valid pixels (see the module docstring).

    With $p$ the predicted and $t$ the true depth of each of the $n$ valid pixels:

    - `abs_rel` = mean(|p - t| / t), `sq_rel` = mean((p - t)² / t)   (lower is better)
    - `rmse` = sqrt(mean((p - t)²)), in the unit of the depths        (lower is better)
    - `rmse_log` = sqrt(mean((ln p - ln t)²)), `log10` = mean(|log10 p - log10 t|)
    - `delta1/2/3` = fraction of pixels with max(p / t, t / p) < 1.25, 1.25², 1.25³ (higher is better)

    Args:
        pred: predicted depths, any shape, floating point; finite and > 0 on valid pixels.
        target: measured depths, same shape; zero, negative or non-finite values mean "no
            measurement" and are left out.
        valid: optional bool mask of the same shape; False leaves a pixel out too (e.g. the border
            crop used on NYU Depth v2, or a maximum range).
        median_scaling: multiply `pred` by median(target) / median(pred) first (one factor for
            everything passed; see `median_scale`), as done to score predictions that are only
            known up to scale.

    Returns:
        A dict with the keys of `DEPTH_METRICS`, Python floats.

    Raises:
        ValueError: not tensors, different shapes, integer dtypes, a `valid` mask that is not bool or
            has another shape, no valid pixel at all, or a predicted depth that is not finite and
            positive on a valid pixel.

    Example:
        >>> target = torch.tensor([[1.0, 2.0], [4.0, 0.0]])  # 0: no measurement, left out
        >>> m = depth_metrics(2 * target, target, median_scaling=True)
        >>> m["abs_rel"], m["delta1"]
        (0.0, 1.0)
    """
    p, t = _valid_pairs(pred, target, valid)
    if median_scaling:
        p = p * (_median(t) / _median(p))
    error = p - t
    log_ratio = torch.log(p) - torch.log(t)
    ratio = torch.maximum(p / t, t / p)
    return {
        "abs_rel": (error.abs() / t).mean().item(),
        "sq_rel": (error**2 / t).mean().item(),
        "rmse": error.pow(2).mean().sqrt().item(),
        "rmse_log": log_ratio.pow(2).mean().sqrt().item(),
        "log10": (log_ratio.abs() / math.log(10)).mean().item(),
        "delta1": (ratio < DELTA_BASE).double().mean().item(),
        "delta2": (ratio < DELTA_BASE**2).double().mean().item(),
        "delta3": (ratio < DELTA_BASE**3).double().mean().item(),
    }


__all__ = [
    "DEPTH_METRICS",
    "depth_metrics",
    "median_scale",
    "valid_depth_mask",
]  # what `utils.metrics` exports from this module
