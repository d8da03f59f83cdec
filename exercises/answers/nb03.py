"""SPOILERS: the answers to notebook 03's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import numpy as np
import torch

from utils.exercises import Mistake

# --- Exercise 1: the derivative of the sigmoid -------------------------------------------------------


def sigmoid_derivative(z: torch.Tensor) -> torch.Tensor:
    s = 1 / (1 + torch.exp(-z))  # σ(z)
    return s * (1 - s)  # σ'(z) = σ(z) (1 − σ(z))


WRONG_Q1 = [
    Mistake(
        lambda z: z * (1 - z),
        "you put z itself into s (1 - s): compute s = σ(z) first, then the product",
    ),
    Mistake(
        lambda z: 1 - torch.sigmoid(z) ** 2,
        "that is 1 - σ², the pattern of tanh's derivative (1 - tanh²): the sigmoid's derivative is a product",
    ),
    Mistake(lambda z: torch.sigmoid(z), "that is σ(z) itself, not its derivative"),
    Mistake(
        lambda z: torch.exp(-z) / (1 + torch.exp(-z)),
        "the quotient rule gives e^(-z) / (1 + e^(-z))²: your denominator is not squared",
    ),
    Mistake(
        lambda z: torch.sigmoid(z) * (1 + torch.sigmoid(z)),
        "a sign slip: the derivative is σ(z) times (1 minus σ(z))",
    ),
    lambda z: (
        torch.sigmoid(z).detach().numpy() * (1 - torch.sigmoid(z).detach().numpy())
    ),  # NumPy, not a tensor
]

# --- Exercise 2: a stack of linear layers is one linear layer ----------------------------------------


def collapse(layers: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
    W, b = layers[0]
    for W_next, b_next in layers[1:]:
        # W_next (W x + b) + b_next = (W_next W) x + (W_next b + b_next)
        W, b = W_next @ W, W_next @ b + b_next
    return W, b


def _biases_added(layers):
    W, b = layers[0]
    for W_next, b_next in layers[1:]:
        W, b = W_next @ W, b + b_next
    return W, b


def _last_bias_only(layers):
    W = layers[0][0]
    for W_next, _ in layers[1:]:
        W = W_next @ W
    return W, layers[-1][1]


def _wrong_order(layers):
    W, b = layers[0]
    for W_next, b_next in layers[1:]:
        W, b = W @ W_next, W_next @ b + b_next
    return W, b


WRONG_Q2 = [
    Mistake(
        _last_bias_only,
        "your weight matrix is right, but you kept only the last layer's bias: the earlier biases shift "
        "the output too",
    ),
    _biases_added,  # the biases added as they are (a shape error, or wrong values when all layers are square)
    _wrong_order,  # W @ W_next: the layers multiplied in the wrong order (a shape error, or wrong values)
    lambda layers: collapse(layers)[0],  # only the weight matrix, not the pair (W, b)
]

# --- Exercise 3: the most a stack of sigmoids lets through -------------------------------------------


def sigmoid_gain_10_layers() -> float:
    # σ'(z) = σ(z)(1 − σ(z)) is largest at z = 0, where σ = 1/2: σ'(0) = 1/4.
    # Ten layers multiply ten such factors: at most (1/4)^10.
    return 0.25**10


WRONG_Q3 = [
    Mistake(0.25, "that is the most one sigmoid lets through: the gradient passes ten of them"),
    Mistake(2.5, "you added the ten factors: the chain rule multiplies them"),
    Mistake(0.5**10, "0.5 is σ(0), the sigmoid's value at 0: the gradient is multiplied by its derivative"),
    Mistake(1.0, "that is what ReLU lets through where it is active, not the sigmoid"),
    0.25**9,  # one layer short
    np.float64(0.25),  # one layer, as a NumPy number
]

# --- Exercise 4: the backward pass of ReLU ----------------------------------------------------------


def relu_backward(z: torch.Tensor, grad_output: torch.Tensor) -> torch.Tensor:
    # Chain rule: dL/dz = dL/dReLU(z) · ReLU'(z), with ReLU'(z) = 1 where z > 0 and 0 elsewhere (z = 0 too).
    return grad_output * (z > 0)


WRONG_Q4 = [
    Mistake(
        lambda z, grad_output: grad_output * z,
        "you multiplied by z: the backward pass multiplies by ReLU's derivative, which is 0 or 1",
    ),
    Mistake(
        lambda z, grad_output: grad_output * torch.relu(z),
        "you multiplied by ReLU(z), the forward output: the backward pass multiplies by the derivative, 0 or 1",
    ),
    Mistake(
        lambda z, grad_output: (z > 0).float(),
        "that is ReLU's derivative alone: the chain rule multiplies it by the incoming gradient grad_output",
    ),
    Mistake(
        lambda z, grad_output: grad_output * (z >= 0),
        "at z = 0 exactly, PyTorch takes ReLU's derivative as 0 (the unit is off): "
        "let only strictly positive z pass",
    ),
    Mistake(
        lambda z, grad_output: torch.relu(grad_output),
        "you applied ReLU to the gradient: which entries pass depends on the sign of the forward input z, "
        "not on the sign of the gradient",
    ),
]
