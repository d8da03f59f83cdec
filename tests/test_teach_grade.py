"""Grading a class (teach/grade.py): one grading run over small submissions of notebooks 00, 01 and
02 (reference answers, typical wrong answers, unanswered, and every hostile case of issue 21) plus one
full notebook 00 in an LMS-style zip; the tests below read its gradebook, summary and feedback.

Each submission is a small notebook (the setup, parameters, sizes and imports cells of the real
notebook, then the exercise cells) so that the whole run stays within CI's time budget.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import inspect
import json
import os
import re
import time
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from exercises.answers import nb00 as key00
from exercises.answers import nb01 as key01
from exercises.answers import nb02 as key02
from teach import grade as grading
from teach.grade import Limits, collect, decode, notebook_course, points_for
from teach.harness import _teach_encode

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-secret"
CELL_SECONDS = 8


def _template(nb: str) -> nbformat.NotebookNode:
    return nbformat.read(next((ROOT / "notebooks").glob(f"{nb[2:]}_*.ipynb")), as_version=4)


def small(nb: str, *cells: str) -> nbformat.NotebookNode:
    """The real notebook's first cells (setup, parameters, sizes, imports), then `cells`."""
    template = _template(nb)
    imports = next(i for i, c in enumerate(template.cells) if "start_notebook(SEED, SMOKE)" in c.source)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [*template.cells[: imports + 1], *(nbformat.v4.new_code_cell(c) for c in cells)]
    return notebook


def reference_cell(nb: str, q: str, key) -> str:
    """An exercise cell answered with the reference solution's own code (as a good student writes it)."""
    course = COURSES[nb]
    exercise, name = course.exercises[q], course.names[q]
    source = inspect.getsource(exercise.reference)
    prelude = "import numpy as np\nimport torch\nPIXELS = getattr(ex, 'PIXELS', None)\n\n"
    call = exercise.reference.__name__
    assign = f"{name} = {call}" if exercise.cases is not None else f"{name} = {call}()"
    return f"{prelude}{source}\n\n{assign}\nex.{q}.check({name})"


COURSES = {nb: notebook_course(nb, SECRET) for nb in ("nb00", "nb01", "nb02")}
KEYS = {"nb00": key00, "nb01": key01, "nb02": key02}


def reference_submission(nb: str) -> nbformat.NotebookNode:
    return small(nb, *(reference_cell(nb, q, KEYS[nb]) for q in COURSES[nb].exercises))


def unanswered_submission(nb: str) -> nbformat.NotebookNode:
    """The template's own exercise cells, as handed out."""
    template = _template(nb)
    cells = [
        c.source for c in template.cells if c.cell_type == "code" and grading.CHECK_CALL.search(c.source)
    ]
    return small(nb, *cells)


WRONG = {
    "nb00": [
        "answer = 32 * 32\nex.q1.check(answer)",
        "def mean(values):\n    return sum(values)\n\n\nex.q2.check(mean)",
        "work = 8\nex.q3.check(work)",
    ],
    "nb01": [
        "counting = torch.arange(6).reshape(2, 3)\nex.q1.check(counting)",
        "def normalize_channels(img):\n    return (img - img.mean()) / img.std()\n\n\nex.q2.check(normalize_channels)",
        "def center_crop(img, size):\n    return img[:, :size, :size]\n\n\nex.q3.check(center_crop)",
        "def derivative(x):\n    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)\n"
        "    y = torch.sin(x) * x**2\n    y.backward()\n    return y.item()\n\n\nex.q4.check(derivative)",
        "pixels = ex.PIXELS\nshared_pixels = torch.tensor(pixels).permute(2, 0, 1)\nex.q5.check(shared_pixels)",
    ],
    "nb02": [
        "def my_r2(y_pred, y):\n    return float(np.mean((y_pred - y) ** 2))\n\n\nex.q1.check(my_r2)",
        "def my_gradients(theta, A, y):\n    return A.T @ (A @ theta - y) / len(y)\n\n\nex.q2.check(my_gradients)",
        "def to_raw(w_std, b_std, mu, sigma):\n    return w_std / sigma, b_std - w_std * mu / sigma\n\n\nex.q3.check(to_raw)",
        "lr_limit = 2.0\nex.q4.check(lr_limit)",
    ],
}

