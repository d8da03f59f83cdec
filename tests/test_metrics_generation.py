"""Tests for utils.metrics.generation: frechet_distance and fid_from_features, cross-checked against
pytorch-fid's formula (`pytorch_fid.fid_score.calculate_frechet_distance`, NumPy + scipy's sqrtm) and
torchmetrics' `FrechetInceptionDistance` with a custom feature module (no Inception weights needed),
on random cases and the edge cases: identical distributions, the 1-D and diagonal closed forms,
singular covariances (fewer samples than dimensions, a collapsed set), and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from pytorch_fid.fid_score import calculate_frechet_distance
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance

from utils.metrics import fid_from_features, frechet_distance


def feature_sets(seed: int, n: int, m: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Two sets of correlated features with different means and covariances."""
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
    fake = 0.7 * rng.normal(size=(m, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)
    return real, fake


def stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return features.mean(axis=0), np.cov(features, rowvar=False)


class PassThrough(nn.Module):
    """A "feature extractor" for torchmetrics that returns its input: the features go in directly."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def torchmetrics_fid(real: np.ndarray, fake: np.ndarray) -> float:
    metric = FrechetInceptionDistance(feature=PassThrough(real.shape[1]), normalize=True)
    metric.update(torch.from_numpy(real), real=True)
    metric.update(torch.from_numpy(fake), real=False)
    return metric.compute().item()


# --- agreement with the reference implementations --------------------------------------------------


@pytest.mark.parametrize(("seed", "n", "m", "d"), [(0, 200, 200, 3), (1, 500, 300, 16), (2, 1000, 800, 64)])
def test_matches_pytorch_fid_and_torchmetrics_on_random_features(seed, n, m, d):
    real, fake = feature_sets(seed, n, m, d)
    ours = fid_from_features(real, fake)
    expected = calculate_frechet_distance(*stats(real), *stats(fake))
    assert ours == pytest.approx(expected, rel=1e-6, abs=1e-6)
    assert ours == pytest.approx(torchmetrics_fid(real, fake), rel=1e-6, abs=1e-6)
    assert frechet_distance(*stats(real), *stats(fake)) == pytest.approx(expected, rel=1e-6)


def test_tensors_arrays_float32_and_argument_order():
    real, fake = feature_sets(3, 300, 300, 8)
    reference = fid_from_features(real, fake)
    assert fid_from_features(torch.from_numpy(real), torch.from_numpy(fake)) == pytest.approx(reference)
    as_float32 = fid_from_features(torch.from_numpy(real).float(), torch.from_numpy(fake).float())
    assert as_float32 == pytest.approx(reference, rel=1e-5)
    assert fid_from_features(fake, real) == pytest.approx(reference, rel=1e-9)  # a distance: symmetric
    mu1, s1 = stats(real)
    mu2, s2 = stats(fake)
    assert frechet_distance(mu2, s2, mu1, s1) == pytest.approx(reference, rel=1e-9)
    assert isinstance(reference, float)


# --- closed forms and edge cases -------------------------------------------------------------------


def test_identical_distributions_give_zero():
    real, _ = feature_sets(4, 400, 10, 12)
    assert fid_from_features(real, real) == pytest.approx(0.0, abs=1e-9)
    mu, sigma = stats(real)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance(mu, sigma, mu, sigma) >= 0.0  # never a tiny negative number


@pytest.mark.parametrize(
    ("mu1", "s1", "mu2", "s2"), [(0.0, 1.0, 3.0, 2.0), (-1.5, 0.3, 2.0, 0.3), (4.0, 2.5, 4.0, 0.5)]
)
def test_one_dimension_is_mean_gap_squared_plus_std_gap_squared(mu1, s1, mu2, s2):
    expected = (mu1 - mu2) ** 2 + (s1 - s2) ** 2
    as_vectors = frechet_distance(np.array([mu1]), np.array([[s1**2]]), np.array([mu2]), np.array([[s2**2]]))
    assert as_vectors == pytest.approx(expected, rel=1e-12)
    assert frechet_distance(mu1, s1**2, mu2, s2**2) == pytest.approx(expected, rel=1e-12)  # 0-dim values


def test_diagonal_covariances_add_up_per_dimension():
    mu1, mu2 = torch.tensor([0.0, 1.0, -2.0]).double(), torch.tensor([1.0, 1.0, 0.0]).double()
    std1, std2 = torch.tensor([1.0, 2.0, 0.5]).double(), torch.tensor([3.0, 2.0, 0.1]).double()
    expected = ((mu1 - mu2) ** 2).sum() + ((std1 - std2) ** 2).sum()
    got = frechet_distance(mu1, torch.diag(std1**2), mu2, torch.diag(std2**2))
    assert got == pytest.approx(expected.item(), rel=1e-12)


def test_a_rotation_of_the_covariance_is_seen():
    """Same variances along other axes: not zero (the distance compares whole covariances)."""
    sigma = torch.diag(torch.tensor([4.0, 1.0]))
    rotated = torch.tensor([[1.0, 0.0], [0.0, 4.0]])
    assert frechet_distance(torch.zeros(2), sigma, torch.zeros(2), rotated) == pytest.approx(2.0, rel=1e-12)


def test_singular_covariances_give_a_defined_finite_value():
    # fewer samples than dimensions: both covariances are singular (rank 19 in 64 dimensions)
    real, fake = feature_sets(5, 20, 20, 64)
    ours = fid_from_features(real, fake)
    assert math.isfinite(ours) and ours > 0
    assert ours == pytest.approx(torchmetrics_fid(real, fake), rel=1e-6)
    # pytorch-fid's sqrtm of a singular product is less accurate: agreement to 1e-4 only
    assert ours == pytest.approx(calculate_frechet_distance(*stats(real), *stats(fake)), rel=1e-4)


@pytest.mark.parametrize(("n", "m", "d"), [(20, 20, 64), (8, 12, 300), (3, 2, 5)])
def test_few_vectors_in_many_dimensions_take_the_low_rank_path_with_the_same_value(n, m, d):
    """N + M <= d (e.g. a SMOKE run's few images in Inception's 2048 features): no (d, d) matrix is
    decomposed, and the value is that of the full formula (frechet_distance on the covariances)."""
    real, fake = feature_sets(7, n, m, d)
    full = frechet_distance(*stats(real), *stats(fake))
    assert fid_from_features(real, fake) == pytest.approx(full, rel=1e-7, abs=1e-9)
    assert fid_from_features(real, real) == pytest.approx(0.0, abs=1e-9)


def test_collapsed_sets_and_zero_covariances():
    """A generator that always outputs the same image (mode collapse) has a zero covariance."""
    zero = np.zeros((3, 3))
    mu1, mu2 = np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 1.0])
    assert frechet_distance(mu1, zero, mu2, zero) == pytest.approx(9.0, rel=1e-12)  # only the means
    real, _ = feature_sets(6, 300, 10, 3)
    collapsed = np.tile(real[:1], (50, 1))  # 50 copies of one feature vector
    mu, sigma = stats(real)
    expected = float(np.sum((mu - real[0]) ** 2) + np.trace(sigma))  # Tr(sigma) + 0 - 2 * 0
    assert fid_from_features(real, collapsed) == pytest.approx(expected, rel=1e-9)
    # a rank-1 covariance compared with itself: still exactly 0
    v = np.array([[1.0], [2.0], [-1.0]])
    assert frechet_distance(mu1, v @ v.T, mu1, v @ v.T) == pytest.approx(0.0, abs=1e-9)


def test_more_samples_move_two_sets_from_one_distribution_towards_zero():
    rng = np.random.default_rng(7)
    small = fid_from_features(rng.normal(size=(50, 4)), rng.normal(size=(50, 4)))
    large = fid_from_features(rng.normal(size=(5000, 4)), rng.normal(size=(5000, 4)))
    assert large < small and large < 0.02


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((np.zeros(2), np.eye(2), np.zeros(3), np.eye(3)), "same length"),
        ((np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)), r"\(2, 2\) covariance"),
        ((np.zeros((2, 1)), np.eye(2), np.zeros(2), np.eye(2)), "mean vectors"),
        ((np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]), np.zeros(2), np.eye(2)), "symmetric"),
        ((np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]]), np.zeros(2), np.eye(2)), "positive semi-definite"),
        ((np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2)), "positive semi-definite"),
        ((np.array([np.nan, 0.0]), np.eye(2), np.zeros(2), np.eye(2)), "NaN"),
        ((np.zeros(0), np.zeros((0, 0)), np.zeros(0), np.zeros((0, 0))), "d >= 1"),
        (([0.0, 0.0], np.eye(2), np.zeros(2), np.eye(2)), "tensor or a NumPy array"),
        ((np.zeros(2), np.eye(2, dtype=complex), np.zeros(2), np.eye(2)), "real numbers"),
    ],
)
def test_frechet_distance_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        frechet_distance(*args)


@pytest.mark.parametrize(
    ("real", "fake", "message"),
    [
        (np.zeros((10, 3)), np.zeros((10, 4)), "same dimension"),
        (np.zeros(10), np.zeros((10, 1)), r"\(N, d\)"),
        (np.zeros((1, 3)), np.zeros((10, 3)), "at least 2"),
        (np.zeros((10, 3)), np.full((10, 3), np.inf), "NaN or infinite"),
        (np.zeros((10, 0)), np.zeros((10, 0)), "empty"),
    ],
)
def test_fid_from_features_rejects_bad_input(real, fake, message):
    with pytest.raises(ValueError, match=message):
        fid_from_features(real, fake)
