"""Exercises of notebook 05 (backpropagation and the training loop): the chain rule for a sigmoid
neuron, the numerical Jacobian of a layer, gradient accumulation, and how many steps it makes.

What is here a learner may read: names, graded hints, test inputs and diagnoses. The answers are in
`exercises/answers/nb05.py` (spoilers). Every test input is a number or a float64 tensor, so a
teacher's grader can send them to a learner's kernel.
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb05 as key
from utils.exercises import Exercise

q1 = Exercise(
    name="Exercise 1 (the chain rule for a sigmoid neuron)",
    reference=key.neuron_gradients,
    hints=[
        "Do the forward pass first: z from w, x and b, then a = σ(z) = 1 / (1 + e^(-z)). The loss only "
        "sees a, and a only sees z.",
        "Three local derivatives, multiplied from the loss backwards: dL/da for the square, da/dz for the "
        "sigmoid, and dz/dw or dz/db for the weighted input. Their first two factors are shared.",
        "The sigmoid's derivative can be written with its output a alone (notebook 03 derived it). "
        "Multiply it by dL/da to get dL/dz, then by dz/dw and dz/db; return the pair (dL/dw, dL/db).",
    ],
    cases=[
        (0.5, -0.2, 2.0, 1.0),
        (-1.2, 0.3, 0.5, 0.0),
        (0.0, 0.0, 1.0, 0.5),
        (2.0, 1.0, -1.5, 0.2),
    ],
    wrong=key.WRONG_Q1,
    forbids_autograd=True,  # the prompt asks for the chain rule by hand
)


def _tensor(rows: list) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.float64)


q2 = Exercise(
    name="Exercise 2 (the numerical Jacobian of a layer)",
    reference=key.numerical_jacobian,
    hints=[
        "The answer has one column per input x_i: nudge x_i alone by +h and by -h (on new tensors, x "
        "stays untouched) and run the whole layer at both points.",
        "Each run gives all the outputs at once, a vector with one entry per output. The difference of "
        "the two runs, divided by the distance between the two points, is column i.",
        "Collect the columns in a list, one per input, and put them side by side with torch.stack, so "
        "that entry [j, i] is the slope of output j along input i.",
    ],
    cases=[
        (
            _tensor([[0.5, -1.0], [2.0, 0.3], [-0.7, 0.8]]),
            _tensor([0.1, -0.2, 0.0]),
            _tensor([0.4, -0.6]),
            1e-3,
        ),
        (
            _tensor([[0.2, -0.5, 1.0, 0.3], [1.5, 0.0, -0.4, 0.9]]),
            _tensor([0.3, -1.0]),
            _tensor([1.0, 0.5, -0.5, 2.0]),
            1e-2,
        ),
        (
            _tensor([[1.0, 0.5, -1.0], [0.0, 2.0, 0.5], [-1.5, 0.3, 0.8]]),
            _tensor([0.0, 0.2, -0.3]),
            _tensor([0.3, -0.4, 0.9]),
            0.5,
        ),
        (_tensor([[0.8, -0.3, 0.6]]), _tensor([0.5]), _tensor([-1.0, 0.0, 1.0]), 1e-4),
    ],
    wrong=key.WRONG_Q2,
    forbids_autograd=True,  # finite differences: two forward passes per input, no chain rule
    atol=1e-9,
    rtol=1e-7,
)


def _batches(d: int, count: int, size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A start w0 (d,), `count` batches X (count, size, d) and their targets y (count, size), float64."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(count, size, d, generator=generator, dtype=torch.float64)
    true_w = torch.randn(d, generator=generator, dtype=torch.float64)
    y = X @ true_w + 0.1 * torch.randn(count, size, generator=generator, dtype=torch.float64)
    return 0.1 * torch.randn(d, generator=generator, dtype=torch.float64), X, y


q3 = Exercise(
    name="Exercise 3 (gradient accumulation)",
    reference=key.train_accumulated,
    hints=[
        "backward() adds to w.grad (section 2): run it on k batches in a row without clearing w.grad, and "
        "w.grad holds the sum of their k gradients. Step and clear only after every k-th batch.",
        "One large batch of all k batches' examples would use the mean of their gradients. Scale each "
        "batch's loss before backward() so that the k contributions add up to that mean.",
        "Work on a clone of w0 that requires grad. The step changes w without being recorded: do it "
        "in a block where autograd records nothing, then clear w.grad; return the final weights detached "
        "from the graph.",
    ],
    cases=[
        (*_batches(d=3, count=4, size=5, seed=0), 0.1, 2),
        (*_batches(d=2, count=6, size=3, seed=1), 0.05, 3),
        (*_batches(d=4, count=4, size=8, seed=2), 0.2, 4),
        (*_batches(d=2, count=3, size=4, seed=3), 0.1, 1),  # k = 1: the plain loop
    ],
    wrong=key.WRONG_Q3,
    requires_autograd=True,  # the prompt asks for backward()
    atol=1e-9,
    rtol=1e-7,
)


def _diagnose_steps(answer: object) -> str | None:
    """Name the mistake in a wrong count without giving the count."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer != int(answer):
        return "a number of steps is a whole number"
    if answer <= 0:
        return "every group of batches ends in a step, so three epochs make at least three steps"
    if answer > 3 * math.ceil(1000 / 48):
        return "that is more steps than the three epochs have batches: a step needs at least one batch"
    return None


q4 = Exercise(
    name="Exercise 4 (steps with accumulation)",
    reference=key.steps_in_three_epochs,
    hints=[
        "Count the batches of one epoch first: how many batches of 48 does the DataLoader make from "
        "1,000 images, and what happens to the images left over when drop_last=False?",
        "Then cut one epoch's batches into groups of k = 4, in order. Each group ends in one step(), the "
        "shorter group at the end of the epoch too; the next epoch starts a new group.",
        "Steps per epoch times the number of epochs. You can check your count by running the loop's "
        "condition over range(number of batches) in Python and counting the steps.",
    ],
    diagnose=_diagnose_steps,
    wrong=key.WRONG_Q4,
)
