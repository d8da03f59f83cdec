"""Detection metrics: box IoU, mask IoU, non-maximum suppression and COCO mean average precision.

`mean_average_precision` follows the COCO evaluation (pycocotools `COCOeval`, which torchmetrics'
`MeanAveragePrecision` calls) step by step, so its numbers are the ones papers report:

1. per image and class, detections are sorted by score (the first 100 kept) and matched greedily
   to the ground-truth object they overlap most, at each IoU threshold .50, .55, ..., .95;
2. per class, all detections of the dataset are sorted by score into a precision-recall curve;
   precision is made non-increasing and read at 101 recall levels 0, .01, ..., 1 (101-point
   interpolation); their mean is the AP of that class at that threshold;
3. `map` is the mean over classes and thresholds; `map_50` / `map_75` at one threshold;
   `map_small` / `medium` / `large` count only objects of area < 32², 32²..96², > 96² pixels;
   `mar_k` is the recall with at most k detections per image, averaged the same way.

Crowd annotations (`iscrowd = 1`) are not supported: every ground-truth object must be found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import Tensor

from utils.metrics.coco import (
    COCO_AREA_RANGES,
    COCO_IOU_THRESHOLDS,
    COCO_RECALL_LEVELS,
    coco_match,
    coco_precision_recall,
)

AREA_RANGES = COCO_AREA_RANGES  # all, small < 32², medium 32²..96², large > 96² pixels
NMS_BLOCK = 256  # nms takes the boxes this many at a time: memory ~ 256 x (kept boxes), never N x N


def _check_boxes(boxes: Tensor, name: str) -> Tensor:
    if not isinstance(boxes, Tensor) or boxes.dim() != 2 or boxes.shape[1] != 4 or boxes.dtype == torch.bool:
        shape = tuple(boxes.shape) if isinstance(boxes, Tensor) else type(boxes).__name__
        raise ValueError(f"{name} must be a tensor of boxes of shape (N, 4) in xyxy format, got {shape}")
    if not boxes.is_floating_point():
        boxes = boxes.float()
    if boxes.numel() and ((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])).any():
        raise ValueError(
            f"{name} must be xyxy boxes with x2 >= x1 and y2 >= y1; some are not (are they xywh or cxcywh? "
            "convert them with torchvision.ops.box_convert)"
        )
    return boxes


def box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Intersection over union of every box in `boxes1` with every box in `boxes2`.

    IoU = area(A ∩ B) / area(A ∪ B), from 0 (disjoint) to 1 (identical). Two boxes whose union has
    no area (both degenerate) get 0 rather than 0 / 0.

    Args:
        boxes1: (N, 4) boxes in xyxy format (x1, y1, x2, y2) with x1 ≤ x2, y1 ≤ y2.
        boxes2: (M, 4) boxes in the same format.

    Returns:
        (N, M) float tensor; entry (i, j) is the IoU of boxes1[i] and boxes2[j].

    Example:
        >>> box_iou(torch.tensor([[0.0, 0.0, 2.0, 2.0]]), torch.tensor([[1.0, 0.0, 3.0, 2.0], [5.0, 5.0, 6.0, 6.0]]))
        tensor([[0.3333, 0.0000]])
    """
    b1, b2 = _check_boxes(boxes1, "boxes1"), _check_boxes(boxes2, "boxes2")
    dtype = torch.promote_types(b1.dtype, b2.dtype)
    return _iou_of_boxes(b1.to(dtype), b2.to(device=b1.device, dtype=dtype))


def _iou_of_boxes(b1: Tensor, b2: Tensor) -> Tensor:
    """`box_iou` without the checks: (N, 4) and (M, 4) xyxy boxes of one dtype and device -> (N, M).

    The same arithmetic as torchvision's `box_iou` and `nms` (so thresholds cut at the same boxes),
    written with in-place steps so that only three (N, M) arrays are ever alive.
    """
    area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    width = torch.minimum(b1[:, None, 2], b2[None, :, 2]).sub_(torch.maximum(b1[:, None, 0], b2[None, :, 0]))
    height = torch.minimum(b1[:, None, 3], b2[None, :, 3]).sub_(torch.maximum(b1[:, None, 1], b2[None, :, 1]))
    inter = width.clamp_(min=0).mul_(height.clamp_(min=0))  # intersection area
    union = (area1[:, None] + area2[None, :]).sub_(inter)
    return inter.div_(union).nan_to_num_(nan=0.0)  # 0 / 0 (two empty boxes) -> 0


