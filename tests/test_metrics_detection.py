"""Tests for utils.metrics.detection, cross-checked against torchvision.ops, pycocotools and torchmetrics.

torchmetrics builds its IoU thresholds and recall levels with float32 `torch.linspace`, pycocotools
with float64 `np.linspace`; the module follows pycocotools, so the torchmetrics comparisons pass it
pycocotools' thresholds (the definitions then agree and so do the numbers, to 1e-6).
"""

import warnings

import numpy as np
import pytest
import torch
import torchvision
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from torchmetrics.detection import MeanAveragePrecision

from utils.metrics import box_iou, detection, mask_iou, mean_average_precision, nms

COCO_IOUS = np.linspace(0.5, 0.95, 10).tolist()
COCO_RECALLS = np.linspace(0.0, 1.0, 101).tolist()


def _boxes(g: torch.Generator, n: int, size: float = 200.0) -> torch.Tensor:
    xy = torch.rand(n, 2, generator=g) * size
    wh = torch.rand(n, 2, generator=g) * size / 2 + 1
    return torch.cat([xy, xy + wh], 1)


def _dataset(
    seed: int, images: int = 8, classes: int = 3, size: float = 200.0, quantize_scores: bool = False
):
    """Random ground truth and detections: jittered copies of the objects (some with a wrong class)
    plus random false positives."""
    g = torch.Generator().manual_seed(seed)
    preds, targets = [], []
    for _ in range(images):
        n = int(torch.randint(0, 6, (1,), generator=g))
        gt, gl = _boxes(g, n, size), torch.randint(1, classes + 1, (n,), generator=g)
        jitter = gt + torch.randn(n, 4, generator=g) * size / 25
        jitter = torch.cat([jitter[:, :2].minimum(jitter[:, 2:]), jitter[:, :2].maximum(jitter[:, 2:])], 1)
        extra = int(torch.randint(0, 5, (1,), generator=g))
        boxes = torch.cat([jitter, _boxes(g, extra, size)])
        labels = torch.cat([gl, torch.randint(1, classes + 1, (extra,), generator=g)])
        wrong = torch.rand(len(labels), generator=g) < 0.2
        labels = torch.where(wrong, torch.randint(1, classes + 1, (len(labels),), generator=g), labels)
        scores = torch.rand(len(labels), generator=g)
        if quantize_scores:  # many exact ties
            scores = (scores * 4).round() / 4
        preds.append({"boxes": boxes, "scores": scores, "labels": labels})
        targets.append({"boxes": gt, "labels": gl})
    return preds, targets


