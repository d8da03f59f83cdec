"""Exercises of notebook 01 (tensors): creating, normalizing, cropping, autograd, NumPy sharing.

What is here a learner may read: names, graded hints, hidden test inputs and checks. The answers
are in `exercises/answers/nb01.py` (spoilers).
"""

from __future__ import annotations

import numpy as np
import torch

from exercises.answers import nb01 as key
from utils.exercises import Exercise

q1 = Exercise(
    name="Exercise 1 (make a tensor)",
    reference=key.counting_tensor,
    hints=[
        "torch.arange(n) counts 0, 1, ..., n - 1 in a 1-D tensor. Which n gives six numbers?",
        "Look at its dtype: arange with whole-number arguments makes int64. Ask for the dtype you "
        "need when you create it (dtype=...), or convert afterwards.",
        "Six numbers in a row become two rows of three with .reshape, which fills the rows one after the other.",
    ],
    wrong=key.WRONG_Q1,
)


def _image(generator: torch.Generator, channels: int, height: int, width: int) -> torch.Tensor:
    """A test image whose channels have clearly different means and spreads."""
    offsets = torch.linspace(0.1, 0.6, channels).view(channels, 1, 1)
    scales = torch.linspace(0.2, 0.5, channels).view(channels, 1, 1)
    return offsets + scales * torch.rand(channels, height, width, generator=generator)


_gen = torch.Generator().manual_seed(1)

q2 = Exercise(
    name="Exercise 2 (normalize each channel)",
    reference=key.normalize_channels,
    hints=[
        "Each channel gets its own mean and std, taken over that channel's H × W pixels: over the "
        "height and width axes (dims 1 and 2), not over the channel axis (dim 0).",
        "Tensor.mean and Tensor.std accept a tuple of dims. Reduced over H and W, the result has shape "
        "(C,): line that up with (C, H, W) from the right, as broadcasting does. Does it fit?",
        "Keep the reduced axes as size-1 axes (keepdim) so the statistics have shape (C, 1, 1) and "
        "broadcast per channel. Then subtract and divide into a new tensor: do not change img itself.",
    ],
    cases=[
        (_image(_gen, 3, 4, 6),),  # non-square
        (_image(_gen, 3, 5, 3),),  # width == channels: a (C,) mean broadcasts silently along the width
        (_image(_gen, 1, 7, 5),),  # a single (gray) channel
        (_image(_gen, 4, 8, 8),),  # four channels (e.g. RGBA)
    ],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (centre crop)",
    reference=key.center_crop,
    hints=[
        "Unpack img.shape into three names to get the height and the width; the channel axis stays whole.",
        "Above and below the crop there are height - size rows in all; the top margin gets half of them, "
        "rounded down (that is what // does). The left margin works the same way with the width.",
        "A slice a : a + size takes size rows starting at row a. Index the image with three slices: a bare "
        ": for the channels, then rows from the top margin, then columns from the left margin.",
    ],
    cases=[
        (torch.arange(3 * 6 * 8, dtype=torch.float32).reshape(3, 6, 8), 4),  # non-square
        (torch.arange(1 * 7 * 10, dtype=torch.float32).reshape(1, 7, 10), 3),  # odd margins: rounding matters
        (torch.arange(3 * 9 * 5, dtype=torch.float32).reshape(3, 9, 5), 5),  # crop as wide as the image
        (torch.arange(3 * 5 * 5, dtype=torch.float32).reshape(3, 5, 5), 1),  # the single centre pixel
    ],
    wrong=key.WRONG_Q3,
)

q4 = Exercise(
    name="Exercise 4 (a derivative with autograd)",
    reference=key.derivative,
    hints=[
        "Autograd differentiates what you compute from a tensor created with requires_grad=True. "
        "Your x is a plain Python float: turn it into such a tensor first.",
        "Compute y from that tensor with torch functions (torch.sin, *, **). y is a single number, so "
        "y.backward() works without arguments: it fills in the .grad of the tensors y came from.",
        "After the backward pass the derivative sits where section 10 found it, as a tensor. The exercise "
        "asks for a Python float: which method turns a one-element tensor into one?",
    ],
    cases=[(1.0,), (-2.5,), (3.0,), (0.5,)],
    wrong=key.WRONG_Q4,
    requires_autograd=True,
    returns_float=True,
)

PIXELS = key.PIXELS  # the notebook's `pixels`: a tiny (H, W, C) colour image, as image files store it


def _shares_memory_with_pixels(answer: torch.Tensor) -> str | None:
    if answer.device.type != "cpu":
        return f"expected a CPU tensor, got one on {answer.device}: only CPU memory can be shared with NumPy"
    if not np.shares_memory(answer.numpy(), PIXELS):
        return (
            "expected a tensor that shares memory with `pixels`, got a copy (right values, its own memory: "
            "changing `pixels` would not change it)"
        )
    return None


q5 = Exercise(
    name="Exercise 5 (share memory with NumPy)",
    reference=key.shared_pixels,
    hints=[
        "torch.tensor(...) always copies its data into new memory. Section 6 used another function, made "
        "for NumPy arrays, that wraps the array's memory instead of copying it.",
        "That gives a tensor with the array's own axis order, (H, W, C). Section 3.3 showed an operation "
        "that reorders the axes without moving a single number in memory. Which order do you need?",
        "Chain the two, and nothing else: a cast (.float()), .contiguous() and .clone() copy, and "
        "reshape reads the numbers in memory order (section 7's gray mosaic). Check with np.shares_memory.",
    ],
    validate=_shares_memory_with_pixels,
    wrong=key.WRONG_Q5,
)
