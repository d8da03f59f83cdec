"""Exercises of notebook 15 (face recognition): FAR and FRR at a threshold, cosine similarities of
embeddings, the triplet loss, and the link between cosine similarity and Euclidean distance.

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


q1 = Exercise(
    name="Exercise 1 (FAR and FRR)",
    reference=key.my_far_frr,
    hints=[
        "First decide, for every pair, whether it is accepted: a pair is accepted when its score "
        "reaches the threshold (equal counts as reaching it).",
        "FAR looks only at the impostor pairs (label 0): which fraction of them was accepted? "
        "FRR looks only at the genuine pairs (label 1): which fraction of them was rejected?",
        "With boolean tensors: combine 'accepted' and 'impostor' with &, count with .sum(), divide by the "
        "number of impostors; the same for rejected (~accepted) genuine pairs. Return two Python floats "
        "with .item(), as the tuple (FAR, FRR).",
    ],
    cases=[
        (torch.tensor([0.9, 0.8, 0.4, 0.3]), torch.tensor([1, 0, 1, 0]), 0.5),
        (torch.tensor([0.9, 0.5, 0.5, 0.1, 0.7]), torch.tensor([1, 1, 0, 0, 0]), 0.5),
        (torch.tensor([0.2, 0.6, 0.6, 0.95, 0.1, 0.3]), torch.tensor([1, 1, 0, 1, 0, 0]), 0.6),
        (torch.linspace(-1, 1, 40), (torch.arange(40) % 3 == 0).long(), 0.1),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (cosine similarity matrix)",
    reference=key.my_cosine_similarity,
    hints=[
        "The cosine of the angle between two vectors is their dot product divided by the product of "
        "their lengths. Rows of a and b are the embeddings.",
        "Scale every row of a and of b to length 1 first (divide by its norm along dim=1, keeping the "
        "dimension so that the division broadcasts); then a cosine is a plain dot product.",
        "All N x M dot products of the rows of two matrices at once is one matrix product, with the "
        "second matrix transposed.",
    ],
    cases=[
        (torch.tensor([[1.0, 0.0], [1.0, 1.0]]), torch.tensor([[0.0, 2.0], [3.0, 0.0], [-1.0, -1.0]])),
        (_embeddings(0, 5, 8), _embeddings(1, 3, 8)),
        (_embeddings(2, 4, 16) * 10, _embeddings(3, 4, 16)),
    ],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (triplet loss)",
    reference=key.my_triplet_loss,
    hints=[
        "For each triplet compute two Euclidean distances: anchor to positive and anchor to negative "
        "(row by row: subtract, then take the norm along dim=1).",
        "The loss of one triplet is zero once the negative is farther than the positive by at least the "
        "margin; otherwise it is by how much that goal is missed.",
        "That is max(0, d(a, p) - d(a, n) + margin) for each triplet (torch.relu does the max), "
        "averaged over the triplets into one scalar tensor.",
    ],
    cases=[
        (
            torch.tensor([[0.0, 0.0], [1.0, 0.0]]),
            torch.tensor([[0.0, 1.0], [1.0, 0.5]]),
            torch.tensor([[3.0, 0.0], [1.0, 0.2]]),
            0.5,
        ),
        (_embeddings(4, 6, 8), _embeddings(5, 6, 8), _embeddings(6, 6, 8), 0.2),
        (_embeddings(7, 10, 4), _embeddings(8, 10, 4), _embeddings(9, 10, 4) * 3, 1.0),
    ],
    wrong=key.WRONG_Q3,
)


def _diagnose_distance(answer: object) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer < 0:
        return "a distance is never negative"
    if answer > 2:
        return "two unit vectors are never farther apart than 2 (opposite directions)"
    return None


q4 = Exercise(
    name="Exercise 4 (cosine similarity to distance)",
    reference=key.distance_for_cosine,
    hints=[
        "Expand the squared distance: |a - b|² = (a - b)·(a - b) = |a|² + |b|² - 2 a·b.",
        "For unit vectors |a| = |b| = 1, and a·b is the cosine similarity. So |a - b|² depends on the "
        "cosine alone; the question asks for |a - b|, not its square.",
    ],
    diagnose=_diagnose_distance,
    wrong=key.WRONG_Q4,
)
