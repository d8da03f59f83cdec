"""Exercises of notebook 14 (pose estimation): a bottom-up target heatmap for several people,
soft-argmax around the peak, PCK per keypoint type, and how far off a keypoint may be for a given OKS.

What is here a learner may read: names, graded hints and hidden test inputs. The answers are in
`exercises/answers/nb14.py` (spoilers).
"""

from __future__ import annotations

import torch

from exercises.answers import nb14 as key
from utils.exercises import Exercise

_random = torch.Generator().manual_seed(14)


def _pose_case(n: int, k: int, spread: float) -> tuple:
    target = torch.rand(n, k, 2, generator=_random) * 60
    pred = target + torch.randn(n, k, 2, generator=_random) * spread
    visible = torch.rand(n, k, generator=_random) < 0.7
    visible[:, 0] = True  # every instance has a visible keypoint
    return pred, target, visible


_P1, _T1, _V1 = _pose_case(5, 6, 4.0)
_V1[:, 3] = False  # a keypoint type that no instance shows: its PCK is 0 / 0
_P2, _T2, _V2 = _pose_case(8, 17, 8.0)
# a keypoint exactly at the threshold (3-4-5 triangle: distance 5 = 0.5 * 10) and one just inside
_EDGE = (
    torch.tensor([[[3.0, 4.0], [0.0, 4.9], [9.0, 9.0]], [[1.0, 1.0], [6.0, 0.0], [0.0, 0.0]]]),
    torch.zeros(2, 3, 2),
    torch.tensor([[True, True, False], [True, True, False]]),
    0.5,
    torch.tensor([10.0, 10.0]),
)


def _two_bumps() -> torch.Tensor:
    """Score maps with a main peak and a second, lower bump far away (where global soft-argmax fails)."""
    maps = torch.randn(2, 3, 12, 12, generator=_random)
    maps[:, :, 2, 3] += 9.0
    maps[:, :, 9, 10] += 7.5
    maps[1, 0, 0, 0] += 12.0  # a peak in a corner: the window is cut by the border
    return maps


q1 = Exercise(
    name="Exercise 1 (a target heatmap for several people)",
    reference=key.my_target_heatmap,
    hints=[
        "Start as in section 2: the heatmap has size // stride rows and columns, and cell (i, j) stands "
        "for the image point at the centre of its stride x stride block of pixels.",
        "Build one Gaussian bump per person first, with a leading person axis: broadcasting the cell "
        "centres (a row vector for x, a column vector for y) against each person's point gives a "
        "(P, H, W) stack.",
        "Then reduce the person axis to a single map. Each person's keypoint must stay a peak as high "
        "as a lone person's, even when two people stand close together: which reduction keeps that?",
    ],
    cases=[
        (torch.tensor([[10.0, 6.0], [20.0, 30.0]]), 32, 4, 2.0),
        (torch.tensor([[32.0, 32.0], [38.0, 30.0], [5.0, 60.0]]), 64, 4, 4.0),
        (torch.tensor([[5.3, 20.7]]), 32, 2, 1.5),
        (torch.tensor([[60.0, 3.0], [52.0, 9.0]]), 64, 8, 6.0),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (soft-argmax around the peak)",
    reference=key.my_local_soft_argmax,
    hints=[
        "First find each map's hottest cell, as the arg-max decoder does: its row and its column.",
        "Build a boolean mask of the cells at most `radius` rows AND at most `radius` columns away from "
        "that cell (broadcast row and column indices against it). The border of the map simply cuts "
        "the window: no padding is needed.",
        "Give the cells outside the window a score of minus infinity, so that the softmax gives them "
        "probability 0 and spreads all of it over the window; then take the expected (x, y) in image "
        "pixels exactly as section 2's soft-argmax does.",
    ],
    cases=[
        (torch.randn(1, 1, 4, 4, generator=_random) * 3, 4, 1),
        (torch.randn(2, 3, 8, 6, generator=_random) * 5, 2, 1),
        (torch.randn(3, 17, 16, 16, generator=_random) * 10, 4, 2),
        (_two_bumps(), 4, 2),
    ],
    wrong=key.WRONG_Q2,
    atol=1e-4,
)

q3 = Exercise(
    name="Exercise 3 (PCK per keypoint type)",
    reference=key.my_pck_per_keypoint,
    hints=[
        "Start as for PCK: the distance of each predicted keypoint to its target, one number per "
        "(instance, keypoint), and whether it is strictly below threshold times ITS instance's normalizer.",
        "Now count per keypoint TYPE: reduce over the instances (the first axis), not over everything. "
        "Only visible keypoints are scored, in the count of correct ones and in the count you divide by.",
        "A keypoint type that no instance shows has nothing to score: let 0 / 0 give nan there (tensor "
        "division does) rather than guarding it into a number.",
    ],
    cases=[
        (_P1, _T1, _V1, 0.2, torch.full((5,), 30.0)),
        (_P2, _T2, _V2, 0.1, torch.rand(8, generator=_random) * 80 + 20),
        _EDGE,
    ],
    wrong=key.WRONG_Q3,
)

q4 = Exercise(
    name="Exercise 4 (the error allowed at a given OKS)",
    reference=key.my_oks_radius,
    hints=[
        "Write one keypoint's similarity from section 3, exp(-d² / (2A(2σ)²)), set it equal to the "
        "similarity asked for, and solve for d.",
        "Take the logarithm of both sides first. The logarithm of a similarity below 1 is negative, "
        "and so is the exponent: the two minus signs cancel.",
        "The result has one value per (person, keypoint): give the areas a second axis and the sigmas a "
        "first one, so that they broadcast to (N, K). Remember the sigma is doubled before squaring.",
    ],
    cases=[
        (torch.tensor([900.0, 2500.0]), torch.linspace(0.025, 0.107, 17), 0.5),
        (torch.tensor([1024.0, 9216.0, 400.0]), torch.tensor([0.026, 0.107, 0.05]), 0.75),
        (torch.tensor([5000.0]), torch.tensor([0.08, 0.08]), 0.1),
    ],
    wrong=key.WRONG_Q4,
    atol=1e-5,
)
