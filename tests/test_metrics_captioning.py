"""Tests for utils.metrics.captioning: `bleu`, `bleu_stats`, `ngrams`, `cider`, `lcs_length` and
`rouge_l`, by hand and against nltk `corpus_bleu`, torchmetrics `BLEUScore` and pycocoevalcap `Bleu` /
`Cider` / `Rouge`, on random corpora and edge cases.

Where the definitions agree the scores must match to 1e-6. Where they do not, the test says how:
pycocoevalcap adds 1e-15 / 1e-9 to BLEU's counts (a small positive score instead of 0 when an n-gram
order has no match); torchmetrics breaks a tie between two closest reference lengths by list order,
not by the shorter length (the random corpora give it references sorted by length, where the two agree).
"""

from __future__ import annotations

import math
import random
import warnings

import pytest
from nltk.translate.bleu_score import corpus_bleu
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.rouge.rouge import Rouge
from torchmetrics.text import BLEUScore

from utils.metrics import bleu, bleu_stats, cider, cider_scores, lcs_length, ngrams, rouge_l, rouge_l_scores
from utils.metrics.captioning import BleuStats

WORDS = [
    "a",
    "the",
    "dog",
    "cat",
    "is",
    "running",
    "playing",
    "on",
    "grass",
    "red",
    "blue",
    "circle",
    "square",
    "near",
    "left",
    "of",
]


def random_corpus(
    seed: int, images: int = 12, overlap: bool = True, min_words: int = 1
) -> tuple[list[str], list[list[str]]]:
    """Captions of 1 to 12 words over a small vocabulary; candidates copy pieces of a reference so
    that n-grams of every order match (overlap=True), and have at least `min_words` words."""
    rng = random.Random(seed)
    candidates, references = [], []
    for _ in range(images):
        refs = [" ".join(rng.choices(WORDS, k=rng.randint(1, 12))) for _ in range(rng.randint(1, 5))]
        words = refs[0].split()
        start = rng.randint(0, len(words) - 1)
        piece = words[start : start + rng.randint(1, 6)] if overlap else []
        cand = rng.choices(WORDS, k=rng.randint(0, 3)) + piece + rng.choices(WORDS, k=rng.randint(0, 3))
        cand += rng.choices(WORDS, k=max(0, min_words - len(cand)))
        candidates.append(" ".join(cand) or rng.choice(WORDS))
        references.append(refs)
    return candidates, references


def coco(candidates, references, scorer):
    gts = {i: list(refs) for i, refs in enumerate(references)}
    res = {i: [cand] for i, cand in enumerate(candidates)}
    return scorer.compute_score(gts, res, **({"verbose": 0} if isinstance(scorer, Bleu) else {}))[0]


