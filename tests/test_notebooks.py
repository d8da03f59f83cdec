"""Execute every notebook in notebooks/, one after the other, in three ways:

- **offline** (SMOKE): as in CI with no network, through the README's own `make run NB=… SMOKE=1`
  recipe, so every loader takes its announced fallback;
- **online** (SMOKE): against a local course mirror (tests/mirror: miniature datasets in their real
  layout, test-only random weights under torchvision's file names), the branch a learner on Colab
  takes; it must print no `OFFLINE:` line and no weights fallback;
- **fullcap**: full-mode parameters (real sizes, full-mode-only cells) with `COURSE_STEP_CAP` capping
  the optimisation steps and evaluated batches, offline: a shape or memory bug at full size fails here
  instead of on a learner's Colab.

Each run also answers the exercises with the reference solutions in the same kernel. A new notebook
is picked up without editing this file. Executed copies go to build/executed/<mode>/ (ignored by git)
so a failure can be opened and read.
"""

import copy
import importlib
import json
import os
import re
import subprocess
import time
from pathlib import Path

import nbformat
import papermill
import pytest

from tests.conftest import NOTEBOOK_SECONDS, start_server
from tests.mirror import build_mirror
from utils.exercises import exercises_in

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MODES = ("offline", "online", "fullcap")
# The fullcap runs are marked `fullcap`: `make test` (CI's .ci/run) leaves them out to stay under 20 minutes
# on 2 cores, and `make test-fullcap` runs them (the workflow's `fullcap` job, on every push).
MODE_PARAMS = [pytest.param(m, marks=pytest.mark.fullcap) if m == "fullcap" else m for m in MODES]
# Budget: <= 30 s of compute per notebook in SMOKE; this catches a runaway path, not a slow machine.
WALL_LIMIT_S = {"offline": 120, "online": 150, "fullcap": 240}
STEP_CAP = 2  # optimisation steps per fit call (and evaluated batches) in the fullcap run
# Fallbacks the online run may still print, each with its reason (nothing else may fall back there).
ONLINE_ALLOWED_FALLBACKS: dict[str, list[str]] = {}


@pytest.mark.notebook
@pytest.mark.parametrize("mode", MODE_PARAMS)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_executes(notebook, mode, tmp_path, request):
    """Run the notebook as a newcomer does (no exercise answered), then, in the same kernel, its
    exercise cells a second time answered with the reference solutions.

    One execution checks both: unanswered, every check says "not attempted" and the cells after it
    still run; answered, every check says "correct!" and the cells after it (a reward picture) run
    with a correct answer too. (Executing the whole notebook twice would double CI time.)"""
    exercises = _exercises(notebook)
    nb = nbformat.read(notebook, as_version=4)
    with_answered_exercises(nb)
    runnable = tmp_path / notebook.name
    nbformat.write(nb, runnable)
    out = ROOT / "build" / "executed" / mode / notebook.name
    env = _environment(mode, request)
    seconds = (_execute_with_make if mode == "offline" else _execute)(runnable, out, env, mode)
    NOTEBOOK_SECONDS[f"{mode:8s} {notebook.stem}"] = seconds
    assert seconds < WALL_LIMIT_S[mode], (
        f"{notebook.name} took {seconds:.0f} s in the {mode} run (limit {WALL_LIMIT_S[mode]} s)"
    )

    unanswered, answered = _printed(out)
    for name, exercise in exercises.items():
        assert f"○ {exercise.name}: not attempted" in unanswered, f"{notebook.name}: {name} never reported"
        assert f"✔ {exercise.name}: correct!" in answered, (
            f"{notebook.name}: {name} rejected its reference answer"
        )
    if mode == "online":
        _check_online_branch(notebook, unanswered + answered)
    if mode == "fullcap":
        assert f"COURSE_STEP_CAP={STEP_CAP}" in unanswered or "CAPPED:" not in unanswered, unanswered


