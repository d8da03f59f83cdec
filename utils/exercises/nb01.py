"""Exercises of notebook 01 (tensors): creating, normalizing, cropping, autograd, NumPy sharing."""

from __future__ import annotations

import numpy as np
import torch

from utils.exercises.core import Exercise

# ----------------------------------------------------------------------------------------------
# Exercise 1: make a tensor with the right values, shape and dtype.


def _counting_tensor() -> torch.Tensor:
    return torch.arange(6, dtype=torch.float32).reshape(2, 3)


q1 = Exercise(
    name="Exercise 1 (make a tensor)",
    reference=_counting_tensor,
    hint_text=(
        "torch.arange(6) counts 0, 1, ..., 5 but gives int64; ask for dtype=torch.float32 "
        "(or call .float()), then .reshape(2, 3) fills the rows one after the other."
    ),
    wrong=[
        torch.arange(6).reshape(2, 3),  # int64, the default dtype of arange with integer arguments
        torch.arange(6.0).reshape(3, 2),  # rows and columns swapped
        torch.arange(1.0, 7.0).reshape(2, 3),  # 1..6 instead of 0..5
        torch.arange(6.0).reshape(3, 2).T,  # filled column by column
    ],
)

# ----------------------------------------------------------------------------------------------
# Exercise 2: normalize each channel of a (C, H, W) image with broadcasting.


def _normalize_channels(img: torch.Tensor) -> torch.Tensor:
    mean = img.mean(dim=(1, 2), keepdim=True)  # (C, 1, 1)
    std = img.std(dim=(1, 2), keepdim=True)  # (C, 1, 1)
    return (img - mean) / std


def _image(generator: torch.Generator, channels: int, height: int, width: int) -> torch.Tensor:
    """A test image whose channels have clearly different means and spreads."""
    offsets = torch.linspace(0.1, 0.6, channels).view(channels, 1, 1)
    scales = torch.linspace(0.2, 0.5, channels).view(channels, 1, 1)
    return offsets + scales * torch.rand(channels, height, width, generator=generator)


_gen = torch.Generator().manual_seed(1)
_normalize_cases = [
    (_image(_gen, 3, 4, 6),),  # non-square
    (_image(_gen, 3, 5, 3),),  # width == channels: a (C,) mean broadcasts silently along the width
    (_image(_gen, 1, 7, 5),),  # a single (gray) channel
    (_image(_gen, 4, 8, 8),),  # four channels (e.g. RGBA)
]

q2 = Exercise(
    name="Exercise 2 (normalize each channel)",
    reference=_normalize_channels,
    hint_text=(
        "img.mean(dim=(1, 2), keepdim=True) averages over height and width and keeps a (C, 1, 1) shape, "
        "which broadcasts against (C, H, W). Do the same with .std()."
    ),
    cases=_normalize_cases,
    wrong=[
        lambda img: (img - img.mean()) / img.std(),  # one global mean/std instead of one per channel
        lambda img: (img - img.mean(dim=0, keepdim=True)) / img.std(dim=0, keepdim=True),  # across channels
        lambda img: (img - img.mean(dim=(1, 2))) / img.std(dim=(1, 2)),  # forgot keepdim: (C,) vs (C, H, W)
        lambda img: (
            (img - img.mean(dim=(1, 2), keepdim=True)) / img.std(dim=(1, 2), keepdim=True, correction=0)
        ),
        lambda img: img - img.mean(dim=(1, 2), keepdim=True),  # forgot to divide by the std
    ],
)

# ----------------------------------------------------------------------------------------------
# Exercise 3: crop the centre of a (C, H, W) image with slicing.


def _center_crop(img: torch.Tensor, size: int) -> torch.Tensor:
    _, height, width = img.shape
    top = (height - size) // 2
    left = (width - size) // 2
    return img[:, top : top + size, left : left + size]


def _crop_wrong_swapped(img: torch.Tensor, size: int) -> torch.Tensor:
    _, height, width = img.shape
    top, left = (width - size) // 2, (height - size) // 2  # height and width mixed up
    return img[:, top : top + size, left : left + size]


