"""SPOILERS: the answers to notebook 19's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math

import torch
import torch.nn.functional as F

from utils.exercises import Mistake

# --- Exercise 1: the closed-form forward (noising) process q(x_t | x_0) ---------------------------


def my_q_sample(
    x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor
) -> torch.Tensor:
    a = alpha_bar[t].reshape(-1, *([1] * (x0.dim() - 1)))  # one ᾱ_t per image, broadcast over its pixels
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def _per_image(alpha_bar, t, x0):
    return alpha_bar[t].reshape(-1, *([1] * (x0.dim() - 1)))


WRONG_Q1 = [
    Mistake(
        lambda x0, t, noise, alpha_bar: (
            _per_image(alpha_bar, t, x0) * x0 + (1 - _per_image(alpha_bar, t, x0)) * noise
        ),
        "you weighted the image by ᾱ_t and the noise by 1 - ᾱ_t: those are variances; "
        "the image and the noise are multiplied by their square roots",
    ),
    Mistake(
        lambda x0, t, noise, alpha_bar: (
            (1 - _per_image(alpha_bar, t, x0)).sqrt() * x0 + _per_image(alpha_bar, t, x0).sqrt() * noise
        ),
        "the two weights are swapped: at t = 0 (ᾱ close to 1) x_t must be almost the clean image",
    ),
    Mistake(
        lambda x0, t, noise, alpha_bar: (
            _per_image(alpha_bar, t, x0).sqrt() * x0 + (1 - _per_image(alpha_bar, t, x0)) * noise
        ),
        "the noise is scaled by 1 - ᾱ_t: that is its variance; scale it by the square root",
    ),
    Mistake(
        lambda x0, t, noise, alpha_bar: alpha_bar[t[0]].sqrt() * x0 + (1 - alpha_bar[t[0]]).sqrt() * noise,
        "every image got the noise level of the first image's t: each image has its own t",
    ),
    Mistake(
        lambda x0, t, noise, alpha_bar: my_q_sample(x0, (t - 1).clamp(min=0), noise, alpha_bar),
        "off by one step: index alpha_bar with t itself (t counts from 0 here)",
    ),
    Mistake(
        lambda x0, t, noise, alpha_bar: _per_image(1 - alpha_bar, t, x0).sqrt() * noise,
        "your x_t holds only the noise: the image is still in it, scaled by the square root of ᾱ_t",
    ),
]

# --- Exercise 2: the discriminator's and the generator's losses ------------------------------------


def my_gan_losses(d_real: torch.Tensor, d_fake: torch.Tensor) -> tuple[float, float]:
    # log D(x) = logsigmoid(logit), log(1 - D(x)) = logsigmoid(-logit): stable for any logit
    loss_d = -(F.logsigmoid(d_real).mean() + F.logsigmoid(-d_fake).mean())
    loss_g = -F.logsigmoid(d_fake).mean()  # non-saturating: maximise log D(G(z))
    return loss_d.item(), loss_g.item()


WRONG_Q2 = [
    Mistake(
        lambda d_real, d_fake: (my_gan_losses(d_real, d_fake)[0], F.logsigmoid(-d_fake).mean().item()),
        "your generator loss is the minimax one, mean log(1 - D(G(z))): the exercise asks for the "
        "non-saturating loss, -mean log D(G(z)), whose gradient does not vanish when D wins",
    ),
    Mistake(
        lambda d_real, d_fake: (
            -(F.logsigmoid(-d_real).mean() + F.logsigmoid(d_fake).mean()).item(),
            my_gan_losses(d_real, d_fake)[1],
        ),
        "the discriminator's targets are swapped: real images are labelled 1, generated ones 0",
    ),
    Mistake(
        lambda d_real, d_fake: (my_gan_losses(d_real, d_fake)[0] / 2, my_gan_losses(d_real, d_fake)[1]),
        "you averaged the discriminator's two halves: add them, as the training loop does",
    ),
    Mistake(
        lambda d_real, d_fake: my_gan_losses(d_real, d_fake)[::-1],
        "your two losses are in the wrong order: return (loss_d, loss_g)",
    ),
    Mistake(
        lambda d_real, d_fake: (my_gan_losses(d_real, d_fake)[0], -F.logsigmoid(d_real).mean().item()),
        "the generator's loss must use D's logits on the generated images (d_fake), not on the real ones",
    ),
    Mistake(
        lambda d_real, d_fake: (
            -(F.logsigmoid(d_real).sum() + F.logsigmoid(-d_fake).sum()).item(),
            -F.logsigmoid(d_fake).sum().item(),
        ),
        "you summed over the batch: each loss is a mean over its images",
    ),
]

# --- Exercise 3: the Fréchet distance of two Gaussians, by hand ---------------------------------


def frechet_by_hand() -> float:
    # ||mu1 - mu2||² = 3² + 4² = 25; diagonal covariances: add (s1 - s2)² per dimension, with the
    # standard deviations s = (1, 2) and (2, 1): (1 - 2)² + (2 - 1)² = 2.
    return 27.0


WRONG_Q3 = [
    Mistake(25.0, "that is only the distance between the means: the covariances add a term too"),
    Mistake(
        43.0,
        "you compared the variances (the diagonal entries): the formula compares their square roots, "
        "the standard deviations",
    ),
    Mistake(
        math.sqrt(27.0),
        "FID and the Fréchet distance of the formula are the squared distance: no square root at the end",
    ),
    Mistake(35.0, "you left out the term -2 Tr((Σ1 Σ2)^(1/2))"),
    Mistake(19.0, "you used Tr(Σ1 Σ2) where the formula takes the square root of the product first"),
    7.0,  # ||mu1 - mu2|| (not squared) plus the covariance term
]

# --- Exercise 4: the discriminator's loss at the equilibrium -------------------------------------


def equilibrium_d_loss() -> float:
    # p_g = p_data: the best discriminator outputs D(x) = 1/2 everywhere, so each half of its loss
    # is -log(1/2) = log 2, and the two halves add up to 2 log 2 = log 4.
    return 2 * math.log(2)


WRONG_Q4 = [
    Mistake(math.log(2), "that is one half of the loss: the discriminator's loss adds two terms"),
    Mistake(0.5, "that is what the discriminator outputs at the equilibrium, not its loss"),
    Mistake(
        -2 * math.log(2),
        "wrong sign: that is the value V(D, G) of the minimax game; the loss is its negative, -V",
    ),
    Mistake(
        2 * math.log10(2),
        "that is the base-10 logarithm: cross-entropy losses (and PyTorch) use the natural logarithm",
    ),
    Mistake(2.0, "that is the base-2 logarithm (bits): cross-entropy losses use the natural logarithm"),
    0.0,  # a perfect discriminator's loss, not the equilibrium's
]
