"""SPOILERS: the answers to notebook 17's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
`copy_of` marks the answer a learner gets by copying the notebook's nearest earlier cell.
"""

import math
from collections import Counter

import torch

from utils.exercises import Mistake


def _ngrams(tokens, n):
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


# --- Exercise 1: ROUGE-N, clipped n-gram recall over several references ---------------------------


def my_rouge_n(candidate: list[str], references: list[list[str]], n: int) -> float:
    counts = _ngrams(candidate, n)
    matched = total = 0
    for reference in references:  # Lin (2004): sums over every reference, then one division
        ref_counts = _ngrams(reference, n)
        matched += sum(min(count, counts[gram]) for gram, count in ref_counts.items())  # clipped
        total += sum(ref_counts.values())
    return matched / total if total else 0.0


def _recall_variant(candidate, references, n, *, clip=True, combine="sum", divide_by="reference"):
    """One wrong way to count: without clipping, one recall per reference (averaged or the best), or
    BLEU's division by the candidate's n-grams."""
    counts = _ngrams(candidate, n)
    per_reference = []
    for reference in references:
        ref_counts = _ngrams(reference, n)
        matched = sum(min(c, counts[g]) if clip else c * (g in counts) for g, c in ref_counts.items())
        per_reference.append((matched, sum(ref_counts.values())))
    if combine == "sum":
        matched, total = map(sum, zip(*per_reference))
        return matched / total if total else 0.0
    ratios = [m / t if t else 0.0 for m, t in per_reference]
    return max(ratios) if combine == "max" else sum(ratios) / len(ratios)


def _bleu_precision(candidate, references, n):  # section 6's clipped precision p_n
    counts, most = _ngrams(candidate, n), Counter()
    for reference in references:
        most |= _ngrams(reference, n)
    total = sum(counts.values())
    return sum(min(c, most[g]) for g, c in counts.items()) / total if total else 0.0


WRONG_Q1 = [
    Mistake(
        _bleu_precision,
        "that is BLEU's clipped precision (section 6's bleu_from_scratch): ROUGE-N is a recall, it divides by the n-grams of the "
        "references, not of the candidate",
        copy_of="section 6's bleu_from_scratch (its clipped precision p_n)",
    ),
    Mistake(
        lambda c, refs, n: _recall_variant(c, refs, n, clip=False),
        "a reference n-gram that occurs twice counts twice only if the candidate has it twice: clip each "
        "match at the candidate's count",
    ),
    Mistake(
        lambda c, refs, n: _recall_variant(c, refs, n, combine="mean"),
        "you averaged one recall per reference: Lin's ROUGE-N sums the matches over all references and "
        "divides by the sum of their n-gram counts",
    ),
    Mistake(
        lambda c, refs, n: _recall_variant(c, refs, n, combine="max"),
        "you kept the best reference's recall: the formula asked for sums over every reference",
    ),
    Mistake(
        lambda c, refs, n: my_rouge_n(c, refs[:1], n), "you used the first reference only: every one counts"
    ),
]

# --- Exercise 2: the corpus brevity penalty, with a choice of reference length ---------------------


def my_brevity_penalty(cand_lengths: list[int], ref_lengths: list[list[int]], rule: str) -> float:
    c = sum(cand_lengths)
    if rule == "closest":  # closest to the candidate's length, the shorter on a tie
        r = sum(
            min(refs, key=lambda length: (abs(length - n), length))
            for n, refs in zip(cand_lengths, ref_lengths)
        )
    elif rule == "shortest":
        r = sum(min(refs) for refs in ref_lengths)
    else:  # "average"
        r = sum(sum(refs) / len(refs) for refs in ref_lengths)
    if c == 0:
        return 0.0
    return 1.0 if c >= r else math.exp(1 - r / c)


def _reference_length(n, refs, rule, tie="shorter"):
    if rule == "shortest":
        return min(refs)
    if rule == "average":
        return sum(refs) / len(refs)
    sign = 1 if tie == "shorter" else -1
    return min(refs, key=lambda length: (abs(length - n), sign * length))


def _penalty(c, r, *, upside_down=False, clamp=True):
    if c == 0:
        return 0.0
    if clamp and c >= r:
        return 1.0
    return math.exp(1 - (c / r if upside_down else r / c))


def _bp_variant(cand_lengths, ref_lengths, rule, *, tie="shorter", per_image=False, **penalty):
    if per_image:
        values = [
            _penalty(n, _reference_length(n, refs, rule, tie), **penalty)
            for n, refs in zip(cand_lengths, ref_lengths)
        ]
        return sum(values) / len(values)
    r = sum(_reference_length(n, refs, rule, tie) for n, refs in zip(cand_lengths, ref_lengths))
    return _penalty(sum(cand_lengths), r, **penalty)


WRONG_Q2 = [
    Mistake(
        lambda cands, refs, rule: _bp_variant(cands, refs, "closest"),
        "that is section 6's penalty (bleu_from_scratch): it always takes the closest reference length, whatever `rule` asks for",
        copy_of="section 6's bleu_from_scratch (its brevity penalty)",
    ),
    Mistake(
        lambda cands, refs, rule: _bp_variant(cands, refs, rule, per_image=True),
        "you averaged one penalty per image: BLEU's penalty compares the corpus totals c and r, once",
    ),
    Mistake(
        lambda cands, refs, rule: _bp_variant(cands, refs, rule, tie="longer"),
        "on a tie between two closest reference lengths, take the shorter one",
    ),
    Mistake(
        lambda cands, refs, rule: _bp_variant(cands, refs, rule, upside_down=True),
        "the ratio is upside down: the exponent is 1 - r / c (reference length over candidate length)",
    ),
    Mistake(
        lambda cands, refs, rule: _bp_variant(cands, refs, rule, clamp=False),
        "a corpus at least as long as its references is not penalised at all: no exponential there",
    ),
]

