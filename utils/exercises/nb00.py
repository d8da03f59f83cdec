"""Exercises of notebook 00 (welcome and setup): a first value answer and a first function answer."""

from utils.exercises.core import Exercise


def _pixel_count() -> int:
    return 3 * 32 * 32  # channels × height × width


q1 = Exercise(
    name="Exercise 1 (numbers in an image)",
    reference=_pixel_count,
    hint_text="A colour image has one number per channel per pixel: channels × height × width.",
    wrong=[32 * 32, 3 * 32, 32 * 32 * 32],
)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


q2 = Exercise(
    name="Exercise 2 (average of a list)",
    reference=_mean,
    hint_text="The average is the sum divided by how many numbers there are: sum(values) / len(values).",
    cases=[([1.0, 2.0, 3.0],), ([5.0],), ([-4.0, 4.0, 10.0, 0.5],)],
    wrong=[
        lambda values: sum(values),
        lambda values: sum(values) / (len(values) - 1),
        lambda values: values[0],
    ],
)
