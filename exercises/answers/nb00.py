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
        28 * 28,
        "that is the count for one gray 28 × 28 digit, as the digits cell shows it: "
        "this image has another size, and colour",
        copy_of="the digits cell's numbers per image (a gray 28 × 28 digit)",
    ),
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
        copy_of="the example function `total`",
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

# --- Exercise 3: how much more work is a 512 × 512 product than a 128 × 128 one? ---------------------


def work_ratio() -> float:
    # The work is about 2 n³ operations: (2 · 512³) / (2 · 128³) = (512 / 128)³ = 4³.
    return 64.0


WRONG_Q3 = [
    Mistake(
        8.0,
        "that is what one doubling of n does, as section 3 says: here n grows by more than a factor 2",
        copy_of="section 3's 'doubling n costs 8× more work'",
    ),
    Mistake(4.0, "the work is not proportional to n: each entry of the product costs n multiply-adds"),
    Mistake(
        16.0,
        "that grows like the number of entries of a matrix (n²), or adds the factors of the two doublings: "
        "the work grows faster, and successive factors multiply",
    ),
    128.0,  # kept the factor 2 of 2n³ on one side only
    "64",  # a string, not a number
]
