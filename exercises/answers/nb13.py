"""SPOILERS: the answers to notebook 13's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import functools
import math

import torch
import torch.nn.functional as F

from utils.exercises import Mistake

# --- Exercise 1: mask IoU with COCO's crowd regions ---------------------------------------------


def my_mask_iou_crowd(masks1: torch.Tensor, masks2: torch.Tensor, iscrowd: torch.Tensor) -> torch.Tensor:
    a = masks1.flatten(1).float()  # (N, H*W) detections, 1 where the mask is on
    b = masks2.flatten(1).float()  # (M, H*W) ground truth
    intersection = a @ b.T  # (N, M): pixels on in both
    area1, area2 = a.sum(1)[:, None], b.sum(1)[None, :]
    union = area1 + area2 - intersection
    union = torch.where(iscrowd[None, :], area1.expand_as(union), union)  # a crowd: over the detection only
    return intersection / union.clamp(min=1)  # 0 where both masks are empty


def _crowd_variant(masks1, masks2, iscrowd, *, crowd_over="detection", crowd_value=None, dice=False):
    """Mask IoU with one choice changed: the wrong answers of exercise 1."""
    a, b = masks1.flatten(1).float(), masks2.flatten(1).float()
    intersection = a @ b.T
    area1, area2 = a.sum(1)[:, None].expand_as(intersection), b.sum(1)[None, :].expand_as(intersection)
    union = area1 + area2 if dice else area1 + area2 - intersection
    crowd = iscrowd[None, :].expand_as(union)
    if crowd_over == "detection":
        union = torch.where(crowd, area1, union)
    elif crowd_over == "crowd":
        union = torch.where(crowd, area2, union)
    elif crowd_over == "everywhere":
        union = area1
    iou = (2 if dice else 1) * intersection / union.clamp(min=1)
    return iou if crowd_value is None else torch.where(crowd, torch.full_like(iou, crowd_value), iou)


def _plain_mask_iou_matrix(masks1, masks2, iscrowd):  # section 3's, which has no crowds
    return _crowd_variant(masks1, masks2, iscrowd, crowd_over="never")


WRONG_Q1 = [
    Mistake(
        _plain_mask_iou_matrix,
        "that is the plain IoU of section 3's mask_iou_matrix: a crowd region is one mask around many people, and a detection "
        "of one of them covers only a little of it, so for crowd columns COCO divides by something else",
        copy_of="section 3's mask_iou_matrix (cell 14)",
    ),
    Mistake(
        functools.partial(_crowd_variant, crowd_over="crowd"),
        "for a crowd you divided by the CROWD region's area: then one person found inside a crowd of ten "
        "scores low; divide by the area of the detection",
    ),
    Mistake(
        functools.partial(_crowd_variant, crowd_over="everywhere"),
        "you divided by the detection's area for every pair: that is right for the crowd columns only; "
        "ordinary objects keep the union",
    ),
    Mistake(
        functools.partial(_crowd_variant, crowd_value=0.0),
        "you set the crowd pairs to 0: COCO still measures how much of the detection lies in the crowd",
    ),
    Mistake(
        functools.partial(_crowd_variant, dice=True, crowd_over="never"),
        "that is the Dice coefficient (2|A∩B| / (|A| + |B|)), not the IoU, and crowds get no special case",
    ),
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


def _grid_sample_as_roi_align_scratch(
    feature, x, y
):  # section 5's coordinates, with RoIAlign's half-cell shift
    height, width = feature.shape
    gx, gy = ((x - 0.5) + 0.5) * 2 / width - 1, ((y - 0.5) + 0.5) * 2 / height - 1
    grid = torch.tensor([[[[gx, gy]]]], dtype=feature.dtype)
    return float(F.grid_sample(feature[None, None], grid, mode="bilinear", align_corners=False)[0, 0, 0, 0])


WRONG_Q2 = [
    Mistake(
        _grid_sample_as_roi_align_scratch,
        "your point is half a pixel up and to the left: section 5's roi_align_scratch subtracts 0.5 to turn IMAGE coordinates "
        "into cell indices, but here x and y are already indices (feature[r, c] sits at (c, r))",
        copy_of="section 5's roi_align_scratch (cell 29)",
    ),
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

# --- Exercise 3: paste a mask into a box that may stick out of the image ------------------------


def my_paste_mask(mask: torch.Tensor, box: tuple, height: int, width: int) -> torch.Tensor:
    x0, y0, x1, y1 = box
    resized = F.interpolate(mask[None, None], size=(y1 - y0, x1 - x0), mode="bilinear", align_corners=False)
    inside = resized[0, 0] > 0.5  # the whole box's mask, even the part outside the image
    top, left, bottom, right = max(y0, 0), max(x0, 0), min(y1, height), min(x1, width)
    full = torch.zeros(height, width, dtype=torch.bool)
    full[top:bottom, left:right] = inside[top - y0 : bottom - y0, left - x0 : right - x0]
    return full


def _paste_variant(
    mask, box, height, width, *, clip_first=False, threshold=True, fill=False, binary_first=False
):
    """The paste with one choice changed: the wrong answers of exercise 3."""
    x0, y0, x1, y1 = box
    if clip_first:  # the box clipped to the image before resizing: the mask is squeezed into it
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if binary_first:
        resized = F.interpolate((mask > 0.5).float()[None, None], size=(y1 - y0, x1 - x0), mode="nearest")
    else:
        resized = F.interpolate(
            mask[None, None], size=(y1 - y0, x1 - x0), mode="bilinear", align_corners=False
        )
    inside = torch.ones_like(resized[0, 0]) if fill else resized[0, 0] > 0.5 if threshold else resized[0, 0]
    top, left, bottom, right = max(y0, 0), max(x0, 0), min(y1, height), min(x1, width)
    full = torch.zeros(height, width, dtype=inside.dtype)
    full[top:bottom, left:right] = inside[top - y0 : bottom - y0, left - x0 : right - x0]
    return full.bool() if fill else full


def _section_6_paste_mask(mask, box, height, width):  # section 6's paste: boxes inside the image only
    x0, y0, x1, y1 = box
    resized = F.interpolate(mask[None, None], size=(y1 - y0, x1 - x0), mode="bilinear", align_corners=False)
    full = torch.zeros(height, width, dtype=torch.bool)
    full[y0:y1, x0:x1] = resized[0, 0] > 0.5
    return full


WRONG_Q3 = [
    Mistake(
        _section_6_paste_mask, copy_of="section 6's paste_mask (cell 32)"
    ),  # fails where the box sticks out
    Mistake(
        functools.partial(_paste_variant, clip_first=True),
        "you clipped the box to the image before resizing, which squeezes the whole mask into the visible "
        "part: the mask describes the whole box, so resize it to the whole box and keep the part inside",
    ),
    Mistake(
        functools.partial(_paste_variant, threshold=False),
        "your mask holds probabilities: threshold the resized mask (> 0.5) to get a bool mask",
    ),
    Mistake(
        functools.partial(_paste_variant, fill=True),
        "you filled the whole box: the mask says which pixels of the box belong to the object",
    ),
    Mistake(
        functools.partial(_paste_variant, binary_first=True),
        "you thresholded before resizing (and resized with nearest neighbours): resize the probabilities "
        "bilinearly first, then threshold",
    ),
]

# --- Exercise 4: one detection, bbox AP vs segm AP ------------------------------------------------


def thresholds_passed() -> int:
    # Intersection 58 px, union 62 + 70 - 58 = 74 px: mask IoU 58 / 74 ≈ 0.784.
    # It passes 0.50, 0.55, 0.60, 0.65, 0.70, 0.75 and fails 0.80 ... 0.95.
    return 6


WRONG_Q4 = [
    Mistake(
        10,
        "10 is the box's count (box IoU 1 passes every threshold): in segm AP the MASK IoU decides",
        copy_of="the box AP count the question states",
    ),
    Mistake(
        9,
        "you divided the overlap by the TRUE mask's area (that is the share of the person found, a "
        "recall): IoU divides by the union of both masks",
    ),
    Mistake(
        7,
        "you divided the overlap by the PREDICTED mask's area (the share of the prediction that is "
        "right, a precision): IoU divides by the union of both masks",
    ),
    Mistake(8, "that count belongs to the Dice coefficient, 2|A∩B| / (|A| + |B|): segm AP uses the IoU"),
    Mistake(
        0,
        "no threshold passed: is your union the two areas added? The overlap was counted in both, "
        "subtract it once",
    ),
    0.784,  # the mask IoU itself, not a count
    4,  # the thresholds it fails
]
