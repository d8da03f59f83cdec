"""Small argument checks shared by the loaders, so each says the same thing the same way."""

from __future__ import annotations

import numbers


def is_int(value: object) -> bool:
    """True for Python and NumPy integers, False for bools (which Python counts as ints) and floats.

    Example:
        >>> is_int(3), is_int(True), is_int(3.0)
        (True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
