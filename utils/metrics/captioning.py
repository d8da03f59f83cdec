"""Caption metrics from scratch: corpus BLEU (Papineni et al., 2002), CIDEr-D (Vedantam et al., 2015)
and ROUGE-L (Lin, 2004).

All compare each generated caption (a *candidate*) with the human captions of the same image (its
*references*), through the n-grams (runs of n consecutive words) they share, or (ROUGE-L) their longest common
subsequence.

Input conventions (the same for every function):
    - `candidates`: one caption per image, a string or a list of tokens.
    - `references`: one list per image of its reference captions (strings or token lists), at least
      one per image.
    - A string is split on whitespace and nothing else: no lower-casing, no punctuation handling.
      Tokenise first (e.g. `utils.data.captions.tokenize`) when captions need it. The COCO
      evaluation code (pycocoevalcap) runs its own tokeniser (PTBTokenizer, in Java) before scoring;
      on already-tokenised text the definitions below agree with it (see each function).
    - An empty candidate is allowed (it scores 0 wherever it takes part); an image without
      references, or an empty reference, is a ValueError: there is nothing to compare with.

Text is not a tensor: n-grams are counted with `collections.Counter`, once per sentence, and every
sum runs over the whole corpus at once (the metrics are called once per dataset, as `fit` does).

Example:
    >>> bleu(["a dog is running"], [["a dog is running", "a dog runs"]])
    1.0
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

Tokens = list[str]
CIDER_N = 4  # CIDEr-D averages over 1- to 4-grams
CIDER_SIGMA = 6.0  # standard deviation of the length penalty (in words)
CIDER_SCALE = 10.0  # CIDEr-D is multiplied by 10, as in the COCO evaluation code


class BleuStats(NamedTuple):
    """What corpus BLEU is made of (see `bleu_stats`).

    Attributes:
        bleu: the score, brevity_penalty × geometric mean of the precisions.
        precisions: clipped n-gram precision p_1 … p_max_n over the corpus.
        brevity_penalty: exp(1 - r / c) when c < r, else 1 (0 when c = 0).
        candidate_length: c, total words of all candidates.
        reference_length: r, for each image the reference length closest to its candidate's
            (the shorter one on a tie), summed.
    """

    bleu: float
    precisions: tuple[float, ...]
    brevity_penalty: float
    candidate_length: int
    reference_length: int


def _tokens(sentence: str | Sequence[str], what: str) -> Tokens:
    if isinstance(sentence, str):
        return sentence.split()
    if isinstance(sentence, Sequence) and all(isinstance(token, str) for token in sentence):
        return list(sentence)
    raise ValueError(f"{what} must be a string or a list of string tokens, got {sentence!r}")


def _check_corpus(
    candidates: Sequence[str | Sequence[str]], references: Sequence[Sequence[str | Sequence[str]]]
) -> tuple[list[Tokens], list[list[Tokens]]]:
    """Both inputs as token lists, after checking the shapes the metrics need."""
    if isinstance(candidates, str) or not isinstance(candidates, Sequence):
        raise ValueError(
            f"candidates must be a list with one caption per image, got {type(candidates).__name__}"
        )
    if isinstance(references, str) or not isinstance(references, Sequence):
        raise ValueError(
            f"references must be a list with one list of reference captions per image, got {type(references).__name__}"
        )
    if len(candidates) == 0:
        raise ValueError("no candidates: the metric needs at least one image")
    if len(candidates) != len(references):
        raise ValueError(
            f"got {len(candidates)} candidates but {len(references)} lists of references: one of each per image"
        )
    cands = [_tokens(c, f"candidate {i}") for i, c in enumerate(candidates)]
    refs = []
    for i, group in enumerate(references):
        if isinstance(group, str) or not isinstance(group, Sequence) or len(group) == 0:
            raise ValueError(
                f"references[{i}] must be a non-empty list of reference captions, got {group!r} "
                "(for one reference per image, wrap it: [[ref], [ref], ...])"
            )
        tokens = [_tokens(r, f"reference {j} of image {i}") for j, r in enumerate(group)]
        for j, ref in enumerate(tokens):
            if not ref:
                raise ValueError(f"reference {j} of image {i} is empty: a reference needs at least one word")
        refs.append(tokens)
    return cands, refs


def ngrams(tokens: Sequence[str], n: int) -> Counter:
    """How often each n-gram (a tuple of n consecutive tokens) occurs in `tokens`.

    Example:
        >>> ngrams("a dog is a dog".split(), 2)[("a", "dog")]
        2
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    return Counter(zip(*(tokens[i:] for i in range(n))))  # (t0, t1, ..), (t1, t2, ..), ...: n-grams


