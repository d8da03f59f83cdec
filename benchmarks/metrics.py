"""Time every metric of `utils.metrics` against the reference library its tests check it with.

One command: `make bench` (or `python -m benchmarks.metrics [--scale 0.1] [--repeats 5]`). For each
metric whose reference library is installed (the test-only ones of `requirements-dev.txt`), both sides get
the same data, each in its own native form (tensors for ours; NumPy arrays, token lists, RLEs or COCO
dicts for the reference, prepared outside the timing unless the reference needs a conversion that a user
of it must also make, which is then timed: pycocotools' RLE encoding, COCOeval's dicts). Each side runs
once untimed, then `repeats` times, the two sides alternating; the table shows the median CPU seconds of
the process with one thread (torch, BLAS and OpenMP all limited to one, so CPU time is the time on an idle
core, and a shared machine's waiting does not count), the ratio ours / reference (< 1: ours is faster),
both values and whether they agree.

The reference libraries are imported only here, inside each case: `utils.metrics` never needs them, and a
case whose library is missing is left out of the table (and named at the end).

Example:
    >>> rows = run(scale=0.01, repeats=1, only=["psnr"])
    >>> rows[0].metric, rows[0].agree
    ('psnr', True)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

import utils.metrics as M


@dataclass
class Case:
    """One comparison: two zero-argument callables on the same data, and how close their values must be."""

    metric: str
    reference: str
    ours: Callable[[], object]
    theirs: Callable[[], object]
    size: str
    tolerance: float = 1e-6


@dataclass
class Row:
    """One line of the table: median seconds of each side, their ratio, both values, and whether they agree."""

    case: str
    metric: str
    reference: str
    size: str
    ours_s: float
    reference_s: float
    ours_value: object
    reference_value: object
    agree: bool

    @property
    def ratio(self) -> float:
        return self.ours_s / self.reference_s if self.reference_s > 0 else float("inf")


_CASES: list[tuple[str, Callable[[float], Case]]] = []


def _case(metric: str) -> Callable:
    def register(builder: Callable[[float], Case]) -> Callable[[float], Case]:
        _CASES.append((metric, builder))
        return builder

    return register


def _n(base: int, scale: float, minimum: int = 2) -> int:
    return max(minimum, int(round(base * scale)))


def _quiet(function: Callable[[], object]) -> Callable[[], object]:
    """The same call with the reference library's prints and warnings silenced."""

    def call() -> object:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function()

    return call


# --- classification ---------------------------------------------------------------------------------


def _class_ids(scale: float, base: int = 1_000_000, classes: int = 10):
    g = torch.Generator().manual_seed(0)
    n = _n(base, scale, 20)
    target = torch.randint(0, classes, (n,), generator=g)
    pred = torch.where(torch.rand(n, generator=g) < 0.7, target, torch.randint(0, classes, (n,), generator=g))
    return pred, target, f"{n:,} labels, {classes} classes"


@_case("accuracy")
def _accuracy(scale: float) -> Case:
    from sklearn.metrics import accuracy_score

    pred, target, size = _class_ids(scale)
    p, t = pred.numpy(), target.numpy()
    return Case(
        "accuracy",
        "sklearn accuracy_score",
        lambda: M.accuracy(pred, target),
        lambda: accuracy_score(t, p),
        size,
    )


@_case("topk_accuracy")
def _topk(scale: float) -> Case:
    from sklearn.metrics import top_k_accuracy_score

    g = torch.Generator().manual_seed(1)
    n, c = _n(20_000, scale, 20), 100
    logits = torch.randn(n, c, generator=g, dtype=torch.float64)
    target = torch.randint(0, c, (n,), generator=g)
    scores, t, labels = logits.numpy(), target.numpy(), np.arange(c)
    return Case(
        "topk_accuracy (k=5)",
        "sklearn top_k_accuracy_score",
        lambda: M.topk_accuracy(logits, target, 5),
        lambda: top_k_accuracy_score(t, scores, k=5, labels=labels),
        f"{n:,} x {c} logits",
    )


