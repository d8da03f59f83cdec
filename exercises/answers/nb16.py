"""SPOILERS: the answers to notebook 16's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import torch

from utils.exercises import Mistake

# --- Exercise 1: greedy CTC decoding ---------------------------------------------------------------


def my_greedy_decode(best_path: torch.Tensor, alphabet: str) -> str:
    chars, previous = [], 0
    for k in best_path.tolist():  # the class with the highest score in each frame
        if k != previous and k != 0:  # a new class (repeats collapse), and not the blank
            chars.append(alphabet[k - 1])  # class k is alphabet[k - 1]; class 0 is the blank
        previous = k
    return "".join(chars)


def _drop_blanks_then_collapse(best_path, alphabet):
    kept = [k for k in best_path.tolist() if k != 0]
    return "".join(alphabet[k - 1] for i, k in enumerate(kept) if i == 0 or k != kept[i - 1])


def _collapse_only(best_path, alphabet):
    path = best_path.tolist()
    return "".join(alphabet[k - 1] for i, k in enumerate(path) if i == 0 or k != path[i - 1])


def _no_collapse(best_path, alphabet):
    return "".join(alphabet[k - 1] for k in best_path.tolist() if k != 0)


def _off_by_one(best_path, alphabet):
    chars, previous = [], 0
    for k in best_path.tolist():
        if k != previous and k != 0:
            chars.append(alphabet[k % len(alphabet)])
        previous = k
    return "".join(chars)


WRONG_Q1 = [
    Mistake(
        _drop_blanks_then_collapse,
        "you dropped the blanks before collapsing repeats: a blank between two equal characters is what "
        "keeps a double letter (collapse first, then drop the blanks)",
    ),
    Mistake(
        _collapse_only,
        "you collapsed repeats but kept the blanks: class 0 is the blank, it is no character and must be dropped",
    ),
    Mistake(
        _no_collapse,
        "you dropped the blanks but did not collapse repeats: consecutive equal frames are one character",
    ),
    Mistake(
        _off_by_one,
        "your characters are shifted by one: class 0 is the blank, so class k is alphabet[k - 1]",
    ),
    lambda best_path, alphabet: list(my_greedy_decode(best_path, alphabet)),  # a list, not a string
]

# --- Exercise 2: the Levenshtein distance ----------------------------------------------------------


def my_edit_distance(prediction: str, reference: str) -> int:
    # d[i][j]: edits turning the first i characters of prediction into the first j of reference
    rows, cols = len(prediction) + 1, len(reference) + 1
    d = [[i + j if i * j == 0 else 0 for j in range(cols)] for i in range(rows)]
    for i in range(1, rows):
        for j in range(1, cols):
            substitution = d[i - 1][j - 1] + (prediction[i - 1] != reference[j - 1])
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, substitution)
    return d[-1][-1]


def _positionwise(prediction, reference):
    mismatches = sum(a != b for a, b in zip(prediction, reference))
    return mismatches + abs(len(prediction) - len(reference))


def _substitution_costs_two(prediction, reference):
    rows, cols = len(prediction) + 1, len(reference) + 1
    d = [[i + j if i * j == 0 else 0 for j in range(cols)] for i in range(rows)]
    for i in range(1, rows):
        for j in range(1, cols):
            cost = 0 if prediction[i - 1] == reference[j - 1] else 2
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
    return d[-1][-1]


def _first_row_zero(prediction, reference):
    rows, cols = len(prediction) + 1, len(reference) + 1
    d = [[0] * cols for _ in range(rows)]
    for i in range(1, rows):
        for j in range(1, cols):
            substitution = d[i - 1][j - 1] + (prediction[i - 1] != reference[j - 1])
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, substitution)
    return d[-1][-1]


WRONG_Q2 = [
    Mistake(
        _positionwise,
        "you compared the strings position by position: one missing character shifts everything after it, "
        "so count insertions and deletions as single edits (dynamic programming)",
    ),
    Mistake(
        _substitution_costs_two,
        "a substitution costs 2 in your table: the Levenshtein distance counts it as one edit",
    ),
    Mistake(
        _first_row_zero,
        "your first row and column are 0: turning i characters into the empty string takes i deletions",
    ),
    lambda prediction, reference: abs(len(prediction) - len(reference)),  # only the length difference
]

# --- Exercise 3: the corpus character error rate ---------------------------------------------------


def my_cer(predictions: list[str], references: list[str]) -> float:
    edits = sum(my_edit_distance(p, r) for p, r in zip(predictions, references))
    return edits / sum(len(r) for r in references)  # total edits / total reference characters


WRONG_Q3 = [
    Mistake(
        lambda predictions, references: (
            sum(my_edit_distance(p, r) / len(r) for p, r in zip(predictions, references)) / len(references)
        ),
        "that is the mean of the per-line rates: the corpus CER adds up all edits first and divides by all "
        "reference characters, so long lines weigh more",
    ),
    Mistake(
        lambda predictions, references: (
            sum(my_edit_distance(p, r) for p, r in zip(predictions, references))
            / sum(len(p) for p in predictions)
        ),
        "you divided by the predicted characters: the CER divides by the reference characters",
    ),
    Mistake(
        lambda predictions, references: (
            sum(my_edit_distance(p, r) for p, r in zip(predictions, references)) / len(references)
        ),
        "you divided by the number of lines: that is edits per line, not per character",
    ),
    Mistake(
        lambda predictions, references: (
            sum(p != r for p, r in zip(predictions, references)) / len(references)
        ),
        "that is the fraction of lines with any mistake (a line error rate), not a character error rate",
    ),
]

# --- Exercise 4: the fewest frames CTC needs ---------------------------------------------------------


def min_frames() -> int:
    # h, e, l, (blank), l, o: the blank between the two l's keeps them apart after collapsing
    return 6


WRONG_Q4 = [
    5,  # one frame per character: the two l's would collapse into one
    11,  # 2L + 1, the length of the blank-extended label: that counts the states, not the frames needed
    4,  # the number of distinct letters
    10,  # 2L: a blank after every letter is allowed, not required
    6.5,  # not a whole number of frames
    "6",  # a string, not a number
]
