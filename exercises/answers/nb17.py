"""SPOILERS: the answers to notebook 17's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import math
from collections import Counter

import torch

from utils.exercises import Mistake


def _ngrams(tokens, n):
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


# --- Exercise 1: clipped n-gram precision of one candidate -----------------------------------------


def my_clipped_precision(candidate: list[str], references: list[list[str]], n: int) -> float:
    counts = _ngrams(candidate, n)
    total = sum(counts.values())
    if total == 0:  # no n-grams in the candidate: nothing to be precise about
        return 0.0
    most = Counter()
    for reference in references:
        most |= _ngrams(reference, n)  # | keeps the larger count of each n-gram
    matched = sum(min(count, most[gram]) for gram, count in counts.items())
    return matched / total


def _unclipped(candidate, references, n):
    counts = _ngrams(candidate, n)
    seen = set().union(*(_ngrams(r, n) for r in references))
    total = sum(counts.values())
    return sum(c for g, c in counts.items() if g in seen) / total if total else 0.0


def _clip_to_sum(candidate, references, n):
    counts = _ngrams(candidate, n)
    summed = sum((_ngrams(r, n) for r in references), Counter())
    total = sum(counts.values())
    return sum(min(c, summed[g]) for g, c in counts.items()) / total if total else 0.0


def _first_reference_only(candidate, references, n):
    return my_clipped_precision(candidate, references[:1], n)


def _over_reference_length(candidate, references, n):
    counts = _ngrams(candidate, n)
    most = Counter()
    for reference in references:
        most |= _ngrams(reference, n)
    total = sum(most.values())
    return sum(min(c, most[g]) for g, c in counts.items()) / total if total else 0.0


def _unique_ngrams(candidate, references, n):
    grams = set(_ngrams(candidate, n))
    seen = set().union(*(_ngrams(r, n) for r in references))
    return len(grams & seen) / len(grams) if grams else 0.0


WRONG_Q1 = [
    Mistake(
        _unclipped,
        "a repeated n-gram counts every time it occurs: clip each count at the most times it occurs in one reference",
    ),
    Mistake(
        _clip_to_sum,
        "you clipped at the count summed over all references: clip at the largest count in any ONE reference",
    ),
    Mistake(_first_reference_only, "you compared with the first reference only: every reference counts"),
    Mistake(
        _over_reference_length,
        "you divided by the number of reference n-grams: precision divides by the candidate's n-grams",
    ),
    Mistake(
        _unique_ngrams,
        "you counted distinct n-grams: a candidate n-gram that occurs twice counts twice (up to its clip)",
    ),
]

# --- Exercise 2: the brevity penalty ---------------------------------------------------------------


def my_brevity_penalty(c: int, r: int) -> float:
    if c == 0:
        return 0.0
    return 1.0 if c >= r else math.exp(1 - r / c)


WRONG_Q2 = [
    Mistake(
        lambda c, r: (1.0 if c >= r else math.exp(1 - c / r)) if c else 0.0,
        "the ratio is upside down: the exponent is 1 - r / c (reference length over candidate length)",
    ),
    Mistake(
        lambda c, r: math.exp(1 - r / c) if c else 0.0,
        "a candidate at least as long as the reference is not penalised: the penalty is then exactly 1",
    ),
    Mistake(
        lambda c, r: (1.0 if c >= r else c / r) if c else 0.0,
        "you used the plain ratio c / r: BLEU's penalty is exponential, exp(1 - r / c)",
    ),
    Mistake(
        lambda c, r: 1.0 if c >= r else math.exp(1 - r / max(c, 1)),
        "an empty corpus of candidates (c = 0) should get a penalty of 0, the limit of exp(1 - r / c)",
    ),
]

# --- Exercise 3: one beam-search step --------------------------------------------------------------


def my_beam_step(log_probs: torch.Tensor, scores: torch.Tensor, k: int):
    vocab_size = log_probs.shape[1]
    total = scores[:, None] + log_probs  # score of every (beam, next word) pair
    best, flat = total.flatten().topk(k)  # the k best pairs over all beams
    return best, flat // vocab_size, flat % vocab_size


def _ignores_history(log_probs, scores, k):
    best, flat = log_probs.flatten().topk(k)
    return scores[flat // log_probs.shape[1]] + best, flat // log_probs.shape[1], flat % log_probs.shape[1]


def _k_per_beam(log_probs, scores, k):
    best, words = (scores[:, None] + log_probs).topk(k, dim=1)  # k per beam, then the first k of those
    beams = torch.arange(len(scores))[:, None].expand(-1, k)
    return best.flatten()[:k], beams.flatten()[:k], words.flatten()[:k]


def _multiplied(log_probs, scores, k):
    total = scores[:, None] * log_probs
    best, flat = total.flatten().topk(k)
    return best, flat // log_probs.shape[1], flat % log_probs.shape[1]


def _modulo_beams(log_probs, scores, k):
    best, flat = (scores[:, None] + log_probs).flatten().topk(k)
    return best, flat % len(scores), flat // len(scores)


def _smallest(log_probs, scores, k):
    best, flat = (scores[:, None] + log_probs).flatten().topk(k, largest=False)
    return best, flat // log_probs.shape[1], flat % log_probs.shape[1]


WRONG_Q3 = [
    Mistake(
        _ignores_history,
        "you ranked the next words by their own log-probability: rank by the beam's score plus it",
    ),
    Mistake(
        _k_per_beam,
        "you kept the best words of each beam separately: the k best continuations come from all beams together",
    ),
    Mistake(
        _multiplied,
        "you multiplied log-probabilities: probabilities multiply, so their logs add",
    ),
    Mistake(
        _modulo_beams,
        "the beam and word indices are mixed up: in the flattened (beams x vocabulary) scores, "
        "index // vocabulary size is the beam, index % vocabulary size the word",
    ),
    Mistake(_smallest, "you kept the lowest scores: a log-probability closer to 0 is better"),
]

# --- Exercise 4: BLEU-1 of "the the the the" ------------------------------------------------------


def bleu1_the() -> float:
    # clipped unigram precision: 'the' 4 times in the candidate, at most 2 in the reference → 2/4
    # brevity penalty: c = 4 < r = 6 → exp(1 - 6/4) = exp(-0.5)
    return 2 / 4 * math.exp(1 - 6 / 4)


WRONG_Q4 = [
    Mistake(
        1.0,
        "that is the unclipped precision without a brevity penalty: 'the' may count only as often as it "
        "occurs in the reference, and the candidate is shorter than the reference",
    ),
    Mistake(
        0.5,
        "the clipped precision is right, but the brevity penalty is missing: the candidate has 4 words, the reference 6",
    ),
    Mistake(
        math.exp(-0.5),
        "the brevity penalty is right, but the precision is not clipped: 'the' occurs only twice in the reference",
    ),
    Mistake(2 / 6, "you divided the matches by the reference's length: precision divides by the candidate's"),
    Mistake(
        0.5 * math.exp(1 - 4 / 6),
        "the penalty's ratio is upside down: its exponent is 1 - r / c, reference length over candidate length",
    ),
]
