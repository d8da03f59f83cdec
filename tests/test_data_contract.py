"""The loader contract (utils/data/base.py), checked once for every loader of the course.

Every `load_x(smoke=False, *, seed=0, ...)`: smoke first, everything else keyword-only; online
(the test mirror's miniatures served on 127.0.0.1) it prints one `DATA:` line and returns the
real data; offline, on HTTP errors (404, 500) and with a corrupt cache it prints one `OFFLINE:`
line and returns its substitute (a download with the wrong checksum too, named); a second load
reads the verified cache; never None; the same seed gives the same data. The per-loader
test files keep only what is specific to each dataset.
"""

from __future__ import annotations

import hashlib
import http.server
import inspect
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.conftest import closed_port_url, start_server
from tests.mirror import ROOT, collect
from utils.data.base import Splits
from utils.data.captions import load_captions
from utils.data.clips import load_action_videos
from utils.data.digits import load_digits
from utils.data.faces import load_faces
from utils.data.figures import load_coco_people
from utils.data.imagenette import load_imagenette
from utils.data.nyu import load_depth_data
from utils.data.pennfudan import load_pennfudan
from utils.data.pets import load_pets
from utils.data.photos import load_sr_photos
from utils.data.text_lines import load_iiit5k
from utils.data.transfer import load_transfer_task
from utils.download import filename_from_url


@dataclass(frozen=True)
class Loader:
    """One loader, small keyword arguments for a quick run, its registry entries and the split sizes
    asked for (split name → length, checked online; None: not checked)."""

    load: object
    options: dict
    entries: tuple[str, ...]
    online_sizes: dict = field(default_factory=dict)


LOADERS = [
    Loader(
        load_digits,
        dict(n_train=20, n_test=10),
        ("mnist-test-images", "mnist-test-labels"),
        {"train": 20, "test": 10},
    ),
    Loader(
        load_transfer_task,
        dict(image_size=32, train_per_class=2, val_per_class=2),
        ("hymenoptera",),
        {"train": 4, "val": 4},
    ),
    Loader(
        load_imagenette,
        dict(image_size=32, n_train=10, n_val=10),
        ("imagenette-160",),
        {"train": 10, "val": 10},
    ),
    Loader(
        load_pennfudan,
        dict(n_train=2, n_test=2, substitute_sizes=(2, 2)),
        ("pennfudan",),
        {"train": 2, "test": 2},
    ),
    Loader(
        load_pets,
        dict(image_size=32, n_train=2, n_test=2),
        ("oxford-pets-images", "oxford-pets-annotations"),
        {"train": 2, "test": 2},
    ),
    Loader(
        load_coco_people,
        dict(image_size=32, max_people=10),
        ("coco-2017-annotations", "coco-2017-val-images"),
    ),
    Loader(load_faces, dict(image_size=16), ("lfw-funneled", "lfw-pairs-devtest")),
    Loader(load_iiit5k, dict(n_train=4, n_test=4), ("iiit5k-word",), {"train": 4, "test": 4}),
    Loader(
        load_captions,
        dict(image_size=32, n_train=2, n_val=2, n_test=2),
        ("flickr8k-images", "flickr8k-text"),
        {"train": 2, "val": 2, "test": 2},
    ),
    Loader(load_sr_photos, dict(n_train=2, n_test=1), ("bsds300",), {"train": 2, "test": 1}),
    Loader(
        load_depth_data,
        dict(image_size=16, n_train=2, n_test=2),
        ("nyu-depth-v2-labeled", "nyu-depth-v2-splits"),
        {"train": 2, "test": 2},
    ),
    Loader(
        load_action_videos,
        dict(frames=4, image_size=16, per_class=(1, 1, 1), real_per_class=1),
        ("ucf101-subset",),
    ),
]
IDS = [loader.load.__name__ for loader in LOADERS]


