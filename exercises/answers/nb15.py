"""SPOILERS: the answers to notebook 15's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message;
`copy_of` marks the answer a copy of the notebook's nearest earlier cell gives.
"""

import math

import torch
import torch.nn.functional as F

from utils.exercises import Mistake

# --- Exercise 1: FAR and FRR of a distance -----------------------------------------------------------


def my_far_frr_distance(
    distances: torch.Tensor, labels: torch.Tensor, threshold: float
) -> tuple[float, float]:
    accepted = distances <= threshold  # a SMALL distance means "same person"
    genuine = labels == 1
    far = (accepted & ~genuine).sum().item() / (~genuine).sum().item()  # accepted impostors / impostors
    frr = (~accepted & genuine).sum().item() / genuine.sum().item()  # rejected genuines / genuines
    return far, frr


def _rates(accepted, labels):
    genuine = labels == 1
    return (accepted & ~genuine).sum().item() / (~genuine).sum().item(), (
        ~accepted & genuine
    ).sum().item() / genuine.sum().item()


def _as_similarity(distances, labels, threshold):  # cell 11: accept when the score reaches τ
    return _rates(distances >= threshold, labels)


def _strict(distances, labels, threshold):
    return _rates(distances < threshold, labels)


def _over_all_pairs(distances, labels, threshold):
    accepted, genuine = distances <= threshold, labels == 1
    return (accepted & ~genuine).sum().item() / len(labels), (~accepted & genuine).sum().item() / len(labels)


def _far_and_tar(distances, labels, threshold):
    far, frr = my_far_frr_distance(distances, labels, threshold)
    return far, 1 - frr


WRONG_Q1 = [
    Mistake(
        _as_similarity,
        "you accepted the pairs whose distance REACHES the threshold, as for a similarity: a distance is "
        "small for the same person, so a pair is accepted when its distance is at most the threshold",
        copy_of="cell 11's FAR and FRR of a similarity score",
    ),
    Mistake(
        _strict,
        "a pair whose distance equals the threshold must be accepted (distance <= threshold), yours rejects it",
    ),
    Mistake(
        lambda distances, labels, threshold: my_far_frr_distance(distances, labels, threshold)[::-1],
        "your two rates are in the wrong order: return (FAR, FRR)",
    ),
    Mistake(
        _over_all_pairs,
        "you divided by the number of all pairs: FAR divides by the impostor pairs, FRR by the genuine pairs",
    ),
    Mistake(
        _far_and_tar,
        "your second number counts the accepted genuine pairs (the true accept rate): FRR counts the rejected ones",
    ),
]

# --- Exercise 2: open-set identification --------------------------------------------------------------


def my_identify(
    probes: torch.Tensor, gallery: torch.Tensor, gallery_ids: torch.Tensor, threshold: float
) -> torch.Tensor:
    similarity = F.normalize(probes, dim=1) @ F.normalize(gallery, dim=1).T  # (P, G) cosines
    best, where = similarity.max(dim=1)  # each probe's best match
    return torch.where(best >= threshold, gallery_ids[where], -1)  # -1: "unknown"


def _closed_set_raw(probes, gallery, gallery_ids, threshold):  # cell 40, on embeddings of any length
    return gallery_ids[(probes @ gallery.T).argmax(dim=1)]


def _no_threshold(probes, gallery, gallery_ids, threshold):
    similarity = F.normalize(probes, dim=1) @ F.normalize(gallery, dim=1).T
    return gallery_ids[similarity.argmax(dim=1)]


def _raw_dot(probes, gallery, gallery_ids, threshold):
    best, where = (probes @ gallery.T).max(dim=1)
    return torch.where(best >= threshold, gallery_ids[where], -1)


def _index_not_id(probes, gallery, gallery_ids, threshold):
    best, where = (F.normalize(probes, dim=1) @ F.normalize(gallery, dim=1).T).max(dim=1)
    return torch.where(best >= threshold, where, -1)


def _strict_threshold(probes, gallery, gallery_ids, threshold):
    best, where = (F.normalize(probes, dim=1) @ F.normalize(gallery, dim=1).T).max(dim=1)
    return torch.where(best > threshold, gallery_ids[where], -1)


WRONG_Q2 = [
    Mistake(
        _closed_set_raw,
        "that is closed-set search on plain dot products: these embeddings are not of length 1 (so a dot "
        "product is not a cosine), and a probe whose best match is below the threshold is 'unknown' (-1)",
        copy_of="cell 40's probes @ gallery.T and its best match",
    ),
    Mistake(
        _no_threshold,
        "every probe got a name: open-set search answers -1 ('unknown') when even the best match is below "
        "the threshold",
    ),
    Mistake(
        _raw_dot,
        "you compared plain dot products: these embeddings are not of length 1, so normalise them (a "
        "cosine) before taking the best match and comparing it with the threshold",
    ),
    Mistake(
        _index_not_id,
        "you returned the position of the best match in the gallery: return its identity (gallery_ids)",
    ),
    Mistake(
        _strict_threshold,
        "a best match exactly at the threshold is accepted (similarity >= threshold), yours says 'unknown'",
    ),
]

