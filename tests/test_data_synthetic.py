"""Tests of the generated datasets in `utils.data.synthetic`."""

import numpy as np
import pytest
import torch

from utils.data.synthetic import make_blobs, make_height_weight, make_moons, make_spirals


def test_height_weight_shapes_dtypes_and_truth():
    height, weight, truth = make_height_weight(50, seed=1, noise_kg=5.0)
    assert height.shape == weight.shape == (50,)
    assert height.dtype == weight.dtype == torch.float32
    assert truth == {"w": 0.9, "b": -83.0, "noise": 5.0}


def test_height_weight_values_are_realistic():
    height, weight, _ = make_height_weight(10_000, seed=0)
    assert 165 < height.mean() < 175 and 8 < height.std() < 12  # cm
    assert 65 < weight.mean() < 75  # kg
    assert height.min() > 120 and height.max() < 220


def test_height_weight_same_seed_same_data_other_seed_other_data():
    a = make_height_weight(20, seed=3)
    b = make_height_weight(20, seed=3)
    c = make_height_weight(20, seed=4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0]) and not torch.equal(a[1], c[1])


def test_height_weight_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    make_height_weight(100, seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_least_squares_recovers_the_truth():
    height, weight, truth = make_height_weight(100_000, seed=0, noise_kg=8.0)
    design = torch.stack([height, torch.ones_like(height)], dim=1).double()
    w, b = torch.linalg.lstsq(design, weight.double()[:, None]).solution.flatten().tolist()
    # standard errors at n = 100,000: about 0.0025 kg/cm for w and 0.43 kg for b
    assert w == pytest.approx(truth["w"], abs=0.02)
    assert b == pytest.approx(truth["b"], abs=3.0)
    residuals = weight.double() - (w * height.double() + b)
    assert residuals.std().item() == pytest.approx(truth["noise"], rel=0.02)


def test_zero_noise_puts_every_point_on_the_line():
    height, weight, truth = make_height_weight(10, seed=0, noise_kg=0.0)
    torch.testing.assert_close(weight, truth["w"] * height + truth["b"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 1}, "at least 2"),
        ({"n": 0}, "at least 2"),
        ({"n": -5}, "at least 2"),
        ({"n": 10.0}, "must be an int"),
        ({"n": True}, "must be an int"),
        ({"n": 10, "noise_kg": -1.0}, ">= 0"),
        ({"n": 10, "noise_kg": float("nan")}, "finite"),
        ({"n": 10, "noise_kg": "8"}, "finite number"),
        ({"n": 10, "seed": -1}, "non-negative int"),
        ({"n": 10, "seed": 1.5}, "non-negative int"),
        ({"n": np.int64(1)}, "at least 2"),
        ({"n": np.float64(10.0)}, "must be an int"),
        ({"n": np.bool_(True)}, "must be an int"),
        ({"n": 10, "seed": np.int64(-1)}, "non-negative int"),
        ({"n": 10, "seed": True}, "non-negative int"),
    ],
)
def test_height_weight_rejects_bad_inputs(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_height_weight(**kwargs)


def test_height_weight_accepts_numpy_integers():
    """`np.int64(100)` (e.g. from `np.arange` or a shape) is a size like any other."""
    height, weight, truth = make_height_weight(np.int64(100), seed=np.int32(3), noise_kg=np.float32(5.0))
    expected = make_height_weight(100, seed=3, noise_kg=5.0)
    assert height.shape == (100,) and torch.equal(height, expected[0]) and torch.equal(weight, expected[1])
    assert truth == expected[2] and type(truth["noise"]) is float


@pytest.mark.parametrize(
    ("make", "kwargs", "classes"),
    [(make_moons, {}, 2), (make_spirals, {"classes": 4}, 4), (make_blobs, {"centers": 5}, 5)],
)
def test_2d_classification_generators(make, kwargs, classes):
    X, y = make(200, seed=3, **kwargs)
    assert X.shape == (200, 2) and X.dtype == torch.float32 and y.dtype == torch.int64
    assert y.bincount().tolist() == [200 // classes + (k < 200 % classes) for k in range(classes)]
    again, _ = make(np.int64(200), seed=3, **kwargs)  # same seed, same data; NumPy ints welcome
    assert torch.equal(X, again) and not torch.equal(X, make(200, seed=4, **kwargs)[0])
    with pytest.raises(ValueError, match="n must be"):
        make(1, **kwargs)
    with pytest.raises(ValueError, match="seed must be"):
        make(10, seed=-1, **kwargs)


def test_2d_generators_have_the_promised_geometry():
    X, y = make_moons(400, noise=0.0)
    assert torch.allclose(X[y == 0].norm(dim=1), torch.ones(200), atol=1e-5)  # the upper unit half circle
    assert (X[y == 0, 1] >= -1e-6).all() and (X[y == 1, 1] <= 0.5 + 1e-6).all()
    X, y = make_spirals(300, noise=0.0)
    assert X.norm(dim=1).max() <= 1.0 + 1e-6
    X, y = make_blobs(300, centers=3, spread=0.0)
    assert torch.allclose(X.norm(dim=1), torch.full((300,), 2.0), atol=1e-5)
    assert len({tuple(p) for p in X.round(decimals=4).tolist()}) == 3
    with pytest.raises(ValueError, match="classes must be"):
        make_spirals(10, classes=1)
    with pytest.raises(ValueError, match="centers must be"):
        make_blobs(10, centers=True)
    with pytest.raises(ValueError, match="noise is a standard deviation"):
        make_moons(10, noise=-1)
