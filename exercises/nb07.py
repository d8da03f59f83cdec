"""Exercises of notebook 07 (batch normalization): BatchNorm2d's running statistics, folding eval-mode
BN into the layer before it, a batch with one odd example, and the parameters BN makes useless.

What is here a learner may read: names, graded hints, test inputs and diagnoses. The answers are in
`exercises/answers/nb07.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb07 as key
from utils.exercises import Exercise


def _tensor(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)


def _maps(n: int, c: int, h: int, w: int, seed: int) -> torch.Tensor:
    """A batch of feature maps (n, c, h, w) whose channels have different means and spreads."""
    generator = torch.Generator().manual_seed(seed)
    shift = torch.linspace(-2.0, 3.0, c).view(1, c, 1, 1)
    scale = torch.linspace(0.5, 2.0, c).view(1, c, 1, 1)
    return torch.randn(n, c, h, w, generator=generator) * scale + shift


q1 = Exercise(
    name="Exercise 1 (BatchNorm2d's running statistics)",
    reference=key.update_running_stats_2d,
    hints=[
        "Section 4: a channel of a (N, C, H, W) batch is one feature seen at every position of every "
        "image. Over which dimensions does BatchNorm2d take one channel's mean and variance?",
        "Each buffer becomes a weighted average of its old value and the batch statistic, one entry per "
        "channel; momentum weighs the new batch statistic, as in section 3.",
        "The running variance is the unbiased estimate, divided by the count of numbers averaged minus "
        "one, and that count is every number of the channel. Return new tensors, one entry per channel.",
    ],
    cases=[
        (torch.zeros(3), torch.ones(3), _maps(4, 3, 5, 5, seed=0), 0.1),
        (_tensor(1.0, -1.0), _tensor(2.0, 0.5), _maps(2, 2, 3, 4, seed=1), 0.5),
        (_tensor(0.3, 0.0, 2.0, -1.0), _tensor(1.0, 1.0, 4.0, 0.2), _maps(8, 4, 2, 2, seed=2), 0.25),
        (_tensor(5.0), _tensor(3.0), _maps(3, 1, 6, 6, seed=3), 1.0),
    ],
    wrong=key.WRONG_Q1,
    atol=1e-5,
)

q2 = Exercise(
    name="Exercise 2 (fold BN into the layer before it)",
    reference=key.fold_bn,
    hints=[
        "In eval mode BN is a fixed affine map per feature, scale · z + shift (section 3's formula, "
        "expanded). Here z is the Linear layer's output, W x + b, and feature j of z comes from row j of W.",
        "Put z = W x + b into scale · z + shift: the weights of feature j are multiplied by that "
        "feature's scale, and the layer's bias goes through the whole affine map.",
        "Scale the rows of W (a (features, 1) column of scales broadcasts over them), and compute the new "
        "bias from the old bias, the running mean, the scale and beta. Return (new weight, new bias).",
    ],
    cases=[
        (
            torch.tensor([[1.0, -2.0], [0.5, 0.0], [3.0, 1.0]]),
            _tensor(0.1, -0.2, 0.0),
            _tensor(0.0, 1.0, -2.0),
            _tensor(1.0, 4.0, 0.25),
            torch.ones(3),
            torch.zeros(3),
            1e-5,
        ),
        (
            torch.tensor([[0.2, 0.4, -0.6, 1.0], [-1.0, 0.5, 0.25, 2.0]]),
            _tensor(1.0, -0.5),
            _tensor(0.5, -1.5),
            _tensor(2.0, 9.0),
            _tensor(1.5, 0.5),
            _tensor(-1.0, 2.0),
            1e-5,
        ),
        (
            torch.tensor([[2.0, -1.0, 0.5]]),
            _tensor(0.3),
            _tensor(3.0),
            _tensor(1e-4),
            _tensor(2.0),
            _tensor(0.5),
            1e-3,
        ),
    ],
    wrong=key.WRONG_Q2,
    atol=1e-5,
)


def _diagnose_odd_one(answer: object) -> str | None:
    """Name the size of a wrong answer without giving the right one."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer < 0:
        return "the question asks for a size |x̂|, which cannot be negative"
    return None


q3 = Exercise(
    name="Exercise 3 (a batch with one odd example)",
    reference=key.odd_one_size,
    hints=[
        "Put the nine equal values at 0 and the odd one at d (shifting every value changes nothing after "
        "BN). Where is the batch mean, and how far from it is the odd value, in terms of d?",
        "The biased variance averages the ten squared distances to the mean: one for the odd value, nine "
        "equal ones for the others. Write it in terms of d.",
        "Divide the odd value's distance to the mean by sigma_B, the square root of that variance: d "
        "cancels and the size depends only on the batch. Check your number with batch_norm_train on a "
        "(10, 1) tensor.",
    ],
    diagnose=_diagnose_odd_one,
    wrong=key.WRONG_Q3,
    rtol=1e-4,  # four significant digits; batch_norm_train's eps moves the fifth
)

q4 = Exercise(
    name="Exercise 4 (parameters BN makes useless)",
    reference=key.removable,
    hints=[
        "A convolution computes, per output channel, a weighted sum over a patch plus that channel's bias. "
        "Which parameters add the same number at every position of a channel, for every image?",
        "BatchNorm2d subtracts each channel's mean over the batch and all positions (or its running mean "
        "in eval mode). A constant added just before it cancels. Does that still hold with a ReLU between?",
        "ReLU(z + c) is not ReLU(z) + c, so only a bias directly in front of a BN cancels; BN's own "
        "gamma and beta act after the normalisation. Count the entries of the biases that cancel.",
    ],
    wrong=key.WRONG_Q4,
)
