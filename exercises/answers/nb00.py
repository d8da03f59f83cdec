"""SPOILERS: the answers to notebook 00's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

from utils.exercises import Mistake

# --- Exercise 1: how many numbers is a 32 × 32 colour image? --------------------------------------


def pixel_count() -> int:
    return 3 * 32 * 32  # channels × height × width


WRONG_Q1 = [
    Mistake(
        32 * 32, "that counts the pixels; each pixel of a colour image holds three numbers (red, green, blue)"
    ),
    Mistake(3 * 32, "that counts the numbers in one row of pixels; how many rows does the image have?"),
    Mistake(
        32 * 32 * 32,
        "that is 32 × 32 × 32: the image has two axes of size 32, but the colour axis is shorter",
    ),
    3 + 32 + 32,  # added the sizes instead of multiplying them
    "3 * 32 * 32",  # a string, not a number
]

# --- Exercise 2: the average of a list --------------------------------------------------------------


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _printed_mean(values):
    print(sum(values) / len(values))  # printed instead of returned


def _sorted_in_place(values):
    values.sort()  # changes the caller's list
    return sum(values) / len(values)


WRONG_Q2 = [
    Mistake(
        lambda values: sum(values),
        "you returned the sum: an average also divides it by how many numbers there are",
    ),
    lambda values: sum(values) / (len(values) - 1),  # divides by n - 1: a one-number list divides by zero
    Mistake(
        lambda values: values[0], "you returned the first number of the list, not the average of all of them"
    ),
    Mistake(
        lambda values: sum(values) // len(values),
        "// rounds down to a whole number: use / for the exact average",
    ),
    lambda values: max(values) - min(values),  # the range, a different statistic
    _printed_mean,
    _sorted_in_place,
    lambda values: None,  # forgot `return`
]
