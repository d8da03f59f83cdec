"""The exercise mechanism (utils/exercises.py): calling a learner's function safely, known
mistakes, graded hints, and the printed lines. Judging values: test_exercises_compare.py."""

import io
import sys
import warnings

import numpy as np
import pytest
import torch

from utils.exercises import Exercise, Mistake, exercises_in, recap


def _verdict(q: Exercise, answer, capsys) -> tuple[str, str]:
    q.check(answer)
    return q.status, capsys.readouterr().out


# --- value exercises -------------------------------------------------------------------------------


def test_value_exercise_validate_and_callable_answer(capsys):
    q = Exercise(
        "Ex", lambda: 3, ["a", "b"], validate=lambda answer: None if type(answer) is int else "use an int"
    )
    status, out = _verdict(q, lambda: 3, capsys)
    assert status == "wrong" and "forget to call it" in out
    status, out = _verdict(q, 3.0, capsys)
    assert status == "wrong" and "use an int" in out
    assert _verdict(q, 3, capsys)[0] == "correct"


def test_a_known_mistake_is_named_and_diagnose_comes_next(capsys):
    q = Exercise(
        "Exercise 1 (pixels)",
        lambda: 3072,
        ["a", "b"],
        wrong=[Mistake(1024, "that counts pixels"), Mistake(96), 9999],
        diagnose=lambda answer: "way too large" if isinstance(answer, int) and answer > 5000 else None,
    )
    assert _verdict(q, 1024, capsys) == ("wrong", "✘ Exercise 1 (pixels): that counts pixels\n")
    assert _verdict(q, 9999, capsys)[1] == "✘ Exercise 1 (pixels): way too large\n"
    assert (
        _verdict(q, 96, capsys)[1] == "✘ Exercise 1 (pixels): your value 96 is too small\n"
    )  # no message: generic
    assert _verdict(q, 3072.0, capsys)[0] == "correct"


def test_diagnose_sees_plain_numbers(capsys):
    q = Exercise("Ex", lambda: 1.0, ["a", "b"], diagnose=lambda answer: f"a {type(answer).__name__}")
    assert _verdict(q, torch.tensor(2.0), capsys)[1] == "✘ Ex: a float\n"
    assert _verdict(q, np.int64(2), capsys)[1] == "✘ Ex: a int\n"


def test_unattempted_values(capsys):
    q = Exercise("Exercise 3 (x)", lambda: 3, ["a", "b"])
    assert _verdict(q, ..., capsys) == (
        "not attempted",
        "○ Exercise 3 (x): not attempted yet (the answer is still `...`). Stuck? Run ex.q3.hint().\n",
    )
    assert _verdict(q, None, capsys)[0] == "not attempted"


# --- function exercises ----------------------------------------------------------------------------


def _double() -> Exercise:
    return Exercise(
        "Ex", lambda x: x * 2, ["a", "b"], cases=[(torch.tensor([1.0]),), (torch.tensor([-3.0]),)]
    )


def test_function_exercise_names_the_input_not_the_right_output(capsys):
    assert _verdict(_double(), lambda x: x.abs() * 2, capsys) == (
        "wrong",
        "✘ Ex: wrong on input tensor([-3.]): at index [0] your value 6.0 has the wrong sign\n",
    )
    status, out = _verdict(_double(), torch.tensor([2.0]), capsys)
    assert status == "wrong" and "expected a function" in out


def test_a_learner_error_shows_the_learners_line_and_the_input(capsys):
    def answer(x):
        y = x * 2
        return y.undefined_attribute

    status, out = _verdict(_double(), answer, capsys)
    assert status == "wrong"
    assert out.startswith("✘ Ex: on input tensor([1.]): your function raised AttributeError:")
    assert "(line " in out and ": return y.undefined_attribute)" in out


def test_an_error_inside_a_library_points_to_the_learners_call(capsys):
    def answer(x):
        return torch.cat([x, torch.zeros(2, 2)])

    out = _verdict(_double(), answer, capsys)[1]
    assert "raised RuntimeError" in out and "return torch.cat([x, torch.zeros(2, 2)])" in out


def test_printing_instead_of_returning_is_named(capsys):
    status, out = _verdict(_double(), lambda x: print(x * 2), capsys)
    assert status == "wrong"
    assert "your function printed 'tensor([2.])' instead of returning it: use return" in out


