"""SPOILERS: the answers to notebook 15's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math

import torch
import torch.nn.functional as F

from utils.exercises import Mistake

# --- Exercise 1: FAR and FRR at one threshold -------------------------------------------------------


def my_far_frr(scores: torch.Tensor, labels: torch.Tensor, threshold: float) -> tuple[float, float]:
    accepted = scores >= threshold  # accept a pair when its score reaches the threshold
    genuine = labels == 1
    far = (accepted & ~genuine).sum().item() / (~genuine).sum().item()  # accepted impostors / impostors
    frr = (~accepted & genuine).sum().item() / genuine.sum().item()  # rejected genuines / genuines
    return far, frr


def _far_frr_strict(scores, labels, threshold):
    accepted, genuine = scores > threshold, labels == 1
    return (accepted & ~genuine).sum().item() / (~genuine).sum().item(), (
        ~accepted & genuine
    ).sum().item() / genuine.sum().item()


def _far_frr_over_all_pairs(scores, labels, threshold):
    accepted, genuine = scores >= threshold, labels == 1
    return (accepted & ~genuine).sum().item() / len(labels), (~accepted & genuine).sum().item() / len(labels)


def _far_and_tpr(scores, labels, threshold):
    accepted, genuine = scores >= threshold, labels == 1
    return (accepted & ~genuine).sum().item() / (~genuine).sum().item(), (
        accepted & genuine
    ).sum().item() / genuine.sum().item()


WRONG_Q1 = [
    Mistake(
        _far_frr_strict,
        "a pair whose score equals the threshold must be accepted (score >= threshold), yours rejects it",
    ),
    Mistake(
        lambda scores, labels, threshold: my_far_frr(scores, labels, threshold)[::-1],
        "your two rates are in the wrong order: return (FAR, FRR)",
    ),
    Mistake(
        _far_frr_over_all_pairs,
        "you divided by the number of all pairs: FAR divides by the impostor pairs, FRR by the genuine pairs",
    ),
    Mistake(
        _far_and_tpr,
        "your second number counts the accepted genuine pairs (the true accept rate): FRR counts the rejected ones",
    ),
]

# --- Exercise 2: cosine similarity of every pair of embeddings ---------------------------------------


def my_cosine_similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    a_unit = a / a.norm(dim=1, keepdim=True)  # each row scaled to length 1
    b_unit = b / b.norm(dim=1, keepdim=True)
    return a_unit @ b_unit.T  # (N, M): dot products of unit vectors = cosines


WRONG_Q2 = [
    Mistake(
        lambda a, b: a @ b.T, "those are plain dot products: divide by the lengths of both vectors first"
    ),
    Mistake(
        lambda a, b: F.normalize(a, dim=0) @ F.normalize(b, dim=0).T,
        "you normalised each column (dim=0): each embedding is a row, normalise along dim=1",
    ),
    Mistake(lambda a, b: torch.cdist(a, b), "that is the Euclidean distance, not the cosine similarity"),
    Mistake(
        lambda a, b: F.normalize(a, dim=1) @ b.T,
        "only the first set of vectors was normalised: divide by the lengths of both",
    ),
]

# --- Exercise 3: the triplet loss ---------------------------------------------------------------------


def my_triplet_loss(
    anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor, margin: float
) -> torch.Tensor:
    d_pos = (anchor - positive).norm(dim=1)  # Euclidean distance to the same identity
    d_neg = (anchor - negative).norm(dim=1)  # ... and to another identity
    return torch.relu(d_pos - d_neg + margin).mean()


def _triplet(square=False, hinge=True, reduce=torch.mean, sign=1.0, swap=False):
    def loss(anchor, positive, negative, margin):
        if swap:
            positive, negative = negative, positive
        d_pos, d_neg = (anchor - positive).norm(dim=1), (anchor - negative).norm(dim=1)
        if square:
            d_pos, d_neg = d_pos**2, d_neg**2
        value = d_pos - d_neg + sign * margin
        return reduce(torch.relu(value) if hinge else value)

    return loss


WRONG_Q3 = [
    Mistake(
        _triplet(hinge=False),
        "without the hinge max(0, ·), triplets that already satisfy the margin still push (negative losses)",
    ),
    Mistake(_triplet(reduce=torch.sum), "you summed over the triplets: the loss is their mean"),
    Mistake(
        _triplet(square=True),
        "you used squared distances (FaceNet's paper does; here, as nn.TripletMarginLoss, use plain distances)",
    ),
    Mistake(
        _triplet(swap=True),
        "positive and negative are swapped: the loss must grow when the positive is far from the anchor",
    ),
    Mistake(
        _triplet(sign=-1.0),
        "the margin is subtracted: add it, so that d(a, n) must beat d(a, p) by the margin",
    ),
]

# --- Exercise 4: from cosine similarity to Euclidean distance ----------------------------------------


def distance_for_cosine() -> float:
    # For unit vectors, |a - b|² = |a|² + |b|² - 2 a·b = 2 - 2 cos, so |a - b| = sqrt(2 - 2 · 0.6).
    return math.sqrt(2 - 2 * 0.6)


WRONG_Q4 = [
    0.8,  # the squared distance: forgot the square root
    0.4,  # 1 - cos, the "cosine distance"
    0.6,  # the cosine itself
    math.sqrt(0.4),  # sqrt(1 - cos): dropped the factor 2
    1.6,  # 2 + 2 cos... a sign slip, squared
    "0.89",  # a string, not a number
]
