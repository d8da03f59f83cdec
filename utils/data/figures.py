"""Data for pose estimation (notebook 14): generated stick figures, and real people from COCO.

- `make_figures` draws articulated stick figures with COCO's 17 keypoints (nose, eyes, ears,
  shoulders, elbows, wrists, hips, knees, ankles), in random poses, sizes and places, on a
  cluttered background. The figure's left limbs are drawn in warm colours and its right limbs in
  cool ones (like the coloured skeletons of pose papers), so left and right can be told apart.
  Each keypoint gets COCO's visibility flag: 2 = visible, 1 = labelled but hidden (behind a
  random occluding box), 0 = not labelled (outside the image; its coordinates are then 0, 0 as
  in COCO). Fast (a few hundred figures per second) and seeded.
- `load_coco_people` (full mode, Colab): crops of the people of COCO val2017 with their 17
  keypoints, read straight from the two official zip files (annotations 241 MB, images 778 MB)
  fetched through the registry and checked against their md5. Offline: generated stick figures.

Coordinates are in pixels of the returned image, x to the right and y down, (0, 0) being the
top-left corner of the top-left pixel.

Example:
    >>> figures = make_figures(8, image_size=64, seed=0)
    >>> figures.images.shape, figures.keypoints.shape, figures.visibility.shape
    (torch.Size([8, 3, 64, 64]), torch.Size([8, 17, 2]), torch.Size([8, 17]))
"""

from __future__ import annotations

import io
import json
import math
import numbers
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from torch import Tensor

from utils.checks import check_count, check_flag, check_fraction, check_int
from utils.data.base import Splits, load_or_substitute
from utils.data.registry import fetch
from utils.metrics.keypoints import COCO_KEYPOINTS

KEYPOINT_NAMES = COCO_KEYPOINTS  # COCO's 17 person keypoints, in COCO's order
# COCO's skeleton (person_keypoints_*.json, categories[0]["skeleton"]), with 0-based keypoint ids.
SKELETON = (
    (15, 13),
    (13, 11),
    (16, 14),
    (14, 12),
    (11, 12),
    (5, 11),
    (6, 12),
    (5, 6),
    (5, 7),
    (6, 8),
    (7, 9),
    (8, 10),
    (1, 2),
    (0, 1),
    (0, 2),
    (1, 3),
    (2, 4),
    (3, 5),
    (4, 6),
)
FLIP_PAIRS = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16))  # left ↔ right
IMAGE_SIZES = (32, 512)  # accepted image sizes in pixels
SUPERSAMPLE = 4  # figures are drawn this many times larger, then shrunk: smooth edges
COCO_NAME = "COCO person keypoints (val2017)"
COCO_ENTRIES = ("coco-2017-annotations", "coco-2017-val-images")
COCO_ANNOTATIONS = "annotations/person_keypoints_val2017.json"  # the member read from the annotations zip
COCO_IMAGES = "val2017/{:012d}.jpg"  # image member names in val2017.zip
BODY_WIDTH = 3.0  # the area mask draws limbs this many times thicker: a body around the stick skeleton
SMOKE_SIZES = 200  # SMOKE: at most this many COCO people, unless max_people says
OFFLINE_PEOPLE = 500  # generated figures offline (train + held out), unless max_people says
CROP_MARGIN = 1.25  # a person's crop is a square this many times its box's longer side


@dataclass(frozen=True)
class Figures:
    """Images of people (or stick figures) with their keypoints.

    Attributes:
        images: float32 (N, 3, S, S) in [0, 1].
        keypoints: float32 (N, 17, 2), (x, y) in pixels; (0, 0) where the visibility is 0.
        visibility: int64 (N, 17), COCO's flags: 2 visible, 1 labelled but hidden, 0 not labelled.
        boxes: float32 (N, 4), the person's box (x0, y0, x1, y1) in pixels.
        areas: float32 (N,), the person's area in pixels², the scale OKS uses (COCO: the area of
            the person's segmentation). For generated figures: the pixels of a body around the
            skeleton, with limbs BODY_WIDTH times thicker than drawn (a stick figure's own pixels
            would make it look far smaller than a person of its height).

    Example:
        >>> f = make_figures(4, seed=1); (f.visibility > 0).sum(dim=1).min() >= 5
        tensor(True)
    """

    images: Tensor
    keypoints: Tensor
    visibility: Tensor
    boxes: Tensor
    areas: Tensor

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int | slice | Tensor) -> Figures:
        """A subset, e.g. `figures[:100]` or `figures[mask]`."""
        if isinstance(index, numbers.Integral):
            index = slice(int(index), int(index) + 1)
        return Figures(
            *(getattr(self, name)[index] for name in ("images", "keypoints", "visibility", "boxes", "areas"))
        )


