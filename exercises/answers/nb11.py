"""SPOILERS: the answers to notebook 11's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message. Where
several wrong answers differ from the reference in one choice only, one small function builds them
all (`_giou_variant`, `_nms_variant`, `_ap_variant`): each wrong answer names the choice it gets wrong.
"""

import functools

import torch

from utils.exercises import Mistake
from utils.metrics import box_iou

# --- Exercise 1: centre-size boxes to corner boxes --------------------------------------------------


def my_cxcywh_to_xyxy(boxes: torch.Tensor) -> torch.Tensor:
    cx, cy, w, h = boxes.unbind(dim=1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=1)


def _corners(boxes, *, half=True, last="corner", centre=True, swap=False):
    """cxcywh → 4 columns; each keyword changes one choice of `my_cxcywh_to_xyxy`."""
    a, b, w, h = boxes.unbind(dim=1)
    w, h = (h, w) if swap else (w, h)
    dx, dy = (w / 2, h / 2) if half else (w, h)
    x1, y1 = (a - dx, b - dy) if centre else (a, b)
    if last == "size":
        return torch.stack([x1, y1, w, h], dim=1)
    return torch.stack([x1, y1, x1 + (2 * dx if centre else w), y1 + (2 * dy if centre else h)], dim=1)


def _xyxy_to_cxcywh(boxes):  # section 1's conversion, the other way round
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return torch.stack([boxes[:, 0] + w / 2, boxes[:, 1] + h / 2, w, h], dim=1)


WRONG_Q1 = [
    Mistake(
        _xyxy_to_cxcywh,
        "that converts the other way (xyxy → cxcywh, as section 1's xyxy_to_cxcywh does): here the input holds the centre and "
        "the size, and the corners are what you compute",
        copy_of="section 1's xyxy_to_cxcywh (cell 8)",
    ),
    Mistake(
        functools.partial(_corners, half=False),
        "your boxes are twice too large: the centre is HALF a width from each side, not a whole width",
    ),
    Mistake(
        functools.partial(_corners, last="size"),
        "your last two columns are the width and height (that is the xywh format): xyxy ends with the "
        "bottom-right corner",
    ),
    Mistake(
        functools.partial(_corners, centre=False),
        "you treated (cx, cy) as the top-left corner: a cxcywh box is centred on (cx, cy)",
    ),
    Mistake(
        functools.partial(_corners, swap=True),
        "width and height are swapped: w spans x (columns 0 and 2), h spans y (columns 1 and 3)",
    ),
]

# --- Exercise 2: generalised IoU of every pair of boxes ---------------------------------------------


def my_generalized_box_iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    overlap = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:]) - torch.maximum(
        boxes1[:, None, :2], boxes2[None, :, :2]
    )
    inter = overlap.clamp(min=0).prod(dim=2)  # (N, M)
    union = area1[:, None] + area2[None, :] - inter
    hull = torch.maximum(boxes1[:, None, 2:], boxes2[None, :, 2:]) - torch.minimum(
        boxes1[:, None, :2], boxes2[None, :, :2]
    )
    hull_area = hull.prod(dim=2)  # the smallest box around both
    return inter / union - (hull_area - union) / hull_area


def _giou_variant(boxes1, boxes2, *, clamp=True, empty="hull - union", over="hull", penalty=True):
    """GIoU with one choice changed: the wrong answers of exercise 2."""
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    overlap = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:]) - torch.maximum(
        boxes1[:, None, :2], boxes2[None, :, :2]
    )
    inter = (overlap.clamp(min=0) if clamp else overlap).prod(dim=2)
    union = area1[:, None] + area2[None, :] - inter
    hull = torch.maximum(boxes1[:, None, 2:], boxes2[None, :, 2:]) - torch.minimum(
        boxes1[:, None, :2], boxes2[None, :, :2]
    )
    hull_area = hull.prod(dim=2)
    if not penalty:
        return inter / union
    gap = hull_area - union if empty == "hull - union" else hull_area - inter
    return inter / union - gap / (hull_area if over == "hull" else union)


WRONG_Q2 = [
    Mistake(
        functools.partial(_giou_variant, penalty=False),
        "that is the plain IoU (section 2's iou_pairwise): GIoU subtracts the share of the enclosing box "
        "that neither box covers, so that boxes far apart score lower than boxes just apart",
        copy_of="section 2's iou_pairwise (cell 10)",
    ),
    Mistake(
        functools.partial(_giou_variant, clamp=False),
        "pairs that do not overlap get a non-zero intersection: a negative width or height of the overlap "
        "means no overlap, so clamp them at 0 before multiplying",
    ),
    Mistake(
        functools.partial(_giou_variant, empty="hull - intersection"),
        "the empty part of the enclosing box is what NEITHER box covers: the enclosing box's area minus "
        "the union, not minus the intersection",
    ),
    Mistake(
        functools.partial(_giou_variant, over="union"),
        "you divided the empty part by the union: GIoU divides it by the area of the enclosing box, so "
        "that the penalty stays between 0 and 1",
    ),
    lambda boxes1, boxes2: 1 - my_generalized_box_iou(boxes1, boxes2),  # the GIoU loss, not GIoU
]

# --- Exercise 3: non-maximum suppression per class --------------------------------------------------


