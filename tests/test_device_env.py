"""Tests for utils.device and utils.env."""

import random
import subprocess
import sys

import numpy as np
import pytest
import torch

from utils import env
from utils.device import get_device, seed_everything


def test_get_device_picks_an_available_device():
    device = get_device()
    assert device.type in {"cpu", "cuda", "mps"}
    if torch.cuda.is_available():
        assert device.type == "cuda"
    assert get_device("cpu") == torch.device("cpu")


def test_get_device_rejects_unknown_or_missing_devices():
    with pytest.raises(ValueError, match="prefer must be one of"):
        get_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="not available"):
            get_device("cuda")


def test_seed_everything_makes_every_generator_repeat():
    seed_everything(123)
    first = (random.random(), np.random.rand(), torch.rand(3))
    seed_everything(123)
    again = (random.random(), np.random.rand(), torch.rand(3))
    assert first[0] == again[0] and first[1] == again[1] and torch.equal(first[2], again[2])
    seed_everything(124)
    assert not torch.equal(torch.rand(3), first[2])


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="non-negative int"):
        seed_everything(bad)


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
    with pytest.raises(ValueError, match="SOME_FLAG must be one of"):
        env.env_flag("SOME_FLAG")


def test_is_headless_and_is_colab(monkeypatch):
    monkeypatch.setenv("COURSE_HEADLESS", "1")
    assert env.is_headless()
    monkeypatch.setenv("COURSE_HEADLESS", "0")
    assert not env.is_headless()
    assert env.is_colab() is ("google.colab" in sys.modules)


def test_urls_point_at_the_course_repo():
    assert env.colab_url("notebooks/01_tensors.ipynb") == (
        f"https://colab.research.google.com/github/{env.GITHUB_REPO}/blob/{env.GITHUB_BRANCH}/notebooks/01_tensors.ipynb"
    )
    assert env.clone_url() == f"https://github.com/{env.GITHUB_REPO}"


def test_missing_requirements_skips_torch_and_finds_missing(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# comment\ntorch>=2.2\nnumpy>=1.0  # installed\nsurely-not-installed-pkg>=1.0\n\n")
    assert env.missing_requirements(req) == ["surely-not-installed-pkg>=1.0"]


def test_install_missing_installs_only_what_is_missing(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: calls.append(cmd))
    req = tmp_path / "requirements.txt"
    req.write_text("torch>=99\nnumpy\n")
    env.install_missing(req)
    assert calls == []
    req.write_text("torch>=99\nsurely-not-installed-pkg\n")
    env.install_missing(req)
    assert (
        len(calls) == 1 and calls[0][-1] == "surely-not-installed-pkg" and "torch" not in " ".join(calls[0])
    )


def test_the_course_requirements_are_all_installed_here():
    assert env.missing_requirements() == []


def test_start_prints_mode_and_returns_device(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    device = env.start(seed=0, smoke=True)
    out = capsys.readouterr().out
    assert device == get_device()
    assert "Mode: SMOKE" in out and f"Data cache: {tmp_path}" in out
