"""Imagenette-160 in miniature (notebook 10), and the ImageNet weights of the models it compares.

imagenette2-160.tgz in the real layout (imagenette2-160/{train,val}/<wnid>/<wnid>_<n>.JPEG, shortest
side 160 px, plus the real archive's noisy_imagenette.csv), 22 training and 12 validation photos per
class (notebook 10 reads 10 and 3 in SMOKE mode). Learnable: each class has its own background hue and
its own drawn object (a disc, a bar or a ring, in the class's colour), at a random place and size, with
noise.
"""

from __future__ import annotations

import colorsys
import io

import numpy as np
from PIL import Image, ImageDraw

from tests.conftest import tar_gz
from utils.data.imagenette import IMAGENETTE_CLASSES

PER_CLASS = {"train": 22, "val": 12}


def class_photo(label: int, rng: np.random.Generator) -> bytes:
    """A JPEG of class `label`: shortest side 160 px, the class's hue and object, random layout."""
    width, height = (
        (int(rng.integers(160, 240)), 160) if rng.random() < 0.7 else (160, int(rng.integers(160, 240)))
    )
    hue = label / len(IMAGENETTE_CLASSES)
    background = np.array(colorsys.hsv_to_rgb(hue, 0.35, 0.75)) * 255
    pixels = background + rng.normal(0, 20, (height, width, 3))
    image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    colour = tuple(int(v * 255) for v in colorsys.hsv_to_rgb((hue + 0.5) % 1, 0.9, 0.9))
    side = int(rng.integers(50, 100))
    x, y = int(rng.integers(0, width - side)), int(rng.integers(0, height - side))
    kind = label % 3
    if kind == 0:
        draw.ellipse((x, y, x + side, y + side), fill=colour)
    elif kind == 1:
        draw.rectangle((x, y + side // 3, x + side, y + 2 * side // 3), fill=colour)
    else:
        draw.ellipse((x, y, x + side, y + side), outline=colour, width=side // 6)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def imagenette_tgz(per_class: dict[str, int] = PER_CLASS, seed: int = 0) -> bytes:
    """imagenette2-160.tgz in the real layout with `per_class[split]` photos per class and split."""
    rng = np.random.default_rng(seed)
    members = {"imagenette2-160/noisy_imagenette.csv": b"path,noisy_labels_0,is_valid\n"}
    for split, count in per_class.items():
        for label, wnid in enumerate(IMAGENETTE_CLASSES):
            for index in range(count):
                members[f"imagenette2-160/{split}/{wnid}/{wnid}_{index}.JPEG"] = class_photo(label, rng)
    return tar_gz(members)


FILES = {"imagenette-160": imagenette_tgz}
WEIGHTS = [
    ("resnet18", "IMAGENET1K_V1"),
    ("mobilenet_v2", "IMAGENET1K_V2"),
    ("efficientnet_b0", "IMAGENET1K_V1"),
    ("vit_b_16", "IMAGENET1K_V1"),
]
