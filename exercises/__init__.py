"""The course's exercises: course content, like the notebooks beside them, not library code.

`nbXX.py` holds notebook XX's questions: their names, graded hints, test inputs and the kinds of
mistake each check names. `answers/nbXX.py` holds the reference solutions and the wrong answers
each check must reject (SPOILERS: try first; `.hint()` helps). The checking machinery they all use
is one module of the library, `utils/exercises.py`.

A notebook imports its own module: `from exercises import nb05 as ex`, then `ex.q1.check(answer)`.
"""
