"""Execute every notebook in notebooks/ in SMOKE mode, one after the other, with papermill.

A new notebook is picked up without editing this file. Executed copies go to build/executed/
(ignored by git) so a failure can be opened and read.
"""

import importlib
import json
import re
import time
from pathlib import Path

import nbformat
import papermill
import pytest

from tests.conftest import NOTEBOOK_SECONDS
from utils.exercises import exercises_in

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WALL_LIMIT_S = 120  # budget: ≤ 30 s of compute per notebook; this catches a runaway SMOKE path


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_executes_in_smoke_mode(notebook, monkeypatch, shared_cache):
    out = ROOT / "build" / "executed" / notebook.name
    seconds = _execute(notebook, out, monkeypatch, shared_cache)
    NOTEBOOK_SECONDS[notebook.stem] = seconds
    assert seconds < WALL_LIMIT_S, (
        f"{notebook.name} took {seconds:.0f} s in SMOKE mode (limit {WALL_LIMIT_S} s)"
    )

    # Every exercise cell ran and reached its own check: unanswered, each reports "not attempted".
    printed = _printed(out)
    for name, exercise in _exercises(notebook).items():
        assert f"○ {exercise.name}: not attempted" in printed, f"{notebook.name}: {name} never reported"


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_accepts_the_reference_answers(notebook, monkeypatch, tmp_path, shared_cache):
    """Answer every exercise with its reference solution: each check in the notebook must say correct,
    and the cells after it (a reward picture, the recap) must run with a correct answer too."""
    exercises = _exercises(notebook)
    if not exercises:
        pytest.skip(f"{notebook.name} has no exercises")
    answered = tmp_path / notebook.name
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = CHECK_CALL.sub(_answer_with_reference, cell.source)
    nbformat.write(nb, answered)
    out = tmp_path / f"answered-{notebook.name}"
    _execute(answered, out, monkeypatch, shared_cache, cwd=notebook.parent)
    printed = _printed(out)
    for name, exercise in exercises.items():
        assert f"✔ {exercise.name}: correct!" in printed, (
            f"{notebook.name}: {name} rejected its reference answer"
        )


# `ex.q2.check(normalize_channels)`: the learner's answer is the name passed to check.
CHECK_CALL = re.compile(r"^(?P<indent>[ \t]*)ex\.(?P<q>q\d+)\.check\((?P<answer>[A-Za-z_]\w*)\)", re.M)


def _answer_with_reference(match: re.Match) -> str:
    return f"{match['indent']}{match['answer']} = ex.{match['q']}.reference_answer()\n{match[0]}"


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """One data cache for every notebook run of this session: it starts empty, so the first notebook
    that needs a file takes the real download path (offline: its fallback), and later runs reuse the
    download instead of fetching the same archive again."""
    return tmp_path_factory.mktemp("data-cache")


def _execute(notebook: Path, out: Path, monkeypatch, cache: Path, cwd: Path | None = None) -> float:
    """Execute `notebook` in SMOKE mode with plain papermill; return the seconds taken.

    COURSE_HEADLESS is deliberately not set: the notebook must see by itself that nobody is watching
    (utils.env.is_headless), as it would under a teacher's own papermill or nbconvert run."""
    monkeypatch.setenv("SMOKE", "1")
    monkeypatch.delenv("COURSE_HEADLESS", raising=False)
    monkeypatch.setenv("COURSE_DATA_DIR", str(cache))
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    papermill.execute_notebook(
        str(notebook),
        str(out),
        parameters={"SMOKE": True},
        cwd=str(cwd or notebook.parent),
        kernel_name="python3",
        progress_bar=False,
    )
    return time.perf_counter() - start


def _printed(executed: Path) -> str:
    """Everything the executed notebook printed."""
    cells = json.loads(executed.read_text())["cells"]
    return "".join("".join(output.get("text", "")) for cell in cells for output in cell.get("outputs", []))


def _exercises(notebook: Path) -> dict:
    """The exercises of a notebook (utils/exercises/nbNN.py), by name; empty when it has none."""
    module = ROOT / "utils" / "exercises" / f"nb{notebook.name[:2]}.py"
    if not module.exists():
        return {}
    return exercises_in(importlib.import_module(f"utils.exercises.{module.stem}"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1