@_case("confusion_matrix")
def _confusion(scale: float) -> Case:
    from sklearn.metrics import confusion_matrix

    pred, target, size = _class_ids(scale)
    p, t, labels = pred.numpy(), target.numpy(), np.arange(10)
    return Case(
        "confusion_matrix",
        "sklearn confusion_matrix",
        lambda: M.confusion_matrix(pred, target, 10).numpy(),
        lambda: confusion_matrix(t, p, labels=labels),
        size,
    )


@_case("precision_recall_f1")
def _prf(scale: float) -> Case:
    from sklearn.metrics import precision_recall_fscore_support

    pred, target, size = _class_ids(scale)
    p, t = pred.numpy(), target.numpy()
    return Case(
        "precision_recall_f1 (macro)",
        "sklearn precision_recall_fscore_support",
        lambda: np.array(M.precision_recall_f1(pred, target, 10, average="macro"), dtype=float),
        lambda: np.array(
            precision_recall_fscore_support(t, p, average="macro", zero_division=0)[:3], dtype=float
        ),
        size,
    )


# --- detection ----------------------------------------------------------------------------------------


def _random_boxes(g: torch.Generator, n: int, size: float = 1000.0, scale_wh: float = 0.1) -> torch.Tensor:
    xy = torch.rand(n, 2, generator=g) * size
    wh = torch.rand(n, 2, generator=g) * size * scale_wh + 1
    return torch.cat([xy, xy + wh], 1)


@_case("box_iou")
def _box_iou(scale: float) -> Case:
    from torchvision.ops import box_iou

    g = torch.Generator().manual_seed(2)
    n = _n(2000, scale, 4)
    a, b = _random_boxes(g, n), _random_boxes(g, n)
    return Case(
        "box_iou",
        "torchvision.ops.box_iou",
        lambda: M.box_iou(a, b).numpy(),
        lambda: box_iou(a, b).numpy(),
        f"{n:,} x {n:,} boxes",
    )


@_case("nms")
def _nms(scale: float) -> Case:
    from torchvision.ops import nms

    g = torch.Generator().manual_seed(3)
    objects = _n(500, scale, 2)  # a detector's raw output: about 20 jittered boxes around each object
    centres = _random_boxes(g, objects, 2000.0, 0.1).repeat_interleave(20, dim=0)
    jitter = centres + torch.randn(len(centres), 4, generator=g) * 0.1 * (
        centres[:, 2:] - centres[:, :2]
    ).repeat(1, 2)
    boxes = torch.cat([jitter[:, :2].minimum(jitter[:, 2:]), jitter[:, :2].maximum(jitter[:, 2:])], 1)
    scores = torch.rand(len(boxes), generator=g)
    return Case(
        "nms",
        "torchvision.ops.nms",
        lambda: M.nms(boxes, scores, 0.5).numpy(),
        lambda: nms(boxes, scores, 0.5).numpy(),
        f"{len(boxes):,} boxes around {objects} objects",
        tolerance=0,
    )


@_case("mask_iou")
def _mask_iou(scale: float) -> Case:
    from pycocotools import mask as mask_utils

    g = torch.Generator().manual_seed(4)
    n, side = _n(50, scale, 2), 256
    centres = torch.rand(2, n, 1, 1, generator=g) * side
    radii = 10 + torch.rand(2, n, 1, 1, generator=g) * 60
    yy, xx = torch.meshgrid(torch.arange(side), torch.arange(side), indexing="ij")
    a = (xx - centres[0]) ** 2 + (yy - centres[1]) ** 2 < radii[0] ** 2
    b = (xx - centres[1]) ** 2 + (yy - centres[0]) ** 2 < radii[1] ** 2
    a_np, b_np = (np.asfortranarray(m.permute(1, 2, 0).numpy().astype(np.uint8)) for m in (a, b))

    def theirs() -> np.ndarray:  # pycocotools works on run-length encodings: encoding is part of its cost
        return mask_utils.iou(mask_utils.encode(a_np), mask_utils.encode(b_np), [0] * n)

    return Case(
        "mask_iou",
        "pycocotools mask.iou (+ encode)",
        lambda: M.mask_iou(a, b).numpy(),
        theirs,
        f"{n} x {n} masks {side}²",
    )


