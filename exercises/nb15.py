"""Exercises of notebook 15 (face recognition): FAR and FRR of a distance, open-set identification,
the batch-all triplet loss, and the distance of two embeddings that are not normalised.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb15.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb15 as key
from utils.exercises import Exercise


def _embeddings(seed: int, n: int, d: int) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed))


def _open_set_case() -> tuple:
    """Probes near gallery faces, with embeddings of very different lengths (some tiny)."""
    g = torch.Generator().manual_seed(15)
    gallery = torch.randn(4, 8, generator=g) * torch.tensor([[1.0], [3.0], [0.5], [2.0]])
    which = torch.tensor([0, 1, 2, 3, 0, 2, 1, 2])
    scale = torch.tensor([[2.0], [0.5], [3.0], [1.0], [1.0], [0.3], [1.0], [0.05]])
    probes = gallery[which] * scale + torch.randn(8, 8, generator=g) * 1.2 * scale
    return probes, gallery, torch.tensor([12, 10, 13, 11]), 0.5


q1 = Exercise(
    name="Exercise 1 (FAR and FRR of a distance)",
    reference=key.my_far_frr_distance,
    hints=[
        "With a distance, small means alike. First decide, for every pair, whether it is accepted as "
        "'same person' at this threshold (equal counts as accepted).",
        "FAR looks only at the impostor pairs (label 0): which fraction of them was accepted? "
        "FRR looks only at the genuine pairs (label 1): which fraction of them was rejected?",
        "With boolean tensors: combine 'accepted' and 'impostor' with &, count with .sum(), divide by the "
        "number of impostors; the same for rejected genuine pairs. Return two Python floats, FAR first.",
    ],
    cases=[
        (torch.tensor([0.2, 0.8, 0.5, 0.3]), torch.tensor([1, 0, 1, 0]), 0.5),
        (torch.tensor([0.1, 0.5, 0.5, 0.9, 0.3]), torch.tensor([1, 1, 0, 0, 0]), 0.5),
        (torch.tensor([1.2, 0.6, 0.6, 0.05, 1.9, 0.7]), torch.tensor([1, 1, 0, 1, 0, 0]), 0.6),
        (torch.linspace(0, 2, 40), (torch.arange(40) % 3 == 0).long(), 0.9),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (open-set identification)",
    reference=key.my_identify,
    hints=[
        "Compare every probe with every gallery face by cosine similarity: the embeddings here are NOT "
        "of length 1, so a plain dot product is not a cosine yet.",
        "For each probe keep its best match: the highest similarity and where in the gallery it is "
        "(one call gives both along a dimension). The answer names the identity of that gallery face, "
        "not its position.",
        "Open set: when a probe's best similarity is below the threshold, the answer for that probe is "
        "-1; at or above it, the identity. torch.where picks between the two for all probes at once.",
    ],
    cases=[
        (
            torch.tensor([[0.0, 2.0], [3.0, 4.0], [-1.0, 0.1]]),
            torch.tensor([[3.0, 0.0], [-1.0, -1.0]]),
            torch.tensor([7, 3]),
            0.0,
        ),
        _open_set_case(),
    ],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (batch-all triplet loss)",
    reference=key.my_batch_all_triplet_loss,
    hints=[
        "Start from the (B, B) matrix of Euclidean distances between all embeddings of the batch, and "
        "the (B, B) mask of pairs with the same identity.",
        "A valid triplet (a, p, n): p has a's identity but is another picture (not a itself), n has "
        "another identity. With a third axis, d(a, p) - d(a, n) + margin for every (a, p, n) is one "
        "broadcast subtraction, and the validity mask is one broadcast &.",
        "Apply the hinge max(0, ·) to every triplet, keep the valid ones with the mask, and average "
        "them all, including those whose loss is 0. Return a 0-dim tensor.",
    ],
    cases=[
        (_embeddings(4, 8, 4), torch.tensor([0, 0, 1, 1, 2, 2, 3, 3]), 0.2),
        (_embeddings(5, 12, 6), torch.tensor([3, 1, 3, 2, 1, 2, 3, 1, 2, 0, 0, 0]), 1.0),
        (_embeddings(6, 6, 3) * 0.3, torch.tensor([0, 1, 0, 1, 0, 1]), 0.5),
    ],
    wrong=key.WRONG_Q3,
    atol=1e-5,
)


def _diagnose_distance(answer: object) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer < 0:
        return "a distance is never negative"
    if answer > 3:
        return "two vectors of lengths 2 and 1 are never farther apart than 3 (opposite directions)"
    if answer < 1:
        return "two vectors of lengths 2 and 1 are never closer than 1 (same direction)"
    return None


q4 = Exercise(
    name="Exercise 4 (cosine similarity to distance)",
    reference=key.distance_for_cosine,
    hints=[
        "Expand the squared distance as in section 8, |a - b|² = |a|² + |b|² - 2 a·b, but this time "
        "do not set the lengths to 1.",
        "For vectors of any length, the dot product a·b is the product of the two lengths times the "
        "cosine of the angle between them.",
        "Put the two lengths and the cosine into the expansion; the question asks for |a - b|, not "
        "its square.",
    ],
    diagnose=_diagnose_distance,
    wrong=key.WRONG_Q4,
    atol=5e-4,  # 3 decimals
    rtol=0.0,
)
