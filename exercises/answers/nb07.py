"""SPOILERS: the answers to notebook 07's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math

import torch

from utils.exercises import Mistake

# --- Exercise 1: update the running statistics ---------------------------------------------------


def update_running_stats(
    running_mean: torch.Tensor, running_var: torch.Tensor, x: torch.Tensor, momentum: float
) -> tuple[torch.Tensor, torch.Tensor]:
    batch_mean = x.mean(dim=0)
    batch_var = x.var(dim=0, correction=1)  # the running variance is the unbiased estimate
    new_mean = (1 - momentum) * running_mean + momentum * batch_mean
    new_var = (1 - momentum) * running_var + momentum * batch_var
    return new_mean, new_var


def _wrong_running_stats(correction: int = 1, swapped: bool = False, std: bool = False):
    def update(running_mean, running_var, x, momentum):
        keep, new = (momentum, 1 - momentum) if swapped else (1 - momentum, momentum)
        spread = x.std(dim=0, correction=correction) if std else x.var(dim=0, correction=correction)
        return keep * running_mean + new * x.mean(dim=0), keep * running_var + new * spread

    return update


def _in_place_update(running_mean, running_var, x, momentum):
    running_mean.mul_(1 - momentum).add_(momentum * x.mean(dim=0))
    running_var.mul_(1 - momentum).add_(momentum * x.var(dim=0))
    return running_mean, running_var


WRONG_Q1 = [
    Mistake(
        _wrong_running_stats(correction=0),
        "your running variance uses the biased batch variance (divided by m): PyTorch's running "
        "variance is the unbiased one, divided by m minus one",
    ),
    Mistake(
        _wrong_running_stats(swapped=True),
        "momentum is the weight of the NEW batch statistic in BatchNorm, not of the old running value "
        "(the opposite of an optimizer's momentum)",
    ),
    Mistake(
        _wrong_running_stats(std=True),
        "running_var averages variances, not standard deviations: no square root",
    ),
    _in_place_update,  # changes the caller's buffers: caught by the in-place check
    lambda running_mean, running_var, x, momentum: (x.mean(dim=0), x.var(dim=0)),  # forgets the past
]

# --- Exercise 2: eval-mode BN as an affine map ---------------------------------------------------


def bn_eval_affine(
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    eps: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    # y = gamma * (x - mean) / sqrt(var + eps) + beta = scale * x + shift
    scale = gamma / torch.sqrt(running_var + eps)
    shift = beta - scale * running_mean
    return scale, shift


WRONG_Q2 = [
    Mistake(
        lambda running_mean, running_var, gamma, beta, eps: (
            gamma / (running_var + eps),
            beta - gamma / (running_var + eps) * running_mean,
        ),
        "you divided by the variance: BN divides by the standard deviation, its square root",
    ),
    Mistake(
        lambda running_mean, running_var, gamma, beta, eps: (
            gamma / torch.sqrt(running_var + eps),
            beta + gamma / torch.sqrt(running_var + eps) * running_mean,
        ),
        "the mean enters the shift with the wrong sign: BN subtracts the mean",
    ),
    Mistake(
        lambda running_mean, running_var, gamma, beta, eps: (
            gamma / torch.sqrt(running_var + eps),
            beta - running_mean,
        ),
        "the mean is subtracted before the division and the multiplication by gamma, so the shift "
        "must be scaled too",
    ),
    Mistake(
        lambda running_mean, running_var, gamma, beta, eps: (
            gamma / torch.sqrt(running_var),
            beta - gamma / torch.sqrt(running_var) * running_mean,
        ),
        "you left out eps: it is added to the variance before the square root",
    ),
    Mistake(
        lambda running_mean, running_var, gamma, beta, eps: bn_eval_affine(
            running_mean, running_var, gamma, beta, eps
        )[::-1],
        "your two results are in the wrong order: return (scale, shift)",
    ),
]

# --- Exercise 3: a batch of two ------------------------------------------------------------------


def normalised_size() -> float:
    # mu = (x1 + x2) / 2, so x1 - mu = (x1 - x2) / 2 = d / 2; the biased variance is (d / 2)^2,
    # its square root |d| / 2: the normalised value is (d / 2) / (|d| / 2) = +1 or -1.
    return 1.0


WRONG_Q3 = [
    Mistake(
        math.sqrt(0.5),
        "that is what the unbiased variance (divided by m minus one) would give: BN normalises the batch "
        "with the biased one, divided by m",
    ),
    Mistake(0.5, "0.5 is x_1 - mu_B in units of |x_1 - x_2|: you still have to divide by sigma_B"),
    Mistake(0.0, "x_1 - mu_B is zero only for a batch of one: with two different values it is not"),
    2.0,  # divided by the variance instead of the standard deviation, on values 1 apart
    torch.tensor(0.5),  # the same mistake as 0.5, as a 0-dim tensor
]

# --- Exercise 4: a parameter that BN makes useless -----------------------------------------------


def removable() -> int:
    # The Linear layer's bias adds the same number to feature j of every example. BN subtracts the
    # batch mean (train mode) or the running mean (eval mode: it tracked the same shift), so the
    # bias cancels: 256 biases could be zero. gamma and beta are not redundant.
    return 256


WRONG_Q4 = [
    Mistake(
        512,
        "that also counts BN's gamma and beta: they set the scale and mean after the normalisation, "
        "so removing them changes the output",
    ),
    Mistake(
        0,
        "one group of parameters adds a constant to each feature, which BN then subtracts again: which one?",
    ),
    Mistake(784, "784 is the number of inputs: count parameters of the block, not input features"),
    Mistake(
        784 * 256,
        "those are the Linear layer's weights: they decide which inputs matter, BN cannot undo them",
    ),
    Mistake(256 * 3, "gamma and beta are not redundant: only one group of parameters is"),
    "256",  # a string, not a number
]
