"""Exercises whose prompt sets a rule the plain check cannot see: a Python float asked for, a function
that must not be called (`torch.softmax` when the exercise is to write one), or no autograd.

`StrictExercise` is an `Exercise` (utils/exercises.py) with three more fields; a function answer that
breaks a rule is wrong, with a message naming the rule, even where its outputs are right. The rules
hold for the notebook's check; a teacher's grader (`teach.grade`) replays recorded outputs, which
keep their type and whether autograd was called, but not which other functions were called.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from utils.exercises import Exercise, _autograd_calls


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


def softmax_functions() -> list[tuple[Any, str, str]]:
    """Every way to call PyTorch's softmax: F.softmax and nn.Softmax end in Tensor.softmax.

    Example:
        >>> ("torch.softmax" in [label for _, _, label in softmax_functions()])
        True
    """
    functions = []
    for name in ("softmax", "log_softmax"):
        functions += [(torch, name, f"torch.{name}"), (torch.Tensor, name, f"Tensor.{name}")]
        functions.append((torch.special, name, f"torch.special.{name}"))
    return functions


@dataclass
class StrictExercise(Exercise):
    """A function exercise with rules from its prompt, checked on every call of the answer.

    Args:
        returns_float: the answer must return a Python float (a tensor or a NumPy float32 is wrong).
        forbids: (owner, attribute, label) of functions the answer must not call, e.g.
            `(torch, "sigmoid", "torch.sigmoid")`.
        forbids_autograd: the answer must not call .backward() or torch.autograd.grad.

    Example:
        >>> q = StrictExercise("Exercise 1 (half)", lambda x: x / 2, ["one hint here", "another"],
        ...                    cases=[(1.0,)], returns_float=True)
        >>> q.check(lambda x: torch.tensor(x) / 2)
        ✘ Exercise 1 (half): on input 1.0: expected a Python float, got a torch.Tensor: .item() turns a one-element tensor into one
    """

    returns_float: bool = False
    forbids: Sequence[tuple[Any, str, str]] = ()
    forbids_autograd: bool = False

    def _run(self, function: Any, args: tuple) -> tuple[Any, str | None]:
        with _calls_of(self.forbids) as used, _autograd_calls() as autograd:
            got, problem = super()._run(function, args)
        if problem:
            return got, problem
        if used:
            names = ", ".join(dict.fromkeys(used))
            return None, f"this exercise asks you to write it without {names}, and your function called it"
        if self.forbids_autograd and autograd:
            return None, (
                "this exercise asks for it without autograd: your function called .backward() (or "
                "torch.autograd.grad); work it out with the chain rule instead"
            )
        if self.returns_float and not isinstance(got, float):
            kind = "torch.Tensor" if isinstance(got, torch.Tensor) else type(got).__name__
            return None, f"expected a Python float, got a {kind}: .item() turns a one-element tensor into one"
        return got, None


def plain_number(answer: Any) -> str | None:
    """A `validate` for a value exercise that asks for a number: a tensor or array holding it is wrong.

    Example:
        >>> plain_number(torch.tensor(2.0))
        'expected a Python number, got a torch.Tensor: .item() turns a one-element tensor into one'
    """
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        return None
    kind = "torch.Tensor" if isinstance(answer, torch.Tensor) else type(answer).__name__
    return f"expected a Python number, got a {kind}: .item() turns a one-element tensor into one"
