"""Self-checking exercises. The mechanism is in `core` (checking) and `compare` (judging values); each notebook's exercises in `nbXX.py`;
their answers (spoilers) in `solutions/nbXX.py`."""

from utils.exercises.compare import compare
from utils.exercises.core import Exercise, Mistake, exercises_in, recap

__all__ = ["Exercise", "Mistake", "compare", "exercises_in", "recap"]
