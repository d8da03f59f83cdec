"""SPOILERS: the answers to notebook 02's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import numpy as np
import torch

from utils.exercises import Mistake

# --- Exercise 1: the mean squared error ------------------------------------------------------------


def my_mse(y_pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((y_pred - y) ** 2))


WRONG_Q1 = [
    Mistake(
        lambda y_pred, y: np.mean(y_pred - y),
        "you averaged the errors without squaring them: positive and negative errors cancel",
    ),
    Mistake(
        lambda y_pred, y: np.mean(np.abs(y_pred - y)),
        "that is the mean absolute error, a different loss: the MSE squares the errors",
    ),
    Mistake(
        lambda y_pred, y: np.sum((y_pred - y) ** 2), "you summed the squared errors: the MSE averages them"
    ),
    Mistake(
        lambda y_pred, y: np.mean(y_pred - y) ** 2,
        "you squared the mean error: the MSE is the mean of the squared errors",
    ),
    Mistake(
        lambda y_pred, y: np.sqrt(np.mean((y_pred - y) ** 2)),
        "that is the root mean squared error: the MSE has no square root",
    ),
    lambda y_pred, y: (y_pred - y) ** 2,  # the squared error of each element, not one number
]

# --- Exercise 2: the gradients of the MSE of a line ------------------------------------------------


def my_gradients(w: float, b: float, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    residual = w * x + b - y  # r_i = w x_i + b - y_i
    grad_w = 2 * np.mean(residual * x)  # dL/dw = 2/N Σ r_i x_i
    grad_b = 2 * np.mean(residual)  # dL/db = 2/N Σ r_i
    return float(grad_w), float(grad_b)


def _wrong_gradients(scale: float = 2.0, sign: float = 1.0, reduce=np.mean, times_x: bool = True):
    def gradients(w, b, x, y):
        residual = sign * (w * x + b - y)
        grad_w = scale * reduce(residual * x if times_x else residual)
        return float(grad_w), float(scale * reduce(residual))

    return gradients


WRONG_Q2 = [
    Mistake(
        _wrong_gradients(scale=1.0),
        "both gradients are half their size: the derivative of r² is 2r (chain rule)",
    ),
    Mistake(
        _wrong_gradients(reduce=np.sum),
        "you summed over the points: the loss is a mean, so its gradients are means too",
    ),
    Mistake(
        _wrong_gradients(sign=-1.0),
        "every sign is flipped: the residual in the loss is prediction minus target, w x + b - y",
    ),
    Mistake(
        _wrong_gradients(times_x=False),
        "dL/dw is missing the inner derivative: r_i depends on w through w x_i",
    ),
    Mistake(
        lambda w, b, x, y: my_gradients(w, b, x, y)[::-1],
        "your two gradients are in the wrong order: return (dL/dw, dL/db)",
    ),
    lambda w, b, x, y: np.array(my_gradients(w, b, x, y)),  # an array, not a tuple of two numbers
]

# --- Exercise 3: one step of gradient descent ------------------------------------------------------


def my_gd_step(w: float, b: float, grad_w: float, grad_b: float, lr: float) -> tuple[float, float]:
    return w - lr * grad_w, b - lr * grad_b


WRONG_Q3 = [
    Mistake(
        lambda w, b, grad_w, grad_b, lr: (w + lr * grad_w, b + lr * grad_b),
        "you stepped along the gradient, uphill: gradient descent moves against it",
    ),
    Mistake(
        lambda w, b, grad_w, grad_b, lr: (w - grad_w, b - grad_b),
        "your step ignores the learning rate",
    ),
    Mistake(
        lambda w, b, grad_w, grad_b, lr: (w - lr * grad_w, b - lr * grad_w),
        "b moved with grad_w: each parameter moves with its own gradient",
    ),
    Mistake(
        lambda w, b, grad_w, grad_b, lr: (w - grad_w / lr, b - grad_b / lr),
        "you divided by the learning rate: it scales the step by multiplying",
    ),
    lambda w, b, grad_w, grad_b, lr: (w - lr * grad_w,),  # forgot b
]

# --- Exercise 4: the largest learning rate that still converges -----------------------------------


def lr_limit() -> float:
    # On standardised x, one step maps (w - w*) to (1 - 2η)(w - w*) (and the same for b).
    # It shrinks when |1 - 2η| < 1, i.e. 0 < η < 1; at η = 1 it flips sign forever, above it grows.
    return 1.0


WRONG_Q4 = [
    2.0,  # mixed up with the factor 2 in the gradient: at this rate gradient descent diverges
    0.5,  # the learning rate that converges fastest (one step), not the largest
    0.1,  # a learning rate that converges, not the limit
    0.9,  # converges, but is not the limit
    -1.0,  # a sign slip: a negative rate steps uphill
    0.0,  # no step at all
    "1",  # a string, not a number
    torch.tensor(2.0),  # diverges, as a 0-dim tensor: must get the same diagnosis as 2.0
    np.float32(0.5),  # converges, as a NumPy scalar
]
