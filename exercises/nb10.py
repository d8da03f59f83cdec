"""Exercises of notebook 10 (image classification): the confusion matrix when some samples have no
label, the F-beta score per class, top-k accuracy per class, tokens back into an image (the inverse
of ViT's patches), and counting ViT-B/16's tokens at 384 pixels.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb10.py` (spoilers).
"""

from __future__ import annotations

import torch

from exercises.answers import nb10 as key
from utils.exercises import Exercise

_random = torch.Generator().manual_seed(10)
_PREDS = torch.randint(0, 5, (30,), generator=_random)
_TARGETS = torch.randint(-1, 5, (30,), generator=_random)  # -1: no label

q1 = Exercise(
    name="Exercise 1 (the confusion matrix, unlabelled samples left out)",
    reference=key.my_confusion_matrix,
    hints=[
        "Start from a num_classes x num_classes tensor of zeros with an integer dtype (int64): one cell "
        "for every (true class, predicted class) pair. Row = true class, column = predicted class.",
        "Walk over the samples two by two, the true class and the predicted class of each (.tolist() "
        "turns the tensors into plain Python ints). What does cm[-1, j] mean in Python?",
        "A sample whose target is -1 has no true class: no row to count it in. Count only the others, "
        "each in the cell of its true class and its predicted class.",
    ],
    cases=[
        (torch.tensor([0, 1, 1, 2]), torch.tensor([0, 0, 1, 2]), 3),
        (torch.tensor([0, 2, 1, 2]), torch.tensor([0, -1, 1, -1]), 3),  # two unlabelled samples
        (torch.tensor([0, 0, 1]), torch.tensor([1, -1, 1]), 4),  # classes 2 and 3 never occur
        (_PREDS, _TARGETS, 5),
    ],
    wrong=key.WRONG_Q1,
)

_CMS = [
    torch.tensor([[5, 1, 0], [2, 7, 1], [0, 3, 6]]),
    torch.tensor([[4, 0, 1], [3, 0, 0], [0, 0, 0]]),  # class 1 never predicted, class 2 absent
    torch.tensor([[9, 1], [4, 6]]),
]

q2 = Exercise(
    name="Exercise 2 (the F-beta score per class)",
    reference=key.my_fbeta,
    hints=[
        "Start from precision and recall per class, as in section 5.2 (rows are true classes), with 0 "
        "wherever a ratio would divide by zero.",
        "F-beta is a weighted harmonic mean: (1 + b²)·P·R divided by a weighted sum of P and R. With "
        "beta = 1 it must give F1; with a large beta it must come close to the recall.",
        "Decide which of P and R the b² multiplies in the denominator by taking beta very large: the "
        "score must tend to R. Keep float32 (PyTorch's default float), and 0 where the denominator is 0.",
    ],
    cases=[(_CMS[0], 1.0), (_CMS[0], 2.0), (_CMS[1], 0.5), (_CMS[2], 3.0), (_CMS[1], 2.0)],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (top-k accuracy per class)",
    reference=key.my_topk_per_class,
    hints=[
        "First, for every sample, whether it is a top-k hit: its true class among its k highest scores "
        "(section 5.4 computed this before averaging).",
        "Then group the samples by their TRUE class: for each class, the hits among its samples divided by "
        "how many samples it has. a bincount counts the samples of each class (give it the number of classes as minlength).",
        "index_add_ (or a loop over the classes) adds up the hits of each true class. A class without any "
        "sample gets 0, not 0 / 0. Return a float32 tensor with one value per class: as many as the logits have columns.",
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
        (torch.randn(12, 10, generator=_random), torch.randint(0, 8, (12,), generator=_random), 5),
    ],
    wrong=key.WRONG_Q3,
)

q4 = Exercise(
    name="Exercise 4 (tokens back into an image)",
    reference=key.my_unpatchify,
    hints=[
        "Undo patchify's steps in reverse order: its last step merged (patch row, patch column) into L and "
        "(C, pixel row, pixel column) into one axis. Split them again with one reshape into six axes.",
        "Then move the axes so that each image axis sits next to its pixel axis: the channels first, then "
        "the patch row beside the pixel row, then the patch column beside the pixel column.",
        "One permute does that move; a last reshape merges (patch row, pixel row) into H and (patch column, "
        "pixel column) into W. Check your function on patchify's output: it must give the images back.",
    ],
    cases=[
        (torch.arange(16.0).reshape(1, 4, 4), 2, 4, 4),
        (torch.arange(144.0).reshape(2, 6, 12), 2, 4, 6),
        (torch.rand(1, 4, 48, generator=_random), 4, 8, 8),
        (torch.rand(2, 4, 18, generator=_random), 3, 6, 6),
    ],
    wrong=key.WRONG_Q4,
)


def _diagnose_tokens(answer: object) -> str | None:
    """Name the kind of slip in a token count, without the count."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return None
    if answer != int(answer):
        return f"{answer:g} is not a whole number: tokens are counted"
    if answer <= 0:
        return f"{answer:g} tokens cannot be: an image gives at least one patch"
    return None


q5 = Exercise(
    name="Exercise 5 (ViT-B/16's tokens at 384 pixels)",
    reference=key.vit_tokens,
    hints=[
        "ViT-B/16 cuts the image into square patches of 16 x 16 pixels, whatever the image size: how many "
        "fit along one side of a 384-pixel image?",
        "The patches form a square grid, so the number of patches is that count squared. Each patch "
        "becomes one token.",
        "Is every token that enters the encoder a patch? Section 2.5's last printed line counts the tokens "
        "of the tiny ViT.",
    ],
    diagnose=_diagnose_tokens,
    wrong=key.WRONG_Q5,
)
