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
    """True when the notebook is executed without a person watching (papermill, CI, `make run`).

    Widgets cannot be moved there, so interactive plots fall back to static ones. Set by the
    environment variable `COURSE_HEADLESS=1`.
    """
    return env_flag("COURSE_HEADLESS")


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


def install_missing(requirements: Path = ROOT / "requirements.txt") -> None:
    """pip-install the course's requirements that are missing, never touching torch/torchvision.

    Used by the setup cell on Colab; locally everything is installed already and nothing happens.
    """
    missing = missing_requirements(requirements)
    if missing:
        print("Installing:", ", ".join(missing))
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


def start(seed: int, smoke: bool) -> torch.device:
    """Seed everything, pick the device and print one line saying how this notebook runs.

    Returns the device to use. Call it right after the parameters cell.
    """
    from utils.device import get_device, seed_everything
    from utils.download import cache_dir

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
    print(f"Data cache: {cache_dir()}")
    return device
