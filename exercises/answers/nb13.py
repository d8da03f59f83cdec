"""SPOILERS: the answers to notebook 13's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math

import torch
import torch.nn.functional as F

from utils.exercises import Mistake

# --- Exercise 1: mask IoU of every pair ------------------------------------------------------------


def my_mask_iou(masks1: torch.Tensor, masks2: torch.Tensor) -> torch.Tensor:
    a = masks1.flatten(1).float()  # (N, H*W), 1 where the mask is on
    b = masks2.flatten(1).float()  # (M, H*W)
    intersection = a @ b.T  # (N, M): pixels on in both
    union = a.sum(1)[:, None] + b.sum(1)[None, :] - intersection
    return intersection / union.clamp(min=1)  # 0 where both masks are empty


def _flat(masks1, masks2):
    return masks1.flatten(1).float(), masks2.flatten(1).float()


def _iou_over_first(masks1, masks2):
    a, b = _flat(masks1, masks2)
    return (a @ b.T) / a.sum(1)[:, None].clamp(min=1)


def _iou_union_counted_twice(masks1, masks2):
    a, b = _flat(masks1, masks2)
    return (a @ b.T) / (a.sum(1)[:, None] + b.sum(1)[None, :]).clamp(min=1)


def _dice(masks1, masks2):
    a, b = _flat(masks1, masks2)
    return 2 * (a @ b.T) / (a.sum(1)[:, None] + b.sum(1)[None, :]).clamp(min=1)


def _box_iou_of_masks(masks1, masks2):
    from torchvision.ops import box_iou, masks_to_boxes

    return box_iou(masks_to_boxes(masks1.float()), masks_to_boxes(masks2.float()))


WRONG_Q1 = [
    Mistake(
        _iou_over_first, "you divided by the area of the first mask: IoU divides by the area of the union"
    ),
    Mistake(
        _iou_union_counted_twice,
        "your union counts the overlap twice: subtract the intersection from the sum of the two areas",
    ),
    Mistake(_dice, "that is the Dice coefficient (2|A∩B| / (|A| + |B|)), not the IoU"),
    Mistake(
        lambda masks1, masks2: my_mask_iou(masks2, masks1),
        "your output is (M, N): rows must follow masks1 and columns masks2",
    ),
    Mistake(_box_iou_of_masks, "that is the IoU of the masks' boxes: count pixels of the masks themselves"),
]

# --- Exercise 2: a bilinear sample, as RoIAlign takes it ------------------------------------------


def my_bilinear(feature: torch.Tensor, x: float, y: float) -> float:
    x0, y0 = math.floor(x), math.floor(y)  # the pixel up and to the left of (x, y)
    dx, dy = x - x0, y - y0  # how far (x, y) lies towards the next column and row
    top = (1 - dx) * feature[y0, x0] + dx * feature[y0, x0 + 1]
    bottom = (1 - dx) * feature[y0 + 1, x0] + dx * feature[y0 + 1, x0 + 1]
    return float((1 - dy) * top + dy * bottom)


def _nearest(feature, x, y):
    return float(feature[round(y), round(x)])


def _bilinear_rows_cols_swapped(feature, x, y):
    x0, y0 = math.floor(x), math.floor(y)
    dx, dy = x - x0, y - y0
    top = (1 - dx) * feature[x0, y0] + dx * feature[x0 + 1, y0]
    bottom = (1 - dx) * feature[x0, y0 + 1] + dx * feature[x0 + 1, y0 + 1]
    return float((1 - dy) * top + dy * bottom)


def _weights_swapped(feature, x, y):
    x0, y0 = math.floor(x), math.floor(y)
    dx, dy = x - x0, y - y0
    top = dx * feature[y0, x0] + (1 - dx) * feature[y0, x0 + 1]
    bottom = dx * feature[y0 + 1, x0] + (1 - dx) * feature[y0 + 1, x0 + 1]
    return float(dy * top + (1 - dy) * bottom)


def _mean_of_four(feature, x, y):
    x0, y0 = math.floor(x), math.floor(y)
    return float(feature[y0 : y0 + 2, x0 : x0 + 2].mean())


WRONG_Q2 = [
    Mistake(_nearest, "you took the nearest pixel: RoIAlign blends the four pixels around the point"),
    Mistake(
        _bilinear_rows_cols_swapped,
        "rows and columns are swapped: feature[row, column] is feature[y, x]",
    ),
    Mistake(
        _weights_swapped,
        "the weights are the wrong way round: the nearer a pixel, the larger its weight (1 - dx for the left one)",
    ),
    Mistake(_mean_of_four, "you averaged the four pixels: each must be weighted by how close the point is"),
]

# --- Exercise 3: paste a mask into its box --------------------------------------------------------


def my_paste_mask(mask: torch.Tensor, box: tuple, height: int, width: int) -> torch.Tensor:
    x0, y0, x1, y1 = box
    resized = F.interpolate(mask[None, None], size=(y1 - y0, x1 - x0), mode="bilinear", align_corners=False)
    full = torch.zeros(height, width, dtype=torch.bool)
    full[y0:y1, x0:x1] = resized[0, 0] > 0.5
    return full


def _size_swapped(mask, box, height, width):
    x0, y0, x1, y1 = box
    resized = F.interpolate(mask[None, None], size=(x1 - x0, y1 - y0), mode="bilinear", align_corners=False)
    full = torch.zeros(height, width, dtype=torch.bool)
    full[y0:y1, x0:x1] = resized[0, 0].T > 0.5
    return full


def _not_thresholded(mask, box, height, width):
    x0, y0, x1, y1 = box
    resized = F.interpolate(mask[None, None], size=(y1 - y0, x1 - x0), mode="bilinear", align_corners=False)
    full = torch.zeros(height, width)
    full[y0:y1, x0:x1] = resized[0, 0]
    return full


def _whole_box(mask, box, height, width):
    x0, y0, x1, y1 = box
    full = torch.zeros(height, width, dtype=torch.bool)
    full[y0:y1, x0:x1] = True
    return full


def _threshold_before_resizing(mask, box, height, width):
    x0, y0, x1, y1 = box
    binary = (mask > 0.5).float()
    resized = F.interpolate(binary[None, None], size=(y1 - y0, x1 - x0), mode="nearest")
    full = torch.zeros(height, width, dtype=torch.bool)
    full[y0:y1, x0:x1] = resized[0, 0] > 0.5
    return full


WRONG_Q3 = [
    Mistake(
        _not_thresholded,
        "your mask holds probabilities: threshold the resized mask (> 0.5) to get a bool mask",
    ),
    Mistake(
        _whole_box, "you filled the whole box: the mask says which pixels of the box belong to the object"
    ),
    Mistake(
        _threshold_before_resizing,
        "you thresholded before resizing (and resized with nearest neighbours): resize the probabilities "
        "bilinearly first, then threshold",
    ),
    _size_swapped,  # resized to (width, height) and transposed: the mask ends up mirrored across its diagonal
]

# --- Exercise 4: one detection, bbox AP vs segm AP ------------------------------------------------


def thresholds_passed() -> int:
    # The predicted mask fills the box and contains the true mask: intersection 62, union 100.
    # Mask IoU 0.62 passes the thresholds 0.50, 0.55 and 0.60, and fails 0.65 ... 0.95.
    return 3


WRONG_Q4 = [
    10,  # every threshold: that is the bbox count (box IoU 1)
    2,  # missed 0.60 (0.62 is above it)
    4,  # counted 0.65 too
    0.62,  # the mask IoU, not a count
    7,  # the thresholds it fails
]
