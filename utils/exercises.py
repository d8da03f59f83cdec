"""Self-checking exercises: `q.check(answer)`, `q.hint()`, `q.solution()`, and `compare`.

This is the machinery only. The exercises are course content and live beside the notebooks: each
notebook's questions in `exercises/nbXX.py` (names, graded hints, test inputs, diagnoses) and their
reference solutions and known wrong answers in `exercises/answers/nbXX.py`, where a learner finds
them only on purpose. A learner writes an answer in the notebook and calls `ex.q1.check(answer)`,
which prints one line saying what (if anything) is wrong and keeps the verdict in `ex.q1.status`.

An answer is either a *value* (compared with `reference()`) or a *function* (called on test inputs
and compared with the reference solution on the same inputs). `compare` names what differs: the
type, the shape or dtype (exactly, since they give nothing away), or for numbers the kind of mistake
(`judge_number`): wrong sign, off by a clean factor such as 10 (a unit?) or 2, or
simply too large / too small, never by how much. The answer is printed only by an explicit
`ex.q1.solution()`.

A class's student edition (built by the teacher's `teach.student_edition`) replaces each reference
solution with a `Withheld` one that knows only its outputs on the public test inputs; a teacher's
grader (`teach.grade`) replays answers recorded in a learner's kernel, their errors as `RecordedError`.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import math
import numbers
import re
import sysconfig
import textwrap
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from utils.announce import console_safe

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
    shape or dtype (exactly), or the kind of mistake in a number ("off by a clean factor (a missing or extra factor 2?)").

    Example:
        >>> compare(torch.zeros(2, 3), torch.zeros(3, 2))
        'expected shape (3, 2), got (2, 3)'
        >>> compare(20.0, 2.0)
        'your value 20.0 is off by a clean factor (a unit, or a misplaced decimal point?)'
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
    if isinstance(expected, int) and not isinstance(expected, bool):  # a count: exactly, no tolerance
        return None if got == expected else f"your value {_number(got)} {judge_number(got, expected)}"
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
    """How far off a number is that has the right sign: close, a clean factor, or just too large/small.

    The factor's direction and size are not said (with them a learner could compute the answer).
    """
    if got == expected:
        return "is right"
    larger = abs(got) > abs(expected)
    direction = "too large" if larger else "too small"
    if expected < 0:
        direction += " in size"
    if expected == 0:
        return "is too large" if got > 0 else "is too small"
    whole = float(got).is_integer() and float(expected).is_integer()  # counts are never rounded
    if not whole and abs(got - expected) <= 1e-3 * abs(expected):
        return f"is close, but not within the tolerance ({direction}: rounding, or float32?)"
    if not whole and abs(got - expected) <= 0.02 * abs(expected):
        return f"is {direction}, though close: too far off for rounding in the last digit (a slightly different formula, or too few digits?)"
    ratio = abs(got / expected) if larger else abs(expected / got)
    for factor, meaning in CLEAN_FACTORS.items():
        if math.isclose(ratio, factor, rel_tol=0.01):
            return f"is off by a clean factor ({meaning})"
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


class _Unattempted(Exception):
    """Raised inside `check` when the learner has not written an answer yet."""


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong answer and what to tell a learner whose answer behaves exactly like it.

    A value matches when it compares equal to `answer`; a function matches when its outputs equal
    those of `answer` on every test input. Give a message only where such a match means this one
    mistake.

    `copy_of` marks the answer a learner gets by copying the notebook's nearest earlier cell (e.g.
    "cell 27's beam_step"): each exercise asks for one step past it, so its check must reject it.

    Example:
        >>> Mistake(32 * 32, "that counts pixels; each pixel holds three numbers").answer
        1024
    """

    answer: Any
    message: str | None = None
    copy_of: str | None = None