RIGHT_Q1 = "answer = 3 * 32 * 32\nex.q1.check(answer)"
RIGHT_Q2 = "def mean(values):\n    return sum(values) / len(values)\n\n\nex.q2.check(mean)"
WRONG_Q1, WRONG_Q2 = WRONG["nb00"][:2]

HOSTILE = {
    # An answer object whose == always says True (and a function returning one).
    "eq_always_true": [
        "class Always:\n    def __eq__(self, other):\n        return True\n\n    def __ne__(self, other):\n"
        "        return False\n\n    __hash__ = object.__hash__\n\n\nanswer = Always()\nex.q1.check(answer)",
        "def mean(values):\n    return Always()\n\n\nex.q2.check(mean)",
    ],
    # The checker replaced in memory: the check, the class's check, compare, and the verdict line.
    "checker_in_memory": [
        "import utils.exercises as core\n"
        "core.compare = lambda *args, **kwargs: None\n"
        "core.Exercise._problem = lambda self, answer: None\n"
        "ex.q1.check = lambda answer: print('✔ Exercise 1 (numbers in an image): correct!')",
        WRONG_Q1,
        WRONG_Q2,
    ],
    # The checker and utils replaced on disk (the working copy's and the teacher's), then reloaded.
    "utils_on_disk": [
        "import importlib\nimport utils.exercises as core\n"
        "fake = 'def compare(*args, **kwargs):\\n    return None\\n'\n"
        "for path in [Path(core.__file__), TEACHER / 'utils' / 'exercises.py']:\n"
        "    try:\n        path.write_text(fake)\n        print('wrote', path)\n"
        "    except OSError as error:\n        print('refused:', error)\n"
        "(ROOT / 'utils' / 'announce.py').write_text('raise SystemExit')\n"
        "importlib.reload(core)",
        WRONG_Q1,
        WRONG_Q2,
    ],
    # Prints the verdicts a correct notebook prints, answers nothing.
    "prints_correct": [
        "print('✔ Exercise 1 (numbers in an image): correct!')\n"
        "print('✔ Exercise 2 (average of a list): correct!')\nanswer = ...",
        "def mean(values):\n    raise NotImplementedError\n\n\nprint('✔ Exercise 2 (average of a list): correct!')",
    ],
    # Reads the answer keys: the working copy's (none there) and the teacher's (refused).
    "reads_keys": [
        "from exercises.answers import nb00 as key\n"
        "for path in [ROOT / 'exercises/answers/nb00.py', TEACHER / 'exercises/answers/nb00.py']:\n"
        "    try:\n        print(path, 'def mean' in path.read_text())\n"
        "    except OSError as error:\n        print('refused:', error)\n"
        "mean = key.mean\nex.q2.check(mean)",
        "answer = key.pixel_count()\nex.q1.check(answer)",
    ],
    # Hard-codes the public test inputs' outputs.
    "hard_coded": [
        RIGHT_Q1,
        "def mean(values):\n    known = {(1.0, 2.0, 3.0): 2.0, (5.0,): 5.0, (-4.0, 4.0, 10.0, 0.5): 2.625}\n"
        "    return known[tuple(values)]\n\n\nex.q2.check(mean)",
    ],
    "endless_loop": [
        RIGHT_Q1,
        "def mean(values):\n    while True:\n        pass\n\n\nex.q2.check(mean)",
    ],
    "memory_hog": [
        RIGHT_Q1,
        "import numpy as np\n\n\ndef mean(values):\n    hog = []\n    while True:\n        hog.append(np.empty(2**28, dtype=np.uint8))\n\n\n"
        "ex.q2.check(mean)",
    ],
    # Tries to delete and overwrite a file outside its folder in every way Python offers.
    "deletes_files": [
        "import ctypes\nimport os\nimport shutil\nimport subprocess\n"
        "attempts = {\n"
        "    'os.remove': lambda: os.remove(CANARY),\n"
        "    'unlink': lambda: Path(CANARY).unlink(),\n"
        "    'rmtree': lambda: shutil.rmtree(Path(CANARY).parent),\n"
        "    'overwrite': lambda: open(CANARY, 'w').write('gone'),\n"
        "    'rename': lambda: os.rename(CANARY, CANARY + '.moved'),\n"
        "    'subprocess': lambda: subprocess.run(['rm', '-f', CANARY]),\n"
        "    'os.system': lambda: os.system('rm -f ' + CANARY),\n"
        "    'ctypes': lambda: ctypes.CDLL(None).unlink(CANARY.encode()),\n"
        "    'kill the grader': lambda: os.kill(os.getppid(), 9),\n"
        "}\n"
        "for what, attempt in attempts.items():\n"
        "    try:\n        attempt()\n        print(what, 'worked')\n"
        "    except Exception as error:\n        print(what, 'refused:', type(error).__name__, error)",
        RIGHT_Q1,
        RIGHT_Q2,
    ],
}


