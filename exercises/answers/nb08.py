"""SPOILERS: the answers to notebook 08's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math

import torch
import torch.nn.functional as F

from utils.exercises import Mistake

# --- Exercise 1: the output size of a convolution or pooling layer -------------------------------


def conv_output_size(n: int, k: int, p: int, s: int) -> int:
    # n + 2p pixels after padding; the kernel fits (n + 2p - k) / s + 1 times, rounded down
    return (n + 2 * p - k) // s + 1


WRONG_Q1 = [
    Mistake(
        lambda n, k, p, s: (n + 2 * p - k) / s + 1,
        "you divided without rounding down: a kernel never hangs over the edge, so use integer division",
    ),
    Mistake(
        lambda n, k, p, s: (n + 2 * p - k) // s,
        "you forgot the first position: a kernel as large as the padded input still fits once",
    ),
    Mistake(
        lambda n, k, p, s: (n + p - k) // s + 1,
        "padding is added on both sides, so it counts twice",
    ),
    Mistake(
        lambda n, k, p, s: n + 2 * p - k + 1,
        "you ignored the stride: it keeps only every s-th position",
    ),
    Mistake(
        lambda n, k, p, s: -(-(n + 2 * p - k) // s) + 1,
        "you rounded up: a last, partial step that would hang over the edge is not taken",
    ),
    lambda n, k, p, s: (n - k) // s + 1,  # ignored padding
]

# --- Exercise 2: the parameters of nn.Conv2d(3, 16, kernel_size=5) -------------------------------


def conv_parameters() -> int:
    # 16 filters, each 3 channels x 5 x 5 weights, plus one bias per filter
    return 16 * 3 * 5 * 5 + 16


WRONG_Q2 = [
    Mistake(
        16 * 5 * 5 + 16,
        "each filter has a 5 x 5 kernel for EVERY input channel: count the channels too",
    ),
    Mistake(16 * 3 * 5 * 5, "you left out the biases: one per output channel"),
    Mistake(3 * 5 * 5, "that is one filter: the layer has one filter per output channel"),
    Mistake(
        16 * 3 * 5 * 5 + 16 * 3,
        "there is one bias per output channel, not one per (output, input) pair",
    ),
    Mistake(
        16 * 3 * 5 + 16,
        "a kernel of size 5 is 5 x 5 weights per channel, not 5",
    ),
    "1216 parameters",  # a string, not a number
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


WRONG_Q3 = [
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

# --- Exercise 4: 2 x 2 max pooling from scratch --------------------------------------------------


def max_pool_2x2(x: torch.Tensor) -> torch.Tensor:
    n, c, h, w = x.shape
    windows = x.reshape(n, c, h // 2, 2, w // 2, 2)  # every 2 x 2 window gets two axes of its own
    return windows.amax(dim=(3, 5))


WRONG_Q4 = [
    Mistake(lambda x: F.avg_pool2d(x, 2), "that is average pooling: take the maximum of each window"),
    Mistake(
        lambda x: x.reshape(x.shape[0], x.shape[1], 2, x.shape[2] // 2, 2, x.shape[3] // 2).amax(dim=(2, 4)),
        "your windows are made of pixels half the image apart, not of neighbours: when you split an "
        "axis, the new axis of size 2 (the position inside a window) must be the faster-changing one",
    ),
    lambda x: x[..., ::2, ::2],  # keeps the top-left pixel of each window, not the maximum
    lambda x: x.amax(dim=(2, 3)),  # one maximum per channel: wrong shape
]
