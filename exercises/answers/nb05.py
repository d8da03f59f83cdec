"""SPOILERS: the answers to notebook 05's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message. The wrong
answers of exercises 1 to 3 come from one small factory each (`_neuron`, `_jacobian`, `_loop`): the
right computation with one named variation.
"""

import math

import torch

from utils.exercises import Mistake

# --- Exercise 1: the chain rule for a sigmoid neuron -----------------------------------------------


def neuron_gradients(w: float, b: float, x: float, y: float) -> tuple[float, float]:
    a = 1 / (1 + math.exp(-(w * x + b)))  # forward: z = wx + b, a = σ(z)
    dL_dz = 2 * (a - y) * a * (1 - a)  # dL/da = 2(a − y), da/dz = σ(z)(1 − σ(z)) = a(1 − a)
    return dL_dz * x, dL_dz  # dz/dw = x, dz/db = 1


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def _neuron(local=lambda z, a: a * (1 - a), activation=_sigmoid, outer=2.0, times_x=True):
    """Exercise 1's computation with one variation: the local derivative, the activation, the outer
    factor of the square's derivative, or dL/dw without its last factor x."""

    def gradients(w, b, x, y):
        z = w * x + b
        a = activation(z)
        dL_dz = outer * (a - y) * local(z, a)
        return (dL_dz * x if times_x else dL_dz), dL_dz

    return gradients


WRONG_Q1 = [
    Mistake(
        _neuron(local=lambda z, a: 1 - a**2, activation=math.tanh),
        "your gradients are those of section 1's tanh neuron: this neuron uses the sigmoid, which "
        "changes both the forward pass and the local derivative da/dz",
        copy_of="cell 6's forward and backward pass (a tanh neuron)",
    ),
    Mistake(
        _neuron(local=lambda z, a: 1 - a**2),
        "your forward pass uses the sigmoid, but your local derivative da/dz is tanh's: the sigmoid's "
        "is another expression in its output a (notebook 03)",
    ),
    Mistake(
        _neuron(local=lambda z, a: 1.0),
        "the activation's step is missing from your chain: multiply by its local derivative da/dz",
    ),
    Mistake(
        _neuron(local=lambda z, a: z * (1 - z)),
        "you wrote the sigmoid's derivative with z where its output a belongs",
    ),
    Mistake(
        _neuron(outer=1.0),
        "check the first factor of your chain, the derivative of the square (a - y)² with respect to a",
    ),
    Mistake(
        _neuron(outer=-2.0),
        "both gradients have the wrong sign: the loss is (a - y)², so differentiate it with respect to a, "
        "not to y",
    ),
    Mistake(
        _neuron(times_x=False),
        "dL/dw is missing the last local derivative: how fast does z = wx + b change with w?",
    ),
    Mistake(
        lambda w, b, x, y: neuron_gradients(w, b, x, y)[::-1],
        "your two gradients are in the wrong order: return (dL/dw, dL/db)",
    ),
    lambda w, b, x, y: neuron_gradients(w, b, x, y)[0],  # only dL/dw, not the pair
]

# --- Exercise 2: the numerical Jacobian of a tanh layer --------------------------------------------


def numerical_jacobian(W: torch.Tensor, b: torch.Tensor, x: torch.Tensor, h: float) -> torch.Tensor:
    def layer(v):
        return torch.tanh(W @ v + b)

    columns = []
    for i in range(len(x)):
        nudge = torch.zeros_like(x)
        nudge[i] = h  # h times the i-th unit vector: a new tensor, x stays as it is
        columns.append((layer(x + nudge) - layer(x - nudge)) / (2 * h))  # every output, for input i
    return torch.stack(columns, dim=1)  # J[j, i] = ∂a_j / ∂x_i: one row per output, one column per input


def _jacobian(one_sided=False, divide=2.0, stack_dim=1, reduce=None, all_at_once=False):
    """Exercise 2's computation with one variation: a one-sided difference, another divisor, the
    columns stacked as rows, the outputs summed into one number (a loss, as in section 5), or every
    input nudged at once."""

    def jacobian(W, b, x, h):
        def layer(v):
            out = torch.tanh(W @ v + b)
            return out.sum() if reduce == "sum" else out

        columns = []
        for i in range(len(x)):
            nudge = torch.full_like(x, h) if all_at_once else torch.zeros_like(x)
            nudge[i] = h
            low = layer(x) if one_sided else layer(x - nudge)
            columns.append((layer(x + nudge) - low) / (divide * h if not one_sided else h))
        return torch.stack(columns, dim=stack_dim if reduce is None else 0)

    return jacobian


def _exact_jacobian(W, b, x, h):
    a = torch.tanh(W @ x + b)
    return (1 - a**2)[:, None] * W  # the derivative itself, not a finite difference