def _detections(scale: float, images: int = 200, classes: int = 5, side: float = 640.0):
    g = torch.Generator().manual_seed(5)
    preds, targets = [], []
    for _ in range(_n(images, scale, 2)):
        n = int(torch.randint(1, 12, (1,), generator=g))
        gt = _random_boxes(g, n, side, 0.3)
        gl = torch.randint(1, classes + 1, (n,), generator=g)
        jitter = gt + torch.randn(n, 4, generator=g) * 8
        jitter = torch.cat([jitter[:, :2].minimum(jitter[:, 2:]), jitter[:, :2].maximum(jitter[:, 2:])], 1)
        extra = int(torch.randint(0, 10, (1,), generator=g))
        boxes = torch.cat([jitter, _random_boxes(g, extra, side, 0.3)])
        labels = torch.cat([gl, torch.randint(1, classes + 1, (extra,), generator=g)])
        preds.append({"boxes": boxes, "scores": torch.rand(len(labels), generator=g), "labels": labels})
        targets.append({"boxes": gt, "labels": gl})
    return preds, targets


def _torchmetrics_map(preds, targets, iou_type: str) -> Callable[[], float]:
    from torchmetrics.detection import MeanAveragePrecision

    def theirs() -> float:
        # pycocotools' float64 thresholds (torchmetrics' defaults are float32 linspaces, which move a
        # match that lands on a threshold; tests/test_metrics_detection.py passes them the same way)
        metric = MeanAveragePrecision(
            iou_type=iou_type,
            iou_thresholds=list(M.COCO_IOU_THRESHOLDS),
            rec_thresholds=M.COCO_RECALL_LEVELS.tolist(),
        )
        metric.update(preds, targets)
        return float(metric.compute()["map"])

    return _quiet(theirs)


@_case("mean_average_precision")
def _map_bbox(scale: float) -> Case:
    preds, targets = _detections(scale)
    size = f"{len(preds)} images, {sum(len(t['labels']) for t in targets)} objects, 5 classes"
    return Case(
        "mean_average_precision (bbox)",
        "torchmetrics MeanAveragePrecision",
        lambda: M.mean_average_precision(preds, targets)["map"],
        _torchmetrics_map(preds, targets, "bbox"),
        size,
    )


@_case("mean_average_precision_segm")
def _map_segm(scale: float) -> Case:
    boxes_preds, boxes_targets = _detections(scale, images=30, classes=3, side=128.0)
    yy, xx = torch.meshgrid(torch.arange(160), torch.arange(160), indexing="ij")

    def to_masks(item: dict) -> dict:
        b = item["boxes"].clamp(0, 159)
        masks = (
            (xx >= b[:, 0, None, None])
            & (xx <= b[:, 2, None, None])
            & (yy >= b[:, 1, None, None])
            & (yy <= b[:, 3, None, None])
        )
        return {**{k: v for k, v in item.items() if k != "boxes"}, "masks": masks}

    preds, targets = [to_masks(p) for p in boxes_preds], [to_masks(t) for t in boxes_targets]
    return Case(
        "mean_average_precision (segm)",
        "torchmetrics MeanAveragePrecision",
        lambda: M.mean_average_precision(preds, targets, "segm")["map"],
        _torchmetrics_map(preds, targets, "segm"),
        f"{len(preds)} images of 160², 3 classes",
    )


