"""Exercises of notebook 11 (object detection): box formats, generalised IoU, non-maximum suppression
per class and PASCAL VOC's all-point average precision. Each goes one step past what the notebook
built (the other conversion, another overlap measure, NMS with classes, another AP).

What is here a learner may read: names, graded hints, hidden test inputs. The answers are in
`exercises/answers/nb11.py` (spoilers).
"""

from __future__ import annotations

import numpy as np
import torch

from exercises.answers import nb11 as key
from utils.exercises import Exercise

_random = torch.Generator().manual_seed(11)


def _random_boxes(n: int, size: float = 100.0) -> torch.Tensor:
    """`n` xyxy boxes inside a size × size image (float64, so that sums are exact enough)."""
    corner = torch.rand(n, 2, generator=_random, dtype=torch.float64) * size * 0.7
    wh = torch.rand(n, 2, generator=_random, dtype=torch.float64) * size * 0.3 + 2
    return torch.cat([corner, corner + wh], dim=1)


def _cluster(centres: list[tuple[float, float]], per: int, size: float) -> torch.Tensor:
    """Boxes a detector would give before NMS: `per` jittered copies of a box around each centre."""
    boxes = []
    for cx, cy in centres:
        jitter = torch.randn(per, 4, generator=_random, dtype=torch.float64) * size / 10
        base = torch.tensor([cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2], dtype=torch.float64)
        b = base + jitter
        boxes.append(torch.cat([b[:, :2].minimum(b[:, 2:]), b[:, :2].maximum(b[:, 2:])], dim=1))
    return torch.cat(boxes)