WRONG_Q2 = [
    Mistake(
        _jacobian(reduce="sum"),
        "you returned one number per input, as section 5 did for a loss: this layer has several outputs, "
        "and its Jacobian has one row per output and one column per input",
        copy_of="cell 23's numerical_gradient (the slope of one number, the loss)",
    ),
    Mistake(
        _jacobian(stack_dim=0),
        "your rows and columns are swapped: row j holds the derivatives of output j, column i those "
        "with respect to input i",
    ),
    Mistake(
        _jacobian(one_sided=True),
        "that is the one-sided difference (a(x + h e_i) - a(x)) / h: the exercise asks for the central "
        "difference, which moves both ways",
    ),
    Mistake(
        _jacobian(divide=1.0),
        "check what you divide by: the distance between the two points at which you evaluate the layer",
    ),
    Mistake(
        _jacobian(all_at_once=True),
        "you moved every input at once: nudge one input at a time, so that each column measures the "
        "slope along its own input",
    ),
    Mistake(
        _exact_jacobian,
        "your values are the exact derivatives: the exercise asks for the central differences with the "
        "given step h, which differ from them when h is not small",
    ),
]

# --- Exercise 3: gradient accumulation --------------------------------------------------------------


def train_accumulated(w0: torch.Tensor, X: torch.Tensor, y: torch.Tensor, lr: float, k: int) -> torch.Tensor:
    w = w0.clone().requires_grad_(True)  # a copy: the caller's w0 stays as it is
    for i in range(len(X)):
        loss = ((X[i] @ w - y[i]) ** 2).mean() / k  # forward and loss, a k-th of it: k of them make one mean
        loss.backward()  # adds this batch's share to w.grad
        if (i + 1) % k == 0:  # the k-th batch of a group: one step with the gradient of the whole group
            with torch.no_grad():
                w -= lr * w.grad
            w.grad.zero_()
    return w.detach()


def _loop(every=None, divide=True, zero="after step"):
    """Exercise 3's loop with one variation: a step every `every` batches instead of every k, no
    division of the loss by k, or w.grad cleared after every batch ("each batch") or never ("never")."""

    def train(w0, X, y, lr, k):
        w = w0.clone().requires_grad_(True)
        group = every or k
        for i in range(len(X)):
            loss = ((X[i] @ w - y[i]) ** 2).mean()
            (loss / k if divide else loss).backward()
            if (i + 1) % group == 0:
                with torch.no_grad():
                    w -= lr * w.grad
                if zero == "after step":
                    w.grad.zero_()
            if zero == "each batch":
                w.grad.zero_()
        return w.detach()

    return train


WRONG_Q3 = [
    Mistake(
        _loop(every=1, divide=False),
        "your loop takes a step after every batch, as section 8's loop does: here the gradients of k "
        "batches are added up first, and one step uses them all",
        copy_of="cell 36's train (one step per batch)",
    ),
    Mistake(
        _loop(divide=False),
        "your step uses the sum of the k batches' gradients: scale each batch's loss so that the step "
        "uses their mean, as one large batch of all their examples would",
    ),
    Mistake(
        _loop(zero="each batch"),
        "you cleared w.grad after every batch: the step then sees only the last batch of its group",
    ),
    Mistake(
        _loop(zero="never"),
        "w.grad is never cleared after a step: every later step repeats the gradients of all earlier "
        "groups (section 11)",
    ),
    _loop(every=1),  # a step after every batch, with the loss divided by k
]

# --- Exercise 4: optimizer steps with accumulation ---------------------------------------------------


def steps_in_three_epochs() -> int:
    # 1,000 images in batches of 48: 20 full batches and one of 40, so 21 batches per epoch.
    # Groups of 4 batches: five full groups and one group of a single batch, each ending in a step: 6.
    # The groups start again every epoch: 3 × 6.
    return 3 * math.ceil(math.ceil(1000 / 48) / 4)


WRONG_Q4 = [
    Mistake(
        3 * math.ceil(1000 / 48),
        "that counts one step per batch, as in section 8's loop: with accumulation, one step takes a "
        "group of batches",
        copy_of="cell 33's len(loader), one step per batch",
    ),
    Mistake(
        15,
        "too few: here nothing is dropped, neither the smaller last batch (drop_last=False) nor the "
        "shorter last group of an epoch, which ends in a step too",
    ),
    Mistake(
        math.ceil(3 * 1000 / (48 * 4)),
        "the groups do not run on across epochs: each epoch ends with a step and the next one starts a "
        "new group",
    ),
    Mistake(
        3 * 1000 / (48 * 4),
        "a number of steps is a whole number: count batches and groups, do not divide images",
    ),
    6,  # one epoch only
    60,  # one step per batch, and the last, smaller batch dropped
    "18",  # a string, not a number
]
