"""Image-quality metrics for restoration and super-resolution: PSNR and SSIM, and the two steps that
super-resolution papers take before measuring (the luminance channel Y, a shaved border).

- `psnr(pred, target, data_range)`: $10 \\log_{10}(\\text{data\\_range}^2 / \\text{MSE})$, the MSE taken over
  every element given (one image, or a whole batch: the PSNR of the mean squared error).
- `ssim(pred, target, data_range)`: the structural similarity of Wang et al. (2004) with an 11x11
  Gaussian window (sigma 1.5), k1 = 0.01, k2 = 0.03, computed only where the window fits inside the
  image ("valid"), averaged over every position, channel and image. This is scikit-image's
  `structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False)`.
- `rgb_to_y(images)`: the luminance Y of ITU-R BT.601 in "studio range", as MATLAB's `rgb2ycbcr`
  computes it (and SR papers since SRCNN report PSNR on it): Y in [16/255, 235/255] for RGB in [0, 1].
- `shave(images, border)`: drop `border` pixels on each side, where an upscaler cannot be right.

Images are float tensors whose last two dimensions are height and width: (H, W), (C, H, W) or
(N, C, H, W). Everything is computed in float64 and returned as a Python float.

Example:
    >>> target = torch.rand(1, 1, 32, 32); pred = (target + 0.1).clamp(0, 1)
    >>> round(psnr(pred, target, data_range=1.0), 1) > 20
    True
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import Tensor

SSIM_WINDOW = 11  # side of the Gaussian window, pixels
SSIM_SIGMA = 1.5  # its standard deviation, pixels
SSIM_K1, SSIM_K2 = 0.01, 0.03  # the stabilising constants: C1 = (k1 L)^2, C2 = (k2 L)^2
SSIM_STRIP_PIXELS = 1 << 16  # SSIM works on strips of rows of about this many pixels (512 KB per float64 map)
# ITU-R BT.601 luminance in studio range (MATLAB's rgb2ycbcr): Y = 16 + 65.481 R + 128.553 G + 24.966 B
# on the 0-255 scale for R, G, B in [0, 1].
Y_WEIGHTS = (65.481, 128.553, 24.966)
Y_OFFSET = 16.0


def _check_pair(pred: Tensor, target: Tensor, data_range: float, min_side: int = 1) -> None:
    if not isinstance(pred, Tensor) or not isinstance(target, Tensor):
        raise ValueError(
            f"expected two tensors (pred, target), got {type(pred).__name__} and {type(target).__name__}"
        )
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got {tuple(pred.shape)} and {tuple(target.shape)}"
        )
    if not pred.is_floating_point() or not target.is_floating_point():
        raise ValueError(
            f"expected floating-point images (e.g. float32 in [0, 1]), got {pred.dtype} and {target.dtype}: "
            "convert uint8 images with .float() and pass data_range=255"
        )
    if pred.dim() < 2:
        raise ValueError(
            f"expected images of shape (H, W), (C, H, W) or (N, C, H, W), got {tuple(pred.shape)}"
        )
    if min(pred.shape[-2:]) < min_side or pred.numel() == 0:
        raise ValueError(
            f"images of {tuple(pred.shape[-2:])} pixels are too small: need at least {min_side}x{min_side}"
        )
    if isinstance(data_range, bool) or not isinstance(data_range, numbers.Real) or not data_range > 0:
        raise ValueError(
            f"data_range must be a positive number (1.0 for images in [0, 1], 255 for 0-255), got {data_range!r}"
        )


def psnr(pred: Tensor, target: Tensor, data_range: float) -> float:
    """Peak signal-to-noise ratio in dB: 10 log10(data_range² / MSE), the MSE over every element.

    Args:
        pred: the reconstructed image(s), float, any shape with height and width last.
        target: the reference image(s), same shape.
        data_range: the largest possible pixel value minus the smallest (1.0 for [0, 1], 255 for 0-255).

    Returns:
        The PSNR in dB; `inf` when the images are identical. For a batch it is the PSNR of the mean
        squared error of the whole batch (SR papers average the PSNR of each image instead: call it
        once per image for that).

    Example:
        >>> round(psnr(torch.zeros(4, 4), torch.full((4, 4), 0.25), data_range=1.0), 2)  # MSE 1/16
        12.04
    """
    _check_pair(pred, target, data_range)
    error = (pred.double() - target.double()).flatten()
    mse = torch.dot(error, error).item() / error.numel()  # the mean of the squared errors, in one pass
    if mse == 0:
        return float("inf")
    return 10 * math.log10(data_range**2 / mse)


def _gaussian_1d(size: int, sigma: float) -> Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    return g / g.sum()


def gaussian_window(size: int = SSIM_WINDOW, sigma: float = SSIM_SIGMA) -> Tensor:
    """The normalised 2-D Gaussian window of SSIM: a (size, size) float64 tensor summing to 1.

    It is the outer product of a 1-D Gaussian with itself (it is *separable*), which is why SSIM can
    blur along the rows and then along the columns instead of sliding the whole window.

    Example:
        >>> w = gaussian_window(); w.shape, round(w.sum().item(), 6), bool(w[5, 5] == w.max())
        (torch.Size([11, 11]), 1.0, True)
    """
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1 or size % 2 == 0:
        raise ValueError(f"size must be an odd positive int (pixels), got {size!r}")
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real) or not sigma > 0:
        raise ValueError(f"sigma must be a positive number (pixels), got {sigma!r}")
    g = _gaussian_1d(size, sigma)
    return g[:, None] * g[None, :]


def _local_mean(images: Tensor, g: Tensor) -> Tensor:
    """The Gaussian-weighted mean of every window that fits inside the images ("valid"), last two dims.

    The window is g gᵀ, so the 2-D weighted sum is a 1-D one along each row, then one along each
    column of the result: 2 x 11 multiply-adds per pixel instead of 11 x 11. Each 1-D pass adds up
    11 shifted copies of the image, each times its weight.
    """
    k = len(g)
    width, height = images.shape[-1] - k + 1, images.shape[-2] - k + 1
    rows = images[..., :width] * g[0]
    for i in range(1, k):
        rows.add_(images[..., i : i + width], alpha=g[i].item())
    out = rows[..., :height, :] * g[0]
    for i in range(1, k):
        out.add_(rows[..., i : i + height, :], alpha=g[i].item())
    return out


def _ssim_strips(pred: Tensor, target: Tensor, data_range: float):
    """Yield (first output row, SSIM map of a strip of rows), float64 (planes, rows, W - 10)."""
    _check_pair(pred, target, data_range, min_side=SSIM_WINDOW)
    x, y = (t.reshape(-1, *t.shape[-2:]) for t in (pred, target))  # (planes, H, W), no copy
    g = _gaussian_1d(SSIM_WINDOW, SSIM_SIGMA).to(pred.device)
    c1, c2 = (SSIM_K1 * data_range) ** 2, (SSIM_K2 * data_range) ** 2
    out_rows = x.shape[-2] - SSIM_WINDOW + 1
    strip = max(1, SSIM_STRIP_PIXELS // (x.shape[0] * x.shape[-1]))  # output rows per strip
    for top in range(0, out_rows, strip):
        rows = slice(top, min(top + strip, out_rows) + SSIM_WINDOW - 1)
        xs, ys = x[:, rows].double(), y[:, rows].double()
        mu_x, mu_y, xx, yy, xy = _local_mean(torch.stack([xs, ys, xs * xs, ys * ys, xs * ys]), g)
        var_x, var_y, cov = xx - mu_x**2, yy - mu_y**2, xy - mu_x * mu_y
        numerator = (2 * mu_x * mu_y + c1) * (2 * cov + c2)
        denominator = (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)
        yield top, numerator / denominator


def ssim_map(pred: Tensor, target: Tensor, data_range: float) -> Tensor:
    """The SSIM of every 11x11 Gaussian window that fits inside the images (see `ssim`).

    Returns:
        A float64 tensor (N, C, H - 10, W - 10) (leading dimensions as given: (H, W) images give
        (1, 1, H - 10, W - 10)); `ssim` is its mean.

    Example:
        >>> ssim_map(torch.rand(3, 20, 30), torch.rand(3, 20, 30), 1.0).shape
        torch.Size([1, 3, 10, 20])
    """
    strips = _ssim_strips(pred, target, data_range)
    planes = pred.shape[:-2].numel()
    height, width = (side - SSIM_WINDOW + 1 for side in pred.shape[-2:])
    out = torch.empty(planes, height, width, dtype=torch.float64, device=pred.device)
    for top, strip in strips:
        out[:, top : top + strip.shape[-2]] = strip
    leading = pred.shape[:-2]
    channels = leading[-1] if len(leading) >= 1 else 1
    return out.reshape(-1, channels, height, width)


def ssim(pred: Tensor, target: Tensor, data_range: float) -> float:
    """Structural similarity (SSIM): 1 for identical images, lower as structure differs.

    For each 11x11 Gaussian window (sigma 1.5) with local means mu, variances sigma² and covariance
    sigma_xy: SSIM = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x² + mu_y² + C1)(sigma_x² + sigma_y² + C2)),
    C1 = (0.01 L)², C2 = (0.03 L)², L = data_range; then the mean over every window position that fits
    inside the image, every channel and every image. Matches scikit-image's
    `structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=L)`
    (per channel, averaged); torchmetrics pads the borders and so differs a little near them.

    The local means are taken with the separable window (rows, then columns) in float64, a strip of
    rows at a time (small arrays, reused), so a 3 x 2048 x 2048 image needs a few MB more, not 13 GB.

    Args:
        pred, target: float images of the same shape, height and width last, each at least 11x11.
        data_range: the largest possible pixel value minus the smallest (1.0 for [0, 1]).

    Example:
        >>> image = torch.rand(1, 1, 32, 32)
        >>> ssim(image, image, data_range=1.0)
        1.0
    """
    total, count = 0.0, 0
    for _, strip in _ssim_strips(pred, target, data_range):
        total += strip.sum().item()
        count += strip.numel()
    return total / count


def rgb_to_y(images: Tensor) -> Tensor:
    """Luminance Y (ITU-R BT.601, studio range, as MATLAB's rgb2ycbcr) of RGB images in [0, 1].

    Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255, so Y lies in [16/255, 235/255].

    Args:
        images: float RGB images in [0, 1], the channel dimension third from last: (3, H, W) or (N, 3, H, W).

    Returns:
        The Y channel with the channel dimension kept: (1, H, W) or (N, 1, H, W), same dtype.

    Example:
        >>> round(rgb_to_y(torch.ones(3, 1, 1)).item() * 255, 3)  # white
        235.0
    """
    if not isinstance(images, Tensor) or not images.is_floating_point():
        raise ValueError(
            f"expected a float tensor of RGB images in [0, 1], got {getattr(images, 'dtype', type(images))}"
        )
    if images.dim() < 3 or images.shape[-3] != 3:
        raise ValueError(f"expected RGB images of shape (3, H, W) or (N, 3, H, W), got {tuple(images.shape)}")
    weights = torch.tensor(Y_WEIGHTS, dtype=images.dtype, device=images.device).reshape(3, 1, 1)
    return ((images * weights).sum(dim=-3, keepdim=True) + Y_OFFSET) / 255


def shave(images: Tensor, border: int) -> Tensor:
    """Drop `border` pixels on each side of the images (the last two dimensions).

    SR papers shave as many pixels as the scale factor before measuring, since an upscaler has no
    neighbours to work from at the edge.

    Example:
        >>> shave(torch.zeros(1, 3, 10, 12), 2).shape
        torch.Size([1, 3, 6, 8])
    """
    if not isinstance(images, Tensor) or images.dim() < 2:
        raise ValueError(
            f"expected images with height and width last, got {getattr(images, 'shape', type(images))}"
        )
    if isinstance(border, bool) or not isinstance(border, numbers.Integral) or border < 0:
        raise ValueError(f"border must be a non-negative int (pixels), got {border!r}")
    height, width = images.shape[-2:]
    if 2 * border >= min(height, width):
        raise ValueError(f"cannot shave {border} pixels from each side of a {height}x{width} image")
    return images[..., border : height - border, border : width - border] if border else images


__all__ = ["gaussian_window", "psnr", "rgb_to_y", "shave", "ssim", "ssim_map"]  # what `utils.metrics` exports
