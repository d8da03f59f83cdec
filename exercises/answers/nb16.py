"""SPOILERS: the answers to notebook 16's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message;
`copy_of` marks the answer a copy of the notebook's nearest earlier cell gives.
"""

import torch

from utils.exercises import Mistake

# --- Exercise 1: greedy CTC decoding, with where each character starts ------------------------------


def my_decode_with_frames(best_path: torch.Tensor, alphabet: str) -> list[tuple[str, int]]:
    decoded, previous = [], 0
    for frame, k in enumerate(best_path.tolist()):  # the best class of each frame
        if k != previous and k != 0:  # a new run of a class (repeats collapse), and not the blank
            decoded.append((alphabet[k - 1], frame))  # the run starts here
        previous = k
    return decoded


def _string_only(best_path, alphabet):  # cell 22's greedy_decode, for one line
    return "".join(c for c, _ in my_decode_with_frames(best_path, alphabet))


def _last_frame_of_run(best_path, alphabet):
    path = best_path.tolist()
    out = []
    for c, start in my_decode_with_frames(best_path, alphabet):
        end = start
        while end + 1 < len(path) and path[end + 1] == path[start]:
            end += 1
        out.append((c, end))
    return out


def _counted_from_one(best_path, alphabet):
    return [(c, frame + 1) for c, frame in my_decode_with_frames(best_path, alphabet)]


def _character_index(best_path, alphabet):
    return [(c, i) for i, (c, _) in enumerate(my_decode_with_frames(best_path, alphabet))]


def _blanks_dropped_first(best_path, alphabet):
    kept = [(t, k) for t, k in enumerate(best_path.tolist()) if k != 0]
    return [(alphabet[k - 1], t) for i, (t, k) in enumerate(kept) if i == 0 or k != kept[i - 1][1]]


WRONG_Q1 = [
    Mistake(
        _string_only,
        "that is only the decoded string: return a list of (character, frame) pairs, one per character",
        copy_of="cell 22's greedy_decode",
    ),
    Mistake(
        _last_frame_of_run,
        "your frame is where a character's run of equal frames ENDS: give the frame where it starts",
    ),
    Mistake(_counted_from_one, "your frames are counted from 1: the first frame is frame 0"),
    Mistake(
        _character_index,
        "your second numbers count the characters (0, 1, 2, ...): give the index of the FRAME where each starts",
    ),
    Mistake(
        _blanks_dropped_first,
        "you dropped the blanks before collapsing repeats: a blank between two equal classes is what "
        "keeps a double letter",
    ),
]

# --- Exercise 2: the edit distance with swaps (optimal string alignment) --------------------------------


def my_swap_distance(prediction: str, reference: str) -> int:
    # d[i][j]: edits turning the first i characters of prediction into the first j of reference
    rows, cols = len(prediction) + 1, len(reference) + 1
    d = [[i + j if i * j == 0 else 0 for j in range(cols)] for i in range(rows)]
    for i in range(1, rows):
        for j in range(1, cols):
            substitution = d[i - 1][j - 1] + (prediction[i - 1] != reference[j - 1])
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, substitution)
            crossed = i > 1 and j > 1 and prediction[i - 1] == reference[j - 2]
            if crossed and prediction[i - 2] == reference[j - 1]:  # the last two, in swapped order
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)  # one swap
    return d[-1][-1]


def _levenshtein(prediction, reference):  # cell 24's levenshtein_table, bottom-right cell
    rows, cols = len(prediction) + 1, len(reference) + 1
    d = [[i + j if i * j == 0 else 0 for j in range(cols)] for i in range(rows)]
    for i in range(1, rows):
        for j in range(1, cols):
            substitution = d[i - 1][j - 1] + (prediction[i - 1] != reference[j - 1])
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, substitution)
    return d[-1][-1]


def _half_checked_swap(prediction, reference):
    rows, cols = len(prediction) + 1, len(reference) + 1
    d = [[i + j if i * j == 0 else 0 for j in range(cols)] for i in range(rows)]
    for i in range(1, rows):
        for j in range(1, cols):
            substitution = d[i - 1][j - 1] + (prediction[i - 1] != reference[j - 1])
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, substitution)
            if i > 1 and j > 1 and prediction[i - 1] == reference[j - 2]:  # one crossing only
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def _unrestricted(prediction, reference):
    """The Damerau-Levenshtein distance (Lowrance-Wagner): edits may also fall between a swapped pair."""
    big = len(prediction) + len(reference)
    last_row = {}
    d = [[big] * (len(reference) + 2) for _ in range(len(prediction) + 2)]
    for i in range(len(prediction) + 1):
        d[i + 1][0], d[i + 1][1] = big, i
    for j in range(len(reference) + 1):
        d[0][j + 1], d[1][j + 1] = big, j
    for i in range(1, len(prediction) + 1):
        last_col = 0
        for j in range(1, len(reference) + 1):
            k, same = last_row.get(reference[j - 1], 0), prediction[i - 1] == reference[j - 1]
            d[i + 1][j + 1] = min(
                d[i][j] + (not same),
                d[i + 1][j] + 1,
                d[i][j + 1] + 1,
                d[k][last_col] + (i - k - 1) + 1 + (j - last_col - 1),
            )
            if same:
                last_col = j
        last_row[prediction[i - 1]] = i
    return d[-1][-1]


