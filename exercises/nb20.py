"""Exercises of notebook 20 (depth estimation): depth from a stereo disparity, the δ < 1.25 accuracy,
the scale-invariant log loss of Eigen et al. (2014), and the λ that makes it ignore scale.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb20.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb20 as key
from utils.exercises import Exercise


def _depths(shape: tuple[int, ...], seed: int, spread: float, holes: float = 0.0):
    """A (pred, target) pair of depth maps: targets 0.5-10 m, some set to 0 (no measurement)."""
    g = torch.Generator().manual_seed(seed)
    target = 0.5 + 9.5 * torch.rand(shape, generator=g)
    pred = target * torch.exp(spread * torch.randn(shape, generator=g))
    target[torch.rand(shape, generator=g) < holes] = 0.0
    return pred, target


q1 = Exercise(
    name="Exercise 1 (depth from disparity)",
    reference=key.my_depth_from_disparity,
    hints=[
        "Draw the two cameras, a baseline B apart, looking at one point at depth Z. Similar triangles "
        "relate the disparity d (in pixels) and the focal length f (in pixels) to B and Z.",
        "d / f = B / Z: a point twice as far shifts half as much between the two images. Solve for Z; "
        "the unit of Z is the unit of B, because f and d are both in pixels.",
        "Divide where the disparity is positive only (clamp it away from 0 before dividing, then use "
        "torch.where with the condition disparity > 0 to put 0 on the other pixels).",
    ],
    cases=[
        (torch.tensor([[35.0, 70.0], [0.0, 7.0]]), 700.0, 0.1),
        (torch.tensor([10.0, 20.0, 40.0, 0.0, 59.9]), 994.978, 0.193001),
        ((torch.arange(12.0).reshape(3, 4) * 1.5), 500.0, 0.54),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (the δ < 1.25 accuracy)",
    reference=key.my_delta1,
    hints=[
        "δ1 is the fraction of valid pixels whose prediction is within a factor 1.25 of the truth, "
        "too far or too near. Start by keeping only the pixels whose target depth is positive.",
        "A prediction twice too near is as wrong as one twice too far: compare both pred / target and "
        "target / pred, and keep, per pixel, the larger of the two (an element-wise maximum of two tensors).",
        "Count the pixels whose larger ratio is strictly below 1.25, divide by the number of valid "
        "pixels, and return a Python float (.item()).",
    ],
    cases=[
        (
            torch.tensor([2.4, 1.56, 1.0, 2.8, 2.0, 5.0, 3.0, 2.5, 4.0]),  # last two: ratio exactly 1.25
            torch.tensor([2.0, 2.0, 2.0, 2.0, 2.0, 0.0, 2.0, 2.0, 5.0]),
        ),
        _depths((2, 8, 8), seed=1, spread=0.3, holes=0.1),
        _depths((40,), seed=2, spread=0.6, holes=0.2),
    ],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (the scale-invariant log loss)",
    reference=key.my_si_log_loss,
    hints=[
        "Work with logarithms: per pixel, d = log(pred) - log(target). A prediction that is right up "
        "to a factor s then has the same d = log s on every pixel.",
        "The loss is the mean of d² minus λ times a second term built from d. Which quantity is the "
        "same for every pixel when the only error is a global scale?",
        "The second term is λ times the square of the mean of d (not the mean of the squares). "
        "Return the loss as a 0-dim tensor, so that autograd can differentiate it.",
    ],
    cases=[
        (*_depths((2, 1, 6, 6), seed=3, spread=0.3), 0.5),
        (*_depths((30,), seed=4, spread=0.5), 1.0),
        (torch.tensor([1.0, 2.0, 4.0]), torch.tensor([2.0, 2.0, 2.0]), 0.0),
        (*_depths((4, 5), seed=5, spread=0.2), 0.85),
    ],
    wrong=key.WRONG_Q3,
)


def _diagnose_lam(answer: object) -> str | None:
    """Say what the learner's λ does to a global scale, without naming the right one."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer < 0:
        return "with λ < 0 the second term is added: a global scale error is punished more, not less"
    if answer < 1:
        return (
            f"with λ = {answer:g} a global scale error still costs part of its squared log: the loss "
            "still depends on the scale. Increase λ until that cost is gone"
        )
    return (
        f"with λ = {answer:g} the loss can go below the variance of d: it would reward predicting the wrong "
        "scale. The scale-free λ is smaller"
    )


q4 = Exercise(
    name="Exercise 4 (the λ that ignores scale)",
    reference=key.lam_scale_free,
    hints=[
        "Multiply every prediction by s: every d grows by the same amount, log s. Write the new loss "
        "with mean(d) and mean(d²) of the old prediction, and log s.",
        "Expand: the new loss is mean(d²) + 2 log s · mean(d) + (log s)² - λ (mean(d) + log s)². Collect the "
        "terms that contain log s.",
        "The terms in log s are 2 (1 - λ) log s · mean(d) + (1 - λ)(log s)². For which λ do both "
        "vanish for every s? (Then the loss is the variance of d.)",
    ],
    diagnose=_diagnose_lam,
    wrong=key.WRONG_Q4,
)
