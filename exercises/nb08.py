"""Exercises of notebook 08 (CNNs and computer vision): the output-size formula with dilation, the
multiplications of a convolution, the receptive field of a stack of layers, and 2 x 2 max pooling from
scratch for odd sizes too (without PyTorch's pooling functions).

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb08.py` (spoilers).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from exercises.answers import nb08 as key
from utils.exercises import Exercise


def _draw_sizes(rng) -> list[tuple]:
    """Fresh (n, k, p, s, d) for the grader: the kernel's span always fits the padded input."""
    cases = []
    while len(cases) < 8:
        n, k, p = int(rng.integers(5, 300)), int(rng.integers(1, 8)), int(rng.integers(0, 4))
        s, d = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        if n + 2 * p >= d * (k - 1) + 1:
            cases.append((n, k, p, s, d))
    return cases


q1 = Exercise(
    name="Exercise 1 (the output-size formula, with dilation)",
    reference=key.conv_output_size,
    hints=[
        "Start without padding, stride or dilation: a kernel of size k fits n - k + 1 times in a row of "
        "n pixels. Then padding adds p pixels on each side, and with stride s the kernel moves s pixels at a "
        "time (round down: a step never hangs over the edge). Check that on the table of section 5.",
        "Dilation does not add weights: it spreads the k taps of the kernel out, d pixels apart. Draw a "
        "kernel of 3 taps with d = 2 on squared paper: how many pixels does it cover from its first tap to "
        "its last?",
        "Generalise the drawing to k taps and spacing d, then use that span wherever the formula without "
        "dilation used k. Return an int.",
    ],
    cases=[
        (28, 3, 0, 1, 1),
        (28, 3, 1, 2, 1),
        (224, 7, 3, 2, 1),
        (28, 3, 2, 1, 2),
        (28, 3, 0, 1, 2),
        (32, 3, 1, 2, 3),
        (64, 3, 4, 1, 4),
        (20, 4, 1, 3, 2),
        (5, 5, 0, 3, 1),
    ],
    wrong=key.WRONG_Q1,
    hidden=_draw_sizes,
)

q2 = Exercise(
    name="Exercise 2 (the cost of a convolution)",
    reference=key.conv_multiplications,
    hints=[
        "Parameters are not work: the same 5 x 5 x 3 weights of a filter are used again at every output "
        "position. Start from the output: how many values does the layer compute for one image?",
        "The output has one channel per filter; its height and width follow from section 5's formula with "
        "this kernel and padding. Each output value is one dot product of the filter with a patch.",
        "A dot product of two vectors of m numbers makes m multiplications; here m counts every weight of "
        "one filter (all its input channels). The bias is added, not multiplied.",
    ],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (the receptive field of a stack)",
    reference=key.receptive_field,
    hints=[
        "Start with a field of one pixel (no layer at all). A first layer with kernel k grows it to k: "
        "it adds k - 1 pixels.",
        "Every later layer also adds (kernel - 1) steps, but one step of its kernel is as many input pixels "
        "as the distance between two neighbouring outputs of the layer below: its spacing.",
        "Keep two numbers while you walk up the list: the field, and the spacing (which starts at one pixel). "
        "For each layer, first grow the field by (kernel - 1) times the current spacing, then multiply the "
        "spacing by the layer's stride.",
    ],
    cases=[
        ([(3, 1)],),
        ([(3, 1), (3, 1)],),
        ([(3, 1), (2, 2), (3, 1)],),
        ([(5, 1), (2, 2), (3, 1), (2, 2)],),
        ([(7, 2), (3, 2), (3, 1), (3, 1)],),
        ([(2, 2), (2, 2), (2, 2)],),
        ([],),
        ([(3, 2)] * 5,),  # wider than a 28 x 28 digit
    ],
    wrong=key.WRONG_Q3,
    hidden=lambda rng: [
        ([(int(rng.integers(1, 8)), int(rng.integers(1, 4))) for _ in range(int(rng.integers(0, 7)))],)
        for _ in range(6)
    ],
)

_generator = torch.Generator().manual_seed(8)
_POOLING = [  # every way to call PyTorch's max pooling: F.max_pool2d and nn.MaxPool2d end in these
    (F, "max_pool2d", "F.max_pool2d"),
    (F, "max_pool2d_with_indices", "F.max_pool2d_with_indices"),
    (F, "adaptive_max_pool2d", "F.adaptive_max_pool2d"),
    (torch, "max_pool2d", "torch.max_pool2d"),
    (torch._C._nn, "max_pool2d_with_indices", "torch's max_pool2d_with_indices"),
    (torch._C._nn, "adaptive_max_pool2d", "torch's adaptive_max_pool2d"),
]
q4 = Exercise(
    name="Exercise 4 (2 x 2 max pooling from scratch, odd sizes too)",
    reference=key.max_pool_2x2,
    hints=[
        "Each output pixel is the largest of the pixels of one window: rows 2i and 2i + 1, columns 2j and "
        "2j + 1, in the same image and channel. With an odd H, the last window of a column has one row only.",
        "Reshape instead of looping: an axis of even size H can be viewed as two axes (H/2, 2), the second "
        "one being the position inside a window. To make an odd axis even, add one row (or column) that can "
        "never be a window's maximum: F.pad takes the value to pad with.",
        "After padding and the reshape you have six axes (N, C, rows of windows, 2, columns of windows, 2); "
        "take the maximum over the two axes of size 2 at once (Tensor.amax accepts a tuple of dims).",
    ],
    cases=[
        (torch.arange(16.0).view(1, 1, 4, 4),),
        (torch.tensor([[[[1.0, -2.0], [3.0, 0.5]]]]),),
        (torch.randn(2, 3, 6, 8, generator=_generator),),
        (torch.randn(1, 2, 5, 7, generator=_generator),),  # odd height and width
        (-(torch.arange(15.0) + 1).view(1, 1, 3, 5),),  # odd, every value negative
        (torch.randn(2, 1, 4, 3, generator=_generator),),
    ],
    wrong=key.WRONG_Q4,
    forbids=_POOLING,
)
