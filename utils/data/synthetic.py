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
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise ValueError(f"n must be an int (number of points), got {type(n).__name__} {n!r}")
    if n < 2:
        raise ValueError(f"n must be at least 2 (a line needs two points), got {n}")
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if not isinstance(noise_kg, numbers.Real) or isinstance(noise_kg, bool) or not math.isfinite(noise_kg):
        raise ValueError(f"noise_kg must be a finite number (kg), got {noise_kg!r}")
    if noise_kg < 0:
        raise ValueError(f"noise_kg is a standard deviation and must be >= 0, got {noise_kg}")

    n, seed = int(n), int(seed)  # NumPy integers (np.int64(100)) are welcome too
    generator = torch.Generator().manual_seed(seed)
    height = HEIGHT_MEAN_CM + HEIGHT_SD_CM * torch.randn(n, generator=generator)
    noise = float(noise_kg) * torch.randn(n, generator=generator)
    weight = WEIGHT_PER_CM * height + WEIGHT_INTERCEPT_KG + noise
    truth = {"w": WEIGHT_PER_CM, "b": WEIGHT_INTERCEPT_KG, "noise": float(noise_kg)}
    return height, weight, truth
