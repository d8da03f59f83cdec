"""Every exercise's check passes on the reference solution and fails on each plausible wrong answer.

Exercises are discovered from `utils/exercises/nb*.py`, so a new notebook's exercises are covered
without editing this file. The mechanism itself (`compare`, messages, unattempted answers) is tested too.
"""

import importlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from utils.exercises import Exercise, compare, exercises_in, recap

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p.stem for p in (ROOT / "utils" / "exercises").glob("nb*.py"))
ALL = [
    pytest.param(module, name, id=f"{module}.{name}")
    for module in MODULES
    for name in exercises_in(importlib.import_module(f"utils.exercises.{module}"))
]


def _exercise(module: str, name: str) -> Exercise:
    return getattr(importlib.import_module(f"utils.exercises.{module}"), name)


@pytest.mark.parametrize(("module", "name"), ALL)
def test_check_passes_on_the_reference_solution(module, name, capsys):
    q = _exercise(module, name)
    q.check(q.reference_answer())
    out = capsys.readouterr().out
    assert q.status == "correct", out
    assert "✔" in out


@pytest.mark.parametrize(("module", "name"), ALL)
def test_check_fails_on_every_wrong_answer(module, name, capsys):
    q = _exercise(module, name)
    assert len(q.wrong) >= 1, f"{module}.{name} lists no plausible wrong answer"
    for i, wrong in enumerate(q.wrong):
        q.check(wrong)
        out = capsys.readouterr().out
        assert q.status == "wrong", f"{module}.{name} did not reject wrong answer #{i}: {out}"
        assert "✘" in out and ("expected" in out or "raised" in out), f"unhelpful message: {out}"


@pytest.mark.parametrize(("module", "name"), ALL)
def test_unattempted_answer_is_reported_not_raised(module, name, capsys):
    q = _exercise(module, name)
    if q.cases is None:
        q.check(...)
    else:

        def template(*args):
            raise NotImplementedError

        q.check(template)
    assert q.status == "not attempted"
    assert "not attempted" in capsys.readouterr().out


@pytest.mark.parametrize(("module", "name"), ALL)
def test_hint_and_solution_print_only_on_request(module, name, capsys):
    q = _exercise(module, name)
    q.hint()
    assert "Hint" in capsys.readouterr().out
    q.solution()
    assert "Reference solution" in capsys.readouterr().out


@pytest.mark.parametrize("module", MODULES)
def test_every_exercise_is_checked_in_its_notebook(module):
    number = module.removeprefix("nb")
    notebooks = list((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
    assert len(notebooks) == 1, f"exercise module {module} has no notebook {number}_*.ipynb"
    source = "\n".join("".join(c["source"]) for c in json.loads(notebooks[0].read_text())["cells"])
    assert f"from utils.exercises import {module} as ex" in source
    for name in exercises_in(importlib.import_module(f"utils.exercises.{module}")):
        assert f"ex.{name}.check(" in source, f"{notebooks[0].name} never calls ex.{name}.check(...)"


# --- the mechanism ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("got", "expected", "message"),
    [
        (torch.zeros(2, 3), torch.zeros(3, 2), "expected shape (3, 2), got (2, 3)"),
        (torch.zeros(2), torch.zeros(2, dtype=torch.int64), "expected dtype torch.int64, got torch.float32"),
        ([0.0, 0.0], torch.zeros(2), "expected a torch.Tensor, got list"),
        (
            torch.tensor([1.0, 5.0]),
            torch.tensor([1.0, 2.0]),
            "values differ at index [1]: expected 2.0, got 5.0",
        ),
        (np.ones(3), np.zeros(3), "values differ at index [0]"),
        (2.5, 2.0, "expected 2, got 2.5"),
        ("2", 2.0, "expected a number, got str"),
        (torch.tensor([2.0]), 2.0, "use .item()"),
        (np.array(3.0), 2.0, "expected 2, got 3"),
        (1, True, "expected a bool"),
        ((1, 2), (1, 2, 3), "expected 3 items, got 2"),
        ((1, 5), (1, 2), "item 1: expected 2, got 5"),
        ({"a": 1}, {"b": 1}, "expected keys ['b'], got ['a']"),
        ((3, 4), torch.Size([4, 3]), "expected (4, 3), got (3, 4)"),
        ("cat", "dog", "expected 'dog', got 'cat'"),
    ],
)
def test_compare_names_what_differs(got, expected, message):
    assert message in compare(got, expected)


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (torch.tensor([1.0, float("nan")]), torch.tensor([1.0, float("nan")])),
        (torch.tensor(2.0), 2.0),
        (np.float64(0.1 + 0.2), 0.3),
        ((torch.ones(2), 3), (torch.ones(2), 3)),
        (torch.Size([2, 3]), torch.Size([2, 3])),
    ],
)
def test_compare_accepts_equal_values(got, expected):
    assert compare(got, expected) is None


