"""House rules every notebook meets: no outputs, badge, setup and parameters cells, summary, kernel."""

import json
import re
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager

from utils.env import badge, clone_url, colab_url, setup_cell

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
params = pytest.mark.parametrize("path", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _markdown(nb: dict) -> str:
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


@params
def test_name_is_numbered(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), (
        f"{path.name}: expected NN_lower_snake_case.ipynb"
    )


def test_numbers_are_unique():
    numbers = [p.name[:2] for p in NOTEBOOKS]
    assert len(numbers) == len(set(numbers)), f"two notebooks share a number: {numbers}"


@params
def test_no_stored_outputs(path):
    for i, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], (
                f"{path.name} cell {i} has stored outputs: clear them before committing"
            )
            assert cell["execution_count"] is None, f"{path.name} cell {i} has an execution count"


@params
def test_opens_with_colab_badge_to_itself(path):
    first = "".join(_load(path)["cells"][0]["source"])
    url = colab_url(f"notebooks/{path.name}")
    assert f"]({url})" in first, f"{path.name}: first cell must hold the Open in Colab badge linking to {url}"
    assert first.splitlines()[0] == badge(f"notebooks/{path.name}"), (
        f"{path.name}: the first line must be the generated badge (`make retarget` rewrites it)"
    )


@params
def test_learning_objectives_summary_and_further_reading(path):
    text = _markdown(_load(path))
    assert re.search(r"(?i)learning objectives", text), f"{path.name}: no learning objectives"
    assert re.search(r"(?m)^##\s+Summary", text), f"{path.name}: no '## Summary' section"
    assert re.search(r"(?m)^##\s+Further reading", text), f"{path.name}: no '## Further reading' section"


@params
def test_open_questions_without_a_check(path):
    text = _markdown(_load(path))
    section = re.search(r"(?ms)^##\s+Open questions\s*$(.*?)^## ", text)
    assert section, f"{path.name}: no '## Open questions' section before the summary"
    assert "no automatic check" in section.group(1), f"{path.name}: say that open questions have no check"
    assert len(re.findall(r"(?m)^\d+\. ", section.group(1))) >= 1, f"{path.name}: no numbered open question"


@params
def test_setup_cell_is_the_template(path):
    """Every notebook's first code cell is `utils.env.setup_cell()` to the character (one template)."""
    cells = _load(path)["cells"]
    setup = next(("".join(c["source"]) for c in cells if c["cell_type"] == "code"), "")
    assert clone_url() in setup, (
        f"{path.name}: the first code cell must be the setup cell cloning {clone_url()}"
    )
    assert setup == setup_cell(), (
        f"{path.name}: the setup cell differs from utils.env.SETUP_CELL; regenerate it with "
        "`python -m utils.env retarget <owner/name>` (the current repository rewrites it unchanged)"
    )


@params
def test_parameters_cell(path):
    """papermill injects its values after the parameters cell: nothing there may be derived from SMOKE,
    and the next cell turns SMOKE into a bool (papermill's -p SMOKE 1 is an int) before any size uses it."""
    cells = _load(path)["cells"]
    tagged = [i for i, c in enumerate(cells) if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1, (
        f"{path.name}: expected exactly one cell tagged 'parameters', found {len(tagged)}"
    )
    source = "".join(cells[tagged[0]]["source"])
    assert 'SMOKE = env_flag("SMOKE")' in source, f"{path.name}: SMOKE must default from the environment"
    assert re.search(r"(?m)^SEED = \d+", source), f"{path.name}: the parameters cell sets no SEED"
    code = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert code == ['SMOKE = env_flag("SMOKE")', code[1]] and code[1].startswith("SEED = "), (
        f"{path.name}: the parameters cell holds SMOKE and SEED only; sizes derived from SMOKE go in the "
        f"next cell, where papermill's -p SMOKE 1 has already arrived: found {code}"
    )
    after = "".join(cells[tagged[0] + 1]["source"])
    first_code = next(line for line in after.splitlines() if not line.startswith("#"))
    assert first_code.startswith("SMOKE = as_flag(SMOKE)"), (
        f"{path.name}: the cell after the parameters cell must start with SMOKE = as_flag(SMOKE)"
    )
    assert "start_notebook(SEED, SMOKE)" in "".join(cells[tagged[0] + 2]["source"]), (
        f"{path.name}: start_notebook(SEED, SMOKE) comes right after the sizes cell"
    )


@params
def test_kernel_exists(path):
    name = _load(path)["metadata"]["kernelspec"]["name"]
    assert name == "python3", (
        f"{path.name}: kernel {name!r}; use 'python3' so Colab and local Jupyter both find it"
    )
    assert name in KernelSpecManager().find_kernel_specs()


@params
def test_links_are_https_and_well_formed(path):
    for url in re.findall(r"\]\((\S+?)\)", _markdown(_load(path))):
        assert url.startswith("https://") or url.startswith("#"), f"{path.name}: link {url} is not https"


def test_readme_lists_every_notebook_with_its_badge():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert badge(f"notebooks/{path.name}") in readme, (
            f"README.md does not list {path.name} with its badge"
        )


def test_the_repository_is_named_in_one_place():
    """Every Colab link, and every GitHub link to a repository of the course's name, in the README and the
    notebooks points at utils.env.GITHUB_REPO (a fork retargeted by hand would leave some behind)."""
    repo = clone_url().removeprefix("https://github.com/")
    texts = {"README.md": (ROOT / "README.md").read_text()}
    texts.update({f"notebooks/{p.name}": p.read_text() for p in NOTEBOOKS})
    for name, text in texts.items():
        for found in re.findall(r"colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)", text):
            assert found == repo, (
                f"{name} opens {found} in Colab, not {repo} (run `make retarget REPO={repo}`)"
            )
        for found in re.findall(r"github\.com/([\w.-]+/[\w.-]+)", text):
            if found.split("/")[1] == repo.split("/")[1]:
                assert found == repo, f"{name} names {found}, not {repo} (run `make retarget REPO={repo}`)"


def test_setup_cell_outside_the_course_says_where_to_open_the_notebook(tmp_path):
    """Run from a folder with no utils/ above it, the setup cell names the fix, not a bare StopIteration."""
    import subprocess
    import sys

    cells = _load(NOTEBOOKS[0])["cells"]
    setup = next("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    done = subprocess.run([sys.executable, "-c", setup], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0
    assert "FileNotFoundError: no utils/ folder here or above" in done.stderr
    assert "open this notebook from the course's notebooks/ folder" in done.stderr