def tensor_subclass_submission() -> nbformat.NotebookNode:
    """nb01: answers are tensors of a subclass that says it equals anything."""
    liar = (
        "class Liar(torch.Tensor):\n"
        "    @classmethod\n"
        "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
        "        if func in (torch.equal, torch.allclose, torch.Tensor.__eq__, torch.isclose):\n"
        "            return True\n"
        "        return super().__torch_function__(func, types, args, kwargs or {})\n\n"
        "    def __eq__(self, other):\n        return True\n\n"
        "    __hash__ = torch.Tensor.__hash__\n\n\n"
        "counting = torch.zeros(2, 3).as_subclass(Liar)\nex.q1.check(counting)"
    )
    normalize = "def normalize_channels(img):\n    return img.clone().as_subclass(Liar)\n\n\nex.q2.check(normalize_channels)"
    return small("nb01", liar, normalize)


def _prelude(canary: Path) -> str:
    return f"TEACHER = Path({str(ROOT)!r})\nCANARY = {str(canary)!r}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One grading run over every submission; returns (out folder, rows by student, seconds, canary)."""
    folder = tmp_path_factory.mktemp("submissions")
    outside = tmp_path_factory.mktemp("outside")
    canary = outside / "canary.txt"
    canary.write_text("the teacher's file")
    prelude = _prelude(canary)
    for nb in COURSES:
        if nb != "nb00":  # notebook 00's reference answers: the full notebook below
            nbformat.write(reference_submission(nb), folder / f"{nb}_reference.ipynb")
        nbformat.write(small(nb, *WRONG[nb]), folder / f"{nb}_wrong.ipynb")
        nbformat.write(unanswered_submission(nb), folder / f"{nb}_unanswered.ipynb")
    for name, cells in HOSTILE.items():
        nbformat.write(small("nb00", prelude, *cells), folder / f"hostile_{name}.ipynb")
    nbformat.write(tensor_subclass_submission(), folder / "hostile_tensor_subclass.ipynb")
    # A full notebook 00, answered, in a Canvas-style bulk download (and a stray file beside it).
    full = _template("nb00")
    for cell in full.cells:
        cell.source = cell.source.replace("answer = ...  # YOUR CODE HERE", "answer = 3 * 32 * 32")
        cell.source = cell.source.replace(
            "work = ...  # YOUR ANSWER HERE (a number)", "work = (512 / 128) ** 3"
        )
        if "def mean(" in cell.source:
            cell.source = cell.source.replace(
                "    # YOUR CODE HERE (replace the line below)\n    raise NotImplementedError",
                "    return sum(values) / len(values)",
            )
    with zipfile.ZipFile(folder / "submissions.zip", "w") as archive:
        archive.writestr("lovelaceada_12345_67890_00_welcome_and_setup.ipynb", nbformat.writes(full))
        archive.writestr("readme.txt", "not a notebook")
    (folder / "broken.ipynb").write_text("{ this is not a notebook")
    points = folder.parent / "points.toml"
    points.write_text("[nb02]\nq4 = 2\n")
    out = tmp_path_factory.mktemp("graded")
    teacher_files = _fingerprint()
    start = time.perf_counter()
    limits = Limits(cell_seconds=CELL_SECONDS, notebook_seconds=150, memory_bytes=6 * 2**30)
    rows = grading.grade([folder], SECRET, out, points=points, limits=limits, jobs=2, progress=False)
    seconds = time.perf_counter() - start
    assert _fingerprint() == teacher_files, "a submission changed the teacher's course files"
    return out, {row["student"]: row for row in rows}, seconds, canary


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in [ROOT / "utils" / "exercises.py", *sorted((ROOT / "exercises").rglob("*.py"))]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _statuses(row: dict) -> dict[str, str]:
    return {q: verdict["status"] for q, verdict in row["exercises"].items()}


