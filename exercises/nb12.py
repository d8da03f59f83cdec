"""Exercises of notebook 12 (semantic segmentation): IoU and Dice per class from a confusion matrix,
the output size of a transposed convolution, and the receptive field of stacked atrous convolutions.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb12.py` (spoilers).
"""

from __future__ import annotations

import torch

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
    name="Exercise 1 (IoU per class from a confusion matrix)",
    reference=key.my_iou_per_class,
    hints=[
        "For one class, IoU = |predicted ∩ true| / |predicted ∪ true|, counted in pixels. The intersection "
        "is the pixels of that class predicted as that class: which cells of the matrix hold them?",
        "Rows are true classes: a row sum counts the pixels that ARE class c (TP + FN), a column sum the "
        "pixels PREDICTED as c (TP + FP). The union is both together, but the overlap must be counted once.",
        "All classes at once: take the diagonal, the column sums and the row sums as (C,) tensors and "
        "combine them elementwise. Dividing integer tensors gives floats, and 0 / 0 gives NaN by itself, "
        "which is what an absent class should get.",
    ],
    cases=_CMS,
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (Dice per class)",
    reference=key.my_dice_per_class,
    hints=[
        "Dice = 2 |A ∩ B| / (|A| + |B|), with A the pixels predicted as c and B the pixels that are c. "
        "It is F1 computed on pixels.",
        "|A| is a column sum of the confusion matrix, |B| a row sum (rows are true classes), and |A ∩ B| "
        "is on the diagonal. No overlap is subtracted this time: the 2 on top makes up for it.",
    ],
    cases=_CMS,
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (output size of a transposed convolution)",
    reference=key.my_transposed_size,
    hints=[
        "A transposed convolution places a copy of its kernel, scaled by each input pixel, every `stride` "
        "pixels in the output, and adds up where copies overlap.",
        "n input pixels are n - 1 strides apart, from the first kernel copy's start to the last one's "
        "start; the last copy then covers `kernel` more pixels. That is the full size before cropping.",
        "Then `padding` pixels are cropped from EACH side, and the extra output padding adds pixels on one side "
        "(it resolves the ambiguity of strided sizes). Check: size 16, kernel 4, stride 2, padding 1 "
        "should double the size.",
    ],
    cases=[(16, 4, 2, 1), (8, 2, 2, 0), (7, 3, 2, 1, 1), (5, 3, 1, 0), (10, 5, 3, 2), (1, 4, 1, 0)],
    wrong=key.WRONG_Q3,
)


def _diagnose_field(answer: object) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return None
    if answer != int(answer) or answer < 1:
        return f"{answer:g} cannot be a width in pixels: a receptive field is a whole number, at least 1"
    if int(answer) % 2 == 0:
        return f"{answer:g} is even: stacked 3×3 kernels centred on a pixel always cover an odd width"
    return None


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
