"""Exercises of notebook 00 (welcome and setup): a first value answer and a first function answer.

What is here a learner may read: names, graded hints, hidden test inputs. The answers are in
`exercises/answers/nb00.py` (spoilers).
"""

from exercises.answers import nb00 as key
from utils.exercises import Exercise

q1 = Exercise(
    name="Exercise 1 (numbers in an image)",
    reference=key.pixel_count,
    hints=[
        "An image is a grid of pixels, and a pixel of a colour image is not a single number. "
        "How many numbers does one pixel hold?",
        "Each pixel holds one number per colour channel: red, green and blue. "
        "And how many pixels does a 32 × 32 image have?",
        "Multiply the numbers per pixel by the pixels per row and by the number of rows.",
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (average of a list)",
    reference=key.mean,
    hints=[
        "An average adds all the numbers up, then shares the total out equally among them.",
        "Python's built-in sum(...) adds up a list, and len(...) says how many numbers it holds.",
        "Divide the total by the count, and hand the result back with return (print only shows it).",
    ],
    cases=[([1.0, 2.0, 3.0],), ([5.0],), ([-4.0, 4.0, 10.0, 0.5],)],
    wrong=key.WRONG_Q2,
)
