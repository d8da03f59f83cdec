"""SPOILERS: the answers to notebook 18's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math

import torch

from utils.exercises import Mistake

# --- Exercise 1: PSNR ----------------------------------------------------------------------------


def my_psnr(pred: torch.Tensor, target: torch.Tensor, data_range: float) -> float:
    mse = ((pred - target) ** 2).mean().item()  # mean squared error over every pixel
    return 10 * math.log10(data_range**2 / mse)  # decibels of peak power over error power


def _mse(pred, target):
    return ((pred - target) ** 2).mean().item()


WRONG_Q1 = [
    Mistake(
        lambda pred, target, data_range: 10 * math.log10(data_range / _mse(pred, target)),
        "the peak is not squared: PSNR compares the peak's POWER, data_range², with the mean squared error",
    ),
    Mistake(
        lambda pred, target, data_range: 20 * math.log10(data_range**2 / _mse(pred, target)),
        "20·log10 is for amplitudes; data_range² / MSE is already a ratio of powers (squared values), "
        "which takes 10·log10",
    ),
    Mistake(
        lambda pred, target, data_range: 10 * math.log(data_range**2 / _mse(pred, target)),
        "you used the natural logarithm: decibels use log10",
    ),
    Mistake(
        lambda pred, target, data_range: 10 * math.log10(_mse(pred, target) / data_range**2),
        "the ratio is upside down: a smaller error must give a LARGER PSNR",
    ),
    Mistake(
        lambda pred, target, data_range: 10 * math.log10(data_range**2 / ((pred - target) ** 2).sum().item()),
        "you summed the squared errors: PSNR uses their mean, so it does not depend on the image size",
    ),
    Mistake(
        lambda pred, target, data_range: 10 * math.log10(data_range**2 / (pred - target).abs().mean().item()),
        "you averaged absolute errors: PSNR uses the mean SQUARED error",
    ),
]

# --- Exercise 2: pixel shuffle by hand -----------------------------------------------------------


def my_pixel_shuffle(x: torch.Tensor, r: int) -> torch.Tensor:
    n, c, h, w = x.shape
    out_c = c // (r * r)
    x = x.reshape(n, out_c, r, r, h, w)  # channel c*r*r + i*r + j → (c, i, j)
    x = x.permute(0, 1, 4, 2, 5, 3)  # (n, c, h, i, w, j): row offset i after h, column offset j after w
    return x.reshape(n, out_c, h * r, w * r)


def _shuffle_swapped_offsets(x, r):
    n, c, h, w = x.shape
    return (
        x.reshape(n, c // (r * r), r, r, h, w)
        .permute(0, 1, 4, 3, 5, 2)
        .reshape(n, c // (r * r), h * r, w * r)
    )


def _shuffle_channels_last(x, r):
    n, c, h, w = x.shape
    return (
        x.reshape(n, r, r, c // (r * r), h, w)
        .permute(0, 3, 4, 1, 5, 2)
        .reshape(n, c // (r * r), h * r, w * r)
    )


def _shuffle_reshape_only(x, r):
    n, c, h, w = x.shape
    return x.reshape(n, c // (r * r), h * r, w * r)


def _shuffle_offsets_outside(x, r):
    n, c, h, w = x.shape
    return (
        x.reshape(n, c // (r * r), r, r, h, w)
        .permute(0, 1, 2, 4, 3, 5)
        .reshape(n, c // (r * r), h * r, w * r)
    )


WRONG_Q2 = [
    Mistake(
        _shuffle_swapped_offsets,
        "the row and column offsets are swapped: in channel c·r² + i·r + j, i is the row offset "
        "(it goes next to the height) and j the column offset",
    ),
    Mistake(
        _shuffle_channels_last,
        "your channel grouping is (i, j, c): PixelShuffle reads channel c·r² + i·r + j, so the "
        "output channel c is the SLOWEST-varying part of the input channel index",
    ),
    Mistake(
        _shuffle_reshape_only,
        "a reshape alone only re-reads the numbers in memory order: the r² values of one pixel must be "
        "spread into an r x r block around it, which needs a permute between two reshapes",
    ),
    Mistake(
        _shuffle_offsets_outside,
        "your output is r x r tiles of the whole image, not an r x r block per input pixel: put the row "
        "offset right AFTER the height axis (and the column offset after the width axis)",
    ),
]

# --- Exercise 3: the luminance Y of RGB images ---------------------------------------------------


def my_rgb_to_y(images: torch.Tensor) -> torch.Tensor:
    r, g, b = images[:, 0:1], images[:, 1:2], images[:, 2:3]  # slices keep the channel dimension
    return (16 + 65.481 * r + 128.553 * g + 24.966 * b) / 255


def _weighted(images, weights, offset=16.0, scale=255.0):
    r, g, b = images[:, 0:1], images[:, 1:2], images[:, 2:3]
    return (offset + weights[0] * r + weights[1] * g + weights[2] * b) / scale


WRONG_Q3 = [
    Mistake(
        lambda images: _weighted(images, (65.481, 128.553, 24.966), offset=0.0),
        "the offset is missing: studio-range Y puts black at 16 (on the 0-255 scale), not at 0",
    ),
    Mistake(
        lambda images: _weighted(images, (65.481, 128.553, 24.966), scale=1.0),
        "your Y is on the 0-255 scale: divide by 255 to bring it back to the [0, 1] scale of the input",
    ),
    Mistake(
        lambda images: 0.299 * images[:, 0:1] + 0.587 * images[:, 1:2] + 0.114 * images[:, 2:3],
        "that is full-range luma (JPEG's Y, black at 0 and white at 1): SR papers measure on "
        "MATLAB's studio-range Y, with the weights and the offset given above",
    ),
    Mistake(
        lambda images: _weighted(images, (24.966, 128.553, 65.481)),
        "the weights of red and blue are swapped: the channels are in the order R, G, B",
    ),
    Mistake(
        lambda images: _weighted(images, (65.481, 128.553, 24.966))[:, 0],
        "you dropped the channel dimension: keep it, so that the result is (N, 1, H, W) like a one-channel image",
    ),
]

# --- Exercise 4: what halving the MSE is worth in dB -------------------------------------------------


def psnr_gain_db() -> float:
    # PSNR = 10 log10(L² / MSE): halving the MSE adds 10 log10(2) dB, whatever the image.
    return 10 * math.log10(2)


WRONG_Q4 = [
    Mistake(20 * math.log10(2), "20·log10 is for amplitude ratios; the MSE is a power (a squared error)"),
    Mistake(math.log(2), "that is a natural logarithm without the factor 10: decibels are 10·log10"),
    Mistake(math.log10(2), "that is in bels: a decibel is a tenth of a bel, so multiply by 10"),
    Mistake(10 * math.log(2), "you used the natural logarithm: decibels use log10"),
    2.0,  # "twice as good": PSNR is logarithmic
    -10 * math.log10(2),  # the sign: a smaller error gives a larger PSNR
]
