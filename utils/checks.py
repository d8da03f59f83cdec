"""The argument checks every loader shares, so each says the same thing the same way.

Each check returns the value (as a plain Python type) or raises a ValueError that names the
argument, what was expected and what was given.

Example:
    >>> check_int(3, "seed")
    3
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence


def is_int(value: object) -> bool:
    """True for Python and NumPy integers, False for bools (which Python counts as ints) and floats.

    Example:
        >>> is_int(3), is_int(True), is_int(3.0)
        (True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_flag(value: object, name: str = "smoke") -> bool:
    """`value` if it is True or False; a ValueError otherwise (1, "yes" and None are refused).

    Example:
        >>> check_flag(True)
        True
    """
    if not isinstance(value, bool):
        what = " (SMOKE mode on or off)" if name == "smoke" else ""
        raise ValueError(f"{name} must be True or False{what}, got {value!r}")
    return value


def _int_range(low: int, high: int | None) -> str:
    if high is not None:
        return f"an int from {low} to {high}"
    return {0: "a non-negative int", 1: "a positive int"}.get(low, f"an int >= {low}")


def check_int(value: object, name: str, low: int = 0, high: int | None = None, what: str = "") -> int:
    """`value` as an int if it is an integer from `low` to `high` (inclusive; None: no upper bound).

    Args:
        value: what was given.
        name: the argument's name, for the message.
        low, high: the accepted range.
        what: what the number counts, for the message, e.g. "pixels per side".

    Example:
        >>> check_int(64, "image_size", 16, 512, "pixels per side")
        64
    """
    if not is_int(value) or value < low or (high is not None and value > high):
        unit = f" ({what})" if what else ""
        raise ValueError(f"{name} must be {_int_range(low, high)}{unit}, got {value!r}")
    return int(value)


def check_count(value: object, name: str, low: int = 1, what: str = "a number of images") -> int | None:
    """An optional size argument: None (the loader's default), or an int >= `low`.

    Example:
        >>> check_count(None, "n_train"), check_count(100, "n_train")
        (None, 100)
    """
    if value is not None and (not is_int(value) or value < low):
        raise ValueError(f"{name} must be {_int_range(low, None)} ({what}) or None, got {value!r}")
    return None if value is None else int(value)


def check_choice(value: object, name: str, choices: Sequence[object]) -> object:
    """`value` if it is one of `choices`.

    Example:
        >>> check_choice("mnist", "dataset", ("mnist", "fashion-mnist"))
        'mnist'
    """
    if value not in tuple(choices):
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_fraction(value: object, name: str) -> float:
    """`value` as a float if it is a number strictly between 0 and 1.

    Example:
        >>> check_fraction(0.2, "val_fraction")
        0.2
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)
