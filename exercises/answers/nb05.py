"""SPOILERS: the answers to notebook 05's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math

import numpy as np

from utils.exercises import Mistake

# --- Exercise 1: the chain rule for one neuron -----------------------------------------------------


def neuron_gradients(w: float, b: float, x: float, y: float) -> tuple[float, float]:
    a = math.tanh(w * x + b)  # forward: z = wx + b, a = tanh(z)
    dL_dz = 2 * (a - y) * (1 - a**2)  # dL/da = 2(a - y), da/dz = 1 - a²
    return dL_dz * x, dL_dz  # dz/dw = x, dz/db = 1


def _neuron(local_tanh, outer=2.0, times_x=True):
    def gradients(w, b, x, y):
        z = w * x + b
        a = math.tanh(z)
        dL_dz = outer * (a - y) * local_tanh(z, a)
        return (dL_dz * x if times_x else dL_dz), dL_dz

    return gradients


WRONG_Q1 = [
    Mistake(
        _neuron(lambda z, a: 1.0),
        "the tanh step is missing from your chain: multiply by its local derivative da/dz",
    ),
    Mistake(
        _neuron(lambda z, a: 1 - z**2),
        "you wrote the derivative of tanh with z: it is 1 - tanh(z)², i.e. 1 - a² with the neuron's output a",
    ),
    Mistake(
        _neuron(lambda z, a: a * (1 - a)),
        "a(1 - a) is the derivative of the sigmoid; this neuron uses tanh",
    ),
    Mistake(
        _neuron(lambda z, a: 1 - a**2, outer=1.0),
        "both gradients are half their size: the derivative of (a - y)² is 2(a - y)",
    ),
    Mistake(
        _neuron(lambda z, a: 1 - a**2, outer=-2.0),
        "both gradients have the wrong sign: the loss is (a - y)², so dL/da = 2(a - y), not 2(y - a)",
    ),
    Mistake(
        _neuron(lambda z, a: 1 - a**2, times_x=False),
        "dL/dw is missing the last local derivative: z = wx + b changes with w at the rate x",
    ),
    Mistake(
        lambda w, b, x, y: neuron_gradients(w, b, x, y)[::-1],
        "your two gradients are in the wrong order: return (dL/dw, dL/db)",
    ),
    lambda w, b, x, y: neuron_gradients(w, b, x, y)[0],  # only dL/dw, not the pair
]

# --- Exercise 2: a numerical gradient by central differences --------------------------------------


def numerical_gradient_of(f, x: np.ndarray, h: float) -> np.ndarray:
    grad = np.zeros_like(x)
    for i in range(len(x)):
        step = np.zeros_like(x)
        step[i] = h  # h times the i-th unit vector
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def _one_sided(f, x, h):
    grad = np.zeros_like(x)
    for i in range(len(x)):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x)) / h
    return grad


def _over_h(f, x, h):
    return 2 * numerical_gradient_of(f, x, h)


def _all_at_once(f, x, h):
    return np.full_like(x, (f(x + h) - f(x - h)) / (2 * h))


def _in_place(f, x, h):  # nudges x itself and never puts it back
    grad = np.zeros_like(x)
    for i in range(len(x)):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        grad[i] = (plus - f(x)) / (2 * h)
    return grad


WRONG_Q2 = [
    Mistake(
        _one_sided,
        "that is the one-sided difference (f(x + h e_i) - f(x)) / h: the exercise asks for the central "
        "difference, which moves both ways and is far more accurate",
    ),
    Mistake(
        _over_h,
        "every value is twice too large: the two evaluations are 2h apart, so divide by 2h",
    ),
    Mistake(
        _all_at_once,
        "you moved every coordinate at once: nudge one coordinate at a time, so that each entry "
        "measures the slope along its own coordinate",
    ),
    _in_place,  # changes the caller's x: the check says so
    lambda f, x, h: f(x),  # the function's value, not its gradient
]

# --- Exercise 3: the five-line training loop --------------------------------------------------------


def train_steps(model, loss_fn, optimizer, X, y, steps: int) -> list[float]:
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(X), y)  # forward and loss
        loss.backward()  # backward
        optimizer.step()  # step
        optimizer.zero_grad()  # zero_grad
        losses.append(loss.item())
    return losses


def _without_zero_grad(model, loss_fn, optimizer, X, y, steps):
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def _zero_grad_before_step(model, loss_fn, optimizer, X, y, steps):
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return losses


def _loss_after_step(model, loss_fn, optimizer, X, y, steps):
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss_fn(model(X), y).item())
    return losses


def _without_backward(model, loss_fn, optimizer, X, y, steps):
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(X), y)
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


WRONG_Q3 = [
    Mistake(
        _without_zero_grad,
        "your losses match a loop without zero_grad(): p.grad keeps the gradients of all earlier steps, "
        "and each step repeats them",
    ),
    Mistake(
        _zero_grad_before_step,
        "the weights never change in your loop: step() must run after backward() has filled p.grad and "
        "before zero_grad() clears it",
    ),
    Mistake(
        _loss_after_step,
        "your losses are measured after each update: record the loss of the forward pass that the step "
        "was computed from",
    ),
    _without_backward,  # never calls backward(): the check says autograd was not used
    lambda model, loss_fn, optimizer, X, y, steps: train_steps(model, loss_fn, optimizer, X, y, steps)[-1],
    # the last loss only, not the list
]

# --- Exercise 4: optimizer steps in one epoch --------------------------------------------------------


def updates_per_epoch() -> int:
    # 1,000 images in batches of 64: 15 full batches (960 images) and one last batch of 40.
    # With drop_last=False the last batch is kept, and every batch makes one step: 16.
    return math.ceil(1000 / 64)


WRONG_Q4 = [
    Mistake(
        15,
        "you rounded down: the 40 images left after the last full batch still form a batch, and it "
        "makes a step too",
    ),
    Mistake(15.625, "a batch holds a whole number of images, and a step is taken per batch"),
    Mistake(64, "that is the batch size: the question asks how many batches make one epoch"),
    Mistake(1000, "that would be right with batch_size=1: here each step sees a batch of 64 images"),
    Mistake(
        1, "one step per epoch is full-batch gradient descent: the DataLoader splits the images into batches"
    ),
    17,  # one batch too many
    "16",  # a string, not a number
]
