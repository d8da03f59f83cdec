"""Metrics for generated images: the Fréchet distance between two Gaussians, and between two sets of
features (the formula behind FID, the Fréchet Inception Distance of Heusel et al., 2017).

- `frechet_distance(mu1, sigma1, mu2, sigma2)`: the squared Fréchet (2-Wasserstein) distance between
  N(mu1, sigma1) and N(mu2, sigma2),
  $\\lVert \\mu_1 - \\mu_2 \\rVert^2 + \\operatorname{Tr}\\big(\\Sigma_1 + \\Sigma_2 - 2 (\\Sigma_1 \\Sigma_2)^{1/2}\\big)$.
- `fid_from_features(real, fake)`: the same between the Gaussians fitted to two sets of feature
  vectors (their means and unbiased covariances, divided by N - 1, as pytorch-fid and torchmetrics do).

It is *FID* only when the features are Inception-v3's 2048 pool features of the images; with any
other feature extractor, name the number for what it is (e.g. "Fréchet distance in our digit
classifier's features"). Values from different feature extractors cannot be compared.

The matrix square root is never formed from the product $\\Sigma_1 \\Sigma_2$ (not symmetric):
$\\operatorname{Tr}(\\Sigma_1 \\Sigma_2)^{1/2} = \\operatorname{Tr}(\\sqrt{\\Sigma_1} \\Sigma_2 \\sqrt{\\Sigma_1})^{1/2}$,
the sum of the square roots of the eigenvalues of a symmetric positive semi-definite matrix. So
**singular covariances are fine** (fewer samples than feature dimensions, a constant feature, a
collapsed generator): the distance is still defined and finite, and it is computed without the
small diagonal offset pytorch-fid adds when its `scipy.linalg.sqrtm` fails. Eigenvalues that
rounding makes slightly negative are taken as 0. Covariances that are not symmetric or clearly not
positive semi-definite are rejected.

Everything is computed in float64; tensors or NumPy arrays in, a Python float out.

Example:
    >>> frechet_distance(torch.zeros(2), torch.eye(2), torch.ones(2), 4 * torch.eye(2))  # 2 + (1 - 2)² * 2
    4.0
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

# Relative tolerance for "symmetric" and "positive semi-definite" (relative to the largest |entry|).
_TOLERANCE = 1e-6
_INTEGER_TYPES = (torch.int8, torch.uint8, torch.int16, torch.int32, torch.int64)


def _as_float64(value: Tensor | np.ndarray | float, name: str) -> Tensor:
    if isinstance(value, Tensor):
        tensor = value.detach().cpu()
    elif isinstance(value, (np.ndarray, float, int, np.number)) and not isinstance(value, bool):
        tensor = torch.as_tensor(np.asarray(value))
    else:
        raise ValueError(f"{name} must be a tensor or a NumPy array, got {type(value).__name__}")
    if tensor.is_complex() or not (tensor.is_floating_point() or tensor.dtype in _INTEGER_TYPES):
        raise ValueError(f"{name} must hold real numbers, got dtype {tensor.dtype}")
    tensor = tensor.to(torch.float64)
    if not torch.isfinite(tensor).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return tensor


def _sqrt_psd(matrix: Tensor) -> Tensor:
    """The symmetric square root of a symmetric positive semi-definite matrix (eigenvalues < 0 → 0)."""
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.T


def _check_covariance(sigma: Tensor, name: str, dim: int) -> None:
    if sigma.shape != (dim, dim):
        raise ValueError(
            f"{name} must be a ({dim}, {dim}) covariance matrix to match the mean's {dim} dimensions, "
            f"got shape {tuple(sigma.shape)}"
        )
    scale = max(sigma.abs().max().item(), 1e-300)
    if (sigma - sigma.T).abs().max().item() > _TOLERANCE * scale:
        raise ValueError(f"{name} must be symmetric (a covariance matrix), but {name} != {name}.T")
    smallest = torch.linalg.eigvalsh(sigma).min().item()
    if smallest < -_TOLERANCE * scale * dim:
        raise ValueError(
            f"{name} is not positive semi-definite (its smallest eigenvalue is {smallest:.3g} < 0): "
            "it cannot be a covariance matrix"
        )


def frechet_distance(
    mu1: Tensor | np.ndarray,
    sigma1: Tensor | np.ndarray,
    mu2: Tensor | np.ndarray,
    sigma2: Tensor | np.ndarray,
) -> float:
    """The squared Fréchet distance between the Gaussians N(mu1, sigma1) and N(mu2, sigma2).

    d² = ||mu1 - mu2||² + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2)); 0 for identical Gaussians.
    In one dimension, with standard deviations s1 and s2 (sigma = s²), it is (mu1 - mu2)² + (s1 - s2)².

    Args:
        mu1, mu2: means, shape (d,) (a 0-dim value is read as d = 1).
        sigma1, sigma2: covariance matrices, shape (d, d), symmetric positive semi-definite; singular
            ones are allowed (a 0-dim value is read as a 1x1 covariance, i.e. a variance).

    Returns:
        The squared distance, a float ≥ 0 (what FID reports; it is not square-rooted).

    Raises:
        ValueError: shapes that do not match, non-finite values, or a covariance that is not
            symmetric or not positive semi-definite.

    Example:
        >>> frechet_distance(np.array([0.0]), np.array([[1.0]]), np.array([3.0]), np.array([[4.0]]))
        10.0
    """
    mu1, mu2 = _as_float64(mu1, "mu1"), _as_float64(mu2, "mu2")
    sigma1, sigma2 = _as_float64(sigma1, "sigma1"), _as_float64(sigma2, "sigma2")
    mu1, mu2 = mu1.reshape(1) if mu1.dim() == 0 else mu1, mu2.reshape(1) if mu2.dim() == 0 else mu2
    sigma1 = sigma1.reshape(1, 1) if sigma1.dim() == 0 else sigma1
    sigma2 = sigma2.reshape(1, 1) if sigma2.dim() == 0 else sigma2
    if mu1.dim() != 1 or mu2.dim() != 1 or mu1.shape != mu2.shape or len(mu1) == 0:
        raise ValueError(
            f"mu1 and mu2 must be mean vectors of the same length d >= 1, got shapes {tuple(mu1.shape)} "
            f"and {tuple(mu2.shape)}"
        )
    _check_covariance(sigma1, "sigma1", len(mu1))
    _check_covariance(sigma2, "sigma2", len(mu1))
    sigma1, sigma2 = (sigma1 + sigma1.T) / 2, (sigma2 + sigma2.T) / 2  # exactly symmetric for eigh
    root1 = _sqrt_psd(sigma1)
    middle = root1 @ sigma2 @ root1  # symmetric PSD, same eigenvalues as sigma1 @ sigma2
    trace_sqrt = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0).sqrt().sum()
    distance = (mu1 - mu2).square().sum() + sigma1.trace() + sigma2.trace() - 2 * trace_sqrt
    return max(distance.item(), 0.0)  # rounding can leave -1e-15 for identical Gaussians


def _fid_low_rank(real: Tensor, fake: Tensor) -> float:
    """`fid_from_features` when N + M <= d, without any (d, d) matrix: the same value, cheaply.

    With A = centred features / sqrt(N - 1), sigma = A^T A, so Tr(sigma1) is the sum of A1's squares and
    the eigenvalues of sigma1 sigma2 that are not 0 are those of (A1 A2^T)(A1 A2^T)^T: Tr((sigma1 sigma2)^(1/2))
    is the sum of the singular values of the (N, M) matrix A1 A2^T. (Two (2048, 2048) eigendecompositions
    take minutes on a laptop CPU; this takes milliseconds.)
    """
    a1 = (real - real.mean(dim=0)) / (len(real) - 1) ** 0.5
    a2 = (fake - fake.mean(dim=0)) / (len(fake) - 1) ** 0.5
    trace_sqrt = torch.linalg.svdvals(a1 @ a2.T).sum()
    gap = (real.mean(dim=0) - fake.mean(dim=0)).square().sum()
    distance = gap + a1.square().sum() + a2.square().sum() - 2 * trace_sqrt
    return max(distance.item(), 0.0)


def fid_from_features(real: Tensor | np.ndarray, fake: Tensor | np.ndarray) -> float:
    """The Fréchet distance between Gaussians fitted to two sets of feature vectors.

    Each set gives a mean and an unbiased covariance (divided by N - 1, like `np.cov`, pytorch-fid
    and torchmetrics); then `frechet_distance`. With Inception-v3 pool features this is FID; with
    other features, call it the Fréchet distance in those features.

    Args:
        real: features of real images, shape (N, d), N >= 2.
        fake: features of generated images, shape (M, d), M >= 2 (M may differ from N).

    Returns:
        The squared Fréchet distance, a float ≥ 0. It is biased upwards for small N and M: compare
        values computed with the same numbers of images.

    Raises:
        ValueError: not two (N, d) sets with the same d, fewer than 2 vectors in a set, or
            non-finite values.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> a, b = torch.randn(500, 4, generator=g), torch.randn(500, 4, generator=g) + 1
        >>> round(fid_from_features(a, b))  # ≈ ||(1, 1, 1, 1)||² = 4, the covariances are alike
        4
    """
    real, fake = _as_float64(real, "real"), _as_float64(fake, "fake")
    for name, features in (("real", real), ("fake", fake)):
        if features.dim() != 2:
            raise ValueError(
                f"{name} must be a (N, d) set of feature vectors, one row per image, got shape "
                f"{tuple(features.shape)}"
            )
        if len(features) < 2:
            raise ValueError(f"{name} holds {len(features)} feature vector(s): a covariance needs at least 2")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real and fake features must have the same dimension d, got {real.shape[1]} and {fake.shape[1]}"
        )
    if real.shape[1] == 0:
        raise ValueError("the feature vectors are empty (d = 0)")
    if len(real) + len(fake) <= real.shape[1]:  # few images, many features (Inception: 2048)
        return _fid_low_rank(real, fake)
    stats = [
        (features.mean(dim=0), torch.cov(features.T).reshape(features.shape[1], -1))
        for features in (real, fake)
    ]
    return frechet_distance(*stats[0], *stats[1])


__all__ = ["fid_from_features", "frechet_distance"]  # what `utils.metrics` exports from this module
