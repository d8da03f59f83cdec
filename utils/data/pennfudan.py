"""Penn-Fudan pedestrians: real photos with a box and an instance mask for every person (notebooks 11, 13).

`load_pennfudan()` downloads `PennFudanPed.zip` through the registry (`utils.data.registry.fetch`,
checksum checked), reads the archive's own layout and returns a torch `Dataset` whose items are
`(image, target)` pairs in torchvision's detection format, split into train and test. Offline:
generated scenes (`utils.data.scenes`) in the same format.

The archive's layout (170 photos, 345 pedestrians, taken around the University of Pennsylvania and
Fudan University):

    PennFudanPed/PNGImages/FudanPed00001.png        the photo (RGB, a few hundred pixels a side)
    PennFudanPed/PedMasks/FudanPed00001_mask.png    one integer per pixel: 0 background, 1, 2, ... one id per person
    PennFudanPed/Annotation/FudanPed00001.txt       PASCAL-style text: image size, one box per person

Targets hold `boxes` (N, 4) xyxy float32, the tight box of each person's mask (a pixel (x, y)
spans [x, x + 1) × [y, y + 1), as in `utils.data.scenes.masks_to_boxes`), `labels` (N,) int64
(all 1: "person"), `masks` (N, H, W) uint8, `image_id` int, `area` (N,) float32 (mask pixels) and
`iscrowd` (N,) int64 zeros. The hand-drawn boxes of the annotation files are there too, through
`PennFudanDataset.annotation(i)`.

Example:
    >>> data = load_pennfudan(smoke=True, substitute_sizes=(160, 32))  # doctest: +SKIP
    OFFLINE: PennFudanPed could not be downloaded (no network: ...) → using 160 train / 32 test generated ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor
from torch.utils.data import Dataset, Subset

from utils.checks import check_choice, check_count, check_flag, check_int
from utils.data.base import Splits, load_or_substitute, read_image
from utils.data.registry import fetch
from utils.data.scenes import CLASSES as SCENE_CLASSES
from utils.data.scenes import SceneDataset, masks_to_boxes

PENNFUDAN = "PennFudanPed"  # the registry name's display form, printed in DATA / OFFLINE lines
REGISTRY_NAME = "pennfudan"
CLASSES = ("background", "person")  # class id = index, as torchvision's detection models expect
FOLDERS = ("PNGImages", "PedMasks", "Annotation")
SMOKE_SIZES = (8, 4)  # SMOKE: (train, test) real photos, unless n_train / n_test say
OFFLINE_SIZES = (160, 32)  # (train, test) generated scenes offline, unless substitute_sizes says

_SIZE = re.compile(r"Image size \(X x Y x C\)\s*:\s*(\d+)\s*x\s*(\d+)\s*x\s*(\d+)")
_COUNT = re.compile(r"Objects with ground truth\s*:\s*(\d+)")
_BOX = re.compile(
    r"Bounding box for object (\d+)[^:]*:\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)\s*-\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)"
)


@dataclass(frozen=True)
class Annotation:
    """What one `Annotation/*.txt` file says about its photo.

    Attributes:
        width, height, channels: the image size the file states.
        boxes: (N, 4) float32 xyxy boxes in the course's pixel-edge convention: the file's
            1-based inclusive corners (Xmin, Ymin) - (Xmax, Ymax) become (Xmin - 1, Ymin - 1, Xmax, Ymax).
        count: the number of objects the file announces ("Objects with ground truth : N").
    """

    width: int
    height: int
    channels: int
    boxes: Tensor
    count: int


def parse_annotation(text: str) -> Annotation:
    """Read a Penn-Fudan annotation file (PASCAL Annotation Version 1.00 text).

    Args:
        text: the file's content.

    Returns:
        An `Annotation` with the image size and one box per object, in object order.

    Raises:
        ValueError: the text has no image size, no object count, or fewer boxes than objects.

    Example:
        >>> a = parse_annotation('Image size (X x Y x C) : 559 x 536 x 3\\n'
        ...     'Objects with ground truth : 1 { "PASpersonWalking" }\\n'
        ...     'Bounding box for object 1 "PASpersonWalking" (Xmin, Ymin) - (Xmax, Ymax) : (160, 182) - (302, 431)')
        >>> (a.width, a.height, a.count), a.boxes.tolist()
        ((559, 536, 1), [[159.0, 181.0, 302.0, 431.0]])
    """
    size, count = _SIZE.search(text), _COUNT.search(text)
    if size is None or count is None:
        missing = (
            "an 'Image size (X x Y x C) : W x H x C' line"
            if size is None
            else "an 'Objects with ground truth' line"
        )
        raise ValueError(f"not a Penn-Fudan annotation: expected {missing}")
    found = sorted((int(m[1]), [float(v) for v in m.groups()[1:]]) for m in _BOX.finditer(text))
    boxes = torch.tensor([b for _, b in found], dtype=torch.float32).reshape(-1, 4)
    boxes[:, :2] -= 1  # 1-based inclusive corners → pixel edges
    if len(boxes) != int(count[1]):
        raise ValueError(f"the annotation announces {count[1]} objects but gives {len(boxes)} boxes")
    width, height, channels = (int(v) for v in size.groups())
    return Annotation(width, height, channels, boxes, int(count[1]))


def read_instance_masks(path: str | Path) -> Tensor:
    """The instance masks of one `PedMasks/*_mask.png`: (N, H, W) bool, one per non-zero id, ids sorted.

    Example:
        >>> read_instance_masks("PennFudanPed/PedMasks/FudanPed00001_mask.png").shape  # doctest: +SKIP
        torch.Size([2, 536, 559])
    """
    ids = read_image(path, nearest=True).long()  # 'P' or 'L' mode: the ids themselves
    ids = ids[0] if len(ids) == 1 else ids.permute(1, 2, 0)
    if ids.ndim != 2:
        raise ValueError(
            f"{path}: an instance mask must be one channel of integer ids, got shape {tuple(ids.shape)}"
        )
    present = ids.unique()
    present = present[present != 0]
    return ids[None] == present[:, None, None]


class PennFudanDataset(Dataset):
    """The Penn-Fudan photos of an extracted `PennFudanPed` folder, as (image, target) pairs.

    Items are read from disk when asked for (all 170 photos as float32 would take about 0.4 GB).
    `image` is (3, H, W) float32 in [0, 1]; `target` is described in the module docstring.
    Photo `i` is the i-th file of `PNGImages/` in sorted order, and `image_id` is `i`.

    Args:
        folder: the folder holding `PNGImages/`, `PedMasks/` and `Annotation/`.

    Raises:
        ValueError: a folder is missing, or a photo has no mask or annotation file.

    Example:
        >>> data = PennFudanDataset(Path("PennFudanPed"))  # doctest: +SKIP
        >>> image, target = data[0]; sorted(target)  # doctest: +SKIP
        ['area', 'boxes', 'image_id', 'iscrowd', 'labels', 'masks']
    """

    classes = CLASSES

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        missing = [name for name in FOLDERS if not (self.folder / name).is_dir()]
        if missing:
            raise ValueError(
                f"{self.folder} is not laid out as PennFudanPed/{{{','.join(FOLDERS)}}}: missing {missing}"
            )
        self.names = sorted(p.stem for p in (self.folder / "PNGImages").glob("*.png"))
        if not self.names:
            raise ValueError(f"{self.folder / 'PNGImages'} holds no .png photos")
        for name in self.names:
            for path in (self._mask_path(name), self._annotation_path(name)):
                if not path.is_file():
                    raise ValueError(f"photo {name}.png has no {path.parent.name}/{path.name}")

    def _mask_path(self, name: str) -> Path:
        return self.folder / "PedMasks" / f"{name}_mask.png"

    def _annotation_path(self, name: str) -> Path:
        return self.folder / "Annotation" / f"{name}.txt"

    def __len__(self) -> int:
        return len(self.names)

    def annotation(self, index: int) -> Annotation:
        """The annotation file of photo `index`, parsed (its hand-drawn boxes, its stated size)."""
        name = self.names[index]
        return parse_annotation(self._annotation_path(name).read_text(encoding="latin-1"))

    def __getitem__(self, index: int) -> tuple[Tensor, dict]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} photos")
        index %= len(self)
        name = self.names[index]
        image = read_image(self.folder / "PNGImages" / f"{name}.png")
        masks = read_instance_masks(self._mask_path(name))
        if masks.shape[1:] != image.shape[1:]:
            raise ValueError(
                f"{name}: the mask is {tuple(masks.shape[1:])} pixels but the photo is {tuple(image.shape[1:])}"
            )
        target = {
            "boxes": masks_to_boxes(masks) if len(masks) else torch.zeros((0, 4)),
            "labels": torch.ones(len(masks), dtype=torch.int64),
            "masks": masks.to(torch.uint8),
            "image_id": index,
            "area": masks.flatten(1).sum(1).float(),
            "iscrowd": torch.zeros(len(masks), dtype=torch.int64),
        }
        return image, target


def _pennfudan_folder() -> Path:
    """The extracted folder that holds PNGImages/ (the archive's top folder is PennFudanPed/)."""
    folder = fetch(REGISTRY_NAME)
    return folder if (folder / "PNGImages").is_dir() else folder / "PennFudanPed"


@dataclass(frozen=True, kw_only=True)
class PedestrianData(Splits):
    """`train`, `test`: datasets of (image (3, H, W) float32 in [0, 1], target) pairs in
    torchvision's detection format (`Subset`s of a `PennFudanDataset`, or generated `SceneDataset`s);
    `classes` counts the background as class 0 (see `Splits`).

    Example:
        >>> PedestrianData(train=[], classes=CLASSES).classes
        ('background', 'person')
    """


def load_pennfudan(
    smoke: bool = False,
    *,
    seed: int = 0,
    n_train: int | None = None,
    n_test: int | None = None,
    task: str = "detection",
    image_size: int = 128,
    substitute_sizes: tuple[int, int] | None = None,
) -> PedestrianData:
    """Penn-Fudan's photos with boxes and instance masks, split in train / test; offline generated scenes.

    Args:
        smoke: SMOKE mode: the same photos, `SMOKE_SIZES` (8 train / 4 test) unless n_train / n_test say.
        seed: the seeded order that splits the photos (the last `n_test` held out), and the scenes' seed.
        n_train: training photos (the first of the training order); None: all but the test photos.
        n_test: photos held out for testing (default 50, as torchvision's tutorial).
        task: "detection" or "instance": the target the generated scenes carry offline.
        image_size: side of the generated scenes in pixels (the photos keep their own size).
        substitute_sizes: (train, test) generated scenes offline; default `OFFLINE_SIZES`.

    Returns:
        A `PedestrianData`: train and test datasets of (image, target) pairs, the classes (background
        first), a name and the source line; `real` says which.

    Example:
        >>> data = load_pennfudan(smoke=True)  # doctest: +SKIP
        DATA: PennFudanPed, 170 photos, 345 pedestrians (boxes and instance masks), verified in ...
        >>> image, target = data.train[0]; target["masks"].shape  # doctest: +SKIP
        torch.Size([2, 536, 559])
    """
    check_flag(smoke)
    seed = check_int(seed, "seed")
    n_train, n_test = check_count(n_train, "n_train"), check_count(n_test, "n_test")
    check_choice(task, "task", SceneDataset.TASKS)
    image_size = check_int(image_size, "image_size", 16, 1024, "pixels per side")
    if substitute_sizes is not None:
        substitute_sizes = tuple(check_int(n, "substitute_sizes", 1) for n in substitute_sizes)
    if smoke:
        n_train, n_test = (n or d for n, d in zip((n_train, n_test), SMOKE_SIZES))
    n_test = n_test or 50

    def real() -> tuple[dict, str]:
        folder = _pennfudan_folder()
        data = PennFudanDataset(folder)
        if n_test >= len(data):
            raise ValueError(f"{PENNFUDAN}: n_test must be below its {len(data)} photos, got {n_test}")
        order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed)).tolist()
        train, test = Subset(data, order[:-n_test]), Subset(data, order[-n_test:])
        if n_train is not None and n_train < len(train):
            train = Subset(train, range(n_train))
        people = sum(data.annotation(i).count for i in range(len(data)))
        details = f"{len(data):,} photos, {people:,} pedestrians (boxes and instance masks), verified in {folder.parent}"
        return dict(train=train, test=test, classes=CLASSES), details

    def substitute() -> tuple[dict, str]:
        n_tr, n_te = substitute_sizes or OFFLINE_SIZES
        train = SceneDataset(n_tr, image_size, seed=seed, task=task)
        test = SceneDataset(n_te, image_size, seed=seed + 1, task=task)
        what = (
            f"{n_tr} train / {n_te} test generated shape scenes ({image_size}x{image_size}, {task} targets)"
        )
        fields = dict(train=train, test=test, classes=SCENE_CLASSES, image_size=image_size)
        return fields | dict(name="generated shape scenes"), what

    return load_or_substitute(PedestrianData, PENNFUDAN, real, substitute)