def my_batched_nms(
    boxes: torch.Tensor, scores: torch.Tensor, labels: torch.Tensor, iou_threshold: float
) -> torch.Tensor:
    order = scores.argsort(descending=True, stable=True)  # best box first, whatever its class
    overlap = box_iou(boxes, boxes)
    keep = []
    for i in order.tolist():
        rivals = [j for j in keep if labels[j] == labels[i]]  # only boxes of the same class compete
        if all(overlap[i, j] <= iou_threshold for j in rivals):
            keep.append(i)
    return torch.tensor(keep, dtype=torch.long)


def _nms_variant(boxes, scores, labels, iou_threshold, *, per_class=True, visit="score", **change):
    """Class-wise NMS with one choice changed: the wrong answers of exercise 3.

    `change` may hold drop_at="equal too" (drop at IoU == threshold too), rivals="last kept" (compare with
    the last kept box only), output="index" or "by class" (another order of the kept indices).
    """
    if visit == "score":
        order = scores.argsort(descending=True, stable=True)
    elif visit == "lowest":
        order = scores.argsort(stable=True)
    else:  # the order the boxes came in
        order = torch.arange(len(scores))
    overlap = box_iou(boxes, boxes)
    keep = []
    for i in order.tolist():
        same = [j for j in keep if labels[j] == labels[i] or not per_class]
        if change.get("rivals") == "last kept":
            same = same[-1:]
        ious = [float(overlap[i, j]) for j in same]
        if change.get("drop_at") == "equal too" and any(iou >= iou_threshold for iou in ious):
            continue
        if all(iou <= iou_threshold for iou in ious):
            keep.append(i)
    keep = torch.tensor(keep, dtype=torch.long)
    if change.get("output") == "index":
        return keep.sort().values
    if change.get("output") == "by class":  # class after class, each by decreasing score
        return keep[labels[keep].argsort(stable=True)]
    return keep


WRONG_Q3 = [
    Mistake(
        functools.partial(_nms_variant, per_class=False),
        "a box of one class suppressed a box of ANOTHER class (that is section 3's NMS, for one class): "
        "here boxes compete only with boxes of their own label",
        copy_of="section 3's nms_from_scratch (cell 14)",
    ),
    Mistake(
        functools.partial(_nms_variant, visit="input"),
        "you visited the boxes in the order they came: visit them from the highest score down",
    ),
    Mistake(
        functools.partial(_nms_variant, drop_at="equal too"),
        "you also dropped a box whose IoU with a kept box EQUALS the threshold: torchvision drops a box only "
        "when its IoU is strictly above the threshold",
    ),
    Mistake(
        functools.partial(_nms_variant, rivals="last kept"),
        "you compared each box with the LAST box kept of its class only: compare it with EVERY box of its "
        "class kept so far",
    ),
    Mistake(
        functools.partial(_nms_variant, output="by class"),
        "the right boxes, grouped class by class: return all kept indices together, by decreasing score, "
        "as torchvision's batched_nms does",
    ),
    Mistake(
        functools.partial(_nms_variant, output="index"),
        "the right boxes, in index order: return the kept indices by decreasing score",
    ),
]

# --- Exercise 4: PASCAL VOC's all-point average precision -------------------------------------------


def my_voc_average_precision(is_tp: torch.Tensor, num_gt: int) -> float:
    tp = torch.cumsum(is_tp.double(), dim=0)  # detections sorted by decreasing score
    recall = tp / num_gt
    precision = tp / torch.arange(1, len(is_tp) + 1, dtype=torch.float64)
    envelope = precision.flip(0).cummax(0).values.flip(0)  # best precision at this recall or beyond
    width = torch.diff(recall, prepend=torch.zeros(1, dtype=torch.float64))  # recall gained at each detection
    return (width * envelope).sum().item()


def _ap_variant(is_tp, num_gt, *, levels=None, envelope=True, recall_over="objects"):
    """AP with one choice changed: levels=None is the area under the curve, else that many recall levels."""
    tp = torch.cumsum(is_tp.double(), dim=0)
    recall = tp / (num_gt if recall_over == "objects" else len(is_tp))
    precision = tp / torch.arange(1, len(is_tp) + 1, dtype=torch.float64)
    if envelope:
        precision = precision.flip(0).cummax(0).values.flip(0)
    if levels is None:
        return (torch.diff(recall, prepend=torch.zeros(1, dtype=torch.float64)) * precision).sum().item()
    first = torch.searchsorted(recall, torch.linspace(0, 1, levels, dtype=torch.float64))
    at_levels = torch.where(first < len(recall), precision[first.clamp(max=len(recall) - 1)], 0.0)
    return at_levels.mean().item()


WRONG_Q4 = [
    Mistake(
        functools.partial(_ap_variant, levels=101),
        "that is COCO's 101-point AP (section 4's average_precision): VOC's all-point AP adds up the area "
        "under the whole interpolated curve, one recall step at a time, not its value at fixed levels",
        copy_of="section 4's average_precision (cell 20)",
    ),
    Mistake(
        functools.partial(_ap_variant, envelope=False),
        "you added up the raw precision: interpolate first, so that the precision at a recall is the best "
        "precision reached at that recall OR ANY HIGHER one",
    ),
    Mistake(
        functools.partial(_ap_variant, levels=11),
        "that is the 11-point AP of PASCAL VOC 2007 (fixed recall levels 0.1 apart): VOC 2010 and later "
        "use the area under the whole interpolated curve",
    ),
    Mistake(
        functools.partial(_ap_variant, recall_over="detections"),
        "your recall divides by the number of detections: recall = true positives / number of "
        "GROUND-TRUTH objects (num_gt), and objects never detected count too",
    ),
]
