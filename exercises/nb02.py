"""Exercises of notebook 02 (linear regression and gradient descent): the loss, its gradients, the
update rule, and the largest learning rate that still converges.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb02.py` (spoilers).
"""

from __future__ import annotations

import math

import numpy as np

from exercises.answers import nb02 as key
from utils.exercises import Exercise

q1 = Exercise(
    name="Exercise 1 (mean squared error)",
    reference=key.my_mse,
    hints=[
        "The MSE compares prediction and truth element by element: start from the error of each "
        "prediction, prediction minus truth.",
        "Square each error, so that positive and negative errors cannot cancel and large errors count more.",
        "Reduce the squared errors to one number with their mean (not their sum), and return that number.",
    ],
    cases=[
        (np.array([2.0, 0.0, 5.0]), np.array([1.0, 2.0, 1.0])),
        (np.array([3.0]), np.array([1.0])),
        (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])),
        (
            np.array([70.5, 62.0, 88.25, 55.0], dtype=np.float32),
            np.array([68.0, 65.0, 90.0, 49.5], dtype=np.float32),
        ),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (gradients of the MSE)",
    reference=key.my_gradients,
    hints=[
        "Write the loss as the mean over i of r_i², with the residual r_i = w x_i + b - y_i. "
        "Only the residuals depend on w and b.",
        "Chain rule: the derivative of r_i² is 2 r_i times the derivative of r_i. "
        "How fast does r_i change when w changes? When b changes?",
        "∂r_i/∂w = x_i and ∂r_i/∂b = 1. So ∂L/∂w is the mean of 2 r_i x_i, and ∂L/∂b the mean of 2 r_i. "
        "With NumPy, compute all residuals as one array; return the two numbers as a tuple (∂L/∂w, ∂L/∂b).",
    ],
    cases=[
        (0.5, -1.0, np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 1.0, 0.0, 3.0])),
        (0.0, 0.0, np.array([-1.0, 1.0]), np.array([3.0, 5.0])),
        (
            2.0,
            1.0,
            np.array([0.0, 1.0, 2.0]),
            np.array([1.0, 3.0, 5.0]),
        ),  # a perfect fit: both gradients are 0
        (-0.3, 70.0, np.array([-1.2, -0.4, 0.1, 0.9, 1.6]), np.array([60.0, 66.0, 71.0, 77.0, 83.0])),
    ],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (one gradient-descent step)",
    reference=key.my_gd_step,
    hints=[
        "The gradient points uphill, towards a larger loss. Which way should a step go?",
        "The learning rate scales the step: a small lr, a small move. Both w and b move, each with its own gradient.",
        "Each new parameter is the old one minus its step, the step being the learning rate times that "
        "parameter's gradient. Return the two new values as a tuple (w, b).",
    ],
    cases=[
        (1.0, 2.0, 0.5, -4.0, 0.1),
        (0.0, 0.0, 1.0, 1.0, 0.01),
        (3.0, -1.0, 0.0, 2.0, 0.5),
        (0.2, 0.7, -3.0, 6.0, 1.0),
    ],
    wrong=key.WRONG_Q3,
)


def _diagnose_lr_limit(answer: object) -> str | None:
    """Say what happens at the learner's learning rate, without naming the limit."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer <= 0:
        return f"η = {answer:g} is no learning rate: with η ≤ 0 a step does not go downhill at all"
    factor = 1 - 2 * answer
    if abs(factor) < 1:
        return (
            f"at η = {answer:g} each step multiplies w - w* by {factor:.3g}, so gradient descent converges; "
            "but a larger η converges too: the question asks where that stops"
        )
    return (
        f"at η = {answer:g} each step multiplies w - w* by {factor:.3g}: the distance to the minimum does not "
        "shrink, so gradient descent does not converge there. The limit is smaller"
    )


q4 = Exercise(
    name="Exercise 4 (the largest learning rate)",
    reference=key.lr_limit,
    hints=[
        "After k steps the distance w - w* has been multiplied by the factor (1 - 2η) k times, i.e. by "
        "(1 - 2η)^k. For which factors does a power shrink to zero as k grows?",
        "A power q^k shrinks to zero exactly when -1 < q < 1. Write that out with q = 1 - 2η: "
        "which side of the inequality bounds η from above?",
        "The upper bound on η comes from the side q > -1: at the limit the factor is exactly -1, and "
        "w - w* flips sign forever without shrinking. Solve 1 - 2η = -1 for η.",
    ],
    diagnose=_diagnose_lr_limit,
    wrong=key.WRONG_Q4,
)
