"""Exercises of notebook 18 (super-resolution): PSNR, pixel shuffle by hand, the luminance Y of RGB
images, and what halving the error is worth in decibels.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb18.py` (spoilers).
"""

from __future__ import annotations

import torch

from exercises.answers import nb18 as key
from utils.exercises import Exercise

_random = torch.Generator().manual_seed(18)
_TARGET = torch.rand(2, 1, 8, 8, generator=_random, dtype=torch.float64)
_PRED = (_TARGET + 0.05 * torch.randn(2, 1, 8, 8, generator=_random, dtype=torch.float64)).clamp(0, 1)
_IMAGE = torch.rand(3, 12, 10, generator=_random, dtype=torch.float64)

q1 = Exercise(
    name="Exercise 1 (PSNR)",
    reference=key.my_psnr,
    hints=[
        "Start from the error of every pixel, pred minus target, and reduce it to ONE number that does not "
        "depend on the image size: the mean of the squared errors.",
        "PSNR compares the largest possible signal power, data_range squared, with that error power, as "
        "a ratio: the smaller the error, the larger the ratio.",
        "Decibels are 10 times the base-10 logarithm of a power ratio (math.log10). Return a Python "
        "float (.item() turns a one-element tensor into one).",
    ],
    cases=[
        (_PRED, _TARGET, 1.0),
        (_PRED * 255, _TARGET * 255, 255.0),  # the same images on the 0-255 scale: the same PSNR
        (torch.full((4, 4), 0.5), torch.full((4, 4), 0.25), 1.0),
        (_IMAGE[:, :6, :6] * 2, (_IMAGE[:, :6, :6] * 2 + 0.3).clamp(0, 2), 2.0),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (pixel shuffle by hand)",
    reference=key.my_pixel_shuffle,
    hints=[
        "Output pixel (c, h·r + i, w·r + j) comes from input channel c·r² + i·r + j at position (h, w): "
        "each low-resolution pixel's r² channels become an r x r block of the output.",
        "First split the channel axis into three with a reshape: (N, C, r, r, H, W). Then order the axes "
        "so that each offset sits next to the axis it refines.",
        "Aim for the axis order (N, C, H, i, W, j) with .permute, then merge (H, i) into one axis of "
        "H·r rows and (W, j) into W·r columns with a last reshape.",
    ],
    cases=[
        (torch.arange(16.0).reshape(1, 4, 2, 2), 2),
        (torch.arange(2 * 18 * 3 * 2, dtype=torch.float64).reshape(2, 18, 3, 2), 3),
        (torch.arange(8.0).reshape(1, 8, 1, 1), 2),
        (torch.randn(1, 4, 3, 5, generator=_random), 1),
    ],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (RGB to the luminance Y)",
    reference=key.my_rgb_to_y,
    hints=[
        "Take the red, green and blue channels apart by indexing dimension 1 of the (N, 3, H, W) batch. A "
        "slice of one channel, such as 1:2, keeps that dimension with size 1.",
        "Weight each channel as in the formula, add them, and add the offset: on the 0-255 scale, black "
        "lands at 16 and white at 235.",
        "Divide the result by 255 to return to the [0, 1] scale of the input; the output has shape "
        "(N, 1, H, W) and the input's dtype.",
    ],
    cases=[
        (torch.rand(2, 3, 4, 5, generator=_random),),
        (torch.eye(3, dtype=torch.float64).reshape(3, 3, 1, 1).expand(3, 3, 2, 2).clone(),),  # pure R, G, B
        (torch.stack([torch.zeros(3, 2, 2), torch.ones(3, 2, 2)]),),  # black and white
        (_IMAGE[None],),
    ],
    wrong=key.WRONG_Q3,
)

q4 = Exercise(
    name="Exercise 4 (half the error, in decibels)",
    reference=key.psnr_gain_db,
    hints=[
        "Write PSNR = 10 log10(L² / MSE) before and after the change, and subtract: L² cancels, and only "
        "the ratio of the two MSEs is left.",
        "The logarithm of a ratio is a difference of logarithms; the MSE after is the MSE before divided "
        "by 2. Evaluate 10 log10 of the ratio of the old MSE to the new one (a calculator or math.log10).",
    ],
    wrong=key.WRONG_Q4,
    atol=5e-3,
)
