"""Tests for utils.metrics.keypoints: `pck`, `oks`, `keypoint_ap` and `COCO_SIGMAS`.

References: OKS and keypoint AP are cross-checked against pycocotools (`COCOeval(iouType="keypoints")`,
its `computeOks` and `stats`) on random and edge cases; PCK against a hand-written NumPy loop.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
import torch

from utils.metrics import COCO_SIGMAS, keypoint_ap, oks, pck

pycocotools = pytest.importorskip("pycocotools")
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval, Params  # noqa: E402

KEYS = ("map", "map_50", "map_75", "map_medium", "map_large", "mar")


def _coco(preds, targets, sigmas=None):
    """COCOeval's keypoint stats for the same preds and targets, and the evaluator itself."""
    images, anns, dets = [], [], []
    for i, (p, t) in enumerate(zip(preds, targets)):
        images.append({"id": i, "width": 640, "height": 480})
        for g in range(t["keypoints"].shape[0]):
            v = t["visible"][g]
            kp = torch.cat([t["keypoints"][g].double(), torch.where(v, 2.0, 0.0)[:, None].double()], 1)
            x0, y0, x1, y1 = t["boxes"][g].tolist()
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": i,
                    "category_id": 1,
                    "keypoints": kp.flatten().tolist(),
                    "num_keypoints": int(v.sum()),
                    "area": float(t["area"][g]),
                    "iscrowd": 0,
                    "bbox": [x0, y0, x1 - x0, y1 - y0],
                }
            )
        for d in range(p["keypoints"].shape[0]):
            k = p["keypoints"].shape[1]
            kp = torch.cat([p["keypoints"][d].double(), torch.ones(k, 1, dtype=torch.float64)], 1)
            dets.append(
                {
                    "image_id": i,
                    "category_id": 1,
                    "keypoints": kp.flatten().tolist(),
                    "score": float(p["scores"][d]),
                }
            )
    gt = COCO()
    gt.dataset = {"images": images, "annotations": anns, "categories": [{"id": 1, "name": "person"}]}
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes(dets)
        evaluator = COCOeval(gt, dt, iouType="keypoints")
        if sigmas is not None:
            evaluator.params.kpt_oks_sigmas = np.asarray(sigmas)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator.stats[:6]


def _random_case(seed, images=6, k=17, zero_visible=False):
    rng = torch.Generator().manual_seed(seed)
    preds, targets = [], []
    for _ in range(images):
        g = int(torch.randint(0, 4, (1,), generator=rng))
        centre = torch.rand(g, 1, 2, generator=rng, dtype=torch.float64) * 400
        size = 20 + torch.rand(g, 1, 1, generator=rng, dtype=torch.float64) * 150
        kps = centre + (torch.rand(g, k, 2, generator=rng, dtype=torch.float64) - 0.5) * size
        visible = torch.rand(g, k, generator=rng) < 0.7
        visible[:, 0] = True
        if zero_visible and g:
            visible[0] = False  # a person with no visible keypoint: COCO ignores it
        low, high = kps.amin(1), kps.amax(1)
        targets.append(
            {
                "keypoints": kps,
                "visible": visible,
                "area": (high - low).prod(1) * 0.6,
                "boxes": torch.cat([low, high], 1),
            }
        )
        d = int(torch.randint(0, 5, (1,), generator=rng))
        if g:
            source = kps[torch.randint(0, g, (d,), generator=rng)]
        else:
            source = torch.rand(d, k, 2, generator=rng, dtype=torch.float64) * 400
        spread = 2 + 10 * torch.rand(d, 1, 1, generator=rng, dtype=torch.float64)
        noise = torch.randn(d, k, 2, generator=rng, dtype=torch.float64) * spread
        preds.append(
            {"keypoints": source + noise, "scores": torch.rand(d, generator=rng, dtype=torch.float64)}
        )
    return preds, targets


# --- COCO_SIGMAS -------------------------------------------------------------------------------------


def test_coco_sigmas_are_pycocotools_sigmas():
    assert COCO_SIGMAS.shape == (17,)
    np.testing.assert_allclose(COCO_SIGMAS.numpy(), Params(iouType="keypoints").kpt_oks_sigmas, atol=1e-12)