@pytest.fixture(scope="module")
def miniatures(tmp_path_factory) -> tuple[Path, dict]:
    """The test mirror's miniature files (tests/mirror) in the cache layout, and the registry items
    with their checksums (no weights: the loaders need none)."""
    root = tmp_path_factory.mktemp("contract")
    files, _ = collect()
    needed = {name for loader in LOADERS for name in loader.entries}
    real = json.loads((ROOT / "datasets" / "registry.json").read_text())
    items = {item["name"]: item for item in real["datasets"] if item["name"] in needed}
    for name in sorted(needed):
        data = files[name]()
        item = items[name]
        target = root / "mirror" / name / filename_from_url(item["urls"][0])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        item |= {"checksum": f"sha256:{hashlib.sha256(data).hexdigest()}", "size_bytes": len(data)}
    return root / "mirror", items


def _use(monkeypatch, tmp_path: Path, items: dict, *, mirror: str | None, urls=None) -> None:
    """Point the loaders at a registry of `items` (URLs replaced by `urls(item)`), a mirror, a fresh cache."""
    changed = [item | ({"urls": urls(item)} if urls else {}) for item in items.values()]
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"about": "test registry", "datasets": changed}))
    monkeypatch.setenv("COURSE_REGISTRY", str(path))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "cache"))
    if mirror is None:
        monkeypatch.delenv("COURSE_MIRROR", raising=False)
    else:
        monkeypatch.setenv("COURSE_MIRROR", mirror)


def _offline(item: dict) -> list[str]:
    return [closed_port_url(filename_from_url(item["urls"][0]))]


def _load(loader: Loader, capsys, seed: int = 0, out: list | None = None) -> tuple[Splits, list[str]]:
    """Load in SMOKE mode; check one DATA/OFFLINE line, equal to `source`; `out` gets all printed lines."""
    data = loader.load(True, seed=seed, **loader.options)
    printed = capsys.readouterr().out.splitlines()
    if out is not None:
        out.append(printed)
    lines = [line for line in printed if line.startswith(("DATA:", "OFFLINE:"))]
    assert data is not None, f"{loader.load.__name__} returned None"
    assert isinstance(data, Splits), type(data)
    assert len(lines) == 1, f"expected one DATA or OFFLINE line, got {lines}"
    assert data.source == lines[0]
    return data, lines


def _first(split) -> object:
    """The first item of a split, whatever its type, to compare two loads."""
    for attr in ("videos", "images"):
        if torch.is_tensor(getattr(split, attr, None)):
            return getattr(split, attr)[0]
    if hasattr(split, "texts"):
        return split.texts[:3]
    item = split[0]
    return item[0] if isinstance(item, tuple) else item


def _same(a, b) -> bool:
    return torch.equal(a, b) if torch.is_tensor(a) else a == b


@pytest.mark.parametrize("loader", LOADERS, ids=IDS)
def test_the_signature_is_smoke_first_then_keywords_with_a_seed(loader):
    parameters = list(inspect.signature(loader.load).parameters.values())
    assert parameters[0].name == "smoke" and parameters[0].default is False
    assert parameters[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[1:])
    assert parameters[1].name == "seed" and parameters[1].default == 0
    module = inspect.getmodule(loader.load)
    assert hasattr(module, "SMOKE_SIZES"), f"{module.__name__} declares no SMOKE_SIZES"
    with pytest.raises(TypeError):
        loader.load(True, 0)  # the seed is keyword-only
    with pytest.raises(ValueError, match="smoke must be True or False"):
        loader.load(1)
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        loader.load(True, seed=-1)


@pytest.mark.parametrize("loader", LOADERS, ids=IDS)
def test_online_the_real_data_with_one_data_line(loader, miniatures, tmp_path, monkeypatch, capsys):
    folder, items = miniatures
    server_root = folder
    httpd, state = start_server(server_root)
    try:
        _use(monkeypatch, tmp_path, {n: items[n] for n in loader.entries}, mirror=state.base, urls=_offline)
        data, lines = _load(loader, capsys)
        downloaded = list(state.requests)
        state.requests.clear()
        again, _ = _load(loader, capsys, out=(out := []))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert lines[0].startswith("DATA: ") and data.real, lines
    for split, size in loader.online_sizes.items():
        assert len(getattr(data, split)) == size, (split, len(getattr(data, split)))
    assert len(data.train) > 0 and data.name
    assert sorted(downloaded) == sorted(
        f"/{name}/{filename_from_url(items[name]['urls'][0])}" for name in loader.entries
    )
    assert state.requests == [] and again.real, "a second load must read the verified cache, download nothing"
    assert any(line.startswith("CACHE: ") and "already downloaded and verified" in line for line in out[0])
    assert _same(_first(data.train), _first(again.train)), "the same seed must give the same data"