# --- keypoints ----------------------------------------------------------------------------------------


@_case("keypoint_ap")
def _keypoint_ap(scale: float) -> Case:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    g = torch.Generator().manual_seed(6)
    preds, targets = [], []
    for _ in range(_n(200, scale, 2)):
        people = int(torch.randint(1, 5, (1,), generator=g))
        centre = torch.rand(people, 1, 2, generator=g, dtype=torch.float64) * 400
        extent = 30 + torch.rand(people, 1, 1, generator=g, dtype=torch.float64) * 150
        kps = centre + (torch.rand(people, 17, 2, generator=g, dtype=torch.float64) - 0.5) * extent
        visible = torch.rand(people, 17, generator=g) < 0.8
        visible[:, 0] = True
        low, high = kps.amin(1), kps.amax(1)
        box = torch.cat([low, high], 1)
        targets.append(
            {"keypoints": kps, "visible": visible, "area": (high - low).prod(1) * 0.6, "boxes": box}
        )
        d = int(torch.randint(0, 6, (1,), generator=g))
        source = kps[torch.randint(0, people, (d,), generator=g)]
        noise = torch.randn(d, 17, 2, generator=g, dtype=torch.float64) * (
            2 + 8 * torch.rand(d, 1, 1, generator=g, dtype=torch.float64)
        )
        preds.append({"keypoints": source + noise, "scores": torch.rand(d, generator=g, dtype=torch.float64)})

    def theirs() -> float:  # COCOeval reads COCO-format dicts: building them is part of its cost
        images, anns, dets = [], [], []
        for i, (p, t) in enumerate(zip(preds, targets)):
            images.append({"id": i, "width": 640, "height": 480})
            for k in range(len(t["area"])):
                v = t["visible"][k]
                kp = torch.cat([t["keypoints"][k], torch.where(v, 2.0, 0.0)[:, None].double()], 1)
                x0, y0, x1, y1 = t["boxes"][k].tolist()
                box = [x0, y0, x1 - x0, y1 - y0]
                anns.append(dict(id=len(anns) + 1, image_id=i, category_id=1, keypoints=kp.flatten().tolist(),
                                 num_keypoints=int(v.sum()), area=float(t["area"][k]), iscrowd=0, bbox=box))  # fmt: skip
            for k in range(len(p["scores"])):
                kp = torch.cat([p["keypoints"][k], torch.ones(17, 1, dtype=torch.float64)], 1)
                dets.append(dict(image_id=i, category_id=1, keypoints=kp.flatten().tolist(), score=float(p["scores"][k])))  # fmt: skip
        gt = COCO()
        gt.dataset = {"images": images, "annotations": anns, "categories": [{"id": 1, "name": "person"}]}
        gt.createIndex()
        evaluator = COCOeval(gt, gt.loadRes(dets), iouType="keypoints")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
        return float(evaluator.stats[0])

    people = sum(len(t["area"]) for t in targets)
    return Case(
        "keypoint_ap",
        "pycocotools COCOeval (keypoints)",
        lambda: M.keypoint_ap(preds, targets)["map"],
        _quiet(theirs),
        f"{len(preds)} images, {people} people",
    )


# --- segmentation ---------------------------------------------------------------------------------------


def _label_maps(scale: float, classes: int = 21):
    g = torch.Generator().manual_seed(7)
    n = _n(8, scale, 1)
    side = 256 if scale >= 0.1 else 32
    target = torch.randint(0, classes, (n, side, side), generator=g)
    pred = torch.where(
        torch.rand(n, side, side, generator=g) < 0.6,
        target,
        torch.randint(0, classes, (n, side, side), generator=g),
    )
    return pred, target, f"{n} maps of {side}², {classes} classes"


