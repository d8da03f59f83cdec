"""SPOILERS: the answers to notebook 18's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
`copy_of` marks the answer a learner gets by copying the notebook's nearest earlier cell. Each family
of wrong answers is built by one small function whose arguments name the step that goes wrong.
"""

import math

import torch

from utils.exercises import Mistake

# --- Exercise 1: PSNR per image, averaged over a batch -------------------------------------------


def my_mean_psnr(pred: torch.Tensor, target: torch.Tensor, data_range: float) -> float:
    mse = ((pred - target) ** 2).mean(dim=(1, 2, 3))  # one mean squared error per image
    return (10 * torch.log10(data_range**2 / mse)).mean().item()  # one PSNR per image, then their mean


def _psnr(
    peak="range", log=math.log10, decibels=10, per="image", errors="squared", reduce="mean", flip=False
):
    """A PSNR computed with one step changed: the peak, the logarithm, the factor, what gets one PSNR
    (the image, each channel, or the whole batch), the errors, or how they are reduced."""

    def psnr(pred, target, data_range):
        dims = {"image": (1, 2, 3), "channel": (2, 3), "batch": (0, 1, 2, 3)}[per]
        error = (pred - target) ** 2 if errors == "squared" else (pred - target).abs()
        error = error.mean(dim=dims) if reduce == "mean" else error.sum(dim=dims)
        if peak == "range":
            power = data_range**2
        elif peak == "range, not squared":
            power = data_range
        elif peak == "image max":
            power = target.amax(dim=dims) ** 2
        else:  # "batch max"
            power = target.max() ** 2
        ratio = error / power if flip else power / error
        logarithm = torch.log10(ratio) if log is math.log10 else torch.log(ratio)
        return (decibels * logarithm).mean().item()

    return psnr


WRONG_Q1 = [
    Mistake(
        _psnr(per="batch"),
        "that is section 3.2's psnr_from_scratch: one PSNR of the mean squared error of the whole batch; "
        "SR papers compute one PSNR per image and average those",
        copy_of="section 3.2's psnr_from_scratch",
    ),
    Mistake(
        _psnr(peak="image max"),
        "the peak is the largest value the pixel scale allows (data_range), not the brightest pixel of "
        "the image: a dark photo has the same peak as a bright one",
    ),
    Mistake(_psnr(peak="batch max"), "the peak is data_range, not the brightest pixel of the batch"),
    Mistake(
        _psnr(per="channel"),
        "you computed one PSNR per channel: a colour image gets one PSNR over all of its channels",
    ),
    Mistake(
        _psnr(peak="range, not squared"),
        "the peak is not squared: PSNR compares the peak's POWER, data_range², with the mean squared error",
    ),
    Mistake(
        _psnr(decibels=20),
        "20·log10 is for amplitudes; data_range² / MSE is already a ratio of powers, which takes 10·log10",
    ),
    Mistake(_psnr(log=math.log), "you used the natural logarithm: decibels use log10"),
    Mistake(_psnr(flip=True), "the ratio is upside down: a smaller error must give a LARGER PSNR"),
    Mistake(
        _psnr(reduce="sum"),
        "you summed the squared errors: PSNR uses their mean, so it does not depend on the image size",
    ),
]

# --- Exercise 2: depth-to-space in DCR order (TensorFlow's, ONNX's default) -----------------------


def my_depth_to_space(x: torch.Tensor, r: int) -> torch.Tensor:
    n, c, h, w = x.shape
    out_c = c // (r * r)
    x = x.reshape(n, r, r, out_c, h, w)  # channel (i*r + j)*C + c → (i, j, c): the offset is the slow part
    x = x.permute(0, 3, 4, 1, 5, 2)  # (n, c, h, i, w, j)
    return x.reshape(n, out_c, h * r, w * r)


def _rearrange(grouping, order):
    """Split the channels as `grouping` ("ijc": offset first, "cij": PyTorch's), then put the axes
    (n, c, i, j, h, w) in `order`, named by letters, and merge into (N, C, H·r, W·r)."""

    def depth_to_space(x, r):
        n, c, h, w = x.shape
        out_c = c // (r * r)
        if grouping == "ijc":
            x, axes = x.reshape(n, r, r, out_c, h, w), "nijchw"
        else:
            x, axes = x.reshape(n, out_c, r, r, h, w), "ncijhw"
        if order is not None:
            x = x.permute(*(axes.index(a) for a in order))
        return x.reshape(n, out_c, h * r, w * r)

    return depth_to_space


