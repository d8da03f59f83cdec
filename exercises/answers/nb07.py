"""SPOILERS: the answers to notebook 07's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message. Each
exercise goes one step past the notebook (BatchNorm2d's buffers, folding BN into the layer before it,
a batch other than a pair, a block with a convolution), so copying the nearest cell is a wrong answer.
"""

import torch

from utils.exercises import Mistake

# --- Exercise 1: BatchNorm2d's running statistics -------------------------------------------------


def update_running_stats_2d(
    running_mean: torch.Tensor, running_var: torch.Tensor, x: torch.Tensor, momentum: float
) -> tuple[torch.Tensor, torch.Tensor]:
    batch_mean = x.mean(dim=(0, 2, 3))  # one mean per channel: over the batch and every position
    batch_var = x.var(dim=(0, 2, 3), correction=1)  # unbiased, over the N·H·W numbers of a channel
    new_mean = (1 - momentum) * running_mean + momentum * batch_mean
    new_var = (1 - momentum) * running_var + momentum * batch_var
    return new_mean, new_var


def _running(dims=(0, 2, 3), correction=1, swapped=False, std=False, count_images_only=False):
    """Exercise 1's update with one variation: other dimensions, the biased variance, the weights
    swapped, a standard deviation, or the unbiased correction counted with the images only."""

    def update(running_mean, running_var, x, momentum):
        keep, new = (momentum, 1 - momentum) if swapped else (1 - momentum, momentum)
        if count_images_only:  # biased variance times N / (N - 1)
            spread = x.var(dim=dims, correction=0) * len(x) / (len(x) - 1)
        else:
            spread = x.std(dim=dims, correction=correction) if std else x.var(dim=dims, correction=correction)
        return keep * running_mean + new * x.mean(dim=dims), keep * running_var + new * spread

    return update


def _in_place_update(running_mean, running_var, x, momentum):
    running_mean.mul_(1 - momentum).add_(momentum * x.mean(dim=(0, 2, 3)))
    running_var.mul_(1 - momentum).add_(momentum * x.var(dim=(0, 2, 3)))
    return running_mean, running_var


WRONG_Q1 = [
    Mistake(  # (C, H, W) statistics do not broadcast with (C,) buffers: the learner sees that error
        _running(dims=0),
        copy_of="cell 11's running averages (statistics over dim 0, as for BatchNorm1d)",
    ),
    Mistake(
        _running(correction=0),
        "your running variance uses the biased batch variance: PyTorch's running variance is the unbiased one",
    ),
    Mistake(
        _running(count_images_only=True),
        "your unbiased correction counts the images only: a channel's variance is taken over every "
        "number of the channel, at every position of every image",
    ),
    Mistake(
        _running(swapped=True),
        "momentum is the weight of the NEW batch statistic in BatchNorm, not of the old running value",
    ),
    Mistake(_running(std=True), "running_var averages variances, not standard deviations: no square root"),
    _in_place_update,  # changes the caller's buffers: caught by the in-place check
]

# --- Exercise 2: fold eval-mode BN into the Linear layer before it ----------------------------------


