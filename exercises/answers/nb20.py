"""SPOILERS: the answers to notebook 20's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math

import torch

from utils.exercises import Mistake

# --- Exercise 1: where a 3-D point lands in the right camera ---------------------------------------


def my_project_right(
    points: torch.Tensor, focal_px: float, baseline_m: float, cx: float, cy: float
) -> torch.Tensor:
    x, y, z = points.unbind(dim=1)
    # The right camera sits baseline_m to the right of the left one, same orientation: seen from it,
    # every point is baseline_m further left. Then the pinhole projection with the principal point.
    return torch.stack([focal_px * (x - baseline_m) / z + cx, focal_px * y / z + cy], dim=1)


def _pinhole(points, focal_px, shift_m, cx, cy):
    x, y, z = points.unbind(dim=1)
    return torch.stack([focal_px * (x - shift_m) / z + cx, focal_px * y / z + cy], dim=1)


WRONG_Q1 = [
    Mistake(
        lambda points, focal_px, baseline_m, cx, cy: focal_px * points[:, :2] / points[:, 2:],
        "your pixels have their origin at the principal point and come from the left camera: add the "
        "principal point, and look from the right camera",
        copy_of="section 3's project",
    ),
    Mistake(
        lambda points, focal_px, baseline_m, cx, cy: _pinhole(points, focal_px, 0.0, cx, cy),
        "these are the pixels in the left image: the right camera sits a baseline further right, so it "
        "sees every point shifted",
    ),
    Mistake(
        lambda points, focal_px, baseline_m, cx, cy: _pinhole(points, focal_px, -baseline_m, cx, cy),
        "you shifted the wrong way: seen from a camera further to the right, a point appears further left "
        "(the disparity u_left - u_right is positive)",
    ),
    Mistake(
        lambda points, focal_px, baseline_m, cx, cy: (
            _pinhole(points, focal_px, 0.0, cx, cy) - torch.tensor([baseline_m, 0.0])
        ),
        "the baseline is a distance in metres: it shifts X before the projection, not the pixel after it",
    ),
    Mistake(
        lambda points, focal_px, baseline_m, cx, cy: _pinhole(points, focal_px, baseline_m, cy, cx),
        "the principal point's cx belongs to u (the column), cy to v (the row)",
    ),
]

# --- Exercise 2: δ1 after median scaling --------------------------------------------------------------


def my_delta1_median_scaled(pred: torch.Tensor, target: torch.Tensor) -> float:
    valid = target > 0  # zero depth: no measurement
    p, t = pred[valid], target[valid]
    p = p * (t.median() / p.median())  # one factor for the whole map: the medians now agree
    ratio = torch.maximum(p / t, t / p)
    return (ratio < 1.25).float().mean().item()


def _delta1(p, t):
    return (torch.maximum(p / t, t / p) < 1.25).float().mean().item()


def _unscaled(pred, target):
    valid = target > 0
    return _delta1(pred[valid], target[valid])


def _medians_over_all(pred, target):
    valid = target > 0
    scale = target.median() / pred.median()
    return _delta1(pred[valid] * scale, target[valid])


def _means(pred, target):
    valid = target > 0
    p, t = pred[valid], target[valid]
    return _delta1(p * t.mean() / p.mean(), t)


def _inverted(pred, target):
    valid = target > 0
    p, t = pred[valid], target[valid]
    return _delta1(p * p.median() / t.median(), t)


WRONG_Q2 = [
    Mistake(
        _unscaled,
        "that is δ1 of the raw prediction: scale it by one factor that makes its median match the "
        "target's first",
        copy_of="section 4's metrics_from_scratch delta1 (no median scaling)",
    ),
    Mistake(
        _medians_over_all,
        "your medians include the pixels without a measurement (target 0): take both medians over the "
        "valid pixels only",
    ),
    Mistake(
        _means,
        "you aligned the means: median scaling aligns the medians, which a few far pixels do not pull",
    ),
    Mistake(
        _inverted,
        "your factor is upside down: it must move the prediction's median onto the target's, not away",
    ),
    Mistake(
        lambda pred, target: my_delta1_median_scaled(pred, target) * 100,
        "δ1 is a fraction between 0 and 1, not a percentage",
    ),
]

# --- Exercise 3: a loss invariant to scale and shift (MiDaS) ---------------------------------------


def my_ssi_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    p, d = pred.flatten(), target.flatten()
    # Least squares for the scale s and shift b of s * p + b ≈ d: the slope and intercept of a line fit.
    pc, dc = p - p.mean(), d - d.mean()
    s = (pc * dc).sum() / (pc**2).sum()
    b = d.mean() - s * p.mean()
    return ((s * p + b - d) ** 2).mean()


def _scale_only(pred, target):
    p, d = pred.flatten(), target.flatten()
    s = (p * d).sum() / (p**2).sum()
    return ((s * p - d) ** 2).mean()


def _shift_only(pred, target):
    p, d = pred.flatten(), target.flatten()
    return (((p - p.mean()) - (d - d.mean())) ** 2).mean()


def _target_onto_pred(pred, target):
    return my_ssi_loss(target, pred)


def _median_scaled(pred, target):
    p, d = pred.flatten(), target.flatten()
    return ((p * d.median() / p.median() - d) ** 2).mean()


def _si_log_lambda_one(pred, target):
    d = torch.log(pred.flatten()) - torch.log(target.flatten())
    return (d**2).mean() - d.mean() ** 2


WRONG_Q3 = [
    Mistake(
        _si_log_lambda_one,
        "that is the scale-invariant log loss with λ = 1: in logs a scale becomes a shift, but a shift of "
        "the disparities is not forgiven. Fit a scale and a shift to the disparities themselves",
        copy_of="section 5's si_log_loss with λ = 1",
    ),
    Mistake(_scale_only, "you removed the best scale but not the shift: fit both together"),
    Mistake(
        _shift_only,
        "you removed the shift (the means) but not the scale: fit the scale too, and with it the shift",
    ),
    Mistake(
        _target_onto_pred,
        "you aligned the target to the prediction: align the prediction to the target, so that the loss "
        "is in the target's units",
    ),
    Mistake(
        _median_scaled,
        "median scaling is one factor and no shift: this loss fits both by least squares",
    ),
    Mistake(
        lambda pred, target: my_ssi_loss(pred, target).sqrt(),
        "the loss is the mean of the squared residuals, without a square root",
    ),
]

# --- Exercise 4: the scale-invariant loss of a map that is half right ---------------------------


def half_twice_too_far() -> float:
    # d = 0 on half of the pixels and log 2 on the other half: mean(d²) = (log 2)² / 2,
    # mean(d)² = (log 2)² / 4; with λ = 1 the loss is their difference, the variance of d.
    return math.log(2) ** 2 / 4


WRONG_Q4 = [
    Mistake(
        0.0,
        "that is the loss of a map whose pixels are all off by the same factor: here only half of them are, "
        "and λ = 1 forgives only what all pixels share",
        copy_of="section 5's printout (the whole map scaled by 2)",
    ),
    Mistake(
        math.log(2) ** 2 / 2,
        "that is the mean of d² alone: with λ = 1 the second term removes the part a global scale explains",
    ),
    Mistake(
        math.log(2) ** 2 * (1 / 2 - 0.5 / 4),
        "you used λ = 0.5, the notebook's training value: the exercise asks for the scale-free λ = 1",
    ),
    Mistake(
        math.log10(2) ** 2 / 4,
        "that is in base-10 logarithms: the loss uses the natural logarithm",
    ),
    math.log(2) / 4,  # forgot to square d
]
