"""Semantic segmentation data: Oxford-IIIT Pet trimaps, or generated scenes offline.

`load_pets` says in one line which data it gives:

1. The Oxford-IIIT Pet dataset (Parkhi et al., 2012: 7,349 photos of 37 cat and dog
   breeds, each with a pixel "trimap"), downloaded through the registry as its two published
   archives (`oxford-pets-images`, `oxford-pets-annotations`, md5 checked as torchvision does). The
   real layout is read: `images/<id>.jpg`, `annotations/trimaps/<id>.png` and the official splits
   `annotations/trainval.txt` (3,680 ids) and `annotations/test.txt` (3,669 ids), whose lines are
   `<id> <breed 1-37> <species 1 cat, 2 dog> <breed id within species>`.
   A trimap pixel is 1 (pet), 2 (background) or 3 (border: the uncertain band along the outline).
   We turn them into the classes 1 "pet" and 0 "background", and borders into `IGNORE_INDEX` (255):
   the metrics and the loss leave those pixels out. Full mode reads both official splits whole;
   SMOKE mode a small random subset of each (the same download: SMOKE shrinks sizes, not the source).
2. Offline: generated shape scenes (`utils.data.scenes.SceneDataset(task="semantic")`: background, circle,
   square, triangle), with no ignored pixels. Train and test scenes never coincide.

Both are served the same way: `(image (3, S, S) float32 in [0, 1], class map (S, S) int64)`, kept in
memory as bytes.

Example:
    >>> data = load_pets(smoke=True, image_size=64, n_train=8, n_test=4)  # doctest: +SKIP
    OFFLINE: Oxford-IIIT Pet could not be downloaded (no network: ...) → using 8 train / 4 test generated shape scenes ...
    >>> image, classes = data.train[0]; image.shape, classes.shape  # doctest: +SKIP
    (torch.Size([3, 64, 64]), torch.Size([64, 64]))
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from utils.checks import check_count, check_flag, check_int
from utils.data.base import Splits, load_or_substitute, read_image
from utils.data.registry import fetch
from utils.data.scenes import CLASSES as SCENE_CLASSES
from utils.data.scenes import SceneDataset

PETS = "Oxford-IIIT Pet"  # the name printed
PETS_CLASSES = ("background", "pet")
IGNORE_INDEX = 255  # the class id given to trimap border pixels: left out of the loss and metrics
TRIMAP_TO_CLASS = {1: 1, 2: 0, 3: IGNORE_INDEX}  # trimap value → class id
SPLITS = ("trainval", "test")  # annotations/<split>.txt
SMOKE_SIZES = (160, 64)  # SMOKE: (train, test) real photos drawn from each split, when not asked
OFFLINE_SIZES = (1000, 200)  # (train, test) scenes offline in full mode when not asked
IMAGE_SIZES = (16, 1024)


class PixelDataset(Dataset):
    """Images and their class maps, held in memory as uint8: item i is (float image, int64 class map).

    Args:
        images: (N, 3, S, S) uint8.
        targets: (N, S, S) uint8 class ids (255 = ignored).

    Example:
        >>> data = PixelDataset(torch.zeros(2, 3, 4, 4, dtype=torch.uint8), torch.ones(2, 4, 4, dtype=torch.uint8))
        >>> image, target = data[1]; image.dtype, target.dtype, len(data)
        (torch.float32, torch.int64, 2)
    """

    def __init__(self, images: Tensor, targets: Tensor) -> None:
        if images.dtype != torch.uint8 or targets.dtype != torch.uint8:
            raise ValueError(f"images and targets must be uint8, got {images.dtype} and {targets.dtype}")
        if images.dim() != 4 or targets.shape != (images.shape[0], *images.shape[2:]):
            raise ValueError(
                f"expected images (N, 3, S, S) and targets (N, S, S), got {tuple(images.shape)} and {tuple(targets.shape)}"
            )
        self.images, self.targets = images, targets

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        return self.images[index].float().div(255), self.targets[index].long()


@dataclass(frozen=True, kw_only=True)
class SegmentationData(Splits):
    """`train`, `test`: `PixelDataset`s of (image (3, S, S) float32 in [0, 1], class map (S, S) int64);
    `ignore_index`: the class-map value of pixels to leave out (255 for pet borders), or None.

    Example:
        >>> SegmentationData(train=None, ignore_index=255).ignore_index
        255
    """

    ignore_index: int | None = None


# --- the real dataset --------------------------------------------------------------------------


def read_split(annotations: str | os.PathLike, split: str) -> list[str]:
    """The image ids of an official split, in file order, from `annotations/<split>.txt`.

    Example:
        >>> read_split("annotations", "test")[:2]  # doctest: +SKIP
        ['Abyssinian_201', 'Abyssinian_202']
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    path = Path(annotations) / f"{split}.txt"
    if not path.is_file():
        raise ValueError(f"{path} is missing: the annotations are not laid out as annotations/{split}.txt")
    ids = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) != 4:
            raise ValueError(
                f"{path}, line {number}: expected '<id> <class> <species> <breed>', got {line!r}"
            )
        ids.append(fields[0])
    return ids


def trimap_to_classes(trimap: Tensor) -> Tensor:
    """Trimap values (1 pet, 2 background, 3 border) → class ids (1 pet, 0 background, 255 ignored).

    Example:
        >>> trimap_to_classes(torch.tensor([1, 2, 3], dtype=torch.uint8)).tolist()
        [1, 0, 255]
    """
    found = set(torch.unique(trimap).tolist())
    if not found <= set(TRIMAP_TO_CLASS):
        raise ValueError(f"a trimap holds only the values 1, 2 and 3, found {sorted(found)}")
    table = torch.zeros(256, dtype=torch.uint8)
    for value, label in TRIMAP_TO_CLASS.items():
        table[value] = label
    return table[trimap.long()]