q1 = Exercise(
    name="Exercise 1 (centre-size boxes to corners)",
    reference=key.my_cxcywh_to_xyxy,
    hints=[
        "Draw one box on paper: its centre (cx, cy), its width w and its height h. Where are its left and "
        "right edges, measured from the centre?",
        "The left edge is half a width to the left of the centre, the right edge half a width to the "
        "right; the same for top and bottom with the height.",
        "Split the four columns with unbind along dimension 1, build the four corner coordinates, and put them "
        "back side by side with torch.stack(..., dim=1) in the order x1, y1, x2, y2.",
    ],
    cases=[
        (torch.tensor([[5.0, 5.0, 4.0, 2.0]]),),
        (torch.tensor([[10.0, 20.0, 6.0, 8.0], [0.0, 0.0, 2.0, 2.0], [50.0, 40.0, 30.0, 10.0]]),),
        (torch.rand(6, 4, generator=_random, dtype=torch.float64) * 50 + 1,),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (generalised IoU of every pair of boxes)",
    reference=key.my_generalized_box_iou,
    hints=[
        "Start from the IoU of section 2 (intersection over union, for all N × M pairs at once by "
        "broadcasting). GIoU only adds a penalty term to it.",
        "The enclosing box C of a pair is the smallest box around both: its left edge is the SMALLER of "
        "the two left edges, its right edge the LARGER of the two right edges (the same for y). Its "
        "width and height are never negative, so it needs no clamp.",
        "The penalty is the part of C that neither box covers, as a share of C: (area of C minus the "
        "union) divided by the area of C. GIoU is the IoU minus that share.",
    ],
    cases=[
        (torch.tensor([[0.0, 0.0, 2.0, 2.0]]), torch.tensor([[1.0, 0.0, 3.0, 2.0], [0.5, 0.5, 1.5, 1.5]])),
        (
            torch.tensor([[0.0, 0.0, 10.0, 10.0]]),
            torch.tensor([[20.0, 20.0, 30.0, 30.0], [12.0, 0.0, 22.0, 10.0], [0.0, 0.0, 10.0, 10.0]]),
        ),
        (_random_boxes(7), _random_boxes(5)),
    ],
    wrong=key.WRONG_Q2,
)

_NMS_BOXES = _cluster([(30.0, 30.0), (70.0, 40.0), (45.0, 75.0)], per=5, size=30.0)
_NMS_SCORES = torch.rand(len(_NMS_BOXES), generator=_random, dtype=torch.float64)
_NMS_LABELS = torch.randint(1, 3, (len(_NMS_BOXES),), generator=_random)
_CHAIN = torch.tensor([[0.0, 0, 10, 10], [3, 0, 13, 10], [6, 0, 16, 10]])  # A overlaps B, B overlaps C
_AT_THRESHOLD = torch.tensor(
    [[0.0, 0, 10, 10], [0, 0, 10, 20], [30, 30, 40, 40]]
)  # IoU of the first two: 0.5
_TWO_CLASSES = torch.tensor([[0.0, 0, 10, 10], [1, 0, 11, 10], [0, 1, 10, 11], [40, 40, 50, 50]])

q3 = Exercise(
    name="Exercise 3 (non-maximum suppression per class)",
    reference=key.my_batched_nms,
    hints=[
        "Start from section 3's greedy NMS: visit the boxes by decreasing score and keep a box unless it "
        "overlaps a kept box too much. What changes when the boxes have classes?",
        "A person box must not delete a dog box that overlaps it: when you test a box, compare it only "
        "with the boxes kept so far that have the SAME label.",
        "Keep one list of kept indices for all classes, in the order you visit the boxes (so it stays "
        "sorted by score), and return it as an int64 tensor.",
    ],
    cases=[
        (_CHAIN, torch.tensor([0.9, 0.8, 0.7]), torch.tensor([1, 1, 1]), 0.3),
        (_TWO_CLASSES, torch.tensor([0.9, 0.8, 0.7, 0.6]), torch.tensor([1, 2, 1, 2]), 0.5),
        (_CHAIN, torch.tensor([0.7, 0.9, 0.8]), torch.tensor([2, 1, 2]), 0.3),
        (_AT_THRESHOLD, torch.tensor([0.9, 0.8, 0.7]), torch.tensor([3, 3, 3]), 0.5),
        (_NMS_BOXES, _NMS_SCORES, _NMS_LABELS, 0.5),
        (_NMS_BOXES, _NMS_SCORES, _NMS_LABELS, 0.2),
    ],
    wrong=key.WRONG_Q3,
)


def _hidden_ap(rng: np.random.Generator) -> list[tuple]:
    """Fresh detection lists (sorted by score) with some objects never detected."""
    cases = []
    for n in (6, 15, 40):
        is_tp = torch.from_numpy(rng.random(n) < rng.uniform(0.3, 0.8))
        cases.append((is_tp, max(int(is_tp.sum()) + int(rng.integers(0, 5)), 1)))
    return cases


q4 = Exercise(
    name="Exercise 4 (PASCAL VOC's all-point AP)",
    reference=key.my_voc_average_precision,
    hints=[
        "The first steps are section 4's: walk down the detections (sorted by decreasing score), count "
        "the true positives so far with a cumulative sum, and get recall (over num_gt) and precision "
        "(over the detections so far) after each detection.",
        "Interpolate as COCO does: the precision at a point becomes the HIGHEST precision at that point or "
        "any later one (flip, running maximum with cummax, flip back).",
        "Instead of reading that curve at fixed recall levels, add up the area under it: each detection "
        "widens the recall by some amount (zero for a false positive; torch.diff gives the widths), and "
        "that strip is as tall as the interpolated precision there.",
    ],
    cases=[
        (torch.tensor([True, True, False, True, False, False, True]), 7),
        (torch.tensor([False, True, True, False, True]), 3),
        (torch.tensor([True, False, False, True, True, False, True, False, True]), 9),
        (torch.tensor([False, False, True]), 11),
        (torch.rand(40, generator=_random) < 0.6, 37),
    ],
    wrong=key.WRONG_Q4,
    hidden=_hidden_ap,
)
