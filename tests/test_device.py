"""Tests for utils.device: picking a device and seeding."""

import random

import numpy as np
import pytest
import torch

from utils.device import get_device, seed_everything


def test_get_device_picks_an_available_device():
    device = get_device()
    assert device.type in {"cpu", "cuda", "mps"}
    if torch.cuda.is_available():
        assert device.type == "cuda"
    assert get_device("cpu") == torch.device("cpu")


def test_get_device_rejects_unknown_or_missing_devices():
    with pytest.raises(ValueError, match="prefer must be one of"):
        get_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="not available"):
            get_device("cuda")


def test_seed_everything_makes_every_generator_repeat():
    seed_everything(123)
    first = (random.random(), np.random.rand(), torch.rand(3))
    seed_everything(123)
    again = (random.random(), np.random.rand(), torch.rand(3))
    assert first[0] == again[0] and first[1] == again[1] and torch.equal(first[2], again[2])
    seed_everything(124)
    assert not torch.equal(torch.rand(3), first[2])


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="non-negative int"):
        seed_everything(bad)