# --- Exercise 3: one beam-search step that never repeats a beam's last word ------------------------


def my_no_repeat_step(log_probs: torch.Tensor, scores: torch.Tensor, last_words: torch.Tensor, k: int):
    vocab_size = log_probs.shape[1]
    total = scores[:, None] + log_probs  # score of every (beam, next word) pair
    total[torch.arange(len(scores)), last_words] = -math.inf  # each beam's own last word: impossible
    best, flat = total.flatten().topk(k)  # the k best pairs over all beams
    return best, flat // vocab_size, flat % vocab_size


def _step_variant(
    log_probs, scores, last_words, k, *, forbid="own", masked=-math.inf, rank="sum", pick="global"
):
    """One wrong beam step: the ban left out, applied to every beam or with a value that is not -inf;
    ranking by the word alone; or a choice made beam by beam."""
    vocab = log_probs.shape[1]
    words_only = log_probs.clone()
    total = scores[:, None] + log_probs if rank == "sum" else words_only
    if forbid == "own":
        total[torch.arange(len(scores)), last_words] = masked
    elif forbid == "all beams":
        total[:, last_words] = masked
    if pick == "best per beam":  # each beam's one best word, the beams then sorted
        best, words = total.max(dim=1)
        order = best.argsort(descending=True)[:k]
        return best[order], order, words[order]
    if pick == "k per beam":  # k words per beam, then the first k of those
        best, words = total.topk(k, dim=1)
        beams = torch.arange(len(scores))[:, None].expand(-1, k)
        return best.flatten()[:k], beams.flatten()[:k], words.flatten()[:k]
    best, flat = total.flatten().topk(k)
    if rank == "word":
        best = scores[flat // vocab] + best
    return best, flat // vocab, flat % vocab


def _in_place(log_probs, scores, last_words, k):
    log_probs += scores[:, None]
    log_probs[torch.arange(len(scores)), last_words] = -math.inf
    best, flat = log_probs.flatten().topk(k)
    return best, flat // log_probs.shape[1], flat % log_probs.shape[1]


WRONG_Q3 = [
    Mistake(
        lambda lp, s, last, k: _step_variant(lp, s, last, k, forbid="none"),
        "that is section 7's beam_step: it lets a beam write its last word again",
        copy_of="section 7's beam_step",
    ),
    Mistake(
        lambda lp, s, last, k: _step_variant(lp, s, last, k, pick="best per beam"),
        "you kept each beam's one best word: the k best continuations come from all beams together, "
        "so one beam may give several of them and another none",
    ),
    Mistake(
        lambda lp, s, last, k: _step_variant(lp, s, last, k, pick="k per beam"),
        "you kept the best words of each beam separately: rank the continuations of all beams together",
    ),
    Mistake(
        lambda lp, s, last, k: _step_variant(lp, s, last, k, masked=0.0),
        "a forbidden word needs probability 0, whose log is -inf: a log-probability of 0 means CERTAIN",
    ),
    Mistake(
        lambda lp, s, last, k: _step_variant(lp, s, last, k, forbid="all beams"),
        "you forbade every beam's last word in all beams: a beam forbids only its own last word",
    ),
    Mistake(
        lambda lp, s, last, k: _step_variant(lp, s, last, k, rank="word"),
        "you ranked the next words by their own log-probability: rank by the beam's score plus it",
    ),
    _in_place,  # the check says it changed its input
]

# --- Exercise 4: BLEU-4 of "a dog is running", smoothed -------------------------------------------


def smoothed_bleu4_dog() -> float:
    # p_1 = 4/4, p_2 = 3/3, p_3 = 2/2, p_4 = 0/1; add-one from n = 2: 4/4, 3/3, (0 + 1)/(1 + 1)
    # brevity penalty: the closest reference ("a dog is playing") has 4 words too → 1
    return 1.0 * math.exp((math.log(1) + math.log(4 / 4) + math.log(3 / 3) + math.log(1 / 2)) / 4)


WRONG_Q4 = [
    Mistake(
        0.0,
        "that is the unsmoothed BLEU-4 that section 6 printed: smoothing is there so that one order without "
        "a match does not make the score 0",
        copy_of="section 6's BLEU-4 of 'a dog is running'",
    ),
    Mistake(
        math.exp(math.log(0.1) / 4),
        "you put a small epsilon in place of the empty count: add-one adds 1 to the matches AND to the "
        "number of candidate n-grams",
    ),
    Mistake(1.0, "you added one to the matches only: add it to the number of candidate n-grams too"),
    Mistake(
        (1 + 1 + 1 + 0.5) / 4,
        "that is the arithmetic mean of the precisions: BLEU takes their geometric mean (exp of the mean log)",
    ),
    Mistake(0.5, "that is one smoothed precision on its own: BLEU-4 combines all four orders"),
]
