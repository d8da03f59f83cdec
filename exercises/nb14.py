"""Exercises of notebook 14 (pose estimation): rendering a Gaussian heatmap, soft-argmax decoding,
PCK and OKS.

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
_P2, _T2, _V2 = _pose_case(8, 17, 8.0)
# a keypoint exactly at the threshold (3-4-5 triangle: distance 5 = 0.5 * 10) and one just inside
_EDGE = (
    torch.tensor([[[3.0, 4.0], [0.0, 4.9], [9.0, 9.0]]]),
    torch.zeros(1, 3, 2),
    torch.tensor([[True, True, False]]),
    0.5,
    torch.tensor([10.0]),
)

q1 = Exercise(
    name="Exercise 1 (a Gaussian heatmap)",
    reference=key.my_heatmap,
    hints=[
        "The heatmap has size // stride rows and columns. Cell (i, j) stands for one point of the "
        "image, at the centre of the stride x stride block of pixels it covers.",
        "Build the x of every column centre and the y of every row centre as 1-D tensors (torch.arange, "
        "shifted by half a cell, times the stride), then let broadcasting make the 2-D grid: a row "
        "vector for x, a column vector for y.",
        "The value of a cell is exp(-d² / (2σ²)), with d² the squared distance in image pixels between "
        "the cell centre and the point (x, y): 1 at the point, smaller further away.",
    ],
    cases=[
        (torch.tensor([10.0, 6.0]), 16, 4, 2.0),
        (torch.tensor([32.0, 32.0]), 64, 4, 4.0),
        (torch.tensor([5.3, 20.7]), 32, 2, 1.5),
        (torch.tensor([60.0, 3.0]), 64, 8, 6.0),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (soft-argmax)",
    reference=key.my_soft_argmax,
    hints=[
        "Turn each (H, W) heatmap into probabilities: a softmax over all H * W cells of that map "
        "(flatten the two spatial axes first, then reshape back).",
        "The expected x is the sum over cells of probability times the cell's x. Summing the "
        "probabilities over the rows first gives one weight per column; the same the other way for y.",
        "Cell centres in image pixels are (index + 0.5) * stride. Return x and y stacked on a last "
        "axis: shape (N, K, 2).",
    ],
    cases=[
        (torch.randn(1, 1, 4, 4, generator=_random) * 3, 4),
        (torch.randn(2, 3, 8, 6, generator=_random) * 5, 2),
        (torch.randn(3, 17, 16, 16, generator=_random) * 10, 4),
    ],
    wrong=key.WRONG_Q2,
    atol=1e-4,
)

q3 = Exercise(
    name="Exercise 3 (PCK)",
    reference=key.my_pck,
    hints=[
        "Start from the distance of each predicted keypoint to its target, one number per (instance, "
        "keypoint): the Euclidean norm over the last axis.",
        "A keypoint is correct when that distance is strictly below threshold times ITS instance's "
        "normalizer; give the normalizer a second axis so that it broadcasts over the keypoints.",
        "Only visible keypoints are scored: count the correct AND visible ones, divide by the number "
        "of visible ones, and return a Python float.",
    ],
    cases=[
        (_P1, _T1, _V1, 0.2, torch.full((5,), 30.0)),
        (_P2, _T2, _V2, 0.1, torch.rand(8, generator=_random) * 80 + 20),
        _EDGE,
    ],
    wrong=key.WRONG_Q3,
)

q4 = Exercise(
    name="Exercise 4 (OKS)",
    reference=key.my_oks,
    hints=[
        "Work with squared distances d², one per (instance, keypoint), and with COCO's scale: the "
        "area of each instance in pixels².",
        "For each keypoint, e = d² divided by 2 times the area times the variance (2σ)²: note that the "
        "sigma is doubled before it is squared. The keypoint's similarity is exp(-e).",
        "Average the similarities over the VISIBLE keypoints only: zero the others out, sum, and divide "
        "by the number of visible keypoints of each instance. Return one OKS per instance.",
    ],
    cases=[
        (_P1, _T1, _V1, torch.full((5,), 900.0), torch.full((6,), 0.08)),
        (_P2, _T2, _V2, torch.rand(8, generator=_random) * 5000 + 200, torch.linspace(0.025, 0.107, 17)),
    ],
    wrong=key.WRONG_Q4,
)