WRONG_Q2 = [
    Mistake(
        _rearrange("cij", "nchiwj"),
        "that is section 5's pixel_shuffle, PyTorch's channel order c·r² + i·r + j: in DCR order the "
        "offset (i, j) is the SLOW part of the channel index and the output channel c the fast one",
        copy_of="section 5's pixel_shuffle",
    ),
    Mistake(
        _rearrange("ijc", "nchjwi"),
        "the row and column offsets are swapped: in channel (i·r + j)·C + c, i is the row offset (it goes "
        "next to the height) and j the column offset",
    ),
    Mistake(
        _rearrange("ijc", None),
        "a reshape alone only re-reads the numbers in memory order: the r² values of one pixel must be "
        "spread into an r x r block around it, which needs a permute between two reshapes",
    ),
    Mistake(
        _rearrange("ijc", "ncihjw"),
        "your output is r x r tiles of the whole image, not an r x r block per input pixel: put the row "
        "offset right AFTER the height axis (and the column offset after the width axis)",
    ),
]

# --- Exercise 3: the luminance Y of uint8 photos, as a uint8 image ----------------------------------


def my_y_uint8(images: torch.Tensor) -> torch.Tensor:
    rgb = images.double()  # 0-255 values; float64 as MATLAB computes, no uint8 overflow
    r, g, b = rgb[:, 0:1], rgb[:, 1:2], rgb[:, 2:3]
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255  # the weights expect R, G, B in [0, 1]
    return y.round().to(torch.uint8)  # to the nearest whole number, as a uint8 image


def _y(images, *, weights=(65.481, 128.553, 24.966), offset=16.0, unit=255.0, finish="round"):
    """Y with one step changed: the weights, the offset, the scale of R, G, B, or how it is turned into
    whole numbers ("round", "truncate", "float": left as it is, "0-1": rounded on the 0-1 scale)."""
    rgb = images.double()
    y = offset + (weights[0] * rgb[:, 0:1] + weights[1] * rgb[:, 1:2] + weights[2] * rgb[:, 2:3]) / unit
    if finish == "float":
        return y
    if finish == "truncate":
        return y.to(torch.uint8)
    if finish == "0-1":
        return (y / 255).round().to(torch.uint8)
    return y.round().to(torch.uint8)


def _y_from_scratch(rgb):  # section 3.1's function, run on the 0-255 values as they are
    r, g, b = rgb[:, 0:1], rgb[:, 1:2], rgb[:, 2:3]
    return (16 + 65.481 * r + 128.553 * g + 24.966 * b) / 255


WRONG_Q3 = [
    Mistake(
        _y_from_scratch,
        "that is section 3.1's y_from_scratch run on 0-255 values: its weights expect R, G, B in [0, 1], and "
        "it returns floats, not a uint8 image",
        copy_of="section 3.1's y_from_scratch",
    ),
    Mistake(
        lambda images: _y(images, finish="float"),
        "the right scale, but not yet an image: round to whole numbers and return a uint8 tensor",
    ),
    Mistake(
        lambda images: _y(images, finish="truncate"),
        "you truncated: converting a float to uint8 drops the fraction, so 17.9 becomes 17; round to the "
        "nearest whole number first",
    ),
    Mistake(
        lambda images: _y(images, finish="0-1"),
        "your Y is on the 0-1 scale, rounded: a uint8 image holds values from 0 to 255",
    ),
    Mistake(
        lambda images: _y(images, weights=(0.299 * 255, 0.587 * 255, 0.114 * 255), offset=0.0),
        "that is full-range luma (JPEG's Y, black at 0): SR papers use studio-range Y, black at 16",
    ),
    Mistake(
        lambda images: _y(images)[:, 0],
        "you dropped the channel dimension: keep it, so that the result is (N, 1, H, W) like a one-channel image",
    ),
]

# --- Exercise 4: what halving the noise's standard deviation is worth in dB -----------------------


def psnr_gain_half_sigma() -> float:
    # Noise of standard deviation σ (zero mean, no clipping) has MSE σ²: halving σ divides the MSE
    # by 4, and PSNR = 10 log10(L² / MSE) rises by 10 log10(4) dB (= 20 log10 2), whatever the image.
    return 10 * math.log10(4)


WRONG_Q4 = [
    Mistake(
        10 * math.log10(2),
        "that is what halving the MSE gives: here the standard deviation is halved, and the MSE is the "
        "mean of SQUARED errors",
        copy_of="section 3.2: a halving of the MSE",
    ),
    Mistake(
        20 * math.log10(4),
        "20·log10 is for ratios of amplitudes: a ratio of MSEs is a ratio of powers, which takes 10·log10",
    ),
    Mistake(10 * math.log(4), "you used the natural logarithm: decibels use log10"),
    Mistake(math.log10(4), "that is in bels: a decibel is a tenth of a bel"),
    Mistake(-10 * math.log10(4), "the sign: a smaller noise gives a HIGHER PSNR"),
    4.0,  # "four times better": PSNR is logarithmic
]