def _crop_wrong_round_up(img: torch.Tensor, size: int) -> torch.Tensor:
    _, height, width = img.shape
    top, left = (height - size + 1) // 2, (width - size + 1) // 2  # rounds the offset up
    return img[:, top : top + size, left : left + size]


def _crop_wrong_no_channels(img: torch.Tensor, size: int) -> torch.Tensor:
    _, height, width = img.shape
    top, left = (height - size) // 2, (width - size) // 2
    return img[top : top + size, left : left + size]  # slices channels and rows, not rows and columns


_crop_cases = [
    (torch.arange(3 * 6 * 8, dtype=torch.float32).reshape(3, 6, 8), 4),  # non-square
    (torch.arange(1 * 7 * 10, dtype=torch.float32).reshape(1, 7, 10), 3),  # odd margins: rounding matters
    (torch.arange(3 * 9 * 5, dtype=torch.float32).reshape(3, 9, 5), 5),  # crop as wide as the image
    (torch.arange(3 * 5 * 5, dtype=torch.float32).reshape(3, 5, 5), 1),  # the single centre pixel
]

q3 = Exercise(
    name="Exercise 3 (centre crop)",
    reference=_center_crop,
    hint_text=(
        "Unpack `_, height, width = img.shape`. The crop starts at top = (height - size) // 2 and "
        "left = (width - size) // 2; keep every channel: img[:, top : top + size, left : left + size]."
    ),
    cases=_crop_cases,
    wrong=[
        lambda img, size: img[:, :size, :size],  # the top-left corner, not the centre
        _crop_wrong_swapped,
        _crop_wrong_round_up,
        _crop_wrong_no_channels,
    ],
)

# ----------------------------------------------------------------------------------------------
# Exercise 4: a derivative with autograd.


def _derivative(x: float) -> float:
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch.sin(x) * x**2
    y.backward()
    return x.grad.item()


q4 = Exercise(
    name="Exercise 4 (a derivative with autograd)",
    reference=_derivative,
    hint_text=(
        "x = torch.tensor(x, requires_grad=True); y = torch.sin(x) * x**2; y.backward(); "
        "then the derivative is in x.grad (a tensor: .item() turns it into a Python float)."
    ),
    cases=[(1.0,), (-2.5,), (3.0,), (0.5,)],
    wrong=[
        lambda x: float(np.sin(x) * x**2),  # the value y, not its derivative
        lambda x: float(np.cos(x) * 2 * x),  # derivative of each factor multiplied: not the product rule
        lambda x: float(np.cos(x) * x**2),  # product rule with one term missing
    ],
)

# ----------------------------------------------------------------------------------------------
# Exercise 5: a tensor that shares memory with a NumPy array.

PIXELS = np.array([[0, 64, 128], [192, 255, 32]], dtype=np.uint8)  # a tiny 2 × 3 gray image


def _shared_tensor() -> torch.Tensor:
    return torch.from_numpy(PIXELS)


def _shares_memory_with_pixels(answer: torch.Tensor) -> str | None:
    if answer.device.type != "cpu":
        return f"expected a CPU tensor, got one on {answer.device}: only CPU memory can be shared with NumPy"
    if not np.shares_memory(answer.numpy(), PIXELS):
        return (
            "expected a tensor that shares memory with `pixels`, got a copy (right values, its own memory: "
            "changing `pixels` would not change it). torch.tensor(...) always copies; torch.from_numpy(...) shares."
        )
    return None


q5 = Exercise(
    name="Exercise 5 (share memory with NumPy)",
    reference=_shared_tensor,
    hint_text="torch.from_numpy(pixels) wraps the same memory (no copy, dtype kept: uint8).",
    validate=_shares_memory_with_pixels,
    wrong=[
        torch.tensor(PIXELS),  # a copy with the same values
        torch.from_numpy(PIXELS.copy()),  # shares memory, but with a copy of the array
        torch.from_numpy(PIXELS).float(),  # casting makes a float32 copy
    ],
)
