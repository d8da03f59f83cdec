"""Exercises of notebook 18 (super-resolution): PSNR averaged over images, depth-to-space in another
channel order, the luminance Y of uint8 photos, and what halving the noise is worth in decibels.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb18.py` (spoilers).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from exercises.answers import nb18 as key
from utils.exercises import Exercise

_random = torch.Generator().manual_seed(18)


def _noisy_batch(
    n: int, c: int, side: int, top: float, noise: list[float]
) -> tuple[torch.Tensor, torch.Tensor]:
    """n targets with values in [0, top] and their copies with noise of a different size per image."""
    target = top * torch.rand(n, c, side, side, generator=_random, dtype=torch.float64)
    sizes = torch.tensor(noise, dtype=torch.float64)[:, None, None, None]
    pred = target + sizes * torch.randn(n, c, side, side, generator=_random, dtype=torch.float64)
    return pred, target


_DARK = _noisy_batch(3, 1, 8, 0.6, [0.02, 0.05, 0.2])  # darker than the peak: max is not data_range
_COLOUR = _noisy_batch(2, 3, 6, 0.9, [0.01, 0.1])

q1 = Exercise(
    name="Exercise 1 (PSNR averaged over images)",
    reference=key.my_mean_psnr,
    hints=[
        "SR papers give every test image the same weight: compute one PSNR for each image of the batch, "
        "then average the PSNRs (not the errors).",
        "Each image's mean squared error is a mean over its own channels, rows and columns: "
        "torch.mean accepts a tuple of dimensions and leaves the batch dimension.",
        "Turn the N errors into N PSNRs with the formula of section 3.2 (the peak is data_range, whatever "
        "the pixels hold), average them, and return a Python float (.item()).",
    ],
    cases=[
        (*_DARK, 1.0),
        (_DARK[0] * 255, _DARK[1] * 255, 255.0),  # the same images on the 0-255 scale: the same PSNR
        (*_COLOUR, 1.0),
        (_COLOUR[0][:1], _COLOUR[1][:1], 2.0),
    ],
    wrong=key.WRONG_Q1,
    returns_float=True,
)

q2 = Exercise(
    name="Exercise 2 (depth-to-space in DCR order)",
    reference=key.my_depth_to_space,
    hints=[
        "Only the reading of the channel index changes from section 5: channel (i·r + j)·C + c now holds "
        "output channel c at offset (i, j). Which part of the index varies slowest?",
        "Split the channel axis into three with a reshape, in the order in which the index is built: the "
        "slowest-varying part first. Then order the axes so that each offset sits next to the axis it refines.",
        "Aim for the axis order (N, C, H, i, W, j) with .permute, then merge (H, i) into H·r rows and "
        "(W, j) into W·r columns with a last reshape.",
    ],
    cases=[
        (torch.arange(8.0).reshape(1, 8, 1, 1), 2),  # one pixel, two output channels
        (torch.arange(2 * 8 * 2 * 3, dtype=torch.float64).reshape(2, 8, 2, 3), 2),
        (torch.arange(18 * 3 * 2, dtype=torch.float64).reshape(1, 18, 3, 2), 3),
        (torch.randn(1, 12, 2, 2, generator=_random), 2),
        (torch.randn(1, 4, 3, 5, generator=_random), 1),
    ],
    wrong=key.WRONG_Q2,
    forbids=[
        (F, "pixel_shuffle", "F.pixel_shuffle (nn.PixelShuffle)"),
        (torch, "pixel_shuffle", "torch.pixel_shuffle"),
        (F, "pixel_unshuffle", "F.pixel_unshuffle"),
    ],
)


def _photos(rng: np.random.Generator, shapes: list[tuple[int, ...]]) -> list[tuple]:
    """uint8 RGB batches drawn at random, with no pixel whose Y lies within 0.001 of a half (where
    float32 and float64 could round differently): exact integer arithmetic finds those."""
    cases = []
    for shape in shapes:
        rgb = rng.integers(0, 256, size=shape, dtype=np.int64)
        while True:
            numerator = 65481 * rgb[:, 0] + 128553 * rgb[:, 1] + 24966 * rgb[:, 2]  # 1000·255·(Y - 16)
            fraction = (numerator % 255000) / 255000
            close = np.abs(fraction - 0.5) < 1e-3
            if not close.any():
                break
            rgb[:, 0][close] = (rgb[:, 0][close] + 1) % 256
        cases.append((torch.from_numpy(rgb.astype(np.uint8)),))
    return cases


_PURE = torch.tensor([[255, 0, 0], [0, 255, 0], [0, 0, 255], [0, 0, 0], [255, 255, 255]], dtype=torch.uint8)
q3 = Exercise(
    name="Exercise 3 (the luminance Y of uint8 photos)",
    reference=key.my_y_uint8,
    hints=[
        "The formula of section 3.1 expects R, G, B in [0, 1]; these photos hold whole numbers from 0 to "
        "255. Bring them to the scale the weights expect, in float64 (uint8 arithmetic would overflow).",
        "Section 3.1 gives Y on the [0, 1] scale; the answer is on the 0-255 scale: black at 16, white at "
        "235. Check your two ends on a black and a white pixel.",
        "A uint8 image holds whole numbers: round to the NEAREST one (MATLAB and BasicSR do), then convert "
        "the (N, 1, H, W) result with .to(torch.uint8).",
    ],
    cases=[
        (_PURE.T.reshape(1, 3, 1, 5).contiguous(),),  # red, green, blue, black, white
        *_photos(np.random.default_rng(18), [(2, 3, 4, 5), (1, 3, 6, 3)]),
    ],
    wrong=key.WRONG_Q3,
    hidden=lambda rng: _photos(rng, [(2, 3, 4, 5), (1, 3, 6, 3), (3, 3, 2, 2)]),
)

q4 = Exercise(
    name="Exercise 4 (half the noise, in decibels)",
    reference=key.psnr_gain_half_sigma,
    hints=[
        "Write PSNR = 10 log10(L² / MSE) before and after the change, and subtract: L² cancels, and only "
        "the ratio of the two MSEs is left.",
        "Gaussian noise with zero mean, added without clipping, has a mean squared error equal to its "
        "variance. What does halving the standard deviation do to the variance?",
        "Evaluate 10 log10 of (old MSE / new MSE) with math.log10; two decimals are enough.",
    ],
    wrong=key.WRONG_Q4,
    atol=5e-3,
)
