"""Whole photos for super-resolution (notebook 18): BSDS300 online, photos bundled with packages offline.

A super-resolution model learns from high-resolution (HR) photos at their own resolution: it is trained
on small crops of some photos and evaluated on other, held-out photos. `load_sr_photos` tries, in
order, and says in one line which one it used:

1. BSDS300 (the Berkeley Segmentation Dataset: 200 training and 100 test photos of 481x321 or 321x481
   pixels; its test half is the "B100" benchmark of SR papers), downloaded through the registry
   (`fetch("bsds300")`, sha256 checked) and read in its own layout: `BSDS300/images/{train,test}/<id>.jpg`,
   the ids listed in `BSDS300/iids_train.txt` and `iids_test.txt`. SMOKE mode reads a random subset.
2. Offline: real photos that ship with scikit-image and scikit-learn. Training photos: astronaut,
   coffee, rocket, china, camera (the cameraman), grass, gravel and brick; held-out test photos:
   chelsea (a cat), flower and coins. No test photo is ever cropped for training.

Photos are float32 tensors (3, H, W) in [0, 1] at their own size (grey photos repeated on R, G, B);
`random_crops` cuts training patches from them without resizing.

Example:
    >>> photos = load_sr_photos(smoke=True)  # doctest: +SKIP
    OFFLINE: BSDS300 could not be downloaded (no network: ...) → using 11 photos bundled with ...
    >>> random_crops(photos.train, count=4, size=33, seed=0).shape  # doctest: +SKIP
    torch.Size([4, 3, 33, 33])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from utils.checks import check_count, check_flag, check_int, is_int
from utils.data.base import Splits, load_or_substitute, read_image
from utils.data.imagenette import bundled_photo
from utils.data.registry import fetch

BSDS300 = "BSDS300"  # the name printed
BSDS300_SPLITS = {"train": "iids_train.txt", "test": "iids_test.txt"}  # split → its list of image ids
# The offline photos: name → (package, what `utils.data.imagenette.bundled_photo` reads).
TRAIN_PHOTOS = {
    "astronaut": ("skimage", "astronaut"),
    "coffee": ("skimage", "coffee"),
    "rocket": ("skimage", "rocket"),
    "china": ("sklearn", "china.jpg"),
    "cameraman": ("skimage", "camera"),
    "grass": ("skimage", "grass"),
    "gravel": ("skimage", "gravel"),
    "brick": ("skimage", "brick"),
}
TEST_PHOTOS = {
    "cat": ("skimage", "chelsea"),
    "flower": ("sklearn", "flower.jpg"),
    "coins": ("skimage", "coins"),
}
SMOKE_SIZES = (20, 5)  # SMOKE: BSDS300 (train, test) photos drawn at random, unless asked otherwise
INSTALL_HINT = "pip install scikit-image scikit-learn"


@dataclass(frozen=True, kw_only=True)
class PhotoSet(Splits):
    """`train`, `test`: lists of float32 tensors (3, H, W) in [0, 1] at their own sizes (test photos
    are never cropped for training); `train_names`, `test_names`: one name per photo (BSDS300 image
    ids, or the bundled photos' names). See `Splits` for the rest.

    Example:
        >>> PhotoSet(train=[], test=[], train_names=(), test_names=()).image_size is None
        True
    """

    train_names: tuple[str, ...] = ()
    test_names: tuple[str, ...] = ()


def random_crops(photos: list[Tensor], count: int, size: int, seed: int = 0) -> Tensor:
    """`count` square crops of `size` x `size` pixels at random places of random photos, not resized.

    Each crop picks a photo at random (larger photos are not favoured) and a position inside it.

    Args:
        photos: tensors (C, H, W), all with the same C, each at least `size` pixels high and wide.
        count: the number of crops (>= 1).
        size: their side in pixels (>= 1).
        seed: the same seed gives the same crops.

    Returns:
        A tensor (count, C, size, size) of the photos' dtype.

    Example:
        >>> random_crops([torch.rand(3, 40, 50), torch.rand(3, 60, 35)], count=5, size=33).shape
        torch.Size([5, 3, 33, 33])
    """
    if not isinstance(photos, (list, tuple)) or not photos or not all(isinstance(p, Tensor) for p in photos):
        raise ValueError(f"photos must be a non-empty list of (C, H, W) tensors, got {type(photos).__name__}")
    if any(p.dim() != 3 or p.shape[0] != photos[0].shape[0] for p in photos):
        raise ValueError(
            f"every photo must be a (C, H, W) tensor with the same C, got shapes {[tuple(p.shape) for p in photos]}"
        )
    for label, value in (("count", count), ("size", size)):
        if not is_int(value) or value < 1:
            raise ValueError(f"{label} must be a positive int, got {value!r}")
    if not is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    small = [tuple(p.shape[1:]) for p in photos if min(p.shape[1:]) < size]
    if small:
        raise ValueError(f"crops of {size}x{size} pixels do not fit in photos of size {small[0]}")
    generator = torch.Generator().manual_seed(int(seed))
    which = torch.randint(len(photos), (int(count),), generator=generator).tolist()
    crops = []
    for i in which:
        _, height, width = photos[i].shape
        y = int(torch.randint(height - size + 1, (), generator=generator))
        x = int(torch.randint(width - size + 1, (), generator=generator))
        crops.append(photos[i][:, y : y + size, x : x + size])
    return torch.stack(crops)


# ---------------------------------------------------------------------------------------------
# Source 1: BSDS300, downloaded
# ---------------------------------------------------------------------------------------------


def _bsds300_folder() -> Path:
    """The extracted BSDS300 folder (the one holding images/ and the iids_*.txt lists)."""
    folder = fetch("bsds300")
    return folder if (folder / "images").is_dir() else folder / "BSDS300"


def _bsds300_split(
    folder: Path, split: str, count: int | None, generator: torch.Generator
) -> tuple[list[Tensor], tuple[str, ...]]:
    """Photos of one split (all, or `count` drawn at random), in the order of its id list or drawn."""
    ids_file = folder / BSDS300_SPLITS[split]
    if not ids_file.is_file():
        raise ValueError(
            f"{ids_file} is missing: not the BSDS300 layout (BSDS300/images/{{train,test}}/<id>.jpg and "
            "BSDS300/iids_{train,test}.txt). Delete the folder and run again to re-extract."
        )
    ids = [line.strip() for line in ids_file.read_text().splitlines() if line.strip()]
    if count is not None:
        if count > len(ids):
            raise ValueError(f"{BSDS300} {split}: asked for {count} photos, but it has only {len(ids)}")
        ids = [ids[i] for i in torch.randperm(len(ids), generator=generator)[:count].tolist()]
    paths = [folder / "images" / split / f"{iid}.jpg" for iid in ids]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise ValueError(
            f"{ids_file} lists {missing[0].stem}, but {missing[0]} is missing: the archive is incomplete"
        )
    return [read_image(p) for p in paths], tuple(ids)


# ---------------------------------------------------------------------------------------------
# The loader
# ---------------------------------------------------------------------------------------------


def load_sr_photos(
    smoke: bool = False, *, seed: int = 0, n_train: int | None = None, n_test: int | None = None
) -> PhotoSet:
    """Load BSDS300's photos for super-resolution, falling back offline to photos bundled with packages.

    Args:
        smoke: True for SMOKE mode: `SMOKE_SIZES` (20 train / 5 test) BSDS300 photos drawn at random,
            unless asked otherwise. False: all 200 / 100. (Offline, both modes use the 8 / 3 bundled photos.)
        seed: seed of the random choice of BSDS300 photos (>= 0).
        n_train: BSDS300 training photos to read instead of the default (drawn at random).
        n_test: BSDS300 test photos to read instead of the default.

    Returns:
        A `PhotoSet` (train and test lists of (3, H, W) float32 tensors in [0, 1], their names, a
        short name and the source line).

    Raises:
        ValueError: a bad argument, more photos asked for than BSDS300 has, or a folder that is not in
            BSDS300's layout.
        ImportError: offline, and scikit-image or scikit-learn is not installed.

    Example:
        >>> photos = load_sr_photos(smoke=False)  # doctest: +SKIP
        DATA: BSDS300, 200 train / 100 test photos (the official splits, 481x321 or 321x481), verified in ...
    """
    check_flag(smoke)
    generator = torch.Generator().manual_seed(check_int(seed, "seed"))
    counts = [
        check_count(n, name, what="a number of photos")
        for n, name in ((n_train, "n_train"), (n_test, "n_test"))
    ]
    if smoke:
        counts = [n or default for n, default in zip(counts, SMOKE_SIZES)]

    def real() -> tuple[dict, str]:
        folder = _bsds300_folder()
        train, train_names = _bsds300_split(folder, "train", counts[0], generator)
        test, test_names = _bsds300_split(folder, "test", counts[1], generator)
        how = "drawn at random from the official splits" if any(counts) else "the official splits"
        details = f"{len(train)} train / {len(test)} test photos ({how}), verified in {folder.parent}"
        return dict(train=train, test=test, train_names=train_names, test_names=test_names), details

    def substitute() -> tuple[dict, str]:
        train = [bundled_photo(*where).div(255) for where in TRAIN_PHOTOS.values()]
        test = [bundled_photo(*where).div(255) for where in TEST_PHOTOS.values()]
        what = (
            f"{len(train) + len(test)} photos bundled with scikit-image and scikit-learn "
            f"({len(train)} to train on: {', '.join(TRAIN_PHOTOS)}; {len(test)} held out to test on: "
            f"{', '.join(TEST_PHOTOS)})"
        )
        names = dict(train_names=tuple(TRAIN_PHOTOS), test_names=tuple(TEST_PHOTOS))
        return dict(
            train=train, test=test, name="photos bundled with scikit-image / scikit-learn"
        ) | names, what

    return load_or_substitute(PhotoSet, BSDS300, real, substitute, install=INSTALL_HINT)


__all__ = ["BSDS300", "PhotoSet", "load_sr_photos", "random_crops"]
