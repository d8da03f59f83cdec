"""Exercises of notebook 17 (image captioning): ROUGE-N recall over several references, BLEU's brevity
penalty with another choice of reference length, a beam-search step that may not repeat a word, and a
smoothed BLEU-4 by hand.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb17.py` (spoilers).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from exercises.answers import nb17 as key
from utils.exercises import Exercise


def _words(text: str) -> list[str]:
    return text.split()


_VOCABULARY = ["a", "the", "red", "blue", "circle", "square", "near", "left", "of", "is", "there"]


def _sentences(rng: np.random.Generator) -> list[tuple]:
    """Hidden inputs of exercise 1: a candidate and 1 to 4 references made of few words, so that
    n-grams repeat and match."""
    cases = []
    for n in (1, 1, 2, 2, 3):
        refs = [list(rng.choice(_VOCABULARY[:6], size=rng.integers(1, 9))) for _ in range(rng.integers(1, 5))]
        candidate = list(rng.choice(_VOCABULARY[:6], size=rng.integers(0, 9)))
        cases.append(([str(w) for w in candidate], [[str(w) for w in ref] for ref in refs], n))
    return cases


q1 = Exercise(
    name="Exercise 1 (ROUGE-N: clipped n-gram recall)",
    reference=key.my_rouge_n,
    hints=[
        "Recall looks from the other side of BLEU's precision: of the n-grams the references hold, how "
        "many does the candidate have? Count n-grams with collections.Counter, as in section 6.",
        "A reference n-gram is matched at most as many times as the candidate holds it: for each n-gram "
        "of one reference, take the smaller of its two counts.",
        "Add up those matches over every reference, and separately the number of n-grams of every "
        "reference; divide the first total by the second (0.0 when the references hold no n-gram).",
    ],
    cases=[
        (_words("the red circle"), [_words("the red circle near the red square")], 1),
        (
            _words("a red circle"),
            [_words("a red circle"), _words("there is a red circle near a blue square")],
            1,
        ),
        (
            _words("a red circle and a red circle"),
            [_words("a red circle"), _words("a red circle near a red square")],
            2,
        ),
        (_words("a red square"), [_words("a a a red"), _words("red square")], 1),
        (_words("there is a blue square"), [_words("a blue square"), _words("there is a square")], 2),
        (_words("dog"), [_words("a dog"), _words("a")], 2),
        (_words("a a b"), [_words("a b a b"), _words("b b c a a")], 1),
    ],
    wrong=key.WRONG_Q1,
    hidden=_sentences,
    returns_float=True,
)


def _lengths(rng: np.random.Generator) -> list[tuple]:
    """Hidden inputs of exercise 2: corpora of 1 to 5 images, with every rule."""
    cases = []
    for rule in ("closest", "shortest", "average", "closest", "shortest", "average"):
        images = int(rng.integers(1, 6))
        cands = [int(n) for n in rng.integers(1, 13, size=images)]
        refs = [[int(n) for n in rng.integers(1, 13, size=rng.integers(1, 5))] for _ in range(images)]
        cases.append((cands, refs, rule))
    return cases


q2 = Exercise(
    name="Exercise 2 (the brevity penalty, with a choice of reference length)",
    reference=key.my_brevity_penalty,
    hints=[
        "The penalty compares two corpus totals: c, all the candidates' words, and r, one reference length "
        "per image added up. Only the way each image's reference length is chosen depends on `rule`.",
        "'closest' picks, for each image, the reference length nearest to that image's candidate length "
        "(the shorter on a tie); 'shortest' the smallest; 'average' the mean of the image's reference lengths.",
        "Add the chosen lengths into r; then the penalty is 1 when c >= r, exp(1 - r / c) when c < r, and "
        "0.0 when c is 0. One penalty for the whole corpus, not one per image.",
    ],
    cases=[
        ([4], [[6, 3]], "closest"),
        ([4], [[6, 3]], "shortest"),
        ([4], [[6, 3]], "average"),
        ([5, 2], [[4, 6], [9]], "closest"),  # a tie at image 0: 4 and 6 are both 1 away
        ([5, 2], [[4, 6], [9]], "shortest"),
        ([3, 10, 4], [[7, 2, 5], [8], [4, 12]], "average"),
        ([3, 10, 4], [[7, 2, 5], [8], [4, 12]], "closest"),
        ([0, 0], [[3], [4, 5]], "shortest"),
        ([12, 9], [[5, 10], [11, 8]], "closest"),
    ],
    wrong=key.WRONG_Q2,
    hidden=_lengths,
    returns_float=True,
)

_g = torch.Generator().manual_seed(17)


def _beam_case(beams: int, vocab: int, k: int, repeat_best: bool = True):
    """log_probs and scores at random; each beam's last word is (when repeat_best) its best next word,
    so that a step that ignores the ban picks repeated words."""
    log_probs = (2.5 * torch.randn(beams, vocab, generator=_g, dtype=torch.float64)).log_softmax(-1)
    scores = -3 * torch.rand(beams, generator=_g, dtype=torch.float64)
    last = log_probs.argmax(-1) if repeat_best else torch.randint(vocab, (beams,), generator=_g)
    return log_probs, scores, last, k


q3 = Exercise(
    name="Exercise 3 (a beam-search step that never repeats a word)",
    reference=key.my_no_repeat_step,
    hints=[
        "Start from section 7's beam_step: the (k, V) table of scores[b] + log_probs[b, w], and the k best "
        "entries of the whole flattened table.",
        "Beam b may not continue with last_words[b]. A word that cannot be chosen has probability 0: "
        "what log-probability is that? Give that score to exactly one entry per row, before the top k.",
        "Index the table with a pair of tensors, rows 0 … k-1 and the columns last_words, on a copy (or "
        "a new tensor): the caller's log_probs must not change. Return scores, beam ids and word ids.",
    ],
    cases=[
        _beam_case(3, 7, 3),
        _beam_case(2, 5, 2),
        _beam_case(4, 6, 4),
        _beam_case(3, 4, 3, repeat_best=False),
        (
            torch.tensor([[-0.1, -2.5, -3.0, -4.0], [-0.2, -2.0, -2.2, -5.0], [-3.0, -0.3, -1.6, -4.0]]),
            torch.tensor([-0.5, -0.6, -4.0]),
            torch.tensor([1, 0, 2]),
            3,
        ),  # the best continuations all come from beams 0 and 1; beam 1's last word is beam 0's best
    ],
    wrong=key.WRONG_Q3,
)


def _diagnose_bleu(answer: object) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if not 0 <= answer <= 1:
        return f"{answer:g} is not a BLEU score: BLEU lies between 0 and 1"
    return None


q4 = Exercise(
    name="Exercise 4 (a smoothed BLEU-4 by hand)",
    reference=key.smoothed_bleu4_dog,
    hints=[
        "Section 6 printed the four clipped precisions of 'a dog is running' as fractions of counts: for "
        "each order n, write down how many candidate n-grams there are and how many of them match.",
        "Add-one smoothing leaves p_1 as it is and, from n = 2 on, adds 1 to the matched count and 1 to "
        "the number of candidate n-grams. Which precisions does that change, and to what?",
        "BLEU-4 is the brevity penalty times exp of the mean of the four log-precisions. The candidate has "
        "as many words as its closest reference: what is its penalty then?",
    ],
    diagnose=_diagnose_bleu,
    wrong=key.WRONG_Q4,
    atol=1e-3,
)
