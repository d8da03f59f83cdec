"""Every exercise of every notebook: its check passes on the reference solution, fails on each listed
wrong answer without revealing the right value, and its hints come in steps that never give the solution.

Exercises are discovered from `utils/exercises/nb*.py`, so a new notebook's exercises are covered
without editing this file. The mechanism itself is tested in test_exercises_core.py.
"""

import ast
import contextlib
import copy
import dataclasses
import importlib
import inspect
import io
import json
import math
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from utils.exercises import Exercise, Mistake, exercises_in

# A listed wrong answer (std across one channel) warns, as it would in the learner's notebook.
pytestmark = pytest.mark.filterwarnings(r"ignore:std\(\). degrees of freedom:UserWarning")

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p.stem for p in (ROOT / "exercises").glob("nb*.py"))
ALL = [
    pytest.param(module, name, id=f"{module}.{name}")
    for module in MODULES
    for name in exercises_in(importlib.import_module(f"exercises.{module}"))
]


def _exercise(module: str, name: str) -> Exercise:
    """A fresh copy of the exercise (status and hint counter reset), so tests do not share state."""
    return dataclasses.replace(getattr(importlib.import_module(f"exercises.{module}"), name))


def _wrong_answers(q: Exercise) -> list:
    return [entry.answer if isinstance(entry, Mistake) else entry for entry in q.wrong]


def _verdict(q: Exercise, answer, capsys) -> tuple[str, str]:
    """The status and the verdict line (what the learner's function printed itself comes before it)."""
    q.check(answer)
    return q.status, capsys.readouterr().out.splitlines()[-1] + "\n"


# --- the checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("module", "name"), ALL)
def test_check_passes_on_the_reference_solution(module, name, capsys):
    q = _exercise(module, name)
    status, out = _verdict(q, q.reference_answer(), capsys)
    assert status == "correct", out
    assert out == f"✔ {q.name}: correct!\n"


@pytest.mark.parametrize(("module", "name"), ALL)
def test_check_fails_on_every_wrong_answer(module, name, capsys):
    q = _exercise(module, name)
    assert len(q.wrong) >= 2, f"{module}.{name} lists fewer than two plausible wrong answers"
    for i, entry in enumerate(q.wrong):
        answer = entry.answer if isinstance(entry, Mistake) else entry
        status, out = _verdict(q, answer, capsys)
        assert status == "wrong", f"{module}.{name} did not reject wrong answer #{i}: {out}"
        assert out.startswith(f"✘ {q.name}: ") and len(out) > len(q.name) + 20, f"unhelpful message: {out}"
        if isinstance(entry, Mistake) and entry.message:  # a known mistake is named
            assert entry.message in out, f"{module}.{name} wrong answer #{i}: {out}"


@pytest.mark.parametrize(("module", "name"), ALL)
def test_a_wrong_answer_never_reveals_the_right_value(module, name, capsys):
    """No number in the message is a value of the right output that the learner's own answer lacks."""
    q = _exercise(module, name)
    for i, wrong in enumerate(_wrong_answers(q)):
        message = _verdict(q, wrong, capsys)[1].removeprefix(f"✘ {q.name}: ")
        if q.cases is None:
            secret, known = _numbers(q.reference()), _numbers(wrong)
        else:
            secret, known = set(), set()
            for args in q.cases:
                secret |= _numbers(q.reference(*copy.deepcopy(args)))
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed), contextlib.suppress(Exception):  # raised: no output
                    known |= _numbers(wrong(*copy.deepcopy(args)))
                known |= _numbers(args) | _numbers(printed.getvalue())
        secret = {s for s in secret if not any(_close(s, k) for k in known)}
        shown = _numbers(_without_structure(message))
        leaked = sorted(s for s in secret if any(_close(s, n) for n in shown))
        assert not leaked, f"{module}.{name}, wrong answer #{i} reveals {leaked}: {message}"


@pytest.mark.parametrize(("module", "name"), ALL)
def test_copying_the_nearest_earlier_cell_and_two_typical_mistakes_are_rejected(module, name):
    # Each exercise asks for one step past the notebook: the answer a copy of the nearest earlier cell
    # gives is a listed Mistake (copy_of names the cell), beside at least two typical wrong answers.
    # test_check_fails_on_every_wrong_answer proves the check rejects each of them.
    q = _exercise(module, name)
    copies = [w for w in q.wrong if isinstance(w, Mistake) and w.copy_of]
    others = [w for w in q.wrong if not (isinstance(w, Mistake) and w.copy_of)]
    assert copies, f"{module}.{name}: no wrong answer is marked copy_of=<the notebook cell it copies>"
    assert len(others) >= 2, (
        f"{module}.{name}: {len(others)} typical wrong answer(s) besides the copy; need 2"
    )