def bleu_stats(
    candidates: Sequence[str | Sequence[str]],
    references: Sequence[Sequence[str | Sequence[str]]],
    max_n: int = 4,
) -> BleuStats:
    """Corpus BLEU-`max_n` and its parts: clipped precisions, brevity penalty, lengths.

    p_n = Σ_images Σ_ngrams min(count in candidate, max count in any one reference) / Σ_images
    (number of n-grams in the candidate); BLEU = BP · exp(mean_n log p_n), without smoothing: if any
    p_n is 0 (or has no candidate n-grams at all), BLEU is 0. BP = exp(1 - r/c) if c < r else 1,
    with r the sum over images of the reference length closest to the candidate's length (ties:
    the shorter), as nltk's `corpus_bleu` and pycocoevalcap's `Bleu` ("closest") do.

    Agreement (tested): torchmetrics `BLEUScore` matches to 1e-6 (its tie between two closest
    lengths picks the first reference, not the shorter). nltk `corpus_bleu` with weights
    (1/n, …, 1/n) matches to 1e-6 when every candidate has at least n words; a shorter one adds 1 to
    nltk's n-gram denominator (its `modified_precision` divides by max(1, count)) and 0 to ours;
    pycocoevalcap's `Bleu` matches to 1e-6 wherever every p_n > 0. Where a p_n is 0, pycocoevalcap
    adds 1e-15 / 1e-9 to its counts and returns a small positive number (about 1e-4 for BLEU-4)
    instead of 0.

    Example:
        >>> stats = bleu_stats(["the the the the"], [["the cat is on the mat"]], max_n=1)
        >>> stats.precisions, round(stats.brevity_penalty, 4)
        ((0.5,), 0.6065)
    """
    if isinstance(max_n, bool) or not isinstance(max_n, int) or not 1 <= max_n <= 10:
        raise ValueError(f"max_n must be an int from 1 to 10 (BLEU-1 … BLEU-10), got {max_n!r}")
    cands, refs = _check_corpus(candidates, references)
    matched, total = [0] * max_n, [0] * max_n
    c = r = 0
    for cand, group in zip(cands, refs):
        c += len(cand)
        r += min((abs(len(ref) - len(cand)), len(ref)) for ref in group)[1]
        for n in range(1, max_n + 1):
            counts = ngrams(cand, n)
            in_refs = [ngrams(ref, n) for ref in group]
            for gram, count in counts.items():  # clipped: at most as often as in any one reference
                matched[n - 1] += min(count, max(ref_counts[gram] for ref_counts in in_refs))
            total[n - 1] += sum(counts.values())
    precisions = tuple(m / t if t else 0.0 for m, t in zip(matched, total))
    bp = 0.0 if c == 0 else 1.0 if c >= r else math.exp(1 - r / c)
    score = bp * math.exp(sum(math.log(p) for p in precisions) / max_n) if min(precisions) > 0 else 0.0
    return BleuStats(score, precisions, bp, c, r)


