"""Where a notebook runs, how it is set up, and the one-line banner each notebook prints.

The GitHub location of the course lives here, in one place (`GITHUB_REPO`): the "Open in Colab"
badges of the README and of every notebook, and every notebook's setup cell, are generated from it
(`badge`, `setup_cell`), the tests check that they agree, and `make retarget REPO=you/fork`
(`python -m utils.env retarget you/fork`) rewrites them all for a fork.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import torch

from utils.announce import say

GITHUB_REPO = "tlcv-course/transfer-learning-cv-pytorch"
GITHUB_BRANCH = "main"
ROOT = Path(__file__).resolve().parent.parent

# Packages that Colab already has (torch!) or that only a local JupyterLab needs.
_NEVER_INSTALL_ON_COLAB = {"torch", "torchvision", "jupyterlab", "ipykernel", "papermill"}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def colab_url(notebook: str, repo: str | None = None) -> str:
    """The "Open in Colab" address of a notebook.

    Example:
        >>> colab_url("notebooks/01_tensors.ipynb", repo="you/fork")
        'https://colab.research.google.com/github/you/fork/blob/main/notebooks/01_tensors.ipynb'
    """
    return f"https://colab.research.google.com/github/{repo or GITHUB_REPO}/blob/{GITHUB_BRANCH}/{notebook}"


def clone_url(repo: str | None = None) -> str:
    """The address the Colab setup cell clones the course from.

    Example:
        >>> clone_url("you/fork")
        'https://github.com/you/fork'
    """
    return f"https://github.com/{repo or GITHUB_REPO}"


def badge(notebook: str, repo: str | None = None) -> str:
    """The Markdown "Open in Colab" badge of a notebook: the first line of its first cell.

    Example:
        >>> badge("notebooks/01_tensors.ipynb", repo="you/fork")  # doctest: +ELLIPSIS
        '[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://...you/fork/...)'
    """
    return f"[![Open in Colab]({COLAB_BADGE_SVG})]({colab_url(notebook, repo)})"


COLAB_BADGE_SVG = "https://colab.research.google.com/assets/colab-badge.svg"

# The first code cell of every notebook, identical in all of them (the tests check it). On Colab it
# clones the course into /content/course (COURSE_COLAB_ROOT moves /content, for the tests only).
SETUP_CELL = """\
# Setup: run this cell first. On Colab it fetches the course code and installs what Colab lacks
# (never torch); locally it only finds the course folder, and says if a package is missing.
import os
import subprocess
import sys
from pathlib import Path

COURSE_URL = "{url}"
COLAB_COPY = Path(os.environ.get("COURSE_COLAB_ROOT", "/content")) / "course"
if "google.colab" in sys.modules and not COLAB_COPY.exists():
    subprocess.run(["git", "clone", "-q", "--depth=1", COURSE_URL, str(COLAB_COPY)], check=True)
places = [Path.cwd(), *Path.cwd().parents, COLAB_COPY]
ROOT = next((p for p in places if (p / "utils" / "env.py").exists()), None)
if ROOT is None:
    raise FileNotFoundError(
        "no utils/ folder here or above: open this notebook from the course's notebooks/ folder"
    )
sys.path.insert(0, str(ROOT))
from utils.env import as_flag, check_requirements, env_flag, start_notebook

