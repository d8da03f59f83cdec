"""Small from-scratch models: the multi-layer perceptron of notebooks 03–07."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

from torch import nn


def mlp(
    in_features: int,
    hidden: Sequence[int],
    out_features: int,
    activation: Callable[[], nn.Module] = nn.ReLU,
    batch_norm: bool = False,
) -> nn.Sequential:
    """A multi-layer perceptron: Linear → [BatchNorm] → activation, per hidden layer, then a Linear.

    Args:
        in_features: size of each input vector (e.g. 2 for points, 784 for 28 × 28 images flattened).
        hidden: sizes of the hidden layers, e.g. [64, 64]; empty for a linear model.
        out_features: size of the output (e.g. the number of classes).
        activation: a class or function that makes a fresh activation module, e.g. `nn.Tanh`.
        batch_norm: put an `nn.BatchNorm1d` after each hidden Linear (notebook 07).

    Example:
        >>> mlp(2, [16, 16], 3, activation=nn.Tanh)
        Sequential(
          (0): Linear(in_features=2, out_features=16, bias=True)
          (1): Tanh()
          (2): Linear(in_features=16, out_features=16, bias=True)
          (3): Tanh()
          (4): Linear(in_features=16, out_features=3, bias=True)
        )
    """
    sizes = [in_features, *hidden, out_features]
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(f"layer sizes must be positive ints, got {sizes}")
    if not callable(activation):
        raise ValueError(f"activation must make a module, e.g. nn.ReLU (the class), got {activation!r}")
    layers: list[nn.Module] = []
    for size_in, size_out in zip(sizes[:-2], sizes[1:-1]):
        layers.append(nn.Linear(int(size_in), int(size_out)))
        if batch_norm:
            layers.append(nn.BatchNorm1d(int(size_out)))
        try:
            module = activation()
        except TypeError:
            module = None  # e.g. torch.relu, a function that needs its input
        if not isinstance(module, nn.Module):
            raise ValueError(
                f"activation() must return an nn.Module, got {activation!r}: pass the class, e.g. nn.ReLU, "
                "not the function torch.relu"
            )
        layers.append(module)
    layers.append(nn.Linear(int(sizes[-2]), int(sizes[-1])))
    return nn.Sequential(*layers)
