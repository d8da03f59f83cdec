"""Tests for utils.metrics.image_quality: PSNR, SSIM, the Y channel and the shaved border, cross-checked
against scikit-image (`peak_signal_noise_ratio`, `structural_similarity`, `rgb2ycbcr`) and torchmetrics
(which pads the borders by reflection before its SSIM: we reproduce that by padding our input)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage.color import rgb2ycbcr
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from torchmetrics.functional.image import peak_signal_noise_ratio as tm_psnr
from torchmetrics.functional.image import structural_similarity_index_measure as tm_ssim

from tests.conftest import best_cpu_seconds
from utils.metrics import gaussian_window, image_quality, psnr, rgb_to_y, shave, ssim, ssim_map


def _pair(shape, noise=0.1, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    target = torch.rand(shape, generator=g, dtype=dtype)
    pred = (target + noise * torch.randn(shape, generator=g, dtype=dtype)).clamp(0, 1)
    return pred, target


def _sk_ssim(pred, target, data_range, channel_axis=None):
    return structural_similarity(
        target.numpy(),
        pred.numpy(),
        data_range=data_range,
        channel_axis=channel_axis,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
    )


# --- PSNR ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "noise", "data_range"),
    [((32, 40), 0.1, 1.0), ((3, 17, 23), 0.02, 1.0), ((2, 3, 16, 16), 0.3, 2.0)],
)
def test_psnr_matches_scikit_image_and_torchmetrics(shape, noise, data_range):
    pred, target = _pair(shape, noise, seed=len(shape))
    expected = peak_signal_noise_ratio(target.numpy(), pred.numpy(), data_range=data_range)
    assert psnr(pred, target, data_range) == pytest.approx(expected, abs=1e-9)
    assert psnr(pred, target, data_range) == pytest.approx(
        tm_psnr(pred, target, data_range=data_range).item(), abs=1e-5
    )


def test_psnr_on_uint8_scale_and_float32_and_known_values():
    pred, target = _pair((3, 20, 20), 0.05, seed=4)
    on_255 = psnr(pred * 255, target * 255, data_range=255)
    assert on_255 == pytest.approx(psnr(pred, target, 1.0), abs=1e-9)  # the scale cancels
    assert psnr(pred.float(), target.float(), 1.0) == pytest.approx(psnr(pred, target, 1.0), abs=1e-4)
    assert psnr(torch.zeros(4, 4), torch.full((4, 4), 0.25), 1.0) == pytest.approx(10 * math.log10(16))
    assert psnr(target, target, 1.0) == math.inf  # identical images


def test_halving_the_mse_adds_10_log10_2_db():
    target = torch.zeros(8, 8, dtype=torch.float64)
    a, b = torch.full_like(target, 0.2), torch.full_like(target, 0.2 / math.sqrt(2))
    assert psnr(b, target, 1.0) - psnr(a, target, 1.0) == pytest.approx(10 * math.log10(2))


@pytest.mark.parametrize(
    ("pred", "target", "data_range", "message"),
    [
        (torch.zeros(4, 4), torch.zeros(4, 5), 1.0, "same shape"),
        (torch.zeros(4, 4, dtype=torch.uint8), torch.zeros(4, 4, dtype=torch.uint8), 255, "floating-point"),
        (np.zeros((4, 4)), torch.zeros(4, 4), 1.0, "expected two tensors"),
        (torch.zeros(4), torch.zeros(4), 1.0, "shape \\(H, W\\)"),
        (torch.zeros(0, 4), torch.zeros(0, 4), 1.0, "too small"),
        (torch.zeros(4, 4), torch.zeros(4, 4), 0, "data_range must be a positive number"),
        (torch.zeros(4, 4), torch.zeros(4, 4), True, "data_range must be a positive number"),
        (torch.zeros(4, 4), torch.zeros(4, 4), "1", "data_range must be a positive number"),
    ],
)
def test_psnr_rejects_bad_input(pred, target, data_range, message):
    with pytest.raises(ValueError, match=message):
        psnr(pred, target, data_range)


# --- SSIM ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "noise"), [((32, 40), 0.1), ((11, 11), 0.2), ((64, 48), 0.01), ((20, 90), 0.5)]
)
def test_ssim_matches_scikit_image_on_gray_images(shape, noise):
    pred, target = _pair(shape, noise, seed=shape[0])
    assert ssim(pred, target, 1.0) == pytest.approx(_sk_ssim(pred, target, 1.0), abs=1e-10)


def test_ssim_matches_scikit_image_per_channel_and_batches_average_the_images():
    pred, target = _pair((2, 3, 30, 35), 0.1, seed=7)
    per_image = [_sk_ssim(p, t, 1.0, channel_axis=0) for p, t in zip(pred, target)]
    assert ssim(pred[0], target[0], 1.0) == pytest.approx(per_image[0], abs=1e-10)
    assert ssim(pred, target, 1.0) == pytest.approx(np.mean(per_image), abs=1e-10)
    assert ssim_map(pred, target, 1.0).shape == (2, 3, 20, 25)


def test_ssim_matches_scikit_image_on_a_real_photo_and_its_blurred_copy():
    from skimage.data import camera

    target = torch.from_numpy(camera()).double()
    pred = F.avg_pool2d(target[None, None], 3, stride=1, padding=1, count_include_pad=False)[0, 0]
    assert ssim(pred, target, 255) == pytest.approx(_sk_ssim(pred, target, 255), abs=1e-10)
    assert ssim(pred.float() / 255, target.float() / 255, 1.0) == pytest.approx(
        _sk_ssim(pred, target, 255), abs=1e-6
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_ssim_matches_torchmetrics_once_the_borders_are_reflected_as_torchmetrics_does(seed):
    pred, target = _pair((2, 3, 24, 31), 0.15, seed=seed)
    expected = tm_ssim(pred, target, data_range=1.0, gaussian_kernel=True, sigma=1.5, kernel_size=11).item()
    padded = [F.pad(x, (5, 5, 5, 5), mode="reflect") for x in (pred, target)]
    assert ssim(*padded, 1.0) == pytest.approx(expected, abs=1e-10)
    assert abs(ssim(pred, target, 1.0) - expected) < 0.02  # without padding: close, not equal


def test_ssim_edge_cases():
    image = torch.rand(1, 1, 16, 16, dtype=torch.float64)
    assert ssim(image, image, 1.0) == pytest.approx(1.0, abs=1e-12)
    flat = torch.full((16, 16), 0.5, dtype=torch.float64)
    assert ssim(flat, flat.clone(), 1.0) == pytest.approx(1.0)  # C1, C2 keep 0/0 away
    assert ssim(flat, 1 - image[0, 0], 1.0) == pytest.approx(_sk_ssim(flat, 1 - image[0, 0], 1.0), abs=1e-10)
    assert ssim(1 - image, image, 1.0) < 0  # an inverted image: negative structure
    with pytest.raises(ValueError, match="too small: need at least 11x11"):
        ssim(torch.zeros(10, 40), torch.zeros(10, 40), 1.0)
    with pytest.raises(ValueError, match="same shape"):
        ssim(torch.zeros(12, 12), torch.zeros(13, 12), 1.0)


def test_gaussian_window_is_scikit_images_window():
    from scipy.ndimage import gaussian_filter

    impulse = np.zeros((11, 11))
    impulse[5, 5] = 1
    expected = gaussian_filter(impulse, sigma=1.5, truncate=3.5)  # what skimage filters with
    assert np.allclose(gaussian_window().numpy(), expected, atol=1e-15)
    assert gaussian_window(5, 1.0).shape == (5, 5)
    for size, sigma in [(10, 1.5), (0, 1.5), (11, 0), (True, 1.5)]:
        with pytest.raises(ValueError):
            gaussian_window(size, sigma)


# --- the Y channel and the shaved border -----------------------------------------------------------


def test_rgb_to_y_matches_scikit_image_rgb2ycbcr():
    images = torch.rand(2, 3, 9, 7, dtype=torch.float64)
    expected = rgb2ycbcr(images.permute(0, 2, 3, 1).numpy())[..., 0] / 255
    y = rgb_to_y(images)
    assert y.shape == (2, 1, 9, 7) and y.dtype == torch.float64
    assert np.allclose(y[:, 0].numpy(), expected, atol=1e-12)
    assert rgb_to_y(images[0]).shape == (1, 9, 7)
    assert rgb_to_y(torch.zeros(3, 1, 1)).item() == pytest.approx(16 / 255)
    assert rgb_to_y(torch.ones(3, 1, 1)).item() == pytest.approx(235 / 255)
    assert rgb_to_y(images.float()).dtype == torch.float32


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (torch.zeros(4, 9, 9), "expected RGB images"),
        (torch.zeros(9, 9), "expected RGB images"),
        (torch.zeros(3, 9, 9, dtype=torch.uint8), "float tensor"),
    ],
)
def test_rgb_to_y_rejects_bad_input(images, message):
    with pytest.raises(ValueError, match=message):
        rgb_to_y(images)


def test_shave():
    images = torch.arange(2 * 10 * 12).reshape(2, 1, 10, 12)
    shaved = shave(images, 3)
    assert shaved.shape == (2, 1, 4, 6) and torch.equal(shaved, images[..., 3:7, 3:9])
    assert torch.equal(shave(images, 0), images)
    with pytest.raises(ValueError, match="cannot shave 5 pixels"):
        shave(images, 5)
    with pytest.raises(ValueError, match="border must be a non-negative int"):
        shave(images, -1)
    with pytest.raises(ValueError, match="border must be a non-negative int"):
        shave(images, 1.5)
    with pytest.raises(ValueError, match="height and width last"):
        shave(torch.zeros(5), 1)


def test_separable_ssim_equals_the_11x11_window_and_any_strip_height(monkeypatch):
    """ssim blurs rows then columns with the 1-D Gaussian (the window is separable), a strip of rows at
    a time: the same map as sliding the whole 11 x 11 window over the image, to rounding."""
    pred, target = _pair((2, 3, 37, 29), 0.2, seed=4)
    window = gaussian_window()[None, None]
    x, y = (t.reshape(-1, 1, 37, 29) for t in (pred, target))
    mu_x, mu_y = F.conv2d(x, window), F.conv2d(y, window)
    var_x, var_y = F.conv2d(x * x, window) - mu_x**2, F.conv2d(y * y, window) - mu_y**2
    cov = F.conv2d(x * y, window) - mu_x * mu_y
    c1, c2 = 0.01**2, 0.03**2
    expected = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    expected = expected.reshape(2, 3, 27, 19)
    assert torch.allclose(ssim_map(pred, target, 1.0), expected, atol=1e-12, rtol=0)
    for strip in (1, 5, 27, 1000):  # output rows per strip: pixels // (6 planes x 29 columns)
        monkeypatch.setattr(image_quality, "SSIM_STRIP_PIXELS", strip * 6 * 29)
        assert torch.allclose(ssim_map(pred, target, 1.0), expected, atol=1e-12, rtol=0)
        assert ssim(pred, target, 1.0) == pytest.approx(expected.mean().item(), abs=1e-12)


def test_ssim_is_no_slower_than_scikit_image():
    """The speed bar of issue 18 (SSIM was 28x slower than scikit-image); generous margin for a busy
    machine. The full table: `make bench`."""

    pred, target = _pair((3, 256, 256), 0.1, seed=5)

    cpu = best_cpu_seconds

    ours = cpu(lambda: ssim(pred, target, 1.0))
    theirs = cpu(lambda: _sk_ssim(pred, target, 1.0, channel_axis=0))
    assert ours < 2 * theirs, (ours, theirs)
