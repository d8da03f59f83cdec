"""COCO's matcher: greedy matching by score and 101-point interpolated AP, the way pycocotools' `COCOeval`
does it, for any overlap measure.

Box AP, mask AP (`detection.mean_average_precision`) and keypoint AP (`keypoints.keypoint_ap`) differ
only in how a detection's overlap with a ground-truth object is measured (box IoU, mask IoU, OKS). The
rest is this module, written once:

1. `coco_match`, per image (and class): detections, sorted by score, each take the not-yet-taken
   object they overlap most, if that overlap reaches the threshold; objects that are *ignored* (outside
   the area range, or flagged, e.g. a person without visible keypoints) are taken only when no counted
   object qualifies, and a detection matched to one is neither right nor wrong. Done for every area
   range and threshold at once.
2. `coco_precision_recall`, per class over the whole dataset: all detections sorted by score give a
   precision-recall curve; precision is made non-increasing and read at the 101 recall levels
   0, .01, ..., 1 (0 where the recall is never reached): AP is their mean.

Example:
    >>> ious = np.array([[0.9, 0.1], [0.6, 0.55]])  # 2 detections (by score) x 2 objects
    >>> matched, det_ignored, gt_ignored = coco_match(ious, np.ones(2), np.ones(2), [0.5], [(0.0, 1e10)])
    >>> matched[0, 0].tolist()  # the second detection takes the second object: the first is taken
    [True, True]
    >>> precision, recall = coco_precision_recall(np.array([0.9, 0.8]), matched[0], det_ignored[0], num_gt=2)
    >>> float(precision.mean()), float(recall[0])
    (1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

COCO_IOU_THRESHOLDS = tuple(np.linspace(0.5, 0.95, 10).tolist())  # .50:.05:.95, the floats of Params.iouThrs
COCO_RECALL_LEVELS = np.linspace(0.0, 1.0, 101)  # Params.recThrs: the 101 recall levels of the AP
COCO_AREA_RANGES = {  # object area in pixels² (Params.areaRng): all, small < 32², medium, large > 96²
    "all": (0.0, 1e10),
    "small": (0.0, 32.0**2),
    "medium": (32.0**2, 96.0**2),
    "large": (96.0**2, 1e10),
}


def coco_match(
    ious: np.ndarray,
    det_area: np.ndarray,
    gt_area: np.ndarray,
    thresholds: Sequence[float],
    area_ranges: Sequence[tuple[float, float]],
    gt_ignore: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """COCO's greedy matching in one image (and class), for every area range A and threshold T at once.

    Args:
        ious: (D, G) overlap of each detection with each object (box IoU, mask IoU or OKS); the rows
            sorted by decreasing score (the order detections pick in).
        det_area: (D,) area of each detection: an unmatched one outside the area range is ignored.
        gt_area: (G,) area of each object: one outside the area range is ignored.
        thresholds: T overlaps in [0, 1] a match must reach (COCO: `COCO_IOU_THRESHOLDS`).
        area_ranges: A (low, high) areas, bounds included (COCO: `COCO_AREA_RANGES.values()`).
        gt_ignore: (G,) bool, objects ignored in every range (COCO: crowds, people with no keypoint).

    Returns:
        `matched` (A, T, D) bool, `det_ignored` (A, T, D) bool (matched to an ignored object, or
        unmatched and outside the range: neither right nor wrong) and `gt_ignored` (A, G) bool.
        Among candidates, the highest overlap wins; ties go to the later object, as in pycocotools.

    Example:
        >>> m, d, g = coco_match(np.array([[0.7]]), np.array([50.0]), np.array([50.0]), [0.5, 0.75], [(0, 1e10), (100, 1e10)])
        >>> m[:, :, 0].tolist(), d[:, :, 0].tolist(), g.tolist()  # a hit at .5 only; in range 2 all ignored
        ([[True, False], [True, False]], [[False, False], [True, True]], [[False], [True]])
    """
    ious = np.asarray(ious, dtype=np.float64)
    if ious.ndim != 2:
        raise ValueError(f"ious must be a (detections, objects) matrix, got shape {ious.shape}")
    num_det, num_gt = ious.shape
    det_area, gt_area = np.asarray(det_area, np.float64), np.asarray(gt_area, np.float64)
    if det_area.shape != (num_det,) or gt_area.shape != (num_gt,):
        raise ValueError(
            f"det_area and gt_area must hold one area per row ({num_det}) and column ({num_gt}) of ious, "
            f"got shapes {det_area.shape} and {gt_area.shape}"
        )
    ranges = np.asarray(area_ranges, dtype=np.float64).reshape(-1, 2)
    lo, hi = ranges[:, 0], ranges[:, 1]
    gt_ignored = (gt_area[None, :] < lo[:, None]) | (gt_area[None, :] > hi[:, None])  # (A, G)
    if gt_ignore is not None:
        gt_ignored |= np.asarray(gt_ignore, dtype=bool)[None, :]
    shape = (len(ranges), len(thresholds))
    taken = np.zeros((*shape, num_gt), dtype=bool)
    matched = np.zeros((*shape, num_det), dtype=bool)
    matched_ignored = np.zeros((*shape, num_det), dtype=bool)
    limits = np.minimum(np.asarray(thresholds, dtype=np.float64), 1 - 1e-10)
    reaches = ious[:, None, :] >= limits[None, :, None]  # (D, T, G): overlap enough for a match
    groups = [(False, ~gt_ignored[:, None, :])]  # objects that count first, then the ignored ones
    if gt_ignored.any():
        groups.append((True, gt_ignored[:, None, :]))
    later_first = np.arange(num_gt)[::-1]
    for d in range(num_det if num_gt else 0):
        free = reaches[d][None] & ~taken  # (A, T, G)
        for ignored_group, in_group in groups:
            candidates = free & in_group
            if ignored_group:
                candidates &= ~matched[..., d : d + 1]  # only where no object that counts was found
            if not candidates.any():
                continue
            score = np.where(candidates, ious[d], -1.0)[..., later_first]
            best = num_gt - 1 - score.argmax(axis=-1)  # (A, T): highest overlap, ties to the later object
            a, t = np.nonzero(candidates.any(axis=-1))
            taken[a, t, best[a, t]] = True
            matched[a, t, d] = True
            matched_ignored[a, t, d] = ignored_group
    outside = (det_area[None, :] < lo[:, None]) | (det_area[None, :] > hi[:, None])  # (A, D)
    det_ignored = matched_ignored | (~matched & outside[:, None, :])
    return matched, det_ignored, gt_ignored


def coco_precision_recall(
    scores: np.ndarray,
    matched: np.ndarray,
    det_ignored: np.ndarray,
    num_gt: int,
    recall_levels: np.ndarray = COCO_RECALL_LEVELS,
) -> tuple[np.ndarray, np.ndarray]:
    """The interpolated precision at each recall level, and the final recall, of a dataset's detections.

    Args:
        scores: (D,) scores of every detection of the dataset (all images, one class).
        matched: (T, D) bool, from `coco_match` (one area range), detections in the same order.
        det_ignored: (T, D) bool, likewise: these count neither as true nor as false positives.
        num_gt: objects that count (not ignored), > 0.
        recall_levels: where the curve is read; COCO's 101 levels by default.

    Returns:
        `precision` (T, R): the precision envelope (the best precision at this recall or beyond) at
        each recall level, 0 where that recall is never reached (its mean over R is the AP), and
        `recall` (T,): the recall with every detection.

    Example:
        >>> p, r = coco_precision_recall(np.array([0.9, 0.8]), np.array([[False, True]]), np.zeros((1, 2), bool), 1)
        >>> round(float(p.mean()), 4), float(r[0])  # a miss, then a hit: precision 1/2 at every recall
        (0.5, 1.0)
    """
    if isinstance(num_gt, bool) or int(num_gt) != num_gt or num_gt < 1:
        raise ValueError(f"num_gt must be a positive int (objects that count), got {num_gt!r}")
    matched, det_ignored = np.asarray(matched, dtype=bool), np.asarray(det_ignored, dtype=bool)
    num_t, num_det = matched.shape
    if num_det == 0:
        return np.zeros((num_t, len(recall_levels))), np.zeros(num_t)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")  # stable, as pycocotools
    hit, skip = matched[:, order], det_ignored[:, order]
    tp = np.cumsum(hit & ~skip, axis=1, dtype=np.float64)
    fp = np.cumsum(~hit & ~skip, axis=1, dtype=np.float64)
    recall = tp / num_gt
    precision = tp / (tp + fp + np.spacing(1))
    precision = np.maximum.accumulate(precision[:, ::-1], axis=1)[:, ::-1]  # the envelope: non-increasing
    curve = np.zeros((num_t, len(recall_levels)))
    for t in range(num_t):
        first = np.searchsorted(recall[t], recall_levels, side="left")  # first detection reaching each level
        reached = first < num_det
        curve[t, reached] = precision[t, first[reached]]
    return curve, recall[:, -1]


__all__ = [
    "COCO_AREA_RANGES",
    "COCO_IOU_THRESHOLDS",
    "COCO_RECALL_LEVELS",
    "coco_match",
    "coco_precision_recall",
]