@_case("pixel_accuracy")
def _pixel_accuracy(scale: float) -> Case:
    from sklearn.metrics import accuracy_score

    pred, target, size = _label_maps(scale)
    p, t = pred.flatten().numpy(), target.flatten().numpy()
    return Case(
        "pixel_accuracy",
        "sklearn accuracy_score",
        lambda: M.pixel_accuracy(pred, target),
        lambda: accuracy_score(t, p),
        size,
    )


@_case("mean_iou")
def _mean_iou(scale: float) -> Case:
    from torchmetrics.functional.classification import multiclass_jaccard_index

    pred, target, size = _label_maps(scale)
    return Case(
        "mean_iou",
        "torchmetrics multiclass_jaccard_index",
        lambda: M.mean_iou(pred, target, 21),
        lambda: float(multiclass_jaccard_index(pred, target, 21, average="macro")),
        size,
    )


@_case("iou_per_class")
def _iou_per_class(scale: float) -> Case:
    from sklearn.metrics import jaccard_score

    pred, target, size = _label_maps(scale)
    p, t = pred.flatten().numpy(), target.flatten().numpy()
    labels = list(range(21))
    return Case(
        "iou_per_class",
        "sklearn jaccard_score",
        lambda: M.iou_per_class(pred, target, 21).numpy(),
        lambda: jaccard_score(t, p, labels=labels, average=None),
        size,
    )


@_case("dice")
def _dice(scale: float) -> Case:
    from sklearn.metrics import f1_score

    pred, target, size = _label_maps(scale)
    p, t = pred.flatten().numpy(), target.flatten().numpy()
    return Case(
        "dice",
        "sklearn f1_score (macro)",
        lambda: M.dice(pred, target, 21),
        lambda: f1_score(t, p, average="macro"),
        size,
    )


# --- verification ---------------------------------------------------------------------------------------


def _verification_scores(scale: float):
    g = np.random.default_rng(8)
    n = _n(100_000, scale, 10)
    labels = g.integers(0, 2, n)
    labels[:2] = (0, 1)
    scores = np.round(g.normal(size=n) + 1.2 * labels, 3)  # rounded: ties, as real similarity scores have
    return torch.from_numpy(scores), torch.from_numpy(labels), scores, labels, f"{n:,} pairs"


@_case("roc_curve")
def _roc(scale: float) -> Case:
    from sklearn.metrics import roc_curve

    s, y, s_np, y_np, size = _verification_scores(scale)
    return Case(
        "roc_curve",
        "sklearn roc_curve",
        lambda: M.roc_curve(s, y)[0].numpy(),
        lambda: roc_curve(y_np, s_np, drop_intermediate=False)[0],
        size,
    )


@_case("auc")
def _auc(scale: float) -> Case:
    from sklearn.metrics import roc_auc_score

    s, y, s_np, y_np, size = _verification_scores(scale)

    def ours() -> float:
        fpr, tpr, _ = M.roc_curve(s, y)
        return M.auc(fpr, tpr)

    return Case("auc (from scores)", "sklearn roc_auc_score", ours, lambda: roc_auc_score(y_np, s_np), size)


# --- text ------------------------------------------------------------------------------------------------


def _lines(scale: float, lines: int = 2000):
    """OCR-like corpus: reference lines of words, predictions with a few character errors."""
    rng = random.Random(9)
    words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "read", "this", "line", "text"]
    refs, preds = [], []
    for _ in range(_n(lines, scale, 3)):
        ref = " ".join(rng.choice(words) for _ in range(rng.randint(3, 10)))
        chars = list(ref)
        for _ in range(rng.randint(0, 4)):
            i = rng.randrange(len(chars))
            chars[i : i + 1] = rng.choice([[], [rng.choice("abcdefgh")], [chars[i], rng.choice("xyz")]])
        refs.append(ref)
        preds.append("".join(chars).strip() or "x")
    return preds, refs


