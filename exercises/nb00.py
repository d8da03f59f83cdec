"""Exercises of notebook 00 (welcome and setup): a first value answer, a first function answer, and a
prediction checked before a measurement.

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
        "The digits above are gray, one number per pixel: their shape (1, 28, 28) says so. A colour image "
        "has one such grid per colour channel. Which sizes change from (1, 28, 28)?",
        "Write the colour image's shape as (channels, rows, columns), the order the course uses. How many "
        "numbers a tensor holds follows from its shape alone: how?",
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (average of a list)",
    reference=key.mean,
    hints=[
        "An average adds all the numbers up, then shares the total out equally among them.",
        "The example function `total` above already adds up a list; len(...) says how many numbers it holds.",
        "Which of the two do you divide by the other? Hand the result back with return (print only shows it).",
    ],
    cases=[([1.0, 2.0, 3.0],), ([5.0],), ([-4.0, 4.0, 10.0, 0.5],)],
    wrong=key.WRONG_Q2,
)

q3 = Exercise(
    name="Exercise 3 (predict the work)",
    reference=key.work_ratio,
    hints=[
        "Section 3 says what one product of two n × n matrices costs, as a formula in n. Write it down "
        "for n = 128 and for n = 512.",
        "The question asks for a ratio: the cost at the larger size divided by the cost at the smaller. "
        "A constant that appears in both costs cancels.",
        "Going from 128 to 512 is two doublings of n in a row, and section 3 says what one doubling does "
        "to the work. Do the factors of two doublings add up, or combine another way?",
    ],
    wrong=key.WRONG_Q3,
)