@pytest.mark.parametrize("loader", LOADERS, ids=IDS)
def test_offline_the_announced_substitute_never_none_and_seeded(
    loader, miniatures, tmp_path, monkeypatch, capsys
):
    _, items = miniatures
    _use(monkeypatch, tmp_path, {n: items[n] for n in loader.entries}, mirror=None, urls=_offline)
    data, lines = _load(loader, capsys, seed=3)
    assert re.match(r"OFFLINE: .+ could not be downloaded \(.+\) → using .+ instead\.$", lines[0]), lines
    assert data.real is False and len(data.train) > 0
    again, _ = _load(loader, capsys, seed=3)
    assert _same(_first(data.train), _first(again.train)), "the same seed must give the same data"


class _Failing(http.server.BaseHTTPRequestHandler):
    status = 500

    def do_GET(self):
        self.send_error(self.status)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("status", [404, 500])
@pytest.mark.parametrize("loader", LOADERS, ids=IDS)
def test_an_http_error_falls_back_and_says_which(loader, status, miniatures, tmp_path, monkeypatch, capsys):
    _, items = miniatures
    handler = type("Handler", (_Failing,), {"status": status})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        _use(monkeypatch, tmp_path, {n: items[n] for n in loader.entries}, mirror=base, urls=_offline)
        data, lines = _load(loader, capsys)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert lines[0].startswith("OFFLINE: ") and f"HTTP {status}" in lines[0], lines
    assert data.real is False


@pytest.mark.parametrize("loader", LOADERS, ids=IDS)
def test_a_download_with_the_wrong_checksum_is_never_used_and_named(
    loader, miniatures, tmp_path, monkeypatch, capsys
):
    """A changed or corrupted download is not used: the OFFLINE line says the checksum did not match."""
    folder, items = miniatures
    wrong = "sha256:" + hashlib.sha256(b"another file").hexdigest()
    chosen = {n: items[n] | {"checksum": wrong} for n in loader.entries}
    httpd, state = start_server(folder)
    try:
        _use(monkeypatch, tmp_path, chosen, mirror=state.base, urls=_offline)
        data, lines = _load(loader, capsys)
    finally:
        httpd.shutdown()
        httpd.server_close()
    published = [filename_from_url(item["urls"][0]) for item in chosen.values()]
    assert any(
        f"(checksum mismatch: the file from 127.0.0.1 is not the published {name}" in lines[0]
        for name in published
    ), lines
    assert lines[0].startswith("OFFLINE: ") and data.real is False


@pytest.mark.parametrize("loader", LOADERS, ids=IDS)
def test_a_corrupt_cache_is_never_used(loader, miniatures, tmp_path, monkeypatch, capsys):
    """A cached file with the wrong bytes: offline it is named and not used; with the mirror it is replaced."""
    folder, items = miniatures
    chosen = {n: items[n] for n in loader.entries}
    for name, item in chosen.items():
        cached = tmp_path / "cache" / name / filename_from_url(item["urls"][0])
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(b"not the dataset")
    _use(monkeypatch, tmp_path, chosen, mirror=None, urls=_offline)
    data, lines = _load(loader, capsys)
    assert lines[0].startswith("OFFLINE: ") and data.real is False, lines
    httpd, state = start_server(folder)
    try:
        monkeypatch.setenv("COURSE_MIRROR", state.base)
        data, lines = _load(loader, capsys)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert lines[0].startswith("DATA: ") and data.real, lines


def test_the_datasets_readme_lists_every_loader_and_registry_entry():
    """datasets/README.md names every loader (function and module) and every registry entry."""
    readme = (ROOT / "datasets" / "README.md").read_text()
    table = readme[readme.index("## The loaders") :]
    for loader in LOADERS:
        name, module = loader.load.__name__, inspect.getmodule(loader.load).__name__
        row = next((line for line in table.splitlines() if f"`{name}`" in line), None)
        assert row is not None, f"datasets/README.md: no row for {name}"
        assert f"`{module.replace('.', '/')}.py`" in row, f"{name}'s row does not name {module}"
        for entry in loader.entries:
            assert f"`{entry}`" in row, f"{name}'s row does not name the registry entry {entry}"
    registry = json.loads((ROOT / "datasets" / "registry.json").read_text())["datasets"]
    for item in registry:
        assert f"`{item['name']}`" in table, f"the loaders table names no loader for {item['name']}"