# ---------------------------------------------------------------------------------------------
# Generated stick figures
# ---------------------------------------------------------------------------------------------


def _pose(rng: np.random.Generator, height: float, centre: np.ndarray) -> np.ndarray:
    """17 keypoints (x, y) of one random pose, in pixels, by forward kinematics from the pelvis."""
    lean = rng.uniform(-0.3, 0.3)
    up = np.array([math.sin(lean), -math.cos(lean)])  # image y points down
    side = np.array([-up[1], up[0]])  # the figure's left, seen from the front: image right
    pelvis = centre + up * 0.05 * height
    neck = pelvis + up * 0.30 * height
    k = np.zeros((17, 2))
    k[5], k[6] = neck + side * 0.10 * height, neck - side * 0.10 * height  # shoulders
    k[11], k[12] = pelvis + side * 0.07 * height, pelvis - side * 0.07 * height  # hips

    def limb(start: np.ndarray, outward: float, angle: float, length: float) -> np.ndarray:
        a = math.atan2(-up[1], -up[0]) + outward * angle  # measured from "down", turning outwards
        return start + length * height * np.array([math.cos(a), math.sin(a)])

    for s, (shoulder, elbow, wrist, hip, knee, ankle) in zip(
        (-1, 1), ((5, 7, 9, 11, 13, 15), (6, 8, 10, 12, 14, 16))
    ):
        upper = rng.uniform(0.1, 2.8)  # arm raised from the side up to above the head
        k[elbow] = limb(k[shoulder], s, upper, 0.17)
        k[wrist] = limb(k[elbow], s, upper + rng.uniform(-2.2, 0.6), 0.15)
        thigh = rng.uniform(-0.15, 0.9)
        k[knee] = limb(k[hip], s, thigh, 0.24)
        k[ankle] = limb(k[knee], s, thigh + rng.uniform(-1.0, 0.3), 0.23)
    head = neck + up * 0.10 * height
    radius = 0.065 * height
    turn = rng.uniform(-0.5, 0.5)  # the head turned left or right: the face moves sideways
    k[0] = head + side * turn * radius - up * 0.15 * radius  # nose
    k[1] = head + side * (0.40 + turn) * radius + up * 0.25 * radius  # eyes
    k[2] = head + side * (-0.40 + turn) * radius + up * 0.25 * radius
    k[3] = head + side * (1.0 - 0.3 * turn) * radius  # ears
    k[4] = head - side * (1.0 + 0.3 * turn) * radius
    return k


