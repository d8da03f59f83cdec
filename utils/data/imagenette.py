"""Ten classes of real photos: Imagenette-160 online, patches of bundled photos offline.

`load_imagenette` tries, in order, and says in one line which one it used:

1. Imagenette-160 (fast.ai's 10 easy ImageNet classes, shortest side 160 px) downloaded through
   the registry (`utils.data.registry.fetch("imagenette-160")`, md5 checked), read from its
   `imagenette2-160/{train,val}/<wnid>/*.JPEG` folders. Full mode: every image of both splits.
   SMOKE mode: a small class-balanced random subset of each split.
2. Offline: a real 10-class task cut from photos that ship with installed packages: "which photo
   is this patch from?", with scikit-image's chelsea (a cat), coffee, astronaut, rocket, camera (a
   cameraman), grass, gravel and brick, and scikit-learn's china and flower. Each photo is cut into
   5 vertical stripes: training patches come from stripes 1, 3 and 5, validation patches from
   stripes 2 and 4, so no validation pixel was ever seen in training.

Images are kept as uint8 (a quarter of the memory of float32: all of Imagenette at 128 px is
about 0.7 GB) and served as float32 in [0, 1], like every image dataset of the course.

Example:
    >>> data = load_imagenette(smoke=True, image_size=64)  # doctest: +SKIP
    OFFLINE: Imagenette-160 could not be downloaded (no network: ...) → using 300 patches of 10 photos ...
    >>> images, labels = data.train.tensors; images.shape  # doctest: +SKIP
    torch.Size([200, 3, 64, 64])
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F
from torch.utils.data import Dataset

from utils.checks import check_count, check_flag, check_int, is_int
from utils.data.base import Splits, load_or_substitute, read_image
from utils.data.registry import fetch

# Imagenette's folders (ImageNet WordNet ids) → class names; label 0 first (sorted ids, as torchvision).
IMAGENETTE_CLASSES = {
    "n01440764": "tench",
    "n02102040": "English springer",
    "n02979186": "cassette player",
    "n03000684": "chain saw",
    "n03028079": "church",
    "n03394916": "French horn",
    "n03417042": "garbage truck",
    "n03425413": "gas pump",
    "n03445777": "golf ball",
    "n03888257": "parachute",
}
# The offline photos: class name → (package, function). All ten ship inside the installed packages.
PHOTO_CLASSES = {
    "cat": ("skimage", "chelsea"),
    "coffee": ("skimage", "coffee"),
    "astronaut": ("skimage", "astronaut"),
    "rocket": ("skimage", "rocket"),
    "cameraman": ("skimage", "camera"),
    "grass": ("skimage", "grass"),
    "gravel": ("skimage", "gravel"),
    "brick": ("skimage", "brick"),
    "china": ("sklearn", "china.jpg"),
    "flower": ("sklearn", "flower.jpg"),
}
SMOKE_SIZES = (200, 100)  # SMOKE: (train, val) real images, class-balanced, unless n_train / n_val say
OFFLINE_SIZES = (1_000, 500)  # (train, val) patches in full mode offline
STRIPES = (
    5  # offline: each photo in 5 vertical stripes; train patches from the odd ones, val from the even ones
)
INSTALL_HINT = "pip install scikit-image scikit-learn"


class ImageTensors(Dataset):
    """Images stored as uint8, served as float32 in [0, 1]: `dataset[i]` is `(image (3, H, W), label)`.

    Args:
        images: (N, 3, H, W) uint8 tensor.
        labels: (N,) int64 tensor of class ids.

    Example:
        >>> data = ImageTensors(torch.zeros(2, 3, 4, 4, dtype=torch.uint8), torch.tensor([0, 1]))
        >>> data[1][0].dtype, data[1][1].item(), len(data)
        (torch.float32, 1, 2)
    """

    def __init__(self, images: Tensor, labels: Tensor) -> None:
        if not isinstance(images, Tensor) or images.dtype != torch.uint8 or images.dim() != 4:
            raise ValueError(
                f"images must be a (N, C, H, W) uint8 tensor, got {getattr(images, 'dtype', type(images))}"
                f" of shape {tuple(getattr(images, 'shape', ()))}"
            )
        if not isinstance(labels, Tensor) or labels.dtype != torch.int64 or labels.shape != (len(images),):
            raise ValueError(
                f"labels must be a ({len(images)},) int64 tensor, one class id per image, got "
                f"{getattr(labels, 'dtype', type(labels))} of shape {tuple(getattr(labels, 'shape', ()))}"
            )
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        return self.images[index].float().div(255), self.labels[index]

    @property
    def tensors(self) -> tuple[Tensor, Tensor]:
        """All images as float32 in [0, 1] and the labels, as `TensorDataset.tensors` gives them."""
        return self.images.float().div(255), self.labels


@dataclass(frozen=True, kw_only=True)
class Photos(Splits):
    """`train` and `val`: `ImageTensors` (images (N, 3, S, S) served as float32 in [0, 1], labels
    (N,) int64); val holds held-out images, or patches from held-out parts of the photos (see `Splits`).

    Example:
        >>> Photos(train=None, name="demo").val is None
        True
    """


# ---------------------------------------------------------------------------------------------
# Arguments, balanced counts
# ---------------------------------------------------------------------------------------------


def _per_class(total: int, num_classes: int) -> list[int]:
    """`total` split over the classes as evenly as possible: the first classes get one more."""
    base, extra = divmod(total, num_classes)
    return [base + (c < extra) for c in range(num_classes)]


# ---------------------------------------------------------------------------------------------
# Source 1: Imagenette-160, downloaded
# ---------------------------------------------------------------------------------------------


def _read_image(path: Path, size: int) -> Tensor:
    """A JPEG as a (3, size, size) uint8 tensor: shortest side resized to `size`, centre crop."""
    return read_image(path, size).mul(255).round().to(torch.uint8)


def _imagenette_split(
    root: Path, split: str, count: int | None, size: int, generator: torch.Generator
) -> ImageTensors:
    """Read `count` images (class-balanced, at random; None: all) of one split, in a random order."""
    files: list[list[Path]] = []
    for wnid in IMAGENETTE_CLASSES:
        folder = root / split / wnid
        found = sorted(folder.glob("*.JPEG")) if folder.is_dir() else []
        if not found:
            raise ValueError(
                f"{folder} holds no .JPEG files: not the Imagenette layout "
                "(imagenette2-160/{train,val}/<wnid>/*.JPEG). Delete the folder and run again to re-extract."
            )
        files.append(found)
    if count is not None:
        wanted = _per_class(count, len(files))
        short = [
            (IMAGENETTE_CLASSES[w], n, len(f))
            for w, n, f in zip(IMAGENETTE_CLASSES, wanted, files)
            if n > len(f)
        ]
        if short:
            name, n, have = short[0]
            raise ValueError(
                f"Imagenette {split}: asked for {n:,} images of class {name!r}, but it has only {have:,}"
            )
        files = [
            [f[i] for i in torch.randperm(len(f), generator=generator)[:n].tolist()]
            for f, n in zip(files, wanted)
        ]
    pairs = [(path, label) for label, paths in enumerate(files) for path in paths]
    order = torch.randperm(len(pairs), generator=generator).tolist()
    images = torch.stack([_read_image(pairs[i][0], size) for i in order])
    labels = torch.tensor([pairs[i][1] for i in order], dtype=torch.int64)
    return ImageTensors(images, labels)


def _downloaded(
    smoke: bool, size: int, generator: torch.Generator, n_train: int | None, n_val: int | None
) -> tuple[ImageTensors, ImageTensors, str]:
    """Imagenette-160 through the registry: (train, val, a description for the DATA line)."""
    root = fetch("imagenette-160")
    if smoke:
        n_train, n_val = n_train or SMOKE_SIZES[0], n_val or SMOKE_SIZES[1]
    train = _imagenette_split(root, "train", n_train, size, generator)
    val = _imagenette_split(root, "val", n_val, size, generator)
    if n_train is None and n_val is None:
        how = "the official train / val splits"
    else:
        how = f"{'SMOKE: ' if smoke else ''}class-balanced random subsets of the official splits"
    counts = f"{len(train):,} train / {len(val):,} val images"
    return train, val, f"{counts} ({size}x{size}, {how}), verified in {root.parent}"


# ---------------------------------------------------------------------------------------------
# Source 2: patches of photos that ship with scikit-image and scikit-learn
# ---------------------------------------------------------------------------------------------


def bundled_photo(package: str, name: str) -> Tensor:
    """One bundled photo as a (3, H, W) float tensor in [0, 255] (grey photos get three equal channels)."""
    if package == "skimage":
        import skimage.data

        array = np.array(getattr(skimage.data, name)())
    else:  # read scikit-learn's JPEG directly: importing sklearn.datasets costs about 2 s
        spec = importlib.util.find_spec("sklearn")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("No module named 'sklearn'")
        from PIL import Image

        path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "images" / name
        with Image.open(path) as image:
            array = np.array(image.convert("RGB"))
    photo = torch.from_numpy(array).float()
    return photo.expand(3, *photo.shape) if photo.dim() == 2 else photo.permute(2, 0, 1)


def stripes(width: int, part: str) -> list[tuple[int, int]]:
    """The column ranges [start, end) of a photo's stripes for one part: "train" or "val".

    A photo of `width` columns is cut into STRIPES vertical stripes of (nearly) equal width; the
    training part is stripes 1, 3, 5, the validation part stripes 2 and 4 (counting from 1).

    Example:
        >>> stripes(500, "val")
        [(100, 200), (300, 400)]
    """
    if part not in ("train", "val"):
        raise ValueError(f"part must be 'train' or 'val', got {part!r}")
    if not is_int(width) or width < STRIPES:
        raise ValueError(f"width must be an int >= {STRIPES} (columns of a photo), got {width!r}")
    edges = [round(width * i / STRIPES) for i in range(STRIPES + 1)]
    first = 0 if part == "train" else 1
    return [(edges[i], edges[i + 1]) for i in range(first, STRIPES, 2)]


def _patches(photo: Tensor, count: int, part: str, size: int, generator: torch.Generator) -> Tensor:
    """`count` random square patches of one part of a photo (see `stripes`), resized to size x size.

    Each patch lies inside one stripe, so train and val patches never share a pixel. Patch sides
    vary from half to all of the narrowest stripe (or the photo's height, if smaller).
    """
    _, height, width = photo.shape
    parts = [photo[:, :, start:end] for start, end in stripes(width, part)]
    largest = min(height, *(p.shape[2] for p in parts))
    scale = min(1.0, 2 * size / largest)  # shrink the stripes once, so that the largest patch is 2 x size
    if scale < 1:
        parts = [
            F.interpolate(p[None], scale_factor=scale, mode="bilinear", antialias=True, align_corners=False)[
                0
            ]
            for p in parts
        ]
        largest = min(min(p.shape[1:]) for p in parts)
    out = torch.empty(count, 3, size, size)
    for i in range(count):
        stripe = parts[int(torch.randint(len(parts), (), generator=generator))]
        side = int(torch.randint(largest // 2, largest + 1, (), generator=generator))
        x = int(torch.randint(0, stripe.shape[2] - side + 1, (), generator=generator))
        y = int(torch.randint(0, stripe.shape[1] - side + 1, (), generator=generator))
        crop = stripe[None, :, y : y + side, x : x + side]
        resized = F.interpolate(crop, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        out[i] = resized[0]
    return out.round_().clamp_(0, 255).to(torch.uint8)


def _photo_patches(
    counts: tuple[int, int], size: int, generator: torch.Generator
) -> tuple[ImageTensors, ImageTensors]:
    """Class-balanced train and val patches of the ten bundled photos, each split in a random order."""
    photos = [bundled_photo(*where) for where in PHOTO_CLASSES.values()]
    splits = []
    for part, total in zip(("train", "val"), counts):
        per_class = _per_class(total, len(photos))
        images = torch.cat([_patches(p, n, part, size, generator) for p, n in zip(photos, per_class)])
        labels = torch.cat([torch.full((n,), c, dtype=torch.int64) for c, n in enumerate(per_class)])
        order = torch.randperm(total, generator=generator)
        splits.append(ImageTensors(images[order], labels[order]))
    return splits[0], splits[1]


# ---------------------------------------------------------------------------------------------
# The loader
# ---------------------------------------------------------------------------------------------


def load_imagenette(
    smoke: bool = False,
    *,
    seed: int = 0,
    image_size: int = 64,
    n_train: int | None = None,
    n_val: int | None = None,
) -> Photos:
    """Load Imagenette-160 (10 ImageNet classes), falling back offline to patches of 10 bundled photos.

    Args:
        smoke: True for SMOKE mode: `SMOKE_SIZES` train / val images (class-balanced). False: all of
            Imagenette's 9,469 / 3,925 images (offline: 1,000 / 500 patches).
        seed: seed of the random choice and order of the images (>= 0).
        image_size: side S of the square images returned: the shortest side is resized to S, then
            the centre is cropped (16 to 512; Imagenette-160 holds 160 px images).
        n_train: number of training images instead of the default (at least 10: one per class).
        n_val: number of validation images instead of the default.

    Returns:
        A `Photos` with `train` and `val` datasets, the class names, the image size, a name and
        the source line.

    Raises:
        ValueError: a bad argument, more images of a class asked for than Imagenette has, or a
            folder that is not in Imagenette's layout.
        ImportError: offline, and scikit-image or scikit-learn is not installed.

    Example:
        >>> data = load_imagenette(smoke=True, image_size=64)  # doctest: +SKIP
        DATA: Imagenette-160, 200 train / 100 val images (64x64, SMOKE: class-balanced random ...
        >>> data.classes[:2], len(data.train)  # doctest: +SKIP
        (('tench', 'English springer'), 200)
    """
    check_flag(smoke)
    generator = torch.Generator().manual_seed(check_int(seed, "seed"))
    size = check_int(image_size, "image_size", 16, 512, "pixels per side")
    per = "a number of images, at least one per class"
    n_train, n_val = (check_count(n, name, 10, per) for n, name in ((n_train, "n_train"), (n_val, "n_val")))

    def real() -> tuple[dict, str]:
        train, val, details = _downloaded(smoke, size, generator, n_train, n_val)
        return dict(
            train=train, val=val, classes=tuple(IMAGENETTE_CLASSES.values()), image_size=size
        ), details

    def substitute() -> tuple[dict, str]:
        default = SMOKE_SIZES if smoke else OFFLINE_SIZES
        counts = (n_train or default[0], n_val or default[1])
        train, val = _photo_patches(counts, size, generator)
        what = (
            f"{sum(counts):,} patches of 10 photos bundled with scikit-image and scikit-learn ({counts[0]:,} "
            f"train / {counts[1]:,} val, {size}x{size}; task: which photo is a patch from? each photo cut in "
            f"{STRIPES} vertical stripes: train patches from stripes 1, 3, 5, val from 2, 4)"
        )
        name = "patches of 10 bundled photos"
        return dict(train=train, val=val, classes=tuple(PHOTO_CLASSES), image_size=size, name=name), what

    return load_or_substitute(Photos, "Imagenette-160", real, substitute, install=INSTALL_HINT)


def class_counts(dataset: ImageTensors, num_classes: int) -> list[int]:
    """How many images of each class a dataset holds, label 0 first.

    Example:
        >>> class_counts(ImageTensors(torch.zeros(3, 3, 2, 2, dtype=torch.uint8), torch.tensor([0, 2, 2])), 3)
        [1, 0, 2]
    """
    if not isinstance(dataset, ImageTensors):
        raise ValueError(
            f"dataset must be an ImageTensors (Photos.train or .val), got {type(dataset).__name__}"
        )
    if not is_int(num_classes) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    if len(dataset) and int(dataset.labels.max()) >= num_classes:
        raise ValueError(
            f"the dataset holds class {int(dataset.labels.max())}, but num_classes is {num_classes}"
        )
    return torch.bincount(dataset.labels, minlength=num_classes).tolist()


__all__ = [
    "IMAGENETTE_CLASSES",
    "PHOTO_CLASSES",
    "ImageTensors",
    "Photos",
    "class_counts",
    "load_imagenette",
]
