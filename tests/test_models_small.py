"""Tests for utils.models.small."""

import numpy as np
import pytest
import torch
from torch import nn

from utils.models import mlp


def test_mlp_layers_shapes_and_activation():
    model = mlp(2, [16, 8], 3, activation=nn.Tanh)
    kinds = [type(layer).__name__ for layer in model]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert model(torch.zeros(5, 2)).shape == (5, 3)
    assert model[0] is not model[2] and model[1] is not model[3]  # fresh modules, not one shared
    linear = mlp(4, [], 2)
    assert [type(layer).__name__ for layer in linear] == ["Linear"]
    bn = mlp(np.int64(4), [8], 2, batch_norm=True)
    assert [type(layer).__name__ for layer in bn] == ["Linear", "BatchNorm1d", "ReLU", "Linear"]


def test_mlp_rejects_bad_sizes_and_activations():
    with pytest.raises(ValueError, match="positive ints"):
        mlp(2, [0], 1)
    with pytest.raises(ValueError, match="positive ints"):
        mlp(2, [16.5], 1)
    with pytest.raises(ValueError, match="nn.ReLU \\(the class\\)"):
        mlp(2, [4], 1, activation="relu")
    with pytest.raises(ValueError, match="must return an nn.Module"):
        mlp(2, [4], 1, activation=torch.relu)