class Withheld:
    """A reference solution left out of this edition of the course: only its outputs on the public inputs.

    A class's student edition (`python -m teach.student_edition`) ships no answer key: each reference
    solution is replaced by one of these. Called on a public test input it returns the stored output, so
    a function answer is still checked (and its known mistakes named) on those inputs; a value exercise
    (empty `table`) is handed in instead and checked by the teacher's grader.

    Args:
        name: the reference solution's name, for messages.
        table: (arguments, output) pairs: the outputs on the public test inputs.

    Example:
        >>> double = Withheld("double", [((2,), 4)])
        >>> double(2)
        4
    """

    def __init__(self, name: str, table: Sequence[tuple[tuple, Any]] = ()) -> None:
        self.name = name
        self.table = list(table)

    def __call__(self, *args: Any) -> Any:
        for inputs, output in self.table:
            if _same(tuple(inputs), args):
                return copy.deepcopy(output)
        raise LookupError(
            f"{self.name}: solutions are not part of this edition of the course; its checks know the "
            "right outputs on the public test inputs only"
        )

    def __repr__(self) -> str:
        return f"Withheld({self.name!r})"


class RecordedError(Exception):
    """An error a learner's function raised in another process, replayed with the words it was reported in.

    The teacher's grader (`teach.grade`) runs a submission in a kernel of its own and judges the
    recorded outputs here; `check` reports this error exactly as `description` says.

    Example:
        >>> str(RecordedError("ZeroDivisionError: division by zero (line 2: return 1 / 0)"))
        'ZeroDivisionError: division by zero (line 2: return 1 / 0)'
    """

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


# --- calling a learner's function ---------------------------------------------------------------

_LIBRARY_DIRS = {Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "purelib", "platlib")}


@contextlib.contextmanager
def _autograd_calls() -> Iterator[list[str]]:
    """Record calls of torch.autograd.backward / grad (Tensor.backward goes through the first)."""
    calls: list[str] = []
    real_backward, real_grad = torch.autograd.backward, torch.autograd.grad

    def backward(*args, **kwargs):
        calls.append("backward")
        return real_backward(*args, **kwargs)

    def grad(*args, **kwargs):
        calls.append("grad")
        return real_grad(*args, **kwargs)

    torch.autograd.backward, torch.autograd.grad = backward, grad
    try:
        yield calls
    finally:
        torch.autograd.backward, torch.autograd.grad = real_backward, real_grad


@contextlib.contextmanager
def _calls_of(targets: Sequence[tuple[Any, str, str]]) -> Iterator[list[str]]:
    """Record calls of `owner.attribute` for each (owner, attribute, label) while the block runs."""
    used: list[str] = []
    saved = []
    for owner, attribute, label in targets:
        original = getattr(owner, attribute)

        def spy(*args: Any, _original: Any = original, _label: str = label, **kwargs: Any) -> Any:
            used.append(_label)
            return _original(*args, **kwargs)

        saved.append((owner, attribute, attribute in vars(owner), vars(owner).get(attribute)))
        setattr(owner, attribute, spy)
    try:
        yield used
    finally:
        for owner, attribute, own, original in reversed(saved):
            if own:
                setattr(owner, attribute, original)
            else:  # it was inherited (e.g. a Tensor method defined on its C base): inherit it again
                delattr(owner, attribute)


def _type_name(value: Any) -> str:
    return "torch.Tensor" if isinstance(value, torch.Tensor) else type(value).__name__


def plain_number(answer: Any) -> str | None:
    """A `validate` for a value exercise that asks for a number: a tensor or array holding it is wrong.

    Example:
        >>> plain_number(torch.tensor(2.0))
        'expected a Python number, got a torch.Tensor: .item() turns a one-element tensor into one'
    """
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        return None
    return (
        f"expected a Python number, got a {_type_name(answer)}: .item() turns a one-element tensor into one"
    )


def _raised(error: Exception) -> str:
    """`ZeroDivisionError: division by zero (line 3: return total / n)`: the error and the learner's line.

    The line is the last one of the traceback outside this file and outside installed libraries
    (torch, numpy, the standard library): the learner's own code, shown when its source is known.
    """
    if isinstance(error, RecordedError):
        return error.description
    text = _one_line(f"{type(error).__name__}: {error}", 240)
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not _is_below(frame.filename, Path(__file__).resolve())
        and not any(_is_below(frame.filename, folder) for folder in _LIBRARY_DIRS)
    ]
    if frames and frames[-1].line:
        text += f" (line {frames[-1].lineno}: {frames[-1].line.strip()})"
    return text


