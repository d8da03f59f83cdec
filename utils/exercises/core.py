"""Self-checking exercises: `q.check(answer)`, `q.hint()`, `q.solution()`.

Each notebook's exercises live in `utils/exercises/nbXX.py`. A learner writes an answer in the
notebook and calls `ex.q1.check(answer)`, which prints what (if anything) is wrong and keeps the
verdict in `ex.q1.status`. The reference solution is printed only by an explicit `ex.q1.solution()`.

An answer is either a *value* (compared with `reference()`) or a *function* (called on hidden test
inputs and compared with the reference solution on the same inputs).
"""

from __future__ import annotations

import copy
import inspect
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

NOT_ATTEMPTED = (Ellipsis, None)


class _Unattempted(Exception):
    """Raised inside `check` when the learner has not written an answer yet."""


def compare(got: Any, expected: Any, *, atol: float = 1e-6, rtol: float = 1e-5) -> str | None:
    """Compare a learner's value with the expected one.

    Returns None when they match, else a short message that says what differs (type, shape,
    dtype or values).

    Example:
        >>> compare(torch.zeros(2, 3), torch.zeros(3, 2))
        'expected shape (3, 2), got (2, 3)'
    """
    if isinstance(expected, torch.Tensor):
        return _compare_arrays(got, expected, torch.Tensor, atol=atol, rtol=rtol)
    if isinstance(expected, np.ndarray):
        return _compare_arrays(got, expected, np.ndarray, atol=atol, rtol=rtol)
    if isinstance(expected, bool):
        if not isinstance(got, (bool, np.bool_)):
            return f"expected a bool (True/False), got {type(got).__name__} {got!r}"
        return None if bool(got) == expected else f"expected {expected}, got {got}"
    if isinstance(expected, (int, float)):
        if isinstance(got, np.generic) or isinstance(got, (torch.Tensor, np.ndarray)) and got.ndim == 0:
            got = got.item()
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            tip = " (use .item() to turn a one-element tensor into a number)" if hasattr(got, "item") else ""
            return f"expected a number, got {type(got).__name__} {_short(got)}{tip}"
        if math.isclose(got, expected, rel_tol=rtol, abs_tol=atol):
            return None
        return f"expected {expected:.6g}, got {got:.6g}"
    if isinstance(expected, (list, tuple)) and not isinstance(expected, torch.Size):
        if not isinstance(got, (list, tuple)):
            return f"expected a {type(expected).__name__} of {len(expected)} items, got {type(got).__name__}"
        if len(got) != len(expected):
            return f"expected {len(expected)} items, got {len(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = compare(g, e, atol=atol, rtol=rtol)
            if problem:
                return f"item {i}: {problem}"
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"expected a dict, got {type(got).__name__}"
        if set(got) != set(expected):
            return f"expected keys {sorted(expected)}, got {sorted(got)}"
        for key in expected:
            problem = compare(got[key], expected[key], atol=atol, rtol=rtol)
            if problem:
                return f"key {key!r}: {problem}"
        return None
    if isinstance(expected, torch.Size):
        got = tuple(got) if isinstance(got, (torch.Size, list, tuple)) else got
        return None if got == tuple(expected) else f"expected {tuple(expected)}, got {got!r}"
    return None if got == expected else f"expected {expected!r}, got {got!r}"


def _compare_arrays(got: Any, expected: Any, kind: type, *, atol: float, rtol: float) -> str | None:
    name = "torch.Tensor" if kind is torch.Tensor else "numpy array"
    if not isinstance(got, kind):
        return f"expected a {name}, got {type(got).__name__}"
    if tuple(got.shape) != tuple(expected.shape):
        return f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}"
    if got.dtype != expected.dtype:
        return f"expected dtype {expected.dtype}, got {got.dtype}"
    g = got.detach().cpu().numpy() if kind is torch.Tensor else got
    e = expected.detach().cpu().numpy() if kind is torch.Tensor else expected
    is_float = g.dtype.kind in "fc"
    close = np.isclose(g, e, atol=atol, rtol=rtol, equal_nan=True) if is_float else g == e
    if close.all():
        return None
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    where = f" at index {list(index)}" if index else ""
    expected_value, got_value = np.asarray(e[index]).item(), np.asarray(g[index]).item()
    count = f"{int((~close).sum())} of {close.size} values differ"
    return f"values differ{where}: expected {expected_value!r}, got {got_value!r} ({count})"


