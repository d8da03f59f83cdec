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
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from utils.announce import console_safe, say

if TYPE_CHECKING:
    import torch

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
        >>> print(badge("notebooks/01_tensors.ipynb", repo="you/fork"))
        [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/you/fork/blob/main/notebooks/01_tensors.ipynb)
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


def installed_packages() -> dict[str, str]:
    """Every installed distribution as {canonical name: version}, e.g. {"numpy": "2.0.2", ...}.

    Example:
        >>> installed_packages()["numpy"]  # doctest: +SKIP
        '2.0.2'
    """
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonicalize_name(name), dist.version)
    return found


def install_plan(
    requirements: Path = ROOT / "requirements.txt", installed: Mapping[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """Sort the course's requirement lines by what `installed` (default: this Python) already has.

    Torch, torchvision, jupyterlab, ipykernel and papermill are never listed: Colab keeps its own
    torch build, and the last three serve a local JupyterLab or the tests only.

    Args:
        requirements: a requirements file (comments and blank lines allowed).
        installed: {package name: version}; None reads this Python's packages.

    Returns:
        (missing, kept): the requirement lines whose package is not installed at all, and one note
        per package installed at a version its line does not admit ("numpy 1.26.4 (wants >=2)").
        A kept package is left alone: on Colab, changing a package the running kernel has loaded
        breaks the session until a restart.

    Example:
        >>> install_plan(Path("requirements.txt"), {"numpy": "1.21"})[1][0]  # doctest: +SKIP
        'numpy 1.21 (the course wants >=1.24)'
    """
    have = {
        canonicalize_name(k): v for k, v in (installed_packages() if installed is None else installed).items()
    }
    missing, kept = [], []
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        try:
            wanted = Requirement(line)
        except InvalidRequirement as error:
            raise ValueError(f"{requirements}: cannot read the requirement {line!r} ({error})") from None
        name = canonicalize_name(wanted.name)
        if name in _NEVER_INSTALL_ON_COLAB or (wanted.marker and not wanted.marker.evaluate()):
            continue
        if name not in have:
            missing.append(line)
        elif not wanted.specifier.contains(have[name], prereleases=True):
            kept.append(f"{wanted.name} {have[name]} (the course wants {wanted.specifier})")
    return missing, kept


def missing_requirements(requirements: Path = ROOT / "requirements.txt") -> list[str]:
    """The requirement lines of `requirements` whose package is not installed (torch is never listed).

    Example:
        >>> missing_requirements()  # after `make lab`
        []
    """
    return install_plan(requirements)[0]


def pip_install_command(missing: list[str], installed: Mapping[str, str], folder: Path) -> list[str]:
    """The pip command that installs `missing` and cannot change any package of `installed`.

    Every installed package is pinned to its version in a constraints file written into `folder`:
    pip then installs what is missing (with any dependency that is missing too) or, if that would
    need another version of something already there, fails and changes nothing.

    Example:
        >>> pip_install_command(["mlxtend>=0.23"], {"numpy": "2.0.2"}, Path("/tmp"))[-2:]
        ['/tmp/installed-pins.txt', 'mlxtend>=0.23']
    """
    pins = []
    for name, version in sorted(installed.items()):
        try:
            Version(version)
        except InvalidVersion:  # a pin pip cannot read would break the whole install
            continue
        pins.append(f"{name}=={version}")
    pins_file = Path(folder) / "installed-pins.txt"
    pins_file.write_text("\n".join(pins) + "\n")
    return [sys.executable, "-m", "pip", "install", "-q", "-c", str(pins_file), *missing]


def optional_requirements(requirements: Path = ROOT / "requirements.txt") -> set[str]:
    """The requirement lines marked `# optional: ...`: one notebook needs them and says so itself.

    A setup cell does not warn about these (notebook 20's NYU loader names h5py when it is missing).

    Example:
        >>> sorted(optional_requirements())
        ['h5py>=3.8']
    """
    return {
        line.split("#")[0].strip()
        for line in requirements.read_text().splitlines()
        if "#" in line and line.split("#", 1)[1].strip().startswith("optional") and line.split("#")[0].strip()
    }


def check_requirements(requirements: Path = ROOT / "requirements.txt") -> list[str]:
    """Make sure the course's packages are there; return the requirement lines still missing.

    On Colab (called by every setup cell) the missing ones are pip-installed with every package
    Colab has pinned at its version (`pip_install_command`): never torch or torchvision, and never
    an upgrade or downgrade of numpy, matplotlib or anything else the running kernel may have
    loaded. A package Colab has at another version than the course asks is kept, with one `SETUP:`
    line. Locally nothing is ever installed behind your back: each missing package gets one
    `MISSING:` line with the command that installs it, and the notebook goes on as far as it can;
    a line marked `# optional: ...` (needed by one notebook, which says so itself) gets none.
    A failed install (no network, a conflict) is reported the same way.

    Example:
        >>> check_requirements()  # after `make lab`: nothing missing, nothing printed
        []
    """
    installed = installed_packages()
    missing, kept = install_plan(requirements, installed)
    if is_colab():
        for note in kept:
            say("SETUP", f"keeping Colab's {note}: changing it would need a restart")
        if missing:
            say("SETUP", f"installing {', '.join(missing)} (Colab's own packages stay as they are)")
            with tempfile.TemporaryDirectory() as folder:
                command = pip_install_command(missing, installed, Path(folder))
                done = subprocess.run(command, check=False)
            if done.returncode == 0:
                return []
            for line in missing:
                say(
                    "MISSING",
                    f"{line} could not be installed (no network, or it needs another version of a "
                    "package Colab has); cells that need it will fail.",
                )
            return missing
    optional = optional_requirements(requirements)
    for line in (line for line in missing if line not in optional):
        say(
            "MISSING",
            f"{line} is not installed; cells that need it will fail. Install everything with "
            "`make lab` (or `pip install -c constraints.txt -r requirements.txt`) in the course folder.",
        )
    return missing


def retarget(repo: str, root: Path = ROOT) -> list[Path]:
    """Point the course at another GitHub repository `repo` ("owner/name"), e.g. for a fork.

    Rewrites `GITHUB_REPO` in utils/env.py, every "Open in Colab" badge of README.md, and each
    notebook's badge line and setup cell (regenerated from `badge` and `SETUP_CELL`), nothing else.
    `make retarget REPO=owner/name` calls it.

    Returns:
        The files it changed.

    Example:
        >>> retarget("you/transfer-learning-cv-pytorch")  # doctest: +SKIP
        [PosixPath('.../utils/env.py'), PosixPath('.../README.md'), PosixPath('.../notebooks/00_...'), ...]
    """
    import nbformat

    if not isinstance(repo, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+", repo):
        raise ValueError(
            f"REPO must be a GitHub owner/name such as you/transfer-learning-cv-pytorch, got {repo!r}"
        )
    env_py = root / "utils" / "env.py"
    text = env_py.read_text()
    old = re.search(r'(?m)^GITHUB_REPO = "([^"]+)"$', text)
    if old is None:
        raise ValueError(f'{env_py} has no line GITHUB_REPO = "owner/name" to rewrite')
    changed = []

    def write(path: Path, before: str, after: str) -> None:
        if after != before:
            path.write_text(after)
            changed.append(path)

    write(env_py, text, text.replace(old.group(0), f'GITHUB_REPO = "{repo}"'))
    readme = root / "README.md"
    if readme.exists():
        before = readme.read_text()
        pattern = rf"(colab\.research\.google\.com/github/|github\.com/){re.escape(old.group(1))}(?![\w.-])"
        after = re.sub(pattern, rf"\g<1>{repo}", before)
        old_owner, old_name = old.group(1).split("/")
        owner, name = repo.split("/")
        site = rf"https://{re.escape(old_owner)}\.github\.io/{re.escape(old_name)}/"  # the course website
        write(readme, before, re.sub(site, f"https://{owner}.github.io/{name}/", after))
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        lines = nb.cells[0].source.split("\n")
        if "colab-badge.svg" not in lines[0]:
            raise ValueError(f"{path.name}: its first line is not an Open in Colab badge: {lines[0]!r}")
        nb.cells[0].source = "\n".join([badge(f"notebooks/{path.name}", repo), *lines[1:]])
        setup = next(c for c in nb.cells if c.cell_type == "code")
        setup.source = setup_cell(repo)
        before = path.read_text()
        after = nbformat.writes(nb) + "\n"
        write(path, before, after)
    return changed


def start_notebook(seed: int, smoke: bool) -> torch.device:
    """Seed everything, pick the device and print how this notebook runs; return the device.

    Call it right after the parameters cell. It prints one line with the mode, where the notebook
    runs, the device and torch's version, and one with the data cache (and how to fix it when it
    cannot be used).
    """
    import torch  # here, not at the top: `python -m utils.env retarget` needs no torch

    from utils.device import get_device, seed_everything
    from utils.download import describe_cache
    from utils.plot import use_course_palette  # one colour-blind-safe palette for every figure

    smoke = as_flag(smoke, name="smoke")
    seed_everything(seed)
    use_course_palette()
    device = get_device()
    where = "Colab" if is_colab() else "local"
    gpu = (
        torch.cuda.get_device_name(0)
        if device.type == "cuda"
        else "no GPU: fine for SMOKE, slow for full mode"
    )
    mode = "SMOKE (tiny data, few steps)" if smoke else "full"
    # console_safe: a cache path with non-ASCII letters must not crash an ASCII-only console.
    print(
        console_safe(
            f"Mode: {mode} | {where} | device: {device} ({gpu}) | torch {torch.__version__} | seed {seed}"
        )
    )
    print(console_safe(f"Data cache: {describe_cache()}"))
    return device


def main(argv: list[str]) -> int:
    """`python -m utils.env retarget owner/name`: see `retarget`."""
    if len(argv) != 2 or argv[0] != "retarget":
        print("usage: python -m utils.env retarget owner/name   (or: make retarget REPO=owner/name)")
        return 2
    try:
        changed = retarget(argv[1])
    except ValueError as error:
        print(f"retarget: {error}")
        return 2
    print(
        f"retarget: {argv[1]} in {len(changed)} files"
        + "".join(f"\n  {p.relative_to(ROOT)}" for p in changed)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
