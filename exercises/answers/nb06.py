"""SPOILERS: the answers to notebook 06's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message. Each
exercise asks for one variant past section 1's rules (Nesterov momentum, centered RMSprop, AdamW, warm
restarts), so the rule of section 1 copied as it is, is one of the wrong answers.
"""

import math

import torch

from utils.exercises import Mistake

# --- Exercise 1: one step of Nesterov momentum, as torch.optim.SGD(momentum=beta, nesterov=True) ----


def nesterov_step(theta, grad, velocity, lr, beta):
    new_velocity = beta * velocity + grad  # v ← βv + g, as for plain momentum
    return theta - lr * (grad + beta * new_velocity), new_velocity  # the step looks ahead: g + βv


def _nesterov(look_ahead="new", lr_inside=False, sign=-1.0):
    """Exercise 1's step with one variation: no look-ahead (plain momentum; a look-ahead with the old
    velocity comes to the same), the learning rate inside the velocity, or the step uphill."""

    def step(theta, grad, velocity, lr, beta):
        new_velocity = beta * velocity + (lr * grad if lr_inside else grad)
        if lr_inside:
            return theta + sign * (lr * grad + beta * new_velocity), new_velocity
        ahead = {"new": grad + beta * new_velocity, "none": new_velocity}
        return theta + sign * lr * ahead[look_ahead], new_velocity

    return step


def _nesterov_in_place(theta, grad, velocity, lr, beta):
    velocity.mul_(beta).add_(grad)  # changes the caller's velocity
    return theta - lr * (grad + beta * velocity), velocity


WRONG_Q1 = [
    Mistake(
        _nesterov(look_ahead="none"),
        "that is plain momentum, θ - ηv: with nesterov=True PyTorch steps along the gradient plus β times "
        "the new velocity",
        copy_of="cell 6's momentum",
    ),
    Mistake(
        lambda theta, grad, velocity, lr, beta: (nesterov_step(theta, grad, velocity, lr, beta)[0], velocity),
        "your new parameters are right, but the velocity you return is the old one: return the updated "
        "velocity, which the next step needs",
    ),
    Mistake(
        _nesterov(lr_inside=True),
        "you put the learning rate inside the velocity (the textbook form of section 4): PyTorch's velocity "
        "is βv + g, and η multiplies the whole step",
    ),
    Mistake(_nesterov(sign=1.0), "your step goes uphill: subtract it"),
    _nesterov_in_place,  # modifies its input: the check says so
    lambda theta, grad, velocity, lr, beta: theta - lr * (grad + beta * (beta * velocity + grad)),  # θ only
]

# --- Exercise 2: one step of centered RMSprop, as torch.optim.RMSprop(centered=True) ---------------


def rmsprop_centered_step(theta, grad, square_avg, grad_avg, lr, alpha, eps):
    new_square_avg = alpha * square_avg + (1 - alpha) * grad**2  # running mean of g²
    new_grad_avg = alpha * grad_avg + (1 - alpha) * grad  # running mean of g
    spread = (new_square_avg - new_grad_avg**2).sqrt()  # a running standard deviation of g
    return theta - lr * grad / (spread + eps), new_square_avg, new_grad_avg


def _centered(center="new", eps_inside=False, swapped=False):
    """Exercise 2's step with one variation: no centring, centring with the old mean of g, ε inside
    the root, or α and 1 - α swapped."""

    def step(theta, grad, square_avg, grad_avg, lr, alpha, eps):
        keep, new = (1 - alpha, alpha) if swapped else (alpha, 1 - alpha)
        new_square_avg = keep * square_avg + new * grad**2
        new_grad_avg = keep * grad_avg + new * grad
        mean = {"new": new_grad_avg, "old": grad_avg, "none": torch.zeros_like(grad)}[center]
        variance = new_square_avg - mean**2
        below = (variance + eps).sqrt() if eps_inside else variance.sqrt() + eps
        return theta - lr * grad / below, new_square_avg, new_grad_avg

    return step


def _plain_rmsprop(theta, grad, square_avg, grad_avg, lr, alpha, eps):
    new_square_avg = alpha * square_avg + (1 - alpha) * grad**2
    return theta - lr * grad / (new_square_avg.sqrt() + eps), new_square_avg


