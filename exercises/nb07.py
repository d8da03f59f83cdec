"""Exercises of notebook 07 (batch normalization): the running statistics, eval-mode BN as an
affine map, a batch of two, and the parameter that BN makes useless.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb07.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb07 as key
from utils.exercises import Exercise


def _tensor(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)


_generator = torch.Generator().manual_seed(7)
_BATCH = torch.randn(6, 3, generator=_generator) * torch.tensor([1.0, 3.0, 0.2]) + torch.tensor(
    [0.5, -2.0, 4.0]
)

q1 = Exercise(
    name="Exercise 1 (update the running statistics)",
    reference=key.update_running_stats,
    hints=[
        "Each buffer becomes a weighted average of its old value and a statistic of the new batch, "
        "computed per feature (over the batch dimension). Which of the two does `momentum` weigh?",
        "In BatchNorm, momentum weighs the NEW batch statistic and (1 - momentum) the old running value: "
        "the reverse of an optimizer's momentum.",
        "For the variance, PyTorch keeps the unbiased estimate: the batch variance divided by m minus one "
        "(Tensor.var's default correction), although the batch itself is normalised with the biased one. "
        "Return a new tensor for each buffer, without changing the ones you were given.",
    ],
    cases=[
        (torch.zeros(3), torch.ones(3), _BATCH, 0.1),
        (_tensor(1.0, -1.0), _tensor(2.0, 0.5), _tensor(1.0, 2.0, 4.0, 7.0).view(2, 2), 0.5),
        (_tensor(0.3, 0.0, 2.0), _tensor(1.0, 1.0, 4.0), _BATCH[:4] * 2, 0.25),
        (_tensor(5.0), _tensor(3.0), _tensor(2.0, 4.0, 9.0).view(3, 1), 1.0),
    ],
    wrong=key.WRONG_Q1,
    atol=1e-5,
)

q2 = Exercise(
    name="Exercise 2 (eval-mode BN as an affine map)",
    reference=key.bn_eval_affine,
    hints=[
        "Write the eval-mode formula of section 3 for one feature and expand it: which part multiplies x, "
        "and which part is left over when x is zero?",
        "The factor in front of x is gamma divided by the standard deviation (eps added to the variance "
        "inside the square root). The mean is subtracted before that division.",
        "The shift is beta minus the scale times the running mean, element by element, one entry per feature. "
        "Return the two tensors as a tuple, the scale first.",
    ],
    cases=[
        (_tensor(0.0, 1.0, -2.0), _tensor(1.0, 4.0, 0.25), torch.ones(3), torch.zeros(3), 1e-5),
        (_tensor(0.5, -1.5), _tensor(2.0, 9.0), _tensor(1.5, 0.5), _tensor(-1.0, 2.0), 1e-5),
        (_tensor(3.0), _tensor(1e-4), _tensor(2.0), _tensor(0.5), 1e-3),
        (
            _tensor(-0.2, 0.0, 7.0, 1.0),
            _tensor(0.04, 1.0, 16.0, 0.5),
            _tensor(1.0, -1.0, 2.0, 0.1),
            _tensor(0.0, 0.3, -4.0, 1.0),
            0.1,
        ),
    ],
    wrong=key.WRONG_Q2,
    atol=1e-5,
)


def _diagnose_normalised_size(answer: object) -> str | None:
    """Name the size of a wrong answer without giving the right one."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer < 0:
        return "the question asks for a size |x̂_1|, which cannot be negative"
    return None


q3 = Exercise(
    name="Exercise 3 (a batch of two)",
    reference=key.normalised_size,
    hints=[
        "Call the difference d = x_1 - x_2. Where is the batch mean of two values? How far is x_1 from it, "
        "in terms of d?",
        "The biased variance of two values averages the two squared distances to their mean, and both "
        "distances are the same. Its square root is the standard deviation sigma_B.",
        "Divide the distance of x_1 from the mean by sigma_B: d cancels. The answer does not depend on "
        "the two values at all, which is why a batch of two turns every feature into a sign.",
    ],
    diagnose=_diagnose_normalised_size,
    wrong=key.WRONG_Q3,
)

q4 = Exercise(
    name="Exercise 4 (a parameter BN makes useless)",
    reference=key.removable,
    hints=[
        "A Linear layer computes W x + b. Which of its parameters adds the same number to a feature for "
        "every example of the batch?",
        "BN subtracts the mean of each feature over the batch (train mode) or its running mean (eval "
        "mode, which tracked the same shift). What happens to a constant added to every example before that?",
        "The bias of the Linear layer cancels; gamma and beta, which come after the normalisation, do not. "
        "Count how many bias entries a Linear layer with this many outputs has.",
    ],
    wrong=key.WRONG_Q4,
)