def _check_masks(masks: Tensor, name: str) -> Tensor:
    if not isinstance(masks, Tensor) or masks.dim() != 3:
        shape = tuple(masks.shape) if isinstance(masks, Tensor) else type(masks).__name__
        hint = (
            " (Mask R-CNN gives (N, 1, H, W) probabilities: use masks[:, 0] > 0.5)"
            if shape[1:2] == (1,)
            else ""
        )
        raise ValueError(f"{name} must be a tensor of binary masks of shape (N, H, W), got {shape}{hint}")
    if masks.is_floating_point() or (masks.dtype != torch.bool and masks.numel() and masks.max() > 1):
        raise ValueError(
            f"{name} must hold binary masks (bool or integers 0/1), got {masks.dtype}"
            + (" (threshold probabilities first, e.g. masks > 0.5)" if masks.is_floating_point() else "")
        )
    return masks.bool()


def _mask_iou64(masks1: Tensor, masks2: Tensor) -> Tensor:
    """`mask_iou` in float64 (the precision `mean_average_precision` compares with).

    Pixel counts with bits: each mask is packed 64 pixels to a word, and the pixels two masks share
    are the set bits of their bitwise AND (exact integers; 64 pixels per operation).
    """
    m1, m2 = _check_masks(masks1, "masks1"), _check_masks(masks2, "masks2")
    if m1.shape[1:] != m2.shape[1:]:
        raise ValueError(
            f"masks1 and masks2 must have the same H × W, got {tuple(m1.shape[1:])} and {tuple(m2.shape[1:])}"
        )
    a, b = _packed(m1), _packed(m2)  # 64 pixels per word
    areas = _count_bits(a)[:, None] + _count_bits(b)[None, :]
    useful = a.any(axis=0) & b.any(axis=0)  # only words where masks of both sets have pixels can overlap
    a, b = np.ascontiguousarray(a[:, useful]), np.ascontiguousarray(b[:, useful])
    inter = np.zeros((len(a), len(b)), dtype=np.int64)
    both = np.empty_like(b)
    for i in range(len(a)):  # pixels in both = set bits of (a AND b), for one mask of masks1 at a time
        np.bitwise_and(b, a[i], out=both)
        inter[i] = _count_bits(both)
    union = areas - inter
    iou = torch.from_numpy(np.where(union > 0, inter / np.maximum(union, 1), 0.0))
    return iou.to(masks1.device)


_BITS_IN_BYTE = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _packed(masks: Tensor) -> np.ndarray:
    """(N, H, W) bool masks as (N, words) uint64, one bit per pixel (zero-padded to whole words)."""
    bits = np.packbits(masks.detach().cpu().flatten(1).numpy(), axis=1)
    bits = np.pad(bits, ((0, 0), (0, -bits.shape[1] % 8)))
    return np.ascontiguousarray(bits).view(np.uint64)


def _count_bits(words: np.ndarray) -> np.ndarray:
    """The number of set bits along the last axis of uint64 `words`, int64."""
    if hasattr(np, "bitwise_count"):  # NumPy >= 2: the CPU's popcount
        return np.bitwise_count(words).sum(axis=-1, dtype=np.int64)
    return _BITS_IN_BYTE[np.ascontiguousarray(words).view(np.uint8)].sum(axis=-1, dtype=np.int64)


