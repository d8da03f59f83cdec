"""Exercises of notebook 20 (depth estimation): where a 3-D point lands in the right camera of a
stereo rig, δ1 after median scaling, a loss invariant to scale and shift (MiDaS), and the
scale-invariant log loss of a depth map that is right on half of its pixels.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb20.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb20 as key
from utils.exercises import Exercise


def _points(n: int, seed: int) -> torch.Tensor:
    """n 3-D points in front of a camera: X, Y within a few metres, Z from 1 to 10 m."""
    g = torch.Generator().manual_seed(seed)
    xy = (torch.rand(n, 2, generator=g) - 0.5) * 6
    return torch.cat([xy, 1 + 9 * torch.rand(n, 1, generator=g)], dim=1)


def _depths(shape: tuple[int, ...], seed: int, spread: float, scale: float = 1.0, holes: float = 0.0):
    """A (pred, target) pair of depth maps: targets 0.5-10 m, the prediction off by `scale` and noise,
    some targets set to 0 (no measurement)."""
    g = torch.Generator().manual_seed(seed)
    target = 0.5 + 9.5 * torch.rand(shape, generator=g)
    pred = scale * target * torch.exp(spread * torch.randn(shape, generator=g))
    target[torch.rand(shape, generator=g) < holes] = 0.0
    return pred, target


def _odd_valid(pred: torch.Tensor, target: torch.Tensor):
    """Make the number of valid pixels odd, so that every definition of the median agrees."""
    if int((target > 0).sum()) % 2 == 0:
        target = target.clone()
        target.view(-1)[(target.view(-1) > 0).nonzero()[0, 0]] = 0.0
    return pred, target


q1 = Exercise(
    name="Exercise 1 (a 3-D point in the right camera)",
    reference=key.my_project_right,
    hints=[
        "Two steps: express each point in the right camera's own coordinates, then project it with the "
        "pinhole model of section 1, u = f X / Z + c_x and v = f Y / Z + c_y.",
        "The right camera has the same orientation as the left one and sits baseline_m further along +X. "
        "Moving the camera right by B is the same as moving every point left by B: which coordinate "
        "changes, and which stay?",
        "Shift X, keep Y and Z, then project; return an (N, 2) tensor of (u, v). Check with one point: "
        "u_left - u_right must equal the disparity f B / Z of section 2.",
    ],
    cases=[
        (torch.tensor([[0.0, 0.0, 2.0], [1.0, -0.5, 4.0], [-2.0, 1.0, 10.0]]), 500.0, 0.1, 320.0, 240.0),
        (_points(6, seed=1), 994.978, 0.193001, 311.193, 254.877),
        (_points(4, seed=2), 720.0, 0.54, 600.0, 180.0),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (δ1 after median scaling)",
    reference=key.my_delta1_median_scaled,
    hints=[
        "Median scaling multiplies the whole prediction by one number before scoring: the one that makes "
        "the prediction's median equal to the target's. Only pixels with target > 0 take part, in the "
        "medians as in the score.",
        "Keep the valid pixels of both maps, take torch.median of each, and scale the prediction by their "
        "ratio (which way round brings the prediction onto the target?).",
        "Then δ1 as in section 4: the fraction of pixels whose larger ratio, max(p/t, t/p), is strictly below "
        "1.25, as a Python float.",
    ],
    cases=[
        _odd_valid(*_depths((2, 8, 8), seed=1, spread=0.2, scale=1.6, holes=0.1)),
        _odd_valid(*_depths((41,), seed=2, spread=0.3, scale=0.5, holes=0.2)),
        _odd_valid(*_depths((3, 5, 5), seed=3, spread=0.15, scale=3.0, holes=0.3)),
    ],
    wrong=key.WRONG_Q2,
)


def _disparities(n: int, seed: int, scale: float, shift: float, noise: float):
    """(pred, target) disparities: the prediction is the target up to a scale, a shift and noise."""
    g = torch.Generator().manual_seed(seed)
    target = 0.1 + torch.rand(n, generator=g)
    return scale * target + shift + noise * torch.randn(n, generator=g), target


q3 = Exercise(
    name="Exercise 3 (a loss invariant to scale and shift)",
    reference=key.my_ssi_loss,
    hints=[
        "MiDaS predicts disparity (inverse depth) up to an unknown scale s and shift b. Before comparing, "
        "find the s and b that bring the prediction closest to the target in squared error, then score "
        "what is left.",
        "Fitting s * pred + b to target by least squares is fitting a straight line: the slope is the "
        "covariance of pred and target divided by the variance of pred, and the line passes through the "
        "two means.",
        "With that s and b, return the mean over all pixels of (s * pred + b - target)² as a 0-dim tensor "
        "(so that autograd can differentiate it).",
    ],
    cases=[
        _disparities(50, seed=4, scale=2.0, shift=0.3, noise=0.05),
        _disparities(20, seed=5, scale=0.5, shift=-0.2, noise=0.1),
        (torch.tensor([[1.0, 2.0], [3.0, 5.0]]), torch.tensor([[0.2, 0.4], [0.5, 0.6]])),
    ],
    wrong=key.WRONG_Q3,
    rtol=1e-3,  # least squares in float32: several correct ways round differently
)


def _diagnose_half(answer: object) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer < 0:
        return "with λ = 1 the loss is a variance: it is never negative"
    return None


q4 = Exercise(
    name="Exercise 4 (the scale-invariant loss of a half-right map)",
    reference=key.half_twice_too_far,
    hints=[
        "Write d_i = log p_i - log t_i for each pixel: on the right half d = 0, on the other half the "
        "prediction is twice the truth. What is d there?",
        "The loss with λ = 1 is mean(d²) - (mean(d))². Compute each of the two means over all pixels, half of "
        "which have d = 0.",
        "Subtract, keep the natural logarithm, and give the number to 4 significant digits. (With λ = 1 the "
        "loss is the variance of d: a half-and-half split of two values has a simple variance.)",
    ],
    diagnose=_diagnose_half,
    wrong=key.WRONG_Q4,
    rtol=5e-4,
)