def test_every_loader_of_utils_data_is_in_the_contract():
    found = set()
    for path in (ROOT / "utils" / "data").glob("*.py"):
        if path.name == "base.py":
            continue
        found |= set(re.findall(r"^def (load_\w+)\(", path.read_text(), flags=re.M))
    assert found == set(IDS), f"loaders missing from LOADERS: {found - set(IDS)}"


# --- the shared pieces: utils/checks.py and utils/data/base.py ---------------------------------


def test_the_shared_checks_say_what_was_expected():
    from utils.checks import check_choice, check_count, check_flag, check_fraction, check_int

    assert check_flag(False) is False and check_int(np.int64(3), "seed") == 3
    assert check_count(None, "n_train") is None and check_count(5, "n_train") == 5
    assert check_choice("a", "kind", ("a", "b")) == "a" and check_fraction(0.5, "f") == 0.5
    for call, message in [
        (lambda: check_flag(1), r"smoke must be True or False \(SMOKE mode on or off\), got 1"),
        (lambda: check_int(-1, "seed"), "seed must be a non-negative int, got -1"),
        (
            lambda: check_int(8, "image_size", 16, 512, "pixels per side"),
            r"an int from 16 to 512 \(pixels per side\)",
        ),
        (lambda: check_int(True, "n", 1), "n must be a positive int, got True"),
        (lambda: check_count(0, "n_val", 10), r"n_val must be an int >= 10 \(a number of images\) or None"),
        (lambda: check_choice("c", "kind", ("a", "b")), r"kind must be one of \('a', 'b'\), got 'c'"),
        (lambda: check_fraction(1.0, "val_fraction"), "val_fraction must be a number between 0 and 1"),
    ]:
        with pytest.raises(ValueError, match=message):
            call()


def test_load_or_substitute_announces_once_and_names_a_missing_package(capsys):
    from utils.data.base import Unavailable, load_or_substitute
    from utils.data.pennfudan import PedestrianData

    def unreadable():
        raise Unavailable("its format needs h5py, which is not installed")

    data = load_or_substitute(PedestrianData, "X", unreadable, lambda: ({"train": [1]}, "one item"))
    assert (
        data.source
        == "OFFLINE: X could not be downloaded (its format needs h5py, which is not installed) → using one item instead."
    )
    assert capsys.readouterr().out.strip() == data.source and not data.real and data.name == "one item"

    def needs_a_package():
        raise ImportError("No module named 'skimage'")

    with pytest.raises(
        ImportError,
        match=r"X could not be downloaded \(.+\), and its offline substitute needs .+ Fix: pip install scikit-image",
    ):
        load_or_substitute(
            PedestrianData, "X", unreadable, needs_a_package, install="pip install scikit-image"
        )


def test_read_image_crops_stretches_boxes_and_keeps_label_values(tmp_path):
    from PIL import Image

    from utils.data.base import read_image

    Image.new("RGB", (40, 20), (255, 0, 0)).save(tmp_path / "wide.png")
    assert read_image(tmp_path / "wide.png").shape == (3, 20, 40)
    assert read_image(tmp_path / "wide.png", 10).shape == (3, 10, 10)
    assert read_image((tmp_path / "wide.png").read_bytes(), (5, 8), fit="stretch").shape == (3, 5, 8)
    assert read_image(tmp_path / "wide.png", box=(0, 0, 10, 10), gray=True).shape == (1, 10, 10)
    labels = np.zeros((20, 40), np.uint8)
    labels[:, 20:] = 3
    Image.fromarray(labels).save(tmp_path / "labels.png")
    read = read_image(tmp_path / "labels.png", 10, nearest=True)
    assert read.dtype == torch.uint8 and set(read.unique().tolist()) <= {0, 3}
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_image(tmp_path / "missing.png")