@_case("edit_distance")
def _edit_distance(scale: float) -> Case:
    from rapidfuzz.distance import Levenshtein

    preds, refs = _lines(scale, 20)
    a, b = " ".join(preds), " ".join(refs)
    return Case(
        "edit_distance (one pair)",
        "rapidfuzz Levenshtein.distance",
        lambda: M.edit_distance(a, b),
        lambda: Levenshtein.distance(a, b),
        f"{len(a)} and {len(b)} characters",
        tolerance=0,
    )


@_case("cer")
def _cer(scale: float) -> Case:
    import jiwer

    preds, refs = _lines(scale)
    return Case(
        "cer", "jiwer cer", lambda: M.cer(preds, refs), lambda: jiwer.cer(refs, preds), f"{len(refs):,} lines"
    )


@_case("wer")
def _wer(scale: float) -> Case:
    import jiwer

    preds, refs = _lines(scale)
    return Case(
        "wer", "jiwer wer", lambda: M.wer(preds, refs), lambda: jiwer.wer(refs, preds), f"{len(refs):,} lines"
    )


# --- captioning ---------------------------------------------------------------------------------------


def _captions(scale: float, images: int = 1000):
    rng = random.Random(10)
    words = "a the dog cat man woman is are running sitting on in grass street red blue near with".split()  # noqa: SIM905
    candidates, references = [], []
    for _ in range(_n(images, scale, 2)):
        refs = [" ".join(rng.choices(words, k=rng.randint(6, 14))) for _ in range(5)]
        piece = refs[0].split()[: rng.randint(2, 6)]
        extra = rng.choices(words, k=rng.randint(2, 4))  # >= 4 words: nltk counts shorter ones differently
        candidates.append(" ".join(rng.choices(words, k=rng.randint(0, 3)) + piece + extra))
        references.append(refs)
    return candidates, references


@_case("bleu")
def _bleu(scale: float) -> Case:
    from nltk.translate.bleu_score import corpus_bleu

    candidates, references = _captions(scale)
    hyp, refs = [c.split() for c in candidates], [[r.split() for r in rs] for rs in references]
    return Case(
        "bleu (BLEU-4)",
        "nltk corpus_bleu",
        lambda: M.bleu(candidates, references),
        _quiet(lambda: corpus_bleu(refs, hyp)),
        f"{len(candidates):,} captions x 5 refs",
    )


@_case("cider")
def _cider(scale: float) -> Case:
    from pycocoevalcap.cider.cider import Cider

    candidates, references = _captions(scale)
    gts = {i: list(r) for i, r in enumerate(references)}
    res = {i: [c] for i, c in enumerate(candidates)}
    return Case(
        "cider (CIDEr-D)",
        "pycocoevalcap Cider",
        lambda: M.cider(candidates, references),
        lambda: float(Cider().compute_score(gts, res)[0]),
        f"{len(candidates):,} captions x 5 refs",
    )


# --- image quality -------------------------------------------------------------------------------------


def _image_pair(scale: float, side: int = 1024):
    g = torch.Generator().manual_seed(11)
    side = max(16, int(side * min(1.0, scale**0.5)))
    target = torch.rand(3, side, side, generator=g, dtype=torch.float64)
    target = torch.nn.functional.avg_pool2d(target[None], 5, 1, 2)[0]  # some structure, not white noise
    pred = (target + 0.05 * torch.randn(3, side, side, generator=g, dtype=torch.float64)).clamp(0, 1)
    return pred, target, f"3 x {side} x {side}, float64"


@_case("psnr")
def _psnr(scale: float) -> Case:
    from skimage.metrics import peak_signal_noise_ratio

    pred, target, size = _image_pair(scale)
    p, t = pred.numpy(), target.numpy()
    return Case(
        "psnr",
        "skimage peak_signal_noise_ratio",
        lambda: M.psnr(pred, target, 1.0),
        lambda: peak_signal_noise_ratio(t, p, data_range=1.0),
        size,
    )