def nltk_bleu(candidates, references, n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns when a precision is 0
        return corpus_bleu(
            [[r.split() for r in refs] for refs in references],
            [c.split() for c in candidates],
            weights=[1 / n] * n,
        )


# --- by hand -------------------------------------------------------------------------------------


def test_ngrams_counts_runs_of_n_tokens():
    assert ngrams(["a", "dog", "is", "a", "dog"], 2) == {("a", "dog"): 2, ("dog", "is"): 1, ("is", "a"): 1}
    assert ngrams(["a"], 2) == {}
    with pytest.raises(ValueError, match="n must be a positive int"):
        ngrams(["a"], 0)


def test_the_dog_example_by_hand():
    """'a dog is running' against 'a dog is playing' and 'the dog runs': p1 = 3/4 (running is unmatched),
    p2 = 2/3 (a dog, dog is), p3 = 1/2 (a dog is), p4 = 0/1; the closest reference has 4 words."""
    stats = bleu_stats(["a dog is running"], [["a dog is playing", "the dog runs"]])
    assert isinstance(stats, BleuStats)
    assert stats.precisions == pytest.approx((3 / 4, 2 / 3, 1 / 2, 0.0))
    assert stats.brevity_penalty == 1.0 and (stats.candidate_length, stats.reference_length) == (4, 4)
    assert stats.bleu == 0.0  # no smoothing: one empty order makes BLEU-4 zero
    assert bleu(["a dog is running"], [["a dog is playing", "the dog runs"]], max_n=3) == pytest.approx(
        (3 / 4 * 2 / 3 * 1 / 2) ** (1 / 3)
    )


def test_clipping_and_brevity_penalty_by_hand():
    stats = bleu_stats(["the the the the"], [["the cat is on the mat"]], max_n=1)
    assert stats.precisions == (0.5,)  # 'the' counted at most twice, as often as in the reference
    assert stats.brevity_penalty == pytest.approx(math.exp(1 - 6 / 4))
    assert stats.bleu == pytest.approx(0.5 * math.exp(-0.5))


def test_closest_reference_length_prefers_the_shorter_on_a_tie():
    stats = bleu_stats(["a b c d"], [["a b c d e f", "a b"]], max_n=1)  # 6 and 2 are both 2 away from 4
    assert stats.reference_length == 2 and stats.brevity_penalty == 1.0


def test_corpus_bleu_sums_counts_before_dividing():
    candidates, references = ["a b", "c d e f"], [["a b"], ["c x e y"]]
    stats = bleu_stats(candidates, references, max_n=1)
    assert stats.precisions == (4 / 6,)  # (2 + 2) / (2 + 4), not the mean of 1 and 1/2


def test_identical_captions_score_one_and_token_lists_equal_strings():
    refs = [["a red circle near a blue square", "a blue square"], ["there is a green triangle"]]
    cands = ["a red circle near a blue square", "there is a green triangle"]
    assert bleu(cands, refs) == pytest.approx(1.0)
    assert bleu([c.split() for c in cands], [[r.split() for r in g] for g in refs]) == bleu(cands, refs)
    assert cider([c.split() for c in cands], [[r.split() for r in g] for g in refs]) == cider(cands, refs)


def test_cider_of_one_image_is_zero_and_rare_words_count_more():
    assert cider(["a dog is running"], [["a dog is running"]]) == 0.0  # idf = log 1 - log 1
    refs = [["a dog is running"], ["a cat is sleeping"], ["a bird is flying"]]
    rare = cider(["a dog is running", "a cat", "a bird"], refs)
    common = cider(["a is", "a cat", "a bird"], refs)
    assert rare > common


# --- against the reference libraries -------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_bleu_matches_nltk_and_torchmetrics(seed, n):
    candidates, references = random_corpus(seed)
    ours = bleu(candidates, references, max_n=n)
    long_enough = random_corpus(seed, min_words=n)  # see the test below for shorter candidates
    assert bleu(*long_enough, max_n=n) == pytest.approx(nltk_bleu(*long_enough, n), abs=1e-6)
    by_length = [sorted(refs, key=lambda r: len(r.split())) for refs in references]  # ties: the shorter first
    theirs = BLEUScore(n_gram=n)(candidates, by_length).item()
    assert ours == pytest.approx(theirs, abs=1e-6)


def test_nltk_counts_one_n_gram_for_a_candidate_too_short_to_have_any():
    """nltk's modified_precision divides by max(1, number of candidate n-grams): a one-word candidate
    adds 1 to the bigram denominator. We (like pycocoevalcap and torchmetrics) add 0."""
    candidates, references = ["a dog is running", "dog"], [["a dog is playing"], ["a dog"]]
    stats = bleu_stats(candidates, references, max_n=2)
    assert stats.precisions == (4 / 5, 2 / 3) and stats.brevity_penalty == pytest.approx(math.exp(1 - 6 / 5))
    assert nltk_bleu(candidates, references, 2) == pytest.approx(
        math.exp(1 - 6 / 5) * math.sqrt(4 / 5 * 2 / 4)
    )
    assert bleu(candidates, references, max_n=2) == pytest.approx(
        BLEUScore(n_gram=2)(candidates, references).item(), abs=1e-6
    )


@pytest.mark.parametrize("seed", range(8))
def test_bleu_matches_pycocoevalcap_where_every_order_matches(seed):
    candidates, references = random_corpus(seed, images=20)
    theirs = coco(candidates, references, Bleu(4))
    for n in range(1, 5):
        stats = bleu_stats(candidates, references, max_n=n)
        if min(stats.precisions) > 0:
            assert stats.bleu == pytest.approx(theirs[n - 1], abs=1e-6)
        else:  # pycocoevalcap's epsilon: small but not 0
            assert stats.bleu == 0.0 and 0 < theirs[n - 1] < 1e-2


@pytest.mark.parametrize("seed", range(8))
def test_cider_matches_pycocoevalcap(seed):
    candidates, references = random_corpus(seed, images=15)
    assert cider(candidates, references) == pytest.approx(coco(candidates, references, Cider()), abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_cider_scores_match_pycocoevalcap_image_by_image(seed):
    candidates, references = random_corpus(seed, images=10)
    gts = {i: list(refs) for i, refs in enumerate(references)}
    theirs = Cider().compute_score(gts, {i: [c] for i, c in enumerate(candidates)})[1]
    ours = cider_scores(candidates, references)
    assert ours == pytest.approx(list(theirs), abs=1e-6) and cider(candidates, references) == pytest.approx(
        sum(ours) / len(ours)
    )


def test_cider_matches_pycocoevalcap_with_repeats_and_unmatched_words():
    candidates = ["dog dog dog dog", "zebra", "a red circle", "a a a"]
    references = [["a dog", "the dog runs"], ["a cat"], ["a red circle", "a red circle near a square"], ["a"]]
    assert cider(candidates, references) == pytest.approx(coco(candidates, references, Cider()), abs=1e-6)


def test_a_corpus_without_matches_scores_zero():
    candidates, references = random_corpus(3, overlap=False)
    candidates = ["zzz " * (i + 1) for i in range(len(candidates))]
    assert bleu(candidates, references) == 0.0 and cider(candidates, references) == 0.0
    assert nltk_bleu(candidates, references, 4) == 0.0


# --- edge cases and bad input --------------------------------------------------------------------


def test_empty_candidates_are_allowed_and_score_zero():
    assert bleu([""], [["a dog"]]) == 0.0  # c = 0: brevity penalty 0
    assert bleu_stats([""], [["a dog"]], max_n=1).brevity_penalty == 0.0
    refs = [["a dog"], ["a cat"]]
    assert cider(["", "a cat"], refs) == pytest.approx(cider(["zzz", "a cat"], refs))


def test_a_candidate_shorter_than_n_has_no_n_grams():
    assert bleu_stats(["a"], [["a"]], max_n=2).precisions == (1.0, 0.0)
    assert bleu(["a"], [["a"]], max_n=2) == 0.0


@pytest.mark.parametrize(
    ("candidates", "references", "message"),
    [
        ([], [], "no candidates"),
        (["a"], [["a"], ["b"]], "got 1 candidates but 2 lists of references"),
        (["a"], [[]], r"references\[0\] must be a non-empty list"),
        (["a"], ["a dog"], r"references\[0\] must be a non-empty list"),
        (["a"], [[""]], "reference 0 of image 0 is empty"),
        (["a"], [[["a", 1]]], "reference 0 of image 0 must be a string or a list of string tokens"),
        ([3], [["a"]], "candidate 0 must be a string"),
        ("a dog", [["a dog"]], "candidates must be a list"),
        (["a"], "a", "references must be a list"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(candidates, references, message):
    for metric in (bleu, cider, rouge_l):
        with pytest.raises(ValueError, match=message):
            metric(candidates, references)


def test_bad_max_n_is_refused():
    for max_n in (0, 11, 2.0, True):
        with pytest.raises(ValueError, match="max_n must be an int from 1 to 10"):
            bleu(["a"], [["a"]], max_n=max_n)


# --- ROUGE-L ---------------------------------------------------------------------------------------


def test_lcs_length_by_hand():
    assert lcs_length(["a", "b", "c", "d"], ["a", "c", "d"]) == 3  # in order, not necessarily adjacent
    assert lcs_length(["a", "b", "c"], ["c", "b", "a"]) == 1  # order matters
    assert lcs_length([], ["a", "b"]) == 0 and lcs_length(["a"], []) == 0
    assert lcs_length(["a", "a", "b"], ["a", "b", "b"]) == 2


def test_rouge_l_by_hand():
    # LCS("a dog is running", "a dog is playing") = 3: P = 3/4, R = 3/4 → F = 3/4 whatever beta
    assert rouge_l_scores(["a dog is running"], [["a dog is playing"]]) == pytest.approx([0.75])
    # P and R are maxima over the references, taken separately: P = 3/3 (ref 2), R = 2/2 (ref 1)
    p, r, beta = 1.0, 1.0, 1.2
    assert rouge_l(["a red circle"], [["red circle", "a red circle near a square"]]) == pytest.approx(
        (1 + beta**2) * p * r / (r + beta**2 * p)
    )
    assert rouge_l(["a b"], [["a b c d"]], beta=1.0) == pytest.approx(2 * 1.0 * 0.5 / 1.5)


@pytest.mark.parametrize("seed", range(6))
def test_rouge_l_matches_pycocoevalcap(seed):
    candidates, references = random_corpus(seed, images=15)
    gts = {i: list(refs) for i, refs in enumerate(references)}
    theirs = Rouge().compute_score(gts, {i: [c] for i, c in enumerate(candidates)})
    assert rouge_l_scores(candidates, references) == pytest.approx(list(theirs[1]), abs=1e-9)
    assert rouge_l(candidates, references) == pytest.approx(float(theirs[0]), abs=1e-9)


def test_rouge_l_of_an_empty_or_unmatched_candidate_is_zero_and_bad_beta_is_refused():
    assert rouge_l_scores(["", "zzz"], [["a dog"], ["a cat"]]) == [0.0, 0.0]
    for beta in (0, -1.0, True, "1.2"):
        with pytest.raises(ValueError, match="beta must be a positive number"):
            rouge_l(["a"], [["a"]], beta=beta)