def test_returning_none_is_a_forgotten_return_not_unattempted(capsys):
    def answer(x):
        x * 2

    status, out = _verdict(_double(), answer, capsys)
    assert status == "wrong" and "returned None: did you forget `return`?" in out


@pytest.mark.parametrize("answer", [lambda x: ..., lambda x: (_ for _ in ()).throw(NotImplementedError)])
def test_a_template_is_not_attempted(answer, capsys):
    assert _verdict(_double(), answer, capsys)[0] == "not attempted"


@pytest.mark.parametrize(
    ("case", "answer", "kind"),
    [
        (torch.zeros(2), lambda x: x.add_(5), "tensor"),
        (np.zeros(2), lambda x: x.__isub__(1) + 2, "array"),
        ([3.0, 1.0], lambda values: values.sort() or sorted(values), "list"),
    ],
)
def test_a_function_that_changes_its_input_is_rejected(case, answer, kind, capsys):
    q = Exercise("Ex", lambda x: x, ["a", "b"], cases=[(case,)])
    status, out = _verdict(q, answer, capsys)
    assert status == "wrong"
    assert (
        "your function changed its input in place" in out and f"the caller's {kind} would be modified" in out
    )


def test_learner_cannot_corrupt_hidden_inputs(capsys):
    q = Exercise("Ex", lambda x: x + 1, ["a", "b"], cases=[(torch.zeros(2),)])
    assert _verdict(q, lambda x: x.add_(1), capsys)[0] == "wrong"
    assert _verdict(q, lambda x: x + 1, capsys)[0] == "correct"  # the hidden input is still zeros
    q = Exercise("Ex", lambda x: x + 1, ["a", "b"], cases=[(torch.zeros(2),)], keeps_inputs=False)
    assert _verdict(q, lambda x: x.add_(1), capsys)[0] == "correct"


def _square_slope() -> Exercise:
    def reference(x):
        x = torch.tensor(x, requires_grad=True)
        (x**2).backward()
        return x.grad.item()

    return Exercise("Ex", reference, ["a", "b"], cases=[(1.0,), (3.0,)], requires_autograd=True)


def test_an_autograd_exercise_rejects_answers_without_autograd(capsys):
    status, out = _verdict(_square_slope(), lambda x: 2 * x, capsys)
    assert status == "wrong"
    assert "this exercise asks for autograd: your function never called .backward()" in out
    assert torch.autograd.backward.__module__ == "torch.autograd"  # the spy is gone again


def test_an_autograd_exercise_accepts_backward_and_autograd_grad(capsys):
    def with_grad(x):
        x = torch.tensor(x, requires_grad=True)
        return torch.autograd.grad(x**2, x)[0].item()

    assert _verdict(_square_slope(), _square_slope().reference, capsys)[0] == "correct"
    assert _verdict(_square_slope(), with_grad, capsys)[0] == "correct"


def test_a_by_hand_exercise_rejects_autograd(capsys):
    # "without autograd" in a prompt is enforced: the same right numbers computed by .backward() fail.
    q = Exercise("Ex", lambda x: 2 * x, ["a", "b"], cases=[(1.0,), (3.0,)], forbids_autograd=True)
    status, out = _verdict(q, _square_slope().reference, capsys)
    assert status == "wrong" and "without autograd" in out
    assert _verdict(q, lambda x: 2 * x, capsys)[0] == "correct"


def test_a_known_wrong_function_is_named_only_when_it_matches_every_input(capsys):
    q = Exercise(
        "Ex",
        lambda values: sum(values) / len(values),
        ["a", "b"],
        cases=[([1.0, 2.0, 3.0],), ([5.0],)],
        wrong=[Mistake(lambda values: sum(values), "you returned the sum")],
    )
    assert _verdict(q, lambda values: sum(values), capsys)[1] == (
        "✘ Ex: wrong on input [1.0, 2.0, 3.0]: you returned the sum\n"
    )
    out = _verdict(q, lambda values: sum(values) + 1, capsys)[1]  # differs from the sum on every input
    assert "you returned the sum" not in out and "is too large" in out