def _background(rng: np.random.Generator, size: int) -> Image.Image:
    """A smooth random colour gradient with noise and a few faint distracting shapes."""
    y, x = np.mgrid[0:size, 0:size] / size
    a, b = rng.uniform(0.15, 0.85, 3), rng.uniform(-0.3, 0.3, (2, 3))
    pixels = a + x[..., None] * b[0] + y[..., None] * b[1] + rng.normal(0, 0.04, (size, size, 3))
    image = Image.fromarray((np.clip(pixels, 0, 1) * 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(1, 4)):
        x0, y0 = rng.uniform(0, size, 2)
        w, h = rng.uniform(0.05, 0.3, 2) * size
        colour = tuple(int(c) for c in rng.integers(40, 220, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x0 + w, y0 + h], fill=colour)
    return image


def _draw_figure(
    draw: ImageDraw.ImageDraw, k: np.ndarray, height: float, rng: np.random.Generator, mask: bool
) -> None:
    """Draw one figure (or its mask) on a canvas SUPERSAMPLE times larger than the image."""
    f = SUPERSAMPLE
    width = max(2, round(0.045 * height * f * (BODY_WIDTH if mask else 1)))
    jitter = rng.integers(-25, 26, 3) if not mask else np.zeros(3, int)

    def colour(base: tuple[int, int, int]) -> tuple[int, ...] | int:
        return 255 if mask else tuple(int(np.clip(c + j, 0, 255)) for c, j in zip(base, jitter))

    p = [tuple(point * f) for point in k]
    torso = [p[5], p[6], p[12], p[11]]
    draw.polygon(torso, fill=colour((90, 90, 100)))
    for ids, base in (
        ((5, 7, 9), (230, 120, 30)),
        ((11, 13, 15), (200, 60, 40)),
        ((6, 8, 10), (40, 150, 230)),
        ((12, 14, 16), (40, 80, 200)),
    ):
        draw.line([p[i] for i in ids], fill=colour(base), width=width, joint="curve")
        for i in ids:
            r = width / 2
            draw.ellipse([p[i][0] - r, p[i][1] - r, p[i][0] + r, p[i][1] + r], fill=colour(base))
    neck = (k[5] + k[6]) / 2
    head = (k[3] + k[4]) / 2
    draw.line([tuple(neck * f), tuple(head * f)], fill=colour((90, 90, 100)), width=width)
    r = np.linalg.norm(k[3] - k[4]) / 2 * 1.15 * f
    draw.ellipse(
        [head[0] * f - r, head[1] * f - r, head[0] * f + r, head[1] * f + r], fill=colour((235, 195, 160))
    )
    if not mask:
        dot = max(1.0, 0.012 * height * f)
        for i in (0, 1, 2):
            draw.ellipse([p[i][0] - dot, p[i][1] - dot, p[i][0] + dot, p[i][1] + dot], fill=(40, 20, 20))


def make_figures(n: int, image_size: int = 64, seed: int = 0, occlusion: float = 0.5) -> Figures:
    """`n` generated stick figures with COCO's 17 keypoints and visibility flags.

    Args:
        n: how many images (one figure each), >= 1.
        image_size: side of the square images in pixels (32 to 512).
        seed: the same seed gives the same figures (>= 0).
        occlusion: probability that a random box hides part of the figure (0 to 1); keypoints
            under it get visibility 1 ("labelled, not visible").

    Returns:
        A `Figures`. Every figure has at least 5 labelled keypoints (visibility > 0).

    Example:
        >>> f = make_figures(16, image_size=64, seed=0)
        >>> f.images.dtype, f.keypoints.dtype, f.visibility.unique().tolist()  # doctest: +SKIP
        (torch.float32, torch.float32, [0, 1, 2])
    """
    n = check_int(n, "n", 1)
    size = check_int(image_size, "image_size", *IMAGE_SIZES)
    seed = check_int(seed, "seed", 0)
    if isinstance(occlusion, bool) or not isinstance(occlusion, (int, float)) or not 0 <= occlusion <= 1:
        raise ValueError(f"occlusion must be a probability from 0 to 1, got {occlusion!r}")
    rng = np.random.default_rng(seed)
    images, keypoints, visibility, boxes, areas = [], [], [], [], []
    while len(images) < n:
        height = rng.uniform(0.5, 0.8) * size
        centre = rng.uniform(0.35, 0.65, 2) * size
        k = _pose(rng, height, centre)
        big = size * SUPERSAMPLE
        canvas = _background(rng, size).resize((big, big), Image.Resampling.NEAREST)
        silhouette = Image.new("L", (big, big), 0)
        _draw_figure(ImageDraw.Draw(canvas), k, height, rng, mask=False)
        _draw_figure(ImageDraw.Draw(silhouette), k, height, rng, mask=True)
        v = np.full(17, 2)
        if rng.random() < occlusion:  # a box in front of part of the figure
            w, h = rng.uniform(0.2, 0.45, 2) * size
            cx, cy = k[rng.integers(5, 17)] + rng.normal(0, 0.05 * size, 2)
            x0, y0, x1, y1 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
            colour = tuple(int(c) for c in rng.integers(30, 225, 3))
            ImageDraw.Draw(canvas).rectangle(
                [x0 * SUPERSAMPLE, y0 * SUPERSAMPLE, x1 * SUPERSAMPLE, y1 * SUPERSAMPLE], fill=colour
            )
            hidden = (k[:, 0] >= x0) & (k[:, 0] <= x1) & (k[:, 1] >= y0) & (k[:, 1] <= y1)
            v[hidden] = 1
        outside = (k < 0).any(axis=1) | (k >= size).any(axis=1)
        v[outside] = 0
        if (v > 0).sum() < 5:
            continue  # too little of the figure left: draw another one
        k[outside] = 0.0
        mask = np.asarray(silhouette.resize((size, size), Image.Resampling.BOX)) >= 128
        ys, xs = np.nonzero(mask)
        images.append(np.asarray(canvas.resize((size, size), Image.Resampling.BOX)))
        keypoints.append(k)
        visibility.append(v)
        boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
        areas.append(mask.sum())
    return Figures(
        images=torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div(255),
        keypoints=torch.tensor(np.stack(keypoints), dtype=torch.float32),
        visibility=torch.tensor(np.stack(visibility), dtype=torch.int64),
        boxes=torch.tensor(boxes, dtype=torch.float32),
        areas=torch.tensor(areas, dtype=torch.float32),
    )


# ---------------------------------------------------------------------------------------------
# COCO person keypoints (full mode)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PoseData(Splits):
    """`train`, `val`: `Figures` (crops of people, or generated stick figures offline); no image
    contributes to both (see `Splits`).

    Example:
        >>> PoseData(train=make_figures(2), real=False).real
        False
    """


def crop_person(
    image: Image.Image,
    box: tuple[float, float, float, float],
    keypoints: np.ndarray,
    visibility: np.ndarray,
    size: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A square crop around one person, resized to `size`, and the person's keypoints in it.

    The square is centred on the COCO box (x, y, w, h) and CROP_MARGIN times its longer side;
    what falls outside the photo is black. Keypoints that land outside the crop get visibility 0.

    Returns:
        (uint8 image (size, size, 3), keypoints (17, 2), visibility (17,), scale = size / side).

    Example:
        >>> img = Image.new("RGB", (100, 80))
        >>> crop, k, v, s = crop_person(img, (10, 10, 20, 40), np.full((17, 2), 20.0), np.full(17, 2), 64)
        >>> crop.shape, round(s, 3)
        ((64, 64, 3), 1.28)
    """
    x, y, w, h = box
    side = CROP_MARGIN * max(w, h, 1.0)
    x0, y0 = x + w / 2 - side / 2, y + h / 2 - side / 2
    crop = image.convert("RGB").crop((round(x0), round(y0), round(x0 + side), round(y0 + side)))
    crop = crop.resize((size, size), Image.Resampling.BILINEAR)
    scale = size / (round(x0 + side) - round(x0))
    k = (keypoints - np.array([round(x0), round(y0)])) * scale
    v = visibility.copy()
    v[(k < 0).any(axis=1) | (k >= size).any(axis=1)] = 0
    k[v == 0] = 0.0
    return np.asarray(crop), k, v, scale


def _coco_people(
    size: int, max_people: int | None, min_keypoints: int, val_fraction: float, seed: int
) -> tuple[Figures, Figures, str]:
    annotations_zip, images_zip = (fetch(name) for name in COCO_ENTRIES)
    with zipfile.ZipFile(annotations_zip) as archive:
        data = json.loads(archive.read(COCO_ANNOTATIONS))
    people = [
        a
        for a in data["annotations"]
        if not a.get("iscrowd", 0) and a.get("num_keypoints", 0) >= min_keypoints
    ]
    rng = np.random.default_rng(seed)
    image_ids = sorted({a["image_id"] for a in people})
    held_out = set(rng.permutation(image_ids)[: max(1, round(val_fraction * len(image_ids)))].tolist())
    order = rng.permutation(len(people))
    if max_people is not None:
        order = order[:max_people]
    splits: dict[bool, list] = {False: [], True: []}
    with zipfile.ZipFile(images_zip) as archive:
        for i in order.tolist():
            a = people[i]
            with Image.open(io.BytesIO(archive.read(COCO_IMAGES.format(a["image_id"])))) as photo:
                raw = np.asarray(a["keypoints"], dtype=np.float64).reshape(17, 3)
                crop, k, v, scale = crop_person(
                    photo, a["bbox"], raw[:, :2], raw[:, 2].astype(np.int64), size
                )
            x, y, w, h = a["bbox"]
            side_origin = np.array([x + w / 2, y + h / 2]) - CROP_MARGIN * max(w, h, 1.0) / 2
            x0, y0 = (np.array([x, y]) - np.round(side_origin)) * scale
            box = [x0, y0, x0 + w * scale, y0 + h * scale]
            splits[a["image_id"] in held_out].append((crop, k, v, box, a["area"] * scale**2))
    result = []
    for held in (False, True):
        rows = splits[held]
        if not rows:
            raise ValueError(
                f"{COCO_NAME}: no people left for the {'val' if held else 'train'} split; ask for more"
            )
        crops, ks, vs, bs, areas = zip(*rows)
        result.append(
            Figures(
                images=torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float().div(255),
                keypoints=torch.tensor(np.stack(ks), dtype=torch.float32),
                visibility=torch.tensor(np.stack(vs), dtype=torch.int64),
                boxes=torch.tensor(bs, dtype=torch.float32),
                areas=torch.tensor(areas, dtype=torch.float32),
            )
        )
    train, val = result
    details = (
        f"{len(train):,} train / {len(val):,} held-out people with >= {min_keypoints} labelled keypoints "
        f"({size}x{size} crops, split by image), verified in {Path(annotations_zip).parent.parent}"
    )
    return train, val, details


def load_coco_people(
    smoke: bool = False,
    *,
    seed: int = 0,
    image_size: int = 128,
    max_people: int | None = None,
    min_keypoints: int = 8,
    val_fraction: float = 0.2,
) -> PoseData:
    """Crops of the people of COCO val2017 with their keypoints; offline generated stick figures.

    Downloads the official annotations (241 MB) and val2017 images (778 MB) once through the
    registry, checks their md5, and reads the needed files straight from the zips (nothing is
    extracted). Only people that are not crowds and have at least `min_keypoints` labelled
    keypoints are kept. Images, not people, are split into train and held-out. Offline:
    `make_figures` stick figures (as many people).

    Args:
        smoke: SMOKE mode: the same source, at most `SMOKE_SIZES` people unless max_people says.
        seed: the random split and choice, and the generated figures (>= 0).
        image_size: side of the square crops in pixels (32 to 512).
        max_people: keep at most this many people (drawn at random), or None for all (about 4,000).
        min_keypoints: people with fewer labelled keypoints are left out (1 to 17).
        val_fraction: share of the images held out (0 < f < 1).

    Example:
        >>> coco = load_coco_people(image_size=128, max_people=2000)  # doctest: +SKIP
        DATA: COCO person keypoints (val2017), 1,602 train / 398 held-out people ...
    """
    check_flag(smoke)
    seed, size = check_int(seed, "seed"), check_int(image_size, "image_size", *IMAGE_SIZES)
    max_people = check_count(max_people, "max_people", 2, "a number of people")
    if smoke and max_people is None:
        max_people = SMOKE_SIZES
    min_keypoints = check_int(min_keypoints, "min_keypoints", 1, 17)
    val_fraction = check_fraction(val_fraction, "val_fraction")

    def real() -> tuple[dict, str]:
        train, val, details = _coco_people(size, max_people, min_keypoints, val_fraction, seed)
        return dict(train=train, val=val, image_size=size, name="COCO val2017 people"), details

    def substitute() -> tuple[dict, str]:
        total = max_people or OFFLINE_PEOPLE
        n_val = max(1, round(val_fraction * total))
        train, val = make_figures(total - n_val, size, seed), make_figures(n_val, size, seed + 1)
        what = f"{len(train):,} train / {len(val):,} held-out generated stick figures ({size}x{size})"
        return dict(train=train, val=val, image_size=size, name="generated stick figures"), what

    return load_or_substitute(PoseData, COCO_NAME, real, substitute)
