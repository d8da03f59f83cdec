"""Exercises of notebook 19 (image generation): the closed-form noising of a diffusion model, the
two losses of a GAN, the Fréchet distance of two Gaussians by hand, and the discriminator's loss at
the GAN equilibrium.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb19.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb19 as key
from utils.exercises import Exercise


def _alpha_bar(steps: int) -> torch.Tensor:
    """ᾱ_t of a linear β schedule (the notebook's, for `steps` steps)."""
    betas = torch.linspace(1e-4 * 1000 / steps, 0.02 * 1000 / steps, steps)
    return torch.cumprod(1 - betas, dim=0)


def _images(seed: int, shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g) * 2 - 1, torch.randn(shape, generator=g)


_X1, _N1 = _images(1, (3, 1, 4, 4))
_X2, _N2 = _images(2, (4, 1, 2, 3))
_X3, _N3 = _images(3, (2, 3, 2, 2))

q1 = Exercise(
    name="Exercise 1 (closed-form noising q(x_t | x_0))",
    reference=key.my_q_sample,
    hints=[
        "x_t is a weighted sum of the clean image and the noise: sqrt(ᾱ_t) times x_0 plus sqrt(1 - ᾱ_t) "
        "times ε. The weights are square roots, so that the variances add up to 1.",
        "Each image in the batch has its own step t[i], so pick ᾱ for every image with one indexing of "
        "alpha_bar by the tensor t: that gives a vector with one number per image.",
        "A vector of B numbers does not broadcast against a (B, C, H, W) batch: give it the shape "
        "(B, 1, 1, 1) first (reshape or view), then take the two square roots and combine.",
    ],
    cases=[
        (_X1, torch.tensor([0, 10, 49]), _N1, _alpha_bar(50)),
        (_X2, torch.tensor([3, 3, 0, 7]), _N2, _alpha_bar(8)),
        (_X3, torch.tensor([999, 500]), _N3, _alpha_bar(1000)),
    ],
    wrong=key.WRONG_Q1,
)

_G = torch.Generator().manual_seed(19)
q2 = Exercise(
    name="Exercise 2 (the discriminator's and the generator's losses)",
    reference=key.my_gan_losses,
    hints=[
        "D outputs a logit; the probability that an image is real is its sigmoid. The discriminator "
        "wants D(x) near 1 on real images and near 0 on generated ones: a binary cross-entropy with "
        "target 1 for d_real and target 0 for d_fake.",
        "log(sigmoid(s)) is F.logsigmoid(s), and log(1 - sigmoid(s)) = logsigmoid(-s): no overflow for "
        "large logits. Take the mean over each batch; the discriminator's loss is the sum of its two "
        "halves, each with a minus sign.",
        "The generator only sees d_fake: in the non-saturating form it wants the discriminator to call "
        "its images real, so its loss is the cross-entropy of d_fake with target 1. Return the two "
        "numbers as a tuple (loss_d, loss_g).",
    ],
    cases=[
        (torch.tensor([2.0, 1.0, 0.5]), torch.tensor([-1.0, 0.0, -3.0])),
        (torch.randn(16, generator=_G), torch.randn(16, generator=_G) - 1),
        (torch.tensor([8.0, 12.0]), torch.tensor([-9.0, 4.0])),
    ],
    wrong=key.WRONG_Q2,
)


def _diagnose_frechet(answer: object) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer < 0:
        return "a squared distance cannot be negative: check the signs of the trace terms"
    if answer < 25:
        return (
            "too small: the means alone are (3, 4) apart, so ||mu1 - mu2||² already contributes more, "
            "and the covariance term cannot be negative"
        )
    return None


q3 = Exercise(
    name="Exercise 3 (the Fréchet distance of two Gaussians, by hand)",
    reference=key.frechet_by_hand,
    hints=[
        "Two parts: the squared distance between the means, ||mu1 - mu2||², and a term that compares "
        "the covariances, Tr(Σ1 + Σ2 - 2 (Σ1 Σ2)^(1/2)).",
        "With diagonal covariances the dimensions are independent: the covariance term is a sum over "
        "dimensions of (s1 - s2)², where s is a standard deviation, the square root of a diagonal entry.",
        "The means differ by the vector (3, 4): its squared length is 3² + 4². The standard deviations "
        "are (1, 2) for the first Gaussian and (2, 1) for the second. Add the three squares per part.",
    ],
    diagnose=_diagnose_frechet,
    wrong=key.WRONG_Q3,
)


def _diagnose_equilibrium(answer: object) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer < 0:
        return "a cross-entropy is never negative: check the signs"
    return None


q4 = Exercise(
    name="Exercise 4 (the discriminator's loss at the equilibrium)",
    reference=key.equilibrium_d_loss,
    hints=[
        "At the equilibrium the generator's images follow the data distribution exactly, p_g = p_data. "
        "What is the best a discriminator can then say about any image? (Section 3 gives D*.)",
        "D*(x) = p_data(x) / (p_data(x) + p_g(x)): with p_g = p_data it is the same number for every image. "
        "Put it into both halves of the loss of Exercise 2.",
        "Each half is a cross-entropy -log(p) with the same p for every image, so its mean is -log(p); "
        "the discriminator's loss adds the two halves. Use the natural logarithm.",
    ],
    diagnose=_diagnose_equilibrium,
    wrong=key.WRONG_Q4,
)
