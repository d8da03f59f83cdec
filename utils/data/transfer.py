"""A small real image-classification task for transfer learning (notebook 09), with a real offline task too.

`load_transfer_task` tries, in order, and says in one line which one it used:

1. hymenoptera (ants vs bees, from PyTorch's transfer-learning tutorial), downloaded through the
   registry (`utils.data.registry.fetch`) and checked against its sha1: about 120 training and 75
   validation photos per class, in its own train and val folders. SMOKE mode reads fewer of them.
2. Offline: texture patches cut from three real photos that ship with scikit-image (grass,
   gravel, brick; 512x512 grayscale). Training patches come from the top half of each photo,
   validation patches from the bottom half, so no validation pixel was ever seen in training.

Both give square RGB images of the asked size, float32 in [0, 1], and labels. The classes take
turns in each split (ants, bees, ants, bees, ...), so the first `k * len(classes)` images of a
split hold `k` images of each class: nested training sets of growing size are simple prefixes.

Example:
    >>> task = load_transfer_task(smoke=True, image_size=64)  # doctest: +SKIP
    OFFLINE: hymenoptera (ants vs bees) could not be downloaded (no network: ...) → using texture patches ...
    >>> images, labels = task.train.tensors; images.shape, labels[:6]  # doctest: +SKIP
    (torch.Size([120, 3, 64, 64]), tensor([0, 1, 2, 0, 1, 2]))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import TensorDataset

from utils.checks import check_count, check_flag, check_int
from utils.data.base import Splits, load_or_substitute, read_image
from utils.data.registry import fetch

HYMENOPTERA = "hymenoptera (ants vs bees)"  # the name printed
HYMENOPTERA_SPLITS = ("train", "val")  # its folders: hymenoptera_data/{train,val}/{ants,bees}/*.jpg
IMAGE_SUFFIXES = (
    ".jpg",
    ".jpeg",
    ".png",
)  # not .gif: train/ants/imageNotFound.gif is a placeholder, not a photo
TEXTURES = ("grass", "gravel", "brick")  # scikit-image photos, one class each
SMOKE_SIZES = SMOKE_PER_CLASS = (40, 20)  # SMOKE: (train, val) real photos per class, unless asked
TEXTURE_PER_CLASS = (120, 75)  # offline in full mode: about the size of hymenoptera
CROP_SIDES = (48, 160)  # texture patches are squares of this many photo pixels (random), then resized
IMAGE_SIZES = (16, 1024)  # the image sizes accepted, in pixels
INSTALL_HINT = "pip install scikit-image"


@dataclass(frozen=True, kw_only=True)
class ImageTask(Splits):
    """`train` and `val`: `TensorDataset(images, labels)`, images (N, 3, S, S) float32 in [0, 1],
    labels (N,) int64; the classes take turns: the first k * len(classes) images hold k of each
    class (see `Splits` for the other fields).

    Example:
        >>> task = load_transfer_task(smoke=True, image_size=64)  # doctest: +SKIP
        >>> task.classes, task.image_size  # doctest: +SKIP
        (('grass', 'gravel', 'brick'), 64)
    """


# ---------------------------------------------------------------------------------------------
# Reading and ordering images
# ---------------------------------------------------------------------------------------------


def _taking_turns(per_class: list[list]) -> tuple[list, list[int]]:
    """Items of several classes in the order class 0, class 1, ..., class 0, class 1, ...; and their labels.

    A class that runs out leaves the others to go on taking turns."""
    items, labels = [], []
    for rank in range(max(map(len, per_class), default=0)):
        for label, members in enumerate(per_class):
            if rank < len(members):
                items.append(members[rank])
                labels.append(label)
    return items, labels


def _dataset(images: list[Tensor], labels: list[int]) -> TensorDataset:
    return TensorDataset(torch.stack(images), torch.tensor(labels, dtype=torch.int64))


# ---------------------------------------------------------------------------------------------
# Checking arguments
# ---------------------------------------------------------------------------------------------


def _check_image_size(image_size: int) -> int:
    return check_int(image_size, "image_size", *IMAGE_SIZES, what="pixels per side")


# ---------------------------------------------------------------------------------------------
# Source 1: hymenoptera, downloaded
# ---------------------------------------------------------------------------------------------


def _hymenoptera_folder() -> Path:
    """The extracted hymenoptera_data folder (the one holding train/ and val/)."""
    folder = fetch("hymenoptera")
    return folder if (folder / "train").is_dir() else folder / "hymenoptera_data"


def _class_files(split_folder: Path) -> dict[str, list[Path]]:
    """Image files of each class folder of a split, by class name in sorted order, files sorted by name."""
    if not split_folder.is_dir():
        raise ValueError(
            f"{split_folder} is missing: the archive is not laid out as hymenoptera_data/{{train,val}}/<class>/"
        )
    classes = sorted(p for p in split_folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    files = {c.name: sorted(f for f in c.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES) for c in classes}
    if len(files) < 2 or not all(files.values()):
        raise ValueError(f"{split_folder}: expected at least two class folders holding images, found {files}")
    return files


def _hymenoptera(
    image_size: int, rng: np.random.Generator, per_class: tuple[int | None, int | None]
) -> tuple[TensorDataset, TensorDataset, tuple[str, ...], str]:
    """(train, val, classes, details for the DATA line) from the downloaded archive."""
    folder = _hymenoptera_folder()
    splits, classes = [], None
    for split, wanted in zip(HYMENOPTERA_SPLITS, per_class):
        files = _class_files(folder / split)
        if classes is not None and tuple(files) != classes:
            raise ValueError(f"{folder}: train has classes {classes} but {split} has {tuple(files)}")
        classes = tuple(files)
        chosen = []
        for name, paths in files.items():
            count = wanted or len(paths)
            if count > len(paths):
                raise ValueError(
                    f"{HYMENOPTERA} {split}/{name}: asked for {count} images, but there are only {len(paths)}"
                )
            chosen.append([paths[i] for i in rng.permutation(len(paths))[:count]])
        paths, labels = _taking_turns(chosen)
        splits.append(_dataset([read_image(p, image_size) for p in paths], labels))
    train, val = splits
    how = "drawn from the train and val folders" if any(per_class) else "the train and val folders"
    details = f"{len(train):,} train / {len(val):,} val images ({image_size}x{image_size}, {how})"
    return train, val, classes, f"{details}, verified in {folder.parent}"


# ---------------------------------------------------------------------------------------------
# Source 2: texture patches from scikit-image's photos
# ---------------------------------------------------------------------------------------------


def texture_patches(
    photo: np.ndarray, count: int, image_size: int, rows: tuple[int, int], rng: np.random.Generator
) -> Tensor:
    """`count` random square patches of a grayscale photo, taken only from the rows `rows[0]:rows[1]`.

    Each patch is a square of a random side in `CROP_SIDES` (photo pixels), at a random place
    inside the rows given, resized to `image_size` and repeated on 3 channels (RGB gray).

    Returns:
        A float32 tensor (count, 3, image_size, image_size) in [0, 1].

    Example:
        >>> from skimage.data import grass
        >>> texture_patches(grass(), 4, 64, (0, 256), np.random.default_rng(0)).shape
        torch.Size([4, 3, 64, 64])
    """
    _check_image_size(image_size)
    if photo.ndim != 2:
        raise ValueError(f"expected a grayscale photo (H, W), got shape {photo.shape}")
    top, bottom = rows
    largest = min(CROP_SIDES[1], bottom - top, photo.shape[1])
    if not 0 <= top < bottom <= photo.shape[0] or largest < CROP_SIDES[0]:
        raise ValueError(
            f"rows {rows} of a {photo.shape} photo leave no room for a {CROP_SIDES[0]}-pixel patch"
        )
    pixels = torch.from_numpy(photo).float().div(255 if photo.dtype == np.uint8 else 1)
    patches = []
    for _ in range(count):
        side = int(rng.integers(CROP_SIDES[0], largest + 1))
        y, x = int(rng.integers(top, bottom - side + 1)), int(rng.integers(0, photo.shape[1] - side + 1))
        patch = pixels[y : y + side, x : x + side][None, None]
        patches.append(
            F.interpolate(patch, size=(image_size, image_size), mode="bilinear", antialias=True)[0]
        )
    return torch.cat(patches).unsqueeze(1).expand(-1, 3, -1, -1).clamp(0, 1).contiguous()


def _textures(
    smoke: bool, image_size: int, rng: np.random.Generator, per_class: tuple[int | None, int | None]
) -> tuple[TensorDataset, TensorDataset, str]:
    """(train, val, what they are) cut from scikit-image's texture photos. ImportError without it."""
    import skimage.data

    default = SMOKE_PER_CLASS if smoke else TEXTURE_PER_CLASS
    counts = [n or d for n, d in zip(per_class, default)]
    photos = [getattr(skimage.data, name)() for name in TEXTURES]
    splits = []
    for count, half in zip(counts, (0, 1)):  # train: top half of each photo, val: bottom half
        per_class_patches = []
        for photo in photos:
            middle = photo.shape[0] // 2
            rows = (0, middle) if half == 0 else (middle, photo.shape[0])
            per_class_patches.append(list(texture_patches(photo, count, image_size, rows, rng)))
        patches, labels = _taking_turns(per_class_patches)
        splits.append(_dataset(patches, labels))
    train, val = splits
    what = (
        f"texture patches cut from scikit-image's {', '.join(TEXTURES[:-1])} and {TEXTURES[-1]} photos: "
        f"{len(train):,} train / {len(val):,} val ({image_size}x{image_size}; train from the top half of "
        "each photo, val from the bottom half)"
    )
    return train, val, what


