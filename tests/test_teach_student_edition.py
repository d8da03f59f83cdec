"""The student edition (teach/student_edition.py): the course without any answer key, its checks still
working on the public inputs, and the core's hooks it relies on (`Withheld`, `RecordedError`)."""

from __future__ import annotations

import importlib
import inspect
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from teach.student_edition import LEFT_OUT, course_files
from utils.exercises import Exercise, Mistake, RecordedError, Withheld, exercises_in

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p.stem for p in (ROOT / "exercises").glob("nb*.py"))


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    """The student edition, built with the command the README gives."""
    out = tmp_path_factory.mktemp("class") / "course"
    done = subprocess.run(
        [sys.executable, "-m", "teach.student_edition", str(out)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "no answer key in any file" in done.stdout
    return out


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def _body(function) -> str:
    """A reference solution's code without its `def` line and comments: what must appear nowhere."""
    lines = inspect.getsource(function).splitlines()
    kept = [line.split("  #")[0] for line in lines if not line.lstrip().startswith(("def ", "#", "@"))]
    return _squeeze("\n".join(kept))


def test_no_file_holds_a_reference_solution(edition):
    texts = {}
    for path in edition.rglob("*"):
        if path.is_file() and path.suffix != ".pkl":
            texts[path] = _squeeze(path.read_text(errors="replace"))
    assert any(p.name == "00_welcome_and_setup.ipynb" for p in texts)
    searched = 0
    for module in MODULES:
        for name, exercise in exercises_in(importlib.import_module(f"exercises.{module}")).items():
            body = _body(exercise.reference)
            assert body, f"{module}.{name}"
            searched += 1
            # A one-liner such as `return 1.0` also occurs by chance elsewhere: looked for among the exercises.
            where = texts if len(body) >= 30 else {p: t for p, t in texts.items() if "exercises" in p.parts}
            for path, text in where.items():
                assert body not in text, f"{path} holds the reference solution of {module}.{name}"
    assert searched >= 80
    for path in (edition / "exercises" / "answers").glob("*.py"):
        source = path.read_text()
        assert "lambda" not in source and "Mistake(" not in source, path


def test_the_stored_data_holds_no_code(edition):
    """The pickles hold tensors, arrays, numbers and Withheld/Mistake records: no reference to a function."""
    allowed = ("utils.exercises", "torch", "numpy", "collections", "builtins", "copyreg", "_codecs")
    for path in (edition / "exercises" / "answers").glob("*.pkl"):
        with open(path, "rb") as file:
            recorder = _Recorder(file)
            recorder.load()
        named = recorder.named
        assert all(module.startswith(allowed) for module, _ in named), (path.name, named)
        assert ("utils.exercises", "Withheld") in named, path.name


class _Recorder(pickle.Unpickler):
    """Unpickles, noting every class or function the data names."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.named: set[tuple[str, str]] = set()

    def find_class(self, module, name):
        self.named.add((module, name))
        return super().find_class(module, name)


def test_the_teachers_tools_and_tests_are_left_out(edition):
    files = course_files()
    assert files and not any(f.startswith(LEFT_OUT) for f in files)
    assert not (edition / "teach").exists() and not (edition / "tests").exists()
    assert (edition / "EDITION.md").exists() and (edition / "utils" / "exercises.py").exists()


def test_checks_in_the_edition_still_work_without_the_answers(edition):
    """Run in the edition: function answers checked on public inputs, known mistakes named, value
    answers handed in, solution() says there is none."""
    script = (
        "from exercises import nb00, nb01, nb02\nfrom utils.exercises import recap\n"
        "nb00.q2.check(lambda values: sum(values) / len(values))\n"
        "nb00.q2.check(lambda values: sum(values))\n"
        "nb00.q1.check(3072)\n"
        "nb00.q1.check(...)\n"
        "nb00.q2.solution()\n"
        "nb01.q3.check(lambda img, size: img[:, :size, :size])\n"
        "nb02.q4.check(1.0)\n"
        "print('PIXELS', nb01.PIXELS.shape)\n"
        "recap(nb00)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=edition, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "✔ Exercise 2 (average of a list): correct!"
    assert "you returned the sum" in lines[1]
    assert lines[2].startswith("● Exercise 1 (numbers in an image): handed in")
    assert lines[3].startswith("○ Exercise 1 (numbers in an image): not attempted")
    assert "solutions are not part of this edition" in lines[4]
    assert "that is the top-left corner" in lines[5]
    assert "handed in" in lines[6] and "PIXELS (2, 3, 3)" in lines[7]


def test_withheld_answers_only_the_public_inputs():
    square = Withheld("square", [((2.0,), 4.0), (([1, 2],), [1, 4])])
    assert square(2.0) == 4.0 and square([1, 2]) == [1, 4]
    with pytest.raises(LookupError, match="not part of this edition"):
        square(3.0)
    exercise = Exercise("Exercise 7 (square)", square, hints=["h1", "h2"], cases=[(2.0,)])
    exercise.check(lambda x: x * x)
    assert exercise.status == "correct"
    value = Exercise("Exercise 8 (value)", Withheld("v"), hints=["h1", "h2"])
    value.check(12)
    assert value.status == "handed in"
    value.check(None)
    assert value.status == "not attempted"
    assert pickle.loads(pickle.dumps(Mistake(square, "m"))).answer(2.0) == 4.0


def test_a_recorded_error_is_reported_in_its_own_words(capsys):
    def replayed(x):
        raise RecordedError("ZeroDivisionError: division by zero (line 2: return 1 / x)")

    exercise = Exercise("Exercise 9 (inverse)", lambda x: 1 / x, hints=["h1", "h2"], cases=[(0.5,)])
    exercise.check(replayed)
    out = capsys.readouterr().out
    assert exercise.status == "wrong"
    assert out.strip().endswith(
        "your function raised ZeroDivisionError: division by zero (line 2: return 1 / x)"
    )
