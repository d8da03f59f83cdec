"""Exercises of notebook 02 (linear regression and gradient descent): the loss, its gradients, the
update rule, and the largest learning rate that still converges."""

import numpy as np

from utils.exercises.core import Exercise


def _mse(y_pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((y_pred - y) ** 2))


q1 = Exercise(
    name="Exercise 1 (mean squared error)",
    reference=_mse,
    hint_text="Subtract, square each difference, then average: np.mean((y_pred - y) ** 2).",
    cases=[
        (np.array([2.0, 0.0, 5.0]), np.array([1.0, 2.0, 1.0])),
        (np.array([3.0]), np.array([1.0])),
        (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])),
        (
            np.array([70.5, 62.0, 88.25, 55.0], dtype=np.float32),
            np.array([68.0, 65.0, 90.0, 49.5], dtype=np.float32),
        ),
    ],
    wrong=[
        lambda y_pred, y: np.mean(y_pred - y),  # forgot the square: errors of opposite sign cancel
        lambda y_pred, y: np.mean(np.abs(y_pred - y)),  # mean absolute error, a different loss
        lambda y_pred, y: np.sum((y_pred - y) ** 2),  # sum instead of mean
        lambda y_pred, y: np.mean(y_pred - y) ** 2,  # squared the mean instead of averaging the squares
        lambda y_pred, y: np.sqrt(np.mean((y_pred - y) ** 2)),  # root mean squared error
    ],
)


def _gradients(w: float, b: float, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    residual = w * x + b - y  # r_i = w x_i + b - y_i
    grad_w = 2 * np.mean(residual * x)  # dL/dw = 2/N Σ r_i x_i
    grad_b = 2 * np.mean(residual)  # dL/db = 2/N Σ r_i
    return float(grad_w), float(grad_b)


def _wrong_gradients(
    scale_w: float = 2.0, scale_b: float = 2.0, sign: float = 1.0, reduce=np.mean, times_x=True
):
    def gradients(w, b, x, y):
        residual = sign * (w * x + b - y)
        grad_w = scale_w * reduce(residual * x if times_x else residual)
        return float(grad_w), float(scale_b * reduce(residual))

    return gradients


q2 = Exercise(
    name="Exercise 2 (gradients of the MSE)",
    reference=_gradients,
    hint_text=(
        "Compute the residuals r = w * x + b - y first. Then dL/dw = 2 * mean(r * x) and "
        "dL/db = 2 * mean(r). Return them as a tuple (dL_dw, dL_db)."
    ),
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
    wrong=[
        _wrong_gradients(scale_w=1.0, scale_b=1.0),  # forgot the factor 2 from the square
        _wrong_gradients(reduce=np.sum),  # forgot the 1/N (sum instead of mean)
        _wrong_gradients(sign=-1.0),  # residual written as y - (w x + b): every sign flips
        _wrong_gradients(times_x=False),  # forgot the inner derivative x in dL/dw
        lambda w, b, x, y: _gradients(w, b, x, y)[::-1],  # returned (dL/db, dL/dw)
    ],
)


def _gd_step(w: float, b: float, grad_w: float, grad_b: float, lr: float) -> tuple[float, float]:
    return w - lr * grad_w, b - lr * grad_b


q3 = Exercise(
    name="Exercise 3 (one gradient-descent step)",
    reference=_gd_step,
    hint_text="Step against the gradient, scaled by the learning rate: θ_new = θ - lr * gradient, for w and for b.",
    cases=[
        (1.0, 2.0, 0.5, -4.0, 0.1),
        (0.0, 0.0, 1.0, 1.0, 0.01),
        (3.0, -1.0, 0.0, 2.0, 0.5),
        (0.2, 0.7, -3.0, 6.0, 1.0),
    ],
    wrong=[
        lambda w, b, grad_w, grad_b, lr: (
            w + lr * grad_w,
            b + lr * grad_b,
        ),  # gradient *ascent*: the loss grows
        lambda w, b, grad_w, grad_b, lr: (w - grad_w, b - grad_b),  # forgot the learning rate
        lambda w, b, grad_w, grad_b, lr: (
            w - lr * grad_w,
            b - lr * grad_w,
        ),  # copy-paste: b moved with grad_w
        lambda w, b, grad_w, grad_b, lr: (w - grad_w / lr, b - grad_b / lr),  # divided by the learning rate
    ],
)


def _lr_limit() -> float:
    # On standardised x, one step maps (w - w*) to (1 - 2η)(w - w*) (and the same for b).
    # It shrinks when |1 - 2η| < 1, i.e. 0 < η < 1; at η = 1 it flips sign forever, above it grows.
    return 1.0


q4 = Exercise(
    name="Exercise 4 (the largest learning rate)",
    reference=_lr_limit,
    hint_text=(
        "Each step multiplies the distance to the minimum by (1 - 2η). Gradient descent converges "
        "only while that factor lies strictly between -1 and 1. Solve 1 - 2η = -1 for η."
    ),
    wrong=[2.0, 0.5, 0.1, 0.9],
)
