"""Exercises of notebook 12 (semantic segmentation): the frequency-weighted IoU of a confusion matrix,
the soft Dice loss, the output size of a dilated transposed convolution, and the receptive field of
stacked atrous convolutions. Each goes one step past what the notebook computed.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb12.py` (spoilers).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from exercises.answers import nb12 as key
from utils.exercises import Exercise

_random = torch.Generator().manual_seed(12)

_CMS = [
    (torch.tensor([[50, 3, 2], [4, 20, 1], [6, 0, 9]]),),
    (torch.tensor([[30, 5, 0, 0], [2, 8, 0, 0], [0, 0, 0, 0], [1, 0, 0, 4]]),),  # class 2 absent from both
    (torch.tensor([[7, 0], [0, 3]]),),  # perfect
    (torch.tensor([[10, 2, 0], [0, 0, 0], [3, 0, 5]]),),  # class 1 only predicted, never true: IoU 0
    (torch.randint(0, 50, (5, 5), generator=_random),),
]

q1 = Exercise(
    name="Exercise 1 (frequency-weighted IoU)",
    reference=key.my_frequency_weighted_iou,
    hints=[
        "Start from the IoU of each class (section 2: the diagonal over the union of the row and the "
        "column). mIoU gives every class the same weight; this score weighs each class by how common it is.",
        "A class's frequency is the share of all pixels that truly belong to it. Rows are true classes: "
        "which sum of the matrix counts them, and what do you divide it by so that the weights add up to 1?",
        "A class with no true pixel has weight 0, but its IoU may be 0 / 0 = NaN, and 0 · NaN is NaN: "
        "leave such classes out of the sum (a boolean mask on the rows) instead of multiplying them.",
    ],
    cases=_CMS,
    wrong=key.WRONG_Q1,
)


def _probabilities(seed: int, n: int, c: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Softmax probabilities (N, C, H, W) that lean towards a random target (N, H, W) holding every class."""
    g = torch.Generator().manual_seed(seed)
    target = torch.randint(0, c, (n, size, size), generator=g)
    target.view(-1)[:c] = torch.arange(c)  # every class occurs
    logits = torch.randn(n, c, size, size, generator=g, dtype=torch.float64)
    logits += 2.0 * F.one_hot(target, c).permute(0, 3, 1, 2) * torch.rand(n, 1, size, size, generator=g)
    return logits.softmax(dim=1), target


q2 = Exercise(
    name="Exercise 2 (the soft Dice loss)",
    reference=key.my_soft_dice_loss,
    hints=[
        "Section 2's Dice counts pixels: 2 |P ∩ T| / (|P| + |T|). A loss needs a gradient, so replace each "
        "count by a sum of probabilities: |P| of class c is the sum of the predicted probabilities of c.",
        "Turn the target into one channel per class, 1 where the pixel is that class (F.one_hot gives "
        "(N, H, W, C): move the class axis to position 1). The soft overlap of a class is then the sum of "
        "probability × one-hot.",
        "Sum over the images and the pixels (dimensions 0, 2 and 3) so that you get one overlap and one "
        "size per class; compute one Dice per class, average the classes, and turn the score into a loss.",
    ],
    cases=[
        _probabilities(0, 2, 3, 4),
        _probabilities(1, 3, 2, 5),
        _probabilities(2, 1, 4, 6),
        _probabilities(3, 4, 3, 8),
    ],
    wrong=key.WRONG_Q2,
)


def _hidden_sizes(rng: np.random.Generator) -> list[tuple]:
    """Fresh settings that nn.ConvTranspose2d accepts (output_padding below the stride or the dilation)."""
    cases = []
    while len(cases) < 6:
        size, kernel, stride, dilation = (
            int(rng.integers(lo, hi)) for lo, hi in ((1, 20), (1, 6), (1, 4), (1, 5))
        )
        padding = int(rng.integers(0, (dilation * (kernel - 1)) // 2 + 1))
        output_padding = int(rng.integers(0, max(stride, dilation)))
        if key.my_transposed_size(size, kernel, stride, padding, output_padding, dilation) > 0:
            cases.append((size, kernel, stride, padding, output_padding, dilation))
    return cases


q3 = Exercise(
    name="Exercise 3 (output size of a dilated transposed convolution)",
    reference=key.my_transposed_size,
    hints=[
        "A transposed convolution places a copy of its kernel, scaled by each input pixel, every `stride` "
        "pixels in the output, and adds up where copies overlap; then it crops `padding` pixels from each "
        "side. Section 3 gives the size for dilation 1.",
        "With dilation d the kernel's k taps sit d pixels apart. How many output pixels does one copy of "
        "the kernel cover, from its first tap to its last, both included?",
        "In section 3's formula, the kernel size k stands for the span of one kernel copy: replace it by "
        "the span of the dilated kernel. Check your function against nn.ConvTranspose2d(..., dilation=d).",
    ],
    cases=[
        (16, 4, 2, 1, 0, 1),
        (8, 3, 1, 0, 0, 2),
        (7, 3, 2, 1, 1, 3),
        (5, 2, 3, 2, 0, 4),
        (10, 5, 1, 2, 0, 2),
    ],
    wrong=key.WRONG_Q3,
    hidden=_hidden_sizes,
)


def _diagnose_field(answer: object) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return None
    if answer != int(answer) or answer < 1:
        return f"{answer:g} cannot be a width in pixels: a receptive field is a whole number, at least 1"
    if int(answer) % 2 == 0:
        return f"{answer:g} is even: stacked 3×3 kernels centred on a pixel always cover an odd width"
    # Any other width: say what to recount, not which way to move (that would bracket the answer).
    return "recount: work out the span of each dilated layer, then how much each one widens the field"


q4 = Exercise(
    name="Exercise 4 (receptive field of atrous convolutions)",
    reference=key.atrous_receptive_field,
    hints=[
        "A 3×3 convolution with dilation d has its three taps per row d pixels apart: how many pixels "
        "from the first tap to the last, both included?",
        "Stacking layers with stride 1: each layer adds (its span - 1) to the receptive field of the "
        "layers below, starting from the single output pixel (a field of 1).",
    ],
    diagnose=_diagnose_field,
    wrong=key.WRONG_Q4,
)