def _torchmetrics(preds, targets, **kwargs):
    metric = MeanAveragePrecision(iou_thresholds=COCO_IOUS, rec_thresholds=COCO_RECALLS, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metric.update(preds, targets)
        return metric.compute()


def _assert_same(mine: dict, reference: dict) -> None:
    for key, value in reference.items():
        if key in ("ious", "scores"):
            continue
        assert key in mine, f"missing key {key}"
        if key == "classes":
            assert mine[key].reshape(-1).tolist() == value.reshape(-1).tolist()
            continue
        got = torch.as_tensor(mine[key], dtype=torch.float64)
        assert got.shape == value.shape or got.numel() == value.numel() == 1, key
        assert torch.allclose(got.reshape(value.shape), value.double(), atol=1e-6), (key, got, value)


# --- box IoU, mask IoU, NMS ---------------------------------------------------------------------------


def test_box_iou_matches_torchvision():
    g = torch.Generator().manual_seed(0)
    a, b = _boxes(g, 30), _boxes(g, 20)
    assert torch.allclose(box_iou(a, b), torchvision.ops.box_iou(a, b), atol=1e-6)
    assert box_iou(a, b).shape == (30, 20)
    assert torch.allclose(box_iou(a, a).diagonal(), torch.ones(30))
    assert box_iou(a, torch.zeros(0, 4)).shape == (30, 0)


def test_box_iou_hand_values_and_degenerate_boxes():
    a = torch.tensor([[0.0, 0.0, 2.0, 2.0]])
    b = torch.tensor([[1.0, 0.0, 3.0, 2.0], [2.0, 0.0, 4.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
    assert box_iou(a, b)[0].tolist() == pytest.approx([1 / 3, 0.0, 0.25])
    point = torch.tensor([[1.0, 1.0, 1.0, 1.0]])
    assert box_iou(point, point).item() == 0.0  # no 0 / 0
    assert box_iou(torch.tensor([[0, 0, 2, 2]]), torch.tensor([[0, 0, 2, 1]])).item() == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("boxes", "message"),
    [
        (torch.zeros(3, 5), r"shape \(N, 4\)"),
        ([[0, 0, 1, 1]], r"shape \(N, 4\)"),
        (torch.tensor([[5.0, 5.0, 2.0, 8.0]]), "xywh or cxcywh"),
    ],
)
def test_box_iou_rejects_bad_boxes(boxes, message):
    with pytest.raises(ValueError, match=message):
        box_iou(boxes, torch.zeros(1, 4))


def test_mask_iou_matches_pycocotools():
    g = torch.Generator().manual_seed(1)
    a, b = torch.rand(5, 24, 32, generator=g) > 0.6, torch.rand(4, 24, 32, generator=g) > 0.3
    rle = lambda m: mask_utils.encode(np.asfortranarray(m.numpy().astype(np.uint8).transpose(1, 2, 0)))  # noqa: E731
    expected = mask_utils.iou(rle(a), rle(b), [0] * 4)
    assert np.allclose(mask_iou(a, b).numpy(), expected, atol=1e-6)
    assert torch.allclose(mask_iou(a.to(torch.uint8), b), mask_iou(a, b))
    empty = torch.zeros(1, 24, 32, dtype=torch.bool)
    assert mask_iou(empty, empty).item() == 0.0


@pytest.mark.parametrize(
    ("masks", "message"),
    [
        (torch.zeros(2, 1, 8, 8, dtype=torch.bool), "masks\\[:, 0\\] > 0.5"),
        (torch.rand(2, 8, 8), "threshold probabilities"),
        (torch.full((2, 8, 8), 3), "binary masks"),
        (torch.zeros(2, 9, 8, dtype=torch.bool), "same H × W"),
    ],
)
def test_mask_iou_rejects_bad_masks(masks, message):
    with pytest.raises(ValueError, match=message):
        mask_iou(masks, torch.zeros(1, 8, 8, dtype=torch.bool))


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.7, 1.0])
def test_nms_matches_torchvision(threshold):
    g = torch.Generator().manual_seed(2)
    boxes, scores = _boxes(g, 200, size=100), torch.rand(200, generator=g)
    expected = torchvision.ops.nms(boxes, scores, threshold)
    assert nms(boxes, scores, threshold).tolist() == expected.tolist()


def test_nms_with_tied_scores_and_duplicates_matches_torchvision():
    g = torch.Generator().manual_seed(3)
    boxes = _boxes(g, 60, size=80)
    boxes = torch.cat([boxes, boxes[:10]])  # exact duplicates
    scores = (torch.rand(70, generator=g) * 3).round() / 3  # only 4 distinct scores
    for threshold in (0.2, 0.5, 0.8):
        assert (
            nms(boxes, scores, threshold).tolist() == torchvision.ops.nms(boxes, scores, threshold).tolist()
        )
    assert nms(torch.zeros(0, 4), torch.zeros(0), 0.5).tolist() == []


def _clustered(g: torch.Generator, objects: int, per_object: int, wh: float) -> torch.Tensor:
    """A detector's raw output: jittered copies of a few boxes (heavy overlap), as xyxy."""
    centres = _boxes(g, objects, size=400.0).repeat_interleave(per_object, 0)
    centres[:, 2:] = centres[:, :2] + (centres[:, 2:] - centres[:, :2]) * wh
    jitter = centres + torch.randn(len(centres), 4, generator=g) * 4
    return torch.cat([jitter[:, :2].minimum(jitter[:, 2:]), jitter[:, :2].maximum(jitter[:, 2:])], 1)


@pytest.mark.parametrize("block", [1, 7, 256])
@pytest.mark.parametrize("layout", ["sparse", "clustered", "huge boxes", "float64", "ints"])
def test_nms_in_blocks_matches_torchvision(monkeypatch, block, layout):
    """nms works a block of boxes at a time (checked against the boxes kept so far, near ones only,
    or all of them when most are near): any block size gives torchvision's answer."""
    monkeypatch.setattr(detection, "NMS_BLOCK", block)
    g = torch.Generator().manual_seed(block)
    boxes = {
        "sparse": lambda: _boxes(g, 300, size=2000),
        "clustered": lambda: _clustered(g, 15, 20, 1.0),
        "huge boxes": lambda: _clustered(g, 5, 60, 4.0),
        "float64": lambda: _clustered(g, 15, 20, 1.0).double(),
        "ints": lambda: _clustered(g, 15, 20, 1.0).round().clamp(min=0).long(),
    }[layout]()
    scores = torch.rand(
        len(boxes), generator=g, dtype=torch.float64 if layout == "float64" else torch.float32
    )
    for threshold in (0.0, 0.3, 0.5, 0.7, 1.0):
        expected = torchvision.ops.nms(boxes.float() if layout == "ints" else boxes, scores, threshold)
        assert nms(boxes, scores, threshold).tolist() == expected.tolist(), threshold


def test_nms_threshold_is_compared_as_torchvision_compares_it():
    """Two boxes whose float32 IoU is exactly float32(0.1), which lies above the double 0.1:
    torchvision drops the second box (IoU > 0.1 in double precision), and so must we."""
    boxes = torch.tensor([[0.0, 0.0, 10.0, 1.0], [0.0, 0.0, 1.0, 1.0]])  # IoU = 1 / 10
    iou = (torch.tensor(1.0) / torch.tensor(10.0)).item()
    assert iou > 0.1  # float32(0.1) rounds up
    scores = torch.tensor([0.9, 0.8])
    assert nms(boxes, scores, 0.1).tolist() == torchvision.ops.nms(boxes, scores, 0.1).tolist() == [0]


def test_nms_on_20000_boxes_matches_torchvision():
    """The attack of issue 17: 10,000 boxes took 4.5 GB (an N x N matrix) and 20,000 ran out of
    memory. Now 20,000 boxes give torchvision's answer (their peak memory: test_metrics_memory.py)."""
    g = torch.Generator().manual_seed(20)
    boxes = torch.cat([_boxes(g, 10_000, size=5000), _clustered(g, 500, 20, 1.0)])
    scores = torch.rand(len(boxes), generator=g)
    assert nms(boxes, scores, 0.5).tolist() == torchvision.ops.nms(boxes, scores, 0.5).tolist()


def test_one_box_iou_serves_box_iou_nms_and_map(monkeypatch):
    """box IoU is written once (`_iou_of_boxes`): box_iou, the mAP matcher and nms all call it."""
    calls = []
    original = detection._iou_of_boxes
    monkeypatch.setattr(detection, "_iou_of_boxes", lambda a, b: calls.append(1) or original(a, b))
    g = torch.Generator().manual_seed(5)
    box_iou(_boxes(g, 3), _boxes(g, 4))
    assert len(calls) == 1
    preds, targets = _dataset(1, images=2)
    mean_average_precision(preds, targets)
    assert len(calls) > 1


def test_mask_iou_by_bits_matches_pixel_counts_in_every_path(monkeypatch):
    """mask_iou counts pixels with bits (AND, then popcount): compare with plain pixel counting, with
    and without NumPy's bitwise_count (NumPy < 2 has none)."""
    g = torch.Generator().manual_seed(6)
    a = torch.rand(7, 13, 29, generator=g) < 0.3  # 377 pixels: not a whole number of 64-bit words
    b = torch.rand(5, 13, 29, generator=g) < 0.6
    b[0] = False  # an empty mask
    fa, fb = a.flatten(1).double(), b.flatten(1).double()
    inter = fa @ fb.T
    union = fa.sum(1)[:, None] + fb.sum(1)[None] - inter
    expected = torch.where(union > 0, inter / union.clamp(min=1), 0.0).float()
    assert torch.equal(mask_iou(a, b), expected)
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    assert torch.equal(mask_iou(a, b), expected)
    assert torch.equal(mask_iou(a[:, :0], b[:, :0]), torch.zeros(7, 5))  # 0 x 29 images: no pixel at all


@pytest.mark.parametrize(
    ("boxes", "scores", "threshold", "message"),
    [
        (torch.zeros(3, 4), torch.zeros(2), 0.5, "3 boxes but 2 scores"),
        (torch.zeros(3, 4), torch.zeros(3, dtype=torch.long), 0.5, "1-D float"),
        (torch.zeros(3, 4), torch.zeros(3), 1.5, r"in \[0, 1\]"),
    ],
)
def test_nms_rejects_bad_input(boxes, scores, threshold, message):
    with pytest.raises(ValueError, match=message):
        nms(boxes, scores, threshold)


# --- mean average precision ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_map_matches_torchmetrics_on_random_detections(seed):
    size = (50.0, 200.0, 400.0)[seed % 3]  # small, medium and large objects
    preds, targets = _dataset(seed, size=size, quantize_scores=seed % 2 == 1)
    reference = _torchmetrics(preds, targets, class_metrics=True, extended_summary=True)
    _assert_same(mean_average_precision(preds, targets, class_metrics=True, extended_summary=True), reference)


def test_map_matches_pycocotools_cocoeval_directly():
    preds, targets = _dataset(20, images=12, size=150.0)
    images = [{"id": i} for i in range(len(targets))]
    categories = [{"id": c} for c in (1, 2, 3)]
    gts, dts = [], []
    for i, (p, t) in enumerate(zip(preds, targets)):
        for box, label in zip(t["boxes"].tolist(), t["labels"].tolist()):
            w, h = box[2] - box[0], box[3] - box[1]
            gts.append({"id": len(gts) + 1, "image_id": i, "category_id": label, "bbox": [box[0], box[1], w, h],
                        "area": w * h, "iscrowd": 0})  # fmt: skip
        for box, label, score in zip(p["boxes"].tolist(), p["labels"].tolist(), p["scores"].tolist()):
            w, h = box[2] - box[0], box[3] - box[1]
            dts.append({"id": len(dts) + 1, "image_id": i, "category_id": label, "bbox": [box[0], box[1], w, h],
                        "area": w * h, "score": score})  # fmt: skip
    coco_gt, coco_dt = COCO(), COCO()
    coco_gt.dataset = {"images": images, "annotations": gts, "categories": categories}
    coco_dt.dataset = {"images": images, "annotations": dts, "categories": categories}
    coco_gt.createIndex(), coco_dt.createIndex()
    evaluator = COCOeval(coco_gt, coco_dt, iouType="bbox")
    evaluator.evaluate(), evaluator.accumulate(), evaluator.summarize()
    mine = mean_average_precision(preds, targets, extended_summary=True)
    keys = ["map", "map_50", "map_75", "map_small", "map_medium", "map_large"]
    keys += ["mar_1", "mar_10", "mar_100", "mar_small", "mar_medium", "mar_large"]
    assert [mine[k] for k in keys] == pytest.approx(evaluator.stats.tolist(), abs=1e-6)
    assert np.allclose(mine["precision"].numpy(), evaluator.eval["precision"], atol=1e-6)


def test_map_segm_matches_torchmetrics():
    g = torch.Generator().manual_seed(4)
    yy, xx = torch.meshgrid(torch.arange(96.0), torch.arange(96.0), indexing="ij")
    preds, targets = [], []
    for _ in range(6):
        n = int(torch.randint(1, 5, (1,), generator=g))
        centres, radii = torch.rand(n, 2, generator=g) * 96, torch.rand(n, generator=g) * 30 + 3
        disc = lambda c, r: (xx - c[0]) ** 2 + (yy - c[1]) ** 2 <= r**2  # noqa: E731
        gt = torch.stack([disc(c, r) for c, r in zip(centres, radii)])
        moved = centres + torch.randn(n, 2, generator=g) * 4
        extra = torch.rand(2, 2, generator=g) * 96
        det = torch.stack(
            [disc(c, r) for c, r in zip(torch.cat([moved, extra]), torch.cat([radii, radii[:1], radii[:1]]))]
        )
        labels = torch.randint(1, 3, (n,), generator=g)
        targets.append({"masks": gt.to(torch.uint8), "labels": labels})
        det_labels = torch.cat([labels, torch.randint(1, 3, (2,), generator=g)])
        preds.append({"masks": det, "scores": torch.rand(n + 2, generator=g), "labels": det_labels})
    reference = _torchmetrics(preds, targets, iou_type="segm", class_metrics=True)
    mine = mean_average_precision(preds, targets, iou_type="segm", class_metrics=True)
    _assert_same(mine, reference)
    assert 0 < mine["map"] < 1


def _case(pred_boxes, scores, pred_labels, gt_boxes, gt_labels):
    f = lambda b: torch.tensor(b, dtype=torch.float32).reshape(-1, 4)  # noqa: E731
    i = lambda v: torch.tensor(v, dtype=torch.int64)  # noqa: E731
    pred = {
        "boxes": f(pred_boxes),
        "scores": torch.tensor(scores, dtype=torch.float32),
        "labels": i(pred_labels),
    }
    return pred, {"boxes": f(gt_boxes), "labels": i(gt_labels)}


BOX_A, BOX_B, BOX_C = [10, 10, 60, 60], [100, 100, 130, 150], [5, 70, 45, 95]
EDGE_CASES = {
    "no predictions": [_case([], [], [], [BOX_A, BOX_B], [1, 2])],
    "no predictions in one image": [
        _case([], [], [], [BOX_A], [1]),
        _case([BOX_B], [0.9], [2], [BOX_B], [2]),
    ],
    "class with no ground truth": [_case([BOX_A, BOX_B], [0.9, 0.8], [1, 3], [BOX_A], [1])],
    "image with no ground truth": [
        _case([BOX_A], [0.7], [1], [], []),
        _case([BOX_B], [0.9], [1], [BOX_B], [1]),
    ],
    "duplicate detections": [
        _case([BOX_A, BOX_A, BOX_A, BOX_B], [0.9, 0.9, 0.8, 0.5], [1, 1, 1, 1], [BOX_A, BOX_B], [1, 1])
    ],
    "ties in scores across images": [
        _case([BOX_A, BOX_C], [0.5, 0.5], [1, 1], [BOX_C], [1]),
        _case([BOX_B, BOX_A], [0.5, 0.5], [1, 1], [BOX_B], [1]),
    ],
    "wrong class only": [_case([BOX_A], [0.9], [2], [BOX_A], [1])],
    "two objects one box": [_case([[10, 10, 60, 62]], [0.9], [1], [BOX_A, [10, 12, 60, 60]], [1, 1])],
    "perfect": [_case([BOX_A, BOX_B, BOX_C], [0.3, 0.2, 0.1], [1, 2, 3], [BOX_A, BOX_B, BOX_C], [1, 2, 3])],
}


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_map_edge_cases_match_torchmetrics(name):
    preds, targets = map(list, zip(*EDGE_CASES[name]))
    reference = _torchmetrics(preds, targets, class_metrics=True)
    _assert_same(mean_average_precision(preds, targets, class_metrics=True), reference)


def test_map_hand_values():
    perfect = mean_average_precision(*map(list, zip(*EDGE_CASES["perfect"])))
    assert perfect["map"] == pytest.approx(1.0) and perfect["mar_100"] == pytest.approx(1.0)
    nothing = mean_average_precision(*map(list, zip(*EDGE_CASES["no predictions"])))
    assert nothing["map"] == 0.0 and nothing["mar_100"] == 0.0
    assert nothing["map_small"] == -1.0  # no small object: nothing to score
    empty = mean_average_precision([], [])
    assert empty["map"] == -1.0 and empty["classes"].tolist() == []


def test_map_small_max_detection_limits_match_torchmetrics():
    # pycocotools' summary reads map/map_50/... at 100 detections only (-1 when 100 is not a limit);
    # here they use the largest limit, so compare the recalls and the raw precision array.
    preds, targets = _dataset(7, images=6)
    reference = _torchmetrics(preds, targets, max_detection_thresholds=[1, 2, 3], extended_summary=True)
    mine = mean_average_precision(preds, targets, max_detection_thresholds=(1, 2, 3), extended_summary=True)
    _assert_same({k: mine[k] for k in ("mar_1", "mar_2", "mar_3", "precision", "recall")},
                 {k: reference[k] for k in ("mar_1", "mar_2", "mar_3", "precision", "recall")})  # fmt: skip
    assert mine["map"] == pytest.approx(
        mine["precision"][..., 0, 2][mine["precision"][..., 0, 2] > -1].mean().item()
    )


def test_map_uses_given_area_and_rejects_crowds():
    pred, target = _case([BOX_A], [0.9], [1], [BOX_A], [1])
    target["area"] = torch.tensor([100.0 * 100.0])  # e.g. a mask area: counts as large, not medium
    result = mean_average_precision([pred], [target])
    assert result["map_large"] == pytest.approx(1.0) and result["map_medium"] == -1.0
    target["iscrowd"] = torch.tensor([1])
    with pytest.raises(ValueError, match="crowd"):
        mean_average_precision([pred], [target])


@pytest.mark.parametrize(
    ("preds", "targets", "kwargs", "message"),
    [
        ([{}], [], {}, "1 predictions for 0 targets"),
        ([{"boxes": torch.zeros(1, 4), "labels": torch.ones(1, dtype=torch.long)}],
         [{"boxes": torch.zeros(1, 4), "labels": torch.ones(1, dtype=torch.long)}], {}, "no 'scores' key"),
        ([{"boxes": torch.zeros(2, 4), "scores": torch.ones(1), "labels": torch.ones(1, dtype=torch.long)}],
         [{"boxes": torch.zeros(1, 4), "labels": torch.ones(1, dtype=torch.long)}], {}, "2 boxes but 1 labels"),
        ([{"boxes": torch.zeros(1, 4), "scores": torch.ones(1), "labels": torch.ones(1)}],
         [{"boxes": torch.zeros(1, 4), "labels": torch.ones(1, dtype=torch.long)}], {}, "integer class ids"),
        ([], [], {"iou_type": "mask"}, "'bbox' or 'segm'"),
        ([], [], {"max_detection_thresholds": (10, 1, 100)}, "three increasing"),
        ([], [], {"iou_thresholds": [1.5]}, r"numbers in \[0, 1\]"),
    ],
)  # fmt: skip
def test_map_rejects_bad_input(preds, targets, kwargs, message):
    with pytest.raises(ValueError, match=message):
        mean_average_precision(preds, targets, **kwargs)
