"""SPOILERS: the answers to notebook 01's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

from __future__ import annotations

import numpy as np
import torch

from utils.exercises import Mistake

# --- Exercise 1: make a tensor with the right values, shape and dtype -------------------------------


def counting_tensor() -> torch.Tensor:
    return torch.arange(6, dtype=torch.float32).reshape(2, 3)


WRONG_Q1 = [
    Mistake(  # int64, the default dtype of arange with integer arguments: the generic message names it
        torch.arange(6).reshape(2, 3),
        copy_of="cell 16's torch.arange(12) ... .reshape(3, 4), resized",
    ),
    torch.arange(6.0).reshape(3, 2),  # rows and columns swapped
    Mistake(torch.arange(1.0, 7.0).reshape(2, 3), "every value is one too large: count from zero"),
    Mistake(
        torch.arange(6.0).reshape(3, 2).T,
        "the right numbers, filled column by column: fill the rows one after the other",
    ),
    torch.arange(6.0),  # forgot to reshape
    [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]],  # a list, not a tensor
]

# --- Exercise 2: normalize each channel of a (C, H, W) image with broadcasting ------------------


def normalize_channels(img: torch.Tensor) -> torch.Tensor:
    mean = img.mean(dim=(1, 2), keepdim=True)  # (C, 1, 1)
    std = img.std(dim=(1, 2), keepdim=True)  # (C, 1, 1)
    return (img - mean) / std


_IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
_IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


def _imagenet_statistics(img):
    return (img - _IMAGENET_MEAN) / _IMAGENET_STD  # ImageNet's fixed statistics, not this image's own


def _normalize_in_place(img):
    img -= img.mean(dim=(1, 2), keepdim=True)  # changes the caller's image
    img /= img.std(dim=(1, 2), keepdim=True)
    return img


WRONG_Q2 = [
    Mistake(_imagenet_statistics, copy_of="cell 52's normalization with ImageNet's fixed statistics"),
    Mistake(
        lambda img: (img - img.mean()) / img.std(),
        "you used one mean and one std for the whole image: each channel needs its own",
    ),
    Mistake(
        lambda img: (img - img.mean(dim=0, keepdim=True)) / img.std(dim=0, keepdim=True),
        "you averaged across the channels (dim 0), one mean per pixel: average over each channel's pixels instead",
    ),
    lambda img: (img - img.mean(dim=(1, 2))) / img.std(dim=(1, 2)),  # forgot keepdim: (C,) vs (C, H, W)
    Mistake(
        lambda img: (
            (img - img.mean(dim=(1, 2), keepdim=True)) / img.std(dim=(1, 2), keepdim=True, correction=0)
        ),
        "your std divides by n (correction=0): the exercise asks for the default std, which divides by n - 1",
    ),
    Mistake(
        lambda img: img - img.mean(dim=(1, 2), keepdim=True),
        "you subtracted each channel's mean but did not divide by its std",
    ),
    _normalize_in_place,
]

# --- Exercise 3: crop the centre of a (C, H, W) image with slicing ---------------------------------


def center_crop(img: torch.Tensor, size: int) -> torch.Tensor:
    _, height, width = img.shape
    top = (height - size) // 2
    left = (width - size) // 2
    return img[:, top : top + size, left : left + size]


def _crop_swapped(img, size):
    _, height, width = img.shape
    top, left = (width - size) // 2, (height - size) // 2  # height and width mixed up
    return img[:, top : top + size, left : left + size]


def _crop_round_up(img, size):
    _, height, width = img.shape
    top, left = (height - size + 1) // 2, (width - size + 1) // 2  # rounds the offset up
    return img[:, top : top + size, left : left + size]


def _crop_no_channels(img, size):
    _, height, width = img.shape
    top, left = (height - size) // 2, (width - size) // 2
    return img[top : top + size, left : left + size]  # slices channels and rows, not rows and columns


WRONG_Q3 = [
    Mistake(
        lambda img, size: img[:, 60 : 60 + size, 130 : 130 + size],  # the face's fixed offsets
        copy_of="cell 45's face crop img[:, 60:380, 130:390]",
    ),
    Mistake(lambda img, size: img[:, :size, :size], "that is the top-left corner: the crop must be centred"),
    Mistake(_crop_swapped, "your offsets mix up height and width (try a non-square image)"),
    Mistake(
        _crop_round_up,
        "when the margin is odd your crop sits one pixel too far down or right: round the offset down",
    ),
    Mistake(
        _crop_no_channels,
        "your first slice cuts the channel axis: keep every channel and slice rows and columns",
    ),
    lambda img, size: img[:, size:-size, size:-size],  # cut `size` pixels off each edge instead
]

# --- Exercise 4: a derivative with autograd --------------------------------------------------------


def derivative(x: float) -> float:
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch.sin(x) * x**2
    y.backward()
    return x.grad.item()


def _returns_y(x):
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch.sin(x) * x**2
    y.backward()
    return y.item()  # the value y, not its derivative


def _grad_tensor(x):
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch.sin(x) * x**2
    y.backward()
    return x.grad  # a 0-dim tensor, as cell 57 prints it: not the Python float asked for


def _cell_57_f(x):
    x = torch.tensor(x, requires_grad=True)
    y = x**2 + 3 * x  # cell 57's f, not this exercise's y
    y.backward()
    return x.grad.item()


def _one_factor(x):
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch.sin(x)  # differentiates sin(x) alone: the x**2 factor is missing
    y.backward()
    return x.grad.item()


def _no_requires_grad(x):
    x = torch.tensor(x, dtype=torch.float64)  # autograd does not track x: backward() raises
    y = torch.sin(x) * x**2
    y.backward()
    return x.grad.item()


def _finite_difference(x, h=1e-6):
    return float((np.sin(x + h) * (x + h) ** 2 - np.sin(x - h) * (x - h) ** 2) / (2 * h))  # no autograd


WRONG_Q4 = [
    Mistake(_grad_tensor, copy_of="cell 57's autograd pattern, returning x.grad as it is"),
    _cell_57_f,  # cell 57's own function, unchanged
    Mistake(
        _returns_y,
        "that is y itself, not its derivative: after backward() the derivative is stored elsewhere",
    ),
    Mistake(_one_factor, "that is the derivative of sin(x) alone: y also has the factor x**2"),
    _no_requires_grad,
    _finite_difference,
    lambda x: float(np.cos(x) * 2 * x),  # by hand, derivative of each factor multiplied, and no autograd
]

# --- Exercise 5: a tensor that shares memory with a NumPy array ------------------------------------

PIXELS = np.array(  # the notebook's `pixels`: a 2 × 3 colour image in (H, W, C) order, as files store it
    [[[255, 0, 0], [0, 255, 0], [0, 0, 255]], [[255, 255, 0], [0, 255, 255], [128, 128, 128]]],
    dtype=np.uint8,
)


def shared_pixels() -> torch.Tensor:
    return torch.from_numpy(PIXELS).permute(2, 0, 1)  # a view: the array's memory, axes reordered


WRONG_Q5 = [
    Mistake(
        torch.from_numpy(PIXELS), copy_of="cell 31's torch.from_numpy(array), in the array's (H, W, C) order"
    ),
    torch.tensor(PIXELS).permute(2, 0, 1),  # the right values in a copy
    Mistake(
        torch.from_numpy(PIXELS).reshape(3, 2, 3),
        "the right shape, but reshape reads the numbers in memory order, so each channel holds a mix of "
        "colours (section 7's gray mosaic): reorder the axes instead",
    ),
    torch.from_numpy(PIXELS).permute(2, 0, 1).contiguous(),  # .contiguous() copies a non-contiguous view
    Mistake(
        torch.from_numpy(PIXELS).permute(2, 0, 1).float(),
        "the right values, but as float32: a cast (e.g. .float()) makes a copy; keep uint8",
    ),
    torch.from_numpy(PIXELS).permute(2, 1, 0),  # (C, W, H): rows and columns swapped
    PIXELS,  # the NumPy array itself, not a tensor
]