# --- the ordinary cases ----------------------------------------------------------------------------


@pytest.mark.parametrize("nb", ["nb00", "nb01", "nb02"])
def test_reference_answers_get_full_marks(graded, nb):
    row = graded[1][f"{nb}_reference" if nb != "nb00" else "lovelaceada"]
    assert set(_statuses(row).values()) == {"correct"}, row["exercises"]
    assert row["total"] == row["out_of"] > 0


@pytest.mark.parametrize("nb", ["nb00", "nb01", "nb02"])
def test_typical_wrong_answers_are_named_with_the_learners_words(graded, nb):
    row = graded[1][f"{nb}_wrong"]
    assert set(_statuses(row).values()) == {"wrong"}, row["exercises"]
    assert row["total"] == 0
    messages = " ".join(v["message"] for v in row["exercises"].values())
    known = {
        "nb00": ["that counts the pixels", "you returned the sum"],
        "nb01": [
            "expected dtype torch.float32",
            "one mean and one std for the whole image",
            "top-left corner",
            "that is y itself",
            "got a copy",
        ],
        "nb02": ["that is the MSE itself", "half its size", "one value per feature", "does not converge"],
    }[nb]
    for words in known:
        assert words in messages, (words, messages)


@pytest.mark.parametrize("nb", ["nb00", "nb01", "nb02"])
def test_unanswered_exercises_are_not_attempted(graded, nb):
    row = graded[1][f"{nb}_unanswered"]
    assert set(_statuses(row).values()) == {"not attempted"}, row["exercises"]


def test_an_unreadable_notebook_gets_a_row_that_says_why(graded):
    row = graded[1]["broken"]
    assert row["total"] == 0 and "not a readable notebook" in row["notes"]
    assert "could not be graded" in (graded[0] / "feedback" / "broken.unknown.md").read_text()


def test_full_notebook_from_an_lms_zip_is_graded_under_the_students_name(graded):
    row = graded[1]["lovelaceada"]
    assert row["id"] == "12345" and row["notebook"] == "nb00"
    assert _statuses(row) == {"q1": "correct", "q2": "correct", "q3": "correct"}, row["exercises"]


# --- hostile submissions: the grade they deserve ----------------------------------------------------


@pytest.mark.parametrize(
    ("student", "expected"),
    [
        ("hostile_eq_always_true", {"q1": "wrong", "q2": "wrong"}),
        ("hostile_checker_in_memory", {"q1": "wrong", "q2": "wrong"}),
        ("hostile_utils_on_disk", {"q1": "wrong", "q2": "wrong"}),
        ("hostile_prints_correct", {"q1": "not attempted", "q2": "not attempted"}),
        ("hostile_hard_coded", {"q1": "correct", "q2": "wrong"}),
        ("hostile_endless_loop", {"q1": "correct", "q2": "timed out"}),
        ("hostile_deletes_files", {"q1": "correct", "q2": "correct"}),
    ],
)
def test_hostile_submission_gets_the_grade_it_deserves(graded, student, expected):
    statuses = _statuses(graded[1][student])  # the exercises these submissions answer (or attack): q1, q2
    assert {q: statuses[q] for q in expected} == expected, graded[1][student]["exercises"]


def test_an_answer_claiming_equality_is_judged_by_its_plain_value(graded):
    row = graded[1]["hostile_eq_always_true"]
    assert "expected a number, got Always" in row["exercises"]["q1"]["message"]
    assert (
        "expected a float, got" in row["exercises"]["q2"]["message"]
        or "Always" in row["exercises"]["q2"]["message"]
    )