check_requirements()"""


def setup_cell(repo: str | None = None) -> str:
    """The source of every notebook's setup cell (its first code cell), cloning `repo` on Colab.

    Example:
        >>> "https://github.com/you/fork" in setup_cell("you/fork")
        True
    """
    return SETUP_CELL.format(url=clone_url(repo))


def as_flag(value: object, name: str = "SMOKE") -> bool:
    """A yes/no parameter as a real bool, however it was given.

    papermill's `-p SMOKE 1` passes the integer 1, `make run SMOKE=1` too, and `-p SMOKE true` the
    string "true": all of them mean True. Accepted: True/False, 1/0 and the strings
    1/0, true/false, yes/no, on/off (any case).

    Raises:
        ValueError: for anything else, e.g. 2, "maybe" or None.

    Example:
        >>> as_flag(1), as_flag("false"), as_flag(True)
        (True, False, True)
    """
    if isinstance(value, bool):
        return value
    if type(value) is int and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"{name} must be 1/0 or true/false, got {value!r}")


def env_flag(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable such as `SMOKE=1`.

    Accepts 1/true/yes/on and 0/false/no/off (any case); unset means `default`.

    Example:
        >>> os.environ["SMOKE"] = "1"; env_flag("SMOKE")
        True
    """
    value = os.environ.get(name)
    if value is None:
        return default
    return as_flag(value, name=f"environment variable {name}")


def is_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules


def is_headless() -> bool:
    """True when the notebook is executed without a person watching (papermill, nbconvert, CI).

    Widgets cannot be moved there (and `ipywidgets.interact` can hang such a run), so interactive
    plots fall back to static ones. Detected with no variable to set:

    1. `COURSE_HEADLESS=1` / `=0` in the environment decides, if set;
    2. on Colab a person is always watching;
    3. a kernel whose front end cannot answer `input()` has no person at it: papermill and
       nbconvert (nbclient) run kernels with stdin switched off, JupyterLab, Notebook and VS Code
       with it on;
    4. outside a kernel (a script, pytest), nobody can move a slider.
    """
    if os.environ.get("COURSE_HEADLESS", "").strip():
        return env_flag("COURSE_HEADLESS")
    if is_colab():
        return False
    kernel = _kernel()
    if kernel is None:
        return True
    return not getattr(kernel, "_allow_stdin", True)


def _kernel() -> object | None:
    """The running Jupyter kernel, or None outside one."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return getattr(shell, "kernel", None)


def missing_requirements(requirements: Path = ROOT / "requirements.txt") -> list[str]:
    """The requirement lines of `requirements` whose package is not installed (torch is never listed)."""
    missing = []
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        name = re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0]
        if name.lower() in _NEVER_INSTALL_ON_COLAB:
            continue
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(line)
    return missing


def check_requirements(requirements: Path = ROOT / "requirements.txt") -> list[str]:
    """Make sure the course's packages are there; return the requirement lines still missing.

    On Colab (called by every setup cell) the missing ones are pip-installed, never torch or
    torchvision: Colab's own GPU build stays. Locally nothing is ever installed behind your back:
    each missing package gets one `MISSING:` line with the command that installs it, and the
    notebook goes on as far as it can. A failed install (no network) is reported the same way.
    """
    missing = missing_requirements(requirements)
    if missing and is_colab():
        say("SETUP", f"installing {', '.join(missing)}")
        done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=False)
        if done.returncode == 0:
            return []
    for line in missing:
        say(
            "MISSING",
            f"{line} is not installed; cells that need it will fail. Install everything with "
            "`make lab` (or `pip install -c constraints.txt -r requirements.txt`) in the course folder.",
        )
    return missing


def start_notebook(seed: int, smoke: bool) -> torch.device:
    """Seed everything, pick the device and print how this notebook runs; return the device.

    Call it right after the parameters cell. It prints one line with the mode, where the notebook
    runs, the device and torch's version, and one with the data cache (and how to fix it when it
    cannot be used).
    """
    from utils.device import get_device, seed_everything
    from utils.download import describe_cache

    seed_everything(seed)
    device = get_device()
    where = "Colab" if is_colab() else "local"
    gpu = (
        torch.cuda.get_device_name(0)
        if device.type == "cuda"
        else "no GPU: fine for SMOKE, slow for full mode"
    )
    mode = "SMOKE (tiny data, few steps)" if smoke else "full"
    print(f"Mode: {mode} | {where} | device: {device} ({gpu}) | torch {torch.__version__} | seed {seed}")
    print(f"Data cache: {describe_cache()}")
    return device
