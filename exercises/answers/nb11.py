"""SPOILERS: the answers to notebook 11's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import torch

from utils.exercises import Mistake
from utils.metrics import box_iou

# --- Exercise 1: centre-size boxes to corner boxes --------------------------------------------------


def my_cxcywh_to_xyxy(boxes: torch.Tensor) -> torch.Tensor:
    cx, cy, w, h = boxes.unbind(dim=1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=1)


def _full_size_offsets(boxes):
    cx, cy, w, h = boxes.unbind(dim=1)
    return torch.stack([cx - w, cy - h, cx + w, cy + h], dim=1)


def _to_xywh(boxes):
    cx, cy, w, h = boxes.unbind(dim=1)
    return torch.stack([cx - w / 2, cy - h / 2, w, h], dim=1)


def _corner_as_centre(boxes):
    x, y, w, h = boxes.unbind(dim=1)
    return torch.stack([x, y, x + w, y + h], dim=1)


def _width_height_swapped(boxes):
    cx, cy, w, h = boxes.unbind(dim=1)
    return torch.stack([cx - h / 2, cy - w / 2, cx + h / 2, cy + w / 2], dim=1)


WRONG_Q1 = [
    Mistake(
        _full_size_offsets,
        "your boxes are twice too large: the centre is HALF a width from each side (w / 2), not a whole width",
    ),
    Mistake(
        _to_xywh,
        "your last two columns are the width and height (that is the xywh format): xyxy ends with the "
        "bottom-right corner, x2 = x1 + w and y2 = y1 + h",
    ),
    Mistake(
        _corner_as_centre,
        "you treated (cx, cy) as the top-left corner: a cxcywh box is centred on (cx, cy), so x1 = cx - w / 2",
    ),
    Mistake(
        _width_height_swapped,
        "width and height are swapped: w spans x (columns 0 and 2), h spans y (columns 1 and 3)",
    ),
]

# --- Exercise 2: IoU of every pair of boxes ---------------------------------------------------------


def my_box_iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    top_left = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])  # (N, M, 2)
    bottom_right = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    wh = (bottom_right - top_left).clamp(min=0)  # no overlap: width or height 0
    inter = wh[..., 0] * wh[..., 1]
    return inter / (area1[:, None] + area2[None, :] - inter)


def _areas_and_overlap(boxes1, boxes2):
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    top_left = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    return area1, area2, bottom_right - top_left


def _no_clamp(boxes1, boxes2):
    area1, area2, wh = _areas_and_overlap(boxes1, boxes2)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (area1[:, None] + area2[None, :] - inter)


def _union_counts_overlap_twice(boxes1, boxes2):
    area1, area2, wh = _areas_and_overlap(boxes1, boxes2)
    inter = wh.clamp(min=0)[..., 0] * wh.clamp(min=0)[..., 1]
    return inter / (area1[:, None] + area2[None, :])


def _over_smaller_box(boxes1, boxes2):
    area1, area2, wh = _areas_and_overlap(boxes1, boxes2)
    inter = wh.clamp(min=0)[..., 0] * wh.clamp(min=0)[..., 1]
    return inter / torch.minimum(area1[:, None], area2[None, :])


def _over_first_box(boxes1, boxes2):
    area1, _, wh = _areas_and_overlap(boxes1, boxes2)
    inter = wh.clamp(min=0)[..., 0] * wh.clamp(min=0)[..., 1]
    return inter / area1[:, None]


WRONG_Q2 = [
    Mistake(
        _no_clamp,
        "boxes that do not overlap get a non-zero (even positive) IoU: a negative width or height of the "
        "overlap means no overlap, so clamp them at 0 before multiplying",
    ),
    Mistake(
        _union_counts_overlap_twice,
        "your union counts the overlap twice: area(A ∪ B) = area(A) + area(B) − area(A ∩ B)",
    ),
    Mistake(
        _over_smaller_box,
        "you divided by the smaller box's area (a box inside a larger one then scores 1): IoU divides by the UNION",
    ),
    Mistake(
        _over_first_box, "you divided by the area of the first box only: IoU divides by the UNION of both"
    ),
]

# --- Exercise 3: non-maximum suppression ------------------------------------------------------------


def my_nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    order = scores.argsort(descending=True, stable=True)  # best box first
    overlap = box_iou(boxes, boxes)
    keep = []
    for i in order.tolist():
        if all(overlap[i, j] <= iou_threshold for j in keep):  # not too close to any box kept so far
            keep.append(i)
    return torch.tensor(keep, dtype=torch.long)


def _input_order(boxes, scores, iou_threshold):
    return my_nms(boxes, torch.linspace(1, 0, len(scores)), iou_threshold)


def _lowest_first(boxes, scores, iou_threshold):
    return my_nms(boxes, -scores, iou_threshold)


def _keeps_the_overlapping(boxes, scores, iou_threshold):
    order = scores.argsort(descending=True, stable=True)
    overlap = box_iou(boxes, boxes)
    keep = []
    for i in order.tolist():
        if all(overlap[i, j] > iou_threshold for j in keep):
            keep.append(i)
    return torch.tensor(keep, dtype=torch.long)


def _drops_at_the_threshold(boxes, scores, iou_threshold):
    order = scores.argsort(descending=True, stable=True)
    overlap = box_iou(boxes, boxes)
    keep = []
    for i in order.tolist():
        if all(overlap[i, j] < iou_threshold for j in keep):  # drops a box whose IoU EQUALS the threshold
            keep.append(i)
    return torch.tensor(keep, dtype=torch.long)


def _last_kept_only(boxes, scores, iou_threshold):
    order = scores.argsort(descending=True, stable=True)
    overlap = box_iou(boxes, boxes)
    keep = []
    for i in order.tolist():
        if not keep or overlap[i, keep[-1]] <= iou_threshold:  # compares with the last kept box only
            keep.append(i)
    return torch.tensor(keep, dtype=torch.long)


def _sorted_indices(boxes, scores, iou_threshold):
    return my_nms(boxes, scores, iou_threshold).sort().values


def _one_pass(boxes, scores, iou_threshold):
    # drops every box that overlaps a better one, even one that was itself dropped
    overlap = box_iou(boxes, boxes)
    better = scores[None, :] > scores[:, None]
    dropped = ((overlap > iou_threshold) & better).any(dim=1)
    kept = torch.nonzero(~dropped).flatten()
    return kept[scores[kept].argsort(descending=True, stable=True)]


WRONG_Q3 = [
    Mistake(
        _input_order,
        "you visited the boxes in the order they came: visit them from the highest score down, so the "
        "best box of each cluster is the one kept",
    ),
    Mistake(_lowest_first, "you visited the boxes from the LOWEST score up: start from the highest score"),
    Mistake(
        _keeps_the_overlapping,
        "your test is reversed: a box is dropped when its IoU with a kept box is ABOVE the threshold",
    ),
    Mistake(
        _drops_at_the_threshold,
        "you also dropped a box whose IoU with a kept box EQUALS the threshold: torchvision drops a box only "
        "when its IoU is strictly above the threshold",
    ),
    Mistake(
        _last_kept_only,
        "you compared each box with the LAST box kept only: a box must be compared with EVERY box kept so "
        "far (an earlier kept box may be the one it overlaps)",
    ),
    Mistake(
        _sorted_indices,
        "the right boxes, in index order: return the kept indices by decreasing score, as torchvision does",
    ),
    Mistake(
        _one_pass,
        "you dropped boxes that only overlap a box that was itself dropped: compare each box with the "
        "boxes KEPT so far, in score order",
    ),
]

# --- Exercise 4: 101-point interpolated average precision -------------------------------------------


def my_average_precision(is_tp: torch.Tensor, num_gt: int) -> float:
    tp = torch.cumsum(is_tp.double(), dim=0)  # detections sorted by decreasing score
    fp = torch.cumsum((~is_tp).double(), dim=0)
    recall, precision = tp / num_gt, tp / (tp + fp)
    precision = precision.flip(0).cummax(0).values.flip(0)  # best precision at this recall or beyond
    levels = torch.linspace(0, 1, 101, dtype=torch.float64)
    first = torch.searchsorted(recall, levels)  # the first detection that reaches each recall level
    reached = first < len(recall)
    return torch.where(reached, precision[first.clamp(max=len(recall) - 1)], 0.0).mean().item()


def _raw_precision(is_tp, num_gt):
    tp = torch.cumsum(is_tp.double(), dim=0)
    recall, precision = tp / num_gt, tp / torch.arange(1, len(is_tp) + 1)
    first = torch.searchsorted(recall, torch.linspace(0, 1, 101, dtype=torch.float64))
    return torch.where(first < len(recall), precision[first.clamp(max=len(recall) - 1)], 0.0).mean().item()


def _area_under_steps(is_tp, num_gt):
    tp = torch.cumsum(is_tp.double(), dim=0)
    recall, precision = tp / num_gt, tp / torch.arange(1, len(is_tp) + 1)
    return (precision * torch.diff(recall, prepend=torch.zeros(1, dtype=torch.float64))).sum().item()


def _interpolated_ap(is_tp, num_gt, levels: int, unreached_count_zero: bool = True) -> float:
    """AP averaged over `levels` recall levels; the wrong answers below change one of its choices."""
    tp = torch.cumsum(is_tp.double(), dim=0)
    recall, precision = tp / num_gt, tp / torch.arange(1, len(is_tp) + 1)
    precision = precision.flip(0).cummax(0).values.flip(0)
    first = torch.searchsorted(recall, torch.linspace(0, 1, levels, dtype=torch.float64))
    at_levels = precision[first.clamp(max=len(recall) - 1)]
    if unreached_count_zero:
        at_levels = torch.where(first < len(recall), at_levels, 0.0)
    return at_levels.mean().item()


def _eleven_points(is_tp, num_gt):  # PASCAL VOC 2007's 11 levels instead of COCO's 101
    return _interpolated_ap(is_tp, num_gt, 11)


def _hundred_levels(is_tp, num_gt):  # 0, 0.01, ..., 1 is 101 levels, not 100
    return _interpolated_ap(is_tp, num_gt, 100)


def _unreached_levels_not_zero(is_tp, num_gt):  # levels beyond the last recall must count 0
    return _interpolated_ap(is_tp, num_gt, 101, unreached_count_zero=False)


def _recall_over_detections(is_tp, num_gt):
    return my_average_precision(is_tp, len(is_tp))


WRONG_Q4 = [
    Mistake(
        _raw_precision,
        "you read the raw precision: interpolate first, so that the precision at a recall level is the "
        "best precision reached at that recall OR ANY HIGHER one (the curve becomes non-increasing)",
    ),
    Mistake(
        _area_under_steps,
        "that is the area under the raw precision-recall steps (every-point AP): COCO averages the "
        "interpolated precision at 101 recall levels 0, 0.01, ..., 1",
    ),
    Mistake(
        _eleven_points,
        "that is the 11-point AP of PASCAL VOC 2007 (recall 0, 0.1, ..., 1): use 101 levels, 0.01 apart",
    ),
    Mistake(
        _hundred_levels,
        "you averaged 100 recall levels: 0, 0.01, ..., 1 are 101 levels, both ends included",
    ),
    Mistake(
        _unreached_levels_not_zero,
        "recall levels that no detection reaches got the last precision: they count 0 (the detector "
        "never found that share of the objects)",
    ),
    Mistake(
        _recall_over_detections,
        "your recall divides by the number of detections: recall = true positives / number of "
        "GROUND-TRUTH objects (num_gt), and objects never detected count too",
    ),
]