# ---------------------------------------------------------------------------------------------
# The loader
# ---------------------------------------------------------------------------------------------


def load_transfer_task(
    smoke: bool = False,
    *,
    seed: int = 0,
    image_size: int = 224,
    train_per_class: int | None = None,
    val_per_class: int | None = None,
) -> ImageTask:
    """Load ants vs bees (hymenoptera) for transfer learning, or offline a real texture task instead.

    Args:
        smoke: True for SMOKE mode: `SMOKE_PER_CLASS` train / val images per class unless asked
            otherwise. False: all of hymenoptera's images (offline: 120 / 75 texture patches per class).
        seed: seed of the random choice of photos (or patches) and their order (>= 0).
        image_size: side of the square images in pixels (16 to 1024), e.g. 224 as ImageNet models
            expect, or 64 to be quick on a CPU.
        train_per_class: training images per class instead of the default (drawn at random).
        val_per_class: validation images per class instead of the default.

    Returns:
        An `ImageTask` with `train` and `val` TensorDatasets (images (N, 3, S, S) float32 in [0, 1],
        labels (N,) int64, the classes taking turns), the class names, S, a name and the source line.

    Raises:
        ValueError: a bad argument, or more images per class asked for than hymenoptera has.
        ImportError: offline, and scikit-image is not installed.

    Example:
        >>> task = load_transfer_task(smoke=False, image_size=224)  # doctest: +SKIP
        DATA: hymenoptera (ants vs bees), 244 train / 153 val images (224x224, the train and val folders), verified in ...
    """
    check_flag(smoke)
    rng = np.random.default_rng(check_int(seed, "seed"))
    image_size = _check_image_size(image_size)
    per_class = tuple(
        check_count(n, name, what="images per class")
        for n, name in ((train_per_class, "train_per_class"), (val_per_class, "val_per_class"))
    )
    if smoke:
        per_class = tuple(n or d for n, d in zip(per_class, SMOKE_PER_CLASS))

    def real() -> tuple[dict, str]:
        train, val, classes, details = _hymenoptera(image_size, rng, per_class)
        return dict(train=train, val=val, classes=classes, image_size=image_size), details

    def substitute() -> tuple[dict, str]:
        train, val, what = _textures(smoke, image_size, rng, per_class)
        name = "scikit-image textures (grass, gravel, brick)"
        return dict(train=train, val=val, classes=TEXTURES, image_size=image_size, name=name), what

    return load_or_substitute(ImageTask, HYMENOPTERA, real, substitute, install=INSTALL_HINT)