def _verdict(q: Exercise, answer, capsys) -> tuple[str, str]:
    q.check(answer)
    return q.status, capsys.readouterr().out


def test_function_exercise_reports_input_and_learner_errors(capsys):
    q = Exercise("Ex", lambda x: x * 2, "double it", cases=[(torch.tensor([1.0]),), (torch.tensor([-3.0]),)])
    assert _verdict(q, lambda x: x.abs() * 2, capsys) == (
        "wrong",
        "✘ Ex: wrong on input tensor([-3.]): values differ at index [0]: expected -6.0, got 6.0 (1 of 1 values differ)\n",
    )
    status, out = _verdict(q, lambda x: x.undefined_attribute, capsys)
    assert status == "wrong" and "raised AttributeError" in out
    status, out = _verdict(q, torch.tensor([2.0]), capsys)
    assert status == "wrong" and "expected a function" in out
    status, out = _verdict(q, lambda x: None, capsys)
    assert status == "not attempted" and "returns nothing yet" in out


def test_large_inputs_are_described_by_shape(capsys):
    q = Exercise("Ex", lambda x: x * 2, "double it", cases=[(torch.zeros(3, 4, 6),)])
    status, out = _verdict(q, lambda x: x + 1, capsys)
    assert status == "wrong" and "wrong on input a (3, 4, 6) float32 tensor" in out


def test_learner_cannot_corrupt_hidden_inputs(capsys):
    q = Exercise("Ex", lambda x: x + 1, "add one", cases=[(torch.zeros(2),)])
    assert _verdict(q, lambda x: x.add_(5), capsys)[0] == "wrong"  # in-place change of the input
    assert _verdict(q, lambda x: x + 1, capsys)[0] == "correct"


def test_reference_answer_is_the_function_or_its_value():
    value = Exercise("Ex", lambda: 3, "three")
    function = Exercise("Ex", abs, "abs", cases=[(-1,)])
    assert value.reference_answer() == 3 and function.reference_answer() is abs


def test_check_returns_nothing_so_a_notebook_shows_only_the_message(capsys):
    q = Exercise("Ex", lambda: 1, "one")
    assert q.check(1) is None and q.status == "correct"


def test_value_exercise_validate_and_callable_answer(capsys):
    q = Exercise(
        "Ex", lambda: 3, "three", validate=lambda answer: None if type(answer) is int else "use an int"
    )
    status, out = _verdict(q, lambda: 3, capsys)
    assert status == "wrong" and "forget to call it" in out
    status, out = _verdict(q, 3.0, capsys)
    assert status == "wrong" and "use an int" in out
    assert _verdict(q, 3, capsys)[0] == "correct"


def test_recap_lists_every_exercise_with_its_status(capsys):
    from utils.exercises import nb00

    nb00.q1.check(...)
    nb00.q2.check(nb00.q2.reference)
    capsys.readouterr()
    recap(nb00)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("○ q1") and "not attempted" in out[0]
    assert out[1].startswith("✔ q2") and "correct" in out[1]