WRONG_Q2 = [
    Mistake(
        _plain_rmsprop,
        "that is plain RMSprop, which keeps one average: the centered form also keeps the running mean "
        "of g and returns it as the third result",
        copy_of="cell 6's rmsprop",
    ),
    Mistake(
        _centered(center="none"),
        "your step divides by the root of the mean square, as plain RMSprop does: the centered form "
        "takes the square of the running mean of g off first",
    ),
    Mistake(
        _centered(center="old"),
        "you centred with the old running mean of g: update both averages first, then use the new ones",
    ),
    Mistake(
        _centered(eps_inside=True),
        "you put ε inside the square root: torch.optim.RMSprop adds it after the root",
    ),
    Mistake(
        _centered(swapped=True),
        "α and 1 - α are swapped: α weighs the old averages (it is close to 1), 1 - α the new gradient",
    ),
]

# --- Exercise 3: one step of AdamW, as torch.optim.AdamW computes it -----------------------------


def adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    theta = theta * (1 - lr * weight_decay)  # decoupled weight decay: shrink the weights first
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * grad**2
    m_hat = new_m / (1 - beta1**t)
    v_hat = new_v / (1 - beta2**t)
    return theta - lr * m_hat / (v_hat.sqrt() + eps), new_m, new_v


def _adamw(decay="first", correct=True):
    """Exercise 3's step with one variation in the weight decay ("none", "L2" in the gradient,
    "no lr" in the shrink factor, "after" the Adam step) or without the bias correction."""

    def step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        if decay == "L2":
            grad = grad + weight_decay * theta
        shrink = {"first": 1 - lr * weight_decay, "no lr": 1 - weight_decay}.get(decay, 1.0)
        new_m = beta1 * m + (1 - beta1) * grad
        new_v = beta2 * v + (1 - beta2) * grad**2
        m_hat = new_m / (1 - beta1**t) if correct else new_m
        v_hat = new_v / (1 - beta2**t) if correct else new_v
        new_theta = theta * shrink - lr * m_hat / (v_hat.sqrt() + eps)
        if decay == "after":
            new_theta = new_theta * (1 - lr * weight_decay)
        return new_theta, new_m, new_v

    return step


WRONG_Q3 = [
    Mistake(
        _adamw(decay="none"),
        "that is Adam without any weight decay: AdamW also shrinks the weights in every step",
        copy_of="cell 6's adam",
    ),
    Mistake(
        _adamw(decay="L2"),
        "you added the decay to the gradient, which is Adam's L2 penalty (torch.optim.Adam's "
        "weight_decay): AdamW shrinks the weights directly, apart from the averages m and v",
    ),
    Mistake(
        _adamw(decay="no lr"),
        "your shrink factor leaves out the learning rate: in torch.optim.AdamW the decay is scaled by η too",
    ),
    Mistake(
        _adamw(decay="after"),
        "you shrank the weights after the Adam step: torch.optim.AdamW shrinks them first, then steps",
    ),
    Mistake(
        _adamw(correct=False),
        "your step has no bias correction: divide m by 1 - β1^t and v by 1 - β2^t before the step",
    ),
]

# --- Exercise 4: cosine annealing with warm restarts -------------------------------------------------


def lr_after_17_steps() -> float:
    # Cycles of 10, 20, 40 epochs (T_mult = 2): after 17 steps we are 7 epochs into the second
    # cycle, whose length is 20. Inside it, the cosine of section 8: ½ η0 (1 + cos(π · 7 / 20)).
    return 0.5 * 0.1 * (1 + math.cos(math.pi * 7 / 20))


WRONG_Q4 = [
    Mistake(
        0.5 * 0.1 * (1 + math.cos(math.pi * 17 / 100)),
        "that is section 8's cosine over the whole run, without restarts: this schedule starts again "
        "from η0 at the end of each cycle",
        copy_of="cell 37's cosine_schedule (no restarts)",
    ),
    Mistake(
        0.5 * 0.1 * (1 + math.cos(math.pi * 7 / 10)),
        "your cycles all have the same length: with T_mult = 2 each cycle lasts twice as long as the one "
        "before",
    ),
    Mistake(
        0.5 * 0.1 * (1 + math.cos(math.pi * 17 / 20)),
        "your position inside the cycle does not start again from 0 at the restart",
    ),
    Mistake(
        0.5 * 0.1 * (1 - math.cos(math.pi * 7 / 20)),
        "your schedule rises inside a cycle instead of falling: the cosine term is 1 + cos(·)",
    ),
    Mistake(
        0.5 * 0.1 * (1 + math.cos(math.radians(math.pi * 7 / 20))),
        "you took the cosine of an angle in radians as if it were degrees: math.cos expects radians",
    ),
    0.1,  # the initial learning rate: nothing changed
    torch.tensor(0.5 * 0.1 * (1 + math.cos(math.pi * 17 / 100))),  # the copy, as a 0-dim tensor
]
