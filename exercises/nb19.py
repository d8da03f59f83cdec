"""Exercises of notebook 19 (image generation): a jump of a diffusion model's forward process from
step s to step t, a GAN's two losses with one-sided label smoothing, the Fréchet distance of two
Gaussians by hand, and the best discriminator at the equilibrium when its real target is smoothed.

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


def _jump_cases(rng) -> list[tuple]:
    """Fresh (x_s, s, t, noise, alpha_bar) inputs with s <= t for every image."""
    cases = []
    for steps, shape in ((50, (3, 1, 4, 4)), (100, (4, 1, 2, 3)), (1000, (2, 3, 2, 2))):
        s = torch.from_numpy(rng.integers(0, steps, size=shape[0]))
        t = s + torch.from_numpy(rng.integers(0, steps, size=shape[0])) % (steps - s)
        x, noise = _images(int(rng.integers(1 << 30)), shape)
        cases.append((x, s, t, noise, _alpha_bar(steps)))
    return cases


_X1, _N1 = _images(1, (3, 1, 4, 4))
_X2, _N2 = _images(2, (4, 1, 2, 3))
_X3, _N3 = _images(3, (2, 3, 2, 2))

q1 = Exercise(
    name="Exercise 1 (a jump of the forward process, from step s to step t)",
    reference=key.my_q_jump,
    hints=[
        "Gaussian steps compose: each one-step move q(x_k | x_(k-1)) multiplies the signal by "
        "sqrt(α_k) and adds fresh noise. Which steps lie between x_s and x_t? (x_s has been through "
        "step s already.)",
        "The signal of x_s that survives those steps is scaled by the square root of the product of their "
        "α's. alpha_bar is a cumulative product, so that product is one entry of alpha_bar compared with "
        "another: which operation compares two products that share their first factors?",
        "Compute that factor per image (shape (B, 1, 1, 1), as in Exercise 1's closed form), then weight "
        "x_s and the noise so that the variances add up to 1. Check your function with s = t: it must "
        "return x_s unchanged.",
    ],
    cases=[
        (_X1, torch.tensor([0, 5, 20]), torch.tensor([10, 5, 49]), _N1, _alpha_bar(50)),
        (_X2, torch.tensor([10, 0, 30, 66]), torch.tensor([30, 70, 40, 99]), _N2, _alpha_bar(100)),
        (_X3, torch.tensor([400, 10]), torch.tensor([999, 500]), _N3, _alpha_bar(1000)),
    ],
    wrong=key.WRONG_Q1,
    hidden=_jump_cases,
)


def _gan_cases(rng) -> list[tuple]:
    """Fresh (d_real, d_fake, smooth) inputs with a soft target between 0.7 and 1."""
    g = torch.Generator().manual_seed(int(rng.integers(1 << 30)))
    return [
        (
            torch.randn(n, generator=g) * 3 + 1,
            torch.randn(n, generator=g) * 3 - 1,
            float(rng.uniform(0.7, 1.0)),
        )
        for n in (3, 16, 5)
    ]


_G = torch.Generator().manual_seed(19)
q2 = Exercise(
    name="Exercise 2 (the two losses of a GAN, with one-sided label smoothing)",
    reference=key.my_gan_losses,
    hints=[
        "D outputs a logit; its sigmoid is the probability that an image is real. With label smoothing the "
        "discriminator's target on real images is the number `smooth` instead of 1; generated images keep "
        "the target 0, and the generator's loss does not change.",
        "A binary cross-entropy with a target y between 0 and 1 is -(y log D + (1 - y) log(1 - D)). "
        "log D = F.logsigmoid(logit) and log(1 - D) = F.logsigmoid(-logit): no overflow for large logits.",
        "Average each cross-entropy over its batch; the discriminator's loss adds its real and generated "
        "halves; the generator's is the cross-entropy of d_fake with target 1. Return two Python floats "
        "(loss_d, loss_g).",
    ],
    cases=[
        (torch.tensor([2.0, 1.0, 0.5]), torch.tensor([-1.0, 0.0, -3.0]), 0.9),
        (torch.randn(16, generator=_G), torch.randn(16, generator=_G) - 1, 0.8),
        (torch.tensor([8.0, 12.0]), torch.tensor([-9.0, 4.0]), 1.0),
        (torch.randn(5, generator=_G) * 3, torch.randn(5, generator=_G), 0.7),
    ],
    wrong=key.WRONG_Q2,
    hidden=_gan_cases,
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
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return None
    d_star, loss = answer
    if isinstance(d_star, (int, float)) and not 0 < d_star < 1:
        return "D*(x) is a probability: strictly between 0 and 1"
    if isinstance(loss, (int, float)) and loss < 0:
        return "a cross-entropy is never negative: check the signs"
    return None


q4 = Exercise(
    name="Exercise 4 (the best discriminator at the equilibrium, with label smoothing)",
    reference=key.equilibrium_with_smoothing,
    hints=[
        "At the equilibrium p_g = p_data. For one image x, the discriminator's expected loss is "
        "p_data(x) times the real images' cross-entropy (soft target `smooth`) plus p_g(x) times the "
        "generated images' one (target 0). D*(x) is the D that minimises it.",
        "Differentiate p_data (-(y log D + (1 - y) log(1 - D))) + p_g (-log(1 - D)) with respect to D and set "
        "it to 0: the (1 - y) terms collect with p_g. Solve for D, then put p_g = p_data.",
        "D* is the same number for every image, so each half of the loss is that half's cross-entropy "
        "evaluated at D*. Add the two halves (natural logarithm) and give (D*, loss) with 4 significant digits.",
    ],
    diagnose=_diagnose_equilibrium,
    wrong=key.WRONG_Q4,
    rtol=5e-4,
)
