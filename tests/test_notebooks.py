"""Execute every notebook in notebooks/ in SMOKE mode, one after the other, with papermill.

A new notebook is picked up without editing this file. Executed copies go to build/executed/
(ignored by git) so a failure can be opened and read.
"""

import time
from pathlib import Path

import papermill
import pytest

from tests.conftest import NOTEBOOK_SECONDS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WALL_LIMIT_S = 120  # budget: ≤ 30 s of compute per notebook; this catches a runaway SMOKE path


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_executes_in_smoke_mode(notebook, monkeypatch, tmp_path):
    monkeypatch.setenv("SMOKE", "1")
    monkeypatch.setenv("COURSE_HEADLESS", "1")
    monkeypatch.setenv(
        "COURSE_DATA_DIR", str(tmp_path / "data")
    )  # a fresh cache: the real download path runs
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


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1
