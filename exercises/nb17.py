"""Exercises of notebook 17 (image captioning): BLEU's clipped n-gram precision and brevity penalty,
one step of beam search, and a BLEU score by hand.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb17.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb17 as key
from utils.exercises import Exercise


def _words(text: str) -> list[str]:
    return text.split()


q1 = Exercise(
    name="Exercise 1 (clipped n-gram precision)",
    reference=key.my_clipped_precision,
    hints=[
        "Count the candidate's n-grams (tuples of n consecutive words) with collections.Counter; "
        "the precision divides the number of them that are matched by the number there are.",
        "A candidate n-gram may be matched at most as many times as it occurs in a single reference: "
        "find, for each n-gram, its largest count over the references (Counter's | operator keeps maxima).",
        "For each candidate n-gram add min(its count, its largest reference count); divide that sum by the "
        "total count of candidate n-grams, and return 0.0 when the candidate has no n-grams at all.",
    ],
    cases=[
        (_words("the the the the"), [_words("the cat is on the mat")], 1),
        (_words("a dog is running"), [_words("a dog is playing"), _words("the dog runs")], 2),
        (
            _words("a red circle and a red circle"),
            [_words("a red circle"), _words("a red circle near a red square")],
            2,
        ),
        (
            _words("a red circle and a red circle"),
            [_words("a red circle"), _words("a red circle near a red square")],
            1,
        ),
        (_words("there is a blue square"), [_words("a blue square"), _words("there is a square")], 3),
        (_words("dog"), [_words("a dog")], 2),
        (_words("a a a b b"), [_words("a b a"), _words("b b c")], 1),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (brevity penalty)",
    reference=key.my_brevity_penalty,
    hints=[
        "Precision alone rewards short candidates (say just 'a'): the brevity penalty lowers the score "
        "of a corpus whose candidates are, in total, shorter than their references.",
        "It is 1 when c is at least r (no penalty), and below 1, shrinking fast, when c is smaller: an "
        "exponential of 1 minus a ratio of the two lengths. Which ratio is larger than 1 when c < r?",
        "Use math.exp on 1 - r / c for short candidates; handle c == 0 on its own (the limit of the "
        "formula there), before dividing by c.",
    ],
    cases=[(4, 6), (6, 4), (5, 5), (1, 10), (0, 3), (9, 10), (12, 11)],
    wrong=key.WRONG_Q2,
)

_g = torch.Generator().manual_seed(17)
q3 = Exercise(
    name="Exercise 3 (one beam-search step)",
    reference=key.my_beam_step,
    hints=[
        "A beam's score is the sum of the log-probabilities of its words so far. A continuation "
        "(beam b, next word w) scores scores[b] + log_probs[b, w]: build that (k, V) table with broadcasting.",
        "Keep the k best continuations over the whole table, not k per beam: flatten it and take "
        "the top k (torch.topk returns the values and their positions).",
        "A position p in the flattened (k, V) table is beam p // V and word p % V. Return three "
        "tensors: the k new scores, the beam each continues, and its new word.",
    ],
    cases=[
        (torch.randn(3, 7, generator=_g).log_softmax(-1), torch.tensor([-0.5, -1.2, -2.0]), 3),
        (torch.randn(2, 5, generator=_g).log_softmax(-1), torch.tensor([-3.0, -0.1]), 2),
        (torch.randn(4, 6, generator=_g).log_softmax(-1), torch.tensor([-1.0, -1.5, -4.0, -0.7]), 4),
        (torch.randn(1, 9, generator=_g).log_softmax(-1), torch.tensor([0.0]), 3),
    ],
    wrong=key.WRONG_Q3,
)


def _diagnose_bleu1(answer: object) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if not 0 <= answer <= 1:
        return f"{answer:g} is not a BLEU score: BLEU lies between 0 and 1"
    return None


q4 = Exercise(
    name="Exercise 4 (BLEU-1 by hand)",
    reference=key.bleu1_the,
    hints=[
        "BLEU-1 is the brevity penalty times the clipped unigram precision. Start with the precision: "
        "how many of the four 'the's may count, given how often 'the' occurs in the reference?",
        "The candidate has c = 4 words, the reference r = 6, so the candidate is short and the penalty "
        "is exp(1 - r / c), below 1.",
        "Multiply the clipped precision (matched words over the candidate's 4 words) by exp(1 - 6 / 4); "
        "math.exp computes it.",
    ],
    diagnose=_diagnose_bleu1,
    wrong=key.WRONG_Q4,
    atol=1e-3,
)