def read_pair(
    image_path: str | os.PathLike, trimap_path: str | os.PathLike, image_size: int
) -> tuple[Tensor, Tensor]:
    """One photo and its trimap, both resized (shorter side) and centre-cropped to the same square.

    The photo is resized bilinearly; the trimap with nearest neighbours, so that it keeps its three
    values. Returns (image (3, S, S) uint8, class map (S, S) uint8 via `trimap_to_classes`).
    """
    from PIL import Image

    _check_image_size(image_size)
    with Image.open(image_path) as image, Image.open(trimap_path) as trimap:
        if image.size != trimap.size:
            raise ValueError(f"{image_path} is {image.size} but its trimap {trimap_path} is {trimap.size}")
    pixels = read_image(image_path, image_size).mul(255).round().to(torch.uint8)
    labels = read_image(trimap_path, image_size, gray=True, nearest=True)[0]
    return pixels, trimap_to_classes(labels)


def _folder(fetched: Path, name: str) -> Path:
    """The `name` folder of an extracted archive (fetch returns it, or the folder holding it)."""
    folder = fetched if fetched.name == name else fetched / name
    if not folder.is_dir():
        raise ValueError(f"{fetched}: expected the archive's folder {name}/ (the Oxford-IIIT Pet layout)")
    return folder


def _pets(
    image_size: int, rng: np.random.Generator, counts: tuple[int | None, int | None], smoke: bool
) -> tuple[PixelDataset, PixelDataset, str]:
    annotations = _folder(fetch("oxford-pets-annotations"), "annotations")
    images = _folder(fetch("oxford-pets-images"), "images")
    splits = []
    for split, wanted in zip(SPLITS, counts):
        ids = read_split(annotations, split)
        if wanted is not None:
            if wanted > len(ids):
                raise ValueError(f"{PETS} {split}: asked for {wanted} images, but there are only {len(ids)}")
            ids = [ids[i] for i in sorted(rng.permutation(len(ids))[:wanted])]
        pairs = [
            read_pair(images / f"{i}.jpg", annotations / "trimaps" / f"{i}.png", image_size) for i in ids
        ]
        splits.append(PixelDataset(torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])))
    train, test = splits
    details = (
        f"{len(train):,} train (trainval.txt) / {len(test):,} test (test.txt) photos with trimaps "
        f"({image_size}x{image_size}; classes background, pet; borders → {IGNORE_INDEX}, ignored"
        f"{'; SMOKE: a random subset of each split' if smoke else ''})"
    )
    return train, test, f"{details}, verified in {annotations.parent.parent}"


# --- generated scenes ------------------------------------------------------------------------------


def _scenes(n: int, image_size: int, seed: int) -> PixelDataset:
    data = SceneDataset(n, image_size, seed=seed, task="semantic")
    pairs = [data[i] for i in range(n)]
    images = torch.stack([image for image, _ in pairs]).mul(255).round().to(torch.uint8)
    return PixelDataset(images, torch.stack([target for _, target in pairs]).to(torch.uint8))


def _check_image_size(image_size: int) -> int:
    return check_int(image_size, "image_size", *IMAGE_SIZES, what="pixels per side")


def load_pets(
    smoke: bool = False,
    *,
    seed: int = 0,
    image_size: int = 128,
    n_train: int | None = None,
    n_test: int | None = None,
) -> SegmentationData:
    """Oxford-IIIT Pet trimaps, or generated shape scenes offline, said in one line.

    Args:
        smoke: True for SMOKE mode: a random subset of each split (`SMOKE_SIZES` unless asked).
        seed: seed of the random choice of photos, and of the scenes (>= 0).
        image_size: side of the square images in pixels (16 to 1024).
        n_train, n_test: how many images to use (a random subset of each split); None: the whole
            official split in full mode, 160 / 64 in SMOKE mode (offline: 1,000 / 200 scenes in full mode).

    Returns:
        A `SegmentationData` (see there). Pets: classes ("background", "pet"), ignore_index 255.
        Scenes: classes ("background", "circle", "square", "triangle"), ignore_index None.

    Raises:
        ValueError: a bad argument, or more photos asked for than a split has.

    Example:
        >>> data = load_pets(smoke=False, image_size=128)  # doctest: +SKIP
        DATA: Oxford-IIIT Pet, 3,680 train (trainval.txt) / 3,669 test (test.txt) photos with trimaps ...
    """
    check_flag(smoke)
    seed, image_size = check_int(seed, "seed"), _check_image_size(image_size)
    counts = tuple(check_count(n, name) for n, name in ((n_train, "n_train"), (n_test, "n_test")))
    if smoke:
        counts = tuple(n or default for n, default in zip(counts, SMOKE_SIZES))

    def real() -> tuple[dict, str]:
        train, test, details = _pets(image_size, np.random.default_rng(seed), counts, smoke)
        fields = dict(train=train, test=test, classes=PETS_CLASSES, ignore_index=IGNORE_INDEX)
        return fields | dict(image_size=image_size), details

    def substitute() -> tuple[dict, str]:
        n_tr, n_te = (n or default for n, default in zip(counts, OFFLINE_SIZES))
        what = (
            f"{n_tr:,} train / {n_te:,} test generated shape scenes "
            f"({image_size}x{image_size}; classes {', '.join(SCENE_CLASSES)})"
        )
        train, test = _scenes(n_tr, image_size, seed), _scenes(n_te, image_size, seed + 1)
        fields = dict(train=train, test=test, classes=SCENE_CLASSES, image_size=image_size)
        return fields | dict(name="generated shape scenes"), what

    return load_or_substitute(SegmentationData, PETS, real, substitute)
