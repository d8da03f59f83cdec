"""Penn-Fudan pedestrians in miniature (notebooks 11 and 13): PennFudanPed.zip, and the COCO detectors' weights.

The archive has the real layout (PennFudanPed/PNGImages/*.png, PedMasks/*_mask.png with one id per
person, Annotation/*.txt in the PASCAL text of the real files, readme.txt, added-object-list.txt),
written with the loader tests' helpers. 60 photos of 1 to 3 people each, big enough for both
notebooks' SMOKE sizes, and learnable: each person is a standing figure (a head on a body, in a
saturated colour, darker legs) on a dull street of grey patches, so a detector can learn to find them in a few steps.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np

from tests.test_data_pennfudan import annotation_text, png

N_PHOTOS = 60
SIZES = ((200, 160), (180, 150), (220, 170))  # (width, height) of the photos, taking turns
COLOURS = ((220, 40, 40), (40, 60, 220), (240, 200, 30), (200, 60, 200), (30, 190, 90))


def street_with_people(index: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list]:
    """A photo (H, W, 3) uint8, its instance-id map (H, W) uint8 and the people's boxes (pixel edges)."""
    width, height = SIZES[index % len(SIZES)]
    blocks = rng.normal(110, 20, (height // 8 + 1, width // 8 + 1, 1)) + rng.normal(0, 6, (1, 1, 3))
    photo = blocks.repeat(8, 0).repeat(8, 1)[:height, :width]  # a dull street of 8x8-pixel patches
    ids = np.zeros((height, width), dtype=np.uint8)
    count = 1 + index % 3  # 1, 2, 3 people, taking turns
    slot = width // count  # each person in their own column of the street: no overlaps
    people = []
    ys, xs = np.mgrid[0:height, 0:width]
    for person in range(count):
        tall = int(rng.integers(int(0.55 * height), int(0.85 * height)))
        wide = max(tall // 4, 8)
        x0 = person * slot + int(rng.integers(2, max(slot - wide - 2, 3)))
        y0 = int(rng.integers(2, height - tall - 1))
        head = wide // 2 + 2  # head diameter
        body = (xs >= x0) & (xs < x0 + wide) & (ys >= y0 + head) & (ys < y0 + tall)
        cx, cy = x0 + wide / 2, y0 + head / 2
        skull = (xs + 0.5 - cx) ** 2 + (ys + 0.5 - cy) ** 2 <= (head / 2) ** 2
        shape = body | skull
        photo[shape] = COLOURS[int(rng.integers(len(COLOURS)))]
        photo[shape & (ys >= y0 + (tall + head) // 2)] *= 0.6  # darker trousers
        ids[shape] = person + 1
        rows, cols = np.nonzero(shape)
        people.append((int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1))
    return photo.clip(0, 255).astype(np.uint8), ids, people


def pennfudan_zip(n_photos: int = N_PHOTOS, seed: int = 0) -> bytes:
    """PennFudanPed.zip in the real layout with `n_photos` generated street photos (Fudan, then Penn names)."""
    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "PennFudanPed/readme.txt", "Penn-Fudan Database for Pedestrian Detection and Segmentation"
        )
        archive.writestr("PennFudanPed/added-object-list.txt", "objects added to the list")
        for index in range(n_photos):
            half = n_photos // 2
            name = f"FudanPed{index + 1:05d}" if index < half else f"PennPed{index - half + 1:05d}"
            photo, ids, people = street_with_people(index, rng)
            size = (photo.shape[1], photo.shape[0])
            archive.writestr(f"PennFudanPed/PNGImages/{name}.png", png(photo, "RGB"))
            archive.writestr(f"PennFudanPed/PedMasks/{name}_mask.png", png(ids, "L"))
            archive.writestr(f"PennFudanPed/Annotation/{name}.txt", annotation_text(name, size, people))
    return buffer.getvalue()


FILES = {"pennfudan": pennfudan_zip}
WEIGHTS = [("fasterrcnn_mobilenet_v3_large_320_fpn", "COCO_V1")]