def _is_below(filename: str, path: Path) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(path)
    except (OSError, ValueError):  # "<stdin>", "<frozen ...>"
        return False


def _same(a: Any, b: Any) -> bool:
    """Whether two (nested) inputs hold the same values: used to see if a function changed its input."""
    if isinstance(a, torch.Tensor):
        return (
            isinstance(b, torch.Tensor)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and bool(
                torch.equal(a, b) or a.is_floating_point() and torch.allclose(a, b, 0, 0, equal_nan=True)
            )
        )
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _in_place_message(arg: Any) -> str:
    kind = {torch.Tensor: "tensor", np.ndarray: "array", list: "list", dict: "dict"}.get(type(arg), "input")
    how = (
        "e.g. `.sort()`, `.append()` or `x[i] = ...`"
        if kind in ("list", "dict")
        else "e.g. `-=` or a method ending in `_`"
    )
    return (
        f"your function changed its input in place ({how}): the caller's {kind} would be modified; "
        f"compute a new {kind} instead"
    )


# --- the exercise -------------------------------------------------------------------------------


@dataclass
class Exercise:
    """One exercise: a reference solution, graded hints and (for function answers) hidden test inputs.

    Args:
        name: what the learner sees in messages, e.g. "Exercise 2 (broadcasting)"; "Exercise N" is
            reached as `ex.qN` in the notebook.
        reference: the reference solution, a function. For a value exercise it takes no arguments.
        hints: two or more hints, each closer than the last, none the solution; `hint()` prints the next.
        cases: for a function exercise, the argument tuples the answer is called with; None for a
            value exercise.
        wrong: plausible wrong answers (values or functions); the tests prove `check` rejects each.
            A `Mistake` pairs one with the message a learner whose answer behaves like it gets.
        diagnose: for a value exercise, an optional function of a wrong answer (0-dim tensors and
            NumPy scalars turned into Python numbers) that names the mistake or returns None; tried
            after the known mistakes, before the generic message. It must not print the right value.
        validate: optional extra check on a value answer that returns a message or None (use it
            for properties a plain comparison cannot see, such as shared memory).
        requires_autograd: a function answer must call .backward() or torch.autograd.grad.
        forbids_autograd: a function answer must not call them (a derivative asked for by hand).
        forbids: (owner, attribute, label) of functions a function answer must not call, e.g.
            `(torch, "sigmoid", "torch.sigmoid")` when the exercise is to write it.
        returns_float: a function answer must return a Python float (a tensor or NumPy float is wrong).
        keeps_inputs: a function answer must not change its arguments (checked on every call).
        atol, rtol: tolerances for floating-point comparisons.
        hidden: for a function exercise whose inputs a random nudge cannot vary (sizes, strings,
            Python ints), a function of a NumPy generator that draws fresh argument tuples like
            `cases`; a teacher's grader (`teach.grade`) uses it for its hidden test inputs.
    """

    name: str
    reference: Callable[..., Any]
    hints: Sequence[str]
    cases: Sequence[tuple] | None = None
    wrong: Sequence[Any] = ()
    diagnose: Callable[[Any], str | None] | None = None
    validate: Callable[[Any], str | None] | None = None
    requires_autograd: bool = False
    forbids_autograd: bool = False
    forbids: Sequence[tuple[Any, str, str]] = ()
    returns_float: bool = False
    keeps_inputs: bool = True
    atol: float = 1e-6
    rtol: float = 1e-5
    hidden: Callable[[np.random.Generator], Sequence[tuple]] | None = None
    status: str = field(default="not checked", init=False)
    hints_seen: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if isinstance(self.hints, str) or not self.hints:
            raise TypeError(f"{self.name}: hints must be a list of hint strings, got {self.hints!r}")

    def check(self, answer: Any) -> None:
        """Print whether `answer` is right and, if not, what is wrong. The verdict is kept in `status`."""
        if (
            isinstance(self.reference, Withheld)
            and not self.reference.table
            and answer is not None
            and answer is not ...
        ):
            self.status = "handed in"
            _say(
                f"● {self.name}: handed in. This edition of the course has no answer key for this "
                "exercise: your teacher's grading checks it."
            )
            return
        try:
            problem = self._problem(answer)
        except _Unattempted as reason:
            self.status = "not attempted"
            _say(f"○ {self.name}: not attempted yet ({reason}). Stuck? Run {self._handle()}.hint().")
            return
        except Exception as error:  # an answer of a shape nobody foresaw: judge it, keep the notebook going
            problem = f"this answer ({type(answer).__name__} {_short(answer, 60)}) could not be checked: {_raised(error)}"
        self.status = "wrong" if problem else "correct"
        _say(f"✘ {self.name}: {problem}" if problem else f"✔ {self.name}: correct!")

    def reference_answer(self) -> Any:
        """What a correct learner would pass to `check`: the reference function, or its value."""
        return self.reference if self.cases is not None else self.reference()

    def hint(self, number: int | None = None) -> None:
        """Print the next hint (or hint `number`, counting from 1, to read one again)."""
        total = len(self.hints)
        if number is not None and (isinstance(number, bool) or not isinstance(number, numbers.Integral)):
            raise TypeError(
                f"hint() takes no argument (the next hint) or a hint number from 1 to {total}, "
                f"e.g. {self._handle() or 'q'}.hint(1); got {number!r} ({type(number).__name__})"
            )
        if number is None:
            if self.hints_seen >= total:
                _say(f"No more hints: {self._handle()}.solution() shows the reference solution.")
                return
            self.hints_seen += 1
            number = self.hints_seen
        if not 1 <= number <= total:
            raise ValueError(f"{self.name} has hints 1 to {total}, not {number}")
        _say(f"Hint {number}/{total} for {self.name}: {self.hints[number - 1]}")

    def solution(self) -> None:
        """Print the source code of the reference solution (only when you ask for it)."""
        if isinstance(self.reference, Withheld):
            _say(
                f"{self.name}: solutions are not part of this edition of the course (your teacher has them)."
            )
            return
        try:
            source = textwrap.dedent(inspect.getsource(self.reference))
        except (OSError, TypeError):  # defined interactively: no source file to show
            source = f"(source not available) {self.reference!r}"
        _say(f"Reference solution for {self.name}:\n\n{source}")

    # --- what is wrong with an answer ---

    def _problem(self, answer: Any) -> str | None:
        if answer is Ellipsis:
            raise _Unattempted("the answer is still `...`")
        if answer is None:
            raise _Unattempted("the answer is None")
        return self._value_problem(answer) if self.cases is None else self._function_problem(answer)

    def _value_problem(self, answer: Any) -> str | None:
        expected = self.reference()
        if callable(answer) and not callable(expected):
            return "expected a value, got a function (did you forget to call it?)"
        problem = compare(answer, expected, atol=self.atol, rtol=self.rtol)
        if problem is None:
            return self.validate(answer) if self.validate is not None else None
        known = self._known_mistake(
            lambda wrong: compare(answer, wrong, atol=self.atol, rtol=self.rtol) is None
        )
        return known or self._diagnosis(_plain(answer)) or problem

    def _diagnosis(self, answer: Any) -> str | None:
        """`diagnose`'s message for a wrong value, or None: never for NaN/inf (compare names those),
        and never an error from a diagnose that did not foresee this kind of answer."""
        if self.diagnose is None:
            return None
        if isinstance(answer, numbers.Real) and not math.isfinite(answer):
            return None  # "not a finite number" says more than any diagnosis of a wrong value
        try:
            message = self.diagnose(answer)
        except Exception:  # e.g. int(nan) or `in` on an array: the generic message still judges it
            return None
        return message if isinstance(message, str) else None

    def _function_problem(self, answer: Any) -> str | None:
        if not callable(answer):
            return f"expected a function, got {type(answer).__name__} (pass the function itself, without calling it)"
        for args in self.cases:  # the first input that goes wrong is the one reported, however it fails
            got, problem = self._run(answer, args)
            if problem:
                return f"on input {_describe(args)}: {problem}"
            problem = compare(got, self.reference(*copy.deepcopy(args)), atol=self.atol, rtol=self.rtol)
            if problem:
                return f"wrong on input {_describe(args)}: {self._known_for(answer) or problem}"
        return None

    def _known_for(self, answer: Callable) -> str | None:
        """The message of the listed wrong answer that `answer` behaves like on every test input."""
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # its prints were shown once already
                outputs = [answer(*copy.deepcopy(args)) for args in self.cases]
        except Exception:  # it fails on a later input: it is not one of the listed mistakes
            return None
        return self._known_mistake(lambda wrong: self._same_outputs(wrong, outputs))

    def _run(self, function: Callable, args: tuple) -> tuple[Any, str | None]:
        """Call the learner's function on a copy of `args`: its output, and what is wrong with the call."""
        given = copy.deepcopy(args)
        printed = io.StringIO()
        with (
            contextlib.redirect_stdout(printed),
            _autograd_calls() as autograd_calls,
            _calls_of(self.forbids) as used,
        ):
            try:
                got = function(*given)
            except NotImplementedError:
                raise _Unattempted("the function still raises NotImplementedError") from None
            except Exception as error:  # the learner's code failed: report it, keep the notebook going
                return None, f"your function raised {_raised(error)}"
        if printed.getvalue():  # the learner's own prints (debugging!) still show, above the verdict
            print(printed.getvalue(), end="")
        if got is Ellipsis:
            raise _Unattempted("the function returns `...`")
        if got is None and printed.getvalue().strip():
            text = _one_line(printed.getvalue(), 80)
            return None, f"your function printed {text!r} instead of returning it: use return"
        if got is None:
            return None, "your function returned None: did you forget `return`?"
        if self.requires_autograd and not autograd_calls:
            return None, (
                "this exercise asks for autograd: your function never called .backward() (or "
                "torch.autograd.grad); compute y from a tensor that requires grad and let autograd differentiate it"
            )
        if self.forbids_autograd and autograd_calls:
            return None, (
                "this exercise asks for the derivative without autograd: your function called "
                ".backward() (or torch.autograd.grad); compute it by hand, as the prompt says"
            )
        if used:
            names = ", ".join(dict.fromkeys(used))
            return None, f"this exercise asks you to write it without {names}, and your function called it"
        if self.returns_float and not isinstance(got, float):
            return (
                None,
                f"expected a Python float, got a {_type_name(got)}: .item() turns a one-element tensor into one",
            )
        if self.keeps_inputs:
            for before, after in zip(args, given):
                if not _same(before, after):
                    return None, _in_place_message(before)
        return got, None

    def _same_outputs(self, function: Any, outputs: list) -> bool:
        """Whether `function` gives these outputs on every test input (a known wrong answer matched)."""
        if not callable(function):
            return False
        try:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the learner should not see warnings from the answer key
                theirs = [function(*copy.deepcopy(args)) for args in self.cases]
        except Exception:
            return False
        return all(compare(o, t, atol=self.atol, rtol=self.rtol) is None for o, t in zip(outputs, theirs))

    def _known_mistake(self, behaves_like: Callable[[Any], bool]) -> str | None:
        for entry in self.wrong:
            if isinstance(entry, Mistake) and entry.message and behaves_like(entry.answer):
                return entry.message
        return None

    def _handle(self) -> str:
        """How a notebook reaches this exercise: "Exercise 2 (...)" is `ex.q2`."""
        match = re.match(r"Exercise (\d+)\b", self.name)
        return f"ex.q{match[1]}" if match else ""


# --- printing -----------------------------------------------------------------------------------


def _say(text: str) -> None:
    print(console_safe(text))


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


def exercises_in(module: Any) -> dict[str, Exercise]:
    """The exercises defined in a module, by variable name (q1, q2, ...), in order."""
    return {name: value for name, value in vars(module).items() if isinstance(value, Exercise)}


def recap(module: Any) -> None:
    """Print one line per exercise of a notebook with its latest status."""
    # Plain symbols that every font has (emoji show as empty boxes on many Linux machines).
    marks = {"correct": "✔", "wrong": "✘", "not attempted": "○", "not checked": "·", "handed in": "●"}
    for name, exercise in exercises_in(module).items():
        _say(f"{marks[exercise.status]} {name}: {exercise.name} — {exercise.status}")
