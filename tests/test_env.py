"""Tests for utils.env: flags, headless detection, requirements, the start-up banner."""

import re
import subprocess
import sys
import textwrap

import nbformat
import papermill
import pytest

from utils import env
from utils.device import get_device


def test_is_headless_follows_the_variable_when_set(monkeypatch):
    monkeypatch.setenv("COURSE_HEADLESS", "1")
    assert env.is_headless()
    monkeypatch.setenv("COURSE_HEADLESS", "0")
    assert not env.is_headless()
    assert env.is_colab() is ("google.colab" in sys.modules)


class _Kernel:
    def __init__(self, allow_stdin: bool) -> None:
        self._allow_stdin = allow_stdin


def test_is_headless_without_the_variable(monkeypatch):
    monkeypatch.delenv("COURSE_HEADLESS", raising=False)
    monkeypatch.setattr(env, "_kernel", lambda: _Kernel(allow_stdin=True))  # JupyterLab, VS Code
    assert not env.is_headless()
    monkeypatch.setattr(env, "_kernel", lambda: _Kernel(allow_stdin=False))  # papermill, nbconvert
    assert env.is_headless()
    monkeypatch.setattr(env, "_kernel", lambda: None)  # a script
    assert env.is_headless()
    monkeypatch.setattr(env, "is_colab", lambda: True)
    assert not env.is_headless()


@pytest.mark.notebook
def test_a_plain_papermill_run_is_detected_as_headless(tmp_path, monkeypatch):
    """No COURSE_HEADLESS: the kernel itself must see that nobody is watching."""
    monkeypatch.delenv("COURSE_HEADLESS", raising=False)
    nb = nbformat.v4.new_notebook()
    code = f"""
        import sys; sys.path.insert(0, {str(env.ROOT)!r})
        from utils.env import is_headless
        print("headless:", is_headless())
    """
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(code))]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "probe.ipynb")
    papermill.execute_notebook(
        str(tmp_path / "probe.ipynb"), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False
    )
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert out.cells[0].outputs[0]["text"].strip() == "headless: True"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False), ("", False)],
)
def test_env_flag_reads_yes_and_no(monkeypatch, value, expected):
    monkeypatch.setenv("SOME_FLAG", value)
    assert env.env_flag("SOME_FLAG") is expected


def test_env_flag_default_and_bad_value(monkeypatch):
    monkeypatch.delenv("SOME_FLAG", raising=False)
    assert env.env_flag("SOME_FLAG") is False
    assert env.env_flag("SOME_FLAG", default=True) is True
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(
        ValueError, match="environment variable SOME_FLAG must be 1/0 or true/false, got 'maybe'"
    ):
        env.env_flag("SOME_FLAG")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, True),  # papermill -p SMOKE 1, make run SMOKE=1
        (0, False),
        ("1", True),
        ("0", False),
        ("true", True),  # papermill -p SMOKE true
        ("false", False),
        (True, True),  # papermill -p SMOKE True, the tests' parameters={"SMOKE": True}
        (False, False),
        ("True", True),
        (" Yes ", True),
        ("OFF", False),
    ],
)
def test_as_flag_accepts_every_way_of_saying_yes_or_no(value, expected):
    assert env.as_flag(value) is expected


@pytest.mark.parametrize("value", ["maybe", 2, -1, 1.0, None, [1], "10"])
def test_as_flag_refuses_anything_else_with_a_clear_error(value):
    with pytest.raises(ValueError, match=rf"^SMOKE must be 1/0 or true/false, got {re.escape(repr(value))}$"):
        env.as_flag(value)
    with pytest.raises(ValueError, match="^FAST must be 1/0"):
        env.as_flag(value, name="FAST")


def test_urls_point_at_the_course_repo():
    assert env.colab_url("notebooks/01_tensors.ipynb") == (
        f"https://colab.research.google.com/github/{env.GITHUB_REPO}/blob/{env.GITHUB_BRANCH}/notebooks/01_tensors.ipynb"
    )
    assert env.clone_url() == f"https://github.com/{env.GITHUB_REPO}"