def test_a_tensor_subclass_is_judged_by_its_values(graded):
    row = graded[1]["hostile_tensor_subclass"]
    assert row["exercises"]["q1"]["status"] == "wrong" and row["exercises"]["q2"]["status"] == "wrong"
    assert row["total"] == 0


def test_reading_the_answer_keys_gains_nothing(graded):
    row = graded[1]["hostile_reads_keys"]
    assert row["total"] == 0, row["exercises"]
    assert row["exercises"]["q2"]["status"] == "wrong"
    assert "hidden test input" in row["exercises"]["q2"]["message"]  # the stored public outputs only
    assert (
        row["exercises"]["q1"]["status"] == "error"
        and "solutions are not part" in row["exercises"]["q1"]["message"]
    )
    printed = (graded[0] / "executed" / "hostile_reads_keys.nb00.ipynb").read_text()
    assert "refused:" in printed and "may not read the teacher" in printed
    assert "True" not in re.findall(r"nb00\.py (True|False)", printed)


def test_hard_coded_public_outputs_fail_on_a_hidden_input(graded):
    message = graded[1]["hostile_hard_coded"]["exercises"]["q2"]["message"]
    assert "KeyError" in message and "hidden test input" in message


def test_endless_loop_and_memory_hog_do_not_stop_the_run(graded):
    out, rows, _, _ = graded
    assert "time limit" in rows["hostile_endless_loop"]["exercises"]["q2"]["message"]
    hog = rows["hostile_memory_hog"]
    assert hog["exercises"]["q1"]["status"] == "correct"
    assert (
        hog["exercises"]["q2"]["status"] in ("wrong", "error")
        and "MemoryError" in hog["exercises"]["q2"]["message"]
    )
    assert len(rows) == 20  # every submission graded, the unreadable one too


def test_files_outside_the_working_folder_survive(graded):
    _, rows, _, canary = graded
    assert canary.read_text() == "the teacher's file"
    assert not Path(str(canary) + ".moved").exists()
    notes = rows["hostile_deletes_files"]["notes"]
    assert "changing files outside its folder" in notes and "starting a process" in notes, notes
    printed = (graded[0] / "executed" / "hostile_deletes_files.nb00.ipynb").read_text()
    assert " worked" not in printed, printed


def test_nothing_printed_in_the_notebook_counts(graded):
    """The in-memory and on-disk forgeries printed (or made the check print) "correct!": no point."""
    printed = (graded[0] / "executed" / "hostile_checker_in_memory.nb00.ipynb").read_text()
    assert "correct!" in printed
    assert graded[1]["hostile_checker_in_memory"]["total"] == 0
    assert graded[1]["hostile_prints_correct"]["total"] == 0


# --- the outputs -------------------------------------------------------------------------------------


def test_gradebook_has_one_row_per_submission_and_the_configured_points(graded):
    out, rows, _, _ = graded
    with open(out / "gradebook.csv", newline="") as file:
        table = list(csv.DictReader(file))
    assert len(table) == len(rows)
    assert list(table[0])[:3] == ["Student", "ID", "Notebook"]
    assert {"nb00 q1", "nb01 q5", "nb02 q4", "Total", "Out of"} <= set(table[0])
    reference02 = next(r for r in table if r["Student"] == "nb02_reference")
    assert reference02["nb02 q4"] == "2" and reference02["Total"] == "5" and reference02["Out of"] == "5"
    loop = next(r for r in table if r["Student"] == "hostile_endless_loop")
    assert loop["nb00 q1"] == "1" and loop["nb00 q2"] == "0" and loop["nb01 q1"] == ""


def test_summary_names_the_most_common_mistake(graded):
    out = graded[0]
    summary = (out / "summary.md").read_text()
    assert "## nb00" in summary and "## nb01" in summary and "## nb02" in summary
    q1 = next(
        line for line in summary.splitlines() if line.startswith("| q1: Exercise 1 (numbers in an image)")
    )
    assert "that counts the pixels" in q1
    with open(out / "summary.csv", newline="") as file:
        table = list(csv.DictReader(file))
    row = next(r for r in table if r["notebook"] == "nb00" and r["exercise"] == "q2")
    assert int(row["correct"]) == 2 and int(row["timed out"]) == 1  # the full notebook, the file deleter


