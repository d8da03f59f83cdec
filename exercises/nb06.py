"""Exercises of notebook 06 (optimizers): one step of momentum, of RMSprop and of Adam as torch.optim
computes them, and a value of the cosine learning-rate schedule.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb06.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb06 as key
from utils.exercises import Exercise


def _t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


q1 = Exercise(
    name="Exercise 1 (a momentum step)",
    reference=key.momentum_step,
    hints=[
        "Two things change in one step: first the velocity, from the old velocity and the gradient; then "
        "the parameters, from the new velocity.",
        "The new velocity is the old one shrunk by the factor β, plus the whole gradient (no learning "
        "rate and no (1 - β) factor in it).",
        "The parameters move against the new velocity, scaled by the learning rate. Return the pair "
        "(new parameters, new velocity), and compute both as new tensors.",
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
    name="Exercise 2 (an RMSprop step)",
    reference=key.rmsprop_step,
    hints=[
        "RMSprop keeps one running average per coordinate, of the squared gradient. Update it first, "
        "then use the updated one in the step.",
        "The new average is α times the old one plus (1 - α) times the square of the gradient; α is "
        "close to 1, so the average changes slowly.",
        "Each coordinate steps by the learning rate times its gradient, divided by the square root of "
        "its new average plus ε (ε is added after taking the root). Return (new parameters, new average).",
    ],
    cases=[
        (_t(1.0, -2.0), _t(0.5, 0.1), _t(0.0, 0.0), 0.01, 0.99, 1e-8),  # the first step: average still 0
        (_t(0.3, 0.0, 4.0), _t(-1.0, 2.0, 0.25), _t(0.5, 1.0, 0.01), 0.1, 0.9, 1e-8),
        (_t(1.0, 1.0), _t(1e-3, -2e-3), _t(1e-6, 1e-6), 0.01, 0.99, 1e-3),  # tiny gradients: ε matters
        (_t(5.0), _t(-3.0), _t(4.0), 0.001, 0.5, 1e-8),
    ],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (an Adam step)",
    reference=key.adam_step,
    hints=[
        "Adam keeps two running averages, m of the gradient and v of the squared gradient, each updated "
        "like RMSprop's average, with its own β.",
        "Both averages start at 0, so early on they are too small. Before the step, divide m by "
        "(1 - β1 to the power t) and v by (1 - β2 to the power t); t counts steps from 1.",
        "The step is the learning rate times the corrected m, divided by the square root of the "
        "corrected v plus ε. Return the new parameters and the new *uncorrected* m and v.",
    ],
    cases=[
        (_t(1.0, -2.0), _t(0.5, 0.1), _t(0.0, 0.0), _t(0.0, 0.0), 1, 0.001, 0.9, 0.999, 1e-8),  # step 1
        (
            _t(0.3, 0.0, 4.0),
            _t(-1.0, 2.0, 0.25),
            _t(0.1, -0.2, 0.0),
            _t(0.5, 1.0, 0.01),
            5,
            0.01,
            0.9,
            0.999,
            1e-8,
        ),
        (_t(1.0, 1.0), _t(1e-3, -2e-3), _t(1e-4, 1e-4), _t(1e-6, 1e-6), 100, 0.01, 0.8, 0.99, 1e-3),
        (_t(5.0), _t(-3.0), _t(-1.0), _t(4.0), 2, 0.1, 0.5, 0.9, 1e-8),
    ],
    wrong=key.WRONG_Q3,
)


def _diagnose_cosine(answer: object) -> str | None:
    """Say where the learner's number sits on the schedule, without giving the value."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer > 0.1 or answer < 0:
        return "the cosine schedule stays between the minimum (0) and the initial learning rate (0.1)"
    if answer < 0.05:
        return "a quarter of the way through the run the schedule is still above half its initial value"
    return None


q4 = Exercise(
    name="Exercise 4 (a cosine schedule)",
    reference=key.lr_epoch_25,
    hints=[
        "At epoch e of T the cosine schedule gives η_min + ½(η0 - η_min)(1 + cos(π e / T)). What "
        "fraction e / T of the run has passed at epoch 25?",
        "A quarter of the run: the angle in the cosine is π/4 (45 degrees). math.cos takes radians.",
        "With η_min = 0 the formula is half of η0 times (1 + cos of that angle). Compute it in Python and "
        "keep at least four significant digits.",
    ],
    diagnose=_diagnose_cosine,
    wrong=key.WRONG_Q4,
    rtol=1e-3,
)
