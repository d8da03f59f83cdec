"""SPOILERS: the answers to notebook 20's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import torch

from utils.exercises import Mistake

# --- Exercise 1: depth from disparity ---------------------------------------------------------------


def my_depth_from_disparity(disparity: torch.Tensor, focal_px: float, baseline_m: float) -> torch.Tensor:
    depth = focal_px * baseline_m / disparity.clamp(min=1e-12)  # Z = f B / d
    return torch.where(disparity > 0, depth, torch.zeros_like(depth))  # no match: depth 0 (invalid)


WRONG_Q1 = [
    Mistake(
        lambda disparity, focal_px, baseline_m: torch.where(
            disparity > 0, disparity / (focal_px * baseline_m), torch.zeros_like(disparity)
        ),
        "depth is inversely proportional to disparity: a larger shift means a nearer point",
    ),
    Mistake(
        lambda disparity, focal_px, baseline_m: torch.where(
            disparity > 0, focal_px / disparity.clamp(min=1e-12), torch.zeros_like(disparity)
        ),
        "the baseline is missing: depth in metres needs the distance between the two cameras",
    ),
    Mistake(
        lambda disparity, focal_px, baseline_m: focal_px * baseline_m / disparity,
        "pixels without a match (disparity 0) must get depth 0, not infinity",
    ),
    Mistake(
        lambda disparity, focal_px, baseline_m: torch.where(
            disparity > 0, baseline_m / (focal_px * disparity.clamp(min=1e-12)), torch.zeros_like(disparity)
        ),
        "the focal length multiplies: Z = f B / d comes from similar triangles, d / f = B / Z",
    ),
]

# --- Exercise 2: the δ < 1.25 accuracy --------------------------------------------------------------


def my_delta1(pred: torch.Tensor, target: torch.Tensor) -> float:
    valid = target > 0  # zero depth: no measurement
    p, t = pred[valid], target[valid]
    ratio = torch.maximum(p / t, t / p)
    return (ratio < 1.25).float().mean().item()


def _delta_only(over: bool, keep_all: bool = False, threshold: float = 1.25):
    def delta(pred, target):
        valid = torch.ones_like(target, dtype=torch.bool) if keep_all else target > 0
        p, t = pred[valid], target[valid]
        ratio = p / t if over else torch.maximum(p / t, t / p)
        return (ratio < threshold).float().mean().item()

    return delta


WRONG_Q2 = [
    Mistake(
        _delta_only(over=True),
        "you only bounded pred / target: a prediction far too near (tiny ratio) passed. Take the larger "
        "of pred / target and target / pred",
    ),
    Mistake(
        _delta_only(over=False, keep_all=True),
        "pixels with target depth 0 have no measurement: leave them out before counting",
    ),
    Mistake(
        lambda pred, target: (
            ((pred - target).abs()[target > 0] / target[target > 0] < 0.25).float().mean().item()
        ),
        "δ compares the ratio of the depths with 1.25, not the relative error |p - t| / t: the two "
        "differ for predictions that are too near",
    ),
    Mistake(_delta_only(over=False, threshold=1.25**2), "that is δ2 (threshold 1.25²): δ1 uses 1.25"),
    Mistake(
        lambda pred, target: (
            (torch.maximum(pred / target, target / pred)[target > 0] <= 1.25).float().mean().item()
        ),
        "the threshold is strict: a pixel whose ratio is exactly 1.25 does not count (use <, not <=)",
    ),
    Mistake(
        lambda pred, target: _delta_only(over=False)(pred, target) * 100,
        "δ1 is a fraction between 0 and 1, not a percentage",
    ),
]

# --- Exercise 3: the scale-invariant log loss ------------------------------------------------------


def my_si_log_loss(pred: torch.Tensor, target: torch.Tensor, lam: float) -> torch.Tensor:
    d = torch.log(pred) - torch.log(target)  # log-depth error of each pixel
    return (d**2).mean() - lam * d.mean() ** 2


def _si_variant(sign: float = -1.0, log=torch.log, square_first: bool = False):
    def loss(pred, target, lam):
        d = log(pred) - log(target)
        second = (d**2).mean() if square_first else d.mean() ** 2
        return (d**2).mean() + sign * lam * second

    return loss


WRONG_Q3 = [
    Mistake(
        _si_variant(sign=1.0),
        "the λ term is subtracted: it forgives the part of the error that a global scale explains",
    ),
    Mistake(
        lambda pred, target, lam: ((pred - target) ** 2).mean() - lam * (pred - target).mean() ** 2,
        "the loss works on log depths: d = log(pred) - log(target), so that a scale factor becomes a shift",
    ),
    Mistake(
        _si_variant(square_first=True),
        "the second term is the square of the mean of d, not the mean of d²",
    ),
    Mistake(
        lambda pred, target, lam: (torch.log(pred / target) ** 2).mean(),
        "λ is missing: without the second term this is the plain mean squared log error",
    ),
    Mistake(
        lambda pred, target, lam: (
            ((torch.log(pred) - torch.log(target)) ** 2).mean().sqrt()
            - lam * (torch.log(pred) - torch.log(target)).mean() ** 2
        ),
        "no square root on the first term: it is the mean of d²",
    ),
]

# --- Exercise 4: the λ that ignores scale ---------------------------------------------------------


def lam_scale_free() -> float:
    # Multiplying every prediction by s adds log s to every d. The loss becomes
    # mean(d²) + 2 log s mean(d) + (log s)² - λ (mean(d) + log s)², which does not depend on s
    # exactly when λ = 1: then it is the variance of d.
    return 1.0


WRONG_Q4 = [
    0.5,  # Eigen et al.'s training choice: it keeps half the scale term, it is not scale-free
    0.0,  # the plain mean squared log error: fully scale-dependent
    2.0,  # over-corrects: the loss would reward a wrong scale
    -1.0,  # a sign slip
    "1",  # a string
    torch.tensor(0.5),  # as a 0-dim tensor
]