@pytest.mark.parametrize("module", MODULES)
def test_every_notebook_has_at_least_three_exercises(module):
    assert len(exercises_in(importlib.import_module(f"exercises.{module}"))) >= 3, module


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
    assert capsys.readouterr().out.startswith(f"○ {q.name}: not attempted")


# --- hints and solutions -------------------------------------------------------------------------


@pytest.mark.parametrize(("module", "name"), ALL)
def test_every_exercise_has_graded_hints(module, name):
    q = _exercise(module, name)
    assert len(q.hints) >= 2, f"{module}.{name} needs at least two hints, each closer than the last"
    assert len(set(q.hints)) == len(q.hints), f"{module}.{name} repeats a hint"
    assert all(len(hint) >= 40 for hint in q.hints), f"{module}.{name} has a hint too short to help"


@pytest.mark.parametrize(("module", "name"), ALL)
def test_no_hint_contains_the_solution(module, name):
    q = _exercise(module, name)
    hints = [_squeeze(hint) for hint in q.hints]
    for piece in _solution_pieces(q.reference):
        for number, hint in enumerate(hints, start=1):
            assert piece not in hint, f"{module}.{name} hint {number} contains the solution code {piece!r}"


@pytest.mark.parametrize(("module", "name"), [p for p in ALL if _exercise(*p.values).cases is None])
def test_no_hint_states_the_right_value(module, name):
    q = _exercise(module, name)
    value = q.reference()
    if not isinstance(value, (int, float)):
        return  # tensors: their values are covered by the solution-code check
    forms = {repr(value), str(value), f"{value:g}"}
    for number, hint in enumerate(q.hints, start=1):
        for form in forms:
            # 0, 1 and -1 appear in every formula: for those only a stated value ("η = 1") counts.
            anywhere = abs(value) not in (0, 1) and re.search(
                rf"(?<![\w.]){re.escape(form)}(?![\w.]*\d)", hint
            )
            stated = re.search(
                rf"(=|≈|\bis|\bbe|\bequals|\banswer)\s*{re.escape(form)}(?![\d.]*\d|\s*[-+*/^−])", hint
            )
            assert not (anywhere or stated), f"{module}.{name} hint {number} gives the answer {form}: {hint}"


@pytest.mark.parametrize(("module", "name"), ALL)
def test_hint_walks_the_hints_in_order_then_points_to_the_solution(module, name, capsys):
    q = _exercise(module, name)
    total = len(q.hints)
    for number, hint in enumerate(q.hints, start=1):
        q.hint()
        assert capsys.readouterr().out == f"Hint {number}/{total} for {q.name}: {hint}\n"
    q.hint()
    q.hint()
    handle = f"ex.{name}"
    assert (
        capsys.readouterr().out == f"No more hints: {handle}.solution() shows the reference solution.\n" * 2
    )
    q.hint(1)  # an earlier hint, read again
    assert capsys.readouterr().out == f"Hint 1/{total} for {q.name}: {q.hints[0]}\n"


@pytest.mark.parametrize(("module", "name"), ALL)
def test_solution_prints_the_reference_source(module, name, capsys):
    q = _exercise(module, name)
    q.solution()
    out = capsys.readouterr().out
    assert out.startswith(f"Reference solution for {q.name}:")
    assert textwrap.dedent(inspect.getsource(q.reference)) in out


# --- where exercises and their answers live ------------------------------------------------------


@pytest.mark.parametrize("module", MODULES)
def test_answers_live_in_the_spoiler_module(module):
    number = module.removeprefix("nb")
    key = importlib.import_module(f"exercises.answers.{module}")
    assert key.__doc__.startswith(
        f"SPOILERS: the answers to notebook {number}'s exercises. Try first; .hint() helps."
    )
    for name, q in exercises_in(importlib.import_module(f"exercises.{module}")).items():
        assert q.reference.__module__ == key.__name__, (
            f"{module}.{name}: the reference is not in {key.__name__}"
        )
        assert any(q.wrong is value for value in vars(key).values()), (
            f"{module}.{name}: wrong answers not in the key"
        )


@pytest.mark.parametrize(("module", "name"), ALL)
def test_exercise_qn_is_named_exercise_n(module, name):
    assert _exercise(module, name).name.startswith(f"Exercise {name.removeprefix('q')} (")