def _positionwise(prediction, reference):
    mismatches = sum(a != b for a, b in zip(prediction, reference))
    return mismatches + abs(len(prediction) - len(reference))


WRONG_Q2 = [
    Mistake(
        _levenshtein,
        "that is the plain Levenshtein distance: a swap of two neighbouring characters still costs two "
        "edits in your table",
        copy_of="cell 24's levenshtein_table",
    ),
    Mistake(
        _half_checked_swap,
        "your swap also fires when only one of the two characters crossed over: both must match, in "
        "swapped order",
    ),
    Mistake(
        _unrestricted,
        "your distance edits characters between or after a swapped pair (as the unrestricted "
        "Damerau-Levenshtein distance does): here a swapped pair is not edited again",
    ),
    Mistake(
        _positionwise,
        "you compared the strings position by position: one missing character shifts everything after it",
    ),
]

# --- Exercise 3: the corpus word error rate -------------------------------------------------------------


def my_wer(predictions: list[str], references: list[str]) -> float:
    edits = sum(_levenshtein(p.split(), r.split()) for p, r in zip(predictions, references))
    return edits / sum(len(r.split()) for r in references)  # total word edits / total reference words


def _corpus_cer(predictions, references):  # cell 29's CER
    return sum(map(_levenshtein, predictions, references)) / sum(map(len, references))


def _single_space_split(predictions, references):
    edits = sum(_levenshtein(p.split(" "), r.split(" ")) for p, r in zip(predictions, references))
    return edits / sum(len(r.split(" ")) for r in references)


def _mean_of_lines(predictions, references):
    rates = [_levenshtein(p.split(), r.split()) / len(r.split()) for p, r in zip(predictions, references)]
    return sum(rates) / len(rates)


def _over_predicted_words(predictions, references):
    edits = sum(_levenshtein(p.split(), r.split()) for p, r in zip(predictions, references))
    return edits / sum(len(p.split()) for p in predictions)


def _character_edits_per_word(predictions, references):
    return sum(map(_levenshtein, predictions, references)) / sum(len(r.split()) for r in references)


WRONG_Q3 = [
    Mistake(
        _corpus_cer,
        "that is the character error rate: the WER counts edits of whole WORDS and divides by the "
        "number of reference words",
        copy_of="cell 29's CER (edits / characters)",
    ),
    Mistake(
        _single_space_split,
        "you split on single spaces: two spaces in a row (or one at an end) make an empty 'word'; "
        "words are what str.split() gives",
    ),
    Mistake(
        _mean_of_lines,
        "that is the mean of the per-line rates: the corpus WER adds up all word edits first and divides "
        "by all reference words, so long lines weigh more",
    ),
    Mistake(
        _over_predicted_words,
        "you divided by the predicted words: the WER divides by the reference words",
    ),
    Mistake(
        _character_edits_per_word,
        "you counted CHARACTER edits and divided by words: a wrong word is one word edit, however many "
        "of its characters differ",
    ),
]

# --- Exercise 4: the fewest frames CTC needs ------------------------------------------------------------


def min_frames() -> int:
    # m i s s i s s i p p i: 11 letters, and a blank between each of the 3 pairs of equal neighbours
    return 14


WRONG_Q4 = [
    Mistake(
        23,
        "that is the length of the extended label ℓ′ (a blank before, between and after the letters): "
        "those are the positions a path may visit, but most of its blanks are allowed, not required",
        copy_of="cell 17's extended label ℓ′",
    ),
    Mistake(
        11,
        "with one frame per letter, collapsing merges equal neighbours: 'ss' would be read as 's'",
    ),
    Mistake(
        12,
        "you kept one double letter apart; count EVERY place where a letter is followed by the same letter",
    ),
    Mistake(
        22,
        "a blank after every letter is allowed, not required: which blanks does collapsing really need?",
    ),
    Mistake(
        18,
        "a blank is needed only where two EQUAL letters are neighbours: letters that repeat further apart "
        "(the i's of 'mis...sip') are kept apart by the letters between them",
    ),
    14.5,  # not a whole number of frames
    "14",  # a string, not a number
]
