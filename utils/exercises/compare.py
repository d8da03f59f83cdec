"""Comparing a learner's value with the right one, without ever revealing the right one.

`compare` names what differs: the type, the shape or dtype (exactly, since they give nothing away),
or for numbers the kind of mistake (`judge_number`): wrong sign, too large by a clean factor such
as 10 (a unit?) or 2, a square instead of a root, or simply too large / too small.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

# Ratios between a wrong and a right number that usually mean one specific mistake.
CLEAN_FACTORS = {
    2.0: "a missing or extra factor 2?",
    10.0: "a unit, or a misplaced decimal point?",
    100.0: "a unit such as cm and m, or a percentage?",
    1000.0: "a unit such as g and kg, or ms and s?",
    255.0: "pixel values in 0-255 instead of 0-1, or the other way round?",
    180 / math.pi: "degrees instead of radians, or the other way round?",
}


def compare(got: Any, expected: Any, *, atol: float = 1e-6, rtol: float = 1e-5) -> str | None:
    """Compare a learner's value with the expected one, without revealing the expected value.

    Returns None when they match, else a short message that names what differs: the type, the
    shape or dtype (exactly), or the kind of mistake in a number ("too large by a factor of about 2").

    Example:
        >>> compare(torch.zeros(2, 3), torch.zeros(3, 2))
        'expected shape (3, 2), got (2, 3)'
        >>> compare(20.0, 2.0)
        'your value 20.0 is too large by a factor of about 10 (a unit, or a misplaced decimal point?)'
    """
    if isinstance(got, torch.Tensor) and got.is_meta:
        return (
            f"your tensor of shape {tuple(got.shape)} is on the meta device: it has a shape but no values "
            "(made with device='meta', or by a model built on it); compute it on the CPU instead"
        )
    if isinstance(expected, torch.Tensor):
        return _compare_arrays(got, expected, torch.Tensor, atol=atol, rtol=rtol)
    if isinstance(expected, np.ndarray):
        return _compare_arrays(got, expected, np.ndarray, atol=atol, rtol=rtol)
    if isinstance(expected, bool):
        if not isinstance(got, (bool, np.bool_)):
            return f"expected a bool (True/False), got {type(got).__name__} {_short(got)}"
        return None if bool(got) == expected else f"your answer {bool(got)} is wrong"
    if isinstance(expected, (int, float)):
        return _compare_numbers(got, expected, atol=atol, rtol=rtol)
    if isinstance(expected, torch.Size):  # a shape: say it exactly
        got = tuple(got) if isinstance(got, (torch.Size, list, tuple)) else got
        return None if got == tuple(expected) else f"expected {tuple(expected)}, got {got!r}"
    if isinstance(expected, (list, tuple)):
        return _compare_sequences(got, expected, atol=atol, rtol=rtol)
    if isinstance(expected, dict):
        return _compare_dicts(got, expected, atol=atol, rtol=rtol)
    if isinstance(expected, str):
        return _compare_strings(got, expected)
    if isinstance(expected, (set, frozenset)) and not isinstance(got, (set, frozenset)):
        return (
            f"expected a set (written with braces, e.g. {{'a', 'b'}}), got {type(got).__name__} {_short(got)}"
        )
    if isinstance(got, (torch.Tensor, np.ndarray)):  # `==` would compare element by element
        return f"expected a {type(expected).__name__}, got a {_kind(got)} {_short(got)}"
    return None if _equal(got, expected) else f"your answer {_short(got)} is not the right one"


def _equal(got: Any, expected: Any) -> bool:
    """`got == expected` as one bool, False where the comparison fails or gives no single answer."""
    try:
        return bool(got == expected)
    except Exception:  # e.g. an object whose == returns an array, or raises
        return False


def _kind(value: Any) -> str:
    return "torch.Tensor" if isinstance(value, torch.Tensor) else "numpy array"


def _compare_numbers(got: Any, expected: float, *, atol: float, rtol: float) -> str | None:
    got = _plain(got)
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return _not_a_number(got)
    if math.isclose(got, expected, rel_tol=rtol, abs_tol=atol):
        return None
    return f"your value {_number(got)} {judge_number(got, expected)}"


def _plain(value: Any) -> Any:
    """A NumPy scalar or a 0-dim tensor/array as the Python number it holds; anything else unchanged."""
    if isinstance(value, torch.Tensor) and value.is_meta:
        return value  # no value to take out
    if isinstance(value, np.generic) or isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim == 0:
        return value.item()
    return value


def _not_a_number(got: Any) -> str:
    kind = type(got).__name__
    if isinstance(got, (torch.Tensor, np.ndarray)):
        if _numel(got) == 1:
            return f"expected a number, got a one-element {kind} {_short(got)}: use .item() to turn it into a number"
        return (
            f"expected one number, got a {kind} of shape {tuple(got.shape)}: reduce it to one number "
            "(e.g. the mean of the per-element values)"
        )
    return f"expected a number, got {kind} {_short(got)}"


def judge_number(got: float, expected: float) -> str:
    """What kind of mistake `got` is, as the end of a sentence; never says `expected`.

    Example:
        >>> judge_number(-3.0, 3.0)
        'has the wrong sign'
        >>> judge_number(1024, 3072)
        'is too small'
    """
    if not math.isfinite(got):
        return f"is not a finite number ({got}): a division by zero, or an overflow?"
    if got == 0 and expected != 0:
        return "is zero, but the right value is not"
    if expected != 0 and (got > 0) != (expected > 0):
        size = "" if math.isclose(-got, expected, rel_tol=0.01) else f", and its size {_size(-got, expected)}"
        return f"has the wrong sign{size}"
    return _size(got, expected)


def _size(got: float, expected: float) -> str:
    """How far off a number is that has the right sign: close, a clean factor, a square, or just too large/small."""
    if got == expected:
        return "is right"
    larger = abs(got) > abs(expected)
    direction = "too large" if larger else "too small"
    if expected < 0:
        direction += " in size"
    if expected == 0:
        return "is too large" if got > 0 else "is too small"
    if abs(got - expected) <= 0.01 * abs(expected):
        return f"is close, but not within the tolerance ({direction}: rounding, or float32?)"
    ratio = abs(got / expected) if larger else abs(expected / got)
    for factor, meaning in CLEAN_FACTORS.items():
        if math.isclose(ratio, factor, rel_tol=0.01):
            return f"is {direction} by a factor of about {factor:.3g} ({meaning})"
    a, e = abs(got), abs(expected)
    if not math.isclose(e, 1, rel_tol=0.1) and e > 0:
        if math.isclose(a, e * e, rel_tol=1e-3):
            return f"is {direction}: it looks like the square of the right value (an extra square, or a missing square root?)"
        if math.isclose(a * a, e, rel_tol=1e-3):
            return f"is {direction}: it looks like the square root of the right value (a missing square?)"
    return f"is {direction}"


def _compare_arrays(got: Any, expected: Any, kind: type, *, atol: float, rtol: float) -> str | None:
    name = "torch.Tensor" if kind is torch.Tensor else "numpy array"
    if not isinstance(got, kind):
        convert = {np.ndarray: " (torch.from_numpy(x) makes one)", torch.Tensor: " (x.numpy() makes one)"}
        return f"expected a {name}, got {type(got).__name__}" + convert.get(type(got), "")
    if tuple(got.shape) != tuple(expected.shape):
        return f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}"
    if got.dtype != expected.dtype:
        return f"expected dtype {expected.dtype}, got {got.dtype}"
    g, e = _to_numpy(got), _to_numpy(expected)
    differs = ~np.isclose(g, e, atol=atol, rtol=rtol, equal_nan=True) if g.dtype.kind in "fc" else g != e
    if not differs.any():
        return None
    index = tuple(int(i) for i in np.argwhere(differs)[0])
    where = f"at index {list(index)} " if index else ""
    value, right = g[index].item(), e[index].item()
    judgment = "is wrong" if g.dtype.kind in "bc" else judge_number(value, right)
    count = f"; {int(differs.sum())} of {differs.size} values differ" if differs.size > 1 else ""
    return f"{where}your value {_number(value)} {judgment}{count}"


def _compare_sequences(got: Any, expected: list | tuple, *, atol: float, rtol: float) -> str | None:
    if not isinstance(got, (list, tuple)):
        return f"expected a {type(expected).__name__} of {len(expected)} items, got {type(got).__name__}"
    if len(got) != len(expected):
        return f"expected {len(expected)} items, got {len(got)}"
    for i, (g, e) in enumerate(zip(got, expected)):
        problem = compare(g, e, atol=atol, rtol=rtol)
        if problem:
            return f"item {i}: {problem}"
    return None


def _compare_dicts(got: Any, expected: dict, *, atol: float, rtol: float) -> str | None:
    if not isinstance(got, dict):
        return f"expected a dict, got {type(got).__name__}"
    if set(got) != set(expected):
        return f"expected keys {sorted(expected)}, got {sorted(got)}"
    for key in expected:
        problem = compare(got[key], expected[key], atol=atol, rtol=rtol)
        if problem:
            return f"key {key!r}: {problem}"
    return None


def _compare_strings(got: Any, expected: str) -> str | None:
    if not isinstance(got, str):
        return f"expected a str, got {type(got).__name__} {_short(got)}"
    if got == expected:
        return None
    if got.strip() == expected.strip():
        return f"your text {got!r} has extra or missing spaces at an end"
    if got.lower() == expected.lower():
        return f"your text {got!r} has the right letters, but not the right upper/lower case"
    return f"your text {got!r} is not the right one"


def _number(value: float) -> str:
    """A number as a message shows it: ints as they are, floats with 6 significant digits (5.0, not 5)."""
    if isinstance(value, int):  # bools too
        return str(value)
    text = f"{value:.6g}"
    return text if any(c in text for c in ".einf") else text + ".0"


def _short(value: Any, limit: int = 120) -> str:
    """A one-line repr for messages (long tensors are cut)."""
    return _one_line(repr(value), limit)


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _to_numpy(array: torch.Tensor | np.ndarray) -> np.ndarray:
    return array.detach().cpu().numpy() if isinstance(array, torch.Tensor) else array


def _numel(array: torch.Tensor | np.ndarray) -> int:
    return array.numel() if isinstance(array, torch.Tensor) else array.size