@pytest.mark.parametrize("module", MODULES)
def test_every_exercise_is_checked_in_its_notebook(module):
    source = _notebook_source(module)
    assert f"from exercises import {module} as ex" in source
    for name, q in exercises_in(importlib.import_module(f"exercises.{module}")).items():
        assert f"ex.{name}.check(" in source, f"notebook {module} never calls ex.{name}.check(...)"
        assert f"ex.{name}.hint()" in source, f"notebook {module} never offers ex.{name}.hint()"
        if q.cases is not None:  # the solution shows the function the notebook asks for
            assert f"def {q.reference.__name__}(" in source, (
                f"{module}.{name}: no def {q.reference.__name__}("
            )


# --- helpers -------------------------------------------------------------------------------------

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])")


def _numbers(value) -> set[float]:
    """Every number in a value (nested tuples, tensors, arrays) or a text."""
    if isinstance(value, str):
        return {float(n) for n in NUMBER.findall(value)}
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return {float(v) for v in value.ravel() if np.isfinite(v)} if value.dtype.kind in "biuf" else set()
    if isinstance(value, (list, tuple)):
        return set().union(*map(_numbers, value)) if value else set()
    if isinstance(value, (int, float, np.number)) and math.isfinite(value):
        return {float(value)}
    return set()


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-9)


def _without_structure(message: str) -> str:
    """The message without what names structure, not values: inputs, indices, shapes, counts, factors."""
    for pattern in (
        r"^(wrong )?on input .*?: ",
        r"index \[[^\]]*\]",
        r"\(\d+(?:, \d+)*,?\)",
        r"\d+ of \d+ values differ",
        r"factor of about [\d.]+",
        r"\bitem \d+",
        r"\bline \d+",
        r"expected \d+ items, got \d+",
    ):
        message = re.sub(pattern, " ", message)
    return message


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _solution_pieces(reference) -> set[str]:
    """The non-trivial code of a reference solution: its lines and sub-expressions over 12 characters."""
    source = textwrap.dedent(inspect.getsource(reference))
    function = ast.parse(source).body[0]
    body = function.body[1:] if ast.get_docstring(function) else function.body
    pieces = set()
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, (ast.stmt, ast.expr)):
                pieces.add(_squeeze(ast.unparse(node)))
        for line in ast.get_source_segment(source, statement).splitlines():
            pieces.add(_squeeze(line.split("#")[0]))
    return {piece for piece in pieces if len(piece) > 12}


def _notebook_source(module: str) -> str:
    number = module.removeprefix("nb")
    notebooks = list((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
    assert len(notebooks) == 1, f"exercise module {module} has no notebook {number}_*.ipynb"
    return "\n".join("".join(c["source"]) for c in json.loads(notebooks[0].read_text())["cells"])


# --- rules from a prompt that the plain check cannot see (forbids, forbids_autograd, returns_float) ---


def test_strict_exercise_refuses_what_the_prompt_forbids_and_restores_every_function(capsys):
    from exercises.nb04 import softmax_functions
    from utils.exercises import plain_number

    originals = [(owner, name, vars(owner).get(name)) for owner, name, _ in softmax_functions()]
    q = Exercise(
        "Exercise 1 (softmax)",
        lambda z: torch.exp(z) / torch.exp(z).sum(),
        ["a first hint, long enough to help", "a second hint, long enough to help"],
        cases=[(torch.tensor([1.0, 2.0]),)],
        forbids=softmax_functions(),
        forbids_autograd=True,
        returns_float=False,
    )
    assert _verdict(q, lambda z: torch.softmax(z, dim=0), capsys)[0] == "wrong"
    assert _verdict(q, lambda z: torch.nn.functional.softmax(z, dim=0), capsys)[1].count("without") == 1

    def by_autograd(z):
        z = z.clone().requires_grad_(True)
        (z * 0).sum().backward()
        return torch.exp(z.detach()) / torch.exp(z.detach()).sum()

    status, out = _verdict(q, by_autograd, capsys)
    assert status == "wrong" and "without autograd" in out
    assert _verdict(q, q.reference, capsys)[0] == "correct"
    assert [(owner, name, vars(owner).get(name)) for owner, name, _ in softmax_functions()] == originals
    assert plain_number(2.5) is None and "item()" in plain_number(torch.tensor(2.5))

    half = Exercise(
        "Exercise 2 (half)",
        lambda x: x / 2,
        ["a first hint, long enough", "a second hint, long enough"],
        cases=[(1.0,)],
        returns_float=True,
    )
    status, out = _verdict(half, lambda x: torch.tensor(x) / 2, capsys)
    assert status == "wrong" and "expected a Python float" in out
