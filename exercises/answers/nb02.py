"""SPOILERS: the answers to notebook 02's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import numpy as np
import torch

from utils.exercises import Mistake

# --- Exercise 1: R², the MSE against the best constant prediction ------------------------------------


def my_r2(y_pred: np.ndarray, y: np.ndarray) -> float:
    baseline = np.mean((y.mean() - y) ** 2)  # the MSE of always predicting the mean of y
    return float(1 - np.mean((y_pred - y) ** 2) / baseline)


WRONG_Q1 = [
    Mistake(
        lambda y_pred, y: float(np.mean((y_pred - y) ** 2)),
        "that is the MSE itself: R² compares it with the MSE of always predicting the mean of y",
        copy_of="cell 8's mse",
    ),
    Mistake(
        lambda y_pred, y: float(np.mean((y_pred - y) ** 2) / np.mean((y.mean() - y) ** 2)),
        "that is the fraction of the baseline's error that is left: R² is the fraction explained",
    ),
    Mistake(
        lambda y_pred, y: float(1 - np.sum((y_pred - y) ** 2) / np.mean((y.mean() - y) ** 2)),
        "a sum over a mean: both errors must be reduced the same way",
    ),
    Mistake(
        lambda y_pred, y: float(1 - np.sqrt(np.mean((y_pred - y) ** 2)) / np.std(y)),
        "you compared root mean squared errors (standard deviations): R² compares the squared errors",
    ),
    Mistake(
        lambda y_pred, y: float(1 - np.mean((y_pred - y) ** 2) / np.mean((y_pred.mean() - y) ** 2)),
        "your baseline predicts the mean of the predictions: the baseline predicts the mean of the targets y",
    ),
    lambda y_pred, y: float(1 - np.mean((y_pred - y) ** 2) / np.var(y, ddof=1)),  # the n - 1 variance
]

# --- Exercise 2: the gradient of the MSE with several features ----------------------------------------


def my_gradients(theta: np.ndarray, A: np.ndarray, y: np.ndarray) -> np.ndarray:
    residual = A @ theta - y  # r_i = a_i · θ - y_i, one per example
    return 2 * A.T @ residual / len(y)  # ∂L/∂θ_j = 2/N Σ_i r_i A_ij, one per parameter


WRONG_Q2 = [
    Mistake(
        lambda theta, A, y: 2 * np.mean((A @ theta - y)[:, None] * A),
        "one number for all parameters: each parameter θ_j gets its own gradient, averaged over the examples only",
        copy_of="cell 10's gradients, with the mean taken over everything",
    ),
    Mistake(
        lambda theta, A, y: A.T @ (A @ theta - y) / len(y),
        "your gradient is half its size: the derivative of r² is 2r (chain rule)",
    ),
    Mistake(
        lambda theta, A, y: 2 * A.T @ (A @ theta - y),
        "you summed over the examples: the loss is a mean, so its gradient is a mean too",
    ),
    Mistake(
        lambda theta, A, y: 2 * A.T @ (y - A @ theta) / len(y),
        "every sign is flipped: the residual in the loss is prediction minus target, Aθ - y",
    ),
    lambda theta, A, y: 2 * (A @ theta - y) / len(y),  # one value per example, not per parameter
]

# --- Exercise 3: parameters fitted on standardised features, back in raw units -----------------------


def to_raw(w_std: np.ndarray, b_std: float, mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, float]:
    # ŷ = Σ_j w̃_j (x_j - μ_j) / σ_j + b̃ = Σ_j (w̃_j / σ_j) x_j + (b̃ - Σ_j w̃_j μ_j / σ_j)
    w = w_std / sigma
    return w, float(b_std - np.sum(w * mu))


WRONG_Q3 = [
    Mistake(
        lambda w_std, b_std, mu, sigma: (w_std / sigma, b_std - w_std * mu / sigma),
        "your intercept has one value per feature: the model has one intercept, which collects the "
        "shift of every feature",
        copy_of="cell 12's to_cm, applied to arrays",
    ),
    Mistake(
        lambda w_std, b_std, mu, sigma: (w_std * sigma, float(b_std - np.sum(w_std * mu * sigma))),
        "you multiplied by σ: a feature divided by σ needs its weight divided by σ too",
    ),
    Mistake(
        lambda w_std, b_std, mu, sigma: (w_std / sigma, float(b_std + np.sum(w_std * mu / sigma))),
        "your intercept's shift has the wrong sign: standardising subtracts μ",
    ),
    Mistake(
        lambda w_std, b_std, mu, sigma: (w_std / sigma, float(b_std - np.sum(w_std * mu))),
        "your slopes are right, but your intercept uses the standardised weights: the shift is in raw units",
    ),
    lambda w_std, b_std, mu, sigma: (w_std / sigma, b_std),  # forgot the intercept's shift
]

# --- Exercise 4: the largest learning rate that still converges -----------------------------------


def lr_limit() -> float:
    # On standardised x, one step maps (w - w*) to (1 - 2η)(w - w*) (and the same for b).
    # It shrinks when |1 - 2η| < 1, i.e. 0 < η < 1; at η = 1 it flips sign forever, above it grows.
    return 1.0


WRONG_Q4 = [
    Mistake(0.1, copy_of="cell 14's learning rate (it converges; the limit is another question)"),
    2.0,  # mixed up with the factor 2 in the gradient: at this rate gradient descent diverges
    0.5,  # the learning rate that converges fastest (one step), not the largest
    0.9,  # converges, but is not the limit
    -1.0,  # a sign slip: a negative rate steps uphill
    0.0,  # no step at all
    "1",  # a string, not a number
    torch.tensor(2.0),  # diverges, as a 0-dim tensor: must get the same diagnosis as 2.0
    np.float32(0.5),  # converges, as a NumPy scalar
]
