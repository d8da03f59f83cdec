"""Exercises of notebook 05 (backpropagation and the training loop): the chain rule for one neuron, a
numerical gradient, the five-line loop, and how many steps an epoch makes.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb05.py` (spoilers).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from exercises.answers import nb05 as key
from utils.exercises import Exercise

q1 = Exercise(
    name="Exercise 1 (the chain rule for one neuron)",
    reference=key.neuron_gradients,
    hints=[
        "Do the forward pass first: z from w, x and b, then a = tanh(z). The loss only sees a, and a "
        "only sees z.",
        "Three local derivatives, multiplied from the loss backwards: dL/da for the square, da/dz for "
        "tanh (write it with a, the neuron's output), and dz/dw or dz/db for the weighted input.",
        "dL/da = 2(a - y) and da/dz = 1 - a². Their product is dL/dz, which both answers share; then "
        "dz/dw = x and dz/db = 1. Return the pair (dL/dw, dL/db).",
    ],
    cases=[
        (0.5, -0.2, 2.0, 1.0),
        (-1.2, 0.3, 0.5, -1.0),
        (0.0, 0.0, 1.0, 0.5),
        (2.0, 1.0, -1.5, 0.2),
    ],
    wrong=key.WRONG_Q1,
)


class _Function:
    """A test function with a readable name in messages (the check shows `f` by this name)."""

    def __init__(self, name: str, function: Callable[[np.ndarray], float]) -> None:
        self.name, self.function = name, function

    def __call__(self, x: np.ndarray) -> float:
        return self.function(x)

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:  # a copy made by the check is the same function
        return isinstance(other, _Function) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


q2 = Exercise(
    name="Exercise 2 (a numerical gradient)",
    reference=key.numerical_gradient_of,
    hints=[
        "The answer has one entry per coordinate of x. For entry i, change only coordinate i, by +h "
        "and by -h, and leave every other coordinate as it is.",
        "Build the two nudged points as new arrays (x plus or minus h times the i-th unit vector), "
        "so that the caller's x stays untouched. An array of zeros shaped like x is a good start for both.",
        "Entry i is the difference of f at the two nudged points divided by their distance, which is "
        "twice h. Fill an array of x's shape, entry by entry, and return it.",
    ],
    cases=[
        (_Function("f(x) = sum(x**3)", lambda x: float(np.sum(x**3))), np.array([1.0, -2.0, 0.5]), 1e-3),
        (
            _Function("f(x) = x[0] * x[1] + sin(x[2])", lambda x: float(x[0] * x[1] + np.sin(x[2]))),
            np.array([0.3, -1.1, 2.0]),
            1e-3,
        ),
        (
            _Function("f(x) = exp(x[0]) + x[1]**2", lambda x: float(np.exp(x[0]) + x[1] ** 2)),
            np.array([0.5, 3.0]),
            1e-2,
        ),
        (_Function("f(x) = sum(x**2)", lambda x: float(np.sum(x**2))), np.array([4.0]), 1e-4),
    ],
    wrong=key.WRONG_Q2,
    atol=1e-7,
    rtol=1e-6,
)


def _training_case(
    n_in: int, n_out: int, loss_fn: nn.Module, lr: float, momentum: float, steps: int, seed: int
) -> tuple:
    """A small nn.Linear with fixed weights, a loss, an SGD optimizer on it, one batch, and a step count."""
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # building the layer must not move the caller's random state
        model = nn.Linear(n_in, n_out)
    with torch.no_grad():
        model.weight.copy_(0.5 * torch.randn(n_out, n_in, generator=generator))
        model.bias.copy_(0.1 * torch.randn(n_out, generator=generator))
    X = torch.randn(8, n_in, generator=generator)
    if isinstance(loss_fn, nn.CrossEntropyLoss):
        y = torch.randint(0, n_out, (8,), generator=generator)
    else:
        y = X @ torch.randn(n_in, n_out, generator=generator) + 0.1 * torch.randn(
            8, n_out, generator=generator
        )
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    return model, loss_fn, optimizer, X, y, steps


q3 = Exercise(
    name="Exercise 3 (the five-line loop)",
    reference=key.train_steps,
    hints=[
        "Each of the `steps` rounds does the same five things, in the order of section 8: forward, loss, "
        "backward, step, zero_grad.",
        "The loss of a round is loss_fn applied to the model's output on X and to y; backward() on it "
        "fills p.grad, step() uses p.grad, and zero_grad() clears it afterwards for the next round.",
        "Keep a list; at the end of each round append the loss of that round as a float (the .item() of "
        "the loss tensor); return the list after the loop.",
    ],
    cases=[
        _training_case(3, 1, nn.MSELoss(), lr=0.1, momentum=0.0, steps=5, seed=0),
        _training_case(4, 3, nn.CrossEntropyLoss(), lr=0.5, momentum=0.9, steps=6, seed=1),
        _training_case(2, 2, nn.MSELoss(), lr=0.05, momentum=0.0, steps=3, seed=2),
    ],
    wrong=key.WRONG_Q3,
    requires_autograd=True,
    keeps_inputs=False,  # training changes the model and the optimizer's state: that is the point
    atol=1e-6,
    rtol=1e-4,
)


def _diagnose_updates(answer: object) -> str | None:
    """Name the mistake in a wrong count without giving the count."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer != int(answer):
        return "a number of steps is a whole number"
    if answer <= 0:
        return "an epoch goes through every image, so it makes at least one step"
    if answer * 64 < 1000:
        return f"{int(answer)} batches of 64 hold at most {int(answer) * 64} images: some images would never be seen"
    return "that is more batches than 1,000 images can fill with 64 images each"


q4 = Exercise(
    name="Exercise 4 (updates per epoch)",
    reference=key.updates_per_epoch,
    hints=[
        "Each batch leads to exactly one step(). So count how many batches the DataLoader makes from "
        "1,000 images.",
        "Batches of 64: how many full batches fit in 1,000 images, and are any images left over?",
        "With drop_last=False the images left over after the last full batch form one more, smaller "
        "batch: count the full batches, then add that one.",
    ],
    diagnose=_diagnose_updates,
    wrong=key.WRONG_Q4,
)