def test_missing_requirements_skips_torch_and_finds_missing(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# comment\ntorch>=2.2\nnumpy>=1.0  # installed\nsurely-not-installed-pkg>=1.0\n\n")
    assert env.missing_requirements(req) == ["surely-not-installed-pkg>=1.0"]


def test_check_requirements_never_installs_locally_and_says_what_to_run(tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: calls.append(args))
    req = tmp_path / "requirements.txt"
    req.write_text("torch>=99\nnumpy\n")
    assert env.check_requirements(req) == [] and capsys.readouterr().out == ""
    req.write_text("torch>=99\nsurely-not-installed-pkg\n")
    assert env.check_requirements(req) == ["surely-not-installed-pkg"]
    out = capsys.readouterr().out
    assert calls == [], "nothing is installed outside Colab"
    assert out.startswith("MISSING: surely-not-installed-pkg is not installed") and "make lab" in out


def test_check_requirements_installs_on_colab_and_survives_a_failed_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(env, "is_colab", lambda: True)
    req = tmp_path / "requirements.txt"
    req.write_text("torch>=99\nsurely-not-installed-pkg\n")
    calls = []

    def pip(cmd, check):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, returncode=1)  # e.g. no network

    monkeypatch.setattr(subprocess, "run", pip)
    assert env.check_requirements(req) == ["surely-not-installed-pkg"]
    assert calls[0][-1] == "surely-not-installed-pkg" and "torch" not in " ".join(calls[0])
    assert "MISSING: surely-not-installed-pkg" in capsys.readouterr().out
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: subprocess.CompletedProcess(cmd, 0))
    assert env.check_requirements(req) == []


def test_the_course_requirements_are_all_installed_here():
    assert env.missing_requirements() == []


