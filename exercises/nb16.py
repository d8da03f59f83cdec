"""Exercises of notebook 16 (OCR): greedy CTC decoding, the Levenshtein distance, the corpus
character error rate, and the fewest frames CTC needs for a word with a double letter.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb16.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb16 as key
from utils.exercises import Exercise

DIGITS = "0123456789"  # class k is DIGITS[k - 1] in the test cases; class 0 is the blank

q1 = Exercise(
    name="Exercise 1 (greedy CTC decoding)",
    reference=key.my_greedy_decode,
    hints=[
        "Walk through the frames in order and remember the class of the previous frame. Two rules decide "
        "whether a frame adds a character: is it a new class, and is it the blank?",
        "Repeats collapse: a frame whose class equals the previous frame's class adds nothing. The blank "
        "(class 0) never adds a character, but it does count as 'the previous frame', which is how "
        "'l, blank, l' keeps two l's.",
        "Start with previous = 0 and an empty list. For each class k: if k differs from previous and is not 0, "
        "append the character of class k (alphabet index k - 1). Then set previous to k. Join the list.",
    ],
    cases=[
        (torch.tensor([0, 2, 2, 0, 3, 0, 3, 3, 0]), DIGITS),  # 1, 2, 2 (the blank keeps the double 2)
        (torch.tensor([1, 1, 1, 1]), DIGITS),  # one long character
        (torch.tensor([0, 0, 0]), DIGITS),  # only blanks: the empty string
        (torch.tensor([5, 0, 5, 5, 6, 6, 0, 6, 10]), DIGITS),
        (torch.tensor([8, 9, 8, 9, 0, 0, 1]), "abcdefghi"),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (Levenshtein distance)",
    reference=key.my_edit_distance,
    hints=[
        "Fill a table d with one row more than the prediction has characters and one column more than the "
        "reference has, where d[i][j] is the fewest edits turning the first i predicted characters into the first j reference characters.",
        "The first column and row are easy: turning i characters into nothing takes i deletions, and "
        "nothing into j characters takes j insertions.",
        "Every other cell is the smallest of three ways in: from the cell above plus one (a deletion), from "
        "the cell on the left plus one (an insertion), from the diagonal plus 0 or 1 (a match or a "
        "substitution). The answer is the bottom-right cell.",
    ],
    cases=[
        ("kitten", "sitting"),
        ("", "abc"),
        ("abc", ""),
        ("flaw", "lawn"),
        ("hello", "hello"),
        ("ab", "ba"),
        ("1234", "1243 5"),
    ],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (corpus character error rate)",
    reference=key.my_cer,
    hints=[
        "The corpus CER is one fraction for all lines together: something about the edits on top, "
        "something about the references below.",
        "Add up the edit distance of every (prediction, reference) pair; add up the lengths of the "
        "references. Do not average per-line rates.",
        "Use your function from exercise 2 (or utils.metrics.edit_distance) on each pair of the two lists, "
        "sum those distances, then divide by the total number of reference characters.",
    ],
    cases=[
        (["helo", "world"], ["hello", "word"]),
        (["abc", "x"], ["abc", "y"]),
        (["", "12"], ["123", "12"]),
        (["a b c", "the cat"], ["abc", "the hat sat"]),
    ],
    wrong=key.WRONG_Q3,
)


def _diagnose_frames(answer: object) -> str | None:
    """Say what is wrong with a number of frames, without giving the right one."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer != int(answer):
        return "a number of frames is a whole number"
    if answer < 5:
        return "fewer frames than letters: every letter needs at least one frame of its own"
    if answer == 5:
        return (
            "with one frame per letter the path is h, e, l, l, o, and collapsing repeats merges the two l's: "
            "what must sit between them?"
        )
    return "that is enough frames, but not the fewest: which blanks are really required?"


q4 = Exercise(
    name="Exercise 4 (the fewest frames for 'hello')",
    reference=key.min_frames,
    hints=[
        "Each letter needs at least one frame. Then ask which blanks are required, not just allowed.",
        "Collapsing merges equal neighbouring frames, so a frame path for a double letter needs something "
        "different between the two copies.",
        "Write the shortest path frame by frame: h, e, l, then the only blank that is required, then l, o. "
        "Count the frames.",
    ],
    diagnose=_diagnose_frames,
    wrong=key.WRONG_Q4,
)
