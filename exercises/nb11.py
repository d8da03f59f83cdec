"""Exercises of notebook 11 (object detection): box formats, IoU, non-maximum suppression and the
101-point interpolated average precision.

What is here a learner may read: names, graded hints, hidden test inputs. The answers are in
`exercises/answers/nb11.py` (spoilers).
"""

from __future__ import annotations

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
    name="Exercise 2 (IoU of every pair of boxes)",
    reference=key.my_box_iou,
    hints=[
        "The overlap of two boxes is itself a box: its left edge is the larger of the two left edges, "
        "its right edge the smaller of the two right edges (the same for top and bottom).",
        "For all pairs at once, give boxes1 a middle axis and boxes2 a first axis (boxes1[:, None] and "
        "boxes2[None]) so that torch's element-wise maximum and minimum broadcast to (N, M). When the boxes do not "
        "overlap, the overlap's width or height comes out negative: clamp it at 0.",
        "IoU = intersection / union, and the union is the two areas added minus the intersection (it "
        "was counted in both). Each area is (x2 - x1) times (y2 - y1).",
    ],
    cases=[
        (torch.tensor([[0.0, 0.0, 2.0, 2.0]]), torch.tensor([[1.0, 0.0, 3.0, 2.0], [0.5, 0.5, 1.5, 1.5]])),
        (
            torch.tensor([[0.0, 0.0, 10.0, 10.0]]),
            torch.tensor([[20.0, 20.0, 30.0, 30.0], [0.0, 0.0, 10.0, 10.0]]),
        ),
        (_random_boxes(7), _random_boxes(5)),
    ],
    wrong=key.WRONG_Q2,
)

_NMS_BOXES = _cluster([(30.0, 30.0), (70.0, 40.0), (45.0, 75.0)], per=5, size=30.0)
_NMS_SCORES = torch.rand(len(_NMS_BOXES), generator=_random, dtype=torch.float64)
_CHAIN = torch.tensor([[0.0, 0, 10, 10], [3, 0, 13, 10], [6, 0, 16, 10]])  # A overlaps B, B overlaps C
_AT_THRESHOLD = torch.tensor(
    [[0.0, 0, 10, 10], [0, 0, 10, 20], [30, 30, 40, 40]]
)  # IoU of the first two: 0.5

q3 = Exercise(
    name="Exercise 3 (non-maximum suppression)",
    reference=key.my_nms,
    hints=[
        "NMS is greedy: take the box with the highest score and keep it; drop every box that overlaps "
        "it too much; then take the best box still standing, and so on.",
        "Visit the boxes in order of decreasing score (argsort with descending=True). A box survives when "
        "its IoU with EVERY box kept so far is at most the threshold; utils.metrics' box_iou of the boxes "
        "with themselves gives all the IoUs at once.",
        "Collect the indices of the surviving boxes in a Python list, in the order you kept them, and "
        "return them as an int64 tensor (torch.tensor(..., dtype=torch.long)).",
    ],
    cases=[
        (_CHAIN, torch.tensor([0.9, 0.8, 0.7]), 0.3),
        (_CHAIN, torch.tensor([0.7, 0.9, 0.8]), 0.3),
        (_AT_THRESHOLD, torch.tensor([0.9, 0.8, 0.7]), 0.5),
        (_NMS_BOXES, _NMS_SCORES, 0.5),
        (_NMS_BOXES, _NMS_SCORES, 0.2),
    ],
    wrong=key.WRONG_Q3,
)

q4 = Exercise(
    name="Exercise 4 (101-point interpolated AP)",
    reference=key.my_average_precision,
    hints=[
        "Walk down the detections (they are sorted by decreasing score) and count, after each one, the "
        "true positives and false positives so far: torch.cumsum does it for all of them at once. "
        "Recall divides the true positives by num_gt, precision by the detections so far.",
        "Interpolate: the precision at a point becomes the HIGHEST precision at that point or any later "
        "one (flip the vector, take a running maximum with cummax, flip back).",
        "For each of the 101 recall levels 0, 0.01, ..., 1 find the first detection whose recall reaches it "
        "(searchsorted on the recall vector); read the interpolated precision there, or 0 when no "
        "detection reaches that level. AP is the mean of the 101 values.",
    ],
    cases=[
        (torch.tensor([True, True, False, True, False, False, True]), 7),
        (torch.tensor([False, True, True, False, True]), 3),
        (torch.tensor([True, False, False, True, True, False, True, False, True]), 9),
        (torch.tensor([False, False, True]), 11),
        (torch.rand(40, generator=_random) < 0.6, 37),
    ],
    wrong=key.WRONG_Q4,
)
