"""Exercises of notebook 06 (optimizers): one step of Nesterov momentum, of centered RMSprop and of
AdamW as torch.optim computes them, and a value of cosine annealing with warm restarts.

What is here a learner may read: names, graded hints, test inputs and diagnoses. The answers are in
`exercises/answers/nb06.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb06 as key
from utils.exercises import Exercise


def _t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


q1 = Exercise(
    name="Exercise 1 (a Nesterov momentum step)",
    reference=key.nesterov_step,
    hints=[
        "The velocity is updated exactly as for plain momentum. Only the step changes: it does not go "
        "along the velocity alone.",
        "Nesterov's idea is to look ahead: the step goes along the gradient plus where the velocity is "
        "about to carry the parameters, β times the velocity. Which velocity, the old or the new one?",
        "Compute the new velocity first, then the step along g + β·(new velocity), scaled by η, against "
        "the gradient's direction. Return (new parameters, new velocity) as new tensors.",
    ],
    cases=[
        (_t(1.0, -2.0), _t(0.5, 0.1), _t(0.0, 0.0), 0.1, 0.9),  # the first step: velocity still 0
        (_t(1.0, -2.0), _t(0.5, 0.1), _t(0.2, -0.3), 0.1, 0.9),
        (_t(0.3, 0.0, 4.0), _t(-1.0, 2.0, 0.25), _t(1.5, -0.5, 0.0), 0.05, 0.5),
        (_t(2.0), _t(-3.0), _t(4.0), 0.01, 0.99),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (a centered RMSprop step)",
    reference=key.rmsprop_centered_step,
    hints=[
        "Centered RMSprop keeps two running averages per coordinate, both with the same α: one of g² "
        "(as plain RMSprop) and one of g itself. Update both first.",
        "Mean of the squares minus the square of the mean is a variance: the centered form divides the "
        "gradient by a running standard deviation of g instead of its root-mean-square.",
        "Step by η times g divided by (the square root of that variance, plus ε after the root). Return "
        "the new parameters, the new average of g² and the new average of g, in that order.",
    ],
    cases=[
        (_t(1.0, -2.0), _t(0.5, 0.1), _t(0.0, 0.0), _t(0.0, 0.0), 0.01, 0.99, 1e-8),  # the first step
        (_t(0.3, 0.0, 4.0), _t(-1.0, 2.0, 0.25), _t(0.5, 1.0, 0.01), _t(0.2, -0.5, 0.05), 0.1, 0.9, 1e-8),
        (_t(1.0, 1.0), _t(1e-3, -2e-3), _t(1e-6, 1e-6), _t(5e-4, -5e-4), 0.01, 0.99, 1e-3),
        (_t(5.0), _t(-3.0), _t(4.0), _t(1.0), 0.001, 0.5, 1e-8),
    ],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (an AdamW step)",
    reference=key.adamw_step,
    hints=[
        "AdamW is Adam (section 1, bias correction included) plus a weight decay that is kept apart "
        "from the gradient: the averages m and v see only g.",
        "The decay shrinks the parameters by a factor a little below 1, which depends on the learning "
        "rate and on weight_decay. It is not added to the gradient.",
        "torch.optim.AdamW shrinks θ first, then takes the usual Adam step from the shrunk θ. Return the "
        "new parameters and the new uncorrected m and v.",
    ],
    cases=[
        (_t(1.0, -2.0), _t(0.5, 0.1), _t(0.0, 0.0), _t(0.0, 0.0), 1, 0.001, 0.9, 0.999, 1e-8, 0.01),  # step 1
        (
            _t(0.3, 0.0, 4.0),
            _t(-1.0, 2.0, 0.25),
            _t(0.1, -0.2, 0.0),
            _t(0.5, 1.0, 0.01),
            5,
            0.1,
            0.9,
            0.999,
            1e-8,
            0.5,
        ),
        (_t(1.0, 1.0), _t(1e-3, -2e-3), _t(1e-4, 1e-4), _t(1e-6, 1e-6), 100, 0.01, 0.8, 0.99, 1e-3, 0.1),
        (_t(5.0), _t(-3.0), _t(-1.0), _t(4.0), 2, 0.1, 0.5, 0.9, 1e-8, 0.2),
    ],
    wrong=key.WRONG_Q3,
)


def _diagnose_restarts(answer: object) -> str | None:
    """Say where the learner's number sits on the schedule, without giving the value."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer > 0.1 or answer < 0:
        return "the schedule stays between the minimum (0) and the initial learning rate (0.1)"
    return None


q4 = Exercise(
    name="Exercise 4 (cosine with warm restarts)",
    reference=key.lr_after_17_steps,
    hints=[
        "With warm restarts the schedule is a cosine that starts again from η0 at each restart. The first "
        "cycle lasts T_0 epochs; with T_mult = 2 each cycle lasts twice as long as the one before.",
        "Find the cycle that the 17th step falls in, and how many steps into that cycle it is, counting "
        "from 0 at the restart.",
        "Inside a cycle of length T_i the formula is section 8's cosine, with e replaced by the position "
        "in the cycle and E by T_i. Compute it in Python and keep at least four significant digits.",
    ],
    diagnose=_diagnose_restarts,
    wrong=key.WRONG_Q4,
    rtol=1e-3,
)
