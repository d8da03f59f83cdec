"""Exercises of notebook 13 (instance segmentation): mask IoU, the bilinear sample behind RoIAlign,
pasting a predicted mask into its box, and what a mask costs in segm AP that a box does not.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb13.py` (spoilers).
"""

from __future__ import annotations

import numbers

import torch

from exercises.answers import nb13 as key
from utils.exercises import Exercise


def _masks(seed: int, n: int, size: tuple[int, int]) -> torch.Tensor:
    """Random blobby masks: a few random rectangles per mask, so that masks overlap partly."""
    g = torch.Generator().manual_seed(seed)
    height, width = size
    masks = torch.zeros(n, height, width, dtype=torch.bool)
    for i in range(n):
        for _ in range(3):
            y0, x0 = (int(torch.randint(0, s - 2, (1,), generator=g)) for s in size)
            y1 = int(torch.randint(y0 + 1, height + 1, (1,), generator=g))
            x1 = int(torch.randint(x0 + 1, width + 1, (1,), generator=g))
            masks[i, y0:y1, x0:x1] = True
    return masks


def _empty_and_full() -> tuple[torch.Tensor, torch.Tensor]:
    a = torch.zeros(2, 5, 6, dtype=torch.bool)
    a[1, 1:4, 2:5] = True  # mask 0 is empty
    b = torch.ones(3, 5, 6, dtype=torch.bool)
    b[1] = False  # an empty mask on the other side too
    b[2, :, :3] = False
    return a, b


q1 = Exercise(
    name="Exercise 1 (mask IoU)",
    reference=key.my_mask_iou,
    hints=[
        "The IoU of two masks counts pixels: the pixels that are on in both (the intersection) divided by "
        "the pixels that are on in either (the union). Every pair (i, j) needs both counts.",
        "Flatten each mask to a row of H·W zeros and ones (as floats). The intersection of mask i and mask j "
        "is then the dot product of their rows, so one matrix product gives all N × M intersections at once.",
        "|A ∪ B| = |A| + |B| - |A ∩ B|: the area of every mask is the sum of its row; broadcast an (N, 1) "
        "column of areas against a (1, M) row. Divide, and guard the division where both masks are empty.",
    ],
    cases=[
        (_masks(0, 3, (8, 10)), _masks(1, 4, (8, 10))),
        (_masks(2, 1, (16, 16)), _masks(2, 1, (16, 16))),  # a mask against itself
        _empty_and_full(),
        (_masks(3, 5, (12, 7)), _masks(4, 2, (12, 7))),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (a bilinear sample)",
    reference=key.my_bilinear,
    hints=[
        "A point (x, y) between pixel centres has four pixel neighbours: the columns just left and right of x, "
        "the rows just above and below y. Find the top-left one by rounding both coordinates down.",
        "Call dx and dy how far the point lies past that top-left pixel (both between 0 and 1). Blend along x "
        "first: on each of the two rows, the right pixel gets weight dx and the left one the rest.",
        "Then blend the two row values along y the same way, with dy for the lower row. Index the map as "
        "feature[row, column], i.e. feature[y, x], and return a Python float.",
    ],
    cases=[
        (torch.arange(16.0).reshape(4, 4), 1.25, 2.5),
        (torch.tensor([[0.0, 10.0], [20.0, 40.0]]), 0.5, 0.5),
        (torch.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0], [2.0, 0.0, 6.0]]), 0.3, 1.6),
        (torch.linspace(-1, 1, 25).reshape(5, 5) ** 2, 2.0, 3.75),
        (torch.tensor([[3.0, 1.0, 4.0], [1.0, 5.0, 9.0], [2.0, 6.0, 5.0]]), 1.7, 0.2),
    ],
    wrong=key.WRONG_Q2,
)


def _blob(seed: int, size: int = 28) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand(1, 1, 4, 4, generator=g)
    return torch.nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)[
        0, 0
    ]


q3 = Exercise(
    name="Exercise 3 (paste a mask into its box)",
    reference=key.my_paste_mask,
    hints=[
        "The head predicts a small square of probabilities for the inside of the box, whatever the box's "
        "size. Pasting means: stretch it to the box's height and width, decide which pixels are in, and "
        "write them at the box's place in an empty image.",
        "torch.nn.functional's interpolate wants a 4-D tensor (batch, channels, rows, columns) and a target size given as "
        "(rows, columns): the box is y1 - y0 rows tall and x1 - x0 columns wide.",
        "After resizing (bilinear, align_corners=False), compare with 0.5 to get a bool mask, and copy it into "
        "a (height, width) bool image of zeros, rows y0:y1 and columns x0:x1.",
    ],
    cases=[
        (_blob(0), (3, 5, 19, 14), 20, 24),
        (_blob(1), (0, 0, 10, 30), 32, 12),
        (_blob(2, 14), (6, 2, 13, 25), 28, 28),
        (torch.tensor([[0.9, 0.1], [0.2, 0.8]]), (1, 1, 7, 5), 8, 9),
    ],
    wrong=key.WRONG_Q3,
)


def _diagnose_count(answer: object) -> str | None:
    """Name the mistake in a count of thresholds, without giving the count."""
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return None
    if 0 < answer < 1:
        return "that looks like an IoU: the question asks how many of the ten thresholds the detection passes"
    if answer == 10:
        return "10 is what the box gets (box IoU 1 passes every threshold): count for the mask IoU instead"
    if answer == 7:
        return "that is how many thresholds it fails: count those it passes"
    if answer != int(answer) or not 0 <= answer <= 10:
        return "a count of thresholds is a whole number from 0 to 10"
    if answer in (2, 4):
        return "off by one: look again at the thresholds just below and just above the mask IoU"
    return "compute the mask IoU first, then count the thresholds t of 0.50, 0.55, ..., 0.95 with IoU ≥ t"


q4 = Exercise(
    name="Exercise 4 (segm AP vs bbox AP)",
    reference=key.thresholds_passed,
    hints=[
        "The predicted mask is the whole box, and the true mask lies inside that box. So the intersection "
        "of the two masks is the true mask, and their union is the whole box.",
        "The mask IoU is then 62 pixels out of 100. A detection is a true positive at threshold t when its "
        "IoU is at least t.",
        "Write out the ten thresholds 0.50, 0.55, 0.60, 0.65, ..., 0.95, tick each one that is at or below the "
        "mask IoU, and count the ticks.",
    ],
    diagnose=_diagnose_count,
    wrong=key.WRONG_Q4,
)
