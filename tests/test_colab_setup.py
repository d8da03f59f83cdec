"""The Colab path of the setup cell, tested as far as it can be without Colab.

1. The setup cell of a notebook runs as on Colab: a `google.colab` module is importable and imported,
   `/content` is a temporary folder (`COURSE_COLAB_ROOT`, used only for this), and git's
   `url.<local>.insteadOf` sends the cell's own clone URL (`utils.env.clone_url()`, the one repository
   setting) to a local bare copy of this repository. The installed packages are Colab's, from its
   published `pip freeze`; the pip call is recorded, not run.
2. What `check_requirements` installs on Colab leaves every package Colab ships at its version: a pip
   install that upgrades numpy or matplotlib under a running kernel breaks the session until a restart.

Colab's package set: tests/colab/pip-freeze.txt, Google's own `pip freeze` of the Colab runtime from
github.com/googlecolab/backend-info (commit a72407924822ea377410b69f0a290150bcb5c9c2, 2026-08-19:
Python 3.13.15, torch 2.11.0+cpu, torchvision 0.26.0, numpy 2.1.3, matplotlib 3.10.0,
ipywidgets 7.7.1, ipykernel 6.17.1, pandas 2.2.3, scikit-learn 1.6.1, scikit-image 0.25.2,
opencv-python-headless 5.0.0.93). It is a snapshot: Colab changes its image every few weeks.
"""

import json
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from utils import env

ROOT = Path(__file__).resolve().parent.parent
FREEZE = Path(__file__).parent / "colab" / "pip-freeze.txt"
REQUIREMENTS = ROOT / "requirements.txt"
NOTEBOOK = ROOT / "notebooks" / "09_transfer_learning.ipynb"


def colab_packages() -> dict[str, str]:
    """{canonical name: version} from Colab's pip freeze: `name==version` lines, and `name @ url` lines
    whose wheel or sdist file name holds the version (a git checkout has none and is left out)."""
    found = {}
    for line in FREEZE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if "==" in line:
            name, version = line.split("==", 1)
        else:
            name, url = line.split(" @ ", 1)
            match = re.search(r"/[^/]+?-(\d[^-/]*?)(?:-(?:cp|py)\d|\.tar\.gz)", unquote(url))
            if match is None:
                continue
            version = match.group(1)
        found[canonicalize_name(name)] = version.strip()
    return found


COLAB = colab_packages()


def _names(lines: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in lines}


def test_the_snapshot_is_colabs_stack():
    """The file is what it claims to be (a guard against an empty or mangled snapshot)."""
    assert "Python 3.13" in FREEZE.read_text().splitlines()[1]
    assert len(COLAB) > 500
    assert COLAB["torch"] == "2.11.0+cpu" and COLAB["torchvision"] == "0.26.0+cpu"
    assert COLAB["numpy"].startswith("2.") and COLAB["matplotlib"] == "3.10.0"
    assert COLAB["ipywidgets"] == "7.7.1" and COLAB["google-colab"] == "1.0.0"


def test_on_colab_nothing_colab_ships_is_installed_or_changed():
    """Against Colab's own package set the setup cell installs nothing: every package the notebooks
    need is there at a version the course admits (torch, ipykernel... are never installed)."""
    missing, kept = env.install_plan(REQUIREMENTS, COLAB)
    assert not _names(missing) & set(COLAB), f"would reinstall packages Colab ships: {missing}"
    assert missing == [], f"Colab lacks {missing}: the setup cell installs them on every session"
    assert kept == [], f"Colab's versions that requirements.txt does not admit (kept as they are): {kept}"


def test_a_package_colab_lacks_is_installed_with_every_colab_package_pinned(tmp_path):
    lacking = {name: v for name, v in COLAB.items() if name not in {"mlxtend", "h5py", "torch", "ipykernel"}}
    missing, _ = env.install_plan(REQUIREMENTS, lacking)
    assert sorted(missing) == ["h5py>=3.8", "mlxtend>=0.23"], "torch and ipykernel are never installed"
    command = env.pip_install_command(missing, lacking, tmp_path)
    pins_file = Path(command[command.index("-c") + 1])
    pins = dict(line.split("==", 1) for line in pins_file.read_text().splitlines())
    assert pins == lacking, "every package Colab has is pinned at its version"
    assert (
        pins["numpy"] == COLAB["numpy"] and pins["matplotlib"] == "3.10.0" and pins["ipywidgets"] == "7.7.1"
    )