# --- OKS ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_oks_matches_pycocotools_compute_oks(seed):
    preds, targets = _random_case(seed, images=1)
    while targets[0]["keypoints"].shape[0] == 0 or preds[0]["keypoints"].shape[0] == 0:
        seed += 100
        preds, targets = _random_case(seed, images=1)
    p, t = preds[0], targets[0]
    ours = oks(
        p["keypoints"][:, None], t["keypoints"][None], t["visible"][None], t["area"][None], COCO_SIGMAS
    )
    images = [{"id": 0}]
    gt = COCO()
    anns = []
    for g in range(t["keypoints"].shape[0]):
        v = torch.where(t["visible"][g], 2.0, 0.0)[:, None].double()
        x0, y0, x1, y1 = t["boxes"][g].tolist()
        kp = torch.cat([t["keypoints"][g], v], 1).flatten().tolist()
        anns.append(
            {
                "id": g + 1,
                "image_id": 0,
                "category_id": 1,
                "keypoints": kp,
                "num_keypoints": int(t["visible"][g].sum()),
                "area": float(t["area"][g]),
                "iscrowd": 0,
                "bbox": [x0, y0, x1 - x0, y1 - y0],
            }
        )
    gt.dataset = {"images": images, "annotations": anns, "categories": [{"id": 1}]}
    dets = [
        {
            "image_id": 0,
            "category_id": 1,
            "score": float(s),
            "keypoints": torch.cat([k, torch.ones(17, 1, dtype=torch.float64)], 1).flatten().tolist(),
        }
        for k, s in zip(p["keypoints"], p["scores"])
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        evaluator = COCOeval(gt, gt.loadRes(dets), iouType="keypoints")
        evaluator.params.imgIds = [0]
        evaluator._prepare()
        theirs = evaluator.computeOks(0, 1)  # rows: detections by descending score
    order = torch.as_tensor(np.argsort(-p["scores"].numpy(), kind="mergesort"))
    np.testing.assert_allclose(ours[order].numpy(), theirs, atol=1e-6)


def test_oks_values_by_hand():
    target = torch.zeros(1, 2, 2)
    pred = torch.tensor([[[3.0, 4.0], [0.0, 0.0]]])  # d = 5 for the first keypoint, 0 for the second
    sigmas = torch.tensor([0.1, 0.1])
    both = oks(pred, target, torch.ones(1, 2, dtype=torch.bool), torch.tensor([100.0]), sigmas)
    expected = (np.exp(-25 / (2 * 100 * 0.2**2)) + 1) / 2
    assert both.dtype == torch.float64 and both.item() == pytest.approx(expected, abs=1e-7)
    first_hidden = oks(pred, target, torch.tensor([[False, True]]), torch.tensor([100.0]), sigmas)
    assert first_hidden.item() == pytest.approx(1.0)  # only visible keypoints count
    assert oks(target, target, torch.ones(1, 2, dtype=torch.bool), 50.0, sigmas).item() == 1.0


def test_oks_broadcasts_to_a_pair_matrix_and_takes_custom_sigmas():
    rng = torch.Generator().manual_seed(1)
    pred, target = torch.rand(4, 5, 2, generator=rng) * 50, torch.rand(3, 5, 2, generator=rng) * 50
    visible, area = torch.rand(3, 5, generator=rng) < 0.8, torch.tensor([400.0, 900.0, 2500.0])
    visible[:, 0] = True
    sigmas = [0.05, 0.06, 0.07, 0.08, 0.09]  # a custom 5-keypoint skeleton, as a plain list
    matrix = oks(pred[:, None], target[None], visible[None], area[None], sigmas)
    assert matrix.shape == (4, 3)
    for i in range(4):
        row = oks(pred[i].expand(3, 5, 2), target, visible, area, torch.tensor(sigmas))
        torch.testing.assert_close(matrix[i], row)


def test_oks_with_no_visible_keypoint_is_a_clear_error():
    with pytest.raises(ValueError, match="no visible keypoint: OKS is undefined"):
        oks(
            torch.zeros(2, 17, 2),
            torch.zeros(2, 17, 2),
            torch.tensor([[True] * 17, [False] * 17]),
            100.0,
            COCO_SIGMAS,
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            (torch.zeros(2, 17), torch.zeros(2, 17, 2), torch.ones(2, 17, dtype=torch.bool), 1.0),
            "shape \\(..., K, 2\\)",
        ),
        (
            (
                torch.zeros(2, 17, 2, dtype=torch.long),
                torch.zeros(2, 17, 2),
                torch.ones(2, 17, dtype=torch.bool),
                1.0,
            ),
            "must hold floats",
        ),
        (
            (torch.zeros(2, 17, 2), torch.zeros(3, 17, 2), torch.ones(2, 17, dtype=torch.bool), 1.0),
            "do not broadcast",
        ),
        (
            (torch.zeros(2, 17, 2), torch.zeros(2, 17, 2), torch.ones(2, 17), 1.0),
            "visible must be a bool tensor",
        ),
        (
            (torch.zeros(2, 17, 2), torch.zeros(2, 17, 2), torch.ones(2, 5, dtype=torch.bool), 1.0),
            "does not fit",
        ),
        (
            (torch.zeros(2, 17, 2), torch.zeros(2, 17, 2), torch.ones(2, 17, dtype=torch.bool), -1.0),
            "area must be >= 0",
        ),
        (
            (
                torch.zeros(2, 17, 2),
                torch.zeros(2, 17, 2),
                torch.ones(2, 17, dtype=torch.bool),
                torch.ones(3),
            ),
            "one value per instance",
        ),
        (
            (
                torch.full((2, 17, 2), float("nan")),
                torch.zeros(2, 17, 2),
                torch.ones(2, 17, dtype=torch.bool),
                1.0,
            ),
            "NaN",
        ),
    ],
)
def test_oks_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        oks(*args, COCO_SIGMAS)