def _short(value: Any) -> str:
    """A one-line repr for messages (long tensors are cut)."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass
class Exercise:
    """One exercise: a reference solution, a hint and (for function answers) hidden test inputs.

    Args:
        name: what the learner sees in messages, e.g. "Exercise 2 (broadcasting)".
        reference: the reference solution, a function. For a value exercise it takes no arguments.
        hint_text: a nudge, printed by `hint()`.
        cases: for a function exercise, the argument tuples the answer is called with; None for a
            value exercise.
        wrong: plausible wrong answers (values or functions); the tests prove `check` rejects each.
        validate: optional extra check on a value answer that returns a message or None (use it
            for properties a plain comparison cannot see, such as shared memory).
        atol, rtol: tolerances for floating-point comparisons.
    """

    name: str
    reference: Callable[..., Any]
    hint_text: str
    cases: Sequence[tuple] | None = None
    wrong: Sequence[Any] = field(default_factory=list)
    validate: Callable[[Any], str | None] | None = None
    atol: float = 1e-6
    rtol: float = 1e-5
    status: str = field(default="not checked", init=False)

    def check(self, answer: Any) -> None:
        """Print whether `answer` is right and, if not, what is wrong. The verdict is kept in `status`."""
        try:
            problem = self._problem(answer)
        except _Unattempted as reason:
            self.status = "not attempted"
            print(f"○ {self.name}: not attempted yet ({reason}). Stuck? Run .hint().")
            return
        if problem:
            self.status = "wrong"
            print(f"✘ {self.name}: {problem}")
            return
        self.status = "correct"
        print(f"✔ {self.name}: correct!")

    def reference_answer(self) -> Any:
        """What a correct learner would pass to `check`: the reference function, or its value."""
        return self.reference if self.cases is not None else self.reference()

    def hint(self) -> None:
        """Print a hint."""
        print(f"Hint for {self.name}: {self.hint_text}")

    def solution(self) -> None:
        """Print the source code of the reference solution (only when you ask for it)."""
        try:
            source = textwrap.dedent(inspect.getsource(self.reference))
        except OSError:  # defined interactively: no source file to show
            source = f"(source not available) {self.reference!r}"
        print(f"Reference solution for {self.name}:\n\n{source}")

    def _problem(self, answer: Any) -> str | None:
        if any(answer is marker for marker in NOT_ATTEMPTED):
            raise _Unattempted("the answer is still `...`")
        if self.cases is None:
            if callable(answer) and not callable(self.reference()):
                return "expected a value, got a function (did you forget to call it?)"
            problem = compare(answer, self.reference(), atol=self.atol, rtol=self.rtol)
            if problem is None and self.validate is not None:
                problem = self.validate(answer)
            return problem
        if not callable(answer):
            return f"expected a function, got {type(answer).__name__} (pass the function itself, without calling it)"
        for args in self.cases:
            try:
                got = answer(*copy.deepcopy(args))
            except NotImplementedError:
                raise _Unattempted("the function still raises NotImplementedError") from None
            except Exception as error:  # the learner's code failed: report it, keep the notebook going
                return f"on input {_describe(args)} your function raised {type(error).__name__}: {error}"
            if got is None or got is Ellipsis:
                raise _Unattempted("the function returns nothing yet")
            problem = compare(got, self.reference(*copy.deepcopy(args)), atol=self.atol, rtol=self.rtol)
            if problem:
                return f"wrong on input {_describe(args)}: {problem}"
        return None


def _describe(args: tuple) -> str:
    """Name test inputs in a message: small arrays by value, large ones by shape and dtype."""
    parts = []
    for arg in args:
        if isinstance(arg, (torch.Tensor, np.ndarray)) and _numel(arg) > 8:
            kind = "tensor" if isinstance(arg, torch.Tensor) else "array"
            dtype = str(arg.dtype).removeprefix("torch.")
            parts.append(f"a {tuple(arg.shape)} {dtype} {kind}")
        else:
            parts.append(_short(arg))
    return ", ".join(parts)


def _numel(array: torch.Tensor | np.ndarray) -> int:
    return array.numel() if isinstance(array, torch.Tensor) else array.size


def exercises_in(module: Any) -> dict[str, Exercise]:
    """The exercises defined in a module, by variable name (q1, q2, ...), in order."""
    return {name: value for name, value in vars(module).items() if isinstance(value, Exercise)}


def recap(module: Any) -> None:
    """Print one line per exercise of a notebook with its latest status."""
    # Plain symbols that every font has (emoji show as empty boxes on many Linux machines).
    marks = {"correct": "✔", "wrong": "✘", "not attempted": "○", "not checked": "·"}
    for name, exercise in exercises_in(module).items():
        print(f"{marks[exercise.status]} {name}: {exercise.name} — {exercise.status}")
