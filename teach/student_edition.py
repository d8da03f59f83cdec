"""Build a class's student edition of the course: the same course, with no answer key in any file.

    python -m teach.student_edition OUT        (or: make student-edition OUT=...)

copies the course (the files git tracks, without the teacher's tools: tests/, teach/, CI) into OUT and
rewrites `exercises/answers/nbNN.py`. Each reference solution becomes a `Withheld` one:

- a **function** exercise keeps its checks on the public test inputs: the edition stores the right
  outputs on those inputs (and the outputs of each named mistake, so mistakes are still named), never
  the code. A learner sees the same messages as in the self-study copy; `solution()` says solutions
  are not part of this edition. The teacher's grading also uses hidden inputs, so copying the stored
  outputs into an answer gains nothing.
- a **value** exercise's answer *is* its value, so nothing of it is stored: `check` says the answer is
  handed in and the teacher's grading checks it.

The stored data is a pickle beside each module (`nbNN.pkl`) holding only tensors, arrays, numbers and
the `Withheld`/`Mistake` records of `utils.exercises`, no code. Helpers that a notebook's checks
need and that are not answers (e.g. nb09's `backbone_and_head`) are copied as source.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import importlib
import inspect
import io
import pickle
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

from utils.exercises import Exercise, Mistake, Withheld, exercises_in

ROOT = Path(__file__).resolve().parent.parent
# The teacher's tools and what tests or publishes the course: not part of a class's copy.
LEFT_OUT = ("tests/", "teach/", ".github/", ".ci/")

MODULE_TEMPLATE = '''"""Notebook {nb}'s answer key is not part of this edition of the course.

