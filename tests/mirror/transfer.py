"""Notebook 09's downloads in miniature: hymenoptera_data.zip (ants vs bees) and ResNet-18's weights.

The miniature has the real archive's layout (hymenoptera_data/{train,val}/{ants,bees}/*.jpg, plus the
placeholder train/ants/imageNotFound.gif) and enough photos per class for the notebook's SMOKE sizes
(27 training, 20 validation images per class). The classes differ visibly, so a network can learn
them even from random features: ants are small dark ellipses on a green field, bees yellow and black
striped ellipses on a pale blue sky. Each photo has its own size, position and noise (seeded).
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
from PIL import Image, ImageDraw

CLASSES = ("ants", "bees")
PER_CLASS = {"train": 30, "val": 22}  # notebook 09 in SMOKE mode reads 27 and 20 of them


def insect_photo(label: int, rng: np.random.Generator) -> bytes:
    """One JPEG photo of class `label` (0: ants, 1: bees), with a random size, layout and noise."""
    width, height = int(rng.integers(60, 100)), int(rng.integers(50, 80))
    background = (70, 130, 60) if label == 0 else (170, 200, 230)
    pixels = np.array(background, dtype=float) + rng.normal(0, 18, (height, width, 3))
    image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(1, 4))):
        w, h = int(rng.integers(12, 30)), int(rng.integers(8, 18))
        x, y = int(rng.integers(0, width - w)), int(rng.integers(0, height - h))
        if label == 0:  # an ant: a dark brown body
            draw.ellipse((x, y, x + w, y + h), fill=(40, 20, 10))
        else:  # a bee: yellow with black stripes
            draw.ellipse((x, y, x + w, y + h), fill=(230, 190, 30))
            for stripe in range(x + 3, x + w - 2, 6):
                draw.line((stripe, y + 1, stripe, y + h - 1), fill=(10, 10, 10), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def hymenoptera_zip(per_class: dict[str, int] = PER_CLASS, seed: int = 0) -> bytes:
    """hymenoptera_data.zip in the real layout, `per_class[split]` photos per class and split."""
    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for split, count in per_class.items():
            for label, name in enumerate(CLASSES):
                for index in range(count):
                    archive.writestr(
                        f"hymenoptera_data/{split}/{name}/{split}_{name}_{index}.jpg",
                        insect_photo(label, rng),
                    )
        archive.writestr(
            "hymenoptera_data/train/ants/imageNotFound.gif", not_found_gif()
        )  # as in the real one
    return buffer.getvalue()


def not_found_gif() -> bytes:
    """The stray `imageNotFound.gif` the real hymenoptera zip holds among the ants (the loader skips it)."""
    gif = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 255, 255)).save(gif, format="GIF")
    return gif.getvalue()


FILES = {"hymenoptera": hymenoptera_zip}
WEIGHTS = [("resnet18", "IMAGENET1K_V1")]
