"""Execute every notebook in notebooks/ in SMOKE mode, one after the other, with papermill.

A new notebook is picked up without editing this file. Executed copies go to build/executed/
(ignored by git) so a failure can be opened and read.
"""

import copy
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
def test_notebook_executes_in_smoke_mode(notebook, monkeypatch, tmp_path, shared_cache):
    """Run the notebook as a newcomer does (SMOKE, no exercise answered), then, in the same kernel, its
    exercise cells a second time answered with the reference solutions.

    One execution checks both: unanswered, every check says "not attempted" and the cells after it
    still run; answered, every check says "correct!" and the cells after it (a reward picture) run
    with a correct answer too. (Executing the whole notebook twice would double CI time.)"""
    exercises = _exercises(notebook)
    nb = nbformat.read(notebook, as_version=4)
    with_answered_exercises(nb)
    runnable = tmp_path / notebook.name
    nbformat.write(nb, runnable)
    out = ROOT / "build" / "executed" / notebook.name
    seconds = _execute(runnable, out, monkeypatch, shared_cache, cwd=notebook.parent)
    NOTEBOOK_SECONDS[notebook.stem] = seconds
    assert seconds < WALL_LIMIT_S, (
        f"{notebook.name} took {seconds:.0f} s in SMOKE mode (limit {WALL_LIMIT_S} s)"
    )

    unanswered, answered = _printed(out)
    for name, exercise in exercises.items():
        assert f"○ {exercise.name}: not attempted" in unanswered, f"{notebook.name}: {name} never reported"
        assert f"✔ {exercise.name}: correct!" in answered, (
            f"{notebook.name}: {name} rejected its reference answer"
        )


# `ex.q2.check(normalize_channels)`: the learner's answer is the name passed to check.
CHECK_CALL = re.compile(r"^(?P<indent>[ \t]*)ex\.(?P<q>q\d+)\.check\((?P<answer>[A-Za-z_]\w*)\)", re.M)
ANSWERED_MARKER = (
    "(Added by tests/test_notebooks.py) The exercise cells again, answered with the reference solutions."
)


def with_answered_exercises(nb) -> int:
    """Insert, before `## Open questions`, a copy of the cells from the first exercise check onwards
    in which each `ex.qN.check(name)` is preceded by `name = ex.qN.reference_answer()`. Returns the
    index of the marker cell that separates the two runs (len(cells) when there are no exercises)."""
    cells = nb.cells
    checks = [i for i, c in enumerate(cells) if c.cell_type == "code" and CHECK_CALL.search(c.source)]
    if not checks:
        return len(cells)
    heading = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("## Open")]
    end = heading[0] if heading else len(cells)
    answered = [nbformat.from_dict(copy.deepcopy(dict(c))) for c in cells[checks[0] : end]]
    for cell in answered:
        if "id" in cell:
            cell.id = f"{cell.id[:55]}-answered"  # cell ids must stay unique
        if cell.cell_type == "code":
            cell.source = CHECK_CALL.sub(_answer_with_reference, cell.source)
    nb.cells = [*cells[:end], nbformat.v4.new_markdown_cell(ANSWERED_MARKER), *answered, *cells[end:]]
    return end


def _answer_with_reference(match: re.Match) -> str:
    return f"{match['indent']}{match['answer']} = ex.{match['q']}.reference_answer()\n{match[0]}"


def test_answered_copy_is_inserted_before_open_questions():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("def f():\n    raise NotImplementedError\n\n\nex.q1.check(f)"),
        nbformat.v4.new_code_cell("answer = ...\nex.q2.check(answer)"),
        nbformat.v4.new_markdown_cell("## Open questions"),
    ]
    assert with_answered_exercises(nb) == 3
    sources = [c.source for c in nb.cells]
    assert sources[3] == ANSWERED_MARKER and sources[-1] == "## Open questions"
    assert sources[4].endswith("f = ex.q1.reference_answer()\nex.q1.check(f)")
    assert sources[5] == "answer = ...\nanswer = ex.q2.reference_answer()\nex.q2.check(answer)"
    assert sources[1].endswith("ex.q1.check(f)") and "reference_answer" not in sources[1]
    ids = [c.id for c in nb.cells]
    assert len(set(ids)) == len(ids)
    plain = nbformat.v4.new_notebook()
    plain.cells = [nbformat.v4.new_code_cell("x = 1")]
    assert with_answered_exercises(plain) == 1 and len(plain.cells) == 1


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


def _printed(executed: Path) -> tuple[str, str]:
    """Everything the executed notebook printed before the answered copy of its exercises, and in it.
    (The marker is found by its text: papermill inserts a cell of its own, so indices shift.)"""
    cells = json.loads(executed.read_text())["cells"]
    sources = ["".join(cell["source"]) for cell in cells]
    split_at = sources.index(ANSWERED_MARKER) if ANSWERED_MARKER in sources else len(cells)

    def text(part: list) -> str:
        return "".join("".join(output.get("text", "")) for cell in part for output in cell.get("outputs", []))

    return text(cells[:split_at]), text(cells[split_at:])


def _exercises(notebook: Path) -> dict:
    """The exercises of a notebook (utils/exercises/nbNN.py), by name; empty when it has none."""
    module = ROOT / "utils" / "exercises" / f"nb{notebook.name[:2]}.py"
    if not module.exists():
        return {}
    return exercises_in(importlib.import_module(f"utils.exercises.{module.stem}"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1
