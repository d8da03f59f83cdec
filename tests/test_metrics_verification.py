"""Tests for utils.metrics.verification: roc_curve, auc, far_frr, eer, cross-checked against
scikit-learn (`roc_curve(drop_intermediate=False)`, `roc_auc_score`, `auc`) on random scores, ties,
and the edge cases (perfect, reversed, constant scores; all-genuine or all-impostor labels)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn import metrics as skm

from utils.metrics import auc, eer, far_frr, roc_curve


def random_case(seed: int, n: int = 200, ties: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    labels[:2] = (0, 1)  # both kinds always present
    scores = rng.normal(size=n) + 1.2 * labels
    if ties:
        scores = np.round(scores, 1)  # many equal scores
    return torch.from_numpy(scores), torch.from_numpy(labels)


def eer_reference(scores: np.ndarray, labels: np.ndarray) -> float:
    """EER from scikit-learn's ROC points: linear interpolation of FAR - FRR between the points
    around its first sign change (the same definition, written independently with NumPy)."""
    fpr, tpr, _ = skm.roc_curve(labels, scores, drop_intermediate=False)
    frr = 1 - tpr
    xs = np.linspace(0, 1, 200_001)  # position along each ROC segment
    best = None
    for k in range(1, len(fpr)):
        far_line = fpr[k - 1] + xs * (fpr[k] - fpr[k - 1])
        frr_line = frr[k - 1] + xs * (frr[k] - frr[k - 1])
        if far_line[-1] >= frr_line[-1]:
            j = np.argmin(np.abs(far_line - frr_line))
            best = far_line[j]
            break
    return float(best)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("ties", [False, True])
def test_roc_curve_matches_sklearn(seed, ties):
    scores, labels = random_case(seed, ties=ties)
    fpr, tpr, thresholds = roc_curve(scores, labels)
    ref_fpr, ref_tpr, ref_thr = skm.roc_curve(labels.numpy(), scores.numpy(), drop_intermediate=False)
    np.testing.assert_allclose(fpr.numpy(), ref_fpr, atol=1e-12)
    np.testing.assert_allclose(tpr.numpy(), ref_tpr, atol=1e-12)
    assert math.isinf(thresholds[0]) and math.isinf(ref_thr[0])
    np.testing.assert_allclose(thresholds[1:].numpy(), ref_thr[1:], atol=1e-12)
    assert fpr.dtype == tpr.dtype == thresholds.dtype == torch.float64


@pytest.mark.parametrize("seed", range(8))
def test_auc_matches_roc_auc_score_and_sklearn_auc(seed):
    scores, labels = random_case(seed, ties=seed % 2 == 0)
    fpr, tpr, _ = roc_curve(scores, labels)
    assert abs(auc(fpr, tpr) - skm.roc_auc_score(labels.numpy(), scores.numpy())) < 1e-6
    assert abs(auc(fpr, tpr) - skm.auc(fpr.numpy(), tpr.numpy())) < 1e-6
    assert abs(auc(fpr.flip(0), tpr.flip(0)) - auc(fpr, tpr)) < 1e-12  # decreasing x gives the same area


@pytest.mark.parametrize("seed", range(8))
def test_far_frr_at_each_roc_threshold_is_the_roc_point(seed):
    scores, labels = random_case(seed, n=80, ties=True)
    fpr, tpr, thresholds = roc_curve(scores, labels)
    for k in range(1, len(thresholds)):
        far, frr = far_frr(scores, labels, thresholds[k].item())
        assert abs(far - fpr[k].item()) < 1e-12 and abs(frr - (1 - tpr[k].item())) < 1e-12


def test_far_frr_by_hand_accepts_at_the_threshold():
    scores = torch.tensor([0.9, 0.5, 0.5, 0.1, 0.7])
    labels = torch.tensor([1, 1, 0, 0, 0])
    assert far_frr(scores, labels, 0.5) == (2 / 3, 0.0)  # score == threshold is accepted
    assert far_frr(scores, labels, 0.6) == (1 / 3, 0.5)
    assert far_frr(scores, labels, math.inf) == (0.0, 1.0)
    assert far_frr(scores, labels.bool(), -math.inf) == (1.0, 0.0)
    assert far_frr(scores.numpy(), labels.numpy(), np.float64(0.6)) == (1 / 3, 0.5)


@pytest.mark.parametrize("seed", range(10))
def test_eer_matches_an_independent_numpy_reference(seed):
    scores, labels = random_case(seed, n=150, ties=seed % 3 == 0)
    assert abs(eer(scores, labels) - eer_reference(scores.numpy(), labels.numpy())) < 1e-5


def test_eer_is_where_far_equals_frr():
    scores, labels = random_case(3, n=400)
    value = eer(scores, labels)
    fpr, tpr, thresholds = roc_curve(scores, labels)
    # at the ROC points on either side of the crossing, FAR and FRR bracket the EER
    far, frr = fpr, 1 - tpr
    i = int((far >= frr).nonzero()[0])
    assert min(far[i - 1], frr[i]) - 1e-12 <= value <= max(far[i], frr[i - 1]) + 1e-12


def test_eer_edge_cases():
    labels = torch.tensor([1, 1, 0, 0])
    assert eer(torch.tensor([0.9, 0.8, 0.2, 0.1]), labels) == 0.0  # perfectly separated
    assert eer(torch.tensor([0.1, 0.2, 0.8, 0.9]), labels) == 1.0  # perfectly reversed
    assert eer(torch.tensor([0.5, 0.5, 0.5, 0.5]), labels) == 0.5  # one constant score: a coin
    assert eer(torch.tensor([0.9, 0.1, 0.8, 0.2]), labels) == 0.5
    fpr, tpr, thresholds = roc_curve(torch.full((4,), 0.3), labels)
    assert (
        fpr.tolist() == [0.0, 1.0]
        and tpr.tolist() == [0.0, 1.0]
        and thresholds[1].item() == pytest.approx(0.3)
    )
    assert auc(fpr, tpr) == 0.5 == skm.roc_auc_score(labels.numpy(), np.full(4, 0.3))


@pytest.mark.parametrize("kind, value", [("genuine", 1), ("impostor", 0)])
def test_one_kind_of_pair_only(kind, value):
    scores, labels = torch.tensor([0.3, 0.6, 0.9]), torch.full((3,), value)
    for function in (roc_curve, eer):
        with pytest.raises(ValueError, match=f"both genuine .* all 3 pairs are {kind}"):
            function(scores, labels)
    far, frr = far_frr(scores, labels, 0.5)  # defined: the missing rate is NaN
    if kind == "genuine":
        assert math.isnan(far) and frr == pytest.approx(1 / 3)
    else:
        assert far == pytest.approx(2 / 3) and math.isnan(frr)


def test_bad_input_is_refused_with_a_clear_message():
    s, y = torch.tensor([0.1, 0.9]), torch.tensor([0, 1])
    with pytest.raises(ValueError, match="same length"):
        roc_curve(s, torch.tensor([0, 1, 1]))
    with pytest.raises(ValueError, match="1-D"):
        eer(s[None], y[None])
    with pytest.raises(ValueError, match="empty"):
        far_frr(torch.tensor([]), torch.tensor([]), 0.5)
    with pytest.raises(ValueError, match="finite"):
        eer(torch.tensor([0.1, math.nan]), y)
    with pytest.raises(ValueError, match="0 \\(impostor pair\\) or 1"):
        roc_curve(s, torch.tensor([0, 2]))
    with pytest.raises(ValueError, match="0 \\(impostor pair\\) or 1"):
        roc_curve(s, torch.tensor([0.0, 0.5]))
    with pytest.raises(ValueError, match="real numbers"):
        eer(torch.tensor([True, False]), y)
    with pytest.raises(ValueError, match="threshold must be a number"):
        far_frr(s, y, "high")
    with pytest.raises(ValueError, match="threshold must be a number"):
        far_frr(s, y, math.nan)
    with pytest.raises(ValueError, match="at least 2 points"):
        auc(torch.tensor([0.0]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match="sorted"):
        auc(torch.tensor([0.0, 1.0, 0.5]), torch.tensor([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="same length"):
        auc(torch.tensor([0.0, 1.0]), torch.tensor([0.0, 1.0, 1.0]))