def mask_iou(masks1: Tensor, masks2: Tensor) -> Tensor:
    """Intersection over union of every mask in `masks1` with every mask in `masks2`, in pixels.

    Args:
        masks1: (N, H, W) binary masks (bool, or integers 0/1).
        masks2: (M, H, W) binary masks of the same size.

    Returns:
        (N, M) float32 tensor of IoUs (0 where both masks are empty).

    Example:
        >>> a = torch.zeros(1, 4, 4, dtype=torch.bool); a[0, :2] = True     # top half
        >>> b = torch.zeros(1, 4, 4, dtype=torch.bool); b[0, :, :2] = True  # left half
        >>> mask_iou(a, b)
        tensor([[0.3333]])
    """
    return _mask_iou64(masks1, masks2).float()


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Non-maximum suppression: keep the best box, drop the boxes overlapping it, repeat.

    Boxes are visited from the highest score down (equal scores: the earlier box first); a box is
    dropped when its IoU with an already kept box is *greater* than `iou_threshold`, as in
    `torchvision.ops.nms`. Apply it per class (or use `torchvision.ops.batched_nms`) when boxes of
    different classes may overlap.

    Args:
        boxes: (N, 4) xyxy boxes.
        scores: (N,) float confidence of each box.
        iou_threshold: overlap in [0, 1] above which the lower-scoring box is dropped.

    Returns:
        int64 indices into `boxes` of the kept boxes, by decreasing score.

    Example:
        >>> boxes = torch.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]])
        >>> nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
        tensor([0, 2])
    """
    boxes = _check_boxes(boxes, "boxes")
    if not isinstance(scores, Tensor) or scores.dim() != 1 or not scores.is_floating_point():
        raise ValueError(
            f"scores must be a 1-D float tensor, got {getattr(scores, 'shape', type(scores).__name__)}"
        )
    if scores.shape[0] != boxes.shape[0]:
        raise ValueError(f"{boxes.shape[0]} boxes but {scores.shape[0]} scores: they must match")
    if (
        isinstance(iou_threshold, bool)
        or not isinstance(iou_threshold, (int, float))
        or not 0 <= iou_threshold <= 1
    ):
        raise ValueError(f"iou_threshold must be a number in [0, 1], got {iou_threshold!r}")
    return _nms_blocks(boxes, scores, float(iou_threshold))


def _iou_np(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of boxes a and b (NumPy, broadcasting), with torchvision `nms`'s arithmetic in the boxes'
    dtype (so the same boxes cross the threshold); NaN for two empty boxes."""
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    width = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    height = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    inter = np.maximum(width, 0) * np.maximum(height, 0)
    with np.errstate(invalid="ignore"):
        return inter / (area_a + area_b - inter)


def _below(threshold: float, dtype: np.dtype) -> float:
    """The largest value of `dtype` not above `threshold`: for an IoU x of that dtype, x > result
    exactly when x > threshold, as torchvision compares (its IoU in the boxes' dtype, the threshold a double)."""
    value = np.asarray(threshold, dtype=dtype)
    return float(value if float(value) <= threshold else np.nextafter(value, dtype.type(-1)))