This is a class's student edition, built by the teacher: the reference solutions are left out.
Function exercises are still checked on their public test inputs (the right outputs on those inputs,
and those of the named mistakes, are stored in {nb}.pkl); value exercises are handed in and checked by
your teacher's grading, which also uses test inputs you do not see.
"""

import pickle
from pathlib import Path
{helpers}
globals().update(pickle.loads(Path(__file__).with_suffix(".pkl").read_bytes()))
'''

INIT_TEXT = '''"""The answer keys are not part of this edition of the course (a class's student edition).

Each `nbNN.py` here only loads what the checks need: the right outputs of the function exercises on
their public test inputs. `ex.qN.solution()` says that solutions are not part of this edition.
"""
'''


def course_files(root: Path = ROOT) -> list[str]:
    """The course's files (those git tracks, or every file outside .git/.venv/build without git),
    minus the teacher's tools (`LEFT_OUT`).

    Example:
        >>> "notebooks/00_welcome_and_setup.ipynb" in course_files()
        True
    """
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
        ).stdout.decode()
        files = [f for f in listed.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        skip = (".git/", ".venv/", "build/")
        files = [
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and not p.relative_to(root).as_posix().startswith(skip)
        ]
    return sorted(f for f in files if not f.startswith(LEFT_OUT) and (root / f).is_file())


def _key_names(module_path: Path) -> tuple[str | None, list[str]]:
    """The alias under which an exercise module imports its answer key, and the names it reads from it."""
    tree = ast.parse(module_path.read_text())
    alias = None
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "exercises.answers":
            for name in node.names:
                if name.name == module_path.stem:
                    alias = name.asname or name.name
    if alias is None:
        return None, []
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == alias
    }
    return alias, sorted(used)


def _quiet_call(function: Any, args: tuple) -> Any:
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*copy.deepcopy(args))


def _table(function: Any, cases: Any) -> list[tuple[tuple, Any]] | None:
    """(arguments, output) on every case, or None when a call fails or an output cannot be looked up again."""
    table = []
    try:
        for args in cases:
            table.append((copy.deepcopy(tuple(args)), _quiet_call(function, args)))
        pickle.dumps(table)
    except Exception:
        return None
    finder = Withheld("check", table)
    for args in cases:  # found again from a copy, as `check` calls it?
        try:
            finder(*copy.deepcopy(tuple(args)))
        except LookupError:
            return None
    return table


def _withheld_for(name: str, exercise: Exercise) -> Withheld:
    if exercise.cases is None:
        return Withheld(name)
    return Withheld(name, _table(exercise.reference, exercise.cases) or [])


def _mistakes_for(exercise: Exercise, reference: Withheld) -> list[Mistake]:
    """The named mistakes of a function exercise as tables of their outputs; none for a value exercise
    (a wrong value next to its message would tell the right one) or when the reference has no table."""
    if exercise.cases is None or not reference.table:
        return []
    kept = []
    for index, entry in enumerate(exercise.wrong):
        if isinstance(entry, Mistake) and entry.message and callable(entry.answer):
            table = _table(entry.answer, exercise.cases)
            if table is not None:
                kept.append(Mistake(Withheld(f"mistake {index + 1}", table), entry.message))
    return kept


def edition_module(nb: str) -> tuple[str, dict[str, Any]]:
    """The source of the edition's `exercises/answers/<nb>.py` and the data its pickle holds.

    Example:
        >>> source, data = edition_module("nb00")
        >>> "def " in source, sorted(data)
        (False, ['WRONG_Q1', 'WRONG_Q2', 'mean', 'pixel_count'])
    """
    module_path = ROOT / "exercises" / f"{nb}.py"
    _, names = _key_names(module_path)
    exercises = exercises_in(importlib.import_module(f"exercises.{nb}"))
    key = importlib.import_module(f"exercises.answers.{nb}")
    by_reference = {id(q.reference): q for q in exercises.values()}
    by_wrong = {id(q.wrong): q for q in exercises.values()}
    data: dict[str, Any] = {}
    helpers: list[str] = []
    references: dict[int, Withheld] = {}
    for name in names:
        value = getattr(key, name)
        if id(value) in by_reference:
            references[id(value)] = data[name] = _withheld_for(name, by_reference[id(value)])
    for name in names:
        value = getattr(key, name)
        if id(value) in by_reference:
            continue
        if id(value) in by_wrong:
            q = by_wrong[id(value)]
            data[name] = _mistakes_for(q, references.get(id(q.reference)) or _withheld_for("?", q))
        elif inspect.isfunction(value):  # a helper the checks use, not an answer: its source
            helpers.append(textwrap.dedent(inspect.getsource(value)))
        elif inspect.isclass(value) or inspect.ismodule(value) or callable(value):
            raise TypeError(
                f"{nb}: cannot tell whether key.{name} ({type(value).__name__}) gives an answer away"
            )
        else:
            data[name] = value  # data the notebook shows, e.g. nb01's PIXELS
    helper_text = ""
    if helpers:
        key_source = Path(inspect.getsourcefile(key)).read_text()
        imports = [
            ast.get_source_segment(key_source, node)
            for node in ast.parse(key_source).body
            if isinstance(node, (ast.Import, ast.ImportFrom))
        ]
        helper_text = "\n" + "\n".join(imports) + "\n\n\n" + "\n\n".join(helpers) + "\n"
    return MODULE_TEMPLATE.format(nb=nb, helpers=helper_text), data


def build(out: Path, root: Path = ROOT, only: set[str] | None = None) -> dict[str, dict[str, int]]:
    """Write the student edition into `out` (which must not exist or be empty). Returns, per notebook,
    how many exercises keep their checks on public inputs ("checked") and how many are handed in.
    With `only` (e.g. {"nb02"}, the grader's working copy) the other notebooks' exercise modules are
    left without any checks at all (importing them says so).

    Example:
        >>> build(Path(tempfile.mkdtemp()) / "class")["nb00"]  # doctest: +SKIP
        {'checked': 1, 'handed in': 1}
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: give a new folder for the student edition")
    for name in course_files(root):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    solutions = out / "exercises" / "answers"
    report = {}
    for path in sorted(solutions.glob("nb*.py")):
        if only is not None and path.stem not in only:
            path.write_text(f'raise ImportError("{path.stem}: not part of this working copy")\n')
            continue
        source, data = edition_module(path.stem)
        path.write_text(source)
        path.with_suffix(".pkl").write_bytes(pickle.dumps(data, protocol=4))
        kept = [v for v in data.values() if isinstance(v, Withheld)]
        report[path.stem] = {
            "checked": sum(bool(w.table) for w in kept),
            "handed in": sum(not w.table for w in kept),
        }
    (solutions / "__init__.py").write_text(INIT_TEXT)
    (out / "EDITION.md").write_text(
        "# Student edition\n\nThis copy of the course was built for a class by its teacher "
        "(`python -m teach.student_edition`).\nIt holds no answer keys: function exercises are checked on "
        "their public test inputs, value exercises\nare handed in, and `ex.qN.solution()` says that "
        "solutions are not part of this edition.\nYour teacher grades the notebooks you hand in, also on "
        "test inputs you do not see.\n"
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m teach.student_edition", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("out", type=Path, help="a new folder for the student edition")
    args = parser.parse_args(argv)
    try:
        report = build(args.out)
    except FileExistsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    checked = sum(r["checked"] for r in report.values())
    handed = sum(r["handed in"] for r in report.values())
    print(
        f"Student edition in {args.out}: {len(report)} notebooks, {checked} function exercises checked on "
        f"their public inputs, {handed} handed in for grading; no answer key in any file."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