def test_oks_rejects_bad_sigmas():
    with pytest.raises(ValueError, match="one value per keypoint"):
        oks(
            torch.zeros(1, 17, 2),
            torch.zeros(1, 17, 2),
            torch.ones(1, 17, dtype=torch.bool),
            1.0,
            COCO_SIGMAS[:5],
        )
    with pytest.raises(ValueError, match="must all be > 0"):
        oks(torch.zeros(1, 2, 2), torch.zeros(1, 2, 2), torch.ones(1, 2, dtype=torch.bool), 1.0, [0.1, 0.0])


# --- PCK ---------------------------------------------------------------------------------------------


def _pck_loop(pred, target, visible, threshold, normalizer):
    correct = total = 0
    for n in range(pred.shape[0]):
        for k in range(pred.shape[1]):
            if visible[n, k]:
                total += 1
                correct += np.hypot(*(pred[n, k] - target[n, k])) < threshold * normalizer[n]
    return correct / total


@pytest.mark.parametrize("seed", range(6))
def test_pck_matches_a_loop_on_random_cases(seed):
    rng = np.random.default_rng(seed)
    n, k = rng.integers(1, 9), rng.integers(1, 18)
    target = rng.uniform(0, 100, (n, k, 2))
    pred = target + rng.normal(0, rng.uniform(1, 20), (n, k, 2))
    visible = rng.random((n, k)) < 0.7
    visible[0, 0] = True
    normalizer = rng.uniform(10, 100, n)
    threshold = float(rng.choice([0.05, 0.1, 0.2, 0.5]))
    ours = pck(
        torch.tensor(pred), torch.tensor(target), torch.tensor(visible), threshold, torch.tensor(normalizer)
    )
    assert ours == pytest.approx(_pck_loop(pred, target, visible, threshold, normalizer), abs=1e-12)


def test_pck_is_strict_and_leaves_invisible_keypoints_out():
    target = torch.zeros(1, 3, 2)
    pred = torch.tensor([[[3.0, 4.0], [0.0, 4.9], [50.0, 50.0]]])  # 5 px (at the threshold), 4.9 px, far
    visible = torch.tensor([[True, True, False]])
    assert pck(pred, target, visible, 0.5, torch.tensor([10.0])) == 0.5  # 5 < 5 is false
    assert pck(pred, target, visible, 0.5, 10.0) == 0.5  # one number for every instance
    assert pck(pred, target, torch.ones(1, 3, dtype=torch.bool), 0.51, 10.0) == pytest.approx(2 / 3)


def test_pck_with_no_visible_keypoint_is_a_clear_error():
    with pytest.raises(ValueError, match="no visible keypoint to score"):
        pck(torch.zeros(2, 4, 2), torch.zeros(2, 4, 2), torch.zeros(2, 4, dtype=torch.bool), 0.2, 10.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pred": torch.zeros(5, 2)}, "shape \\(N, K, 2\\)"),
        ({"pred": torch.zeros(2, 3, 2)}, "shape \\(N, K, 2\\)"),
        ({"threshold": 0}, "threshold must be a number > 0"),
        ({"threshold": True}, "threshold must be a number > 0"),
        ({"normalizer": torch.ones(3)}, "one length per instance"),
        ({"normalizer": torch.tensor([1.0, 0.0])}, "normalizer must be > 0"),
        ({"visible": torch.ones(2, 4, dtype=torch.int64)}, "visible must be a bool tensor"),
    ],
)
def test_pck_rejects_bad_input(kwargs, message):
    args = {
        "pred": torch.zeros(2, 4, 2),
        "target": torch.zeros(2, 4, 2),
        "visible": torch.ones(2, 4, dtype=torch.bool),
        "threshold": 0.2,
        "normalizer": torch.ones(2),
    } | kwargs
    with pytest.raises(ValueError, match=message):
        pck(**args)


