"""Self-checking exercises. The mechanism is in `core`; each notebook's exercises in `nbXX.py`."""

from utils.exercises.core import Exercise, compare, exercises_in, recap

__all__ = ["Exercise", "compare", "exercises_in", "recap"]