def _wheel(folder: Path, name: str, version: str, requires: list[str]) -> None:
    """A minimal wheel pip can read (metadata only), for an offline --dry-run."""
    dist_info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as whl:
        metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        whl.writestr(
            f"{dist_info}/METADATA", "\n".join(metadata + [f"Requires-Dist: {r}" for r in requires]) + "\n"
        )
        whl.writestr(
            f"{dist_info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        whl.writestr(f"{dist_info}/RECORD", "")


def test_pip_itself_refuses_to_change_a_pinned_package(tmp_path):
    """The mechanism, checked with the real pip offline (--dry-run --no-index): a package that needs a
    newer numpy would upgrade it without the pins; with `pip_install_command`'s pins, pip refuses."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, "numpy", "99.0", [])
    _wheel(wheels, "course_probe", "1.0", ["numpy>=99"])
    _wheel(wheels, "course_gentle", "1.0", ["numpy>=1"])
    offline = ["--dry-run", "--no-index", "--find-links", str(wheels)]
    installed = env.installed_packages()

    def pip(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*args, *offline], capture_output=True, text=True, timeout=120)

    unpinned = pip(sys.executable, "-m", "pip", "install", "course_probe")
    assert unpinned.returncode == 0 and "numpy-99.0" in unpinned.stdout, unpinned.stdout + unpinned.stderr
    pinned = pip(*env.pip_install_command(["course_probe"], installed, tmp_path))
    assert pinned.returncode != 0, f"pip would change numpy: {pinned.stdout}"
    gentle = pip(*env.pip_install_command(["course_gentle"], installed, tmp_path)[:-1], "course_gentle", "-v")
    assert gentle.returncode == 0 and "Would install course_gentle-1.0" in gentle.stdout
    assert "numpy" not in gentle.stdout.split("Would install", 1)[1]


# Runs in a fresh Python, in an empty folder, as Colab runs the notebook's first cell (twice: a learner
# who runs it again must not clone again). Colab's package set replaces this Python's for
# check_requirements; subprocess.run passes git through and records pip.
DRIVER = textwrap.dedent(
    """
    import importlib.metadata, json, subprocess, sys
    import google.colab  # the fake: Colab is detected by this module being imported
    import torch, packaging.requirements  # loaded before the package set is swapped

    setup, packages, record = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]

    class Dist:
        def __init__(self, name, version):
            self.metadata, self.version = {"Name": name}, version

    importlib.metadata.distributions = lambda: [Dist(n, v) for n, v in packages.items()]
    real_run, calls = subprocess.run, []

    def run(command, *args, **kwargs):
        if command[0] == "git":
            calls.append({"git": command})
            return real_run(command, *args, **kwargs)
        pins = command[command.index("-c") + 1]
        calls.append({"pip": command, "pins": open(pins).read().split()})
        return subprocess.CompletedProcess(command, 0)

    subprocess.run = run
    for _ in range(2):
        exec(open(setup).read(), {})
    json.dump({"env": sys.modules["utils.env"].__file__, "calls": calls}, open(record, "w"))
    """
)


@pytest.fixture(scope="module")
def bare_repository(tmp_path_factory) -> Path:
    bare = tmp_path_factory.mktemp("origin") / "course.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ROOT), str(bare)], check=True)
    return bare


def test_setup_cell_on_colab_clones_finds_the_course_and_installs_only_what_colab_lacks(
    tmp_path, bare_repository
):
    setup = next(c for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code")
    (tmp_path / "setup.py").write_text("".join(setup["source"]) + "\nprint('ROOT =', ROOT)\n")
    fake = tmp_path / "fake" / "google" / "colab"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('"""A stand-in for Colab\'s google.colab package."""\n')
    colab = {name: v for name, v in COLAB.items() if name != "mlxtend"}  # as if Colab dropped mlxtend
    (tmp_path / "packages.json").write_text(json.dumps(colab))
    (tmp_path / "driver.py").write_text(DRIVER)
    work, content = tmp_path / "work", tmp_path / "content"
    work.mkdir()
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(tmp_path / "fake"),
        "COURSE_COLAB_ROOT": str(content),
        "COURSE_DATA_DIR": str(tmp_path / "cache"),
        # git rewrites the cell's own URL (the repository setting) to the local bare copy
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.file://{bare_repository}.insteadOf",
        "GIT_CONFIG_VALUE_0": env.clone_url(),
    }
    done = subprocess.run(
        [sys.executable, str(tmp_path / "driver.py"), str(tmp_path / "setup.py"), str(tmp_path / "packages.json"),
         str(tmp_path / "record.json")],
        cwd=work, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads((tmp_path / "record.json").read_text())
    course = content / "course"
    assert f"ROOT = {course}" in done.stdout, "the course is found where Colab cloned it"
    assert record["env"] == str(course / "utils" / "env.py"), "utils comes from the clone"
    assert (course / "notebooks" / NOTEBOOK.name).exists()
    gits = [c["git"] for c in record["calls"] if "git" in c]
    assert gits == [["git", "clone", "-q", "--depth=1", env.clone_url(), str(course)]], (
        "cloned once, from the URL"
    )
    pips = [c for c in record["calls"] if "pip" in c]
    assert len(pips) == 2, "each run of the cell checks the requirements"
    assert pips[0]["pip"][-1] == "mlxtend>=0.23" and pips[0]["pip"][:4] == [
        sys.executable,
        "-m",
        "pip",
        "install",
    ]
    assert _names([pips[0]["pip"][-1]]) == {"mlxtend"}, "only what Colab lacks"
    pins = dict(line.split("==", 1) for line in pips[0]["pins"])
    assert pins == colab, "every Colab package is pinned at its version"
    assert "SETUP: installing mlxtend>=0.23 (Colab's own packages stay as they are)" in done.stdout


def test_make_retarget_rewrites_badges_and_clone_url_and_nothing_else(tmp_path):
    """`make retarget REPO=...` on a copy of the course: every badge and setup cell follows, the rest is
    untouched (retargeting back gives the same bytes)."""
    import shutil

    files = ["Makefile", "README.md", "requirements.txt", "constraints.txt", "utils/env.py"]
    files += [f"notebooks/{p.name}" for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    shutil.copytree(ROOT / "utils", tmp_path / "utils", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "notebooks").mkdir()
    for name in files:
        shutil.copy2(ROOT / name, tmp_path / name)  # copy2 keeps mtimes: make sees .venv as up to date
    before = {name: (tmp_path / name).read_bytes() for name in files}
    venv = ROOT / ".venv"

    def make(repo: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "-C", str(tmp_path), "-o", f"{venv}/.installed", "retarget", f"REPO={repo}", f"VENV={venv}"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    done = make("you/your-fork")
    assert done.returncode == 0, done.stdout + done.stderr
    changed = {name for name in files if (tmp_path / name).read_bytes() != before[name]}
    assert changed == {n for n in files if n.startswith("notebooks/")} | {"README.md", "utils/env.py"}
    readme = (tmp_path / "README.md").read_text()
    for name in files:
        if name.startswith("notebooks/"):
            cells = json.loads((tmp_path / name).read_text())["cells"]
            assert "".join(cells[0]["source"]).splitlines()[0] == env.badge(name, "you/your-fork")
            setup = next("".join(c["source"]) for c in cells if c["cell_type"] == "code")
            assert setup == env.setup_cell("you/your-fork")
            assert env.badge(name, "you/your-fork") in readme
    assert env.GITHUB_REPO not in readme, "no link to the old repository is left"
    assert "https://you.github.io/your-fork/" in readme, "the website's address follows the fork"
    assert 'GITHUB_REPO = "you/your-fork"' in (tmp_path / "utils" / "env.py").read_text()
    assert make(env.GITHUB_REPO).returncode == 0
    assert {name for name in files if (tmp_path / name).read_bytes() != before[name]} == set(), "round trip"