def test_feedback_files_never_contain_a_reference_answer(graded):
    out, rows, _, _ = graded
    files = sorted((out / "feedback").glob("*.md"))
    assert len(files) == len(rows)
    secrets = [_source_body(q.reference) for course in COURSES.values() for q in course.exercises.values()]
    for path in files:
        text = path.read_text()
        assert "Total:" in text
        for body in secrets:
            assert body not in _squeeze(text), (path.name, body)
    wrong = (out / "feedback" / "nb00_wrong.nb00.md").read_text()
    assert "3072" not in wrong and "that counts the pixels" in wrong


def _source_body(function) -> str:
    lines = inspect.getsource(function).splitlines()
    return _squeeze("\n".join(line for line in lines if not line.lstrip().startswith(("def ", "#", '"""'))))


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def test_grading_time(graded):
    """19 submissions, two at a time: the time this takes is printed (CI's budget is checked here)."""
    seconds = graded[2]
    print(f"grading 19 submissions took {seconds:.0f} s")
    assert seconds < 240


# --- the pieces, without a kernel -------------------------------------------------------------------


def test_plain_data_round_trip_keeps_values_types_and_dtypes():
    values = [
        3,
        2.5,
        float("nan"),
        "text",
        True,
        None,
        ...,
        (1, [2.0, {"a": 3}]),
        torch.arange(6, dtype=torch.float32).reshape(2, 3),
        torch.tensor([1, 2], dtype=torch.uint8),
        torch.tensor([1.5], dtype=torch.bfloat16),
        np.array([[1.0, 2.0]], dtype=np.float32),
        np.float64(0.25),
        torch.Size([2, 3]),
    ]
    for value in values:
        back = decode(json.loads(json.dumps(_teach_encode(value))))
        assert type(back) is type(value) or value is ..., (value, back)
        if isinstance(value, torch.Tensor):
            assert back.dtype == value.dtype and torch.equal(back, value)
        elif isinstance(value, np.ndarray):
            assert back.dtype == value.dtype and np.array_equal(back, value)
        elif isinstance(value, float) and value != value:
            assert back != back
        else:
            assert back == value


def test_objects_that_are_not_plain_data_come_back_opaque():
    class Sneaky(float):
        def __eq__(self, other):
            return True

    class Always:
        def __eq__(self, other):
            return True

    assert type(decode(_teach_encode(Sneaky(1.0)))) is float  # its real value, no forged ==
    opaque = decode(_teach_encode(Always()))
    assert isinstance(opaque, grading.Opaque) and type(opaque).__name__ == "Always"
    assert opaque != 1 and opaque != opaque.__class__()
    assert isinstance(decode({"t": "tensor", "dtype": "float32", "shape": [3], "b": "AAAA"}), grading.Opaque)
    assert isinstance(decode({"t": "ndarray", "dtype": "|O", "shape": [1], "b": ""}), grading.Opaque)


def test_collect_accepts_folders_zips_and_lms_names(tmp_path):
    notebook = nbformat.writes(small("nb00"))
    (tmp_path / "smith.ipynb").write_text(notebook)
    with zipfile.ZipFile(tmp_path / "bulk.zip", "w") as archive:
        archive.writestr("Jane Doe_4711_assignsubmission_file_/00_welcome.ipynb", notebook)
        archive.writestr("doejohn_LATE_815_999_00_welcome.ipynb", notebook)
        archive.writestr("__MACOSX/._x.ipynb", "junk")
    (tmp_path / "broken.zip").write_bytes(b"not a zip")
    found, notes = collect([tmp_path])
    assert {(s.student, s.lms_id) for s in found} == {("smith", ""), ("Jane Doe", "4711"), ("doejohn", "815")}
    assert any("broken.zip" in note for note in notes)