def bleu(
    candidates: Sequence[str | Sequence[str]],
    references: Sequence[Sequence[str | Sequence[str]]],
    max_n: int = 4,
) -> float:
    """Corpus BLEU-`max_n` (BLEU-4 by default), with the brevity penalty and no smoothing: a float in [0, 1].

    See `bleu_stats` for the definition, its parts and where it agrees with nltk, torchmetrics and
    pycocoevalcap. Corpus BLEU sums the n-gram counts of all images before dividing; it is not the
    mean of per-image scores.

    Args:
        candidates: one caption per image (a string, split on whitespace, or a list of tokens).
        references: one non-empty list of reference captions per image.
        max_n: the longest n-gram counted (1 to 10).

    Example:
        >>> round(bleu(["a dog is running"], [["a dog is playing", "a dog runs"]], max_n=2), 4)
        0.7071
    """
    return bleu_stats(candidates, references, max_n).bleu


def _tfidf(tokens: Tokens, idf: dict[tuple[str, ...], float]) -> tuple[list[dict], list[float]]:
    """CIDEr's vectors of one sentence: for n = 1..4, n-gram → count × idf, and each vector's norm."""
    vectors, norms = [], []
    for n in range(1, CIDER_N + 1):
        vector = {g: count * idf[g] for g, count in ngrams(tokens, n).items()}
        vectors.append(vector)
        norms.append(math.sqrt(sum(w * w for w in vector.values())))
    return vectors, norms


def cider(
    candidates: Sequence[str | Sequence[str]],
    references: Sequence[Sequence[str | Sequence[str]]],
) -> float:
    """CIDEr-D of a corpus: the mean of `cider_scores` over its images, a float in [0, 10].

    Example:
        >>> refs = [["a red circle", "a circle"], ["a blue square", "a square"]]
        >>> round(cider(["a red circle", "a blue square"], refs), 4)
        4.6217
    """
    scores = cider_scores(candidates, references)
    return sum(scores) / len(scores)


