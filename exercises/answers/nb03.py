"""SPOILERS: the answers to notebook 03's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import numpy as np
import torch

from utils.exercises import Mistake

# --- Exercise 1: the sigmoid's second derivative -------------------------------------------------


def sigmoid_second_derivative(z: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(z)
    slope = s * (1 - s)  # σ' = σ(1 − σ)
    return slope * (1 - 2 * s)  # product rule: σ'(1 − σ) + σ(−σ') = σ'(1 − 2σ)


def _first_derivative(z):
    return torch.sigmoid(z) * (1 - torch.sigmoid(z))


def _one_factor_only(z):
    s = torch.sigmoid(z)
    return s * (1 - s) * (1 - s)  # differentiated the factor σ only, not (1 − σ)


WRONG_Q1 = [
    Mistake(
        _first_derivative,
        "that is σ', the first derivative, as cell 11 computes it: differentiate it once more",
        copy_of="cell 11's derivatives['sigmoid']",
    ),
    Mistake(
        lambda z: 1 - 2 * torch.sigmoid(z),
        "you differentiated σ(1 - σ) as if σ were the variable: σ depends on z, so the chain rule "
        "multiplies by σ' as well",
    ),
    Mistake(
        lambda z: -_first_derivative(z) * (1 - 2 * torch.sigmoid(z)),
        "every value has the wrong sign: check the sign of the derivative of (1 - σ)",
    ),
    Mistake(
        lambda z: _first_derivative(z) ** 2,
        "you multiplied σ' by itself: the product rule differentiates one factor at a time",
    ),
    Mistake(
        _one_factor_only,
        "you differentiated only one factor of σ(1 - σ): the product rule adds a term for each factor",
    ),
]

# --- Exercise 2: a stack of linear layers is one linear layer ----------------------------------------


def collapse(layers: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
    W, b = layers[0]
    for W_next, b_next in layers[1:]:
        # W_next (W x + b) + b_next = (W_next W) x + (W_next b + b_next)
        W, b = W_next @ W, W_next @ b + b_next
    return W, b


def _biases_left_out(layers):
    W = layers[0][0]
    for W_next, _ in layers[1:]:
        W = W_next @ W  # section 4's product of the weights
    return W, torch.zeros(W.shape[0])


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
        _biases_left_out,
        "your weight matrix is right, but the biases are left out, as section 4 did: "
        "they shift every layer's output",
        copy_of="cell 17's product of the weight matrices, without biases",
    ),
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
    Mistake(
        0.25,
        "that is the most one sigmoid lets through: the gradient passes ten of them",
        copy_of="cell 13's table: the largest σ' of one layer",
    ),
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


def _by_autograd(z, grad_output):
    z = z.clone().requires_grad_(True)
    torch.relu(z).backward(grad_output)  # autograd does the backward pass: not what the exercise asks
    return z.grad


WRONG_Q4 = [
    _by_autograd,
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
        copy_of="cell 11's derivatives['ReLU']",
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