def _check_online_branch(notebook: Path, printed: str) -> None:
    """Against the mirror nothing may fall back: no OFFLINE line, no weights fallback, for anything
    the mirror serves (ONLINE_ALLOWED_FALLBACKS lists the exceptions, each with its reason)."""
    allowed = ONLINE_ALLOWED_FALLBACKS.get(notebook.stem, [])
    fallbacks = [
        line
        for line in printed.splitlines()
        if line.startswith("OFFLINE:") or (line.startswith("WEIGHTS:") and " unavailable (" in line)
    ]
    unexpected = [line for line in fallbacks if not any(word in line for word in allowed)]
    assert not unexpected, f"{notebook.name} fell back although the mirror serves it:\n" + "\n".join(
        unexpected
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
    """One data cache per mode for every notebook run of this session: it starts empty, so the first
    notebook that needs a file takes the real download path (offline: its fallback), and later runs
    reuse the download instead of fetching the same archive again."""
    return tmp_path_factory.mktemp("data-cache")


@pytest.fixture(scope="session")
def course_mirror(tmp_path_factory):
    """The test mirror (tests/mirror), built once and served on 127.0.0.1 for the whole session."""
    mirror = build_mirror(tmp_path_factory.mktemp("course-mirror"))
    httpd, state = start_server(mirror.folder)
    yield mirror, state.base
    httpd.shutdown()
    httpd.server_close()


def _environment(mode: str, request) -> dict[str, str]:
    """The environment of one run. COURSE_HEADLESS is deliberately not set: the notebook must see by
    itself that nobody is watching (utils.env.is_headless), as under a teacher's own papermill run."""
    cache = request.getfixturevalue("shared_cache") / mode
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("COURSE_HEADLESS", "COURSE_MIRROR", "COURSE_STEP_CAP")
    }
    env |= {"COURSE_DATA_DIR": str(cache), "SMOKE": "0" if mode == "fullcap" else "1"}
    if mode == "offline":  # these copies are the course website's pages (book/build.py): keep the figures
        env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    if mode == "online":
        mirror, base = request.getfixturevalue("course_mirror")
        env |= {
            "COURSE_MIRROR": base,
            "COURSE_REGISTRY": str(mirror.registry),
            "TORCH_HOME": str(mirror.torch_home),
        }
    if mode == "fullcap":
        env["COURSE_STEP_CAP"] = str(STEP_CAP)
    return env


def _execute_with_make(notebook: Path, out: Path, env: dict[str, str], mode: str) -> float:
    """Execute `notebook` with the README's command, `make run NB=… SMOKE=1`; return the seconds taken."""
    out.parent.mkdir(parents=True, exist_ok=True)
    command = ["make", "--no-print-directory", "run", f"NB={notebook}", "SMOKE=1", f"OUT={out.parent}"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    return seconds


def _working_folder(mode: str) -> Path:
    """Where a run's relative paths land (its `checkpoints/`): one folder per mode inside the course, so
    the online run never loads a checkpoint the offline run trained on other data (the setup cell
    still finds the course in the folders above). The offline run, as `make run`, uses notebooks/."""
    folder = ROOT / "build" / f"run-{mode}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _execute(notebook: Path, out: Path, env: dict[str, str], mode: str) -> float:
    """Execute `notebook` with plain papermill in `env`; return the seconds taken."""
    out.parent.mkdir(parents=True, exist_ok=True)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits the environment of this process
    try:
        start = time.perf_counter()
        papermill.execute_notebook(
            str(notebook),
            str(out),
            parameters={"SMOKE": mode != "fullcap"},
            cwd=str(_working_folder(mode)),
            kernel_name="python3",
            progress_bar=False,
        )
        return time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)


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
    """The exercises of a notebook (exercises/nbNN.py), by name; empty when it has none."""
    module = ROOT / "exercises" / f"nb{notebook.name[:2]}.py"
    if not module.exists():
        return {}
    return exercises_in(importlib.import_module(f"exercises.{module.stem}"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1
