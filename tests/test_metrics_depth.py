"""Tests for utils.metrics.depth: the depth metrics of Eigen et al. (2014), cross-checked against a
NumPy reference written pixel by pixel from the formulas (as the course plan asks), on random and
edge cases, with masks, invalid targets and median scaling."""

import math

import numpy as np
import pytest
import torch

from utils.metrics import DEPTH_METRICS, depth_metrics, median_scale, valid_depth_mask


def numpy_reference(pred, target, valid=None, median_scaling=False):
    """The eight metrics from their definitions, in float64 NumPy, with a plain Python loop for δ."""
    p, t = np.asarray(pred, dtype=np.float64).ravel(), np.asarray(target, dtype=np.float64).ravel()
    keep = np.isfinite(t) & (t > 0)
    if valid is not None:
        keep &= np.asarray(valid).ravel()
    p, t = p[keep], t[keep]
    if median_scaling:
        p = p * np.median(t) / np.median(p)
    thresholds = [sum(max(a / b, b / a) < 1.25**k for a, b in zip(p, t)) / len(t) for k in (1, 2, 3)]
    return {
        "abs_rel": np.mean(np.abs(p - t) / t),
        "sq_rel": np.mean((p - t) ** 2 / t),
        "rmse": np.sqrt(np.mean((p - t) ** 2)),
        "rmse_log": np.sqrt(np.mean((np.log(p) - np.log(t)) ** 2)),
        "log10": np.mean(np.abs(np.log10(p) - np.log10(t))),
        "delta1": thresholds[0],
        "delta2": thresholds[1],
        "delta3": thresholds[2],
    }


def assert_matches(ours, expected, tol=1e-6):
    assert list(ours) == list(DEPTH_METRICS)
    for key in DEPTH_METRICS:
        assert isinstance(ours[key], float), key
        assert ours[key] == pytest.approx(expected[key], rel=tol, abs=tol), key


def random_depths(shape, seed, spread=0.3, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    target = 0.5 + 9.5 * torch.rand(shape, generator=g, dtype=dtype)  # 0.5 m .. 10 m, like NYU
    pred = target * torch.exp(spread * torch.randn(shape, generator=g, dtype=dtype))
    return pred, target


# --- against the NumPy reference -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "spread", "seed"),
    [((50,), 0.1, 0), ((4, 1, 16, 16), 0.3, 1), ((3, 24, 32), 0.8, 2), ((1, 7), 0.05, 3)],
)
@pytest.mark.parametrize("median_scaling", [False, True])
def test_matches_the_numpy_reference_on_random_depths(shape, spread, seed, median_scaling):
    pred, target = random_depths(shape, seed, spread)
    expected = numpy_reference(pred.numpy(), target.numpy(), median_scaling=median_scaling)
    assert_matches(depth_metrics(pred, target, median_scaling=median_scaling), expected)


def test_matches_the_reference_with_a_mask_and_invalid_targets():
    pred, target = random_depths((2, 20, 20), seed=4)
    target[0, :3] = 0.0  # no measurement (a Kinect hole)
    target[1, 5, :] = float("nan")
    target[1, 6, :4] = -1.0
    target[0, 10, 10] = float("inf")
    g = torch.Generator().manual_seed(5)
    valid = torch.rand(target.shape, generator=g) > 0.3
    expected = numpy_reference(pred.numpy(), target.numpy(), valid=valid.numpy())
    assert_matches(depth_metrics(pred, target, valid), expected)
    expected = numpy_reference(pred.numpy(), target.numpy(), valid=valid.numpy(), median_scaling=True)
    assert_matches(depth_metrics(pred, target, valid, median_scaling=True), expected)


def test_float32_inputs_agree_with_float64():
    pred, target = random_depths((3, 32, 32), seed=6)
    ours = depth_metrics(pred.float(), target.float())
    assert_matches(ours, numpy_reference(pred.float().numpy(), target.float().numpy()))


def test_an_even_count_takes_numpys_median_for_scaling():
    pred, target = torch.tensor([1.0, 2.0, 3.0, 10.0]), torch.tensor([2.0, 3.0, 5.0, 6.0])
    assert median_scale(pred, target) == pytest.approx(np.median([2, 3, 5, 6]) / np.median([1, 2, 3, 10]))
    expected = numpy_reference(pred.numpy(), target.numpy(), median_scaling=True)
    assert_matches(depth_metrics(pred, target, median_scaling=True), expected)


# --- known values and edge cases -------------------------------------------------------------------


