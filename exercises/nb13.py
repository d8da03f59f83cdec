"""Exercises of notebook 13 (instance segmentation): mask IoU with COCO's crowd regions, the bilinear
sample behind RoIAlign, pasting a predicted mask into a box that sticks out of the image, and what a
mask costs in segm AP that a box does not. Each goes one step past what the notebook computed.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb13.py` (spoilers).
"""

from __future__ import annotations

import numbers

import numpy as np
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


def _crowd_case(seed: int, n: int, m: int, size: tuple[int, int]) -> tuple[torch.Tensor, ...]:
    """Detections, ground truth and its crowd flags: the last ground-truth mask is a large crowd region."""
    g = torch.Generator().manual_seed(seed)
    detections, truth = _masks(seed, n, size), _masks(seed + 100, m, size)
    height, width = size
    truth[-1] = False
    truth[-1, height // 4 :, : 3 * width // 4] = True  # the crowd: a large region around many people
    iscrowd = torch.zeros(m, dtype=torch.bool)
    iscrowd[-1] = True
    if m > 2:
        iscrowd[int(torch.randint(0, m - 1, (1,), generator=g))] = True  # and a second, smaller crowd
    return detections, truth, iscrowd


def _empty_and_full() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    a = torch.zeros(2, 5, 6, dtype=torch.bool)
    a[1, 1:4, 2:5] = True  # mask 0 is empty
    b = torch.ones(3, 5, 6, dtype=torch.bool)
    b[1] = False  # an empty mask on the other side too
    b[2, :, :3] = False
    return a, b, torch.tensor([False, True, True])


def _hidden_crowds(rng: np.random.Generator) -> list[tuple]:
    """Fresh random masks and crowd flags (bool tensors: a nudge cannot vary them)."""
    cases = []
    for _ in range(3):
        n, m = (int(v) for v in rng.integers(1, 6, size=2))
        size = (int(rng.integers(6, 16)), int(rng.integers(6, 16)))
        detections, truth, _ = _crowd_case(int(rng.integers(0, 10_000)), n, m, size)
        cases.append((detections, truth, torch.from_numpy(rng.random(m) < 0.4)))
    return cases


q1 = Exercise(
    name="Exercise 1 (mask IoU with crowd regions)",
    reference=key.my_mask_iou_crowd,
    hints=[
        "Start from section 3's mask IoU for all pairs (one matrix product for the intersections). Only "
        "the columns of crowd regions change.",
        "A crowd region is one mask drawn around a group of people too dense to outline one by one. A "
        "detection of one person inside it covers a small part of it: COCO then asks how much of the "
        "DETECTION lies in the crowd, so the denominator is the detection's area instead of the union.",
        "Build both denominators as (N, M) tensors (the union, and the detection's area broadcast along "
        "the columns) and pick one per column with torch.where on the crowd flags, given a leading axis "
        "so that they broadcast over the rows. Guard the division where the denominator is 0.",
    ],
    cases=[
        _crowd_case(0, 3, 4, (8, 10)),
        _crowd_case(2, 1, 1, (16, 16)),
        _empty_and_full(),
        _crowd_case(3, 5, 3, (12, 7)),
    ],
    wrong=key.WRONG_Q1,
    hidden=_hidden_crowds,
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


def _hidden_boxes(rng: np.random.Generator) -> list[tuple]:
    """Fresh masks and boxes, most of them sticking out of the image on one side or two."""
    cases = []
    for k in range(4):
        height, width = int(rng.integers(12, 30)), int(rng.integers(12, 30))
        box_w, box_h = int(rng.integers(4, width)), int(rng.integers(4, height))
        x0, y0 = (
            int(rng.integers(-box_w // 2, width - box_w // 2)),
            int(rng.integers(-box_h // 2, height - box_h // 2)),
        )
        cases.append(
            (
                _blob(int(rng.integers(0, 10_000)), 28 if k else 14),
                (x0, y0, x0 + box_w, y0 + box_h),
                height,
                width,
            )
        )
    return cases


q3 = Exercise(
    name="Exercise 3 (paste a mask into a box that sticks out)",
    reference=key.my_paste_mask,
    hints=[
        "Section 6's paste stretches the square mask to the box and writes it at the box's place. A "
        "detection near the border can have a box that sticks out of the image: which part of the mask "
        "should end up on the image?",
        "The mask describes the WHOLE box, visible or not: resize it to the whole box's height and width "
        "first, exactly as before, and threshold it. Only then decide which of its rows and columns are "
        "inside the image.",
        "Clip the box's edges to the image (max with 0, min with the height or width) to get the rows and "
        "columns to write, and take the matching rows and columns of the resized mask: shift them by the "
        "box's own top-left corner.",
    ],
    cases=[
        (_blob(0), (3, 5, 19, 14), 20, 24),
        (_blob(1), (-6, 4, 10, 30), 32, 12),
        (_blob(2, 14), (6, -5, 30, 25), 20, 28),
        (_blob(3), (-3, -4, 9, 8), 10, 10),
        (torch.tensor([[0.9, 0.1], [0.2, 0.8]]), (1, 1, 7, 5), 8, 9),
    ],
    wrong=key.WRONG_Q3,
    hidden=_hidden_boxes,
)


def _diagnose_count(answer: object) -> str | None:
    """Name the kind of mistake in a count of thresholds, never how far it is from the right count."""
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return None
    if 0 < answer < 1:
        return "that looks like an IoU: the question asks how many of the ten thresholds the detection passes"
    if answer != int(answer) or not 0 <= answer <= 10:
        return "a count of thresholds is a whole number from 0 to 10"
    return "compute the mask IoU first (overlap over union), then count the thresholds t with IoU ≥ t"


q4 = Exercise(
    name="Exercise 4 (segm AP vs bbox AP)",
    reference=key.thresholds_passed,
    hints=[
        "In segm AP a detection is a true positive at threshold t when its MASK IoU is at least t: the "
        "box plays no part. So the first thing to find is the IoU of the two masks.",
        "The overlap of the two masks is given in the question. The union is every pixel that is on in "
        "either mask: add the two areas, and remember that the overlap was counted in both.",
        "Then go through COCO's thresholds 0.50, 0.55, ..., 0.95 and count those the mask IoU reaches "
        "(a threshold equal to the IoU counts as passed).",
    ],
    diagnose=_diagnose_count,
    wrong=key.WRONG_Q4,
)
