"""A course mirror for tests: what a learner on Colab downloads, in miniature, served from 127.0.0.1.

Each module of this package describes the datasets and weights of a few notebooks:

- `FILES`: registry name → a function returning the bytes of a miniature file in the real dataset's
  exact layout and formats (the loader tests' builders, made big enough for the notebooks' SMOKE sizes);
- `WEIGHTS`: (torchvision model name, weights member) pairs, e.g. ("resnet18", "IMAGENET1K_V1").

`build_mirror(root)` writes them all once per test session:

- `root/mirror/<name>/<file name>`: the cache layout that `COURSE_MIRROR` expects (utils.data.registry);
- `root/registry.json`: datasets/registry.json with each mirrored entry's checksum and size replaced by
  the miniature's (its URLs are the real ones: the mirror is tried first, as for a learner);
- `root/TEST-ONLY-random-weights/hub/checkpoints/<file>`: random-valued state dicts of the right
  architecture under torchvision's real file names, for `TORCH_HOME`. The folder's name is printed
  in every `WEIGHTS:` line of a test run, so no reader mistakes them for pretrained weights.

The notebooks never know they are in a test: they see a mirror, a registry and a torch cache.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS_FOLDER = "TEST-ONLY-random-weights"


@dataclass(frozen=True)
class Mirror:
    """Where a built test mirror lives: the folder to serve, the registry and the TORCH_HOME."""

    folder: Path
    registry: Path
    torch_home: Path
    datasets: tuple[str, ...]
    weights: tuple[str, ...]


def collect() -> tuple[dict[str, Callable[[], bytes]], list[tuple[str, str]]]:
    """Every module's FILES and WEIGHTS, merged (a name defined twice is an error)."""
    files: dict[str, Callable[[], bytes]] = {}
    weights: list[tuple[str, str]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, builder in getattr(module, "FILES", {}).items():
            if name in files:
                raise ValueError(f"tests/mirror: {name!r} is built twice ({info.name} and another module)")
            files[name] = builder
        weights += [w for w in getattr(module, "WEIGHTS", []) if w not in weights]
    return files, weights


def _write_weights(torch_home: Path, model: str, member: str) -> str:
    """A random-valued state dict of `model` saved under the real file name of its `member` weights."""
    import torch
    from torchvision.models import get_model, get_model_builder, get_model_weights

    weights = get_model_weights(model)[member]
    target = torch_home / "hub" / "checkpoints" / Path(weights.url).name
    if not target.exists():
        # Each builder's defaults match its published weights (1000 ImageNet classes, 91 COCO ones,
        # 400 Kinetics actions, ...); detection builders must not fetch an ImageNet backbone.
        parameters = inspect.signature(get_model_builder(model)).parameters
        kwargs = {"weights": None} | ({"weights_backbone": None} if "weights_backbone" in parameters else {})
        torch.manual_seed(0)
        net = get_model(model, **kwargs)
        target.parent.mkdir(parents=True, exist_ok=True)
        torch.save(net.state_dict(), target)
    return target.name


def build_mirror(root: Path) -> Mirror:
    """Write the miniatures, the test registry and the test-only weights under `root` (see module doc)."""
    files, weights = collect()
    real = json.loads((ROOT / "datasets" / "registry.json").read_text())
    by_name = {item["name"]: item for item in real["datasets"]}
    unknown = sorted(set(files) - set(by_name))
    if unknown:
        raise ValueError(f"tests/mirror builds {unknown}, which are not in datasets/registry.json")
    folder = root / "mirror"
    for name, builder in files.items():
        data = builder()
        item = by_name[name]
        from utils.download import filename_from_url

        target = folder / name / filename_from_url(item["urls"][0])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        item["checksum"] = f"sha256:{hashlib.sha256(data).hexdigest()}"
        item["size_bytes"] = len(data)
        item["checksum_source"] = "TEST-ONLY miniature built by tests/mirror"
    registry = root / "registry.json"
    registry.write_text(json.dumps({**real, "about": "TEST-ONLY registry of miniatures (tests/mirror)"}))
    torch_home = root / WEIGHTS_FOLDER
    written = tuple(_write_weights(torch_home, model, member) for model, member in weights)
    return Mirror(folder, registry, torch_home, tuple(files), written)