def test_a_perfect_prediction_and_known_values():
    target = torch.tensor([1.0, 2.0, 4.0, 8.0])
    perfect = depth_metrics(target.clone(), target)
    assert perfect == {**dict.fromkeys(DEPTH_METRICS[:5], 0.0), "delta1": 1.0, "delta2": 1.0, "delta3": 1.0}
    doubled = depth_metrics(2 * target, target)
    assert doubled["abs_rel"] == pytest.approx(1.0)
    assert doubled["rmse_log"] == pytest.approx(math.log(2))
    assert doubled["log10"] == pytest.approx(math.log10(2))
    assert doubled["rmse"] == pytest.approx(math.sqrt((1 + 4 + 16 + 64) / 4))
    assert doubled["sq_rel"] == pytest.approx((1 + 2 + 4 + 8) / 4)
    assert (doubled["delta1"], doubled["delta2"], doubled["delta3"]) == (0.0, 0.0, 0.0)  # 2 > 1.25³
    ratio = depth_metrics(1.9 * target, target)  # 1.5625 = 1.25² < 1.9 < 1.953125 = 1.25³
    assert (ratio["delta1"], ratio["delta2"], ratio["delta3"]) == (0.0, 0.0, 1.0)


def test_delta_thresholds_are_strict_and_symmetric():
    target = torch.ones(4, dtype=torch.float64)
    pred = torch.tensor([1.25, 1 / 1.25, 1.2499, 1 / 1.2499], dtype=torch.float64)
    assert depth_metrics(pred, target)["delta1"] == 0.5  # exactly 1.25 (either way) does not count


def test_median_scaling_removes_a_global_scale():
    pred, target = random_depths((2, 16, 16), seed=7, spread=0.2)
    for scale in (0.01, 3.0, 250.0):
        scaled = depth_metrics(scale * pred, target, median_scaling=True)
        assert_matches(scaled, depth_metrics(pred, target, median_scaling=True), tol=1e-9)
    assert median_scale(3.0 * target, target) == pytest.approx(1 / 3)


def test_a_single_valid_pixel_and_a_mask_leaving_one():
    m = depth_metrics(torch.tensor([3.0]), torch.tensor([2.0]))
    assert m["abs_rel"] == pytest.approx(0.5) and m["rmse"] == pytest.approx(1.0) and m["delta1"] == 0.0
    valid = torch.tensor([False, True, False])
    m = depth_metrics(torch.tensor([9.0, 2.2, 9.0]), torch.tensor([1.0, 2.0, 1.0]), valid)
    assert m["abs_rel"] == pytest.approx(0.1) and m["delta1"] == 1.0


def test_pred_outside_valid_pixels_may_be_anything():
    target = torch.tensor([0.0, 2.0, float("nan"), 4.0])
    pred = torch.tensor([-5.0, 2.0, float("nan"), 4.0])  # only where the target is invalid
    assert depth_metrics(pred, target)["abs_rel"] == 0.0


def test_gradients_do_not_leak_and_inputs_stay_unchanged():
    pred, target = random_depths((8, 8), seed=8)
    pred.requires_grad_(True)
    before = pred.detach().clone()
    m = depth_metrics(pred, target, median_scaling=True)
    assert isinstance(m["rmse"], float) and torch.equal(pred.detach(), before)


def test_valid_depth_mask():
    target = torch.tensor([[2.0, 0.0], [float("nan"), -1.0]])
    assert valid_depth_mask(target).tolist() == [[True, False], [False, False]]
    both = valid_depth_mask(torch.tensor([2.0, 3.0]), torch.tensor([False, True]))
    assert both.tolist() == [False, True]


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pred", "target", "valid", "message"),
    [
        (np.ones(3), torch.ones(3), None, "pred must be a torch tensor"),
        (torch.ones(3), [1.0, 2.0, 3.0], None, "target must be a torch tensor"),
        (torch.ones(3), torch.ones(4), None, r"same shape, got \(3,\) and \(4,\)"),
        (torch.ones(3, dtype=torch.int64), torch.ones(3), None, "pred must hold floating-point"),
        (torch.ones(3), torch.ones(3, dtype=torch.int32), None, "target must hold floating-point"),
        (torch.ones(3), torch.zeros(3), None, "no valid pixel"),
        (torch.ones(3), torch.tensor([-1.0, float("nan"), float("inf")]), None, "no valid pixel"),
        (torch.ones(3), torch.ones(3), torch.zeros(3, dtype=torch.bool), "no valid pixel"),
        (torch.ones(3), torch.ones(3), torch.ones(3), "valid must be a bool tensor"),
        (torch.ones(3), torch.ones(3), torch.ones(2, dtype=torch.bool), "valid must have the shape"),
        (torch.tensor([1.0, 0.0, 2.0]), torch.ones(3), None, "1 of 3 that are not"),
        (torch.tensor([-1.0, float("nan"), 2.0]), torch.ones(3), None, "finite and positive"),
    ],
)
def test_bad_input_is_rejected_clearly(pred, target, valid, message):
    with pytest.raises(ValueError, match=message):
        depth_metrics(pred, target, valid)


def test_median_scale_checks_its_input_too():
    with pytest.raises(ValueError, match="no valid pixel"):
        median_scale(torch.ones(2), torch.zeros(2))
    with pytest.raises(ValueError, match="clamp it first"):
        median_scale(torch.zeros(2), torch.ones(2))
