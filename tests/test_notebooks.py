"""Execute every notebook in notebooks/ in SMOKE mode, one after the other, with papermill.

A new notebook is picked up without editing this file. Executed copies go to build/executed/
(ignored by git) so a failure can be opened and read.
"""

import importlib
import json
import time
from pathlib import Path

import papermill
import pytest

from tests.conftest import NOTEBOOK_SECONDS
from utils.exercises import exercises_in

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WALL_LIMIT_S = 120  # budget: ≤ 30 s of compute per notebook; this catches a runaway SMOKE path


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_executes_in_smoke_mode(notebook, monkeypatch, tmp_path):
    monkeypatch.setenv("SMOKE", "1")
    monkeypatch.setenv("COURSE_HEADLESS", "1")
    # A fresh, empty cache: the notebook takes the real download path (and offline, its fallback).
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    out = ROOT / "build" / "executed" / notebook.name
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    papermill.execute_notebook(
        str(notebook),
        str(out),
        parameters={"SMOKE": True},
        cwd=str(notebook.parent),
        kernel_name="python3",
        progress_bar=False,
    )
    seconds = time.perf_counter() - start
    NOTEBOOK_SECONDS[notebook.stem] = seconds
    assert seconds < WALL_LIMIT_S, (
        f"{notebook.name} took {seconds:.0f} s in SMOKE mode (limit {WALL_LIMIT_S} s)"
    )

    # Every exercise cell ran and reached its own check: unanswered, each reports "not attempted".
    module = ROOT / "utils" / "exercises" / f"nb{notebook.name[:2]}.py"
    if module.exists():
        printed = "".join(
            "".join(output.get("text", ""))
            for cell in json.loads(out.read_text())["cells"]
            for output in cell.get("outputs", [])
        )
        exercises = exercises_in(importlib.import_module(f"utils.exercises.{module.stem}"))
        for name, exercise in exercises.items():
            assert f"⏳ {exercise.name}: not attempted" in printed, f"{notebook.name}: {name} never reported"


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1