# --- keypoint AP -------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_keypoint_ap_matches_cocoeval_on_random_cases(seed):
    preds, targets = _random_case(seed, zero_visible=seed % 2 == 0)
    ours = keypoint_ap(preds, targets)
    np.testing.assert_allclose([ours[key] for key in KEYS], _coco(preds, targets), atol=1e-6)


def test_keypoint_ap_matches_cocoeval_with_custom_sigmas():
    preds, targets = _random_case(3, k=5)
    sigmas = [0.05, 0.06, 0.07, 0.08, 0.09]
    ours = keypoint_ap(preds, targets, sigmas=sigmas)
    np.testing.assert_allclose([ours[key] for key in KEYS], _coco(preds, targets, sigmas), atol=1e-6)


def test_keypoint_ap_edge_cases_match_cocoeval():
    preds, targets = _random_case(5)
    perfect = [{"keypoints": t["keypoints"], "scores": torch.ones(t["keypoints"].shape[0])} for t in targets]
    assert keypoint_ap(perfect, targets)["map"] == pytest.approx(1.0)
    nothing = [{"keypoints": torch.zeros(0, 17, 2), "scores": torch.zeros(0)} for _ in targets]
    result = keypoint_ap(nothing, targets)
    assert result["map"] == 0.0 and result["mar"] == 0.0  # (pycocotools' loadRes refuses an empty list)
    many = [  # more than 20 detections in an image: only the 20 highest scores count
        {
            "keypoints": torch.cat([t["keypoints"]] * 8),
            "scores": torch.rand(8 * t["keypoints"].shape[0], generator=torch.Generator().manual_seed(0)),
        }
        for t in targets
    ]
    np.testing.assert_allclose([keypoint_ap(many, targets)[k] for k in KEYS], _coco(many, targets), atol=1e-6)


def test_keypoint_ap_ignores_people_without_visible_keypoints():
    person = {
        "keypoints": torch.rand(1, 17, 2) * 50,
        "visible": torch.zeros(1, 17, dtype=torch.bool),
        "area": torch.tensor([2000.0]),
    }
    result = keypoint_ap([{"keypoints": person["keypoints"], "scores": torch.tensor([0.9])}], [person])
    assert result["map"] == -1.0  # nobody to find: COCOeval's -1


def test_keypoint_ap_rejects_bad_input():
    person = {
        "keypoints": torch.zeros(1, 17, 2),
        "visible": torch.ones(1, 17, dtype=torch.bool),
        "area": torch.tensor([1.0]),
    }
    with pytest.raises(ValueError, match="one dict per image"):
        keypoint_ap({"keypoints": 1}, [person])
    with pytest.raises(ValueError, match="must be a dict with keys"):
        keypoint_ap([{"keypoints": torch.zeros(1, 17, 2)}], [person])
    with pytest.raises(ValueError, match="1 images of predictions for 2 images"):
        keypoint_ap([{"keypoints": torch.zeros(1, 17, 2), "scores": torch.ones(1)}], [person, person])
    with pytest.raises(ValueError, match="one score per detection"):
        keypoint_ap([{"keypoints": torch.zeros(2, 17, 2), "scores": torch.ones(1)}], [person])
    with pytest.raises(ValueError, match="no images to score"):
        keypoint_ap([], [])


@pytest.mark.parametrize("area", [-1.0, float("inf"), float("nan")])
def test_keypoint_ap_rejects_a_bad_area_before_scoring(area):
    """keypoint_ap checks each image's areas itself (it computes OKS without `oks`'s checks)."""
    person = {
        "keypoints": torch.zeros(1, 17, 2),
        "visible": torch.ones(1, 17, dtype=torch.bool),
        "area": torch.tensor([area]),
    }
    pred = {"keypoints": torch.zeros(1, 17, 2), "scores": torch.ones(1)}
    with pytest.raises(ValueError, match=r"one area >= 0 per person"):
        keypoint_ap([pred], [person])