def test_points_config_defaults_to_one_point():
    config = grading.points_config(None)
    assert points_for(config, "nb01", "q3") == 1.0
    assert points_for({"default": {"points": 2}, "nb02": {"q4": 5}}, "nb02", "q4") == 5.0


def test_which_notebook_reads_the_exercise_import():
    assert grading.which_notebook(nbformat.from_dict(small("nb02")), "x.ipynb", None) == "nb02"
    assert grading.which_notebook({"cells": []}, "folder/01_tensors.ipynb", None) == "nb01"
    assert grading.which_notebook({"cells": []}, "anything.ipynb", "2") == "nb02"


@pytest.mark.skipif(os.getuid() == 0, reason="as root the probe runs Python as the other user")
def test_other_user_kernels_need_root():
    with pytest.raises(SystemExit, match="only root"):
        grading._check_user("nobody")


def test_hidden_inputs_come_from_the_secret_and_keep_shapes_and_dtypes():
    for nb, course in COURSES.items():
        for q, cases in course.cases.items():
            n = course.public[q]
            public, hidden = cases[:n], cases[n:]
            if course.exercises[q].hidden is not None:  # the exercise draws its own hidden inputs
                assert hidden and course.real_hidden[q] == len(hidden), (nb, q)
                continue
            assert len(hidden) == n and course.real_hidden[q] == n, (nb, q)
            for a, b in zip(public, hidden):
                for x, y in zip(a, b):
                    assert type(x) is type(y)
                    if isinstance(x, (torch.Tensor, np.ndarray)):
                        assert x.shape == y.shape and x.dtype == y.dtype
    again, other = notebook_course("nb02", SECRET), notebook_course("nb02", "another secret")
    assert grading.fingerprint(again.cases["q2"]) == grading.fingerprint(COURSES["nb02"].cases["q2"])
    assert grading.fingerprint(other.cases["q2"]) != grading.fingerprint(again.cases["q2"])


def test_models_are_matched_by_value_and_unsendable_inputs_are_graded_by_hand():
    cases = []
    for seed in range(3):  # models whose `==` is identity: a deep copy must still find its recorded output
        torch.manual_seed(seed)
        cases.append((torch.nn.Linear(2, 1), torch.ones(2)))
    replay = grading.Replay("f", cases, [{"out": {"t": "int", "v": str(i)}} for i in range(len(cases))])
    assert [replay(*copy.deepcopy(case)) for case in cases] == list(range(len(cases)))
    course = notebook_course("nb05", SECRET)
    assert set(course.sendable) == set(course.cases)  # notebook 05's inputs are tensors and numbers
    course.sendable.pop("q2")  # as if q2's inputs were functions built in the checker
    where = {q: {"cell": None, "at": None, "record": 0, "name": q} for q in course.exercises}
    run = {"result": {"kernel": "ok", "cells": [{"status": "ok"}]}, "answers": {}, "where": where}
    verdict = grading.verdicts(course, run)["q2"]
    assert verdict["status"] == "error" and verdict["message"].endswith("grade it by hand")


def test_an_exercise_can_draw_its_own_hidden_inputs_where_a_nudge_cannot_vary_them():
    # inputs made of Python ints only: a random nudge keeps them, so the exercise draws fresh ones
    from teach.hidden import hidden_cases
    from utils.exercises import Exercise

    def triangle(n: int) -> int:
        return n * (n + 1) // 2

    q = Exercise("Exercise 1 (triangle numbers)", triangle, ["a", "b"], cases=[(3,), (4,)])
    nudged, real = hidden_cases(q, SECRET, "nb99", "q1")
    assert nudged == [(3,), (4,)] and real == 0  # what happens without `hidden`
    q.hidden = lambda rng: [(int(n),) for n in rng.integers(5, 1000, size=3)]
    drawn, real = hidden_cases(q, SECRET, "nb99", "q1")
    assert len(drawn) == 3 and real == 3 and all(isinstance(n, int) and n >= 5 for (n,) in drawn)
    assert hidden_cases(q, SECRET, "nb99", "q1") == (drawn, 3)  # the same secret, the same inputs
    assert hidden_cases(q, "another secret", "nb99", "q1")[0] != drawn
