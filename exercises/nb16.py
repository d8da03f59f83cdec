"""Exercises of notebook 16 (OCR): greedy CTC decoding that also says where each character starts,
the edit distance with swaps, the corpus word error rate, and the fewest frames CTC needs for a word
with double letters.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb16.py` (spoilers).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from exercises.answers import nb16 as key
from utils.exercises import Exercise

DIGITS = "0123456789"  # class k is DIGITS[k - 1] in the test cases; class 0 is the blank

q1 = Exercise(
    name="Exercise 1 (greedy decoding with frames)",
    reference=key.my_decode_with_frames,
    hints=[
        "Walk through the frames in order, with their index, and remember the class of the previous "
        "frame. A frame starts a new character when its class is new and is not the blank.",
        "A run of equal frames is one character: the frame you record is the one where the run begins, "
        "and later frames of the same run add nothing. The blank adds nothing either, but it does count "
        "as 'the previous frame' (that is how 'l, blank, l' keeps two l's).",
        "Keep a list of pairs; whenever a frame starts a character, append the pair made of the "
        "character of that class (class 0 is the blank, so the alphabet's first character is class 1) and the "
        "frame's index (from 0).",
    ],
    cases=[
        (torch.tensor([0, 2, 2, 0, 3, 0, 3, 3, 0]), DIGITS),  # a double character kept by a blank
        (torch.tensor([1, 1, 1, 1]), DIGITS),  # one long character
        (torch.tensor([0, 0, 0]), DIGITS),  # only blanks: no character at all
        (torch.tensor([5, 0, 5, 5, 6, 6, 0, 6, 10]), DIGITS),
        (torch.tensor([0, 0, 8, 9, 9, 8, 9, 0, 0, 1]), "abcdefghi"),
    ],
    wrong=key.WRONG_Q1,
)


def _random_strings(rng: np.random.Generator) -> list[tuple[str, str]]:
    """Pairs of short strings over a small alphabet: a reference, and a prediction made from it by
    swapping neighbours (often), substituting, inserting or deleting characters."""

    def pair() -> tuple[str, str]:
        reference = list(rng.choice(list("abcd"), size=int(rng.integers(2, 9))))
        prediction = reference.copy()
        for _ in range(int(rng.integers(1, 4))):
            i = int(rng.integers(0, max(1, len(prediction) - 1)))
            edit = rng.choice(["swap", "swap", "substitute", "insert", "delete"])
            if edit == "swap" and len(prediction) > 1:
                prediction[i], prediction[i + 1] = prediction[i + 1], prediction[i]
            elif edit == "substitute" and prediction:
                prediction[i] = str(rng.choice(list("abcd")))
            elif edit == "insert":
                prediction.insert(i, str(rng.choice(list("abcd"))))
            elif prediction:
                del prediction[i]
        return "".join(prediction), "".join(str(c) for c in reference)

    return [pair() for _ in range(8)]


q2 = Exercise(
    name="Exercise 2 (edit distance with swaps)",
    reference=key.my_swap_distance,
    hints=[
        "Start from the Levenshtein table of section 6: d[i][j] is the fewest edits turning the first i "
        "predicted characters into the first j reference characters, filled row by row.",
        "A swap changes two neighbouring characters at once, so it can only be the last edit into cell "
        "(i, j) when the last TWO characters of both prefixes are involved: compare them crosswise.",
        "When the two crosswise comparisons both hold, the cell has a fourth way in: the cost of aligning "
        "the prefixes that come before those two characters of each string, plus one edit for the swap. "
        "Which cell of the table holds that cost?",
    ],
    cases=[
        ("ab", "ba"),
        ("ab", "bc"),
        ("kitten", "sitting"),
        ("", "abc"),
        ("abc", ""),
        ("ca", "abc"),  # a swapped pair is not edited again: 3
        ("abcd", "badc"),
        ("abca", "acab"),
        ("ocr 2024", "ocr 2204"),
    ],
    wrong=key.WRONG_Q2,
    hidden=_random_strings,
)


def _random_corpus(rng: np.random.Generator) -> list[tuple[list[str], list[str]]]:
    """Corpora of a few lines of words (every reference has a word; some lines have extra spaces)."""
    words = ["the", "cat", "sat", "on", "a", "mat", "hat", "ocr"]

    def line(minimum: int) -> str:
        chosen = [str(w) for w in rng.choice(words, size=int(rng.integers(minimum, 5)))]
        return ("  " if rng.random() < 0.2 else " ").join(chosen)  # sometimes two spaces

    cases = []
    for _ in range(3):
        lines = int(rng.integers(1, 4))
        cases.append(([line(0) for _ in range(lines)], [line(1) for _ in range(lines)]))
    return cases


q3 = Exercise(
    name="Exercise 3 (corpus word error rate)",
    reference=key.my_wer,
    hints=[
        "The WER is the CER's recipe with another unit: turn each line into its list of words first, "
        "and the edit distance then counts word insertions, deletions and substitutions.",
        "The table of section 6 never needed characters: it compares items of two sequences, so it "
        "works on two lists of words as it does on two strings (so does utils.metrics.edit_distance).",
        "Over the corpus: add up the word edits of every (prediction, reference) pair, add up the "
        "number of words of every reference, and divide once. Words come from str.split() without "
        "an argument, which ignores extra spaces.",
    ],
    cases=[
        (["the cat sat", "on a mat", "helo"], ["the cat sat down", "on the mat", "hello world"]),
        (["ocr  2024", "a b c"], ["ocr 2024", "abc"]),  # two spaces in a prediction
        (["", "12 34"], ["1 2 3", " 12 34 "]),
        (["the hat sat on the mat"], ["the cat sat on a mat today"]),
    ],
    wrong=key.WRONG_Q3,
    hidden=_random_corpus,
)


def _diagnose_frames(answer: object) -> str | None:
    """Say what is wrong with a number of frames, without giving the right one."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer != int(answer):
        return "a number of frames is a whole number"
    if answer < 11:
        return "fewer frames than letters: every letter needs at least one frame of its own"
    return None


q4 = Exercise(
    name="Exercise 4 (the fewest frames for 'mississippi')",
    reference=key.min_frames,
    hints=[
        "Each letter needs at least one frame. Then ask which blanks are required, not just allowed: "
        "write a shortest path frame by frame.",
        "Collapsing merges equal NEIGHBOURING frames only. A letter that comes back later, after other "
        "letters, is kept apart by those letters; a letter followed at once by the same letter is not.",
        "Go through the word and mark every place where collapsing would merge two letters that must "
        "stay two; each such place needs one frame of something else in between. Add those frames to "
        "the letters.",
    ],
    diagnose=_diagnose_frames,
    wrong=key.WRONG_Q4,
)
