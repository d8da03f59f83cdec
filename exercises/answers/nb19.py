"""SPOILERS: the answers to notebook 19's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math

import torch
import torch.nn.functional as F

from utils.exercises import Mistake

# --- Exercise 1: a jump of the forward process from step s to step t, q(x_t | x_s) ---------------


def my_q_jump(
    x_s: torch.Tensor, s: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor
) -> torch.Tensor:
    # x_s already holds steps 0..s; steps s+1..t multiply the signal by the product of their α,
    # which is alpha_bar[t] / alpha_bar[s] (a ratio of two cumulative products).
    ratio = (alpha_bar[t] / alpha_bar[s]).reshape(-1, *([1] * (x_s.dim() - 1)))
    return ratio.sqrt() * x_s + (1 - ratio).sqrt() * noise


def _per_image(values, x):
    return values.reshape(-1, *([1] * (x.dim() - 1)))


def _from_x0(x_s, s, t, noise, alpha_bar):
    a = _per_image(alpha_bar[t], x_s)
    return a.sqrt() * x_s + (1 - a).sqrt() * noise


def _one_step_early(x_s, s, t, noise, alpha_bar):
    before = torch.cat([torch.ones(1), alpha_bar])[s]  # ᾱ_{s-1}, with ᾱ_{-1} = 1
    ratio = _per_image(alpha_bar[t] / before, x_s)
    return ratio.sqrt() * x_s + (1 - ratio).sqrt() * noise


def _variances_as_weights(x_s, s, t, noise, alpha_bar):
    ratio = _per_image(alpha_bar[t] / alpha_bar[s], x_s)
    return ratio * x_s + (1 - ratio) * noise


def _first_image_only(x_s, s, t, noise, alpha_bar):
    ratio = alpha_bar[t[0]] / alpha_bar[s[0]]
    return ratio.sqrt() * x_s + (1 - ratio).sqrt() * noise


def _difference(x_s, s, t, noise, alpha_bar):
    kept = _per_image(1 - (alpha_bar[s] - alpha_bar[t]), x_s)
    return kept.sqrt() * x_s + (1 - kept).sqrt() * noise


WRONG_Q1 = [
    Mistake(
        _from_x0,
        "your jump ignores s: it treats x_s as a clean image and noises it from step 0, so the steps "
        "before s are counted twice",
        copy_of="section 4.1's ddpm_step (a jump from the clean image x_0)",
    ),
    Mistake(
        _one_step_early,
        "off by one step at the start: x_s has already been through step s, so the jump applies the "
        "steps after s only",
    ),
    Mistake(
        _variances_as_weights,
        "you weighted x_s and the noise by variances: the weights are their square roots",
    ),
    Mistake(_first_image_only, "every image got the s and t of the first image: each image has its own"),
    Mistake(
        _difference,
        "the signal that survives several steps is a product of the α's, not a sum: compare the two "
        "cumulative products by a ratio",
    ),
]

# --- Exercise 2: the two losses of a GAN, with one-sided label smoothing --------------------------


def my_gan_losses(d_real: torch.Tensor, d_fake: torch.Tensor, smooth: float) -> tuple[float, float]:
    # A soft target y = smooth on real images: the cross-entropy -(y log D + (1 - y) log(1 - D)).
    # log D(x) = logsigmoid(logit), log(1 - D(x)) = logsigmoid(-logit): stable for any logit.
    real = -(smooth * F.logsigmoid(d_real) + (1 - smooth) * F.logsigmoid(-d_real)).mean()
    fake = -F.logsigmoid(-d_fake).mean()  # generated images keep the target 0 (one-sided)
    loss_g = -F.logsigmoid(d_fake).mean()  # the generator still wants D to say "real" (target 1)
    return (real + fake).item(), loss_g.item()


def _bce(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target)).item()


def _unsmoothed(d_real, d_fake, smooth):
    return _bce(d_real, 1.0) + _bce(d_fake, 0.0), _bce(d_fake, 1.0)


def _two_sided(d_real, d_fake, smooth):
    return _bce(d_real, smooth) + _bce(d_fake, 1 - smooth), _bce(d_fake, 1.0)


def _generator_smoothed(d_real, d_fake, smooth):
    return _bce(d_real, smooth) + _bce(d_fake, 0.0), _bce(d_fake, smooth)


def _scaled_not_soft(d_real, d_fake, smooth):
    real = -(smooth * F.logsigmoid(d_real)).mean().item()
    return real + _bce(d_fake, 0.0), _bce(d_fake, 1.0)


WRONG_Q2 = [
    Mistake(
        _unsmoothed,
        "your discriminator's target on real images is still 1: the exercise smooths it to `smooth`",
        copy_of="section 3's GAN training loop (targets 1 and 0)",
    ),
    Mistake(
        _two_sided,
        "you smoothed the generated images' target too: one-sided smoothing keeps it at 0 (a soft target "
        "there would reward D for calling generated images partly real)",
    ),
    Mistake(
        _generator_smoothed,
        "the generator's loss keeps its target 1: smoothing regularises the discriminator only",
    ),
    Mistake(
        _scaled_not_soft,
        "you scaled the real images' log D by the soft target: a soft target y is a cross-entropy with two "
        "terms, y log D + (1 - y) log(1 - D)",
    ),
    Mistake(
        lambda d_real, d_fake, smooth: my_gan_losses(d_real, d_fake, smooth)[::-1],
        "your two losses are in the wrong order: return (loss_d, loss_g)",
    ),
    Mistake(
        lambda d_real, d_fake, smooth: (my_gan_losses(d_real, d_fake, smooth)[0] / 2, _bce(d_fake, 1.0)),
        "you averaged the discriminator's two halves: add them, as the training loop does",
    ),
]

# --- Exercise 3: the Fréchet distance of two Gaussians, by hand ---------------------------------


def frechet_by_hand() -> float:
    # ||mu1 - mu2||² = 3² + 4² = 25; diagonal covariances: add (s1 - s2)² per dimension, with the
    # standard deviations s = (1, 2) and (2, 1): (1 - 2)² + (2 - 1)² = 2.
    return 27.0


WRONG_Q3 = [
    Mistake(
        10.0,
        "that is the 1-D formula on the first dimension only: in 2-D each dimension adds its own terms",
        copy_of="section 2's 1-D check",
    ),
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

# --- Exercise 4: the best discriminator at the equilibrium, with one-sided label smoothing --------

SMOOTH = 0.8  # the soft target on real images in exercise 4


def _smoothed_loss(d: float, smooth: float = SMOOTH) -> float:
    """The loss of Exercise 2 when D outputs the probability d on every image (real or generated)."""
    return -(smooth * math.log(d) + (1 - smooth) * math.log(1 - d)) - math.log(1 - d)


def equilibrium_with_smoothing() -> tuple[float, float]:
    # Per image x, D minimises p_data(x) * CE(smooth, D) + p_g(x) * CE(0, D). Setting the derivative to 0:
    # p_data * smooth * (1 - D) = D * (p_data * (1 - smooth) + p_g), so D* = smooth * p_data / (p_data + p_g).
    # At the equilibrium p_g = p_data: D* = smooth / 2 everywhere, and the loss is that of D = smooth / 2.
    d_star = SMOOTH / 2
    return d_star, _smoothed_loss(d_star)


WRONG_Q4 = [
    Mistake(
        (0.5, 2 * math.log(2)),
        "that is the equilibrium without smoothing (D* = 1/2): with a soft target on real images the best "
        "discriminator no longer says 1/2",
        copy_of="section 3's D* = 1/2 and the dotted line of its loss plot",
    ),
    Mistake(
        (SMOOTH, _smoothed_loss(SMOOTH)),
        "the soft target is what D is pushed towards on real images only; on generated images (half of "
        "what it sees at the equilibrium) it is pushed towards 0: minimise the loss over D",
    ),
    Mistake(
        (SMOOTH / 2, -SMOOTH * math.log(SMOOTH / 2) - math.log(1 - SMOOTH / 2)),
        "D* is right; the real half of the loss is a cross-entropy with a soft target: it has two terms",
    ),
    Mistake(
        (SMOOTH / 2, -(SMOOTH * math.log(SMOOTH / 2) + (1 - SMOOTH) * math.log(1 - SMOOTH / 2))),
        "D* is right; that is only the real half of the loss: add the half on generated images",
    ),
    Mistake(
        (SMOOTH / 2, _smoothed_loss(SMOOTH / 2) / math.log(10)),
        "D* is right; the loss uses the natural logarithm (your value is in base 10)",
    ),
    SMOOTH / 2,  # one number: the exercise asks for a pair
]