@_case("ssim")
def _ssim(scale: float) -> Case:
    from skimage.metrics import structural_similarity

    pred, target, size = _image_pair(scale)
    p, t = pred.numpy(), target.numpy()

    def theirs() -> float:
        return structural_similarity(
            t,
            p,
            data_range=1.0,
            channel_axis=0,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
        )

    return Case(
        "ssim",
        "skimage structural_similarity",
        lambda: M.ssim(pred, target, 1.0),
        theirs,
        size,
        tolerance=1e-9,
    )


@_case("rgb_to_y")
def _rgb_to_y(scale: float) -> Case:
    from skimage.color import rgb2ycbcr

    _, image, size = _image_pair(scale)
    hwc = np.ascontiguousarray(image.permute(1, 2, 0).numpy())
    return Case(
        "rgb_to_y",
        "skimage rgb2ycbcr",
        lambda: M.rgb_to_y(image)[0].numpy(),
        lambda: rgb2ycbcr(hwc)[..., 0] / 255,
        size,
    )


# --- generation -------------------------------------------------------------------------------------------


def _features(scale: float, dim: int = 512):
    g = np.random.default_rng(12)
    n = _n(4000, scale, 8)
    dim = max(4, int(dim * min(1.0, scale**0.5)))
    real = g.normal(size=(n, dim))
    fake = 0.9 * g.normal(size=(n, dim)) + 0.1
    return real, fake, f"{n:,} x {dim} features"


@_case("frechet_distance")
def _frechet(scale: float) -> Case:
    from pytorch_fid.fid_score import calculate_frechet_distance

    real, fake, size = _features(scale)
    stats = [(x.mean(0), np.cov(x, rowvar=False)) for x in (real, fake)]
    (m1, s1), (m2, s2) = stats
    t1, t2 = (torch.from_numpy(m1), torch.from_numpy(s1)), (torch.from_numpy(m2), torch.from_numpy(s2))
    return Case(
        "frechet_distance",
        "pytorch-fid calculate_frechet_distance",
        lambda: M.frechet_distance(*t1, *t2),
        _quiet(lambda: float(calculate_frechet_distance(m1, s1, m2, s2))),
        size.split(" features")[0].split(" x ")[-1] + "-d Gaussians",
        tolerance=1e-5,
    )


@_case("fid_from_features")
def _fid(scale: float) -> Case:
    from pytorch_fid.fid_score import calculate_frechet_distance

    real, fake, size = _features(scale)
    r, f = torch.from_numpy(real), torch.from_numpy(fake)

    def theirs() -> (
        float
    ):  # pytorch-fid's own route from features: NumPy mean and covariance, then the formula
        stats = [(x.mean(0), np.cov(x, rowvar=False)) for x in (real, fake)]
        return float(calculate_frechet_distance(*stats[0], *stats[1]))

    return Case(
        "fid_from_features",
        "pytorch-fid (np.cov + formula)",
        lambda: M.fid_from_features(r, f),
        _quiet(theirs),
        size,
        tolerance=1e-5,
    )


# --- running -------------------------------------------------------------------------------------------


def _median_seconds(ours: Callable[[], object], theirs: Callable[[], object], repeats: int):
    """Median CPU seconds of each side and their values. Each runs once untimed (imports, caches), then
    the two alternate, so that a busy machine slows both alike; CPU time of the process (one thread)
    does not count the time spent waiting for a core on a shared machine."""
    values = ours(), theirs()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for function, spent in zip((ours, theirs), times):
            start = time.process_time()
            function()
            spent.append(time.process_time() - start)
    return statistics.median(times[0]), statistics.median(times[1]), values


def _agree(ours: object, theirs: object, tolerance: float) -> bool:
    a, b = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, atol=tolerance, rtol=0, equal_nan=True))


def cases() -> list[str]:
    """The names of every comparison the benchmark knows, in table order.

    Example:
        >>> "ssim" in cases()
        True
    """
    return [name for name, _ in _CASES]


