"""The teacher's side of the course: a student edition without answer keys, and grading a class.

- `python -m teach.student_edition OUT` (`make student-edition OUT=...`): the course without its
  reference solutions, for a class (`student_edition.py`).
- `python -m teach.grade SUBMISSIONS --secret S --out DIR` (`make grade ...`): runs every submitted
  notebook in a kernel of its own and grades its exercises with the teacher's checks, on the public
  test inputs and on hidden ones drawn from the secret (`grade.py`; `hidden.py` draws the inputs,
  `harness.py` records the answers inside the submission's kernel, `sandbox.py` starts that kernel
  with its limits, `runner.py` executes the notebook).

None of this is part of the learner's library (`utils/`), and none of it ships in a student edition.
"""
