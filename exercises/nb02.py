"""Exercises of notebook 02 (linear regression and gradient descent): R², the gradient with several
features, standardised parameters back in raw units, and the largest learning rate that still converges.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb02.py` (spoilers).
"""

from __future__ import annotations

import math

import numpy as np

from exercises.answers import nb02 as key
from utils.exercises import Exercise, plain_number

_rng = np.random.default_rng(2)


def _design(n: int, d: int) -> np.ndarray:
    """A design matrix: n examples, d - 1 features of different scales, and a last column of ones."""
    features = _rng.normal(size=(n, d - 1)) * np.arange(1, d) + np.arange(d - 1)
    return np.hstack([features, np.ones((n, 1))])


q1 = Exercise(
    name="Exercise 1 (R², the error against a baseline)",
    reference=key.my_r2,
    hints=[
        "R² needs two errors: the MSE of the predictions, and the MSE of a baseline that ignores x and "
        "always predicts one number. Which number is the best constant prediction of y?",
        "The baseline predicts the mean of the targets y for every example. Both errors are means of "
        "squared differences, reduced the same way.",
        "R² is 1 when the predictions are perfect and 0 when they are no better than the baseline: "
        "which combination of the two errors behaves like that? Return it as one number.",
    ],
    cases=[
        (np.array([2.0, 0.0, 5.0]), np.array([1.0, 2.0, 6.0])),
        (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])),  # perfect: 1
        (np.array([2.0, 2.0, 2.0]), np.array([1.0, 2.0, 3.0])),  # the baseline itself: 0
        (np.array([3.0, 1.0, 4.0, 1.0]), np.array([1.0, 5.0, 0.0, 6.0])),  # worse than the baseline
        (
            np.array([70.5, 62.0, 88.25, 55.0], dtype=np.float32),
            np.array([68.0, 65.0, 90.0, 49.5], dtype=np.float32),
        ),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (the gradient with several features)",
    reference=key.my_gradients,
    hints=[
        "Each row a_i of A is one example (its features, and a 1 for the intercept), so the prediction "
        "is a_i · θ and the residual r_i = a_i · θ - y_i. All N residuals at once: one matrix product.",
        "As in section 2, the derivative of r_i² with respect to one parameter θ_j is 2 r_i times "
        "∂r_i/∂θ_j, and ∂r_i/∂θ_j = A_ij. Average that over the examples i, for every j.",
        "A sum over i of r_i A_ij, for every j at once, is one product of A (or its transpose) with the "
        "residual vector: which one gives shape (d,)? Then the constant factors.",
    ],
    cases=[
        (np.array([0.5, -1.0]), _design(4, 2), np.array([2.0, 1.0, 0.0, 3.0])),
        (np.array([1.0, 2.0, 0.5]), _design(6, 3), _rng.normal(size=6)),
        (np.array([2.0, -1.0, 3.0]), (A := _design(5, 3)), A @ np.array([2.0, -1.0, 3.0])),  # perfect: 0
        (np.array([0.1, 0.2, 0.3, 0.4]), _design(7, 4), _rng.normal(size=7) * 10),
    ],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (back to raw units, several features)",
    reference=key.to_raw,
    hints=[
        "Write the model on standardised features, ŷ = Σ_j w̃_j (x_j - μ_j) / σ_j + b̃, and multiply it "
        "out: which terms multiply a raw feature x_j, and which do not involve any x?",
        "The terms with x_j give feature j's raw slope. Every term without an x belongs to the one "
        "intercept: the old b̃ and one shift per feature.",
        "Section 3's to_cm did this for one feature. With d features the slopes stay one per feature, "
        "but the shifts are gathered into a single number: how?",
    ],
    cases=[
        (np.array([7.0, -2.0]), 70.0, np.array([170.0, 45.0]), np.array([9.0, 15.0])),
        (np.array([1.0]), 0.5, np.array([2.0]), np.array([4.0])),
        (np.array([0.5, 1.5, -3.0]), -2.0, np.array([1.0, -2.0, 0.0]), np.array([0.5, 2.0, 3.0])),
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
        "The upper bound on η comes from the side q > -1: at the limit w - w* flips its sign at every "
        "step and never shrinks. Which factor q does that, and which η gives it?",
    ],
    diagnose=_diagnose_lr_limit,
    validate=plain_number,
    wrong=key.WRONG_Q4,
)
