"""Self-checking exercises. The mechanism is in `core`; each notebook's exercises in `nbXX.py`;
their answers (spoilers) in `solutions/nbXX.py`."""

from utils.exercises.core import Exercise, Mistake, compare, exercises_in, recap

__all__ = ["Exercise", "Mistake", "compare", "exercises_in", "recap"]