def test_start_notebook_prints_mode_and_returns_device(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    device = env.start_notebook(seed=0, smoke=True)
    out = capsys.readouterr().out
    assert device == get_device()
    assert "Mode: SMOKE" in out and f"Data cache: {tmp_path}" in out
    import matplotlib.pyplot as plt

    from utils.plot import COLORBLIND_SAFE

    assert plt.rcParams["axes.prop_cycle"].by_key()["color"] == list(COLORBLIND_SAFE)  # the course palette
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("not a folder")
    env.start_notebook(seed=0, smoke=False)  # an unusable cache is reported, not raised
    assert "Mode: full" in capsys.readouterr().out


def test_start_notebook_takes_papermills_int_and_rejects_nonsense(capsys, tmp_path, monkeypatch):
    """issue 17: `make run SMOKE=1` passed the int 1 and start_notebook raised; 1/"true" now mean SMOKE."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    env.start_notebook(seed=0, smoke=1)
    env.start_notebook(seed=0, smoke="true")
    assert capsys.readouterr().out.count("Mode: SMOKE") == 2
    env.start_notebook(seed=0, smoke=0)
    assert "Mode: full" in capsys.readouterr().out
    with pytest.raises(ValueError, match="smoke must be 1/0 or true/false, got 'maybe'"):
        env.start_notebook(seed=0, smoke="maybe")


def test_start_notebook_on_an_ascii_console_with_a_non_ascii_cache(tmp_path, monkeypatch):
    """issue 17: a cache path such as ~/Données on an ASCII-only stdout crashed the banner."""
    import io

    cache = tmp_path / "Données-日本"
    monkeypatch.setenv("COURSE_DATA_DIR", str(cache))
    ascii_out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", ascii_out)
    env.start_notebook(seed=0, smoke=True)
    ascii_out.flush()
    printed = ascii_out.buffer.getvalue().decode("ascii")
    assert "Mode: SMOKE" in printed
    assert f"Data cache: {str(tmp_path)}/Donn?es-??" in printed


def test_setup_cell_and_badge_come_from_the_one_repository_setting():
    assert env.badge("notebooks/01_tensors.ipynb") == (
        f"[![Open in Colab]({env.COLAB_BADGE_SVG})]({env.colab_url('notebooks/01_tensors.ipynb')})"
    )
    fork = env.setup_cell("you/fork")
    assert 'COURSE_URL = "https://github.com/you/fork"' in fork
    assert env.setup_cell() == fork.replace("you/fork", env.GITHUB_REPO)
    assert fork.rstrip().endswith("check_requirements()")
    compile(fork, "setup", "exec")  # valid Python


def test_installed_packages_lists_this_python():
    import numpy

    found = env.installed_packages()
    assert found["numpy"] == numpy.__version__
    assert found["torch"] and all(name == name.lower() for name in found)


def test_install_plan_sorts_missing_from_kept(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("torch>=99\nipykernel>=6.29\nNumPy>=2.0  # needs 2\nmatplotlib>=3.7\nmlxtend>=0.23\n")
    missing, kept = env.install_plan(req, {"numpy": "1.26.4", "matplotlib": "3.10.0", "ipykernel": "6.17.1"})
    assert missing == ["mlxtend>=0.23"]
    assert kept == ["NumPy 1.26.4 (the course wants >=2.0)"]
    req.write_text("numpy>=>2\n")
    with pytest.raises(ValueError, match="cannot read the requirement 'numpy>=>2'"):
        env.install_plan(req, {})


def test_pip_install_command_pins_everything_installed(tmp_path):
    command = env.pip_install_command(
        ["mlxtend>=0.23"], {"numpy": "2.0.2", "torch": "2.9.0+cu126", "odd": "not a version"}, tmp_path
    )
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    assert command[-3:] == ["-c", str(tmp_path / "installed-pins.txt"), "mlxtend>=0.23"]
    assert (tmp_path / "installed-pins.txt").read_text() == "numpy==2.0.2\ntorch==2.9.0+cu126\n"


def test_main_retarget_usage_and_bad_repository(capsys):
    assert env.main([]) == 2 and "usage: python -m utils.env retarget owner/name" in capsys.readouterr().out
    assert env.main(["retarget", "not a repo"]) == 2
    assert "REPO must be a GitHub owner/name" in capsys.readouterr().out


def test_check_requirements_on_colab_keeps_colabs_version_of_a_package(tmp_path, monkeypatch, capsys):
    """Colab's numpy at a version the course does not admit is kept (a reinstall would break the
    running kernel), said in one line; only the missing package goes to pip."""
    monkeypatch.setattr(env, "is_colab", lambda: True)
    monkeypatch.setattr(env, "installed_packages", lambda: {"numpy": "1.26.4", "torch": "2.0.0"})
    req = tmp_path / "requirements.txt"
    req.write_text("torch>=99\nnumpy>=2.0\nsurely-not-installed-pkg\n")
    calls = []
    monkeypatch.setattr(
        subprocess, "run", lambda cmd, check: calls.append(cmd) or subprocess.CompletedProcess(cmd, 1)
    )
    assert env.check_requirements(req) == ["surely-not-installed-pkg"]
    out = capsys.readouterr().out
    assert "SETUP: keeping Colab's numpy 1.26.4 (the course wants >=2.0)" in out
    assert "MISSING: surely-not-installed-pkg could not be installed" in out and "make lab" not in out
    assert len(calls) == 1 and calls[0][-1] == "surely-not-installed-pkg" and "numpy" not in calls[0][-2:]


def test_a_setup_cell_does_not_warn_about_what_only_another_notebook_needs(tmp_path, capsys):
    # issue 19: every setup cell said "MISSING: h5py", which only notebook 20 needs (and names itself)
    req = tmp_path / "requirements.txt"
    req.write_text("surely-not-installed-a\nsurely-not-installed-b>=1  # optional: only notebook 99\n")
    assert env.optional_requirements(req) == {"surely-not-installed-b>=1"}
    assert env.check_requirements(req) == ["surely-not-installed-a", "surely-not-installed-b>=1"]
    out = capsys.readouterr().out
    assert "MISSING: surely-not-installed-a" in out and "surely-not-installed-b" not in out
    assert env.optional_requirements() == {"h5py>=3.8"}  # the course's own file marks h5py