def run(scale: float = 1.0, repeats: int = 5, only: Sequence[str] | None = None) -> list[Row]:
    """Time every case whose reference library is installed; one `Row` per case, in table order.

    Args:
        scale: input size relative to the default (1.0: the sizes in the README table; 0.01 for a quick check).
        repeats: timed runs per side (the median is kept), after one untimed run.
        only: case names (see `cases()`) to run; None for all.

    Returns:
        The rows; a case whose reference library cannot be imported is left out.

    Example:
        >>> [row.metric for row in run(scale=0.01, repeats=1, only=["wer"])]
        ['wer']
    """
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not scale > 0:
        raise ValueError(f"scale must be a positive number (1.0: the README's sizes), got {scale!r}")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive int, got {repeats!r}")
    unknown = sorted(set(only or ()) - set(cases()))
    if unknown:
        raise ValueError(f"unknown case(s) {unknown}; known: {cases()}")
    rows = []
    with contextlib.ExitStack() as stack:  # one thread for torch, and for NumPy's BLAS / OpenMP pools
        stack.callback(torch.set_num_threads, torch.get_num_threads())
        torch.set_num_threads(1)
        with contextlib.suppress(ImportError):
            from threadpoolctl import threadpool_limits

            stack.enter_context(threadpool_limits(1))
        for name, build in _CASES:
            if only is not None and name not in only:
                continue
            try:
                case = build(scale)
            except ImportError:
                continue
            ours_s, reference_s, (ours_value, reference_value) = _median_seconds(
                case.ours, case.theirs, repeats
            )
            agree = _agree(ours_value, reference_value, case.tolerance)
            rows.append(
                Row(
                    name,
                    case.metric,
                    case.reference,
                    case.size,
                    ours_s,
                    reference_s,
                    ours_value,
                    reference_value,
                    agree,
                )
            )
    return rows


def _show(value: object) -> str:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return f"{float(array):.6g}"
    return f"{'x'.join(map(str, array.shape))}, sum {array.sum():.6g}"


def _seconds(s: float) -> str:
    return f"{s * 1000:.2f} ms" if s < 1 else f"{s:.2f} s"


def format_table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table: metric, reference, input, both times, ratio, both values, agreement.

    Example:
        >>> print(format_table([Row("psnr", "psnr", "skimage", "3 x 8 x 8", 0.001, 0.002, 30.0, 30.0, True)]).splitlines()[2])
        | psnr | skimage | 3 x 8 x 8 | 1.00 ms | 2.00 ms | 0.50 | 30 | 30 | yes |
    """
    lines = [
        "| metric | reference | input | ours | reference | ours / ref | our value | reference value | agree |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.metric} | {r.reference} | {r.size} | {_seconds(r.ours_s)} | {_seconds(r.reference_s)} | "
            f"{r.ratio:.2f} | {_show(r.ours_value)} | {_show(r.reference_value)} | {'yes' if r.agree else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the table; exit status 1 when a pair of values disagrees.

    Example:
        >>> main(["--scale", "0.01", "--repeats", "1", "--only", "psnr"])  # doctest: +ELLIPSIS
        | metric | ...
        0
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.metrics", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="input size relative to the README's (default 1)"
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed runs per side; the median is shown (default 5)"
    )
    parser.add_argument("--only", nargs="*", choices=cases(), help="run only these cases")
    args = parser.parse_args(argv)
    rows = run(args.scale, args.repeats, args.only)
    print(format_table(rows))
    missing = [name for name in (args.only or cases()) if name not in {r.case for r in rows}]
    if missing:
        print(f"\nleft out (reference library not installed): {', '.join(missing)}")
    print(f"\n{len(rows)} metrics, 1 thread, median of {args.repeats} runs; ours / ref < 1: ours is faster")
    return 0 if all(r.agree for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