def test_known_wrong_functions_run_silently(capsys):
    def noisy_sum(values):
        print("from the answer key")
        warnings.warn("from the answer key", stacklevel=1)
        return sum(values)

    q = Exercise("Ex", lambda values: sum(values) / len(values), ["a", "b"], cases=[([1.0, 3.0],)])
    q.wrong = [Mistake(noisy_sum, "you returned the sum")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _verdict(q, sum, capsys)[1] == "✘ Ex: wrong on input [1.0, 3.0]: you returned the sum\n"


def test_large_inputs_are_described_by_shape(capsys):
    q = Exercise("Ex", lambda x: x * 2, ["a", "b"], cases=[(torch.zeros(3, 4, 6),)])
    status, out = _verdict(q, lambda x: x + 1, capsys)
    assert status == "wrong" and "wrong on input a (3, 4, 6) float32 tensor" in out


# --- hints, solution, printing ---------------------------------------------------------------------


def test_hints_come_one_at_a_time_then_point_to_the_solution(capsys):
    q = Exercise("Exercise 2 (x)", lambda: 1, ["first idea", "closer"])
    q.hint()
    q.hint()
    q.hint()
    assert capsys.readouterr().out.splitlines() == [
        "Hint 1/2 for Exercise 2 (x): first idea",
        "Hint 2/2 for Exercise 2 (x): closer",
        "No more hints: ex.q2.solution() shows the reference solution.",
    ]
    q.hint(1)
    assert capsys.readouterr().out == "Hint 1/2 for Exercise 2 (x): first idea\n"
    with pytest.raises(ValueError, match="hints 1 to 2"):
        q.hint(3)


@pytest.mark.parametrize("number", ["1", 1.0, True, [1]])
def test_a_hint_number_of_the_wrong_type_gets_a_clear_message(number):
    q = Exercise("Exercise 2 (x)", lambda: 1, ["first idea", "closer"])
    with pytest.raises(
        TypeError,
        match=r"hint\(\) takes no argument \(the next hint\) or a hint number from 1 to 2, "
        r"e.g. ex.q2.hint\(1\); got ",
    ):
        q.hint(number)
    assert q.hints_seen == 0


def test_a_numpy_int_hint_number_works(capsys):
    q = Exercise("Exercise 2 (x)", lambda: 1, ["first idea", "closer"])
    q.hint(np.int64(2))
    assert capsys.readouterr().out == "Hint 2/2 for Exercise 2 (x): closer\n"


def test_hints_must_be_a_list():
    with pytest.raises(TypeError, match="list of hint strings"):
        Exercise("Ex", lambda: 1, "one long hint")


def _reference_for_solution():
    return 41 + 1  # the answer


def test_solution_prints_the_reference_source(capsys):
    Exercise("Ex", _reference_for_solution, ["a", "b"]).solution()
    out = capsys.readouterr().out
    assert out.startswith("Reference solution for Ex:") and "return 41 + 1  # the answer" in out


def test_reference_answer_is_the_function_or_its_value():
    value = Exercise("Ex", lambda: 3, ["a", "b"])
    function = Exercise("Ex", abs, ["a", "b"], cases=[(-1,)])
    assert value.reference_answer() == 3 and function.reference_answer() is abs


def test_check_returns_nothing_so_a_notebook_shows_only_the_message(capsys):
    q = Exercise("Ex", lambda: 1, ["a", "b"])
    assert q.check(1) is None and q.status == "correct"


def test_lines_fall_back_to_ascii_on_a_console_that_cannot_print_symbols(monkeypatch):
    console = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", console)
    q = Exercise("Ex", lambda: 1, ["a", "b"])
    q.check(1)
    q.check(2)
    q.check(...)
    console.flush()
    lines = console.buffer.getvalue().decode("ascii").splitlines()
    assert [line[:4] for line in lines] == ["[ok]", "[x] ", "[ ] "]


def test_recap_lists_every_exercise_with_its_status(capsys):
    from exercises import nb00

    assert list(exercises_in(nb00)) == ["q1", "q2", "q3"]
    nb00.q1.check(...)
    nb00.q2.check(nb00.q2.reference)
    capsys.readouterr()
    recap(nb00)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("○ q1") and "not attempted" in out[0]
    assert out[1].startswith("✔ q2") and "correct" in out[1]
    assert len(out) == 3 and out[2].startswith("· q3") and "not checked" in out[2]


def test_the_learners_own_prints_still_show_above_the_verdict(capsys):
    q = Exercise("Exercise 1 (double)", lambda x: 2 * x, ["h1", "h2"], cases=[(1.0,), (2.0,)])

    def doubled(x):
        print("debug:", x)
        return 2 * x

    q.check(doubled)
    assert capsys.readouterr().out.splitlines() == [
        "debug: 1.0",
        "debug: 2.0",
        "✔ Exercise 1 (double): correct!",
    ]


def test_the_first_failing_input_is_reported_even_when_a_later_one_raises(capsys):
    q = Exercise("Ex", lambda x: x * 2, ["a", "b"], cases=[(torch.ones(3),), (torch.ones(4),)])

    def wrong_shape_then_crash(x):
        if len(x) == 4:
            raise IndexError("boom")
        return x[:2] * 2

    status, out = _verdict(q, wrong_shape_then_crash, capsys)
    assert status == "wrong" and "shape" in out and "boom" not in out


# --- answers nobody foresaw: judged, never a traceback -----------------------------------------------


def _int_only_diagnosis(answer):
    """Like nb10's token count: a diagnose written for numbers, which int() breaks on NaN/inf."""
    if isinstance(answer, (int, float)) and answer != int(answer):
        return "not a whole number"
    return None


@pytest.mark.parametrize(
    "answer", [float("nan"), float("inf"), -float("inf"), torch.tensor(float("nan")), np.float32("inf")]
)
def test_a_nan_or_inf_answer_is_judged_not_a_finite_number(answer, capsys):
    q = Exercise("Exercise 5 (tokens)", lambda: 197, ["a", "b"], diagnose=_int_only_diagnosis)
    status, out = _verdict(q, answer, capsys)
    assert status == "wrong" and "is not a finite number" in out and "division by zero, or an overflow" in out
    assert "197" not in out


def test_a_diagnose_that_fails_on_an_odd_answer_falls_back_to_the_generic_message(capsys):
    q = Exercise(
        "Exercise 2 (wrap)",
        lambda: {"model", "train_loader"},
        ["a", "b"],
        diagnose=lambda answer: "no loss" if "loss_fn" in answer else None,
    )
    status, out = _verdict(q, np.array([1, 2]), capsys)  # `in` on an int array of a str raises or warns
    assert status == "wrong" and "expected a set" in out and "got ndarray" in out
    assert _verdict(q, 7, capsys) == (
        "wrong",
        "✘ Exercise 2 (wrap): expected a set (written with braces, e.g. {'a', 'b'}), got int 7\n",
    )
    assert _verdict(q, {"loss_fn"}, capsys)[1] == "✘ Exercise 2 (wrap): no loss\n"


def test_an_ndarray_where_a_tensor_is_expected_names_the_expected_type(capsys):
    value = Exercise("Ex", lambda: torch.zeros(2, 3), ["a", "b"])
    status, out = _verdict(value, np.zeros((2, 3)), capsys)
    assert status == "wrong" and "expected a torch.Tensor, got ndarray (torch.from_numpy(x) makes one)" in out
    function = Exercise("Ex", lambda x: x * 2, ["a", "b"], cases=[(torch.ones(3),)])
    status, out = _verdict(function, lambda x: x.numpy() * 2, capsys)
    assert status == "wrong" and "expected a torch.Tensor, got ndarray" in out


def test_a_meta_tensor_answer_is_judged_as_having_no_values(capsys):
    value = Exercise("Ex", lambda: torch.zeros(2, 3), ["a", "b"], diagnose=lambda a: None)
    status, out = _verdict(value, torch.empty(2, 3, device="meta"), capsys)
    assert status == "wrong" and "on the meta device: it has a shape but no values" in out
    number = Exercise("Ex", lambda: 2.0, ["a", "b"], diagnose=lambda a: None)
    status, out = _verdict(number, torch.empty((), device="meta"), capsys)
    assert status == "wrong" and "on the meta device" in out
    function = Exercise("Ex", lambda x: x * 2, ["a", "b"], cases=[(torch.ones(3),)])
    status, out = _verdict(function, lambda x: torch.empty_like(x, device="meta"), capsys)
    assert status == "wrong" and "on input tensor([1., 1., 1.])" in out and "meta device" in out


def test_an_answer_that_breaks_the_checker_is_still_judged(capsys):
    class Hostile:  # == raises, and so does everything else a check might try
        def __eq__(self, other):
            raise RuntimeError("no comparing me")

        __hash__ = object.__hash__

    q = Exercise("Exercise 1 (x)", lambda: 3, ["a", "b"], validate=lambda a: None)
    q._value_problem = lambda answer: answer == 3  # a checker path that raises on this answer
    status, out = _verdict(q, Hostile(), capsys)
    assert status == "wrong" and out.startswith("✘ Exercise 1 (x): this answer (Hostile ")
    assert "could not be checked: RuntimeError: no comparing me" in out
