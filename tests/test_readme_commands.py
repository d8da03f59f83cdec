"""The README's headless commands, run exactly as the README writes them (issue 17: `make run SMOKE=1`
and `papermill ... -p SMOKE 1` broke because papermill passes the integer 1 and the tests passed True).

The commands are read out of README.md's ```bash blocks, not retyped here: change the README and this
test runs what it now says. `make run SMOKE=1` (every notebook) runs in tests/test_notebooks.py, which
executes each notebook with the same `make run` recipe; here it is only checked to be in the README.
"""

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALL_NOTEBOOKS = "make run SMOKE=1"


def readme_commands() -> list[str]:
    """Each command line of README.md's bash code blocks, its trailing comment removed."""
    blocks = re.findall(r"(?ms)^```bash\n(.*?)^```", (ROOT / "README.md").read_text())
    lines = [line.split(" #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


HEADLESS = [c for c in readme_commands() if c.startswith("make run") or "papermill " in c]


def test_the_readme_shows_the_headless_commands():
    assert ALL_NOTEBOOKS in HEADLESS, "the README's command that executes every notebook"
    assert any(c.startswith("make run NB=") and "SMOKE=1" in c for c in HEADLESS), "one notebook, SMOKE"
    assert any("papermill " in c and "-p SMOKE 1" in c for c in HEADLESS), "the papermill line"


def _executed(command: str) -> Path:
    """Where the command's executed notebook lands (make run: OUT/<name>; papermill: its 2nd argument)."""
    words = shlex.split(command)
    if words[0] == "make":
        notebook = next(w.split("=", 1)[1] for w in words if w.startswith("NB="))
        return ROOT / "build" / "executed" / Path(notebook).name
    paths = [w for w in words if w.endswith(".ipynb")]
    return ROOT / paths[1]


@pytest.mark.notebook
@pytest.mark.parametrize("command", [c for c in HEADLESS if c != ALL_NOTEBOOKS])
def test_readme_command_runs_as_written(command):
    environment = {k: v for k, v in os.environ.items() if k not in {"SMOKE", "COURSE_STEP_CAP"}}
    environment["OMP_NUM_THREADS"] = "1"
    executed = _executed(command)
    executed.unlink(missing_ok=True)
    done = subprocess.run(
        command, shell=True, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"`{command}` failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    cells = json.loads(executed.read_text())["cells"]
    printed = "".join(
        "".join(out.get("text", "")) for c in cells if c["cell_type"] == "code" for out in c["outputs"]
    )
    smoke = re.search(
        r"SMOKE[= ](\S+)", command.split("papermill")[-1] if "papermill" in command else command
    )
    expected = "Mode: SMOKE" if smoke and smoke.group(1) == "1" else "Mode: full"
    assert expected in printed, f"`{command}` should run in {expected}; the banner said otherwise"
    injected = [c for c in cells if "injected-parameters" in c["metadata"].get("tags", [])]
    if smoke:
        assert "SMOKE = 1" in "".join(injected[0]["source"]), (
            "papermill passed the integer 1, as a learner's run does"
        )


def test_ci_runs_the_readme_test_command_the_floor_and_a_weekly_newest_torch_job():
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    triggers, jobs = workflow[True], workflow["jobs"]  # YAML reads the key `on` as True
    assert {"push", "pull_request", "schedule", "workflow_dispatch"} <= set(triggers)
    assert [s["run"] for s in jobs["test"]["steps"] if "run" in s] == ["bash .ci/run"]
    assert "\nmake test\n" in (ROOT / ".ci" / "run").read_text()
    assert "CONSTRAINTS=constraints-floor.txt" in str(jobs["floor"]["steps"])
    newest = jobs["newest"]
    assert "schedule" in newest["if"] and "workflow_dispatch" in newest["if"]
    runs = "\n".join(s["run"] for s in newest["steps"] if "run" in s)
    assert "pip install -q --pre --upgrade torch torchvision" in runs
    assert "constraints.txt" not in runs, "the newest job must not pin torch"
    assert "make test" in runs and "make nbval" in runs


@pytest.mark.notebook
def test_nbval_runs_a_notebook(tmp_path):
    """`make nbval`'s command on one small notebook, so nbval is known to work between weekly runs."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"(?m)^nbval:.*\n\t(.+)$", makefile).group(1)
    assert recipe.endswith("notebooks/"), recipe
    command = recipe.replace("$(BIN)", str(ROOT / ".venv" / "bin")).removesuffix("notebooks/")
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        command + "notebooks/01_tensors.ipynb -q",
        shell=True, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0 and " passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
    assert "failed" not in done.stdout
