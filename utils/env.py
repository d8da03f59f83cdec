"""Where a notebook runs, how it is set up, and the one-line banner each notebook prints.

The GitHub location of the course lives here, in one place: the "Open in Colab" badges and the
setup cells of every notebook are checked against it by the tests.
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


def colab_url(notebook: str) -> str:
    """The "Open in Colab" address of a notebook, e.g. `colab_url("notebooks/01_tensors.ipynb")`."""
    return f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/{GITHUB_BRANCH}/{notebook}"


def clone_url() -> str:
    """The address the Colab setup cell clones the course from."""
    return f"https://github.com/{GITHUB_REPO}"


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
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ValueError(
        f"environment variable {name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}"
    )


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
