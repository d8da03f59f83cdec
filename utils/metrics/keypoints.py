"""Keypoint metrics: PCK, OKS, and keypoint AP via OKS (COCO's person-keypoints metric).

Conventions (the course plan's metrics table):

- `pck`: a visible keypoint counts as correct when its distance to the target is STRICTLY less than
  `threshold * normalizer` (as in mmpose); keypoints that are not visible are left out.
- `oks`: COCO's object keypoint similarity, as pycocotools computes it: for each visible keypoint
  $e_i = d_i^2 / \\big(2 \\cdot \\text{area} \\cdot (2\\sigma_i)^2\\big)$, and OKS is the mean of $\\exp(-e_i)$
  over the visible keypoints.
- `keypoint_ap`: COCO's keypoint AP, `COCOeval(iouType="keypoints")` step by step: OKS thresholds
  .50:.05:.95, 101-point interpolated precision, at most 20 detections per image, area ranges
  medium (32² to 96²) and large (above 96²).

"No visible keypoints" is an error for `pck` and `oks` (the value would be 0 / 0), and a person
without visible keypoints is *ignored* by `keypoint_ap`, as COCO does.
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

# COCO's 17 person keypoints, in COCO's order, and their per-keypoint sigmas (pycocotools'
# Params.kpt_oks_sigmas): larger for hips and knees, whose position people disagree on more.
COCO_KEYPOINTS = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
COCO_SIGMAS = (
    torch.tensor(
        [
            0.26,
            0.25,
            0.25,
            0.35,
            0.35,
            0.79,
            0.79,
            0.72,
            0.72,
            0.62,
            0.62,
            1.07,
            1.07,
            0.87,
            0.87,
            0.89,
            0.89,
        ],
        dtype=torch.float64,
    )
    / 10.0
)
OKS_THRESHOLDS = np.array(COCO_IOU_THRESHOLDS)  # the same floats as pycocotools' Params.iouThrs
RECALL_POINTS = COCO_RECALL_LEVELS  # Params.recThrs
AREA_RANGES = {name: COCO_AREA_RANGES[name] for name in ("all", "medium", "large")}  # no "small" people
MAX_DETECTIONS = 20  # COCO keypoint evaluation keeps the 20 highest-scoring detections per image


# --- checking inputs -------------------------------------------------------------------------------


def _points(value: object, name: str) -> Tensor:
    if not isinstance(value, Tensor) or value.dim() < 2 or value.shape[-1] != 2:
        shape = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
        raise ValueError(f"{name} must be a float tensor of (x, y) points, shape (..., K, 2), got {shape}")
    if not value.is_floating_point():
        raise ValueError(f"{name} must hold floats (pixel coordinates), got {value.dtype}")
    if not torch.isfinite(value).all():
        raise ValueError(f"{name} holds NaN or infinite coordinates")
    return value.double()


def _visible(value: object, shape: torch.Size) -> Tensor:
    if not isinstance(value, Tensor) or value.dtype != torch.bool:
        kind = value.dtype if isinstance(value, Tensor) else type(value).__name__
        raise ValueError(
            f"visible must be a bool tensor (True = the keypoint counts), got {kind}; "
            "from COCO's flags v in {0, 1, 2} use v > 0"
        )
    try:
        return value.expand(shape)
    except RuntimeError:
        raise ValueError(
            f"visible has shape {tuple(value.shape)}, which does not fit the keypoints' shape {tuple(shape)}"
        ) from None


def _sigmas(value: object, k: int) -> Tensor:
    sigmas = torch.as_tensor(value, dtype=torch.float64) if not isinstance(value, Tensor) else value.double()
    if sigmas.dim() != 1 or sigmas.shape[0] != k:
        raise ValueError(f"sigmas must hold one value per keypoint ({k}), got shape {tuple(sigmas.shape)}")
    if not (sigmas > 0).all():
        raise ValueError("sigmas must all be > 0")
    return sigmas


# --- PCK ---------------------------------------------------------------------------------------------


def pck(pred: Tensor, target: Tensor, visible: Tensor, threshold: float, normalizer: Tensor | float) -> float:
    """Percentage of Correct Keypoints: the fraction of visible keypoints closer to the target than
    `threshold * normalizer` (strictly).

    Args:
        pred: predicted (x, y) of each keypoint, float (N, K, 2).
        target: true (x, y), float (N, K, 2).
        visible: bool (N, K): which target keypoints count (e.g. COCO's v > 0). The others are left out.
        threshold: e.g. 0.2 for PCK@0.2 (> 0).
        normalizer: one length per instance, float (N,), or one number for all: e.g. the bounding
            box's longer side (PCK@0.2 of the box), the head size (PCKh), the torso size. In pixels.

    Returns:
        A fraction from 0 to 1.

    Raises:
        ValueError: bad shapes or values, or no visible keypoint at all (the fraction would be 0 / 0).

    Example:
        >>> target = torch.tensor([[[10.0, 10.0], [20.0, 20.0]]])
        >>> pred = torch.tensor([[[11.0, 10.0], [20.0, 29.0]]])
        >>> pck(pred, target, torch.tensor([[True, True]]), 0.2, torch.tensor([25.0]))
        0.5
    """
    pred, target = _points(pred, "pred"), _points(target, "target")
    if pred.dim() != 3 or pred.shape != target.shape:
        raise ValueError(
            f"pred and target must both have shape (N, K, 2), got {tuple(pred.shape)} and {tuple(target.shape)}"
        )
    visible = _visible(visible, pred.shape[:2])
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not threshold > 0:
        raise ValueError(f"threshold must be a number > 0 (e.g. 0.2), got {threshold!r}")
    norm = torch.as_tensor(normalizer, dtype=torch.float64).to(pred.device)
    if norm.dim() == 0:
        norm = norm.expand(pred.shape[0])
    if norm.shape != (pred.shape[0],):
        raise ValueError(
            f"normalizer must be one number or one length per instance, shape ({pred.shape[0]},), got {tuple(norm.shape)}"
        )
    if not (torch.isfinite(norm) & (norm > 0)).all():
        raise ValueError("normalizer must be > 0 (a length in pixels, e.g. the box size)")
    if not visible.any():
        raise ValueError("no visible keypoint to score: PCK is 0 / 0 (visible is all False)")
    distance = (pred - target).norm(dim=-1)  # (N, K)
    correct = distance < threshold * norm[:, None]  # strictly closer than the threshold
    return (correct & visible).sum().item() / visible.sum().item()


# --- OKS ---------------------------------------------------------------------------------------------


def oks(
    pred: Tensor, target: Tensor, visible: Tensor, area: Tensor | float, sigmas: Tensor | Sequence[float]
) -> Tensor:
    """Object Keypoint Similarity, COCO's "IoU for keypoints", of each (prediction, target) pair.

    For each visible keypoint $i$ at distance $d_i$, $e_i = d_i^2 / (2 \\cdot \\text{area} \\cdot (2\\sigma_i)^2)$;
    OKS is the mean of $\\exp(-e_i)$ over the target's visible keypoints: 1 for a perfect prediction,
    0.5 when every keypoint is off by about $2\\sigma_i\\sqrt{2 \\ln 2 \\cdot \\text{area}}$. Shapes broadcast, so
    `oks(pred[:, None], target[None], visible[None], area[None], sigmas)` gives a (D, G) matrix.

    Args:
        pred: predicted (x, y), float (..., K, 2).
        target: true (x, y), float (..., K, 2), broadcastable with `pred`.
        visible: bool (..., K): the target keypoints that count (COCO: v > 0).
        area: the target's area in pixels² (COCO: its segmentation area), shape (...) or one number, >= 0.
        sigmas: one σ per keypoint, (K,): `COCO_SIGMAS` for COCO's 17, your own for another skeleton.

    Returns:
        float64 tensor of the broadcast shape (...), values in [0, 1].

    Raises:
        ValueError: bad shapes or values, or a target with no visible keypoint (its OKS would be
            0 / 0; COCO ignores such people when it computes AP, and so does `keypoint_ap`).

    Example:
        >>> target = torch.zeros(1, 2, 2)
        >>> oks(target + 1.0, target, torch.ones(1, 2, dtype=torch.bool), torch.tensor([100.0]), [0.1, 0.1])  # exp(-1/4)
        tensor([0.7788], dtype=torch.float64)
    """
    pred, target = _points(pred, "pred"), _points(target, "target")
    try:
        shape = torch.broadcast_shapes(pred.shape, target.shape)
    except RuntimeError:
        raise ValueError(
            f"pred {tuple(pred.shape)} and target {tuple(target.shape)} do not broadcast"
        ) from None
    k = shape[-2]
    sigmas = _sigmas(sigmas, k).to(pred.device)
    visible = _visible(visible, shape[:-1])
    area = torch.as_tensor(area, dtype=torch.float64).to(pred.device)
    if not (torch.isfinite(area) & (area >= 0)).all():
        raise ValueError("area must be >= 0 (pixels²)")
    try:
        area = area.expand(shape[:-2])
    except RuntimeError:
        raise ValueError(
            f"area has shape {tuple(area.shape)}, expected one value per instance, shape {tuple(shape[:-2])}"
        ) from None
    counts = visible.sum(dim=-1)
    if (counts == 0).any():
        raise ValueError(
            f"{int((counts == 0).sum())} target(s) have no visible keypoint: OKS is undefined (0 / 0); "
            "leave such people out (COCO ignores them)"
        )
    return _oks(pred, target, visible, area, sigmas)


def _oks(pred: Tensor, target: Tensor, visible: Tensor, area: Tensor, sigmas: Tensor) -> Tensor:
    """`oks` on checked float64 inputs (every target with a visible keypoint)."""
    squared = ((pred - target) ** 2).sum(dim=-1)  # d_i², (..., K)
    e = squared / (2 * (2 * sigmas) ** 2 * (area[..., None] + np.spacing(1)))  # pycocotools adds eps to area
    return torch.where(visible, torch.exp(-e), 0.0).sum(dim=-1) / visible.sum(dim=-1)


# --- keypoint AP -------------------------------------------------------------------------------------


def _box_oks(pred: Tensor, box: Tensor, area: Tensor, sigmas: Tensor) -> Tensor:
    """pycocotools' OKS against a person with no visible keypoint: the distance of each predicted
    keypoint to a region twice the box's size around it (0 inside), averaged over ALL keypoints."""
    x0, y0, x1, y1 = box.tolist()
    w, h = x1 - x0, y1 - y0
    zero = torch.zeros((), dtype=torch.float64)
    dx = torch.maximum(zero, (x0 - w) - pred[..., 0]) + torch.maximum(zero, pred[..., 0] - (x1 + w))
    dy = torch.maximum(zero, (y0 - h) - pred[..., 1]) + torch.maximum(zero, pred[..., 1] - (y1 + h))
    e = (dx**2 + dy**2) / (2 * (2 * sigmas) ** 2 * (area + np.spacing(1)))
    return torch.exp(-e).mean(dim=-1)


def _check_items(items: object, name: str, keys: tuple[str, ...]) -> list[Mapping]:
    if not isinstance(items, Sequence) or isinstance(items, (str, Mapping)):
        raise ValueError(f"{name} must be a list with one dict per image, got {type(items).__name__}")
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not all(key in item for key in keys):
            raise ValueError(f"{name}[{i}] must be a dict with keys {list(keys)}, got {item!r:.80}")
    return list(items)


def _image_result(pred: Mapping, target: Mapping, sigmas: Tensor, image: int) -> dict:
    """One image's detections (sorted, at most MAX_DETECTIONS), their OKS with every person, and areas."""
    keypoints = _points(pred["keypoints"], f"preds[{image}]['keypoints']").reshape(-1, len(sigmas), 2)
    scores = torch.as_tensor(pred["scores"], dtype=torch.float64).reshape(-1)
    if scores.shape[0] != keypoints.shape[0]:
        raise ValueError(
            f"preds[{image}]: {keypoints.shape[0]} keypoint sets but {scores.shape[0]} scores: one score per detection"
        )
    order = np.argsort(-scores.cpu().numpy(), kind="mergesort")[:MAX_DETECTIONS]  # stable, as pycocotools
    keypoints, scores = keypoints[torch.as_tensor(order, dtype=torch.long)], scores.cpu().numpy()[order]
    people = _points(target["keypoints"], f"targets[{image}]['keypoints']").reshape(-1, len(sigmas), 2)
    g = people.shape[0]
    visible = _visible(torch.as_tensor(target["visible"]).reshape(g, len(sigmas)), people.shape[:2])
    areas = torch.as_tensor(target["area"], dtype=torch.float64).reshape(-1)
    if areas.shape[0] != g or not (torch.isfinite(areas) & (areas >= 0)).all():
        raise ValueError(f"targets[{image}]['area'] must hold one area >= 0 per person ({g})")
    boxes = target.get("boxes")
    labelled = visible.any(dim=1)
    ious = torch.zeros(len(order), g, dtype=torch.float64)
    if len(order) and labelled.any():
        ious[:, labelled] = _oks(  # inputs checked above: the formula only
            keypoints[:, None].cpu(),
            people[labelled][None].cpu(),
            visible[labelled][None].cpu(),
            areas[labelled][None].cpu(),
            sigmas.cpu(),
        )
    if boxes is not None and len(order):
        boxes = torch.as_tensor(boxes, dtype=torch.float64).reshape(g, 4)
        for j in (~labelled).nonzero().flatten().tolist():
            ious[:, j] = _box_oks(keypoints.cpu(), boxes[j], areas[j], sigmas)
    # a detection's area, for the area ranges when it matches nobody: its keypoints' bounding box
    low, high = keypoints.amin(dim=1), keypoints.amax(dim=1)
    det_areas = ((high - low).prod(dim=1)).cpu().numpy() if len(order) else np.zeros(0)
    return {
        "scores": scores,
        "ious": ious.numpy(),
        "gt_area": areas.cpu().numpy(),
        "gt_ignore": (~labelled).cpu().numpy(),
        "dt_area": det_areas,
    }


def _match(result: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """COCO's greedy matching in one image for every area range of `AREA_RANGES` (see `coco_match`):
    matched (A, T, D), det_ignored (A, T, D), gt_ignored (A, G); None when the image has neither
    people nor detections (COCOeval leaves it out)."""
    if result["ious"].shape[1] == 0 and len(result["scores"]) == 0:
        return None
    return coco_match(
        result["ious"],
        result["dt_area"],
        result["gt_area"],
        OKS_THRESHOLDS,
        list(AREA_RANGES.values()),
        gt_ignore=result["gt_ignore"],
    )


def _average_precision(
    results: list[dict], matches: list, area: int
) -> tuple[float, float, np.ndarray | None]:
    """(AP over the OKS thresholds, AR, precision at each threshold and recall point) for the area
    range number `area`; (-1, -1, None) when no person counts, as COCOeval reports it."""
    kept = [(r, m) for r, m in zip(results, matches) if m is not None]
    people = sum(int((~m[2][area]).sum()) for _, m in kept)
    if people == 0:
        return -1.0, -1.0, None
    curve, recall = coco_precision_recall(
        np.concatenate([r["scores"] for r, _ in kept]),
        np.concatenate([m[0][area] for _, m in kept], axis=1),
        np.concatenate([m[1][area] for _, m in kept], axis=1),
        people,
    )
    return float(curve.mean()), float(recall.mean()), curve


def keypoint_ap(
    preds: Sequence[Mapping[str, Tensor]],
    targets: Sequence[Mapping[str, Tensor]],
    sigmas: Tensor | Sequence[float] = COCO_SIGMAS,
) -> dict[str, float]:
    """COCO keypoint AP: average precision with OKS in place of box IoU, as `COCOeval(iouType="keypoints")`.

    Per image, detections are taken highest score first (at most 20) and each is matched to the
    unmatched person with the highest OKS, if that OKS reaches the threshold. Over all images,
    precision is computed along the score ranking, made monotone, read at 101 recall points and
    averaged, then averaged over the OKS thresholds .50, .55, ..., .95.

    Args:
        preds: one dict per image: `keypoints` float (D, K, 2) and `scores` (D,).
        targets: one dict per image, in the same order: `keypoints` float (G, K, 2), `visible` bool
            (G, K) (COCO: v > 0), `area` (G,) in pixels², and optionally `boxes` (G, 4) xyxy. A
            person without visible keypoints is ignored (a detection matched to it is neither right
            nor wrong); with `boxes`, its OKS is COCO's box-based one, without them 0.
        sigmas: one σ per keypoint; default `COCO_SIGMAS` (17 keypoints).

    Returns:
        `{"map", "map_50", "map_75", "map_medium", "map_large", "mar"}`, COCOeval's first six
        numbers (`mar`: recall with 20 detections, averaged over the thresholds). -1 where no person
        falls in the area range, as COCOeval prints it.

    Example:
        >>> person = {"keypoints": torch.rand(1, 17, 2) * 50, "visible": torch.ones(1, 17, dtype=torch.bool), "area": torch.tensor([900.0])}
        >>> round(keypoint_ap([{"keypoints": person["keypoints"], "scores": torch.tensor([0.9])}], [person])["map"], 6)
        1.0
    """
    preds = _check_items(preds, "preds", ("keypoints", "scores"))
    targets = _check_items(targets, "targets", ("keypoints", "visible", "area"))
    if len(preds) != len(targets):
        raise ValueError(f"{len(preds)} images of predictions for {len(targets)} images of targets")
    if not targets:
        raise ValueError("no images to score: preds and targets are empty")
    first = targets[0]["keypoints"]
    if not isinstance(first, Tensor) or first.dim() != 3 or first.shape[-1] != 2:
        shape = tuple(first.shape) if isinstance(first, Tensor) else type(first).__name__
        raise ValueError(f"targets[0]['keypoints'] must be a float tensor (G, K, 2), got {shape}")
    sigmas = _sigmas(sigmas, first.shape[1])
    results = [_image_result(p, t, sigmas, i) for i, (p, t) in enumerate(zip(preds, targets))]
    matches = [_match(r) for r in results]
    out = {}
    everything, recall_all, curve = _average_precision(results, matches, 0)
    out["map"] = everything
    for name, ti in (("map_50", 0), ("map_75", 5)):
        out[name] = float(curve[ti].mean()) if curve is not None else -1.0
    for area, name in enumerate(("medium", "large"), start=1):
        out[f"map_{name}"] = _average_precision(results, matches, area)[0]
    out["mar"] = recall_all
    return out


__all__ = [
    "COCO_KEYPOINTS",
    "COCO_SIGMAS",
    "keypoint_ap",
    "oks",
    "pck",
]  # what `utils.metrics` exports from this module