# --- Exercise 3: the batch-all triplet loss -----------------------------------------------------------


def my_batch_all_triplet_loss(embeddings: torch.Tensor, ids: torch.Tensor, margin: float) -> torch.Tensor:
    d = torch.cdist(embeddings, embeddings)  # (B, B) Euclidean distances
    same = ids[:, None] == ids[None, :]
    positive = same & ~torch.eye(len(ids), dtype=torch.bool)  # (a, p): same identity, another picture
    valid = positive[:, :, None] & ~same[:, None, :]  # (a, p, n): n of another identity
    losses = torch.relu(d[:, :, None] - d[:, None, :] + margin)  # d(a, p) - d(a, n) + margin
    return losses[valid].mean()


def _batch_hard(embeddings, ids, margin):  # cell 21's batch_hard_triplet_loss
    d = torch.cdist(embeddings, embeddings)
    same = ids[:, None] == ids[None, :]
    hardest_positive = d.masked_fill(~same, 0).max(dim=1).values
    hardest_negative = d.masked_fill(same, math.inf).min(dim=1).values
    return torch.relu(hardest_positive - hardest_negative + margin).mean()


def _all_triplets(embeddings, ids, margin, *, self_positive=False, keep="all", reduce="mean", hinge=True):
    d = torch.cdist(embeddings, embeddings)
    same = ids[:, None] == ids[None, :]
    positive = same if self_positive else same & ~torch.eye(len(ids), dtype=torch.bool)
    valid = positive[:, :, None] & ~same[:, None, :]
    value = d[:, :, None] - d[:, None, :] + margin
    losses = (torch.relu(value) if hinge else value)[valid]
    if keep == "active":
        losses = losses[losses > 0]
    return losses.sum() if reduce == "sum" else losses.mean()


WRONG_Q3 = [
    Mistake(
        _batch_hard,
        "that is the batch-hard loss (one hardest positive and one hardest negative per anchor): batch-all "
        "averages over EVERY valid (anchor, positive, negative) triplet of the batch",
        copy_of="cell 21's batch_hard_triplet_loss",
    ),
    Mistake(
        lambda embeddings, ids, margin: _all_triplets(embeddings, ids, margin, self_positive=True),
        "your triplets include the anchor as its own positive (distance 0): a positive is ANOTHER picture "
        "of the same identity",
    ),
    Mistake(
        lambda embeddings, ids, margin: _all_triplets(embeddings, ids, margin, keep="active"),
        "you averaged only the triplets with a positive loss (a variant of Hermans et al.): here the mean "
        "runs over all valid triplets, the satisfied ones (loss 0) included",
    ),
    Mistake(
        lambda embeddings, ids, margin: _all_triplets(embeddings, ids, margin, reduce="sum"),
        "you summed over the triplets: the loss is their mean",
    ),
    Mistake(
        lambda embeddings, ids, margin: _all_triplets(embeddings, ids, margin, hinge=False),
        "without the hinge max(0, ·), triplets that already satisfy the margin still count (negative losses)",
    ),
]

# --- Exercise 4: from cosine similarity to distance, for vectors of any length ------------------------


def distance_for_cosine() -> float:
    # |a - b|² = |a|² + |b|² - 2 a·b, and a·b = |a| |b| cos: 4 + 1 - 2 · 2 · 1 · 0.6
    return math.sqrt(4 + 1 - 2 * 2 * 1 * 0.6)


WRONG_Q4 = [
    Mistake(
        math.sqrt(2 - 2 * 0.6),
        "that is the distance of two unit vectors (section 8's 2 - 2 cos): these have lengths 2 and 1",
        copy_of="cell 34's |a - b|² = 2 - 2 cos (unit vectors)",
    ),
    Mistake(
        math.sqrt(4 + 1 - 2 * 0.6),
        "you took a·b to be the cosine: that holds only for vectors of length 1; here a·b = |a| |b| cos",
    ),
    4 + 1 - 2 * 2 * 1 * 0.6,  # forgot the square root
    math.sqrt(4 + 1 + 2 * 2 * 1 * 0.6),  # a sign slip
    2 * math.sqrt(2 - 2 * 0.6),  # the unit-vector distance scaled by the longer length
    "1.61",  # a string, not a number
]