def _nms_blocks(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """`nms` without the N x N IoU matrix: the boxes, best first, NMS_BLOCK at a time.

    A block's boxes are first checked against the boxes kept so far, but only against those whose
    x-range can reach theirs (kept boxes sorted by x1: a box starting before our x2, and after our x1
    minus the widest kept box), then the classic greedy loop runs among the block's survivors on their
    small IoU matrix. Work grows with (boxes x kept boxes nearby), memory with NMS_BLOCK x kept boxes.
    """
    order = torch.sort(scores.detach().cpu(), descending=True, stable=True).indices  # the greedy order
    ranked = boxes.detach().cpu()[order]
    ranked = ranked.numpy() if ranked.dtype in (torch.float32, torch.float64) else ranked.float().numpy()
    threshold = _below(iou_threshold, ranked.dtype)
    keep = np.zeros(len(ranked), dtype=bool)
    kept = ranked[:0]  # the boxes kept so far, sorted by x1
    for start in range(0, len(ranked), NMS_BLOCK):
        block = ranked[start : start + NMS_BLOCK]
        alive = np.ones(len(block), dtype=bool)
        if len(kept):
            reach = block[:, 0].astype(np.float64) - (kept[:, 2] - kept[:, 0]).max()  # widest kept box
            lo = np.searchsorted(kept[:, 0], reach, side="left")
            hi = np.searchsorted(kept[:, 0], block[:, 2], side="left")
            counts = np.maximum(hi - lo, 0)
            if counts.sum() > len(block) * len(kept) // 4:  # many kept boxes are near: take them all
                alive = ~(_iou_np(block[:, None], kept[None]) > threshold).any(axis=1)
            else:  # only the (block box, kept box) pairs whose x-ranges can meet
                mine = np.repeat(np.arange(len(block)), counts)
                theirs = np.arange(len(mine)) - np.repeat(np.cumsum(counts) - counts - lo, counts)
                alive[mine[_iou_np(block[mine], kept[theirs]) > threshold]] = False
        rest = np.nonzero(alive)[0]
        overlaps = np.triu(_iou_np(block[rest, None], block[None, rest]) > threshold, k=1)
        for i in np.nonzero(overlaps.any(axis=1))[0].tolist():  # the classic loop, on boxes that drop some
            if alive[rest[i]]:
                alive[rest[overlaps[i]]] = False
        keep[start : start + len(block)] = alive
        kept = np.concatenate([kept, block[alive]])
        kept = kept[np.argsort(kept[:, 0], kind="stable")]
    return order[torch.from_numpy(keep)].to(scores.device)


# --- mean average precision (COCO) -------------------------------------------------------------------


def _field(item: Mapping, key: str, where: str) -> Tensor:
    if key not in item:
        raise ValueError(f"{where} has no {key!r} key (expected torchmetrics' MeanAveragePrecision format)")
    value = item[key]
    if not isinstance(value, Tensor):
        raise ValueError(f"{where}[{key!r}] must be a tensor, got {type(value).__name__}")
    return value


def _image_items(item: Mapping, where: str, iou_type: str, is_pred: bool) -> dict[str, np.ndarray]:
    """One image's predictions or targets, validated, as NumPy arrays (float64 boxes, bool masks)."""
    if not isinstance(item, Mapping):
        raise ValueError(f"{where} must be a dict, got {type(item).__name__}")
    labels = _field(item, "labels", where)
    if labels.dim() != 1 or labels.is_floating_point() or labels.dtype == torch.bool:
        raise ValueError(
            f"{where}['labels'] must be integer class ids of shape (N,), got {labels.dtype} {tuple(labels.shape)}"
        )
    n = labels.shape[0]
    out = {"labels": labels.cpu().numpy().astype(np.int64)}
    if iou_type == "bbox":
        boxes = _field(item, "boxes", where)
        if boxes.numel() == 0:
            boxes = boxes.reshape(0, 4)
        boxes = _check_boxes(boxes, f"{where}['boxes']")
        if boxes.shape[0] != n:
            raise ValueError(f"{where} has {boxes.shape[0]} boxes but {n} labels: they must match")
        out["boxes"] = boxes.detach().cpu().double().numpy()
        b = out["boxes"]
        area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    else:
        masks = _field(item, "masks", where)
        masks = _check_masks(masks, f"{where}['masks']")
        if masks.shape[0] != n:
            raise ValueError(f"{where} has {masks.shape[0]} masks but {n} labels: they must match")
        out["masks"] = masks.detach().cpu()
        area = masks.flatten(1).sum(1).double().numpy()
    if is_pred:
        scores = _field(item, "scores", where)
        if scores.dim() != 1 or not scores.is_floating_point() or scores.shape[0] != n:
            raise ValueError(
                f"{where}['scores'] must be {n} float scores of shape ({n},), got {scores.dtype} {tuple(scores.shape)}"
            )
        out["scores"] = scores.detach().cpu().double().numpy()
    else:
        if "iscrowd" in item and torch.as_tensor(item["iscrowd"]).any():
            raise ValueError(f"{where} has crowd annotations (iscrowd = 1): they are not supported here")
        if "area" in item:  # as torchmetrics: a given positive area replaces the computed one
            given = torch.as_tensor(item["area"]).detach().cpu().double().reshape(-1).numpy()
            if given.shape[0] != n:
                raise ValueError(f"{where}['area'] has {given.shape[0]} values for {n} objects")
            area = np.where(given > 0, given, area)
    out["area"] = area
    return out


def _pair_ious(pred: dict, target: dict, iou_type: str) -> np.ndarray:
    """(D, G) IoUs of one image's predictions with its targets (same class), float64."""
    if iou_type == "bbox":
        return _iou_of_boxes(torch.from_numpy(pred["boxes"]), torch.from_numpy(target["boxes"])).numpy()
    return _mask_iou64(pred["masks"], target["masks"]).numpy()


def _mean_valid(values: np.ndarray) -> float:
    valid = values[values > -1]
    return float(valid.mean()) if valid.size else -1.0


def mean_average_precision(
    preds: Sequence[Mapping[str, Tensor]],
    targets: Sequence[Mapping[str, Tensor]],
    iou_type: str = "bbox",
    *,
    iou_thresholds: Sequence[float] | None = None,
    max_detection_thresholds: Sequence[int] = (1, 10, 100),
    class_metrics: bool = False,
    extended_summary: bool = False,
) -> dict[str, float | Tensor]:
    """COCO mean average precision and recall of detections, as pycocotools and torchmetrics compute them.

    Args:
        preds: one dict per image with `boxes` (N, 4) xyxy (or `masks` (N, H, W) binary for "segm"),
            `scores` (N,) and `labels` (N,) — torchmetrics' `MeanAveragePrecision` format, which is
            also what torchvision detection models return in eval mode (threshold Mask R-CNN's
            (N, 1, H, W) mask probabilities to (N, H, W) first).
        targets: one dict per image with `boxes` (or `masks`) and `labels`; an optional `area`
            (as in torchvision targets) replaces the computed object area for the size ranges.
        iou_type: "bbox" (box IoU) or "segm" (mask IoU).
        iou_thresholds: IoU thresholds to average over; default COCO's .50, .55, ..., .95.
        max_detection_thresholds: three increasing limits k of detections per image for `mar_k`.
        class_metrics: also return `map_per_class` and `mar_<last k>_per_class` (one value per class).
        extended_summary: also return the raw arrays, shaped as in pycocotools: `precision`
            (T, 101, K, 4, 3) at the 101 recall levels, `recall` (T, K, 4, 3), and `classes`
            ordered as their K axis (area ranges all/small/medium/large; the 3 max-detection limits).

    Returns:
        A dict with torchmetrics' keys: `map`, `map_50`, `map_75`, `map_small`, `map_medium`,
        `map_large`, `mar_1`, `mar_10`, `mar_100`, `mar_small`, `mar_medium`, `mar_large` as
        Python floats (-1 where nothing could be scored, e.g. no object of that size),
        `map_per_class`, `mar_100_per_class` (tensors, [-1] unless `class_metrics`) and `classes`
        (every class id seen in preds or targets).

    Example:
        >>> target = [{"boxes": torch.tensor([[0.0, 0, 10, 10]]), "labels": torch.tensor([1])}]
        >>> pred = [{"boxes": torch.tensor([[0.0, 0, 10, 9]]), "scores": torch.tensor([0.8]), "labels": torch.tensor([1])}]
        >>> result = mean_average_precision(pred, target)
        >>> round(result["map_50"], 3), round(result["map"], 3)  # IoU 0.9: a hit up to threshold .90
        (1.0, 0.9)
    """
    if iou_type not in ("bbox", "segm"):
        raise ValueError(f"iou_type must be 'bbox' or 'segm', got {iou_type!r}")
    if not isinstance(preds, Sequence) or not isinstance(targets, Sequence):
        raise ValueError("preds and targets must be lists of dicts, one per image")
    if len(preds) != len(targets):
        raise ValueError(f"{len(preds)} predictions for {len(targets)} targets: one dict per image each")
    thresholds = np.asarray(
        COCO_IOU_THRESHOLDS if iou_thresholds is None else list(iou_thresholds), dtype=np.float64
    )
    if thresholds.ndim != 1 or thresholds.size == 0 or ((thresholds < 0) | (thresholds > 1)).any():
        raise ValueError(
            f"iou_thresholds must be a non-empty list of numbers in [0, 1], got {iou_thresholds!r}"
        )
    max_dets = [int(k) for k in max_detection_thresholds]
    if len(max_dets) != 3 or sorted(max_dets) != max_dets or max_dets[0] < 1:
        raise ValueError(
            f"max_detection_thresholds must be three increasing positive ints, got {max_detection_thresholds!r}"
        )
    area_ranges = np.asarray(list(AREA_RANGES.values()))
    images = [
        (_image_items(p, f"preds[{i}]", iou_type, True), _image_items(t, f"targets[{i}]", iou_type, False))
        for i, (p, t) in enumerate(zip(preds, targets))
    ]
    classes = sorted({int(c) for p, t in images for c in np.concatenate([p["labels"], t["labels"]])})
    results = _evaluate(images, classes, iou_type, thresholds, area_ranges, max_dets)
    precision, recall = results  # (T, R, K, A, M), (T, K, A, M)

    def ap(t: int | None = None, area: int = 0, m: int = 2) -> float:
        p = precision[:, :, :, area, m] if t is None else precision[t, :, :, area, m]
        return _mean_valid(p)

    def at(value: float) -> int | None:
        close = np.nonzero(np.isclose(thresholds, value))[0]
        return int(close[0]) if close.size else None

    def ap_at(value: float) -> float:
        t = at(value)
        return ap(t) if t is not None else -1.0

    out: dict[str, float | Tensor] = {
        "map": ap(),
        "map_50": ap_at(0.5),
        "map_75": ap_at(0.75),
        "map_small": ap(area=1),
        "map_medium": ap(area=2),
        "map_large": ap(area=3),
    }
    for m, k in enumerate(max_dets):
        out[f"mar_{k}"] = _mean_valid(recall[:, :, 0, m])
    for a, name in enumerate(("small", "medium", "large"), start=1):
        out[f"mar_{name}"] = _mean_valid(recall[:, :, a, 2])
    if class_metrics:
        out["map_per_class"] = torch.tensor(
            [_mean_valid(precision[:, :, k, 0, 2]) for k in range(len(classes))]
        )
        out[f"mar_{max_dets[2]}_per_class"] = torch.tensor(
            [_mean_valid(recall[:, k, 0, 2]) for k in range(len(classes))]
        )
    else:
        out["map_per_class"] = torch.tensor([-1.0])
        out[f"mar_{max_dets[2]}_per_class"] = torch.tensor([-1.0])
    out["classes"] = torch.tensor(classes, dtype=torch.int32)
    if extended_summary:
        out["precision"] = torch.from_numpy(precision)
        out["recall"] = torch.from_numpy(recall)
    return out


def _evaluate(
    images: list,
    classes: list[int],
    iou_type: str,
    thresholds: np.ndarray,
    area_ranges: np.ndarray,
    max_dets: list[int],
) -> tuple[np.ndarray, np.ndarray]:
    """pycocotools' evaluate + accumulate: precision (T, R, K, A, M) and recall (T, K, A, M), -1 where undefined."""
    num_t, num_r, num_k, num_a, num_m = (
        len(thresholds),
        len(COCO_RECALL_LEVELS),
        len(classes),
        len(area_ranges),
        3,
    )
    precision = -np.ones((num_t, num_r, num_k, num_a, num_m))
    recall = -np.ones((num_t, num_k, num_a, num_m))
    for k, label in enumerate(classes):
        scores, ranks, matched, ignored, gt_ignored = [], [], [], [], []
        for pred, target in images:
            p_idx = np.nonzero(pred["labels"] == label)[0]
            g_idx = np.nonzero(target["labels"] == label)[0]
            if p_idx.size == 0 and g_idx.size == 0:
                continue
            p_idx = p_idx[np.argsort(-pred["scores"][p_idx], kind="mergesort")][: max_dets[-1]]
            p = {key: value[p_idx] for key, value in pred.items() if key != "masks"}
            g = {key: value[g_idx] for key, value in target.items() if key != "masks"}
            if iou_type == "segm":
                p["masks"], g["masks"] = (
                    pred["masks"][torch.from_numpy(p_idx)],
                    target["masks"][torch.from_numpy(g_idx)],
                )
            ious = (
                _pair_ious(p, g, iou_type)
                if p_idx.size and g_idx.size
                else np.zeros((p_idx.size, g_idx.size))
            )
            m, ig, gig = coco_match(ious, p["area"], g["area"], thresholds, area_ranges)
            scores.append(p["scores"])
            ranks.append(np.arange(p_idx.size))
            matched.append(m)
            ignored.append(ig)
            gt_ignored.append(gig)
        if not scores:
            continue
        scores_all, ranks_all = np.concatenate(scores), np.concatenate(ranks)
        matched_all, ignored_all = np.concatenate(matched, axis=-1), np.concatenate(ignored, axis=-1)
        num_gt = (~np.concatenate(gt_ignored, axis=-1)).sum(-1)  # (A,)
        for m, limit in enumerate(max_dets):
            within = ranks_all < limit  # the first `limit` detections of each image
            for a in range(num_a):
                if num_gt[a] == 0:
                    continue
                q, r = coco_precision_recall(
                    scores_all[within], matched_all[a][:, within], ignored_all[a][:, within], int(num_gt[a])
                )
                precision[:, :, k, a, m], recall[:, k, a, m] = q, r
    return precision, recall


__all__ = [
    "box_iou",
    "mask_iou",
    "mean_average_precision",
    "nms",
]  # what `utils.metrics` exports from this module
