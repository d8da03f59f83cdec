"""Exercises of notebook 08 (CNNs and computer vision): the output-size formula, the parameters of a
convolution, the receptive field of a stack of layers, and 2 x 2 max pooling from scratch.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb08.py` (spoilers).
"""

from __future__ import annotations

import torch

from exercises.answers import nb08 as key
from utils.exercises import Exercise

q1 = Exercise(
    name="Exercise 1 (the output-size formula)",
    reference=key.conv_output_size,
    hints=[
        "Start without padding and with stride one: a kernel of size k fits n - k + 1 times in a row of "
        "n pixels. Check it on the first row of the table.",
        "Padding adds p pixels on each side, so the kernel slides over a longer row. Which n do you use then?",
        "With stride s the kernel moves s pixels at a time: count how many whole steps fit in the room "
        "left after the first position (round down, a step never hangs over the edge), then add the first "
        "position itself. Return an int.",
    ],
    cases=[
        (28, 3, 0, 1),
        (28, 3, 1, 1),
        (28, 5, 2, 1),
        (28, 3, 1, 2),
        (224, 7, 3, 2),
        (7, 2, 0, 2),
        (112, 3, 1, 2),
        (5, 5, 0, 3),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (parameters of a convolution)",
    reference=key.conv_parameters,
    hints=[
        "The layer has one filter per output channel. How many output channels does nn.Conv2d(3, 16, ...) have?",
        "Each filter looks at all input channels at once: it holds a 5 x 5 grid of weights for each of them.",
        "Multiply filters x input channels x kernel height x kernel width, then add one bias per filter. "
        "You can check with sum(p.numel() for p in layer.parameters()).",
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
    ],
    wrong=key.WRONG_Q3,
)

_generator = torch.Generator().manual_seed(8)
q4 = Exercise(
    name="Exercise 4 (2 x 2 max pooling from scratch)",
    reference=key.max_pool_2x2,
    hints=[
        "Each output pixel is the largest of four input pixels: rows 2i and 2i + 1, columns 2j and 2j + 1, "
        "in the same image and channel.",
        "Reshape instead of looping: an axis of size H can be viewed as two axes (H/2, 2), the second one "
        "being the position inside a window. Do the same for W.",
        "After that reshape you have six axes (N, C, H/2, 2, W/2, 2); take the maximum over the two axes of "
        "size 2 at once (Tensor.amax accepts a tuple of dims).",
    ],
    cases=[
        (torch.arange(16.0).view(1, 1, 4, 4),),
        (torch.tensor([[[[1.0, -2.0], [3.0, 0.5]]]]),),
        (torch.randn(2, 3, 6, 8, generator=_generator),),
        (torch.randn(1, 2, 4, 2, generator=_generator),),
    ],
    wrong=key.WRONG_Q4,
)
