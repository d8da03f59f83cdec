"""Exercises of notebook 10 (image classification): the confusion matrix, precision / recall / F1
from it, top-k accuracy, cutting an image into ViT patches, and counting ViT's tokens.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb10.py` (spoilers).
"""

from __future__ import annotations

import torch

from exercises.answers import nb10 as key
from utils.exercises import Exercise

_random = torch.Generator().manual_seed(10)
_PREDS = torch.randint(0, 5, (30,), generator=_random)
_TARGETS = torch.randint(0, 5, (30,), generator=_random)

q1 = Exercise(
    name="Exercise 1 (the confusion matrix)",
    reference=key.my_confusion_matrix,
    hints=[
        "Start from a num_classes x num_classes tensor of zeros with an integer dtype (int64): one cell "
        "for every (true class, predicted class) pair.",
        "Walk over the samples two by two, the true class and the predicted class of each; .tolist() "
        "turns the tensors into plain Python ints.",
        "For each sample, add 1 to the cell whose ROW is its true class and whose COLUMN is its "
        "predicted class. A correct prediction lands on the diagonal.",
    ],
    cases=[
        (torch.tensor([0, 1, 1, 2]), torch.tensor([0, 0, 1, 2]), 3),
        (torch.tensor([0, 0, 1]), torch.tensor([1, 1, 1]), 4),  # classes 2 and 3 never occur
        (torch.tensor([2, 0, 1, 2]), torch.tensor([2, 0, 1, 2]), 3),  # all correct
        (_PREDS, _TARGETS, 5),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (precision, recall and F1 per class)",
    reference=key.my_precision_recall_f1,
    hints=[
        "Everything comes from three vectors of length C: the true positives (the diagonal), how often "
        "each class was predicted, and how many samples each class has.",
        "Rows are true classes: a class's samples are its ROW sum (TP + FN), its predictions its COLUMN "
        "sum (TP + FP). Precision divides TP by the second, recall by the first.",
        "Where a denominator is 0 the ratio is defined as 0: torch.where(condition, ratio, 0.0) picks it. "
        "F1 is the harmonic mean 2PR / (P + R), also 0 where P + R is 0. Return the three (C,) tensors.",
    ],
    cases=[
        (torch.tensor([[5, 1, 0], [2, 7, 1], [0, 3, 6]]),),
        (torch.tensor([[4, 0, 1], [3, 0, 0], [0, 0, 0]]),),  # class 1 never predicted, class 2 absent
        (torch.tensor([[9, 1], [4, 6]]),),
        (torch.tensor([[3, 0, 0, 0], [0, 2, 0, 0], [0, 0, 5, 0], [0, 0, 0, 1]]),),  # all correct
    ],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (top-k accuracy)",
    reference=key.my_topk_accuracy,
    hints=[
        "A sample counts as a hit when its true class is among the k classes with the highest scores. "
        "torch.topk gives you those classes (its .indices), one row per sample.",
        "Compare each row of k class ids with that sample's target: give targets a second axis of "
        "length 1 so that it broadcasts against the (N, k) ids, then ask whether ANY of the k matches.",
        "The accuracy is the fraction of hits: turn the (N,) booleans into floats, take their mean, and "
        "return it as a Python number with .item().",
    ],
    cases=[
        (
            torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]),
            torch.tensor([2, 0, 1, 1]),
            1,
        ),
        (
            torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]),
            torch.tensor([2, 0, 1, 1]),
            2,
        ),
        (torch.randn(20, 6, generator=_random), torch.randint(0, 6, (20,), generator=_random), 3),
        (torch.randn(12, 10, generator=_random), torch.randint(0, 10, (12,), generator=_random), 5),
    ],
    wrong=key.WRONG_Q3,
)

q4 = Exercise(
    name="Exercise 4 (cutting images into patches)",
    reference=key.my_patchify,
    hints=[
        "Think of each side of the image as (number of patches) x (pixels per patch): reshape (N, C, H, W) "
        "into six axes, (N, C, H/p, p, W/p, p).",
        "Now move the axes so that the patch position comes first and the pixels of one patch last: "
        "(N, patch row, patch column, C, pixel row, pixel column). That is one permute.",
        "A final reshape merges the two patch axes into L = (H/p)(W/p) and the three pixel axes into "
        "C·p·p. permute makes the tensor non-contiguous: reshape copies when it must (view would fail).",
    ],
    cases=[
        (torch.arange(16.0).reshape(1, 1, 4, 4), 2),
        (torch.arange(144.0).reshape(2, 3, 4, 6), 2),
        (torch.rand(1, 3, 8, 8, generator=_random), 4),
        (torch.rand(2, 2, 6, 6, generator=_random), 3),
    ],
    wrong=key.WRONG_Q4,
)


def _diagnose_tokens(answer: object) -> str | None:
    """Name the kind of slip in a token count, without the count."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return None
    if answer != int(answer):
        return f"{answer:g} is not a whole number: tokens are counted: one per patch, plus any extra token"
    if answer <= 0:
        return f"{answer:g} tokens cannot be: an image gives at least one patch"
    right = key.vit_tokens()
    if abs(answer - right) <= 0.1 * right:
        more = "many" if answer > right else "few"
        return f"your count {answer:g} is close, but too {more}: recount the patches of the grid, then the extra token"
    return None


q5 = Exercise(
    name="Exercise 5 (ViT-B/16's tokens)",
    reference=key.vit_tokens,
    hints=[
        "ViT-B/16 cuts a 224 x 224 image into square patches of 16 x 16 pixels: how many patches fit "
        "along one side?",
        "The patches form a square grid, so the number of patches is that count squared. Each patch "
        "becomes one token.",
        "Before the encoder, ViT puts one more learnable token in front of the patch tokens: the class "
        "token, whose output the head reads.",
    ],
    diagnose=_diagnose_tokens,
    wrong=key.WRONG_Q5,
)
