"""SPOILERS: the answers to notebook 08's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from utils.exercises import Mistake

# --- Exercise 1: the output size of a convolution or pooling layer, dilation included --------------


def conv_output_size(n: int, k: int, p: int, s: int, d: int) -> int:
    # a dilated kernel spans d(k - 1) + 1 pixels; it fits (n + 2p - span) / s + 1 times, rounded down
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


WRONG_Q1 = [
    Mistake(
        lambda n, k, p, s, d: (n + 2 * p - k) // s + 1,
        "your size does not change with the dilation: a dilated kernel spans more pixels than k",
        copy_of="cell 16's table (dilation 1 everywhere)",
    ),
    Mistake(
        lambda n, k, p, s, d: (n + 2 * p - d * k) // s + 1,
        "you took d·k pixels for the span of a dilated kernel: count its taps and the gaps between them",
    ),
    Mistake(
        lambda n, k, p, s, d: (n + 2 * p - d * (k - 1) - 1) / s + 1,
        "you divided without rounding down: a kernel never hangs over the edge, so use integer division",
    ),
    Mistake(
        lambda n, k, p, s, d: (n + 2 * p - d * (k - 1) - 1) // s,
        "you forgot the first position: a kernel as large as the padded input still fits once",
    ),
    Mistake(
        lambda n, k, p, s, d: (n + p - d * (k - 1) - 1) // s + 1,
        "padding is added on both sides, so it counts twice",
    ),
    Mistake(
        lambda n, k, p, s, d: n + 2 * p - d * (k - 1),
        "you ignored the stride: it keeps only every s-th position",
    ),
    Mistake(
        lambda n, k, p, s, d: -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1,
        "you rounded up: a last, partial step that would hang over the edge is not taken",
    ),
    lambda n, k, p, s, d: (n - d * (k - 1) - 1) // s + 1,  # ignored padding
]

# --- Exercise 2: the multiplications of nn.Conv2d(3, 16, 5, padding=2) on a 32 x 32 image -----------


def conv_multiplications() -> int:
    # output 16 x 32 x 32 (padding 2 keeps the size); each output value: 3 x 5 x 5 products
    return 16 * 32 * 32 * (3 * 5 * 5)


WRONG_Q2 = [
    Mistake(
        16 * 3 * 5 * 5 + 16,
        "that counts the layer's parameters: the same weights are used again at every output position",
        copy_of="cell 24's count",
    ),
    Mistake(
        16 * 32 * 32 * 5 * 5,
        "each output value is a sum over all 3 input channels too: count their products as well",
    ),
    Mistake(
        16 * 28 * 28 * 3 * 5 * 5,
        "your output size is that of a convolution without padding: with this padding, count the "
        "output positions again (section 5's formula)",
    ),
    Mistake(
        32 * 32 * 3 * 5 * 5,
        "that is the work of one filter: the layer has one filter per output channel",
    ),
    Mistake(
        (16 * 3 * 5 * 5 + 16) * 32 * 32,
        "you counted the bias as a multiplication: it is added, not multiplied",
    ),
    Mistake(
        2 * 16 * 32 * 32 * 3 * 5 * 5,
        "that counts multiplications and additions (FLOPs, as a FLOP counter does): count the "
        "multiplications only",
    ),
    "1228800",  # a string, not a number
]

# --- Exercise 3: the receptive field of a stack of layers ----------------------------------------


def receptive_field(layers: list[tuple[int, int]]) -> int:
    field, jump = 1, 1  # jump: input pixels between two neighbouring outputs of the current layer
    for kernel, stride in layers:
        field += (kernel - 1) * jump
        jump *= stride
    return field


def _field_without_strides(layers):
    return 1 + sum(kernel - 1 for kernel, _ in layers)


def _field_stride_too_early(layers):
    field, jump = 1, 1
    for kernel, stride in layers:
        jump *= stride
        field += (kernel - 1) * jump
    return field


def _measured_on_28(layers):
    """Cells 20-21's measurement: kernels of ones, the centre output's gradient, on a 28 x 28 input."""
    stack = []
    for kernel, stride in layers:
        conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=kernel // 2, bias=False)
        nn.init.ones_(conv.weight)
        stack.append(conv)
    x = torch.zeros(1, 1, 28, 28, requires_grad=True)
    y = nn.Sequential(*stack)(x)
    y[0, 0, y.shape[-2] // 2, y.shape[-1] // 2].backward()
    return int((x.grad[0, 0] != 0).any(dim=1).sum())


WRONG_Q3 = [
    Mistake(
        _measured_on_28,
        "a field measured on a 28 x 28 input cannot be wider than 28 pixels: deep stacks see more than "
        "the digit; compute the field from the kernels and strides instead",
        copy_of="cells 20-21's measurement",
    ),
    Mistake(
        _field_without_strides,
        "you ignored the strides: after a stride-2 layer, each step of the next kernel covers 2 input pixels",
    ),
    Mistake(
        lambda layers: sum(kernel for kernel, _ in layers),
        "adding the kernel sizes counts the overlap between neighbouring windows again and again: "
        "each layer adds (kernel - 1) times the spacing of its inputs",
    ),
    Mistake(
        _field_stride_too_early,
        "a layer's stride spreads out the layers AFTER it, not its own kernel: update the spacing "
        "after adding the layer's growth",
    ),
    Mistake(
        lambda layers: math.prod(kernel for kernel, _ in layers),
        "receptive fields add up through the layers, they do not multiply",
    ),
]

# --- Exercise 4: 2 x 2 max pooling from scratch, odd sizes included --------------------------------


def max_pool_2x2(x: torch.Tensor) -> torch.Tensor:
    n, c, h, w = x.shape
    x = F.pad(x, (0, w % 2, 0, h % 2), value=float("-inf"))  # an odd last row / column: windows of its own
    windows = x.reshape(n, c, (h + 1) // 2, 2, (w + 1) // 2, 2)  # every 2 x 2 window gets two axes
    return windows.amax(dim=(3, 5))


def _even_part_only(x):
    n, c, h, w = x.shape
    x = x[..., : h - h % 2, : w - w % 2]
    return x.reshape(n, c, h // 2, 2, w // 2, 2).amax(dim=(3, 5))


def _zero_padded(x):
    n, c, h, w = x.shape
    x = F.pad(x, (0, w % 2, 0, h % 2))  # zeros: a window of negative numbers gets 0
    return x.reshape(n, c, (h + 1) // 2, 2, (w + 1) // 2, 2).amax(dim=(3, 5))


def _halves_apart(x):
    n, c, h, w = x.shape
    x = F.pad(x, (0, w % 2, 0, h % 2), value=float("-inf"))
    return x.reshape(n, c, 2, (h + 1) // 2, 2, (w + 1) // 2).amax(dim=(2, 4))


WRONG_Q4 = [
    Mistake(lambda x: F.max_pool2d(x, kernel_size=2), copy_of="cell 18's F.max_pool2d"),
    Mistake(
        _even_part_only,
        "you dropped the last row or column when H or W is odd: it forms windows of its own (of one "
        "row or one column)",
    ),
    Mistake(
        _zero_padded,
        "you padded with zeros: where the last row or column holds only negative numbers, its windows "
        "get 0 instead of their largest value; pad with a value no number can lose to",
    ),
    Mistake(
        lambda x: F.avg_pool2d(x, 2, ceil_mode=True),
        "that is average pooling: take the maximum of each window",
    ),
    Mistake(
        _halves_apart,
        "your windows are made of pixels half the image apart, not of neighbours: when you split an "
        "axis, the new axis of size 2 (the position inside a window) must be the faster-changing one",
    ),
    lambda x: x[..., ::2, ::2],  # keeps the top-left pixel of each window, not the maximum
    lambda x: x.amax(dim=(2, 3)),  # one maximum per channel: wrong shape
]
