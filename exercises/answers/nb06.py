"""SPOILERS: the answers to notebook 06's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math

import torch

from utils.exercises import Mistake

# --- Exercise 1: one step of momentum, as torch.optim.SGD(momentum=beta) computes it --------------


def momentum_step(theta, grad, velocity, lr, beta):
    new_velocity = beta * velocity + grad  # v ← βv + g
    return theta - lr * new_velocity, new_velocity  # θ ← θ − ηv


def _momentum_in_place(theta, grad, velocity, lr, beta):
    velocity.mul_(beta).add_(grad)  # changes the caller's velocity
    return theta - lr * velocity, velocity


WRONG_Q1 = [
    Mistake(
        lambda theta, grad, velocity, lr, beta: (
            theta - (beta * velocity + lr * grad),
            beta * velocity + lr * grad,
        ),
        "you put the learning rate inside the velocity (the textbook form of section 4): PyTorch's velocity "
        "is βv + g, and η multiplies it in the step",
    ),
    Mistake(
        lambda theta, grad, velocity, lr, beta: (
            theta - lr * (beta * velocity + (1 - beta) * grad),
            beta * velocity + (1 - beta) * grad,
        ),
        "your velocity is a running average, βv + (1 - β)g: PyTorch adds the whole gradient, βv + g",
    ),
    Mistake(
        lambda theta, grad, velocity, lr, beta: (theta - lr * velocity, beta * velocity + grad),
        "your step used the old velocity: update the velocity first, then step with the new one",
    ),
    Mistake(
        lambda theta, grad, velocity, lr, beta: (
            theta + lr * (beta * velocity + grad),
            beta * velocity + grad,
        ),
        "your step goes uphill: subtract η times the velocity",
    ),
    Mistake(
        lambda theta, grad, velocity, lr, beta: (theta - lr * (velocity + grad), velocity + grad),
        "the old velocity must decay: multiply it by β before adding the gradient",
    ),
    _momentum_in_place,  # modifies its input: the check says so
    lambda theta, grad, velocity, lr, beta: theta - lr * (beta * velocity + grad),  # only θ, not the pair
]

# --- Exercise 2: one step of RMSprop, as torch.optim.RMSprop computes it --------------------------


def rmsprop_step(theta, grad, square_avg, lr, alpha, eps):
    new_square_avg = alpha * square_avg + (1 - alpha) * grad**2  # s ← αs + (1 − α)g²
    return theta - lr * grad / (new_square_avg.sqrt() + eps), new_square_avg  # ε outside the root


def _rmsprop(average=lambda s, g, alpha: alpha * s + (1 - alpha) * g**2, denominator=None, use_old=False):
    def step(theta, grad, square_avg, lr, alpha, eps):
        new = average(square_avg, grad, alpha)
        s = square_avg if use_old else new
        below = denominator(s, eps) if denominator else s.sqrt() + eps
        return theta - lr * grad / below, new

    return step


WRONG_Q2 = [
    Mistake(
        _rmsprop(denominator=lambda s, eps: (s + eps).sqrt()),
        "you put ε inside the square root (the textbook form of section 4): torch.optim.RMSprop adds it "
        "after the root, √s + ε",
    ),
    Mistake(
        _rmsprop(average=lambda s, g, alpha: alpha * s + g**2),
        "the new squared gradient must be weighted by (1 - α), so that s stays an average",
    ),
    Mistake(
        _rmsprop(average=lambda s, g, alpha: (1 - alpha) * s + alpha * g**2),
        "α and 1 - α are swapped: α weighs the old average (it is close to 1), 1 - α the new squared gradient",
    ),
    Mistake(
        _rmsprop(denominator=lambda s, eps: s + eps),
        "you divided by the mean square itself: RMSprop divides by its square root",
    ),
    Mistake(
        _rmsprop(use_old=True),
        "your step used the old mean square: update it with this gradient first, then step",
    ),
    Mistake(
        _rmsprop(average=lambda s, g, alpha: alpha * s + (1 - alpha) * g),
        "you averaged the gradient, not its square: RMSprop keeps a running mean of g²",
    ),
]

# --- Exercise 3: one step of Adam, as torch.optim.Adam computes it ---------------------------------


def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    new_m = beta1 * m + (1 - beta1) * grad  # running mean of g
    new_v = beta2 * v + (1 - beta2) * grad**2  # running mean of g²
    m_hat = new_m / (1 - beta1**t)  # bias correction: both averages start at 0
    v_hat = new_v / (1 - beta2**t)
    return theta - lr * m_hat / (v_hat.sqrt() + eps), new_m, new_v


def _adam(correct_m=True, correct_v=True, power=lambda t: t, eps_inside=False, keep_hat=False):
    def step(theta, grad, m, v, t, lr, beta1, beta2, eps):
        new_m = beta1 * m + (1 - beta1) * grad
        new_v = beta2 * v + (1 - beta2) * grad**2
        m_hat = new_m / (1 - beta1 ** power(t)) if correct_m else new_m
        v_hat = new_v / (1 - beta2 ** power(t)) if correct_v else new_v
        below = (v_hat + eps).sqrt() if eps_inside else v_hat.sqrt() + eps
        theta = theta - lr * m_hat / below
        return (theta, m_hat, v_hat) if keep_hat else (theta, new_m, new_v)

    return step


WRONG_Q3 = [
    Mistake(
        _adam(correct_m=False, correct_v=False),
        "your step has no bias correction (the textbook form of section 4): divide m by 1 - β1^t and v by "
        "1 - β2^t before the step",
    ),
    Mistake(
        _adam(correct_v=False),
        "you corrected m but not v: both averages start at 0, so both need their bias correction",
    ),
    Mistake(
        _adam(correct_m=False),
        "you corrected v but not m: both averages start at 0, so both need their bias correction",
    ),
    Mistake(
        _adam(power=lambda t: t + 1),
        "your bias correction uses the wrong power: at step t (counting from 1) divide by 1 - β^t",
    ),
    Mistake(
        _adam(eps_inside=True),
        "you put ε inside the square root: torch.optim.Adam adds it after the root, √v̂ + ε",
    ),
    Mistake(
        _adam(keep_hat=True),
        "your step is right, but the state to keep is the raw averages m and v: the bias-corrected ones "
        "are only used for the step",
    ),
]

# --- Exercise 4: a cosine learning-rate schedule ----------------------------------------------------


def lr_epoch_25() -> float:
    # η_e = η_min + ½(η0 − η_min)(1 + cos(π e / T)) with η0 = 0.1, η_min = 0, e = 25, T = 100
    return 0.5 * 0.1 * (1 + math.cos(math.pi * 25 / 100))


WRONG_Q4 = [
    Mistake(0.075, "that is a straight-line decay from 0.1 to 0: a cosine falls more slowly at first"),
    Mistake(0.05, "that is the learning rate halfway through the run (epoch 50)"),
    Mistake(
        0.1 * math.cos(math.pi / 4),
        "you used η0·cos(πe/T): the cosine schedule is ½·η0·(1 + cos(πe/T)), which ends at 0 instead of "
        "below it",
    ),
    Mistake(
        0.05 * (1 - math.cos(math.pi / 4)),
        "your schedule rises instead of falling: the cosine term is 1 + cos(πe/T)",
    ),
    Mistake(
        0.05 * (1 + math.cos(math.radians(math.pi / 4))),
        "you took the cosine of π/4 as if it were degrees: math.cos expects radians",
    ),
    0.1,  # the initial learning rate: nothing changed
    torch.tensor(0.075),  # the linear decay, as a 0-dim tensor: must get the same message as 0.075
]