def fold_bn(
    weight: torch.Tensor,
    bias: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    eps: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    # BN(z) = gamma * (z - mean) / sqrt(var + eps) + beta = scale * z + shift, per output feature j,
    # and z = W x + b: row j of W and entry j of b are multiplied by scale_j.
    scale = gamma / torch.sqrt(running_var + eps)
    return weight * scale[:, None], scale * (bias - running_mean) + beta


def _eval_bn(z, running_mean, running_var, gamma, beta, eps):
    return gamma * (z - running_mean) / torch.sqrt(running_var + eps) + beta


def _fold(root=True, eps_used=True, mean_sign=-1.0, bias_normalised=True):
    """Exercise 2's folding with one variation: the variance instead of the standard deviation, eps
    left out, the mean with the wrong sign, or the layer's bias added after BN instead of through it."""

    def fold(weight, bias, running_mean, running_var, gamma, beta, eps):
        spread = running_var + (eps if eps_used else 0.0)
        scale = gamma / (torch.sqrt(spread) if root else spread)
        if bias_normalised:
            return weight * scale[:, None], scale * (bias + mean_sign * running_mean) + beta
        return weight * scale[:, None], beta - scale * running_mean + bias

    return fold


WRONG_Q2 = [
    Mistake(
        lambda weight, bias, running_mean, running_var, gamma, beta, eps: (
            weight,
            _eval_bn(bias, running_mean, running_var, gamma, beta, eps),
        ),
        "you passed only the bias through BN: every output feature of the layer is scaled by BN, so "
        "the weights of that feature must be scaled too",
        copy_of="cell 14's batch_norm_eval, applied to the bias",
    ),
    Mistake(
        _fold(bias_normalised=False),
        "the layer's own bias goes through BN with the rest of its output: it is shifted and scaled too",
    ),
    Mistake(
        _fold(root=False),
        "you divided by the variance: BN divides by the standard deviation, its square root",
    ),
    Mistake(_fold(eps_used=False), "you left out eps: it is added to the variance before the square root"),
    Mistake(_fold(mean_sign=1.0), "the mean enters with the wrong sign: BN subtracts it"),
    lambda weight, bias, running_mean, running_var, gamma, beta, eps: fold_bn(
        weight, bias, running_mean, running_var, gamma, beta, eps
    )[::-1],  # the two results in the wrong order
]

# --- Exercise 3: a batch with one odd example ---------------------------------------------------


def odd_one_size() -> float:
    # Nine values 0 and one value d: mu = d / 10, so the odd one is 9d / 10 from the mean. The biased
    # variance is ((9d/10)² + 9 (d/10)²) / 10 = 9d² / 100, sigma = 3|d| / 10: |x̂| = (9/10) / (3/10).
    return 3.0


WRONG_Q3 = [
    Mistake(
        1.0,
        "that is the size for a batch of two (section 7): redo the computation for this batch of ten",
        copy_of="cell 33's batch of two (each normalised value ±1)",
    ),
    Mistake(
        9 / 10**0.5,
        "that is what the unbiased variance (divided by m minus one) gives: BN normalises the batch with "
        "the biased one, divided by m",
    ),
    Mistake(
        0.9, "that is the odd value's distance to the mean in units of d: you still have to divide by sigma_B"
    ),
    Mistake(1 / 3, "that is the size of each of the nine equal values, not of the odd one"),
    10.0,  # divided by the variance instead of the standard deviation
    torch.tensor(1.0),  # the pair's answer as a 0-dim tensor: the same message as 1.0
]

# --- Exercise 4: the parameters BN makes useless in a convolutional block ----------------------------


def removable() -> int:
    # Only a bias directly in front of a BN cancels: BN subtracts each channel's mean (batch or
    # running), and a constant added to a channel moves that mean by the same constant. The first
    # convolution's 64 biases cancel. The second's do not: a ReLU sits between it and the BN, and
    # ReLU(z + c) is not ReLU(z) + c. BN's gamma and beta act after the normalisation: not redundant.
    return 64


WRONG_Q4 = [
    Mistake(
        64 + 64 + 128 + 128,
        "that counts every parameter PyTorch names `bias`, BN's beta included: beta acts after the "
        "normalisation, and removing it changes the output",
        copy_of="cell 9's naming (β is BN's `bias`), counted over every layer",
    ),
    Mistake(
        64 + 128,
        "the second convolution's bias does not reach a BN directly: a ReLU sits between them, and a "
        "ReLU does not pass a constant shift through unchanged",
    ),
    Mistake(
        0,
        "one group of parameters adds a constant to each channel just before BN subtracts it again: which one?",
    ),
    Mistake(
        64 * 3 * 3 * 3 + 64,
        "that counts the first convolution's weights too: they decide which patterns a channel "
        "responds to, and BN cannot undo them",
    ),
    128,  # only the second convolution's biases
    "64",  # a string, not a number
]