def cider_scores(
    candidates: Sequence[str | Sequence[str]],
    references: Sequence[Sequence[str | Sequence[str]]],
) -> list[float]:
    """CIDEr-D of each image's candidate (Vedantam et al., 2015, as in the COCO evaluation code), each in [0, 10].

    Each sentence becomes, for n = 1..4, a vector of tf-idf weights: an n-gram's count times
    idf = log(number of images) − log(max(1, number of images whose references contain it)).
    Words common to every image's references (like "a") weigh nothing. For one image,

        CIDEr-D = 10 / 4 · Σ_n  mean over references of
                  Σ_g min(w_c(g), w_r(g)) · w_r(g) / (‖w_c‖ ‖w_r‖) · exp(−(len_c − len_r)² / (2 · 6²)),

    with the candidate's weights clipped at the reference's (the "-D": no reward for repeating a
    word) and a Gaussian penalty on the length difference; `cider` is the mean over images. The
    idf comes from the references of all the images passed in, so an image's score depends on the
    rest of the corpus: with one image every idf is 0 and CIDEr-D is 0.

    Agreement (tested): pycocoevalcap's `Cider` to 1e-6 on tokenised text (it measures lengths in
    bigrams, which gives the same difference whenever both sentences have at least one word).

    Example:
        >>> refs = [["a red circle", "a circle"], ["a blue square", "a square"]]
        >>> [round(x, 3) for x in cider_scores(["a red circle", "a square"], refs)]
        [4.622, 3.372]
    """
    cands, refs = _check_corpus(candidates, references)
    document_frequency: Counter = Counter()
    for group in refs:
        document_frequency.update({g for ref in group for n in range(1, CIDER_N + 1) for g in ngrams(ref, n)})
    log_images = math.log(len(refs))

    class _Idf(dict):
        def __missing__(self, gram):  # an n-gram in no reference: document frequency taken as 1
            return log_images

    idf = _Idf({g: log_images - math.log(df) for g, df in document_frequency.items()})
    scores = []
    for cand, group in zip(cands, refs):
        vec_c, norm_c = _tfidf(cand, idf)
        total = 0.0
        for ref in group:
            vec_r, norm_r = _tfidf(ref, idf)
            penalty = math.exp(-((len(cand) - len(ref)) ** 2) / (2 * CIDER_SIGMA**2))
            for n in range(CIDER_N):
                if norm_c[n] > 0 and norm_r[n] > 0:
                    dot = sum(
                        min(w, vec_r[n].get(g, 0.0)) * vec_r[n].get(g, 0.0) for g, w in vec_c[n].items()
                    )
                    total += dot / (norm_c[n] * norm_r[n]) * penalty
        scores.append(CIDER_SCALE * total / CIDER_N / len(group))
    return scores


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists: the most tokens both hold in the
    same order, not necessarily next to each other.

    A dynamic-programming table, one row at a time: cell (i, j) is the LCS of a[:i] and b[:j], which
    is cell (i-1, j-1) + 1 where a[i-1] == b[j-1], else the larger of its upper and left neighbours.

    Example:
        >>> lcs_length("a dog is running".split(), "a brown dog is running in the park".split())
        4
    """
    previous = [0] * (len(b) + 1)
    for token in a:
        row = [0]
        for j, other in enumerate(b, start=1):
            row.append(previous[j - 1] + 1 if token == other else max(previous[j], row[j - 1]))
        previous = row
    return previous[-1]


def rouge_l_scores(
    candidates: Sequence[str | Sequence[str]],
    references: Sequence[Sequence[str | Sequence[str]]],
    beta: float = 1.2,
) -> list[float]:
    """ROUGE-L of each image's candidate (Lin, 2004, as in the COCO evaluation code), each in [0, 1].

    For one image, with LCS the longest common subsequence of the candidate and a reference:
    P = max over references of LCS / len(candidate), R = max over references of LCS / len(reference),
    and ROUGE-L = (1 + β²) P R / (R + β² P), an F-measure that weighs recall β times as much as
    precision (β = 1.2 in pycocoevalcap); 0 when P or R is 0. An empty candidate scores 0.

    Agreement (tested): pycocoevalcap's `Rouge` to 1e-9 on tokenised text. It needs no Java and no
    parser: only the LCS table.

    Example:
        >>> [round(x, 4) for x in rouge_l_scores(["a dog is running"], [["a dog runs", "a dog is playing"]])]
        [0.75]
    """
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not beta > 0:
        raise ValueError(f"beta must be a positive number (recall weighs beta times precision), got {beta!r}")
    cands, refs = _check_corpus(candidates, references)
    scores = []
    for cand, group in zip(cands, refs):
        if not cand:
            scores.append(0.0)
            continue
        lcs = [lcs_length(cand, ref) for ref in group]
        precision = max(n / len(cand) for n in lcs)
        recall = max(n / len(ref) for n, ref in zip(lcs, group))
        if precision == 0 or recall == 0:
            scores.append(0.0)
        else:
            scores.append((1 + beta**2) * precision * recall / (recall + beta**2 * precision))
    return scores


def rouge_l(
    candidates: Sequence[str | Sequence[str]],
    references: Sequence[Sequence[str | Sequence[str]]],
    beta: float = 1.2,
) -> float:
    """ROUGE-L of a corpus: the mean of `rouge_l_scores` over its images, a float in [0, 1].

    Example:
        >>> round(rouge_l(["a red circle", "a square"], [["a red circle"], ["a blue square"]]), 4)
        0.8861
    """
    scores = rouge_l_scores(candidates, references, beta)
    return sum(scores) / len(scores)


__all__ = [
    "BleuStats",
    "bleu",
    "bleu_stats",
    "cider",
    "cider_scores",
    "lcs_length",
    "ngrams",
    "rouge_l",
    "rouge_l_scores",
]  # what `utils.metrics` exports from this module
