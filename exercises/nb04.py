"""Exercises of notebook 04 (loss functions, softmax vs SVM): a stable softmax, the gradient of
cross-entropy, the multiclass hinge loss without loops, and the losses of a classifier that has
learned nothing yet.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb04.py` (spoilers).
"""

from __future__ import annotations

from typing import Any

import torch

from exercises.answers import nb04 as key
from utils.exercises import Exercise, plain_number


def softmax_functions() -> list[tuple[Any, str, str]]:
    """Every way to call PyTorch's softmax: F.softmax and nn.Softmax end in Tensor.softmax.

    Example:
        >>> ("torch.softmax" in [label for _, _, label in softmax_functions()])
        True
    """
    functions = []
    for name in ("softmax", "log_softmax"):
        functions += [(torch, name, f"torch.{name}"), (torch.Tensor, name, f"Tensor.{name}")]
        functions.append((torch.special, name, f"torch.special.{name}"))
    return functions


_gen = torch.Generator().manual_seed(4)

q1 = Exercise(
    name="Exercise 1 (a stable softmax)",
    reference=key.my_softmax,
    hints=[
        "softmax(z)_k = e^(z_k) / Σ_j e^(z_j), for each row of z on its own. What does exp do to a logit "
        "of 1000 in float32?",
        "Subtracting the same number c from every logit of a row leaves its softmax unchanged (the factor "
        "e^(-c) cancels). Which c makes every exponent ≤ 0, so nothing can overflow?",
        "Use c = the row's own maximum: .max(dim=1, keepdim=True) returns (values, indices), and keepdim "
        "keeps the shape (N, 1) so it broadcasts against (N, C). Then exp, and divide by each row's sum.",
    ],
    cases=[
        (torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]),),
        (torch.tensor([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]]),),  # exp(1000) overflows float32
        (
            torch.tensor([[0.0, 1.0, 2.0], [1000.0, 990.0, 1010.0]]),
        ),  # rows far apart: one shift for all fails
        (torch.randn(4, 4, generator=_gen) * 3,),  # square: a wrong axis cannot hide behind a shape error
        (torch.randn(5, 10, generator=_gen, dtype=torch.float64),),
    ],
    wrong=key.WRONG_Q1,
    forbids=[*softmax_functions(), (torch, "log", "torch.log"), (torch.Tensor, "log", "Tensor.log")],
)

q2 = Exercise(
    name="Exercise 2 (the gradient of cross-entropy)",
    reference=key.ce_gradient,
    hints=[
        "Write one example's loss as -log p_y = -z_y + log Σ_j e^(z_j), and differentiate it with respect "
        "to one logit z_k. The two terms give two pieces.",
        "The derivative of log Σ_j e^(z_j) with respect to z_k is e^(z_k) / Σ_j e^(z_j), the softmax. The "
        "derivative of -z_y with respect to z_k is -1 when k = y and 0 otherwise.",
        "So each row is the softmax of that row minus the one-hot vector of its target, and the mean over "
        "the N examples divides every row by N. Use a stable softmax (PyTorch's own is allowed) so that large logits cannot overflow.",
    ],
    cases=[
        (torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]), torch.tensor([0, 2])),
        (torch.tensor([[1000.0, 1001.0, 1002.0], [0.0, 0.0, 0.0]]), torch.tensor([1, 0])),  # overflow
        (torch.tensor([[8.0, 0.0, 0.0]]), torch.tensor([0])),  # well classified: small, never exactly 0
        (torch.randn(6, 6, generator=_gen) * 2, torch.tensor([0, 1, 2, 3, 4, 5])),
        (torch.randn(8, 4, generator=_gen), torch.tensor([3, 0, 0, 2, 1, 3, 1, 2])),
    ],
    wrong=key.WRONG_Q2,
    forbids_autograd=True,
)

q3 = Exercise(
    name="Exercise 3 (the multiclass SVM loss)",
    reference=key.my_svm_loss,
    hints=[
        "For one example with scores s and class y: L = Σ over j ≠ y of max(0, s_j - s_y + Δ), with Δ = 1. "
        "Then average over the examples. First pick s_y for each row.",
        "Pick s_y per row with two index tensors (row numbers, targets), then make it a column (N, 1) so "
        "that s - s_y broadcasts over the classes. max(0, ·) is .clamp(min=0).",
        "The j = y term always equals Δ: set it to zero in the margins tensor (index it with the same two "
        "index tensors), then sum each row and average the rows.",
    ],
    cases=[
        (
            torch.tensor([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]]),
            torch.tensor([0, 1, 2]),
        ),  # cs231n
        (torch.tensor([[10.0, 0.0, 0.0, 0.0]]), torch.tensor([0])),  # every margin met: loss 0
        (torch.randn(5, 5, generator=_gen) * 2, torch.tensor([4, 3, 2, 1, 0])),
        (torch.randn(7, 3, generator=_gen) * 3, torch.tensor([0, 1, 2, 0, 1, 2, 0])),
    ],
    wrong=key.WRONG_Q3,
    atol=1e-5,
    forbids=[
        (torch.nn.functional, "multi_margin_loss", "F.multi_margin_loss (nn.MultiMarginLoss)"),
        (torch.nn.functional, "multilabel_margin_loss", "F.multilabel_margin_loss"),
    ],
)

q4 = Exercise(
    name="Exercise 4 (cross-entropy before training)",
    reference=key.ce_at_start,
    hints=[
        "If all 10 logits are equal, what probability does the softmax give each class? It does not "
        "matter which class is the correct one.",
        "The loss is minus the log of the probability the softmax gives the correct class. Which "
        "logarithm does F.cross_entropy use: base 2, base 10, or the natural one (math.log)?",
        "A rule of logarithms turns minus the log of a fraction 1/k into the log of k. Give the result "
        "with at least four significant digits (or as a Python expression).",
    ],
    validate=plain_number,
    wrong=key.WRONG_Q4,
    rtol=1e-3,  # four significant digits are enough, as the prompt says
)

q5 = Exercise(
    name="Exercise 5 (SVM loss before training)",
    reference=key.svm_at_start,
    hints=[
        "With all 10 scores equal, s_j - s_y = 0 for every class j. What is max(0, 0 + Δ) with Δ = 1?",
        "The cs231n loss sums that term over the wrong classes only (j ≠ y), and does not divide by the "
        "number of classes. How many wrong classes does a 10-class problem have?",
    ],
    validate=plain_number,
    wrong=key.WRONG_Q5,
)
