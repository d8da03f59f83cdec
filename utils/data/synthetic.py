"""Small generated datasets with a known truth.

A real dataset never tells you the "right" parameters; a generated one does. The notebooks use
these generators to check that a model recovers the truth it was built from. Every generator
takes a `seed` and uses its own `torch.Generator`, so it never touches (or depends on) the global
random state.
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import Tensor

# The made-up "population" behind `make_height_weight`. Plausible for adults, but not measured data.
HEIGHT_MEAN_CM = 170.0
HEIGHT_SD_CM = 10.0
WEIGHT_PER_CM = 0.9  # kg per cm of height (the true slope w)
# kg (the true intercept b): a 170 cm adult weighs 0.9 * 170 - 83 = 70 kg on average
WEIGHT_INTERCEPT_KG = -83.0


def make_height_weight(
    n: int, seed: int = 0, noise_kg: float = 8.0
) -> tuple[Tensor, Tensor, dict[str, float]]:
    """Generate adult heights (cm) and weights (kg) that follow a straight line plus noise.

    The data are generated, not measured: heights are drawn from a normal distribution with mean
    170 cm and standard deviation 10 cm, and each weight is

        weight = w * height + b + noise,   w = 0.9 kg/cm,   b = -83 kg,   noise ~ Normal(0, noise_kg²).

    So a 170 cm adult weighs 70 kg on average, and each extra centimetre adds 0.9 kg. Because the
    truth is known, a fitted line can be compared with it.

    Args:
        n: number of people, at least 2 (a line needs two points). Any integer type, e.g. a
            Python int or `np.int64`.
        seed: seed of the local random generator (>= 0); the same seed gives the same data.
        noise_kg: standard deviation of the Gaussian noise on the weights, in kg (0 puts every
            point exactly on the line).

    Returns:
        `(height, weight, truth)`: two float32 tensors of shape `(n,)` (cm and kg), and the dict
        `{"w": 0.9, "b": -83.0, "noise": noise_kg}` of the true slope (kg/cm), intercept (kg) and
        noise standard deviation (kg).

    Example:
        >>> height, weight, truth = make_height_weight(100, seed=0)
        >>> height.shape, weight.dtype, truth["w"]
        (torch.Size([100]), torch.float32, 0.9)
    """
    n, seed = _check_size_and_seed(n, seed, minimum=2, why="a line needs two points")
    noise_kg = _check_noise(noise_kg, "noise_kg")
    generator = torch.Generator().manual_seed(seed)
    height = HEIGHT_MEAN_CM + HEIGHT_SD_CM * torch.randn(n, generator=generator)
    noise = noise_kg * torch.randn(n, generator=generator)
    weight = WEIGHT_PER_CM * height + WEIGHT_INTERCEPT_KG + noise
    truth = {"w": WEIGHT_PER_CM, "b": WEIGHT_INTERCEPT_KG, "noise": noise_kg}
    return height, weight, truth


def _check_size_and_seed(n: object, seed: object, minimum: int, why: str) -> tuple[int, int]:
    """Python ints for `n` and `seed`; NumPy integers (np.int64(100)) are welcome, bools are not."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise ValueError(f"n must be an int (number of points), got {type(n).__name__} {n!r}")
    if n < minimum:
        raise ValueError(f"n must be at least {minimum} ({why}), got {n}")
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return int(n), int(seed)


def _check_classes(value: object, name: str) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 2:
        raise ValueError(f"{name} must be an int >= 2, got {value!r}")
    return int(value)


def _check_noise(noise: object, name: str) -> float:
    if not isinstance(noise, numbers.Real) or isinstance(noise, bool) or not math.isfinite(noise):
        raise ValueError(f"{name} must be a finite number, got {noise!r}")
    if noise < 0:
        raise ValueError(f"{name} is a standard deviation and must be >= 0, got {noise}")
    return float(noise)


def make_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Two interleaving half circles in 2-D: the classic data no straight line can separate.

    Class 0 lies on the upper half circle of radius 1 around (0, 0), class 1 on the lower half
    circle around (1, 0.5); Gaussian noise of standard deviation `noise` is added to every point.

    Args:
        n: number of points (at least 2), split as evenly as possible between the two classes.
        noise: standard deviation of the Gaussian noise added to each coordinate.
        seed: seed of the local random generator.

    Returns:
        `(X, y)`: points (n, 2) float32 and labels (n,) int64 in {0, 1}, classes interleaved.

    Example:
        >>> X, y = make_moons(100, seed=0); X.shape, y.bincount().tolist()
        (torch.Size([100, 2]), [50, 50])
    """
    n, seed = _check_size_and_seed(n, seed, minimum=2, why="one point per class")
    noise = _check_noise(noise, "noise")
    generator = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    angle = math.pi * torch.rand(n, generator=generator)
    upper = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    lower = torch.stack([1 - torch.cos(angle), 0.5 - torch.sin(angle)], dim=1)
    X = torch.where(y[:, None] == 0, upper, lower) + noise * torch.randn(n, 2, generator=generator)
    return X.float(), y.long()


def make_spirals(n: int, classes: int = 3, noise: float = 0.2, seed: int = 0) -> tuple[Tensor, Tensor]:
    """`classes` interleaved spiral arms in 2-D (cs231n's spiral data): hard for a linear model.

    A point of arm k at radius r (from 0 to 1) has angle t = 2π (k / K + 0.75 r) plus Gaussian noise,
    and sits at (r sin t, r cos t): each arm turns three quarters of a circle on its way out.

    Args:
        n: number of points (at least `classes`), split as evenly as possible between the arms.
        classes: number of arms (classes), at least 2.
        noise: standard deviation of the Gaussian noise added to each point's angle (radians).
        seed: seed of the local random generator.

    Returns:
        `(X, y)`: points (n, 2) float32 in about [-1, 1]², labels (n,) int64 in 0..classes-1.

    Example:
        >>> X, y = make_spirals(300, classes=3, seed=0); X.shape, y.bincount().tolist()
        (torch.Size([300, 2]), [100, 100, 100])
    """
    classes = _check_classes(classes, "classes")
    n, seed = _check_size_and_seed(n, seed, minimum=classes, why="one point per class")
    noise = _check_noise(noise, "noise")
    generator = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % classes
    radius = torch.rand(n, generator=generator)
    angle = 2 * math.pi * (y / classes + 0.75 * radius) + noise * torch.randn(n, generator=generator)
    X = torch.stack([radius * torch.sin(angle), radius * torch.cos(angle)], dim=1)
    return X.float(), y.long()


def make_blobs(n: int, centers: int = 3, spread: float = 0.5, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Round Gaussian clusters in 2-D, one per class, with centres evenly spaced on a circle of radius 2.

    Args:
        n: number of points (at least `centers`), split as evenly as possible between the clusters.
        centers: number of clusters (classes), at least 2.
        spread: standard deviation of each cluster around its centre.
        seed: seed of the local random generator.

    Returns:
        `(X, y)`: points (n, 2) float32 and labels (n,) int64 in 0..centers-1.

    Example:
        >>> X, y = make_blobs(90, centers=3, seed=0); X.shape, y.bincount().tolist()
        (torch.Size([90, 2]), [30, 30, 30])
    """
    centers = _check_classes(centers, "centers")
    n, seed = _check_size_and_seed(n, seed, minimum=centers, why="one point per class")
    spread = _check_noise(spread, "spread")
    generator = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % centers
    angle = 2 * math.pi * y / centers
    middle = 2 * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    X = middle + spread * torch.randn(n, 2, generator=generator)
    return X.float(), y.long()
