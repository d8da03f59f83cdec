"""Tests for utils.metrics.coco, COCO's matcher shared by box, mask and keypoint AP: by hand, against a
transcription of pycocotools' own loops (`evaluateImg` and `accumulate`) on random cases, and a check
that detection and keypoints both use it (their AP is cross-checked against pycocotools in
test_metrics_detection.py and test_metrics_keypoints.py)."""

from __future__ import annotations

import numpy as np
import pytest

from utils.metrics import (
    COCO_AREA_RANGES,
    COCO_IOU_THRESHOLDS,
    COCO_RECALL_LEVELS,
    coco,
    coco_match,
    coco_precision_recall,
    detection,
    keypoints,
)


def _pycocotools_match(ious, det_area, gt_area, threshold, area_range, gt_ignore):
    """pycocotools' COCOeval.evaluateImg matching loop for one image, threshold and area range."""
    ignore = gt_ignore | (gt_area < area_range[0]) | (gt_area > area_range[1])
    order = np.argsort(ignore, kind="mergesort")
    ignore, ious = ignore[order], ious[:, order]
    num_det, num_gt = ious.shape
    taken, matched, det_ignored = np.zeros(num_gt, bool), np.zeros(num_det, bool), np.zeros(num_det, bool)
    for d in range(num_det):
        best, m = min(threshold, 1 - 1e-10), -1
        for g in range(num_gt):
            if taken[g]:
                continue
            if m > -1 and not ignore[m] and ignore[g]:
                break
            if ious[d, g] < best:
                continue
            best, m = ious[d, g], g
        if m > -1:
            taken[m], matched[d], det_ignored[d] = True, True, ignore[m]
    outside = (det_area < area_range[0]) | (det_area > area_range[1])
    return matched, det_ignored | (~matched & outside), ignore[np.argsort(order, kind="mergesort")]


def _pycocotools_accumulate(scores, matched, det_ignored, num_gt):
    """pycocotools' COCOeval.accumulate for one threshold: precision at the 101 levels, and recall."""
    order = np.argsort(-scores, kind="mergesort")
    tp = np.cumsum(matched[order] & ~det_ignored[order]).astype(float)
    fp = np.cumsum(~matched[order] & ~det_ignored[order]).astype(float)
    rc, pr = tp / num_gt, (tp / (fp + tp + np.spacing(1))).tolist()
    for i in range(len(tp) - 1, 0, -1):
        pr[i - 1] = max(pr[i - 1], pr[i])
    q = np.zeros(len(COCO_RECALL_LEVELS))
    for ri, pi in enumerate(np.searchsorted(rc, COCO_RECALL_LEVELS, side="left")):
        if pi < len(pr):
            q[ri] = pr[pi]
    return q, (rc[-1] if len(rc) else 0.0)


@pytest.mark.parametrize("seed", range(30))
def test_coco_match_is_pycocotools_matching_loop(seed):
    rng = np.random.default_rng(seed)
    num_det, num_gt = rng.integers(0, 8), rng.integers(0, 6)
    ious = np.round(rng.random((num_det, num_gt)), 1)  # rounded: many exact ties
    det_area, gt_area = (
        rng.choice([10.0, 500.0, 5000.0, 20000.0], num_det),
        rng.choice([10.0, 500.0, 5000.0, 20000.0], num_gt),
    )
    gt_ignore = rng.random(num_gt) < 0.2
    ranges = list(COCO_AREA_RANGES.values())
    matched, det_ignored, gt_ignored = coco_match(
        ious, det_area, gt_area, COCO_IOU_THRESHOLDS, ranges, gt_ignore
    )
    assert matched.shape == det_ignored.shape == (4, 10, num_det) and gt_ignored.shape == (4, num_gt)
    for a, area_range in enumerate(ranges):
        for t, threshold in enumerate(COCO_IOU_THRESHOLDS):
            m, d, g = _pycocotools_match(ious, det_area, gt_area, threshold, area_range, gt_ignore)
            assert np.array_equal(matched[a, t], m) and np.array_equal(det_ignored[a, t], d)
            assert np.array_equal(gt_ignored[a], g)


@pytest.mark.parametrize("seed", range(20))
def test_coco_precision_recall_is_pycocotools_accumulate(seed):
    rng = np.random.default_rng(100 + seed)
    num_det = int(rng.integers(0, 40))
    scores = np.round(rng.random(num_det), 1)  # ties: the stable sort keeps image order
    matched = rng.random((3, num_det)) < 0.5
    det_ignored = ~matched & (rng.random((3, num_det)) < 0.2)
    num_gt = int(rng.integers(1, 25))
    precision, recall = coco_precision_recall(scores, matched, det_ignored, num_gt)
    assert precision.shape == (3, 101) and recall.shape == (3,)
    for t in range(3):
        q, r = _pycocotools_accumulate(scores, matched[t], det_ignored[t], num_gt)
        assert np.allclose(precision[t], q, atol=1e-12) and recall[t] == pytest.approx(r)


def test_matching_by_hand():
    # two detections (by score) and two objects: the first takes its best, the second what is left
    ious = np.array([[0.9, 0.6], [0.8, 0.55]])
    matched, det_ignored, _ = coco_match(ious, np.ones(2), np.ones(2), [0.5, 0.58], [(0, 1e10)])
    assert matched[0].tolist() == [[True, True], [True, False]]  # at .58 the second finds nothing
    precision, recall = coco_precision_recall(np.array([0.9, 0.8]), matched[0], det_ignored[0], num_gt=2)
    assert precision[0].mean() == pytest.approx(1.0) and recall.tolist() == [1.0, 0.5]
    assert np.allclose(precision[1, :51], 1.0) and not precision[1, 51:].any()  # recall .5 at most
    # an ignored object (flagged) is taken only when nothing that counts qualifies: neither right nor wrong
    matched, det_ignored, gt_ignored = coco_match(
        np.array([[0.9, 0.7]]), np.ones(1), np.ones(2), [0.5], [(0, 1e10)], gt_ignore=np.array([True, False])
    )
    assert matched[0, 0].tolist() == [True] and det_ignored[0, 0].tolist() == [False]  # took object 2
    assert gt_ignored.tolist() == [[True, False]]
    # no detection at all: precision 0 everywhere, recall 0
    precision, recall = coco_precision_recall(np.zeros(0), np.zeros((2, 0), bool), np.zeros((2, 0), bool), 3)
    assert not precision.any() and recall.tolist() == [0.0, 0.0]


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="one area per row"):
        coco_match(np.zeros((2, 3)), np.ones(3), np.ones(3), [0.5], [(0, 1e10)])
    with pytest.raises(ValueError, match="matrix"):
        coco_match(np.zeros(3), np.ones(3), np.ones(3), [0.5], [(0, 1e10)])
    with pytest.raises(ValueError, match="num_gt must be a positive int"):
        coco_precision_recall(np.zeros(1), np.zeros((1, 1), bool), np.zeros((1, 1), bool), 0)


def test_detection_and_keypoints_share_the_one_matcher():
    assert detection.coco_match is keypoints.coco_match is coco.coco_match
    assert detection.coco_precision_recall is keypoints.coco_precision_recall is coco.coco_precision_recall
    assert keypoints.OKS_THRESHOLDS.tolist() == list(COCO_IOU_THRESHOLDS)
    assert keypoints.RECALL_POINTS is COCO_RECALL_LEVELS
    for module in (detection, keypoints):  # no private copy of the matching loop left behind
        assert not {"_match_image", "_precision_at_recall_levels"} & set(vars(module))
