"""CONTRIBUTING.md's "Add a notebook" names every place a new notebook touches; each test here fails,
naming the place, when one of them is forgotten for a notebook or a dataset of the course."""

import json
import re
from pathlib import Path

import pytest

from tests.mirror import collect

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REGISTRY = [
    entry["name"] for entry in json.loads((ROOT / "datasets" / "registry.json").read_text())["datasets"]
]
GUIDE = (ROOT / "CONTRIBUTING.md").read_text()


def _steps() -> list[str]:
    """The numbered steps of "Add a notebook"."""
    section = GUIDE.split("## Add a notebook", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\d+\. (.*(?:\n   .*)*)", section, flags=re.M)


def test_the_guide_names_seven_places_each_a_real_path():
    steps = _steps()
    assert len(steps) == 7, steps
    for step in steps:
        place = re.match(r"`([^`]+)`", step)[1]
        folder = ROOT / place.split("<")[0].split("NN")[0].rsplit("/", 1)[0]
        assert folder.exists(), f"CONTRIBUTING.md names {place}, but {folder} does not exist"


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_every_notebook_has_its_exercises_answers_and_readme_row(stem):
    nn = stem[:2]
    assert (ROOT / "exercises" / f"nb{nn}.py").is_file(), f"step 2: exercises/nb{nn}.py is missing"
    assert (ROOT / "exercises" / "answers" / f"nb{nn}.py").is_file(), f"step 3: exercises/answers/nb{nn}.py"
    source = (ROOT / "notebooks" / f"{stem}.ipynb").read_text()
    assert f"from exercises import nb{nn} as ex" in source, f"step 2: {stem} does not import its exercises"
    rows = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith(f"| {nn} |")]
    assert len(rows) == 1 and f"`{stem}`" in rows[0], f"step 7: README.md has no syllabus row for {stem}"


def test_no_exercises_without_a_notebook():
    numbers = {stem[:2] for stem in NOTEBOOKS}
    for folder in (ROOT / "exercises", ROOT / "exercises" / "answers"):
        orphans = sorted(p.name for p in folder.glob("nb*.py") if p.stem[2:] not in numbers)
        assert not orphans, f"{folder.relative_to(ROOT)} holds exercises of no notebook: {orphans}"


def _quoted(path: Path) -> set[str]:
    return set(re.findall(r'"[^"\n]*"', path.read_text()))


@pytest.mark.parametrize("name", REGISTRY)
def test_every_dataset_has_a_loader_a_readme_row_and_a_miniature(name):
    family = name.rsplit("-", 2)[0]  # "mnist-test-images": digits.py builds f"{dataset}-{split}-{kind}"
    loaders = [p for p in (ROOT / "utils" / "data").glob("*.py") if {f'"{name}"', f'"{family}"'} & _quoted(p)]
    assert loaders, f"step 5: no loader in utils/data/ names the registry entry {name!r}"
    assert f"`{name}`" in (ROOT / "datasets" / "README.md").read_text(), (
        f"step 5: datasets/README.md lacks {name}"
    )
    assert name in collect()[0], f"step 6: tests/mirror/ has no miniature of {name}"
